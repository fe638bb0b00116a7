//! Set-wise metrics on multilabel indicator matrices (scikit-learn semantics).

use crate::classification::{Average, PerClassPrf, Prf, PrfCounts, PrfOptions, prf_from_counts};
use crate::error::{MetricsError, Result, check_len, check_weights, invalid};

/// A row-major `n_rows x n_labels` 0/1 indicator matrix (any nonzero byte is 1).
#[derive(Debug, Clone, Copy)]
pub struct Indicator<'a> {
    data: &'a [u8],
    n_labels: usize,
}

impl<'a> Indicator<'a> {
    /// Wraps `data` (length must be a multiple of `n_labels`, `n_labels > 0`).
    pub fn new(data: &'a [u8], n_labels: usize) -> Result<Self> {
        if n_labels == 0 {
            return Err(invalid(
                "an indicator matrix needs at least one label column",
            ));
        }
        if !data.len().is_multiple_of(n_labels) {
            return Err(invalid(format!(
                "indicator data of length {} is not a multiple of n_labels={n_labels}",
                data.len()
            )));
        }
        Ok(Self { data, n_labels })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.data.len() / self.n_labels
    }

    /// Number of label columns.
    pub fn n_labels(&self) -> usize {
        self.n_labels
    }

    /// Label column `j` (0/1).
    pub(crate) fn column(&self, j: usize) -> Vec<u8> {
        self.data
            .iter()
            .skip(j)
            .step_by(self.n_labels)
            .map(|&v| (v != 0) as u8)
            .collect()
    }

    pub(crate) fn row(&self, i: usize) -> &'a [u8] {
        &self.data[i * self.n_labels..(i + 1) * self.n_labels]
    }
}

fn check(t: &Indicator, p: &Indicator, w: Option<&[f64]>) -> Result<()> {
    check_len("y_pred columns", t.n_labels, p.n_labels)?;
    check_len("y_pred rows", t.n_rows(), p.n_rows())?;
    if t.n_rows() == 0 {
        return Err(MetricsError::Empty("y_true and y_pred have no rows"));
    }
    check_weights(w, t.n_rows())
}

fn select_labels(t: &Indicator, labels: Option<&[usize]>) -> Result<Vec<usize>> {
    match labels {
        None => Ok((0..t.n_labels).collect()),
        Some(l) => {
            if let Some(&m) = l.iter().max()
                && m >= t.n_labels
            {
                return Err(invalid(format!(
                    "All labels must be in [0, n labels) for multilabel targets. Got {m} > {}",
                    t.n_labels - 1
                )));
            }
            Ok(l.to_vec())
        }
    }
}

/// Per-label (or, with `samplewise`, per-row) counts `(tp, predicted, true)`.
fn counts(
    t: &Indicator,
    p: &Indicator,
    labels: &[usize],
    w: Option<&[f64]>,
    samplewise: bool,
) -> PrfCounts {
    let n = t.n_rows();
    let size = if samplewise { n } else { labels.len() };
    let mut c = PrfCounts {
        tp: vec![0.0; size],
        pred: vec![0.0; size],
        truth: vec![0.0; size],
    };
    for i in 0..n {
        let (rt, rp) = (t.row(i), p.row(i));
        let wi = w.map_or(1.0, |w| w[i]);
        for (j, &l) in labels.iter().enumerate() {
            let (a, b) = (rt[l] != 0, rp[l] != 0);
            let slot = if samplewise { i } else { j };
            if a && b {
                c.tp[slot] += wi;
            }
            if b {
                c.pred[slot] += wi;
            }
            if a {
                c.truth[slot] += wi;
            }
        }
    }
    c
}

/// Averaged precision, recall and F-beta of multilabel data; `Average::Samples`
/// averages per-row scores. `opts.labels` selects label columns.
pub fn precision_recall_fscore(
    y_true: &Indicator,
    y_pred: &Indicator,
    opts: &PrfOptions,
) -> Result<Prf> {
    check(y_true, y_pred, opts.sample_weight)?;
    if opts.average == Average::Binary {
        return Err(MetricsError::NotBinary {
            kind: "multilabel-indicator",
            samples: ", samples",
        });
    }
    let labels = select_labels(y_true, opts.labels)?;
    let samples = opts.average == Average::Samples;
    let c = counts(y_true, y_pred, &labels, opts.sample_weight, samples);
    let weights: Option<Vec<f64>> = match opts.average {
        Average::Weighted => Some(c.truth.clone()),
        Average::Samples => opts.sample_weight.map(|w| w.to_vec()),
        _ => None,
    };
    let (p, r, f, warnings) = prf_from_counts(
        &c,
        opts.beta,
        opts.zero_division,
        opts.average == Average::Micro,
        weights.as_deref(),
        true,
        samples,
    );
    Ok(Prf {
        precision: p[0],
        recall: r[0],
        fscore: f[0],
        warnings,
    })
}

/// Per-label precision, recall, F-beta and support of multilabel data.
pub fn precision_recall_fscore_per_class(
    y_true: &Indicator,
    y_pred: &Indicator,
    opts: &PrfOptions,
) -> Result<PerClassPrf> {
    check(y_true, y_pred, opts.sample_weight)?;
    let labels = select_labels(y_true, opts.labels)?;
    let c = counts(y_true, y_pred, &labels, opts.sample_weight, false);
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

/// Per-label 2x2 matrices `[[tn, fp], [fn, tp]]` (scikit-learn's
/// `multilabel_confusion_matrix`).
pub fn multilabel_confusion_matrix(
    y_true: &Indicator,
    y_pred: &Indicator,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<[[f64; 2]; 2]>> {
    check(y_true, y_pred, sample_weight)?;
    let labels: Vec<usize> = (0..y_true.n_labels).collect();
    let c = counts(y_true, y_pred, &labels, sample_weight, false);
    let total: f64 = sample_weight.map_or(y_true.n_rows() as f64, |w| w.iter().sum());
    Ok((0..labels.len())
        .map(|j| {
            let (tp, fp, fn_) = (c.tp[j], c.pred[j] - c.tp[j], c.truth[j] - c.tp[j]);
            [[total - tp - fp - fn_, fp], [fn_, tp]]
        })
        .collect())
}

/// Fraction of wrong label cells, weighted by row.
pub fn hamming_loss(
    y_true: &Indicator,
    y_pred: &Indicator,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check(y_true, y_pred, sample_weight)?;
    let n = y_true.n_rows();
    let mut diff = 0.0;
    for i in 0..n {
        let d = y_true
            .row(i)
            .iter()
            .zip(y_pred.row(i))
            .filter(|(a, b)| (**a != 0) != (**b != 0))
            .count();
        diff += d as f64 * sample_weight.map_or(1.0, |w| w[i]);
    }
    let wavg = sample_weight.map_or(1.0, |w| w.iter().sum::<f64>() / n as f64);
    Ok(diff / (n as f64 * y_true.n_labels as f64 * wavg))
}

/// Subset accuracy: fraction (weighted) of rows whose label sets match exactly.
pub fn subset_accuracy(
    y_true: &Indicator,
    y_pred: &Indicator,
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    check(y_true, y_pred, sample_weight)?;
    let (mut hit, mut tot) = (0.0, 0.0);
    for i in 0..y_true.n_rows() {
        let w = sample_weight.map_or(1.0, |w| w[i]);
        let same = y_true
            .row(i)
            .iter()
            .zip(y_pred.row(i))
            .all(|(a, b)| (*a != 0) == (*b != 0));
        tot += w;
        if same {
            hit += w;
        }
    }
    Ok(hit / tot)
}
