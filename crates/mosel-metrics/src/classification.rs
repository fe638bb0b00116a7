//! Count-based classification metrics with scikit-learn 1.9.1 semantics.
//!
//! Labels are integer codes (see [`Label`]). Every metric is a function of a
//! [`Confusion`] (built in one pass, or streamed and merged with
//! [`ConfusionAccumulator`]); the slice functions are conveniences that build it.
//!
//! ```
//! use mosel_metrics::classification::{precision_recall_fscore, PrfOptions, Average};
//! let y_true = [0u32, 1, 1, 0, 1];
//! let y_pred = [0u32, 1, 0, 0, 1];
//! let prf = precision_recall_fscore(&y_true, &y_pred, &PrfOptions::default()).unwrap();
//! assert_eq!(prf.precision, 1.0);
//! assert!((prf.recall - 2.0 / 3.0).abs() < 1e-15);
//! assert!((prf.fscore - 0.8).abs() < 1e-15); // harmonic mean 2PR/(P+R)
//! let macro_ = PrfOptions { average: Average::Macro, ..Default::default() };
//! assert!(precision_recall_fscore(&y_true, &y_pred, &macro_).is_ok());
//! ```

use rayon::prelude::*;
use serde::Serialize;

pub use crate::confusion::{Confusion, ConfusionAccumulator};
use crate::error::{MetricsError, Result, check_len, check_weights, invalid};
pub use crate::label::Label;

/// Value used when a ratio has a zero denominator (scikit-learn's `zero_division`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub enum ZeroDivision {
    /// Use 0 and report a warning (scikit-learn's default `"warn"`).
    #[default]
    Warn,
    /// Use 0.
    Zero,
    /// Use 1.
    One,
    /// Use NaN; NaN entries are then left out of averages.
    NaN,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Warn | ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::NaN => f64::NAN,
        }
    }
}

/// How per-class precision/recall/F scores are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Average {
    /// Only the positive class (`pos_label`); binary data only.
    #[default]
    Binary,
    /// Global counts of true positives, false negatives and false positives.
    Micro,
    /// Unweighted mean over labels.
    Macro,
    /// Mean over labels weighted by support (number of true instances).
    Weighted,
    /// Mean over samples (multilabel data only).
    Samples,
}

/// Options of [`precision_recall_fscore`] and friends (scikit-learn defaults).
#[derive(Debug, Clone, Copy)]
pub struct PrfOptions<'a> {
    /// Averaging; `Average::Binary` by default.
    pub average: Average,
    /// F-beta's beta (1 = F1); `f64::INFINITY` gives recall, 0 gives precision.
    pub beta: f64,
    /// Positive class code for `Average::Binary`.
    pub pos_label: usize,
    /// Labels to include (and their order for per-class output); default: all
    /// codes present in `y_true` or `y_pred`.
    pub labels: Option<&'a [usize]>,
    /// Value for 0/0.
    pub zero_division: ZeroDivision,
    /// Optional per-row weights.
    pub sample_weight: Option<&'a [f64]>,
}

impl Default for PrfOptions<'_> {
    fn default() -> Self {
        Self {
            average: Average::Binary,
            beta: 1.0,
            pos_label: 1,
            labels: None,
            zero_division: ZeroDivision::Warn,
            sample_weight: None,
        }
    }
}

/// Averaged precision, recall and F-beta.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prf {
    /// TP / (TP + FP), averaged.
    pub precision: f64,
    /// TP / (TP + FN), averaged.
    pub recall: f64,
    /// (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP), averaged.
    pub fscore: f64,
    /// Messages for ill-defined values (only with `ZeroDivision::Warn`).
    pub warnings: Vec<String>,
}

/// Per-class precision, recall, F-beta and support (`average=None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerClassPrf {
    /// Class codes, in output order.
    pub labels: Vec<usize>,
    /// Precision per class.
    pub precision: Vec<f64>,
    /// Recall per class.
    pub recall: Vec<f64>,
    /// F-beta per class.
    pub fscore: Vec<f64>,
    /// (Weighted) number of true instances per class.
    pub support: Vec<f64>,
    /// Messages for ill-defined values (only with `ZeroDivision::Warn`).
    pub warnings: Vec<String>,
}

/// Per-class sufficient statistics: true positives, predicted and true totals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PrfCounts {
    pub tp: Vec<f64>,
    pub pred: Vec<f64>,
    pub truth: Vec<f64>,
}

pub(crate) fn divide(
    num: &[f64],
    den: &[f64],
    zd: ZeroDivision,
    warn: Option<(&str, &mut Vec<String>)>,
) -> Vec<f64> {
    let mut any = false;
    let out = num
        .iter()
        .zip(den)
        .map(|(&n, &d)| {
            if d == 0.0 {
                any = true;
                zd.value()
            } else {
                n / d
            }
        })
        .collect();
    if let Some((msg, w)) = warn
        && any
        && zd == ZeroDivision::Warn
    {
        w.push(msg.to_string());
    }
    out
}

/// Weighted average ignoring NaNs (scikit-learn's `_nanaverage`).
pub(crate) fn nanaverage(a: &[f64], weights: Option<&[f64]>) -> f64 {
    let keep: Vec<usize> = (0..a.len()).filter(|&i| !a[i].is_nan()).collect();
    if keep.is_empty() {
        return f64::NAN;
    }
    if let Some(w) = weights {
        let sw: f64 = keep.iter().map(|&i| w[i]).sum();
        if sw != 0.0 {
            return keep.iter().map(|&i| a[i] * w[i]).sum::<f64>() / sw;
        }
    }
    keep.iter().map(|&i| a[i]).sum::<f64>() / keep.len() as f64
}

pub(crate) fn prf_from_counts(
    c: &PrfCounts,
    beta: f64,
    zd: ZeroDivision,
    micro: bool,
    avg_weights: Option<&[f64]>,
    average: bool,
    samples: bool,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<String>) {
    let (tp, pred, truth) = if micro {
        (
            vec![c.tp.iter().sum()],
            vec![c.pred.iter().sum()],
            vec![c.truth.iter().sum()],
        )
    } else {
        (c.tp.clone(), c.pred.clone(), c.truth.clone())
    };
    let (axis0, axis1) = if samples {
        ("label", "sample")
    } else {
        ("sample", "label")
    };
    let msg = |metric: &str, modifier: &str| {
        if tp.len() == 1 {
            format!(
                "{metric} is ill-defined and being set to 0.0 due to no {modifier} {axis0}s. Use `zero_division` parameter to control this behavior."
            )
        } else {
            format!(
                "{metric} is ill-defined and being set to 0.0 in {axis1}s with no {modifier} {axis0}s. Use `zero_division` parameter to control this behavior."
            )
        }
    };
    let mut warnings = Vec::new();
    let precision = divide(
        &tp,
        &pred,
        zd,
        Some((&msg("Precision", "predicted"), &mut warnings)),
    );
    let recall = divide(
        &tp,
        &truth,
        zd,
        Some((&msg("Recall", "true"), &mut warnings)),
    );
    let fscore = if beta.is_infinite() {
        recall.clone()
    } else if beta == 0.0 {
        precision.clone()
    } else {
        let b2 = beta * beta;
        let num: Vec<f64> = tp.iter().map(|&t| (1.0 + b2) * t).collect();
        let den: Vec<f64> = truth.iter().zip(&pred).map(|(&t, &p)| b2 * t + p).collect();
        // scikit-learn only warns for the F-score when it alone is requested.
        divide(&num, &den, zd, None)
    };
    if average {
        let w = avg_weights;
        (
            vec![nanaverage(&precision, w)],
            vec![nanaverage(&recall, w)],
            vec![nanaverage(&fscore, w)],
            warnings,
        )
    } else {
        (precision, recall, fscore, warnings)
    }
}

impl Confusion {
    /// Labels that [`precision_recall_fscore`] uses for these options.
    fn prf_labels(&self, opts: &PrfOptions) -> Result<Vec<usize>> {
        let present = self.present_labels();
        match opts.average {
            Average::Binary => {
                if present.len() > 2 {
                    return Err(MetricsError::NotBinary {
                        kind: "multiclass",
                        samples: "",
                    });
                }
                if !present.contains(&opts.pos_label) && present.len() >= 2 {
                    return Err(MetricsError::InvalidPosLabel {
                        pos_label: opts.pos_label,
                        present,
                    });
                }
                Ok(vec![opts.pos_label])
            }
            Average::Samples => Err(invalid(
                "average=samples is only available for multilabel data (see the multilabel module)",
            )),
            _ => Ok(match opts.labels {
                Some(l) => l.to_vec(),
                None => present,
            }),
        }
    }

    fn prf_counts(&self, labels: &[usize]) -> PrfCounts {
        PrfCounts {
            tp: labels.iter().map(|&l| self.get(l, l)).collect(),
            pred: labels.iter().map(|&l| self.col_sum(l)).collect(),
            truth: labels.iter().map(|&l| self.row_sum(l)).collect(),
        }
    }

    /// Averaged precision, recall and F-beta (see [`precision_recall_fscore`]);
    /// `opts.sample_weight` is ignored (weights are already in the matrix).
    pub fn precision_recall_fscore(&self, opts: &PrfOptions) -> Result<Prf> {
        let labels = self.prf_labels(opts)?;
        let c = self.prf_counts(&labels);
        let weights = (opts.average == Average::Weighted).then(|| c.truth.clone());
        let (p, r, f, warnings) = prf_from_counts(
            &c,
            opts.beta,
            opts.zero_division,
            opts.average == Average::Micro,
            weights.as_deref(),
            true,
            false,
        );
        Ok(Prf {
            precision: p[0],
            recall: r[0],
            fscore: f[0],
            warnings,
        })
    }

    /// Per-class precision, recall, F-beta and support; `opts.average` is ignored.
    pub fn precision_recall_fscore_per_class(&self, opts: &PrfOptions) -> Result<PerClassPrf> {
        let o = PrfOptions {
            average: Average::Macro,
            ..*opts
        };
        let labels = self.prf_labels(&o)?;
        let c = self.prf_counts(&labels);
        let (precision, recall, fscore, warnings) =
            prf_from_counts(&c, opts.beta, opts.zero_division, false, None, false, false);
        Ok(PerClassPrf {
            labels,
            precision,
            recall,
            fscore,
            support: c.truth,
            warnings,
        })
    }

    /// Fraction (weighted) of correct predictions.
    pub fn accuracy(&self) -> f64 {
        self.trace() / self.total()
    }

    /// Mean recall over classes present in `y_true`; `adjusted` rescales so
    /// chance is 0 and perfect is 1.
    pub fn balanced_accuracy(&self, adjusted: bool) -> f64 {
        let labels = self.present_labels();
        let per: Vec<f64> = labels
            .iter()
            .map(|&l| self.get(l, l) / self.row_sum(l))
            .filter(|v| !v.is_nan())
            .collect();
        let mut score = per.iter().sum::<f64>() / per.len() as f64;
        if adjusted {
            let chance = 1.0 / per.len() as f64;
            score -= chance;
            score /= 1.0 - chance;
        }
        score
    }

    /// Matthews correlation coefficient (multiclass generalisation); 0 when undefined.
    pub fn matthews_corrcoef(&self) -> f64 {
        let labels = self.present_labels();
        let t: Vec<f64> = labels.iter().map(|&l| self.row_sum(l)).collect();
        let p: Vec<f64> = labels.iter().map(|&l| self.col_sum(l)).collect();
        let correct = self.trace();
        let n: f64 = p.iter().sum();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let cov_tp = correct * n - dot(&t, &p);
        let cov_pp = n * n - dot(&p, &p);
        let cov_tt = n * n - dot(&t, &t);
        let d = cov_pp * cov_tt;
        if d == 0.0 { 0.0 } else { cov_tp / d.sqrt() }
    }
}

fn check_pair<L: Label>(y_true: &[L], y_pred: &[L], w: Option<&[f64]>) -> Result<()> {
    check_len("y_pred", y_true.len(), y_pred.len())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty("y_true and y_pred have no rows"));
    }
    check_weights(w, y_true.len())
}

/// Fraction of rows where `y_pred == y_true` (weighted by `sample_weight`).
/// One pass over memory, parallel for large inputs.
pub fn accuracy<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_pair(y_true, y_pred, sample_weight)?;
    let (hit, total) = accuracy_sums(y_true, y_pred, sample_weight);
    Ok(hit / total)
}

/// Number (or total weight) of correctly classified rows (`normalize=False`).
pub fn accuracy_count<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_pair(y_true, y_pred, sample_weight)?;
    Ok(accuracy_sums(y_true, y_pred, sample_weight).0)
}

/// 1 - accuracy.
pub fn zero_one_loss<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    Ok(1.0 - accuracy(y_true, y_pred, sample_weight)?)
}

/// Hamming loss of single-label data: the (weighted) fraction of wrong labels.
/// See [`crate::multilabel::hamming_loss`] for indicator matrices.
pub fn hamming_loss<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    zero_one_loss(y_true, y_pred, sample_weight)
}

const ACC_CHUNK: usize = 1 << 16;

fn accuracy_sums<L: Label>(t: &[L], p: &[L], w: Option<&[f64]>) -> (f64, f64) {
    match w {
        None => {
            let hits: u64 = if t.len() < 4 * ACC_CHUNK {
                count_equal(t, p)
            } else {
                t.par_chunks(ACC_CHUNK)
                    .zip(p.par_chunks(ACC_CHUNK))
                    .map(|(a, b)| count_equal(a, b))
                    .sum()
            };
            (hits as f64, t.len() as f64)
        }
        Some(w) => {
            let parts: Vec<(f64, f64)> = t
                .par_chunks(ACC_CHUNK)
                .zip(p.par_chunks(ACC_CHUNK))
                .zip(w.par_chunks(ACC_CHUNK))
                .map(|((a, b), w)| {
                    let mut h = 0.0;
                    let mut s = 0.0;
                    for ((&x, &y), &wi) in a.iter().zip(b).zip(w) {
                        s += wi;
                        if x.code() == y.code() {
                            h += wi;
                        }
                    }
                    (h, s)
                })
                .collect();
            parts
                .iter()
                .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d))
        }
    }
}

fn count_equal<L: Label>(t: &[L], p: &[L]) -> u64 {
    let mut total = 0u64;
    for (a, b) in t.chunks(1 << 16).zip(p.chunks(1 << 16)) {
        let mut c = 0u32;
        for (&x, &y) in a.iter().zip(b) {
            c += (x.code() == y.code()) as u32;
        }
        total += c as u64;
    }
    total
}

/// Normalisation of a confusion matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Normalize {
    /// Raw (weighted) counts.
    #[default]
    None,
    /// Each row sums to 1 (recall view).
    True,
    /// Each column sums to 1 (precision view).
    Pred,
    /// The whole matrix sums to 1.
    All,
}

/// A confusion matrix restricted to some labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusionMatrix {
    /// Class codes of the rows (true) and columns (predicted).
    pub labels: Vec<usize>,
    /// `values[i][j]`: weight of rows of true class `labels[i]` predicted as `labels[j]`.
    pub values: Vec<Vec<f64>>,
}

/// scikit-learn's `confusion_matrix`: rows are true classes, columns predicted.
/// `labels` selects and orders classes (default: all present codes); rows whose
/// true or predicted class is not among `labels` are left out.
pub fn confusion_matrix<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
    normalize: Normalize,
) -> Result<ConfusionMatrix> {
    check_len("y_pred", y_true.len(), y_pred.len())?;
    check_weights(sample_weight, y_true.len())?;
    if let Some(l) = labels {
        if l.is_empty() {
            return Err(invalid("'labels' should contain at least one label."));
        }
        if y_true.is_empty() {
            return Ok(ConfusionMatrix {
                labels: l.to_vec(),
                values: vec![vec![0.0; l.len()]; l.len()],
            });
        }
    } else if y_true.is_empty() {
        return Err(MetricsError::Empty("y_true and y_pred have no rows"));
    }
    let c = Confusion::from_labels(y_true, y_pred, sample_weight)?;
    c.confusion_matrix(labels, normalize)
}

impl Confusion {
    /// The matrix restricted to `labels` (default: present codes), normalised.
    pub fn confusion_matrix(
        &self,
        labels: Option<&[usize]>,
        normalize: Normalize,
    ) -> Result<ConfusionMatrix> {
        let labels = match labels {
            Some(l) => {
                if !l.iter().any(|&x| self.in_true(x)) {
                    return Err(invalid("At least one label specified must be in y_true"));
                }
                l.to_vec()
            }
            None => self.present_labels(),
        };
        let mut v = self.select(&labels);
        let n = labels.len();
        let fix = |x: f64| if x.is_nan() { 0.0 } else { x };
        match normalize {
            Normalize::None => {}
            Normalize::True => {
                for row in v.iter_mut() {
                    let s: f64 = row.iter().sum();
                    row.iter_mut().for_each(|x| *x = fix(*x / s));
                }
            }
            Normalize::Pred => {
                let sums: Vec<f64> = (0..n).map(|j| v.iter().map(|r| r[j]).sum()).collect();
                for row in v.iter_mut() {
                    row.iter_mut()
                        .zip(&sums)
                        .for_each(|(x, s)| *x = fix(*x / s));
                }
            }
            Normalize::All => {
                let s: f64 = v.iter().flatten().sum();
                v.iter_mut().flatten().for_each(|x| *x = fix(*x / s));
            }
        }
        Ok(ConfusionMatrix { labels, values: v })
    }
}

/// Precision, recall and F-beta averaged as `opts.average` says
/// (scikit-learn's `precision_recall_fscore_support` with an average).
pub fn precision_recall_fscore<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    opts: &PrfOptions,
) -> Result<Prf> {
    check_pair(y_true, y_pred, opts.sample_weight)?;
    Confusion::from_labels(y_true, y_pred, opts.sample_weight)?.precision_recall_fscore(opts)
}

/// Per-class precision, recall, F-beta and support (`average=None`).
pub fn precision_recall_fscore_per_class<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    opts: &PrfOptions,
) -> Result<PerClassPrf> {
    check_pair(y_true, y_pred, opts.sample_weight)?;
    Confusion::from_labels(y_true, y_pred, opts.sample_weight)?
        .precision_recall_fscore_per_class(opts)
}

/// Averaged precision.
pub fn precision<L: Label>(y_true: &[L], y_pred: &[L], opts: &PrfOptions) -> Result<f64> {
    Ok(precision_recall_fscore(y_true, y_pred, opts)?.precision)
}

/// Averaged recall.
pub fn recall<L: Label>(y_true: &[L], y_pred: &[L], opts: &PrfOptions) -> Result<f64> {
    Ok(precision_recall_fscore(y_true, y_pred, opts)?.recall)
}

/// Averaged F1 (harmonic mean of precision and recall); `opts.beta` is ignored.
pub fn f1<L: Label>(y_true: &[L], y_pred: &[L], opts: &PrfOptions) -> Result<f64> {
    Ok(precision_recall_fscore(y_true, y_pred, &PrfOptions { beta: 1.0, ..*opts })?.fscore)
}

/// Averaged F-beta.
pub fn fbeta<L: Label>(y_true: &[L], y_pred: &[L], beta: f64, opts: &PrfOptions) -> Result<f64> {
    if beta.is_nan() || beta < 0.0 {
        return Err(invalid(format!("beta must be >= 0, got {beta}")));
    }
    Ok(precision_recall_fscore(y_true, y_pred, &PrfOptions { beta, ..*opts })?.fscore)
}

/// Balanced accuracy: mean per-class recall over classes present in `y_true`.
pub fn balanced_accuracy<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
    adjusted: bool,
) -> Result<f64> {
    check_pair(y_true, y_pred, sample_weight)?;
    Ok(Confusion::from_labels(y_true, y_pred, sample_weight)?.balanced_accuracy(adjusted))
}

/// Matthews correlation coefficient (0 when undefined, as scikit-learn).
pub fn matthews_corrcoef<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_pair(y_true, y_pred, sample_weight)?;
    Ok(Confusion::from_labels(y_true, y_pred, sample_weight)?.matthews_corrcoef())
}

/// Disagreement weighting of Cohen's kappa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum KappaWeights {
    /// Every disagreement counts 1.
    #[default]
    None,
    /// |i - j|.
    Linear,
    /// (i - j)².
    Quadratic,
}

/// Cohen's kappa between two annotations. Returns `replace_undefined_by`
/// (scikit-learn's default is NaN) when kappa is undefined.
pub fn cohen_kappa<L: Label>(
    y1: &[L],
    y2: &[L],
    labels: Option<&[usize]>,
    weights: KappaWeights,
    sample_weight: Option<&[f64]>,
    replace_undefined_by: f64,
) -> Result<f64> {
    check_pair(y1, y2, sample_weight)?;
    let c = Confusion::from_labels(y1, y2, sample_weight)?;
    c.cohen_kappa(labels, weights, replace_undefined_by)
}

impl Confusion {
    /// Cohen's kappa from this matrix (see [`cohen_kappa`]).
    pub fn cohen_kappa(
        &self,
        labels: Option<&[usize]>,
        weights: KappaWeights,
        replace_undefined_by: f64,
    ) -> Result<f64> {
        let cm = self
            .confusion_matrix(labels, Normalize::None)
            .map_err(|_| {
                invalid("At least one label in `labels` must be present in `y1` (even though `cohen_kappa_score` is otherwise agnostic to the order of `y1` and `y2`).")
            })?
            .values;
        let n = cm.len();
        let sum0: Vec<f64> = (0..n).map(|j| (0..n).map(|i| cm[i][j]).sum()).collect();
        let sum1: Vec<f64> = cm.iter().map(|r| r.iter().sum()).collect();
        let total: f64 = sum0.iter().sum();
        if total == 0.0 {
            return Ok(replace_undefined_by);
        }
        let w = |i: usize, j: usize| -> f64 {
            match weights {
                KappaWeights::None => (i != j) as u8 as f64,
                KappaWeights::Linear => (i as f64 - j as f64).abs(),
                KappaWeights::Quadratic => (i as f64 - j as f64).powi(2),
            }
        };
        let mut num = 0.0;
        let mut den = 0.0;
        for i in 0..n {
            for j in 0..n {
                num += w(i, j) * cm[i][j];
                den += w(i, j) * (sum0[i] * sum1[j] / total);
            }
        }
        if den == 0.0 {
            return Ok(replace_undefined_by);
        }
        Ok(1.0 - num / den)
    }
}
