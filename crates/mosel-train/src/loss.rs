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

/// `exp(x)` for `x ≤ 0`, without branches or library calls so that loops over it compile to
/// SIMD code (it is inlined into callers compiled for AVX2 / AVX-512). `x = k ln 2 + r` with
/// `|r| ≤ ½ ln 2`, `exp(r)` by its Taylor polynomial of degree 13 (truncation error below
/// 5e-18), times `2^k` built from the exponent bits. Relative error within a few ulp of the
/// exact value; 0 below `-708` (where the exact value is under 3e-308).
#[allow(clippy::excessive_precision)] // fdlibm's constants, as published
#[inline(always)]
pub fn exp_nonpos(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split of ln 2: k · LN2_HI is exact for |k| < 2^20.
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    // Adding 1.5 · 2^52 rounds to an integer, which then sits in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    // 1/13!, 1/12!, ..., 1/1!, 1/0! (Horner order).
    const C: [f64; 14] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let xc = if x > -708.0 { x } else { -708.0 };
    let t = xc * LOG2E + SHIFT;
    let k = t - SHIFT; // round(xc / ln 2), in [-1021, 0]
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = C[0];
    for c in &C[1..] {
        p = p * r + *c;
    }
    // The low 12 bits of `t`'s representation are k mod 4096; k + 1023 in [2, 1023] is the
    // biased exponent of 2^k.
    let two_k = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let v = p * two_k;
    if x < -708.0 { 0.0 } else { v }
}

/// `ln(1 + e)` for `e ∈ [0, 1]`, branch-free (see [`exp_nonpos`]): fdlibm's `log` kernel on
/// `1 + e = 2^k (1 + f)` with `k ∈ {0, 1}` and `f ∈ [√½ - 1, √2 - 1]`, where `f` is formed
/// from `e` directly (`f = e` or `(e - 1) / 2`) so small `e` keep their full precision.
/// Error within about one ulp.
#[allow(clippy::excessive_precision)] // fdlibm's constants, as published
#[inline(always)]
pub fn ln_1p_unit(e: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LG1: f64 = 6.666_666_666_666_735_130e-1;
    const LG2: f64 = 3.999_999_999_940_941_908e-1;
    const LG3: f64 = 2.857_142_874_366_239_149e-1;
    const LG4: f64 = 2.222_219_843_214_978_396e-1;
    const LG5: f64 = 1.818_357_216_161_805_012e-1;
    const LG6: f64 = 1.531_383_769_920_937_332e-1;
    const LG7: f64 = 1.479_819_860_511_658_591e-1;
    let big = e > std::f64::consts::SQRT_2 - 1.0;
    let f = if big { (e - 1.0) * 0.5 } else { e };
    let k = if big { 1.0 } else { 0.0 };
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// Binary cross-entropy of f64 logits `z` against 0/1 `codes`, in a form that compiles to
/// SIMD code: writes `scale · (σ(z_i) - y_i)` into `grad`, the per-row losses into `row_loss`,
/// and returns (sum of the losses, number of rows classified correctly by `z > 0`). The loss
/// sum uses eight partial sums (lane `l` takes the rows `i ≡ l mod 8`), added pairwise at the
/// end, so the result does not depend on how the loop is compiled.
///
/// Same formulas as [`bce_logit`], with [`exp_nonpos`] and [`ln_1p_unit`] instead of the
/// library's `exp` / `ln` (agreeing with them to about 1e-16).
#[inline(always)]
pub fn bce_block(
    z: &[f64],
    codes: &[u32],
    scale: f64,
    grad: &mut [f64],
    row_loss: &mut [f64],
) -> (f64, usize) {
    let n = z.len();
    let (codes, grad, row_loss) = (&codes[..n], &mut grad[..n], &mut row_loss[..n]);
    let mut correct = 0usize;
    for i in 0..n {
        let zi = z[i];
        let y = (codes[i] == 1) as u32 as f64;
        let e = exp_nonpos(-zi.abs());
        let pos = zi >= 0.0;
        let p = if pos { 1.0 } else { e } / (1.0 + e);
        row_loss[i] = (if pos { zi } else { 0.0 }) - y * zi + ln_1p_unit(e);
        grad[i] = scale * (p - y);
        correct += ((zi > 0.0) == (codes[i] == 1)) as usize;
    }
    let mut acc = [0.0f64; 8];
    let chunks = row_loss.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    for (l, v) in rest.iter().enumerate() {
        acc[l] += v;
    }
    let total = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    (total, correct)
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
    /// The branch-free exp / ln(1 + e) against the library functions, over their whole
    /// range (including the ends and the switch points).
    #[test]
    fn branch_free_exp_and_log1p_match_libm() {
        let mut worst_exp = 0.0f64;
        let mut worst_log = 0.0f64;
        let mut xs = vec![
            0.0, -1e-300, -1e-17, -1e-8, -0.3465, -0.3466, -1.0, -700.0, -707.9,
        ];
        xs.extend((0..20_000).map(|i| -(i as f64) * 0.0354));
        for x in xs {
            let want = x.exp();
            let got = exp_nonpos(x);
            worst_exp = worst_exp.max((got - want).abs() / want);
        }
        assert!(worst_exp < 4e-16, "exp relative error {worst_exp:e}");
        assert_eq!(exp_nonpos(-708.5), 0.0);
        assert_eq!(exp_nonpos(-1e4), 0.0);
        assert_eq!(exp_nonpos(f64::NEG_INFINITY), 0.0);
        let mut es = vec![
            0.0,
            1e-300,
            1e-17,
            1e-9,
            0.414_213_562_373_095,
            0.414_213_562_373_096,
            0.5,
            1.0,
        ];
        es.extend((1..20_000).map(|i| i as f64 / 20_000.0));
        for e in es {
            let want = e.ln_1p();
            let got = ln_1p_unit(e);
            let err = if want == 0.0 {
                got.abs()
            } else {
                (got - want).abs() / want
            };
            worst_log = worst_log.max(err);
        }
        assert!(worst_log < 4e-16, "ln_1p relative error {worst_log:e}");
    }

    /// The SIMD-friendly block against the per-row reference, including extreme logits.
    #[test]
    fn bce_block_matches_bce_logit() {
        let mut z: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 2001) as f64 / 50.0 - 20.0)
            .collect();
        z.extend([0.0, -0.0, 1e4, -1e4, 800.0, -800.0, 36.0, -36.0, 709.0]);
        let codes: Vec<u32> = (0..z.len()).map(|i| ((i * 31) % 3 == 0) as u32).collect();
        let n = z.len();
        let (mut g, mut l) = (vec![0.0; n], vec![0.0; n]);
        let (total, correct) = bce_block(&z, &codes, 0.5, &mut g, &mut l);
        let mut want_total = 0.0;
        let mut want_correct = 0;
        for i in 0..n {
            let (lw, dw) = bce_logit(z[i], codes[i] as f64);
            want_total += lw;
            want_correct += ((z[i] > 0.0) == (codes[i] == 1)) as usize;
            assert!(
                (l[i] - lw).abs() <= 4.5e-16 * (1.0 + lw.abs()),
                "row {i}: z {} loss {} vs {lw}",
                z[i],
                l[i]
            );
            assert!(
                (g[i] - 0.5 * dw).abs() <= 2e-16,
                "row {i}: z {} grad {} vs {}",
                z[i],
                g[i],
                0.5 * dw
            );
        }
        assert!((total - want_total).abs() <= 1e-13 * want_total);
        assert_eq!(correct, want_correct);
        // Exact values where the reference is exact.
        let (mut g, mut l) = ([0.0; 3], [0.0; 3]);
        let (t, _) = bce_block(&[1e4, 1e4, -1e4], &[0, 1, 1], 1.0, &mut g, &mut l);
        assert_eq!(l, [1e4, 0.0, 1e4]);
        assert_eq!(g, [1.0, 0.0, -1.0]);
        assert_eq!(t, 2e4);
    }
}
