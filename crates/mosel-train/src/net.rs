//! The dense network behind every model: linear, logistic and softmax regression are
//! networks without hidden layers. Forward and backward passes run on fixed chunks of rows;
//! each chunk writes its own partial gradient and the partials are added in chunk order, so
//! results do not depend on the number of threads.

use crate::config::Activation;
use crate::loss::{Labels, Loss, Real, bce_block};
use rayon::prelude::*;
use std::sync::Mutex;

/// Layer sizes and per-layer parameter offsets. Parameters are laid out layer after layer as
/// `W_l` (`in × out`, row-major) followed by `b_l` (`out`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arch {
    /// `[n_features, hidden..., n_outputs]`.
    pub sizes: Vec<usize>,
    /// Hidden activation.
    pub act: Activation,
    /// Dropout probability on hidden activations (training only).
    pub dropout: f32,
}

impl Arch {
    /// Number of weight layers.
    pub fn n_layers(&self) -> usize {
        self.sizes.len() - 1
    }
    /// Offset of `W_l` in the parameter vector.
    pub fn w_offset(&self, l: usize) -> usize {
        (0..l)
            .map(|i| (self.sizes[i] + 1) * self.sizes[i + 1])
            .sum()
    }
    /// Offset of `b_l`.
    pub fn b_offset(&self, l: usize) -> usize {
        self.w_offset(l) + self.sizes[l] * self.sizes[l + 1]
    }
    /// Total parameters.
    pub fn n_params(&self) -> usize {
        self.w_offset(self.n_layers())
    }
    /// Outputs per row.
    pub fn n_out(&self) -> usize {
        *self.sizes.last().unwrap()
    }
    /// Index ranges of the weight matrices (what penalties apply to; biases are not
    /// penalised).
    pub fn weight_ranges(&self) -> Vec<std::ops::Range<usize>> {
        (0..self.n_layers())
            .map(|l| self.w_offset(l)..self.b_offset(l))
            .collect()
    }
    /// `true` for weights, `false` for biases (what penalties and weight decay apply to).
    pub fn weight_mask(&self) -> Vec<bool> {
        let mut m = vec![false; self.n_params()];
        for l in 0..self.n_layers() {
            let o = self.w_offset(l);
            m[o..o + self.sizes[l] * self.sizes[l + 1]]
                .iter_mut()
                .for_each(|v| *v = true);
        }
        m
    }
    fn max_width(&self) -> usize {
        *self.sizes.iter().max().unwrap()
    }
}

/// C = A·B (+ C when `acc`), all row-major; `ta`/`tb` read A/B transposed.
/// A is `m × k` (stored `k × m` when `ta`), B is `k × n` (stored `n × k` when `tb`).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    ta: bool,
    b: &[f32],
    tb: bool,
    c: &mut [f32],
    acc: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    let (rsa, csa) = if ta { (1, m as isize) } else { (k as isize, 1) };
    let (rsb, csb) = if tb { (1, k as isize) } else { (n as isize, 1) };
    // SAFETY: the asserted lengths cover every index the strides reach.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            if acc { 1.0 } else { 0.0 },
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[inline(always)]
fn dot32(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent accumulators so the compiler vectorises without reassociating.
    let mut acc = [0.0f32; 16];
    let n = a.len().min(b.len());
    let (ca, ra) = a[..n].split_at(n - n % 16);
    let (cb, rb) = b[..n].split_at(n - n % 16);
    for (x, y) in ca.chunks_exact(16).zip(cb.chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = 0.0f32;
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    let mut t = [0.0f32; 8];
    for i in 0..8 {
        t[i] = acc[i] + acc[i + 8];
    }
    let u = [t[0] + t[4], t[1] + t[5], t[2] + t[6], t[3] + t[7]];
    (u[0] + u[2]) + (u[1] + u[3]) + s
}

#[inline(always)]
fn axpy32(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Per-worker scratch space for one chunk.
pub(crate) struct Scratch {
    z: Vec<Vec<f32>>,    // pre-activations of every layer (output logits last)
    a: Vec<Vec<f32>>,    // hidden activations
    am: Vec<Vec<f32>>,   // hidden activations after dropout
    mask: Vec<Vec<f32>>, // dropout masks (scaled by 1/(1-p))
    d1: Vec<f32>,
    d2: Vec<f32>,
    z64: Vec<f64>,
    d64: Vec<f64>,
    l64: Vec<f64>, // per-row losses (linear models)
    x64: Vec<f64>, // one sub-block of rows widened to f64 (one-output linear models)
}

impl Scratch {
    fn new(arch: &Arch, rows: usize) -> Self {
        let l = arch.n_layers();
        let hidden = |i: usize| vec![0.0f32; rows * arch.sizes[i + 1]];
        let drop = arch.dropout > 0.0;
        Self {
            z: (0..l).map(hidden).collect(),
            a: (0..l - 1).map(hidden).collect(),
            am: (0..l - 1)
                .map(|i| if drop { hidden(i) } else { Vec::new() })
                .collect(),
            mask: (0..l - 1)
                .map(|i| if drop { hidden(i) } else { Vec::new() })
                .collect(),
            // Backward buffers of the network path (linear models use the f64 ones below).
            d1: if l > 1 {
                vec![0.0; rows * arch.max_width()]
            } else {
                Vec::new()
            },
            d2: if l > 1 {
                vec![0.0; rows * arch.max_width()]
            } else {
                Vec::new()
            },
            z64: if l == 1 {
                vec![0.0; rows * arch.n_out()]
            } else {
                Vec::new()
            },
            d64: if l == 1 {
                vec![0.0; rows * arch.n_out()]
            } else {
                Vec::new()
            },
            l64: if l == 1 { vec![0.0; rows] } else { Vec::new() },
            x64: if l == 1 && arch.n_out() == 1 {
                vec![0.0; sub_rows(arch.sizes[0]) * arch.sizes[0]]
            } else {
                Vec::new()
            },
        }
    }
}

/// What a chunk reports besides its gradient.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ChunkStats {
    /// Sum of per-row losses.
    pub loss: f64,
    /// Correct predictions (classification) or sum of squared errors (regression).
    pub metric: f64,
}

#[inline]
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline(always)]
fn act_forward(act: Activation, z: &[f32], a: &mut [f32]) {
    match act {
        Activation::Relu => {
            for (ai, &zi) in a.iter_mut().zip(z) {
                *ai = zi.max(0.0);
            }
        }
        Activation::Tanh => {
            for (ai, &zi) in a.iter_mut().zip(z) {
                *ai = zi.tanh();
            }
        }
        Activation::Gelu => {
            for (ai, &zi) in a.iter_mut().zip(z) {
                *ai = gelu(zi);
            }
        }
    }
}

const GELU_C: f32 = 0.797_884_6; // sqrt(2/pi)

#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + (GELU_C * (x + 0.044715 * x * x * x)).tanh())
}

#[inline(always)]
fn gelu_grad(x: f32) -> f32 {
    let u = GELU_C * (x + 0.044715 * x * x * x);
    let t = u.tanh();
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * x * x)
}

/// `d ← d ⊙ act'(z)` where `a = act(z)`.
#[inline(always)]
fn act_backward(act: Activation, z: &[f32], a: &[f32], d: &mut [f32]) {
    match act {
        Activation::Relu => {
            for (di, &zi) in d.iter_mut().zip(z) {
                if zi <= 0.0 {
                    *di = 0.0;
                }
            }
        }
        Activation::Tanh => {
            for (di, &ai) in d.iter_mut().zip(a) {
                *di *= 1.0 - ai * ai;
            }
        }
        Activation::Gelu => {
            for (di, &zi) in d.iter_mut().zip(z) {
                *di *= gelu_grad(zi);
            }
        }
    }
}

/// Forward pass of `rows` rows of `x` (row-major, `sizes[0]` columns); the logits end up in
/// `s.z[last][..rows * n_out]`. `dropout_seed` enables dropout.
#[inline(always)]
fn forward(
    arch: &Arch,
    w: &[f32],
    x: &[f32],
    rows: usize,
    s: &mut Scratch,
    dropout_seed: Option<u64>,
) {
    let nl = arch.n_layers();
    for l in 0..nl {
        let (din, dout) = (arch.sizes[l], arch.sizes[l + 1]);
        let wl = &w[arch.w_offset(l)..arch.b_offset(l)];
        let bl = &w[arch.b_offset(l)..arch.b_offset(l) + dout];
        let z = &mut s.z[l][..rows * dout];
        let input: &[f32] = if l == 0 {
            x
        } else if dropout_seed.is_some() {
            &s.am[l - 1][..rows * din]
        } else {
            &s.a[l - 1][..rows * din]
        };
        if dout == 1 {
            for (r, zr) in z.iter_mut().enumerate() {
                *zr = dot32(&input[r * din..(r + 1) * din], wl) + bl[0];
            }
        } else {
            gemm(rows, din, dout, input, false, wl, false, z, false);
            for zr in z.chunks_exact_mut(dout) {
                for (v, b) in zr.iter_mut().zip(bl) {
                    *v += b;
                }
            }
        }
        if l + 1 < nl {
            let a = &mut s.a[l][..rows * dout];
            act_forward(arch.act, z, a);
            if let Some(seed) = dropout_seed {
                let p = arch.dropout;
                let keep = 1.0 / (1.0 - p);
                let mut st = seed ^ ((l as u64 + 1) << 56);
                let mask = &mut s.mask[l][..rows * dout];
                let am = &mut s.am[l][..rows * dout];
                for ((m, o), &ai) in mask.iter_mut().zip(am.iter_mut()).zip(a.iter()) {
                    let u = (splitmix(&mut st) >> 40) as f32 / (1u64 << 24) as f32;
                    *m = if u >= p { keep } else { 0.0 };
                    *o = ai * *m;
                }
            }
        }
    }
}

/// Forward + backward on one chunk: writes the chunk's gradient (scaled by `scale`) into
/// `grad` (`n_params`) and returns loss and metric sums.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn chunk_grad_body(
    arch: &Arch,
    loss: Loss,
    w: &[f32],
    x: &[f32],
    labels: Labels<'_>,
    scale: f32,
    s: &mut Scratch,
    grad: &mut [f32],
    dropout_seed: Option<u64>,
) -> ChunkStats {
    let rows = labels.len();
    let nl = arch.n_layers();
    let k = arch.n_out();
    forward(arch, w, x, rows, s, dropout_seed);
    let logits = &s.z[nl - 1][..rows * k];
    let mut d = std::mem::take(&mut s.d1);
    let mut da = std::mem::take(&mut s.d2);
    let lsum = loss.eval(logits, k, labels, scale as f64, Some(&mut d[..rows * k]));
    let metric = row_metric(logits, k, labels);
    for l in (0..nl).rev() {
        let (din, dout) = (arch.sizes[l], arch.sizes[l + 1]);
        let input: &[f32] = if l == 0 {
            x
        } else if dropout_seed.is_some() {
            &s.am[l - 1][..rows * din]
        } else {
            &s.a[l - 1][..rows * din]
        };
        let dz = &d[..rows * dout];
        let (wo, bo) = (arch.w_offset(l), arch.b_offset(l));
        let (gw, gb) = grad[wo..bo + dout].split_at_mut(bo - wo);
        if dout == 1 {
            gw.iter_mut().for_each(|v| *v = 0.0);
            for r in 0..rows {
                axpy32(dz[r], &input[r * din..(r + 1) * din], gw);
            }
        } else {
            gemm(din, rows, dout, input, true, dz, false, gw, false);
        }
        gb.iter_mut().for_each(|v| *v = 0.0);
        for dr in dz.chunks_exact(dout) {
            for (g, v) in gb.iter_mut().zip(dr) {
                *g += v;
            }
        }
        if l > 0 {
            let wl = &w[wo..bo];
            let dprev = &mut da[..rows * din];
            gemm(rows, dout, din, dz, false, wl, true, dprev, false);
            if dropout_seed.is_some() {
                for (v, m) in dprev.iter_mut().zip(&s.mask[l - 1][..rows * din]) {
                    *v *= m;
                }
            }
            act_backward(
                arch.act,
                &s.z[l - 1][..rows * din],
                &s.a[l - 1][..rows * din],
                dprev,
            );
            std::mem::swap(&mut d, &mut da);
        }
    }
    s.d1 = d;
    s.d2 = da;
    ChunkStats { loss: lsum, metric }
}

/// Linear models (no hidden layer) in f64 arithmetic on the f32 data: forward + backward
/// of one chunk with the f64 parameters `p` (`W` then `b`), gradient into `grad`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn linear_chunk_grad_body<K: Kern>(
    d: usize,
    k: usize,
    loss: Loss,
    p: &[f64],
    x: &[f32],
    labels: Labels<'_>,
    scale: f64,
    s: &mut Scratch,
    grad: &mut [f64],
) -> ChunkStats {
    let rows = labels.len();
    let (w, b) = p.split_at(d * k);
    if k == 1 {
        return linear1_chunk::<K>(d, loss, w, b[0], x, labels, scale, s, grad);
    }
    // Several outputs (softmax): rows are usually short and sparse after one-hot encoding;
    // skip zero features.
    let z = &mut s.z64[..rows * k];
    for (r, zr) in z.chunks_exact_mut(k).enumerate() {
        zr.copy_from_slice(b);
        for (j, &xv) in x[r * d..(r + 1) * d].iter().enumerate() {
            if xv != 0.0 {
                let xv = xv as f64;
                for (zc, wc) in zr.iter_mut().zip(&w[j * k..(j + 1) * k]) {
                    *zc += xv * wc;
                }
            }
        }
    }
    let dz = &mut s.d64[..rows * k];
    let lsum = loss.eval(z, k, labels, scale, Some(dz));
    let metric = row_metric(z, k, labels);
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (gw, gb) = grad.split_at_mut(d * k);
    let dz = &s.d64[..rows * k];
    for r in 0..rows {
        let dr = &dz[r * k..(r + 1) * k];
        for (j, &xv) in x[r * d..(r + 1) * d].iter().enumerate() {
            if xv != 0.0 {
                let xv = xv as f64;
                for (g, dc) in gw[j * k..(j + 1) * k].iter_mut().zip(dr) {
                    *g += xv * dc;
                }
            }
        }
        for (g, dc) in gb.iter_mut().zip(dr) {
            *g += dc;
        }
    }
    ChunkStats { loss: lsum, metric }
}

/// Rows per sub-block of a one-output linear chunk: the sub-block's rows widened to f64
/// (`rows × d` values) fit in 32 KiB, so the backward pass reads them from L1 cache.
pub(crate) fn sub_rows(d: usize) -> usize {
    (4096 / d.max(1)).clamp(8, 256) / 8 * 8
}

/// The rows `r0..r1` of `labels`.
fn slice_labels(labels: Labels<'_>, r0: usize, r1: usize) -> Labels<'_> {
    match labels {
        Labels::Codes(v) => Labels::Codes(&v[r0..r1]),
        Labels::Values(v) => Labels::Values(&v[r0..r1]),
    }
}

/// One-output linear model (linear or binary logistic regression) on one chunk, in
/// sub-blocks of [`sub_rows`] rows: forward (`z = x w + b`, the rows widened to f64 kept in
/// `s.x64`), loss and its derivative, backward (`g_w += Σ dz_r x_r`) while the rows are
/// still in L1 cache. Eight rows at a time share the loads of `w` (see [`Kern`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn linear1_chunk<K: Kern>(
    d: usize,
    loss: Loss,
    w: &[f64],
    b: f64,
    x: &[f32],
    labels: Labels<'_>,
    scale: f64,
    s: &mut Scratch,
    grad: &mut [f64],
) -> ChunkStats {
    let rows = labels.len();
    let sub = sub_rows(d);
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (gw, gb) = grad.split_at_mut(d);
    let mut stats = ChunkStats::default();
    let mut r0 = 0;
    while r0 < rows {
        let r1 = (r0 + sub).min(rows);
        let m = r1 - r0;
        let xs = &x[r0 * d..r1 * d];
        let xd = &mut s.x64[..m * d];
        let z = &mut s.z64[..m];
        let mut r = 0;
        while r + 8 <= m {
            let zz = K::dot8(&xs[r * d..(r + 8) * d], d, w, &mut xd[r * d..(r + 8) * d]);
            for i in 0..8 {
                z[r + i] = b + zz[i];
            }
            r += 8;
        }
        while r < m {
            z[r] = b + dot_row(&xs[r * d..(r + 1) * d], w, &mut xd[r * d..(r + 1) * d]);
            r += 1;
        }
        let dz = &mut s.d64[..m];
        let lab = slice_labels(labels, r0, r1);
        let (l, hits) = match (loss, lab) {
            // The common case, in SIMD-friendly arithmetic (no library calls).
            (Loss::BinaryCrossEntropy, Labels::Codes(c)) => {
                let (l, hits) = bce_block(z, c, scale, dz, &mut s.l64[..m]);
                (l, hits as f64)
            }
            _ => (loss.eval(z, 1, lab, scale, Some(dz)), row_metric(z, 1, lab)),
        };
        stats.loss += l;
        stats.metric += hits;
        // The bias gradient is added row by row inside the same loop, so its chain of
        // dependent additions overlaps with the weight updates.
        let xd = &s.x64[..m * d];
        let mut gbias = gb[0];
        let mut r = 0;
        while r + 8 <= m {
            let mut a = [0.0; 8];
            a.copy_from_slice(&dz[r..r + 8]);
            K::axpy8(gw, &xd[r * d..(r + 8) * d], d, a);
            for v in a {
                gbias += v;
            }
            r += 8;
        }
        while r < m {
            axpy_row(gw, &xd[r * d..(r + 1) * d], dz[r]);
            gbias += dz[r];
            r += 1;
        }
        gb[0] = gbias;
        r0 = r1;
    }
    stats
}

/// The f32-data / f64-weight kernels of the one-output linear models: a portable version
/// and an AVX-512 one that perform the same operations in the same order, so their results
/// are bit-identical. Products are rounded, then added (no fused multiply-adds: they gained
/// under 3 % here, and `f64::mul_add` is a slow library call on CPUs without FMA).
///
/// A dot product of a row `x` (`d` columns) with `w` keeps eight partial sums, lane `l`
/// taking the columns `j ≡ l (mod 8)` in increasing order (`s_l ← s_l + x_j w_j`), and
/// adds them as `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`.
trait Kern {
    /// Dot products of eight consecutive rows of `x` (`d` columns each) with `w`; the rows,
    /// widened to f64, are also written to `xd` (`8 × d`) for the backward pass.
    fn dot8(x: &[f32], d: usize, w: &[f64], xd: &mut [f64]) -> [f64; 8];
    /// `g_j ← (((g_j + a[0] xd_0j) + a[1] xd_1j) + ...) + a[7] xd_7j` for eight consecutive
    /// rows `xd_r` (`d` columns each, f64).
    fn axpy8(g: &mut [f64], xd: &[f64], d: usize, a: [f64; 8]);
}

/// The dot product of one row in the order [`Kern`] defines; the row widened to f64 goes to
/// `xd`.
#[inline(always)]
fn dot_row(x: &[f32], w: &[f64], xd: &mut [f64]) -> f64 {
    let n = x.len();
    let (w, xd) = (&w[..n], &mut xd[..n]);
    let mut s = [0.0f64; 8];
    let full = n - n % 8;
    for j0 in (0..full).step_by(8) {
        for l in 0..8 {
            let v = x[j0 + l] as f64;
            xd[j0 + l] = v;
            s[l] += v * w[j0 + l];
        }
    }
    for j in full..n {
        let v = x[j] as f64;
        xd[j] = v;
        s[j - full] += v * w[j];
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

/// `g_j ← g_j + a xd_j` for one row.
#[inline(always)]
fn axpy_row(g: &mut [f64], xd: &[f64], a: f64) {
    for (gj, &v) in g.iter_mut().zip(xd) {
        *gj += a * v;
    }
}

/// The reference implementation (and the one used without AVX-512; the compiler vectorises
/// it where it can).
struct Scalar;

impl Kern for Scalar {
    #[inline(always)]
    fn dot8(x: &[f32], d: usize, w: &[f64], xd: &mut [f64]) -> [f64; 8] {
        let mut out = [0.0; 8];
        for (r, o) in out.iter_mut().enumerate() {
            *o = dot_row(&x[r * d..(r + 1) * d], w, &mut xd[r * d..(r + 1) * d]);
        }
        out
    }
    #[inline(always)]
    fn axpy8(g: &mut [f64], xd: &[f64], d: usize, a: [f64; 8]) {
        let g = &mut g[..d];
        for (j, gj) in g.iter_mut().enumerate() {
            let mut v = *gj;
            for (r, ar) in a.iter().enumerate() {
                v += ar * xd[r * d + j];
            }
            *gj = v;
        }
    }
}

#[cfg(target_arch = "x86_64")]
struct Avx512;

#[cfg(target_arch = "x86_64")]
impl Kern for Avx512 {
    #[inline(always)]
    fn dot8(x: &[f32], d: usize, w: &[f64], xd: &mut [f64]) -> [f64; 8] {
        // SAFETY: only instantiated inside functions compiled with
        // `#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]`, which run after
        // `has_avx512()` confirmed the CPU has those features.
        unsafe { dot8_avx512(x, d, w, xd) }
    }
    #[inline(always)]
    fn axpy8(g: &mut [f64], xd: &[f64], d: usize, a: [f64; 8]) {
        // SAFETY: as above.
        unsafe { axpy8_avx512(g, xd, d, a) }
    }
}

/// `Scalar::dot8` with AVX-512: one 8-lane accumulator per row (lane `l` = partial sum `l`),
/// the last `d mod 8` columns loaded under a mask (the missing lanes add `0 · 0`), then the
/// eight accumulators reduced together by a transpose-and-add tree that forms, for every
/// row, `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
fn dot8_avx512(x: &[f32], d: usize, w: &[f64], xd: &mut [f64]) -> [f64; 8] {
    use std::arch::x86_64::*;
    assert!(x.len() >= 8 * d && xd.len() >= 8 * d && w.len() >= d);
    let mut acc = [_mm512_setzero_pd(); 8];
    let mut j = 0;
    while j < d {
        let left = d - j;
        let mask: __mmask8 = if left >= 8 { 0xff } else { (1u8 << left) - 1 };
        // SAFETY: lanes at or past `d` are masked off, and masked loads and stores do not
        // touch them; every enabled lane is within `w` and within row `r < 8` of `x` and
        // `xd` (asserted).
        unsafe {
            let wv = _mm512_maskz_loadu_pd(mask, w.as_ptr().add(j));
            for (r, a) in acc.iter_mut().enumerate() {
                let xv = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mask, x.as_ptr().add(r * d + j)));
                _mm512_mask_storeu_pd(xd.as_mut_ptr().add(r * d + j), mask, xv);
                *a = _mm512_add_pd(*a, _mm512_mul_pd(xv, wv));
            }
        }
        j += 8;
    }
    // Level 1: adjacent lanes, rows paired: [A0+A1, B0+B1, A2+A3, B2+B3, ...].
    let p =
        |a: __m512d, b: __m512d| _mm512_add_pd(_mm512_unpacklo_pd(a, b), _mm512_unpackhi_pd(a, b));
    let (ab, cd) = (p(acc[0], acc[1]), p(acc[2], acc[3]));
    let (ef, gh) = (p(acc[4], acc[5]), p(acc[6], acc[7]));
    // Level 2: 128-bit blocks 0,2 plus blocks 1,3 of two such vectors:
    // [A01+A23, B01+B23 | A45+A67, B45+B67 | C.., D.. | C.., D..].
    let q = |u: __m512d, v: __m512d| {
        _mm512_add_pd(
            _mm512_shuffle_f64x2::<0b10_00_10_00>(u, v),
            _mm512_shuffle_f64x2::<0b11_01_11_01>(u, v),
        )
    };
    let (abcd, efgh) = (q(ab, cd), q(ef, gh));
    // Level 3: the same again gives [A, B, C, D, E, F, G, H].
    let sums = q(abcd, efgh);
    let mut out = [0.0f64; 8];
    // SAFETY: an 8-lane store into an 8-element array.
    unsafe { _mm512_storeu_pd(out.as_mut_ptr(), sums) };
    out
}

/// `Scalar::axpy8` with AVX-512 (eight columns at a time, the last ones under a mask).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
fn axpy8_avx512(g: &mut [f64], xd: &[f64], d: usize, a: [f64; 8]) {
    use std::arch::x86_64::*;
    assert!(xd.len() >= 8 * d && g.len() >= d);
    let av = a.map(|v| _mm512_set1_pd(v));
    let mut j = 0;
    while j < d {
        let left = d - j;
        let mask: __mmask8 = if left >= 8 { 0xff } else { (1u8 << left) - 1 };
        // SAFETY: as in `dot8_avx512`; the masked store writes only the enabled lanes,
        // which lie within `g`.
        unsafe {
            let mut v = _mm512_maskz_loadu_pd(mask, g.as_ptr().add(j));
            for (r, ar) in av.iter().enumerate() {
                let xv = _mm512_maskz_loadu_pd(mask, xd.as_ptr().add(r * d + j));
                v = _mm512_add_pd(v, _mm512_mul_pd(*ar, xv));
            }
            _mm512_mask_storeu_pd(g.as_mut_ptr().add(j), mask, v);
        }
        j += 8;
    }
}

/// True when the CPU has AVX2 and FMA (checked once; the kernels below are compiled twice,
/// for that and for the baseline, and give identical results: no fused multiply-adds are
/// introduced and the summation order is fixed by the source).
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn chunk_grad_avx2(
    arch: &Arch,
    loss: Loss,
    w: &[f32],
    x: &[f32],
    labels: Labels<'_>,
    scale: f32,
    s: &mut Scratch,
    grad: &mut [f32],
    dropout_seed: Option<u64>,
) -> ChunkStats {
    chunk_grad_body(arch, loss, w, x, labels, scale, s, grad, dropout_seed)
}

#[allow(clippy::too_many_arguments)]
fn chunk_grad(
    arch: &Arch,
    loss: Loss,
    w: &[f32],
    x: &[f32],
    labels: Labels<'_>,
    scale: f32,
    s: &mut Scratch,
    grad: &mut [f32],
    dropout_seed: Option<u64>,
) -> ChunkStats {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked above).
        return unsafe { chunk_grad_avx2(arch, loss, w, x, labels, scale, s, grad, dropout_seed) };
    }
    chunk_grad_body(arch, loss, w, x, labels, scale, s, grad, dropout_seed)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn linear_chunk_grad_avx2(
    d: usize,
    k: usize,
    loss: Loss,
    p: &[f64],
    x: &[f32],
    labels: Labels<'_>,
    scale: f64,
    s: &mut Scratch,
    grad: &mut [f64],
) -> ChunkStats {
    linear_chunk_grad_body::<Scalar>(d, k, loss, p, x, labels, scale, s, grad)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn linear_chunk_grad_avx512(
    d: usize,
    k: usize,
    loss: Loss,
    p: &[f64],
    x: &[f32],
    labels: Labels<'_>,
    scale: f64,
    s: &mut Scratch,
    grad: &mut [f64],
) -> ChunkStats {
    linear_chunk_grad_body::<Avx512>(d, k, loss, p, x, labels, scale, s, grad)
}

/// True when the CPU has AVX-512F and AVX-512VL (and AVX2, FMA).
#[inline]
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && has_avx2()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[allow(clippy::too_many_arguments)]
fn linear_chunk_grad(
    d: usize,
    k: usize,
    loss: Loss,
    p: &[f64],
    x: &[f32],
    labels: Labels<'_>,
    scale: f64,
    s: &mut Scratch,
    grad: &mut [f64],
) -> ChunkStats {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F/VL, AVX2 and FMA (checked above).
        return unsafe { linear_chunk_grad_avx512(d, k, loss, p, x, labels, scale, s, grad) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked above).
        return unsafe { linear_chunk_grad_avx2(d, k, loss, p, x, labels, scale, s, grad) };
    }
    linear_chunk_grad_body::<Scalar>(d, k, loss, p, x, labels, scale, s, grad)
}

/// Correct predictions (classification) or squared error (regression) of a chunk.
fn row_metric<T: Real + PartialOrd>(logits: &[T], k: usize, labels: Labels<'_>) -> f64 {
    match labels {
        Labels::Codes(c) if k == 1 => c
            .iter()
            .zip(logits)
            .filter(|(c, z)| (z.to_f64() > 0.0) == (**c == 1))
            .count() as f64,
        Labels::Codes(c) => c
            .iter()
            .zip(logits.chunks_exact(k))
            .filter(|(c, z)| argmax(z) == **c as usize)
            .count() as f64,
        Labels::Values(v) => v
            .iter()
            .zip(logits)
            .map(|(y, z)| (z.to_f64() - y).powi(2))
            .sum(),
    }
}

/// Index of the largest value (first on ties).
pub fn argmax<T: PartialOrd>(z: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in z.iter().enumerate() {
        if *v > z[best] {
            best = i;
        }
    }
    best
}

/// Rows per chunk for a batch of `batch` rows (depends on the batch only, never on threads).
pub(crate) fn chunk_rows(arch: &Arch, batch: usize) -> usize {
    if arch.n_layers() == 1 && arch.n_out() == 1 {
        // Linear models: chunks big enough to amortise the task, small enough for L2.
        return batch.clamp(1, 2048);
    }
    // Networks: up to four chunks per batch, but each with at least 64 rows and about 2^22
    // multiply-adds of forward work (a fraction of a millisecond), so that splitting a batch
    // over threads pays for waking them and for packing the weights once per chunk; at
    // most 512 rows. (The 100-128-10 benchmark MLP keeps batches of 256 in one chunk.)
    let macs: usize = arch.sizes.windows(2).map(|w| w[0] * w[1]).sum();
    let min_rows = (1usize << 22) / macs.max(1);
    batch
        .div_ceil(4)
        .max(64)
        .max(min_rows)
        .min(512)
        .min(batch)
        .max(1)
}

/// Chunks of gradient partials held at once; more chunks are processed in groups.
const GROUP: usize = 64;

/// Reusable buffers for gradient evaluations of one network: allocated once per fit.
pub(crate) struct GradWork {
    pub arch: Arch,
    pub loss: Loss,
    pub w32: Vec<f32>,
    partial: Vec<f32>,
    partial64: Vec<f64>,
    stats: Vec<ChunkStats>,
    scratch: Vec<Mutex<Scratch>>,
    max_chunk: usize,
}

impl GradWork {
    /// Buffers for batches of up to `max_batch` rows.
    pub fn new(arch: Arch, loss: Loss, max_batch: usize) -> Self {
        let np = arch.n_params();
        let max_chunk = chunk_rows(&arch, max_batch);
        let groups = max_batch.div_ceil(max_chunk).min(GROUP);
        let workers = rayon::current_num_threads().max(1);
        let scratch = (0..if groups > 1 { workers } else { 1 })
            .map(|_| Mutex::new(Scratch::new(&arch, max_chunk)))
            .collect();
        let linear = arch.n_layers() == 1;
        Self {
            w32: vec![0.0; np],
            partial: if linear {
                Vec::new()
            } else {
                vec![0.0; groups * np]
            },
            partial64: if linear {
                vec![0.0; groups * np]
            } else {
                Vec::new()
            },
            stats: vec![ChunkStats::default(); groups],
            scratch,
            arch,
            loss,
            max_chunk,
        }
    }

    /// Mean loss gradient at `params` over the `rows` rows of `x` (contiguous, row-major)
    /// into `grad`; returns the chunk statistics summed (loss sum, metric sum).
    /// `dropout_seed` enables dropout for this batch. Linear models compute in f64, networks
    /// in f32 with f64 accumulation across chunks.
    pub fn grad(
        &mut self,
        params: &[f64],
        x: &[f32],
        labels: Labels<'_>,
        grad: &mut [f64],
        dropout_seed: Option<u64>,
    ) -> ChunkStats {
        let linear = self.arch.n_layers() == 1;
        if !linear {
            for (w, p) in self.w32.iter_mut().zip(params) {
                *w = *p as f32;
            }
        }
        let rows = labels.len();
        let d = self.arch.sizes[0];
        let k = self.arch.n_out();
        let np = self.arch.n_params();
        let cr = chunk_rows(&self.arch, rows).min(self.max_chunk);
        let n_chunks = rows.div_ceil(cr);
        let scale = 1.0 / rows as f64;
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut total = ChunkStats::default();
        let (arch, loss, w) = (&self.arch, self.loss, &self.w32[..]);
        let scratch = &self.scratch;
        let mut c0 = 0;
        while c0 < n_chunks {
            let g = (n_chunks - c0).min(GROUP);
            let range = |j: usize| {
                let c = c0 + j;
                let r0 = c * cr;
                let r1 = ((c + 1) * cr).min(rows);
                let lab = match labels {
                    Labels::Codes(v) => Labels::Codes(&v[r0..r1]),
                    Labels::Values(v) => Labels::Values(&v[r0..r1]),
                };
                (c, r0, r1, lab)
            };
            let lock = || {
                let tid = rayon::current_thread_index().unwrap_or(0) % scratch.len();
                scratch[tid].lock().unwrap_or_else(|e| e.into_inner())
            };
            let parallel = g > 1 && scratch.len() > 1;
            if linear {
                let run = |(j, (pg, st)): (usize, (&mut [f64], &mut ChunkStats))| {
                    let (_, r0, r1, lab) = range(j);
                    let mut s = lock();
                    *st = linear_chunk_grad(
                        d,
                        k,
                        loss,
                        params,
                        &x[r0 * d..r1 * d],
                        lab,
                        scale,
                        &mut s,
                        pg,
                    );
                };
                if parallel {
                    self.partial64[..g * np]
                        .par_chunks_mut(np)
                        .zip(self.stats[..g].par_iter_mut())
                        .enumerate()
                        .for_each(run);
                } else {
                    self.partial64[..g * np]
                        .chunks_mut(np)
                        .zip(self.stats[..g].iter_mut())
                        .enumerate()
                        .for_each(run);
                }
                for j in 0..g {
                    for (gi, pi) in grad.iter_mut().zip(&self.partial64[j * np..(j + 1) * np]) {
                        *gi += *pi;
                    }
                }
            } else {
                let run = |(j, (pg, st)): (usize, (&mut [f32], &mut ChunkStats))| {
                    let (c, r0, r1, lab) = range(j);
                    let mut s = lock();
                    let seed =
                        dropout_seed.map(|s| s ^ (c as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
                    *st = chunk_grad(
                        arch,
                        loss,
                        w,
                        &x[r0 * d..r1 * d],
                        lab,
                        scale as f32,
                        &mut s,
                        pg,
                        seed,
                    );
                };
                if parallel {
                    self.partial[..g * np]
                        .par_chunks_mut(np)
                        .zip(self.stats[..g].par_iter_mut())
                        .enumerate()
                        .for_each(run);
                } else {
                    self.partial[..g * np]
                        .chunks_mut(np)
                        .zip(self.stats[..g].iter_mut())
                        .enumerate()
                        .for_each(run);
                }
                for j in 0..g {
                    for (gi, pi) in grad.iter_mut().zip(&self.partial[j * np..(j + 1) * np]) {
                        *gi += *pi as f64;
                    }
                }
            }
            for st in &self.stats[..g] {
                total.loss += st.loss;
                total.metric += st.metric;
            }
            c0 += g;
        }
        total
    }
}

/// Forward pass only (no dropout) of all rows of `x` into `out` (`rows × n_out`), in
/// parallel chunks.
pub(crate) fn predict_logits(arch: &Arch, w: &[f32], x: &[f32], rows: usize, out: &mut [f32]) {
    let d = arch.sizes[0];
    let k = arch.n_out();
    let nl = arch.n_layers();
    let cr = 256;
    out[..rows * k]
        .par_chunks_mut(cr * k)
        .enumerate()
        .for_each_init(
            || Scratch::new(arch, cr),
            |s, (c, o)| {
                let r0 = c * cr;
                let r = o.len() / k;
                forward(arch, w, &x[r0 * d..(r0 + r) * d], r, s, None);
                o.copy_from_slice(&s.z[nl - 1][..r * k]);
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        }
    }

    fn labels_for(loss: Loss, n: usize, k: usize, rng: &mut Lcg) -> (Vec<u32>, Vec<f64>) {
        let codes = (0..n).map(|i| (i % k.max(2)) as u32).collect();
        let vals = (0..n).map(|_| 2.0 * rng.next()).collect();
        let _ = loss;
        (codes, vals)
    }

    /// Central finite differences of the mean loss against the analytic gradient.
    fn check(arch: Arch, loss: Loss, dropout_seed: Option<u64>, h: f64, tol: f64) {
        let mut rng = Lcg(arch.sizes.iter().sum::<usize>() as u64 + 17);
        let n = 37; // several chunks for small batches, one ragged
        let d = arch.sizes[0];
        let k = arch.n_out();
        let x: Vec<f32> = (0..n * d).map(|_| rng.next() as f32).collect();
        let (codes, vals) = labels_for(loss, n, k, &mut rng);
        let labels = if loss.is_classification() {
            Labels::Codes(&codes)
        } else {
            Labels::Values(&vals)
        };
        let np = arch.n_params();
        let params: Vec<f64> = (0..np).map(|_| 0.5 * rng.next()).collect();
        let mut work = GradWork::new(arch.clone(), loss, n);
        let mut g = vec![0.0; np];
        work.grad(&params, &x, labels, &mut g, dropout_seed);
        let mut scratch = vec![0.0; np];
        let mut f =
            |p: &[f64]| work.grad(p, &x, labels, &mut scratch, dropout_seed).loss / n as f64;
        let mut p = params.clone();
        for i in 0..np {
            // A ReLU kink within ±h of some pre-activation spoils one difference; a real
            // error fails at both step sizes.
            let mut num = 0.0;
            for hh in [h, h / 4.0] {
                p[i] = params[i] + hh;
                let fp = f(&p);
                p[i] = params[i] - hh;
                let fm = f(&p);
                p[i] = params[i];
                num = (fp - fm) / (2.0 * hh);
                if (num - g[i]).abs() <= tol * (1.0 + g[i].abs()) {
                    break;
                }
            }
            assert!(
                (num - g[i]).abs() <= tol * (1.0 + g[i].abs()),
                "{loss} {:?} {:?}: param {i}: analytic {} vs numeric {num}",
                arch.sizes,
                arch.act,
                g[i]
            );
        }
    }

    const LOSSES: [Loss; 5] = [
        Loss::Mse,
        Loss::Mae,
        Loss::Huber { delta: 0.5 },
        Loss::BinaryCrossEntropy,
        Loss::CrossEntropy,
    ];

    #[test]
    fn gradients_of_every_loss_linear_path() {
        for loss in LOSSES {
            let k = if loss == Loss::CrossEntropy { 4 } else { 1 };
            check(
                Arch {
                    sizes: vec![5, k],
                    act: Activation::Relu,
                    dropout: 0.0,
                },
                loss,
                None,
                1e-6,
                1e-6,
            );
        }
    }

    #[test]
    fn gradients_of_every_loss_and_layer_network_path() {
        for loss in LOSSES {
            for act in [Activation::Tanh, Activation::Gelu, Activation::Relu] {
                let k = if loss == Loss::CrossEntropy { 3 } else { 1 };
                let arch = Arch {
                    sizes: vec![4, 6, 5, k],
                    act,
                    dropout: 0.0,
                };
                check(arch.clone(), loss, None, 1e-3, 2e-3);
                // Dropout with a fixed seed is a fixed mask: the gradient must match too.
                check(
                    Arch {
                        dropout: 0.3,
                        ..arch
                    },
                    loss,
                    Some(99),
                    1e-3,
                    2e-3,
                );
            }
        }
    }

    /// The AVX-512 kernels against the portable reference: bit-identical, for widths with
    /// and without a ragged last block of columns; and the reference against a plain sum.
    #[test]
    fn simd_kernels_are_bit_identical_to_scalar() {
        let mut rng = Lcg(5);
        for n in [0, 1, 3, 8, 13, 50, 64, 101] {
            let x8: Vec<f32> = (0..8 * n).map(|_| rng.next() as f32).collect();
            let w: Vec<f64> = (0..n).map(|_| rng.next()).collect();
            let a = [0.5, -1.25, 3.0, 1e-3, 7.0, -0.1, 2.5, -4.0];
            let mut xd = vec![0.0; 8 * n];
            let want = Scalar::dot8(&x8, n, &w, &mut xd);
            for (v, x) in xd.iter().zip(&x8) {
                assert_eq!(*v, *x as f64);
            }
            for (r, v) in want.iter().enumerate() {
                let naive: f64 = (0..n).map(|j| x8[r * n + j] as f64 * w[j]).sum();
                assert!((v - naive).abs() <= 1e-12 * (1.0 + naive.abs()), "n = {n}");
            }
            let mut g_ref = w.clone();
            Scalar::axpy8(&mut g_ref, &xd, n, a);
            for j in 0..n {
                let naive = w[j] + (0..8).map(|r| a[r] * xd[r * n + j]).sum::<f64>();
                assert!((g_ref[j] - naive).abs() <= 1e-12 * (1.0 + naive.abs()));
            }
            #[cfg(target_arch = "x86_64")]
            if has_avx512() {
                let mut xd2 = vec![-1.0; 8 * n];
                // SAFETY: AVX-512F/VL are present.
                let got = unsafe { dot8_avx512(&x8, n, &w, &mut xd2) };
                assert_eq!(xd2, xd, "widened rows, n = {n}");
                for r in 0..8 {
                    assert_eq!(got[r].to_bits(), want[r].to_bits(), "dot8 n = {n} row {r}");
                }
                let mut g = w.clone();
                // SAFETY: as above.
                unsafe { axpy8_avx512(&mut g, &xd, n, a) };
                for j in 0..n {
                    assert_eq!(g[j].to_bits(), g_ref[j].to_bits(), "axpy8 n = {n} col {j}");
                }
            }
        }
    }

    /// The whole one-output linear chunk (forward, loss, backward over several sub-blocks and
    /// a ragged end) gives the same bits in every compiled version the CPU can run, and
    /// agrees with a plain f64 computation of loss, metric and gradient.
    #[test]
    fn linear_chunk_versions_agree() {
        let mut rng = Lcg(9);
        let (d, rows) = (50, 203);
        let x: Vec<f32> = (0..rows * d).map(|_| rng.next() as f32).collect();
        let p: Vec<f64> = (0..d + 1).map(|_| 0.3 * rng.next()).collect();
        let codes: Vec<u32> = (0..rows)
            .map(|i| (rng.next() > 0.0 || i % 7 == 0) as u32)
            .collect();
        let vals: Vec<f64> = (0..rows).map(|_| rng.next()).collect();
        let arch = Arch {
            sizes: vec![d, 1],
            act: Activation::Relu,
            dropout: 0.0,
        };
        assert!(sub_rows(d) < rows, "the test must span several sub-blocks");
        let run = |f: &dyn Fn(&mut Scratch, &mut [f64]) -> ChunkStats| {
            let mut s = Scratch::new(&arch, rows);
            let mut g = vec![0.0; d + 1];
            let st = f(&mut s, &mut g);
            (st.loss, st.metric, g)
        };
        let bits = |r: &(f64, f64, Vec<f64>)| {
            let g: Vec<u64> = r.2.iter().map(|v| v.to_bits()).collect();
            (r.0.to_bits(), r.1.to_bits(), g)
        };
        let cases = [
            (Loss::BinaryCrossEntropy, Labels::Codes(&codes)),
            (Loss::Mse, Labels::Values(&vals)),
            (Loss::Huber { delta: 0.3 }, Labels::Values(&vals)),
        ];
        for (loss, lab) in cases {
            let want =
                run(&|s, g| linear_chunk_grad_body::<Scalar>(d, 1, loss, &p, &x, lab, 0.01, s, g));
            #[cfg(target_arch = "x86_64")]
            {
                if has_avx2() {
                    // SAFETY: AVX2 and FMA are present.
                    let got = run(&|s, g| unsafe {
                        linear_chunk_grad_avx2(d, 1, loss, &p, &x, lab, 0.01, s, g)
                    });
                    assert_eq!(bits(&got), bits(&want), "{loss} avx2");
                }
                if has_avx512() {
                    // SAFETY: AVX-512F/VL, AVX2 and FMA are present.
                    let got = run(&|s, g| unsafe {
                        linear_chunk_grad_avx512(d, 1, loss, &p, &x, lab, 0.01, s, g)
                    });
                    assert_eq!(bits(&got), bits(&want), "{loss} avx512");
                }
            }
            // Plain f64: z = x w + b, the library-function loss, g = Σ dz_r [x_r, 1].
            let z: Vec<f64> = (0..rows)
                .map(|r| p[d] + (0..d).map(|j| x[r * d + j] as f64 * p[j]).sum::<f64>())
                .collect();
            let mut dz = vec![0.0; rows];
            let l = loss.eval(&z, 1, lab, 0.01, Some(&mut dz));
            assert!(
                (want.0 - l).abs() <= 1e-13 * l.abs(),
                "{loss}: {} vs {l}",
                want.0
            );
            let m = row_metric(&z, 1, lab); // correct count, or sum of squared errors
            assert!(
                (want.1 - m).abs() <= 1e-13 * (1.0 + m),
                "{loss}: {} vs {m}",
                want.1
            );
            for j in 0..=d {
                let gj: f64 = (0..rows)
                    .map(|r| dz[r] * if j < d { x[r * d + j] as f64 } else { 1.0 })
                    .sum();
                assert!(
                    (want.2[j] - gj).abs() <= 1e-13 * (1.0 + gj.abs()),
                    "{loss} gradient {j}: {} vs {gj}",
                    want.2[j]
                );
            }
        }
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32).sin()).collect();
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!((dot32(&a, &b) as f64 - naive).abs() < 1e-4);
    }
}
