//! Metrics on predicted probabilities: log-loss, Brier score, calibration curve
//! and expected calibration error (scikit-learn 1.9.1 semantics).

use serde::Serialize;

use crate::error::{MetricsError, Result, check_finite, check_len, check_weights, invalid};
use crate::label::Label;
pub use crate::matrix::ScoreMatrix;
use crate::ranking::classes_of;
use crate::scan::{Scan, scan_rows};

fn check_probs(what: &'static str, p: &[f64]) -> Result<()> {
    check_finite(what, p)?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in p {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if hi > 1.0 {
        return Err(MetricsError::ProbabilityOutOfRange {
            what,
            side: "greater",
            bound: 1.0,
            value: hi,
        });
    }
    if lo < 0.0 {
        return Err(MetricsError::ProbabilityOutOfRange {
            what,
            side: "less",
            bound: 0.0,
            value: lo,
        });
    }
    Ok(())
}

/// Warnings scikit-learn would emit for a probability matrix: rows that do not
/// sum to 1 (relative tolerance √ε).
pub fn probability_warnings(proba: &ScoreMatrix) -> Vec<String> {
    let tol = f64::EPSILON.sqrt();
    let bad = (0..proba.n_rows())
        .filter(|&i| {
            let s: f64 = if proba.n_cols() == 1 {
                1.0
            } else {
                proba.row(i).iter().sum()
            };
            // numpy.isclose(s, 1, rtol=sqrt(eps)) with its default atol
            (s - 1.0).abs() > 1e-8 + tol
        })
        .count();
    if bad > 0 {
        vec![format!(
            "The y_prob values do not sum to one in {bad} rows. Make sure to pass probabilities."
        )]
    } else {
        Vec::new()
    }
}

/// Classes of a probabilistic problem: `labels` (sorted, deduplicated) or the
/// distinct codes of `y_true`; at least two are needed.
fn prob_classes<L: Label>(y_true: &[L], labels: Option<&[usize]>) -> Result<Vec<usize>> {
    match labels {
        Some(l) => {
            let mut c = l.to_vec();
            c.sort_unstable();
            c.dedup();
            if c.len() < 2 {
                return Err(invalid(format!(
                    "The labels array needs to contain at least two labels, got {c:?}."
                )));
            }
            Ok(c)
        }
        None => {
            let c = classes_of(y_true);
            if c.len() < 2 {
                return Err(invalid(format!(
                    "y_true contains only one label ({}). Please provide the list of all expected class labels explicitly through the labels argument.",
                    c.first().copied().unwrap_or(0)
                )));
            }
            Ok(c)
        }
    }
}

/// Error for the first code of `y_true` that is not one of `classes`.
fn check_codes<L: Label>(y_true: &[L], classes: &[usize]) -> Result<()> {
    match y_true
        .iter()
        .find(|y| classes.binary_search(&y.code()).is_err())
    {
        Some(y) => Err(invalid(format!(
            "y_true contains value {} not belonging to the passed labels {classes:?}.",
            y.code()
        ))),
        None => Ok(()),
    }
}

/// Column of each class code: `lut[code]` (codes of `classes` only).
fn column_lut(classes: &[usize]) -> Vec<u32> {
    let mut lut = vec![u32::MAX; classes.last().map_or(0, |&m| m + 1)];
    for (j, &c) in classes.iter().enumerate() {
        lut[c] = j as u32;
    }
    lut
}

/// One-hot column of each row: classes are `labels` (sorted) or the distinct
/// codes of `y_true`; at least two are needed.
fn one_hot_classes<L: Label>(
    y_true: &[L],
    labels: Option<&[usize]>,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let classes = prob_classes(y_true, labels)?;
    check_codes(y_true, &classes)?;
    let lut = column_lut(&classes);
    let enc = y_true.iter().map(|y| lut[y.code()] as usize).collect();
    Ok((enc, classes))
}

/// The errors [`check_probs`] would report, from a [`scan_rows`] of the
/// probabilities.
fn check_scanned(what: &'static str, s: &Scan) -> Result<()> {
    if !s.finite {
        return Err(MetricsError::NonFinite(what));
    }
    if s.hi > 1.0 {
        return Err(MetricsError::ProbabilityOutOfRange {
            what,
            side: "greater",
            bound: 1.0,
            value: s.hi,
        });
    }
    if s.lo < 0.0 {
        return Err(MetricsError::ProbabilityOutOfRange {
            what,
            side: "less",
            bound: 0.0,
            value: s.lo,
        });
    }
    Ok(())
}

fn wavg(v: impl Iterator<Item = f64>, w: Option<&[f64]>, normalize: bool) -> f64 {
    let (mut s, mut sw) = (0.0, 0.0);
    for (i, x) in v.enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        s += x * wi;
        sw += wi;
    }
    if normalize { s / sw } else { s }
}

/// Log-loss (cross-entropy) of predicted probabilities, natural log.
/// Probabilities are clipped to `[ε, 1-ε]` (ε = `f64::EPSILON`), as scikit-learn.
/// `y_proba` has one column per class (sorted codes, or `labels`), or a single
/// column holding the probability of the positive (larger) class.
/// `normalize = false` returns the (weighted) sum instead of the mean.
pub fn log_loss<L: Label>(
    y_true: &[L],
    y_proba: &ScoreMatrix,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
    normalize: bool,
) -> Result<f64> {
    let n = y_true.len();
    check_len("y_proba rows", n, y_proba.n_rows())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true has no rows"));
    }
    let lut = match check_weights(sample_weight, n)
        .and_then(|_| log_loss_columns(y_true, labels, y_proba))
    {
        Ok(lut) => lut,
        Err(e) => {
            check_probs("y_prob", y_proba.data())?; // reported first
            return Err(e);
        }
    };
    let (c, p) = (y_proba.n_cols(), y_proba.data());
    let eps = f64::EPSILON;
    let clip = |p: f64| p.clamp(eps, 1.0 - eps);
    let scan = scan_rows(n, p, sample_weight, |rows, out| {
        let y = &y_true[rows.clone()];
        if c == 1 {
            for ((o, y), &p) in out.iter_mut().zip(y).zip(&p[rows]) {
                let positive = lut[y.code()] == 1;
                *o = -(if positive { clip(p) } else { clip(1.0 - p) }).ln();
            }
        } else {
            let block = &p[rows.start * c..rows.end * c];
            for ((o, y), r) in out.iter_mut().zip(y).zip(block.chunks_exact(c)) {
                *o = -clip(r[lut[y.code()] as usize]).ln();
            }
        }
    });
    check_scanned("y_prob", &scan)?;
    Ok(if normalize {
        scan.sum / scan.weight
    } else {
        scan.sum
    })
}

/// Column of each class code for [`log_loss`], after checking the classes
/// against `labels` and the number of probability columns.
fn log_loss_columns<L: Label>(
    y_true: &[L],
    labels: Option<&[usize]>,
    y_proba: &ScoreMatrix,
) -> Result<Vec<u32>> {
    let classes = prob_classes(y_true, labels)?;
    if labels.is_some() {
        check_codes(y_true, &classes)?;
    }
    let ncols = if y_proba.n_cols() == 1 {
        2
    } else {
        y_proba.n_cols()
    };
    if classes.len() != ncols {
        return Err(invalid(format!(
            "y_true and y_prob contain different number of classes: {} vs {ncols}. Please provide the true labels explicitly through the labels argument. Classes found in y_true: {classes:?}",
            classes.len()
        )));
    }
    Ok(column_lut(&classes))
}

/// Brier score of a binary problem: mean squared difference between the
/// predicted probability of `pos_label` and the outcome. `pos_label = None`
/// means 1 when all codes are 0/1, else the largest code (scikit-learn).
pub fn brier_score<L: Label>(
    y_true: &[L],
    y_prob: &[f64],
    pos_label: Option<usize>,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    let n = y_true.len();
    check_len("y_prob", n, y_prob.len())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true has no rows"));
    }
    let pos = match check_weights(sample_weight, n).and_then(|_| brier_pos_label(y_true, pos_label))
    {
        Ok(pos) => pos,
        Err(e) => {
            check_probs("y_prob", y_prob)?; // reported first
            return Err(e);
        }
    };
    let scan = scan_rows(n, y_prob, sample_weight, |rows, out| {
        for ((v, y), &p) in out.iter_mut().zip(&y_true[rows.clone()]).zip(&y_prob[rows]) {
            let o = (y.code() == pos) as u8 as f64;
            // scikit-learn sums both columns of [1-p, p] then halves.
            *v = (((1.0 - o) - (1.0 - p)).powi(2) + (o - p).powi(2)) * 0.5;
        }
    });
    check_scanned("y_prob", &scan)?;
    Ok(scan.sum / scan.weight)
}

/// The positive class of a binary Brier score: `pos_label` (which must occur
/// when `y_true` has two classes), else 1 when all codes are 0/1, else the
/// largest code (scikit-learn).
fn brier_pos_label<L: Label>(y_true: &[L], pos_label: Option<usize>) -> Result<usize> {
    let classes = classes_of(y_true);
    if classes.len() > 2 {
        return Err(invalid(
            "The type of the target inferred from y_true is multiclass but should be binary according to the shape of y_prob.",
        ));
    }
    Ok(match pos_label {
        Some(p) => {
            if classes.len() == 2 && !classes.contains(&p) {
                return Err(MetricsError::InvalidPosLabel {
                    pos_label: p,
                    present: classes,
                });
            }
            p
        }
        None => {
            if classes.iter().all(|&c| c <= 1) {
                1
            } else {
                *classes.last().unwrap()
            }
        }
    })
}

/// Multiclass Brier score: mean over rows of the squared distance between the
/// one-hot outcome and the probability row (no halving for 3+ classes; halved
/// for 2 columns, as scikit-learn's `scale_by_half="auto"`).
pub fn brier_score_multiclass<L: Label>(
    y_true: &[L],
    y_proba: &ScoreMatrix,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_len("y_proba rows", y_true.len(), y_proba.n_rows())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty("y_true has no rows"));
    }
    check_probs("y_prob", y_proba.data())?;
    check_weights(sample_weight, y_true.len())?;
    if y_proba.n_cols() == 1 {
        return brier_score(y_true, y_proba.data(), None, sample_weight);
    }
    let (enc, classes) = one_hot_classes(y_true, labels)?;
    if classes.len() != y_proba.n_cols() {
        return Err(invalid(format!(
            "y_true and y_prob contain different number of classes: {} vs {}",
            classes.len(),
            y_proba.n_cols()
        )));
    }
    let v = enc.iter().enumerate().map(|(i, &e)| {
        y_proba
            .row(i)
            .iter()
            .enumerate()
            .map(|(j, &p)| ((j == e) as u8 as f64 - p).powi(2))
            .sum::<f64>()
    });
    let s = wavg(v, sample_weight, true);
    Ok(if y_proba.n_cols() < 3 { s * 0.5 } else { s })
}

/// Bin edges of a calibration curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum BinStrategy {
    /// `n_bins` equal-width bins on [0, 1].
    #[default]
    Uniform,
    /// Bins holding equal numbers of predictions (edges at quantiles).
    Quantile,
}

/// A reliability diagram: only non-empty bins are listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationCurve {
    /// Fraction of positives per bin.
    pub prob_true: Vec<f64>,
    /// Mean predicted probability per bin.
    pub prob_pred: Vec<f64>,
    /// Number of predictions per bin.
    pub count: Vec<f64>,
}

/// `numpy.linspace(0, 1, n + 1)`, bit for bit.
fn linspace01(n: usize) -> Vec<f64> {
    let step = 1.0 / n as f64;
    let mut v: Vec<f64> = (0..=n).map(|i| i as f64 * step).collect();
    v[n] = 1.0;
    v
}

/// `numpy.percentile(sorted, pct)` with the default linear method, bit for bit.
fn np_percentile(sorted: &[f64], pct: f64) -> f64 {
    let n = sorted.len();
    let q = pct / 100.0;
    // numpy: n*q + (alpha + q*(1 - alpha - beta)) - 1 with alpha = beta = 1
    let v = n as f64 * q + (1.0 - q) - 1.0;
    if v >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if v < 0.0 {
        return sorted[0];
    }
    let prev = v.floor();
    let g = v - prev;
    let (a, b) = (sorted[prev as usize], sorted[prev as usize + 1]);
    let d = b - a;
    if g >= 0.5 {
        b - d * (1.0 - g)
    } else {
        a + d * g
    }
}

/// scikit-learn's `calibration_curve` (binary), with bin counts.
pub fn calibration_curve<L: Label>(
    y_true: &[L],
    y_prob: &[f64],
    pos_label: Option<usize>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<CalibrationCurve> {
    check_len("y_prob", y_true.len(), y_prob.len())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty("y_true has no rows"));
    }
    check_finite("y_prob", y_prob)?;
    if n_bins == 0 {
        return Err(invalid("n_bins must be at least 1"));
    }
    if y_prob.iter().any(|&p| !(0.0..=1.0).contains(&p)) {
        return Err(invalid("y_prob has values outside [0, 1]."));
    }
    let classes = classes_of(y_true);
    if classes.len() > 2 {
        return Err(invalid(format!(
            "Only binary classification is supported. Provided labels {classes:?}."
        )));
    }
    let pos = match pos_label {
        Some(p) => p,
        None => {
            if classes.iter().all(|&c| c <= 1) {
                1
            } else {
                return Err(invalid(
                    "y_true takes values other than 0/1: pass pos_label explicitly",
                ));
            }
        }
    };
    let edges = match strategy {
        BinStrategy::Uniform => linspace01(n_bins),
        BinStrategy::Quantile => {
            let mut s = y_prob.to_vec();
            s.sort_unstable_by(|a, b| a.total_cmp(b));
            linspace01(n_bins)
                .iter()
                .map(|&q| np_percentile(&s, q * 100.0))
                .collect()
        }
    };
    let inner = &edges[1..edges.len() - 1];
    let mut sums = vec![0.0; n_bins];
    let mut trues = vec![0.0; n_bins];
    let mut counts = vec![0.0; n_bins];
    for (y, &p) in y_true.iter().zip(y_prob) {
        // numpy.searchsorted(inner, p, side="left")
        let b = inner.partition_point(|&e| e < p);
        sums[b] += p;
        trues[b] += (y.code() == pos) as u8 as f64;
        counts[b] += 1.0;
    }
    let mut out = CalibrationCurve {
        prob_true: vec![],
        prob_pred: vec![],
        count: vec![],
    };
    for b in 0..n_bins {
        if counts[b] != 0.0 {
            out.prob_true.push(trues[b] / counts[b]);
            out.prob_pred.push(sums[b] / counts[b]);
            out.count.push(counts[b]);
        }
    }
    Ok(out)
}

/// Expected calibration error of a binary problem:
/// `sum_b (n_b / n) * |fraction_of_positives_b - mean_predicted_b|` over the
/// bins of [`calibration_curve`].
pub fn expected_calibration_error<L: Label>(
    y_true: &[L],
    y_prob: &[f64],
    pos_label: Option<usize>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<f64> {
    let c = calibration_curve(y_true, y_prob, pos_label, n_bins, strategy)?;
    let n = y_true.len() as f64;
    Ok(c.prob_true
        .iter()
        .zip(&c.prob_pred)
        .zip(&c.count)
        .map(|((t, p), k)| k / n * (t - p).abs())
        .sum())
}

/// Top-label expected calibration error of a multiclass problem: the binary
/// ECE of "the arg-max class is right" against the maximum probability.
/// Columns are the sorted codes of `y_true` or `labels`.
pub fn expected_calibration_error_multiclass<L: Label>(
    y_true: &[L],
    y_proba: &ScoreMatrix,
    labels: Option<&[usize]>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<f64> {
    check_len("y_proba rows", y_true.len(), y_proba.n_rows())?;
    check_probs("y_prob", y_proba.data())?;
    let (enc, classes) = one_hot_classes(y_true, labels)?;
    if classes.len() != y_proba.n_cols() {
        return Err(invalid(
            "number of classes differs from the number of probability columns",
        ));
    }
    let mut correct = Vec::with_capacity(enc.len());
    let mut conf = Vec::with_capacity(enc.len());
    for (i, &e) in enc.iter().enumerate() {
        let r = y_proba.row(i);
        let (mut arg, mut best) = (0, r[0]);
        for (j, &p) in r.iter().enumerate() {
            if p > best {
                best = p;
                arg = j;
            }
        }
        correct.push((arg == e) as u8);
        conf.push(best);
    }
    expected_calibration_error(&correct, &conf, Some(1), n_bins, strategy)
}

/// Streaming, mergeable sums for log-loss and Brier score of a binary problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbabilityAccumulator {
    log_loss_sum: f64,
    brier_sum: f64,
    weight: f64,
}

impl ProbabilityAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds rows: `outcome[i]` is true for the positive class, `p[i]` its probability.
    pub fn update(
        &mut self,
        outcome: &[bool],
        p: &[f64],
        sample_weight: Option<&[f64]>,
    ) -> Result<()> {
        check_len("probabilities", outcome.len(), p.len())?;
        check_probs("y_prob", p)?;
        check_weights(sample_weight, p.len())?;
        let eps = f64::EPSILON;
        for (i, (&o, &q)) in outcome.iter().zip(p).enumerate() {
            let w = sample_weight.map_or(1.0, |w| w[i]);
            let c = q.clamp(eps, 1.0 - eps);
            self.log_loss_sum -= w * if o { c.ln() } else { (1.0 - c).ln() };
            let y = o as u8 as f64;
            self.brier_sum += w * (y - q) * (y - q);
            self.weight += w;
        }
        Ok(())
    }

    /// Merges another accumulator.
    pub fn merge(&mut self, other: &Self) {
        self.log_loss_sum += other.log_loss_sum;
        self.brier_sum += other.brier_sum;
        self.weight += other.weight;
    }

    /// Mean log-loss so far.
    pub fn log_loss(&self) -> f64 {
        self.log_loss_sum / self.weight
    }

    /// Brier score so far.
    pub fn brier_score(&self) -> f64 {
        self.brier_sum / self.weight
    }
}
