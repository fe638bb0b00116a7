//! Loss functions on model outputs (logits for classification), with their gradients.
//!
//! Every loss is the **mean over rows** of a per-row loss; [`Loss::eval`] returns the *sum*
//! over the rows it is given and writes `scale * ∂loss_i/∂z_i` per row, so a caller averaging
//! over a batch of `n` rows passes `scale = 1/n`.
//!
//! | loss | per-row value | gradient w.r.t. the output `z` |
//! |---|---|---|
//! | MSE | `(z - y)²` | `2 (z - y)` |
//! | MAE | `|z - y|` | `sign(z - y)` (0 at 0) |
//! | Huber(δ) | `½ r²` if `|r| ≤ δ`, else `δ (|r| - ½ δ)` | `r` clipped to `[-δ, δ]` |
//! | binary cross-entropy on a logit | `softplus(z) - y z` | `σ(z) - y` |
//! | softmax cross-entropy on logits | `logsumexp(z) - z_y` | `softmax(z) - onehot(y)` |
//!
//! The cross-entropies never evaluate `log(0)` or overflow: `softplus(z) = max(z, 0) +
//! log1p(exp(-|z|))` and log-sum-exp subtracts the largest logit first, so logits of ±1e4
//! give exact, finite values.

use mosel_data::Task;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A training loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Loss {
    /// Mean squared error (regression).
    Mse,
    /// Mean absolute error (regression).
    Mae,
    /// Huber loss with threshold `delta` (regression).
    Huber {
        /// Residual size where the loss turns from quadratic to linear.
        delta: f64,
    },
    /// Binary cross-entropy on one logit per row (binary classification).
    BinaryCrossEntropy,
    /// Softmax cross-entropy on one logit per class (multiclass classification).
    CrossEntropy,
}

/// The targets of the rows a loss is evaluated on.
#[derive(Debug, Clone, Copy)]
pub enum Labels<'a> {
    /// Real values (regression).
    Values(&'a [f64]),
    /// Class codes (classification; 0/1 for binary cross-entropy).
    Codes(&'a [u32]),
}

impl Labels<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Labels::Values(v) => v.len(),
            Labels::Codes(c) => c.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Loss {
    /// The default loss of a task: MSE for regression, binary cross-entropy for binary and
    /// softmax cross-entropy for multiclass classification.
    pub fn default_for(task: Task) -> Self {
        match task {
            Task::Regression => Loss::Mse,
            Task::Binary => Loss::BinaryCrossEntropy,
            Task::Multiclass => Loss::CrossEntropy,
        }
    }

    /// True for the classification losses.
    pub fn is_classification(self) -> bool {
        matches!(self, Loss::BinaryCrossEntropy | Loss::CrossEntropy)
    }

    /// Number of model outputs per row for `n_classes` classes (ignored for regression).
    pub fn n_outputs(self, n_classes: usize) -> usize {
        match self {
            Loss::CrossEntropy => n_classes,
            _ => 1,
        }
    }

    /// Sum over rows of the per-row loss of `outputs` (row-major, `k` values per row) against
    /// `labels`. When `grad` is given (same layout as `outputs`) it receives
    /// `scale * ∂loss_i/∂outputs_i`. Per-row arithmetic is in f64.
    ///
    /// Panics only on internal misuse (mismatched lengths or label kind), which the models
    /// rule out before calling.
    pub fn eval<T: Real>(
        self,
        outputs: &[T],
        k: usize,
        labels: Labels<'_>,
        scale: f64,
        mut grad: Option<&mut [T]>,
    ) -> f64 {
        let n = labels.len();
        debug_assert_eq!(outputs.len(), n * k);
        let mut total = 0.0f64;
        match (self, labels) {
            (Loss::CrossEntropy, Labels::Codes(codes)) => {
                let mut buf = [0.0f64; 64];
                for i in 0..n {
                    let z = &outputs[i * k..(i + 1) * k];
                    let y = codes[i] as usize;
                    let m = z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
                    let mut s = 0.0f64;
                    if k <= 64 {
                        for (b, v) in buf.iter_mut().zip(z) {
                            *b = (v.to_f64() - m).exp();
                            s += *b;
                        }
                    } else {
                        s = z.iter().map(|v| (v.to_f64() - m).exp()).sum();
                    }
                    total += m + s.ln() - z[y].to_f64();
                    if let Some(g) = grad.as_deref_mut() {
                        let g = &mut g[i * k..(i + 1) * k];
                        let inv = scale / s;
                        for (j, gj) in g.iter_mut().enumerate() {
                            let e = if k <= 64 {
                                buf[j]
                            } else {
                                (z[j].to_f64() - m).exp()
                            };
                            let mut v = e * inv;
                            if j == y {
                                v -= scale;
                            }
                            *gj = T::from_f64(v);
                        }
                    }
                }
            }
            (Loss::BinaryCrossEntropy, Labels::Codes(codes)) => {
                debug_assert_eq!(k, 1);
                for i in 0..n {
                    let (l, d) = bce_logit(outputs[i].to_f64(), codes[i] as f64);
                    total += l;
                    if let Some(g) = grad.as_deref_mut() {
                        g[i] = T::from_f64(scale * d);
                    }
                }
            }
            (reg, Labels::Values(y)) => {
                debug_assert_eq!(k, 1);
                for i in 0..n {
                    let r = outputs[i].to_f64() - y[i];
                    let (l, d) = match reg {
                        Loss::Mse => (r * r, 2.0 * r),
                        Loss::Mae => (
                            r.abs(),
                            if r > 0.0 {
                                1.0
                            } else if r < 0.0 {
                                -1.0
                            } else {
                                0.0
                            },
                        ),
                        Loss::Huber { delta } => {
                            if r.abs() <= delta {
                                (0.5 * r * r, r)
                            } else {
                                (delta * (r.abs() - 0.5 * delta), delta * r.signum())
                            }
                        }
                        _ => unreachable!("classification loss with real-valued labels"),
                    };
                    total += l;
                    if let Some(g) = grad.as_deref_mut() {
                        g[i] = T::from_f64(scale * d);
                    }
                }
            }
            _ => unreachable!("loss and label kind do not match"),
        }
        total
    }
}

/// The float types losses work on (f32 network outputs, f64 linear-model outputs).
pub trait Real: Copy + Send + Sync {
    /// Widen to f64.
    fn to_f64(self) -> f64;
    /// Narrow from f64.
    fn from_f64(v: f64) -> Self;
}

impl Real for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Real for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// Binary cross-entropy of one logit `z` against `y ∈ {0, 1}`: `(loss, σ(z) - y)`.
/// Computed as `max(z,0) - y z + log1p(exp(-|z|))`, finite for any finite `z`.
#[inline]
pub fn bce_logit(z: f64, y: f64) -> (f64, f64) {
    let e = (-z.abs()).exp();
    // ln(1 + e) for e in (0, 1]: absolute error below 1.2e-16, like log1p, and cheaper.
    let loss = z.max(0.0) - y * z + (1.0 + e).ln();
    let p = if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    (loss, p - y)
}

/// `softmax` of one row in place (stable).
pub fn softmax_in_place(z: &mut [f64]) {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in z.iter_mut() {
        *v /= s;
    }
}

/// The logistic function, stable for large `|z|`.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loss::Mse => f.write_str("mse"),
            Loss::Mae => f.write_str("mae"),
            Loss::Huber { delta } => write!(f, "huber({delta})"),
            Loss::BinaryCrossEntropy => f.write_str("bce"),
            Loss::CrossEntropy => f.write_str("cross_entropy"),
        }
    }
}

impl FromStr for Loss {
    type Err = String;
    /// Parses `mse`, `mae`, `huber` (δ = 1), `huber:<δ>`, `bce` / `binary_cross_entropy`,
    /// `ce` / `cross_entropy`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase();
        Ok(match l.as_str() {
            "mse" | "squared_error" => Loss::Mse,
            "mae" | "absolute_error" => Loss::Mae,
            "huber" => Loss::Huber { delta: 1.0 },
            "bce" | "binary_cross_entropy" | "log_loss" => Loss::BinaryCrossEntropy,
            "ce" | "cross_entropy" | "softmax" => Loss::CrossEntropy,
            other => match other.strip_prefix("huber:").map(str::parse::<f64>) {
                Some(Ok(d)) if d > 0.0 => Loss::Huber { delta: d },
                _ => {
                    return Err(format!(
                        "unknown loss '{s}': use mse, mae, huber, huber:<delta>, bce or cross_entropy"
                    ));
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_logits_are_finite_and_exact() {
        // softplus(1e4) - 0 = 1e4 ; label 1 at z = 1e4 -> 0.
        let (l, g) = bce_logit(1e4, 0.0);
        assert_eq!(l, 1e4);
        assert_eq!(g, 1.0);
        let (l, g) = bce_logit(1e4, 1.0);
        assert_eq!(l, 0.0);
        assert_eq!(g, 0.0);
        let (l, g) = bce_logit(-1e4, 1.0);
        assert_eq!(l, 1e4);
        assert_eq!(g, -1.0);
        let z = [1e4f32, -1e4, 0.0];
        let mut g = [0.0f32; 3];
        let l = Loss::CrossEntropy.eval(&z, 3, Labels::Codes(&[1]), 1.0, Some(&mut g));
        assert_eq!(l, 2e4);
        assert_eq!(g, [1.0, -1.0, 0.0]);
        let l = Loss::CrossEntropy.eval(&z, 3, Labels::Codes(&[0]), 1.0, None);
        assert_eq!(l, 0.0);
    }

    #[test]
    fn known_values() {
        // log(2) at z = 0.
        let l = Loss::BinaryCrossEntropy.eval(&[0.0f32], 1, Labels::Codes(&[1]), 1.0, None);
        assert!((l - std::f64::consts::LN_2).abs() < 1e-7);
        // uniform softmax over 4 classes: log 4.
        let l = Loss::CrossEntropy.eval(&[0.5f32; 4], 4, Labels::Codes(&[2]), 1.0, None);
        assert!((l - 4f64.ln()).abs() < 1e-6);
        let huber = Loss::Huber { delta: 1.0 };
        assert_eq!(
            huber.eval(&[3.0f32], 1, Labels::Values(&[0.0]), 1.0, None),
            2.5
        );
        assert_eq!(
            huber.eval(&[0.5f32], 1, Labels::Values(&[0.0]), 1.0, None),
            0.125
        );
        assert_eq!(
            Loss::Mae.eval(&[-2.0f32], 1, Labels::Values(&[1.0]), 1.0, None),
            3.0
        );
        assert_eq!(
            Loss::Mse.eval(&[-2.0f32], 1, Labels::Values(&[1.0]), 1.0, None),
            9.0
        );
    }
}
