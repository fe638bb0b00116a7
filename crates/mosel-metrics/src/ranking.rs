//! Threshold-free metrics on scores: ROC and precision-recall curves, ROC-AUC
//! (binary, one-vs-rest, one-vs-one), average precision and top-k accuracy,
//! with scikit-learn 1.9.1 semantics.
//!
//! Every curve comes from one sort: positive and negative scores are sorted
//! separately (radix sort on order-preserving keys) and merged, giving the
//! cumulative true/false positive counts at each distinct threshold.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{MetricsError, Result, check_finite, check_len, check_weights, invalid};
use crate::label::{Label, max_code};
pub use crate::matrix::ScoreMatrix;
use crate::rank::{Counts, RankBuffers, Ranking, Run, rank, rank_with};
use crate::scan::scan_rows;
use crate::sort::{key, radix_sort_u64, unkey};

/// The rows of a binary problem sorted by score.
pub(crate) enum Sorted {
    /// Unweighted rows ranked by [`crate::rank`] (the common case): per bucket,
    /// from the highest scores down, (score, positives, negatives) of each
    /// distinct score.
    Packed(Vec<Vec<(f64, u64, u64)>>),
    /// Unweighted rows whose scores span too wide a range to pack a label
    /// beside them: positive and negative keys, each sorted ascending.
    Unweighted { pos: Vec<u64>, neg: Vec<u64> },
    /// Weighted rows: (key, weight) of positives and negatives, sorted by key.
    Weighted {
        pos: Vec<(u64, f64)>,
        neg: Vec<(u64, f64)>,
    },
}

impl Sorted {
    /// Splits rows by `is_pos` and sorts them by score. Zero-weight rows are
    /// dropped (scikit-learn does the same).
    pub(crate) fn new(
        n: usize,
        is_pos: impl Fn(usize) -> bool + Sync,
        score: impl Fn(usize) -> f64 + Sync,
        w: Option<&[f64]>,
    ) -> Self {
        match w {
            None => {
                let groups = |run: &Run| {
                    let mut g = Vec::new();
                    run.for_each_group_desc(|s, pos, neg| g.push((s(), pos, neg)));
                    g
                };
                if let Ranking::Ranked { parts, .. } = rank(n, &score, &is_pos, groups) {
                    return Sorted::Packed(parts);
                }
                let mut pos = Vec::new();
                let mut neg = Vec::with_capacity(n);
                for i in 0..n {
                    if is_pos(i) {
                        pos.push(key(score(i)))
                    } else {
                        neg.push(key(score(i)))
                    }
                }
                if n > 1 << 16 {
                    rayon::join(|| radix_sort_u64(&mut pos), || radix_sort_u64(&mut neg));
                } else {
                    radix_sort_u64(&mut pos);
                    radix_sort_u64(&mut neg);
                }
                Sorted::Unweighted { pos, neg }
            }
            Some(w) => {
                let mut pos = Vec::new();
                let mut neg = Vec::new();
                for (i, &wi) in w.iter().enumerate().take(n) {
                    if wi == 0.0 {
                        continue;
                    }
                    let e = (key(score(i)), wi);
                    if is_pos(i) { pos.push(e) } else { neg.push(e) }
                }
                pos.sort_unstable_by_key(|e| e.0);
                neg.sort_unstable_by_key(|e| e.0);
                Sorted::Weighted { pos, neg }
            }
        }
    }

    /// Calls `f(threshold, tps, fps)` for each distinct score, from the
    /// highest down, with cumulative (weighted) true / false positive counts.
    pub(crate) fn for_each_threshold(&self, mut f: impl FnMut(f64, f64, f64)) {
        fn walk(
            np: usize,
            nn: usize,
            pk: impl Fn(usize) -> u64,
            nk: impl Fn(usize) -> u64,
            pw: impl Fn(usize) -> f64,
            nw: impl Fn(usize) -> f64,
            f: &mut impl FnMut(f64, f64, f64),
        ) {
            let (mut i, mut j) = (np, nn);
            let (mut tp, mut fp) = (0.0, 0.0);
            while i > 0 || j > 0 {
                let k = match (i > 0, j > 0) {
                    (true, true) => pk(i - 1).max(nk(j - 1)),
                    (true, false) => pk(i - 1),
                    _ => nk(j - 1),
                };
                while i > 0 && pk(i - 1) == k {
                    tp += pw(i - 1);
                    i -= 1;
                }
                while j > 0 && nk(j - 1) == k {
                    fp += nw(j - 1);
                    j -= 1;
                }
                f(unkey(k), tp, fp);
            }
        }
        match self {
            Sorted::Packed(parts) => {
                let (mut tp, mut fp) = (0u64, 0u64);
                for &(t, p, n) in parts.iter().flatten() {
                    tp += p;
                    fp += n;
                    f(t, tp as f64, fp as f64);
                }
            }
            Sorted::Unweighted { pos, neg } => walk(
                pos.len(),
                neg.len(),
                |i| pos[i],
                |j| neg[j],
                |_| 1.0,
                |_| 1.0,
                &mut f,
            ),
            Sorted::Weighted { pos, neg } => walk(
                pos.len(),
                neg.len(),
                |i| pos[i].0,
                |j| neg[j].0,
                |i| pos[i].1,
                |j| neg[j].1,
                &mut f,
            ),
        }
    }

    /// Cumulative counts at each distinct threshold (descending thresholds).
    pub(crate) fn cumulative(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut thr, mut tps, mut fps) = (Vec::new(), Vec::new(), Vec::new());
        self.for_each_threshold(|t, tp, fp| {
            thr.push(t);
            tps.push(tp);
            fps.push(fp);
        });
        (thr, tps, fps)
    }

    /// Area under the ROC curve (trapezoids); NaN without both classes.
    pub(crate) fn auc(&self) -> f64 {
        let (mut area, mut ptp, mut pfp) = (0.0, 0.0, 0.0);
        self.for_each_threshold(|_, tp, fp| {
            area += (fp - pfp) * (tp + ptp);
            ptp = tp;
            pfp = fp;
        });
        if ptp <= 0.0 || pfp <= 0.0 {
            f64::NAN
        } else {
            area / 2.0 / (ptp * pfp)
        }
    }

    /// Average precision: sum over thresholds of (R_k - R_{k-1}) * P_k.
    pub(crate) fn average_precision(&self) -> f64 {
        let (_, tps, fps) = self.cumulative();
        let Some(&total) = tps.last() else { return 0.0 };
        let mut ap = 0.0;
        let mut prev_r = 0.0;
        for (&tp, &fp) in tps.iter().zip(&fps) {
            let p = if tp + fp != 0.0 { tp / (tp + fp) } else { 0.0 };
            let r = if total == 0.0 { 1.0 } else { tp / total };
            ap += (r - prev_r) * p;
            prev_r = r;
        }
        ap.max(0.0)
    }
}

/// A threshold-free metric of one binary problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryMetric {
    /// Area under the ROC curve.
    Auc,
    /// Average precision.
    AveragePrecision,
}

/// `metric` of rows `0..n` (positive where `is_pos(i)`, scored `score(i)`).
/// Unweighted rows are ranked by [`rank`], which also rejects non-finite
/// scores; weighted rows, and scores too widely spread to pack, go through
/// [`Sorted`] (their scores must have been checked).
fn binary_metric(
    n: usize,
    is_pos: impl Fn(usize) -> bool + Sync,
    score: impl Fn(usize) -> f64 + Sync,
    w: Option<&[f64]>,
    metric: BinaryMetric,
) -> Result<f64> {
    binary_metric_with(&mut RankBuffers::default(), n, is_pos, score, w, metric)
}

/// [`binary_metric`] with ranking buffers kept by the caller.
fn binary_metric_with(
    buffers: &mut RankBuffers,
    n: usize,
    is_pos: impl Fn(usize) -> bool + Sync,
    score: impl Fn(usize) -> f64 + Sync,
    w: Option<&[f64]>,
    metric: BinaryMetric,
) -> Result<f64> {
    if w.is_none() {
        let ranked = match metric {
            BinaryMetric::Auc => finish(
                rank_with(buffers, n, &score, &is_pos, auc_part),
                auc_of_parts,
            )?,
            BinaryMetric::AveragePrecision => {
                finish(rank_with(buffers, n, &score, &is_pos, ap_part), ap_of_parts)?
            }
        };
        if let Some(v) = ranked {
            return Ok(v);
        }
    }
    let sorted = Sorted::new(n, is_pos, score, w);
    Ok(match metric {
        BinaryMetric::Auc => sorted.auc(),
        BinaryMetric::AveragePrecision => sorted.average_precision(),
    })
}

/// Combines the per-run results of [`rank`]; `None` when the scores were too
/// widely spread to rank that way.
fn finish<R>(r: Ranking<R>, combine: impl FnOnce(Vec<R>, Counts) -> f64) -> Result<Option<f64>> {
    match r {
        Ranking::Ranked { parts, total } => Ok(Some(combine(parts, total))),
        Ranking::NonFinite => Err(MetricsError::NonFinite("y_score")),
        Ranking::TooWide => Ok(None),
    }
}

/// Twice the ROC area contributed by one run, unnormalised: over its negative
/// rows, `2 * (positives above) + (positives tied with it)` (an exact integer).
fn auc_part(run: &Run) -> u128 {
    let mut tp = run.above().pos;
    let mut area2 = 0u128;
    run.for_each_group_desc(|_, p, n| {
        area2 += n as u128 * (2 * tp + p) as u128;
        tp += p;
    });
    area2
}

/// ROC-AUC from the runs' [`auc_part`]s; NaN without both classes.
fn auc_of_parts(parts: Vec<u128>, total: Counts) -> f64 {
    if total.pos == 0 || total.neg == 0 {
        return f64::NAN;
    }
    let area2: u128 = parts.iter().sum();
    area2 as f64 / 2.0 / (total.pos as f64 * total.neg as f64)
}

/// One run's share of `total_positives * average precision`: over its
/// thresholds, (positives at the threshold) * (precision at the threshold).
fn ap_part(run: &Run) -> f64 {
    let Counts {
        pos: mut tp,
        neg: mut fp,
    } = run.above();
    let mut sum = 0.0;
    run.for_each_group_desc(|_, p, n| {
        tp += p;
        fp += n;
        if p > 0 {
            sum += p as f64 * (tp as f64 / (tp + fp) as f64);
        }
    });
    sum
}

/// Average precision from the runs' [`ap_part`]s (0 without positives).
fn ap_of_parts(parts: Vec<f64>, total: Counts) -> f64 {
    if total.pos == 0 {
        return 0.0;
    }
    (parts.iter().sum::<f64>() / total.pos as f64).max(0.0)
}

/// Lengths and weights of binary scores; their finiteness is left to
/// [`binary_metric`], which finds it on its first pass (checked here only
/// with weights).
fn check_binary_scores(y_len: usize, y_score: &[f64], w: Option<&[f64]>) -> Result<()> {
    check_len("y_score", y_len, y_score.len())?;
    if y_len == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    if w.is_some() {
        check_finite("y_score", y_score)?;
    }
    check_weights(w, y_len)
}

fn check_scores(y_len: usize, y_score: &[f64], w: Option<&[f64]>) -> Result<()> {
    check_len("y_score", y_len, y_score.len())?;
    if y_len == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    check_finite("y_score", y_score)?;
    check_weights(w, y_len)
}

/// A ROC curve: false / true positive rates at decreasing thresholds. The first
/// threshold is `+inf` so the curve starts at (0, 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RocCurve {
    /// False positive rates (NaN when there are no negatives).
    pub fpr: Vec<f64>,
    /// True positive rates (NaN when there are no positives).
    pub tpr: Vec<f64>,
    /// Decreasing thresholds.
    pub thresholds: Vec<f64>,
}

/// A precision-recall curve, ordered by increasing threshold; the last point
/// is (precision 1, recall 0) and has no threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrCurve {
    /// Precision values.
    pub precision: Vec<f64>,
    /// Recall values (decreasing).
    pub recall: Vec<f64>,
    /// Increasing thresholds (one fewer than points).
    pub thresholds: Vec<f64>,
}

/// scikit-learn's `roc_curve`: rows with `y_true == pos_label` are positive.
/// `drop_intermediate` drops collinear points that do not change the curve.
pub fn roc_curve<L: Label>(
    y_true: &[L],
    y_score: &[f64],
    pos_label: usize,
    sample_weight: Option<&[f64]>,
    drop_intermediate: bool,
) -> Result<RocCurve> {
    check_scores(y_true.len(), y_score, sample_weight)?;
    let s = Sorted::new(
        y_true.len(),
        |i| y_true[i].code() == pos_label,
        |i| y_score[i],
        sample_weight,
    );
    let (mut thr, mut tps, mut fps) = s.cumulative();
    if drop_intermediate && fps.len() > 2 {
        let n = fps.len();
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                i == 0
                    || i == n - 1
                    || (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) != 0.0
                    || (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) != 0.0
            })
            .collect();
        thr = keep.iter().map(|&i| thr[i]).collect();
        tps = keep.iter().map(|&i| tps[i]).collect();
        fps = keep.iter().map(|&i| fps[i]).collect();
    }
    let (p, n) = (*tps.last().unwrap_or(&0.0), *fps.last().unwrap_or(&0.0));
    let rate = |v: &[f64], total: f64| -> Vec<f64> {
        std::iter::once(0.0)
            .chain(v.iter().copied())
            .map(|x| if total <= 0.0 { f64::NAN } else { x / total })
            .collect()
    };
    let mut thresholds = vec![f64::INFINITY];
    thresholds.extend(thr);
    Ok(RocCurve {
        fpr: rate(&fps, n),
        tpr: rate(&tps, p),
        thresholds,
    })
}

/// scikit-learn's `precision_recall_curve` (`drop_intermediate` keeps only the
/// first and last point of each recall level).
pub fn precision_recall_curve<L: Label>(
    y_true: &[L],
    y_score: &[f64],
    pos_label: usize,
    sample_weight: Option<&[f64]>,
    drop_intermediate: bool,
) -> Result<PrCurve> {
    check_scores(y_true.len(), y_score, sample_weight)?;
    let s = Sorted::new(
        y_true.len(),
        |i| y_true[i].code() == pos_label,
        |i| y_score[i],
        sample_weight,
    );
    let (mut thr, mut tps, mut fps) = s.cumulative();
    if drop_intermediate && fps.len() > 2 {
        let n = tps.len();
        let keep: Vec<usize> = (0..n)
            .filter(|&i| i == 0 || i == n - 1 || tps[i] != tps[i - 1] || tps[i + 1] != tps[i])
            .collect();
        thr = keep.iter().map(|&i| thr[i]).collect();
        tps = keep.iter().map(|&i| tps[i]).collect();
        fps = keep.iter().map(|&i| fps[i]).collect();
    }
    let total = *tps.last().unwrap_or(&0.0);
    let mut precision: Vec<f64> = tps
        .iter()
        .zip(&fps)
        .map(|(&t, &f)| if t + f != 0.0 { t / (t + f) } else { 0.0 })
        .collect();
    let mut recall: Vec<f64> = tps
        .iter()
        .map(|&t| if total == 0.0 { 1.0 } else { t / total })
        .collect();
    precision.reverse();
    recall.reverse();
    thr.reverse();
    precision.push(1.0);
    recall.push(0.0);
    Ok(PrCurve {
        precision,
        recall,
        thresholds: thr,
    })
}

/// Sorted distinct codes of `y` (scanned in parallel for large inputs).
pub(crate) fn classes_of<L: Label>(y: &[L]) -> Vec<usize> {
    const CHUNK: usize = 1 << 18;
    let max = if y.len() <= CHUNK {
        max_code(y)
    } else {
        y.par_chunks(CHUNK).map(max_code).max().unwrap_or(0)
    };
    if max < 1 << 16 {
        // A presence table per chunk (codes are small); a chunk stops early
        // once it has seen every code up to `max`, usually after a few rows.
        let present = |c: &[L]| {
            let mut seen = vec![false; max + 1];
            let mut missing = max + 1;
            for x in c {
                let s = &mut seen[x.code()];
                missing -= !*s as usize;
                *s = true;
                if missing == 0 {
                    break;
                }
            }
            seen
        };
        let seen = if y.len() <= CHUNK {
            present(y)
        } else {
            y.par_chunks(CHUNK).map(present).reduce(
                || vec![false; max + 1],
                |a, b| a.iter().zip(&b).map(|(&p, &q)| p || q).collect(),
            )
        };
        return (0..=max).filter(|&c| seen[c]).collect();
    }
    let mut v: Vec<usize> = y.iter().map(|x| x.code()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Binary ROC-AUC (scikit-learn's `roc_auc_score` on 1-D scores): the larger
/// of the two codes in `y_true` is the positive class. NaN (scikit-learn warns)
/// when `y_true` holds a single class.
pub fn roc_auc<L: Label>(
    y_true: &[L],
    y_score: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_binary_scores(y_true.len(), y_score, sample_weight)?;
    let classes = classes_of(y_true);
    if classes.len() > 2 {
        return Err(invalid(
            "y_true has more than two classes: pass a score matrix to roc_auc_multiclass",
        ));
    }
    if classes.len() < 2 {
        return Ok(f64::NAN);
    }
    let pos = classes[1];
    binary_metric(
        y_true.len(),
        |i| y_true[i].code() == pos,
        |i| y_score[i],
        sample_weight,
        BinaryMetric::Auc,
    )
}

/// Standardised partial ROC-AUC over false positive rates up to `max_fpr`
/// (`roc_auc_score(max_fpr=...)`): the area under the ROC curve (its point at
/// `max_fpr` interpolated) with McClish's correction, so that a score that does
/// not discriminate gets 0.5 and a perfect one 1. `max_fpr = 1` is the full
/// ROC-AUC; NaN without both classes; `max_fpr` outside (0, 1] is an error.
pub fn roc_auc_partial<L: Label>(
    y_true: &[L],
    y_score: &[f64],
    max_fpr: f64,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    if !(max_fpr > 0.0 && max_fpr <= 1.0) {
        return Err(invalid(format!("max_fpr must be in (0, 1], got {max_fpr}")));
    }
    if max_fpr == 1.0 {
        return roc_auc(y_true, y_score, sample_weight);
    }
    check_binary_scores(y_true.len(), y_score, sample_weight)?;
    let classes = classes_of(y_true);
    if classes.len() > 2 {
        return Err(invalid(
            "y_true has more than two classes: partial ROC AUC is for binary problems",
        ));
    }
    if classes.len() < 2 {
        return Ok(f64::NAN);
    }
    let RocCurve { fpr, tpr, .. } = roc_curve(y_true, y_score, classes[1], sample_weight, true)?;
    // fpr runs from 0 to 1: fpr[stop - 1] <= max_fpr < fpr[stop]
    let stop = fpr.partition_point(|&x| x <= max_fpr);
    if stop == 0 || stop >= fpr.len() {
        return Ok(f64::NAN); // no negatives of positive weight: fpr is NaN
    }
    let (x0, x1, y0, y1) = (fpr[stop - 1], fpr[stop], tpr[stop - 1], tpr[stop]);
    let y_at = (y1 - y0) / (x1 - x0) * (max_fpr - x0) + y0; // numpy.interp
    let mut area: f64 = (1..stop)
        .map(|i| (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2.0)
        .sum();
    area += (max_fpr - x0) * (y_at + y0) / 2.0;
    let (min_area, max_area) = (0.5 * max_fpr * max_fpr, max_fpr);
    Ok(0.5 * (1.0 + (area - min_area) / (max_area - min_area)))
}

/// Binary average precision (`average_precision_score`): the step-wise area
/// under the precision-recall curve, positive class `pos_label`.
pub fn average_precision<L: Label>(
    y_true: &[L],
    y_score: &[f64],
    pos_label: usize,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_binary_scores(y_true.len(), y_score, sample_weight)?;
    let classes = classes_of(y_true);
    if classes.len() > 2 {
        return Err(invalid(
            "y_true has more than two classes: pass a score matrix to average_precision_multiclass",
        ));
    }
    if classes.len() == 2 && !classes.contains(&pos_label) {
        return Err(MetricsError::InvalidPosLabel {
            pos_label,
            present: classes,
        });
    }
    binary_metric(
        y_true.len(),
        |i| y_true[i].code() == pos_label,
        |i| y_score[i],
        sample_weight,
        BinaryMetric::AveragePrecision,
    )
}

/// Multiclass strategy for ROC-AUC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MultiClass {
    /// One-vs-rest: each class against all others.
    Ovr,
    /// One-vs-one (Hand & Till 2001): every pair of classes.
    Ovo,
}

/// Averaging of per-class (or per-pair) AUC / AP values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ScoreAverage {
    /// Unweighted mean.
    #[default]
    Macro,
    /// Weighted by class prevalence.
    Weighted,
    /// One binary problem over all (row, class) cells (OvR only).
    Micro,
}

/// Column of each class code: `lut[code]`, `usize::MAX` for other codes.
fn column_lut(classes: &[usize]) -> Vec<usize> {
    let mut lut = vec![usize::MAX; classes.last().map_or(0, |&m| m + 1)];
    for (j, &c) in classes.iter().enumerate() {
        lut[c] = j;
    }
    lut
}

/// Column of every code of `y_true` (see [`encode`]), checked.
fn encode_lut<L: Label>(
    y_true: &[L],
    labels: Option<&[usize]>,
    n_cols: usize,
) -> Result<Vec<usize>> {
    if labels.is_none() {
        // the classes are the codes of y_true: every code has a column
        return Ok(column_lut(&classes_for(y_true, None, n_cols)?));
    }
    encode(y_true, labels, n_cols).map(|(_, classes)| column_lut(&classes))
}

/// Column index of each row's class; classes default to the sorted distinct
/// codes of `y_true` and must match the number of score columns.
fn encode<L: Label>(
    y_true: &[L],
    labels: Option<&[usize]>,
    n_cols: usize,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let classes = classes_for(y_true, labels, n_cols)?;
    let lut = column_lut(&classes);
    let enc = y_true
        .iter()
        .map(|y| match lut.get(y.code()) {
            Some(&j) if j != usize::MAX => Ok(j),
            _ => Err(invalid(
                "'y_true' contains labels not in parameter 'labels'",
            )),
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok((enc, classes))
}

/// The classes naming the score columns: `labels` (checked) or the sorted
/// distinct codes of `y_true`; their number must be `n_cols`.
fn classes_for<L: Label>(
    y_true: &[L],
    labels: Option<&[usize]>,
    n_cols: usize,
) -> Result<Vec<usize>> {
    Ok(match labels {
        Some(l) => {
            if l.windows(2).any(|w| w[0] >= w[1]) {
                return Err(invalid("Parameter 'labels' must be unique and ordered"));
            }
            if l.len() != n_cols {
                return Err(invalid(format!(
                    "Number of given labels, {}, not equal to the number of columns in 'y_score', {n_cols}",
                    l.len()
                )));
            }
            l.to_vec()
        }
        None => {
            let c = classes_of(y_true);
            if c.len() != n_cols {
                return Err(invalid(format!(
                    "Number of classes in y_true ({}) not equal to the number of columns in 'y_score' ({n_cols})",
                    c.len()
                )));
            }
            c
        }
    })
}

fn check_matrix(n: usize, s: &ScoreMatrix, w: Option<&[f64]>) -> Result<()> {
    check_len("y_score rows", n, s.n_rows())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    check_finite("y_score", s.data())?;
    check_weights(w, n)
}

/// [`check_matrix`] and a check that every row sums to 1 (`numpy.allclose`),
/// in one parallel pass.
fn check_probability_matrix(n: usize, s: &ScoreMatrix, w: Option<&[f64]>) -> Result<()> {
    check_len("y_score rows", n, s.n_rows())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    let c = s.n_cols();
    let scan = scan_rows(n, s.data(), None, |rows, out| {
        let block = &s.data()[rows.start * c..rows.end * c];
        for (o, row) in out.iter_mut().zip(block.chunks_exact(c)) {
            *o = !sums_to_one(row) as u8 as f64;
        }
    });
    if !scan.finite {
        return Err(MetricsError::NonFinite("y_score"));
    }
    check_weights(w, n)?;
    if scan.sum > 0.0 {
        return Err(invalid(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to 1.0 over classes",
        ));
    }
    Ok(())
}

/// Whether a row of probabilities sums to 1 (`numpy.allclose`); false for a
/// row with a NaN or infinite entry, whose sum is not finite.
#[inline]
fn sums_to_one(row: &[f64]) -> bool {
    let t: f64 = row.iter().sum();
    (1.0 - t).abs() <= 1e-8 + 1e-5 * t.abs()
}

/// The columns of a probability matrix, checked as by
/// [`check_probability_matrix`] while they are copied (one pass over the
/// data instead of two); the precise error is found by a second look only
/// when something is wrong.
fn checked_probability_columns(
    n: usize,
    s: &ScoreMatrix,
    w: Option<&[f64]>,
) -> Result<Vec<Vec<f64>>> {
    check_len("y_score rows", n, s.n_rows())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    let (cols, ok) = s.columns_checking(sums_to_one);
    if !ok {
        check_probability_matrix(n, s, w)?;
        // `sums_to_one` fails only where that check does
        return Err(invalid("y_score: rows do not sum to 1"));
    }
    check_weights(w, n)?;
    Ok(cols)
}

fn weighted_mean(v: &[f64], w: Option<&[f64]>) -> f64 {
    match w {
        None => v.iter().sum::<f64>() / v.len() as f64,
        Some(w) => v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / w.iter().sum::<f64>(),
    }
}

/// One-vs-rest binary metric per class, plus class weights (weighted support).
/// With `nan_without_both`, a class that is absent or alone gets NaN.
fn ovr_per_class(
    enc: &[usize],
    cols: &[Vec<f64>],
    w: Option<&[f64]>,
    metric: BinaryMetric,
    nan_without_both: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (n, c) = (enc.len(), cols.len());
    let mut rows = vec![0usize; c];
    let mut support = vec![0.0; c];
    for (i, &e) in enc.iter().enumerate() {
        rows[e] += 1;
        support[e] += w.map_or(1.0, |w| w[i]);
    }
    let skip = |j: usize| nan_without_both && (rows[j] == 0 || rows[j] == n);
    // The ranking reads each row's class twice per class: one byte per row
    // when the classes fit.
    let values = if c <= 256 {
        let codes: Vec<u8> = enc.iter().map(|&e| e as u8).collect();
        rank_classes(cols, |i, j| codes[i] as usize == j, w, metric, skip)?
    } else {
        rank_classes(cols, |i, j| enc[i] == j, w, metric, skip)?
    };
    Ok((values, support))
}

/// `metric` of each column of `cols` against the rows where `is_class(i, j)`
/// (NaN where `skip(j)`). One group of classes per thread, ranked one after
/// another in the same buffers.
fn rank_classes(
    cols: &[Vec<f64>],
    is_class: impl Fn(usize, usize) -> bool + Sync,
    w: Option<&[f64]>,
    metric: BinaryMetric,
    skip: impl Fn(usize) -> bool + Sync,
) -> Result<Vec<f64>> {
    let classes: Vec<usize> = (0..cols.len()).collect();
    let group = cols.len().div_ceil(rayon::current_num_threads()).max(1);
    classes
        .par_chunks(group)
        .flat_map_iter(|js| {
            let mut buffers = RankBuffers::default();
            js.iter()
                .map(|&j| {
                    if skip(j) {
                        return Ok(f64::NAN);
                    }
                    let col = &cols[j];
                    let is_pos = |i| is_class(i, j);
                    binary_metric_with(&mut buffers, col.len(), is_pos, |i| col[i], w, metric)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn average_ovr(scores: &mut [f64], support: &[f64], average: ScoreAverage) -> f64 {
    match average {
        ScoreAverage::Weighted => {
            let total: f64 = support.iter().sum();
            if total.abs() <= 1e-8 {
                return 0.0;
            }
            for (s, &w) in scores.iter_mut().zip(support) {
                if w == 0.0 {
                    *s = 0.0;
                }
            }
            weighted_mean(scores, Some(support))
        }
        _ => weighted_mean(scores, None),
    }
}

/// Micro-averaged binary metric over all (row, class) cells.
fn micro(enc: &[usize], s: &ScoreMatrix, w: Option<&[f64]>, metric: BinaryMetric) -> Result<f64> {
    let c = s.n_cols();
    let rw: Option<Vec<f64>> =
        w.map(|w| w.iter().flat_map(|&x| std::iter::repeat_n(x, c)).collect());
    binary_metric(
        enc.len() * c,
        |i| enc[i / c] == i % c,
        |i| s.data()[i],
        rw.as_deref(),
        metric,
    )
}

/// Multiclass ROC-AUC (`roc_auc_score` with `multi_class`): rows of `y_score`
/// must be probabilities summing to 1. `labels` (sorted) names the columns.
/// One-vs-one takes no sample weights and no micro average.
pub fn roc_auc_multiclass<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    multi_class: MultiClass,
    average: ScoreAverage,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    if multi_class == MultiClass::Ovr && average != ScoreAverage::Micro {
        let cols = checked_probability_columns(y_true.len(), y_score, sample_weight)?;
        let (enc, _) = encode(y_true, labels, y_score.n_cols())?;
        let (mut v, sup) = ovr_per_class(&enc, &cols, sample_weight, BinaryMetric::Auc, true)?;
        return Ok(average_ovr(&mut v, &sup, average));
    }
    check_probability_matrix(y_true.len(), y_score, sample_weight)?;
    let (enc, _) = encode(y_true, labels, y_score.n_cols())?;
    match multi_class {
        MultiClass::Ovr => micro(&enc, y_score, sample_weight, BinaryMetric::Auc),
        MultiClass::Ovo => {
            if sample_weight.is_some() {
                return Err(invalid(
                    "sample_weight is not supported for multiclass one-vs-one ROC AUC, 'sample_weight' must be None in this case.",
                ));
            }
            if average == ScoreAverage::Micro {
                return Err(invalid(
                    "average must be one of ('macro', 'weighted', None) for multiclass problems",
                ));
            }
            let mut present = enc.clone();
            present.sort_unstable();
            present.dedup();
            let c = y_score.n_cols();
            let pairs: Vec<(usize, usize)> = present
                .iter()
                .enumerate()
                .flat_map(|(i, &a)| present[i + 1..].iter().map(move |&b| (a, b)))
                .collect();
            let n = enc.len() as f64;
            let res: Vec<(f64, f64)> = pairs
                .par_iter()
                .map(|&(a, b)| {
                    let rows: Vec<usize> = (0..enc.len())
                        .filter(|&i| enc[i] == a || enc[i] == b)
                        .collect();
                    let auc_for = |cls: usize| {
                        binary_metric(
                            rows.len(),
                            |r| enc[rows[r]] == cls,
                            |r| y_score.data()[rows[r] * c + cls],
                            None,
                            BinaryMetric::Auc,
                        )
                    };
                    Ok(((auc_for(a)? + auc_for(b)?) / 2.0, rows.len() as f64 / n))
                })
                .collect::<Result<_>>()?;
            let (scores, prev): (Vec<f64>, Vec<f64>) = res.into_iter().unzip();
            Ok(match average {
                ScoreAverage::Weighted => weighted_mean(&scores, Some(&prev)),
                _ => weighted_mean(&scores, None),
            })
        }
    }
}

/// One-vs-rest ROC-AUC per class (`average=None`), in column order.
pub fn roc_auc_ovr_per_class<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<f64>> {
    let cols = checked_probability_columns(y_true.len(), y_score, sample_weight)?;
    let (enc, _) = encode(y_true, labels, y_score.n_cols())?;
    Ok(ovr_per_class(&enc, &cols, sample_weight, BinaryMetric::Auc, true)?.0)
}

/// Multiclass average precision (one-vs-rest over the classes of `y_true`).
pub fn average_precision_multiclass<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    average: ScoreAverage,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check_matrix(y_true.len(), y_score, sample_weight)?;
    let (enc, _) = encode(y_true, None, y_score.n_cols())?;
    if average == ScoreAverage::Micro {
        return micro(&enc, y_score, sample_weight, BinaryMetric::AveragePrecision);
    }
    let (mut v, sup) = ovr_per_class(
        &enc,
        &y_score.columns(),
        sample_weight,
        BinaryMetric::AveragePrecision,
        false,
    )?;
    Ok(average_ovr(&mut v, &sup, average))
}

/// Average precision per class (`average=None`).
pub fn average_precision_per_class<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<f64>> {
    check_matrix(y_true.len(), y_score, sample_weight)?;
    let (enc, _) = encode(y_true, None, y_score.n_cols())?;
    Ok(ovr_per_class(
        &enc,
        &y_score.columns(),
        sample_weight,
        BinaryMetric::AveragePrecision,
        false,
    )?
    .0)
}

/// Top-k accuracy (`top_k_accuracy_score`): a row is a hit when its true class
/// is among the `k` highest scores (ties go to the higher column index, as
/// scikit-learn). With one column, scores are for the positive (larger) class
/// and `k = 1` thresholds them at 0.5 (probabilities) or 0.
/// Returns the (weighted) fraction of hits, or their total when `!normalize`.
pub fn top_k_accuracy<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    k: usize,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
    normalize: bool,
) -> Result<f64> {
    let c = y_score.n_cols();
    if c > 1 {
        return top_k_multiclass(y_true, y_score, k, labels, sample_weight, normalize);
    }
    check_matrix(y_true.len(), y_score, sample_weight)?;
    if k == 0 {
        return Err(invalid("k must be at least 1"));
    }
    let (enc, _) = encode(y_true, labels, 2)?;
    let hits: Vec<bool> = if k == 1 {
        let d = y_score.data();
        let in01 = d.iter().all(|&x| (0.0..=1.0).contains(&x));
        let thr = if in01 { 0.5 } else { 0.0 };
        enc.iter()
            .zip(d)
            .map(|(&e, &s)| ((s > thr) as usize) == e)
            .collect()
    } else {
        vec![true; enc.len()]
    };
    let (mut hit, mut tot) = (0.0, 0.0);
    for (i, &h) in hits.iter().enumerate() {
        let w = sample_weight.map_or(1.0, |w| w[i]);
        tot += w;
        if h {
            hit += w;
        }
    }
    Ok(if normalize { hit / tot } else { hit })
}

/// [`top_k_accuracy`] with two or more score columns: one pass over the rows
/// that checks the scores and counts, per row, the columns ranked above the
/// true one.
fn top_k_multiclass<L: Label>(
    y_true: &[L],
    y_score: &ScoreMatrix,
    k: usize,
    labels: Option<&[usize]>,
    sample_weight: Option<&[f64]>,
    normalize: bool,
) -> Result<f64> {
    let (n, c) = (y_true.len(), y_score.n_cols());
    check_len("y_score rows", n, y_score.n_rows())?;
    if n == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    let k_ok = if k == 0 {
        Err(invalid("k must be at least 1"))
    } else {
        Ok(())
    };
    let lut = match check_weights(sample_weight, n)
        .and(k_ok)
        .and_then(|_| encode_lut(y_true, labels, c))
    {
        Ok(lut) => lut,
        Err(e) => {
            check_finite("y_score", y_score.data())?; // reported first
            return Err(e);
        }
    };
    let scan = scan_rows(n, y_score.data(), sample_weight, |rows, out| {
        let block = &y_score.data()[rows.start * c..rows.end * c];
        let truth = &y_true[rows];
        for ((o, y), row) in out.iter_mut().zip(truth).zip(block.chunks_exact(c)) {
            *o = in_top_k(row, lut[y.code()], k) as u8 as f64;
        }
    });
    if !scan.finite {
        return Err(MetricsError::NonFinite("y_score"));
    }
    Ok(if normalize {
        scan.sum / scan.weight
    } else {
        scan.sum
    })
}

/// Whether column `e` of `row` is among its `k` highest, ties going to the
/// later column ([`ranked_above`]). Counts the columns scoring at least as high
/// and those scoring the same: without a tie (the usual case) the first count
/// less one is the rank, with no per-column index test; a tie takes the exact
/// path.
#[inline(always)]
fn in_top_k(row: &[f64], e: usize, k: usize) -> bool {
    let se = row[e];
    let (mut ge, mut eq) = (0u32, 0u32);
    for &s in row {
        ge += (s >= se) as u32;
        eq += (s == se) as u32;
    }
    if eq == 1 {
        ((ge - 1) as usize) < k
    } else {
        ranked_above(row, e) < k
    }
}

/// Number of columns of `row` ranked above column `e`: higher scores, and
/// equal scores in later columns (scikit-learn's tie order). Branch-free:
/// which columns beat the true one is unpredictable.
#[inline]
fn ranked_above(row: &[f64], e: usize) -> usize {
    let se = row[e];
    let mut above = 0;
    for (j, &s) in row.iter().enumerate() {
        above += ((s > se) | ((s == se) & (j > e))) as usize;
    }
    above
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Large inputs take the bucketed path of [`rank`]; unit weights take the
    /// independent weighted path, so the two must agree.
    /// One-vs-rest ranks the classes one after another in shared buffers,
    /// with byte-sized class codes: each class must get what a ranking of its
    /// own column gets, and the weighted path must agree.
    #[test]
    fn one_vs_rest_on_large_inputs_matches_each_class_alone() {
        let (n, c) = (120_000, 4);
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut y = Vec::new();
        let mut p = Vec::new();
        for _ in 0..n {
            let label = (next() * c as f64) as u8;
            let row: Vec<f64> = (0..c)
                .map(|j| next() + if j == label as usize { next() } else { 0.0 })
                .collect();
            let t: f64 = row.iter().sum();
            p.extend(row.iter().map(|v| v / t));
            y.push(label);
        }
        let m = ScoreMatrix::new(&p, c).unwrap();
        let per_class = roc_auc_ovr_per_class(&y, &m, None, None).unwrap();
        let weighted = roc_auc_ovr_per_class(&y, &m, None, Some(&vec![1.0; n])).unwrap();
        for j in 0..c {
            let yj: Vec<u8> = y.iter().map(|&v| (v as usize == j) as u8).collect();
            let alone = roc_auc(&yj, &m.column(j), None).unwrap();
            assert_eq!(per_class[j], alone, "class {j}");
            assert!((weighted[j] - alone).abs() <= 1e-12, "class {j}");
        }
        let mut bad = p.clone();
        bad[7 * c] += 0.1;
        let bad = ScoreMatrix::new(&bad, c).unwrap();
        assert!(roc_auc_ovr_per_class(&y, &bad, None, None).is_err());
    }

    #[test]
    fn ranked_and_weighted_paths_agree_on_large_inputs() {
        let n = 150_000;
        let mut s = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let ones = vec![1.0; n];
        for ties in [false, true] {
            let (mut y, mut score) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let label = next().is_multiple_of(3);
                let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                let x = 0.6 * u + 0.4 * label as u8 as f64 * u.sqrt();
                y.push(label as u8);
                score.push(if ties { (x * 50.0).round() / 50.0 } else { x });
            }
            let a = roc_auc(&y, &score, None).unwrap();
            let b = roc_auc(&y, &score, Some(&ones)).unwrap();
            assert!((a - b).abs() <= 1e-12 * b, "auc {a} vs {b}");
            let a = average_precision(&y, &score, 1, None).unwrap();
            let b = average_precision(&y, &score, 1, Some(&ones)).unwrap();
            assert!((a - b).abs() <= 1e-12 * b, "ap {a} vs {b}");
        }
    }
}
