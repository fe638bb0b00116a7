//! Regression metrics with scikit-learn 1.9.1 semantics, single- and multi-output.
//!
//! Single-output functions take slices; multi-output data is a row-major
//! [`ScoreMatrix`] (one column per output) evaluated with [`evaluate`] and a
//! [`MultiOutput`] averaging rule.
//!
//! ```
//! use mosel_metrics::regression::{r2, mean_squared_error};
//! let y = [3.0, -0.5, 2.0, 7.0];
//! let p = [2.5, 0.0, 2.0, 8.0];
//! assert!((mean_squared_error(&y, &p, None).unwrap() - 0.375).abs() < 1e-15);
//! assert!((r2(&y, &p, None, true).unwrap() - 0.9486081370449679).abs() < 1e-12);
//! ```

use serde::Serialize;

use crate::error::{MetricsError, Result, check_finite, check_len, check_weights, invalid};
pub use crate::matrix::ScoreMatrix;

/// The regression metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RegressionMetric {
    /// Mean squared error.
    MeanSquaredError,
    /// Root mean squared error (per output, then averaged).
    RootMeanSquaredError,
    /// Mean absolute error.
    MeanAbsoluteError,
    /// Median absolute error (weighted: scikit-learn's averaged inverted CDF).
    MedianAbsoluteError,
    /// Maximum absolute error (single output only).
    MaxError,
    /// Mean absolute percentage error (`|y - p| / max(|y|, ε)`, a fraction, not %).
    MeanAbsolutePercentageError,
    /// Coefficient of determination R².
    R2 {
        /// Replace NaN / -inf from constant targets by 1 or 0, as scikit-learn's default.
        force_finite: bool,
    },
    /// Explained variance.
    ExplainedVariance {
        /// As for R².
        force_finite: bool,
    },
}

/// How per-output values are combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MultiOutput<'a> {
    /// Return one value per output.
    RawValues,
    /// Plain mean over outputs.
    UniformAverage,
    /// Weighted by each output's variance (R² and explained variance only).
    VarianceWeighted,
    /// Weighted by the given per-output weights.
    Weights(&'a [f64]),
}

fn check(yt: &[f64], yp: &[f64], w: Option<&[f64]>) -> Result<()> {
    check_len("y_pred", yt.len(), yp.len())?;
    if yt.is_empty() {
        return Err(MetricsError::Empty("y_true and y_pred have no rows"));
    }
    check_finite("y_true", yt)?;
    check_finite("y_pred", yp)?;
    check_weights(w, yt.len())
}

/// numpy.average over values with optional weights.
fn average(v: impl Iterator<Item = f64>, w: Option<&[f64]>) -> f64 {
    let (mut s, mut sw) = (0.0, 0.0);
    for (i, x) in v.enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        s += x * wi;
        sw += wi;
    }
    s / sw
}

/// scikit-learn's `_weighted_percentile(x, w, 50, average=True)`.
fn weighted_median(x: &[f64], w: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut cdf = Vec::with_capacity(x.len());
    let mut s = 0.0;
    for &i in &idx {
        s += w[i];
        cdf.push(s);
    }
    let total = *cdf.last().unwrap();
    let mut target = 0.5 * total;
    if target == 0.0 {
        target = f64::from_bits(1); // numpy.nextafter(0, 1)
    }
    let max_idx = x.len() - 1;
    let j = cdf.partition_point(|&c| c < target).min(max_idx);
    let above = cdf[j] - target;
    if above > f64::EPSILON {
        return x[idx[j]];
    }
    let mut next = (j + 1).min(max_idx);
    if w[idx[next]] == 0.0 {
        let v = cdf[j];
        let k = cdf.partition_point(|&c| c <= v);
        next = if k > max_idx { j } else { k };
    }
    (x[idx[j]] + x[idx[next]]) / 2.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Value of one metric on one output; for R² / explained variance also the
/// denominator (variance), used by `VarianceWeighted`.
fn one_output(m: RegressionMetric, t: &[f64], p: &[f64], w: Option<&[f64]>) -> Result<(f64, f64)> {
    use RegressionMetric::*;
    let err = |i: usize| t[i] - p[i];
    let n = t.len();
    Ok(match m {
        MeanSquaredError => (average((0..n).map(|i| err(i) * err(i)), w), 0.0),
        RootMeanSquaredError => (average((0..n).map(|i| err(i) * err(i)), w).sqrt(), 0.0),
        MeanAbsoluteError => (average((0..n).map(|i| err(i).abs()), w), 0.0),
        MeanAbsolutePercentageError => (
            average(
                (0..n).map(|i| err(i).abs() / t[i].abs().max(f64::EPSILON)),
                w,
            ),
            0.0,
        ),
        MaxError => (
            (0..n)
                .map(|i| err(i).abs())
                .fold(f64::NEG_INFINITY, f64::max),
            0.0,
        ),
        MedianAbsoluteError => {
            let mut a: Vec<f64> = (0..n).map(|i| err(i).abs()).collect();
            match w {
                None => (median(&mut a), 0.0),
                Some(w) => (weighted_median(&a, w), 0.0),
            }
        }
        R2 { force_finite } => {
            let wi = |i: usize| w.map_or(1.0, |w| w[i]);
            let num: f64 = (0..n).map(|i| wi(i) * err(i) * err(i)).sum();
            let mean = average(t.iter().copied(), w);
            let den: f64 = (0..n).map(|i| wi(i) * (t[i] - mean) * (t[i] - mean)).sum();
            (fraction_explained(num, den, force_finite), den)
        }
        ExplainedVariance { force_finite } => {
            let dm = average((0..n).map(err), w);
            let num = average((0..n).map(|i| (err(i) - dm) * (err(i) - dm)), w);
            let tm = average(t.iter().copied(), w);
            let den = average(t.iter().map(|&x| (x - tm) * (x - tm)), w);
            (fraction_explained(num, den, force_finite), den)
        }
    })
}

fn fraction_explained(num: f64, den: f64, force_finite: bool) -> f64 {
    if !force_finite {
        1.0 - num / den
    } else if num == 0.0 {
        1.0
    } else if den == 0.0 {
        0.0
    } else {
        1.0 - num / den
    }
}

/// Per-output values or their combination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    /// A single (averaged) value.
    Scalar(f64),
    /// One value per output (`MultiOutput::RawValues`).
    PerOutput(Vec<f64>),
}

impl Value {
    /// The scalar, or the plain mean of per-output values.
    pub fn mean(&self) -> f64 {
        match self {
            Value::Scalar(x) => *x,
            Value::PerOutput(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

/// Evaluates `metric` on multi-output targets (one column per output).
pub fn evaluate(
    metric: RegressionMetric,
    y_true: &ScoreMatrix,
    y_pred: &ScoreMatrix,
    sample_weight: Option<&[f64]>,
    multioutput: MultiOutput,
) -> Result<Value> {
    check_len("y_pred columns", y_true.n_cols(), y_pred.n_cols())?;
    check(y_true.data(), y_pred.data(), None)?;
    let n = y_true.n_rows();
    check_weights(sample_weight, n)?;
    let m = y_true.n_cols();
    if metric == RegressionMetric::MaxError && m > 1 {
        return Err(invalid("Multioutput not supported in max_error"));
    }
    let is_r2 = matches!(metric, RegressionMetric::R2 { .. });
    if is_r2 && n < 2 {
        // scikit-learn warns and returns NaN
        return Ok(match multioutput {
            MultiOutput::RawValues => Value::PerOutput(vec![f64::NAN; m]),
            _ => Value::Scalar(f64::NAN),
        });
    }
    let mut vals = Vec::with_capacity(m);
    let mut dens = Vec::with_capacity(m);
    for j in 0..m {
        let (t, p) = (y_true.column(j), y_pred.column(j));
        let (v, d) = one_output(metric, &t, &p, sample_weight)?;
        vals.push(v);
        dens.push(d);
    }
    let weights: Option<Vec<f64>> = match multioutput {
        MultiOutput::RawValues => return Ok(Value::PerOutput(vals)),
        MultiOutput::UniformAverage => None,
        MultiOutput::VarianceWeighted => {
            if !matches!(
                metric,
                RegressionMetric::R2 { .. } | RegressionMetric::ExplainedVariance { .. }
            ) {
                return Err(invalid(
                    "multioutput=variance_weighted applies to R² and explained variance only",
                ));
            }
            if dens.iter().all(|&d| d == 0.0) {
                None
            } else {
                Some(dens)
            }
        }
        MultiOutput::Weights(w) => {
            check_len("multioutput weights", m, w.len())?;
            Some(w.to_vec())
        }
    };
    Ok(Value::Scalar(average(
        vals.iter().copied(),
        weights.as_deref(),
    )))
}

fn single(m: RegressionMetric, t: &[f64], p: &[f64], w: Option<&[f64]>) -> Result<f64> {
    check(t, p, w)?;
    if matches!(m, RegressionMetric::R2 { .. }) && t.len() < 2 {
        return Ok(f64::NAN);
    }
    Ok(one_output(m, t, p, w)?.0)
}

/// Mean squared error.
pub fn mean_squared_error(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    single(
        RegressionMetric::MeanSquaredError,
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Root mean squared error.
pub fn root_mean_squared_error(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    single(
        RegressionMetric::RootMeanSquaredError,
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Mean absolute error.
pub fn mean_absolute_error(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    single(
        RegressionMetric::MeanAbsoluteError,
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Median absolute error.
pub fn median_absolute_error(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    single(
        RegressionMetric::MedianAbsoluteError,
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Maximum absolute error.
pub fn max_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    single(RegressionMetric::MaxError, y_true, y_pred, None)
}

/// Mean absolute percentage error (a fraction: 0.1 means 10 %).
pub fn mean_absolute_percentage_error(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<f64> {
    single(
        RegressionMetric::MeanAbsolutePercentageError,
        y_true,
        y_pred,
        sample_weight,
    )
}

/// R² (NaN with fewer than two rows, as scikit-learn).
pub fn r2(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
    force_finite: bool,
) -> Result<f64> {
    single(
        RegressionMetric::R2 { force_finite },
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Explained variance score.
pub fn explained_variance(
    y_true: &[f64],
    y_pred: &[f64],
    sample_weight: Option<&[f64]>,
    force_finite: bool,
) -> Result<f64> {
    single(
        RegressionMetric::ExplainedVariance { force_finite },
        y_true,
        y_pred,
        sample_weight,
    )
}

/// Weighted mean and sum of squared deviations, mergeable (Chan et al.).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    w: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64, w: f64) {
        if w == 0.0 {
            return;
        }
        self.w += w;
        let d = x - self.mean;
        self.mean += d * w / self.w;
        self.m2 += w * d * (x - self.mean);
    }

    fn merge(&mut self, o: &Self) {
        if o.w == 0.0 {
            return;
        }
        if self.w == 0.0 {
            *self = *o;
            return;
        }
        let w = self.w + o.w;
        let d = o.mean - self.mean;
        self.mean += d * o.w / w;
        self.m2 += o.m2 + d * d * self.w * o.w / w;
        self.w = w;
    }
}

/// Streaming, mergeable accumulator of single-output regression metrics
/// (all but the median absolute error, which needs every residual).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegressionAccumulator {
    truth: Moments,
    resid: Moments,
    sq: f64,
    abs: f64,
    ape: f64,
    max: f64,
    rows: u64,
}

impl RegressionAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds rows.
    pub fn update(
        &mut self,
        y_true: &[f64],
        y_pred: &[f64],
        sample_weight: Option<&[f64]>,
    ) -> Result<()> {
        check(y_true, y_pred, None)?;
        check_weights(sample_weight, y_true.len())?;
        for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
            let w = sample_weight.map_or(1.0, |w| w[i]);
            let e = t - p;
            self.truth.push(t, w);
            self.resid.push(e, w);
            self.sq += w * e * e;
            self.abs += w * e.abs();
            self.ape += w * e.abs() / t.abs().max(f64::EPSILON);
            self.max = self.max.max(e.abs());
            self.rows += 1;
        }
        Ok(())
    }

    /// Merges another accumulator.
    pub fn merge(&mut self, o: &Self) {
        self.truth.merge(&o.truth);
        self.resid.merge(&o.resid);
        self.sq += o.sq;
        self.abs += o.abs;
        self.ape += o.ape;
        self.max = self.max.max(o.max);
        self.rows += o.rows;
    }

    /// Number of rows added.
    pub fn n_rows(&self) -> u64 {
        self.rows
    }

    /// The metric so far; `MedianAbsoluteError` is not available from sums.
    pub fn value(&self, m: RegressionMetric) -> Result<f64> {
        use RegressionMetric::*;
        if self.rows == 0 {
            return Err(MetricsError::Empty("no rows accumulated"));
        }
        let w = self.truth.w;
        Ok(match m {
            MeanSquaredError => self.sq / w,
            RootMeanSquaredError => (self.sq / w).sqrt(),
            MeanAbsoluteError => self.abs / w,
            MeanAbsolutePercentageError => self.ape / w,
            MaxError => self.max,
            MedianAbsoluteError => {
                return Err(invalid(
                    "the median absolute error cannot be computed from streaming sums",
                ));
            }
            R2 { force_finite } => {
                if self.rows < 2 {
                    return Ok(f64::NAN);
                }
                fraction_explained(self.sq, self.truth.m2, force_finite)
            }
            ExplainedVariance { force_finite } => {
                fraction_explained(self.resid.m2 / w, self.truth.m2 / w, force_finite)
            }
        })
    }
}
