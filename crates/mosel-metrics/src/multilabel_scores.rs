//! Score metrics on multilabel indicator matrices: ROC-AUC (optionally partial)
//! and average precision of every label column, averaged as scikit-learn's
//! `roc_auc_score` / `average_precision_score` do for multilabel `y_true`.

use serde::Serialize;

use crate::error::{MetricsError, Result, check_len, check_weights, invalid};
use crate::matrix::ScoreMatrix;
use crate::multilabel::Indicator;
use crate::ranking::{average_precision, roc_auc, roc_auc_partial};

/// How the per-label (or per-row) scores of a multilabel problem are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum LabelAverage {
    /// Unweighted mean over the labels.
    #[default]
    Macro,
    /// Mean over the labels weighted by their (weighted) number of positive rows.
    Weighted,
    /// One binary problem over all (row, label) cells.
    Micro,
    /// Mean over the rows, each a binary problem across the labels (weighted by the
    /// sample weights).
    Samples,
}

/// A threshold-free binary metric.
#[derive(Clone, Copy)]
enum Score {
    /// ROC-AUC, partial up to this false positive rate when below 1.
    Auc(f64),
    AveragePrecision,
}

impl Score {
    fn binary(self, y: &[u8], s: &[f64], w: Option<&[f64]>) -> Result<f64> {
        match self {
            Score::Auc(max_fpr) if max_fpr < 1.0 => roc_auc_partial(y, s, max_fpr, w),
            Score::Auc(_) => roc_auc(y, s, w),
            Score::AveragePrecision => average_precision(y, s, 1, w),
        }
    }
}

/// Multilabel ROC-AUC (`roc_auc_score` on an indicator `y_true`): the binary
/// ROC-AUC of every label column (NaN for a column with one class, which makes
/// the macro mean NaN), averaged by `average`. With `max_fpr < 1` each binary
/// score is the standardised partial AUC ([`roc_auc_partial`]).
pub fn roc_auc_multilabel(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    average: LabelAverage,
    max_fpr: Option<f64>,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    let max_fpr = checked_max_fpr(max_fpr)?;
    averaged(y_true, y_score, average, sample_weight, Score::Auc(max_fpr))
}

/// [`roc_auc_multilabel`] of every label column (`average=None`).
pub fn roc_auc_per_label(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    max_fpr: Option<f64>,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<f64>> {
    let max_fpr = checked_max_fpr(max_fpr)?;
    per_label(y_true, y_score, sample_weight, Score::Auc(max_fpr))
}

/// Multilabel average precision (`average_precision_score` on an indicator
/// `y_true`): the average precision of every label column (0 for a column
/// without positives), averaged by `average`.
pub fn average_precision_multilabel(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    average: LabelAverage,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    averaged(
        y_true,
        y_score,
        average,
        sample_weight,
        Score::AveragePrecision,
    )
}

/// [`average_precision_multilabel`] of every label column (`average=None`).
pub fn average_precision_per_label(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<f64>> {
    per_label(y_true, y_score, sample_weight, Score::AveragePrecision)
}

fn checked_max_fpr(max_fpr: Option<f64>) -> Result<f64> {
    match max_fpr {
        None => Ok(1.0),
        Some(m) if m > 0.0 && m <= 1.0 => Ok(m),
        Some(m) => Err(invalid(format!("max_fpr must be in (0, 1], got {m}"))),
    }
}

fn check(y_true: &Indicator, y_score: &ScoreMatrix, w: Option<&[f64]>) -> Result<()> {
    check_len("y_score rows", y_true.n_rows(), y_score.n_rows())?;
    check_len("y_score columns", y_true.n_labels(), y_score.n_cols())?;
    if y_true.n_rows() == 0 {
        return Err(MetricsError::Empty("y_true and y_score have no rows"));
    }
    check_weights(w, y_true.n_rows())
}

fn per_label(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    w: Option<&[f64]>,
    score: Score,
) -> Result<Vec<f64>> {
    check(y_true, y_score, w)?;
    (0..y_true.n_labels())
        .map(|j| score.binary(&y_true.column(j), &y_score.column(j), w))
        .collect()
}

/// scikit-learn's `_average_binary_score`.
fn averaged(
    y_true: &Indicator,
    y_score: &ScoreMatrix,
    average: LabelAverage,
    w: Option<&[f64]>,
    score: Score,
) -> Result<f64> {
    check(y_true, y_score, w)?;
    let (n, labels) = (y_true.n_rows(), y_true.n_labels());
    let (scores, weights) = match average {
        LabelAverage::Micro => {
            let y: Vec<u8> = (0..n)
                .flat_map(|i| y_true.row(i))
                .map(|&v| (v != 0) as u8)
                .collect();
            let ww: Option<Vec<f64>> = w.map(|w| {
                w.iter()
                    .flat_map(|&x| std::iter::repeat_n(x, labels))
                    .collect()
            });
            return score.binary(&y, y_score.data(), ww.as_deref());
        }
        LabelAverage::Macro => (per_label(y_true, y_score, w, score)?, None),
        LabelAverage::Weighted => {
            let support: Vec<f64> = (0..labels)
                .map(|j| {
                    (0..n)
                        .filter(|&i| y_true.row(i)[j] != 0)
                        .map(|i| w.map_or(1.0, |w| w[i]))
                        .sum()
                })
                .collect();
            if support.iter().sum::<f64>().abs() <= 1e-8 {
                return Ok(0.0);
            }
            (per_label(y_true, y_score, w, score)?, Some(support))
        }
        LabelAverage::Samples => {
            let scores = (0..n)
                .map(|i| {
                    let y: Vec<u8> = y_true.row(i).iter().map(|&v| (v != 0) as u8).collect();
                    score.binary(&y, y_score.row(i), None)
                })
                .collect::<Result<Vec<f64>>>()?;
            (scores, w.map(<[f64]>::to_vec))
        }
    };
    Ok(match weights {
        None => scores.iter().sum::<f64>() / scores.len() as f64,
        Some(wt) => {
            // a unit of zero weight counts 0, even when its score is NaN
            let total: f64 = wt.iter().sum();
            scores
                .iter()
                .zip(&wt)
                .map(|(&s, &x)| if x == 0.0 { 0.0 } else { s * x })
                .sum::<f64>()
                / total
        }
    })
}
