//! L-BFGS (Nocedal 1980; Nocedal & Wright, *Numerical Optimization*, Alg. 7.4/7.5) with a
//! strong-Wolfe line search (N&W Alg. 3.5/3.6, cubic interpolation in the zoom phase).
//!
//! The algorithm, step by step (mirrored by `oracle/ref_optimizers.py`, whose output the
//! tests compare against):
//!
//! 1. `d = -H g` by the two-loop recursion over the last `memory` pairs `(s, y)` with
//!    `H0 = (sᵀy / yᵀy) I` from the newest pair (`d = -g` without pairs). If `gᵀd ≥ 0` the
//!    memory is cleared and `d = -g`.
//! 2. First trial step `t = min(1, 1/‖g‖₁)` when the memory is empty, else `t = 1`.
//! 3. Line search with `c1 = 1e-4`, `c2 = 0.9`, at most 25 evaluations: bracketing by
//!    doubling `t`, then zoom with the minimiser of the cubic through the bracket ends
//!    (bisection when it falls outside the middle 80 % of the bracket).
//! 4. `s = x⁺ - x`, `y = g⁺ - g`; the pair is kept when `sᵀy > 1e-10`.
//! 5. Stop when `‖g‖∞ ≤ gtol`, or `|f - f⁺| ≤ ftol · max(|f|, |f⁺|, 1)`, or after
//!    `max_iter` iterations, or when the line search finds no decrease.

/// Settings of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct LbfgsOptions {
    /// Correction pairs kept.
    pub memory: usize,
    /// Maximum iterations.
    pub max_iter: usize,
    /// Stop when the largest gradient component is at most this.
    pub gtol: f64,
    /// Stop when the relative decrease of the objective is at most this.
    pub ftol: f64,
    /// Maximum function evaluations per line search.
    pub max_ls: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        Self {
            memory: 10,
            max_iter: 100,
            gtol: 1e-5,
            ftol: 1e-9,
            max_ls: 25,
        }
    }
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbfgsStop {
    /// Gradient small enough.
    GradientTolerance,
    /// Objective no longer decreasing enough.
    LossTolerance,
    /// `max_iter` reached.
    MaxIter,
    /// The line search found no decrease along the search direction.
    LineSearchFailed,
    /// The per-iteration callback asked to stop.
    Callback,
    /// The objective or its gradient was not finite.
    NonFinite,
}

/// What one iteration did, passed to the callback.
#[derive(Debug, Clone, Copy)]
pub struct LbfgsIter {
    /// 1-based iteration number.
    pub iter: usize,
    /// Objective after the iteration.
    pub f: f64,
    /// Euclidean norm of the gradient after the iteration.
    pub grad_norm: f64,
    /// Function evaluations so far (including the initial one).
    pub evals: usize,
    /// Accepted step length.
    pub step: f64,
}

/// Summary of a run.
#[derive(Debug, Clone, Copy)]
pub struct LbfgsReport {
    /// Final objective.
    pub f: f64,
    /// Iterations done.
    pub iters: usize,
    /// Function evaluations done.
    pub evals: usize,
    /// Why it stopped.
    pub stop: LbfgsStop,
}

#[derive(Clone, Copy)]
struct Pt {
    t: f64,
    f: f64,
    d: f64,
}

/// Minimises `f` starting from `x` (updated in place). `f(x, g)` returns the objective and
/// writes its gradient into `g`. `on_iter` is called after every iteration with the new `x`;
/// returning `false` stops. Allocates its work buffers once, before the first iteration.
pub fn minimize<F, C>(x: &mut [f64], mut f: F, opts: &LbfgsOptions, mut on_iter: C) -> LbfgsReport
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
    C: FnMut(&LbfgsIter, &[f64]) -> bool,
{
    let n = x.len();
    let m = opts.memory.max(1);
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    let mut evals = 1usize;
    let finite = |v: f64, g: &[f64]| v.is_finite() && g.iter().all(|x| x.is_finite());
    if !finite(fx, &g) {
        return LbfgsReport {
            f: fx,
            iters: 0,
            evals,
            stop: LbfgsStop::NonFinite,
        };
    }
    if inf_norm(&g) <= opts.gtol {
        return LbfgsReport {
            f: fx,
            iters: 0,
            evals,
            stop: LbfgsStop::GradientTolerance,
        };
    }
    let mut memory = Memory::new(m, n);
    let mut d = vec![0.0; n];
    let mut xt = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut stop = LbfgsStop::MaxIter;
    let mut iters = 0;
    for _ in 0..opts.max_iter {
        memory.apply(&g, &mut d);
        d.iter_mut().for_each(|v| *v = -*v);
        let mut gtd = dot(&g, &d);
        if gtd >= 0.0 || !gtd.is_finite() {
            memory.clear();
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi;
            }
            gtd = -dot(&g, &g);
        }
        let t0 = if memory.is_empty() {
            (1.0 / g.iter().map(|v| v.abs()).sum::<f64>()).min(1.0)
        } else {
            1.0
        };
        let mut phi = |t: f64, xt: &mut [f64], gt: &mut [f64]| -> (f64, f64) {
            for i in 0..n {
                xt[i] = x[i] + t * d[i];
            }
            let v = f(xt, gt);
            (v, dot(gt, &d))
        };
        let ls = strong_wolfe(
            &mut phi,
            &mut xt,
            &mut gt,
            t0,
            fx,
            gtd,
            opts.max_ls,
            &mut evals,
        );
        let Some((t, ft)) = ls else {
            stop = LbfgsStop::LineSearchFailed;
            break;
        };
        if !finite(ft, &gt) {
            stop = LbfgsStop::NonFinite;
            break;
        }
        iters += 1;
        memory.push(&xt, x, &gt, &g);
        let f_old = fx;
        x.copy_from_slice(&xt);
        g.copy_from_slice(&gt);
        fx = ft;
        let info = LbfgsIter {
            iter: iters,
            f: fx,
            grad_norm: dot(&g, &g).sqrt(),
            evals,
            step: t,
        };
        if !on_iter(&info, x) {
            stop = LbfgsStop::Callback;
            break;
        }
        if let Some(reason) = converged(&g, f_old, fx, opts) {
            stop = reason;
            break;
        }
    }
    LbfgsReport {
        f: fx,
        iters,
        evals,
        stop,
    }
}

/// Minimiser of the cubic interpolating `(t, f, f')` at both points (N&W eq. 3.59); NaN
/// when it has none.
fn cubic_min(a: Pt, b: Pt) -> f64 {
    let d1 = a.d + b.d - 3.0 * (a.f - b.f) / (a.t - b.t);
    let sq = d1 * d1 - a.d * b.d;
    if sq < 0.0 {
        return f64::NAN;
    }
    let d2 = (b.t - a.t).signum() * sq.sqrt();
    b.t - (b.t - a.t) * (b.d + d2 - d1) / (b.d - a.d + 2.0 * d2)
}

/// Strong-Wolfe line search; on success `xt`/`gt` hold the accepted point.
#[allow(clippy::too_many_arguments)]
fn strong_wolfe<P>(
    phi: &mut P,
    xt: &mut [f64],
    gt: &mut [f64],
    t0: f64,
    f0: f64,
    d0: f64,
    max_ls: usize,
    evals: &mut usize,
) -> Option<(f64, f64)>
where
    P: FnMut(f64, &mut [f64], &mut [f64]) -> (f64, f64),
{
    const C1: f64 = 1e-4;
    const C2: f64 = 0.9;
    let mut used = 0usize;
    let mut prev = Pt {
        t: 0.0,
        f: f0,
        d: d0,
    };
    let mut t = t0;
    let (mut lo, mut hi);
    loop {
        let (ft, dt) = phi(t, xt, gt);
        used += 1;
        *evals += 1;
        let cur = Pt { t, f: ft, d: dt };
        if !ft.is_finite() || ft > f0 + C1 * t * d0 || (used > 1 && ft >= prev.f) {
            lo = prev;
            hi = cur;
            break;
        }
        if dt.abs() <= -C2 * d0 {
            return Some((t, ft));
        }
        if dt >= 0.0 {
            lo = cur;
            hi = prev;
            break;
        }
        if used >= max_ls {
            return Some((t, ft));
        }
        prev = cur;
        t *= 2.0;
    }
    // Zoom.
    loop {
        let width = (hi.t - lo.t).abs();
        if used >= max_ls || width < 1e-14 * lo.t.abs().max(1e-10) {
            if lo.t == 0.0 || lo.f >= f0 {
                return None;
            }
            let (ft, _) = phi(lo.t, xt, gt);
            *evals += 1;
            return Some((lo.t, ft));
        }
        let (a, b) = (lo.t.min(hi.t), lo.t.max(hi.t));
        let mut t = if hi.f.is_finite() {
            cubic_min(lo, hi)
        } else {
            f64::NAN
        };
        if !t.is_finite() || t < a + 0.1 * width || t > b - 0.1 * width {
            t = 0.5 * (lo.t + hi.t);
        }
        let (ft, dt) = phi(t, xt, gt);
        used += 1;
        *evals += 1;
        let cur = Pt { t, f: ft, d: dt };
        if !ft.is_finite() || ft > f0 + C1 * t * d0 || ft >= lo.f {
            hi = cur;
        } else {
            if dt.abs() <= -C2 * d0 {
                return Some((t, ft));
            }
            if dt * (hi.t - lo.t) >= 0.0 {
                hi = lo;
            }
            lo = cur;
        }
    }
}

/// The last `m` correction pairs `(s, y) = (x_{k+1} - x_k, g_{k+1} - g_k)` of L-BFGS and
/// OWL-QN, in a ring, and the two-loop recursion that applies the inverse-Hessian
/// approximation they define (Nocedal & Wright, algorithm 7.4).
struct Memory {
    m: usize,
    n: usize,
    /// Pair `i` at `s[i * n..(i + 1) * n]` (and the same in `y`).
    s: Vec<f64>,
    y: Vec<f64>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    /// Pairs stored.
    len: usize,
    /// Slot of the next pair.
    head: usize,
}

impl Memory {
    fn new(m: usize, n: usize) -> Self {
        Self {
            m,
            n,
            s: vec![0.0; m * n],
            y: vec![0.0; m * n],
            rho: vec![0.0; m],
            alpha: vec![0.0; m],
            len: 0,
            head: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every pair.
    fn clear(&mut self) {
        self.len = 0;
        self.head = 0;
    }

    /// `d = H g` by the two-loop recursion, `H` scaled by `s·y / y·y` of the newest pair
    /// (`d = g` without pairs).
    fn apply(&mut self, g: &[f64], d: &mut [f64]) {
        let (m, n) = (self.m, self.n);
        d.copy_from_slice(g);
        for j in 0..self.len {
            let i = (self.head + m - 1 - j) % m;
            self.alpha[i] = self.rho[i] * dot(&self.s[i * n..(i + 1) * n], d);
            axpy(-self.alpha[i], &self.y[i * n..(i + 1) * n], d);
        }
        if self.len > 0 {
            let i = (self.head + m - 1) % m;
            let y = &self.y[i * n..(i + 1) * n];
            let gamma = 1.0 / (self.rho[i] * dot(y, y));
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for j in (0..self.len).rev() {
            let i = (self.head + m - 1 - j) % m;
            let beta = self.rho[i] * dot(&self.y[i * n..(i + 1) * n], d);
            axpy(self.alpha[i] - beta, &self.s[i * n..(i + 1) * n], d);
        }
    }

    /// Stores the pair of a step from `(x, g)` to `(x_new, g_new)`, keeping it only when its
    /// curvature `s·y` is safely positive. A rejected pair leaves the memory as it was (with
    /// the ring full, the next slot holds the oldest pair, which must stay whole).
    fn push(&mut self, x_new: &[f64], x: &[f64], g_new: &[f64], g: &[f64]) {
        let (n, slot) = (self.n, self.head);
        let (mut sy, mut yy) = (0.0, 0.0);
        for i in 0..n {
            let s = x_new[i] - x[i];
            let y = g_new[i] - g[i];
            sy += s * y;
            yy += y * y;
        }
        if sy > 1e-10 && yy > 0.0 {
            for i in 0..n {
                self.s[slot * n + i] = x_new[i] - x[i];
                self.y[slot * n + i] = g_new[i] - g[i];
            }
            self.rho[slot] = 1.0 / sy;
            self.head = (self.head + 1) % self.m;
            self.len = (self.len + 1).min(self.m);
        }
    }
}

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[inline]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn inf_norm(g: &[f64]) -> f64 {
    g.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// OWL-QN (Andrew & Gao 2007): L-BFGS for `f(x) + l1 · Σ_{i ∈ ranges} |x_i|`, where `f` is
/// smooth. Uses the pseudo-gradient of the L1 term, keeps each step in the orthant of the
/// current point (coordinates that would cross zero are set to zero), and backtracks
/// (halving, Armijo `c1 = 1e-4` on the pseudo-gradient) instead of the Wolfe search.
/// The callback receives the full objective; `grad_norm` is the pseudo-gradient's norm.
pub fn minimize_owlqn<F, C>(
    x: &mut [f64],
    mut f: F,
    l1: f64,
    ranges: &[std::ops::Range<usize>],
    opts: &LbfgsOptions,
    mut on_iter: C,
) -> LbfgsReport
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
    C: FnMut(&LbfgsIter, &[f64]) -> bool,
{
    let n = x.len();
    let m = opts.memory.max(1);
    let mut pen = vec![false; n];
    for r in ranges {
        pen[r.clone()].iter_mut().for_each(|p| *p = true);
    }
    let l1_of = |x: &[f64]| -> f64 {
        l1 * x
            .iter()
            .zip(&pen)
            .filter(|(_, p)| **p)
            .map(|(v, _)| v.abs())
            .sum::<f64>()
    };
    let pseudo = |x: &[f64], g: &[f64], pg: &mut [f64]| {
        for i in 0..x.len() {
            pg[i] = if !pen[i] {
                g[i]
            } else if x[i] > 0.0 {
                g[i] + l1
            } else if x[i] < 0.0 {
                g[i] - l1
            } else if g[i] + l1 < 0.0 {
                g[i] + l1
            } else if g[i] - l1 > 0.0 {
                g[i] - l1
            } else {
                0.0
            };
        }
    };
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g) + l1_of(x);
    let mut evals = 1usize;
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return LbfgsReport {
            f: fx,
            iters: 0,
            evals,
            stop: LbfgsStop::NonFinite,
        };
    }
    let mut pg = vec![0.0; n];
    pseudo(x, &g, &mut pg);
    if inf_norm(&pg) <= opts.gtol {
        return LbfgsReport {
            f: fx,
            iters: 0,
            evals,
            stop: LbfgsStop::GradientTolerance,
        };
    }
    let mut memory = Memory::new(m, n);
    let mut d = vec![0.0; n];
    let mut xt = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut orthant = vec![0.0; n];
    let mut stop = LbfgsStop::MaxIter;
    let mut iters = 0;
    for _ in 0..opts.max_iter {
        memory.apply(&pg, &mut d);
        // d = -H pg; on penalised coordinates kept only where it agrees in sign with -pg
        // (unpenalised ones, e.g. intercepts, are left as L-BFGS gives them).
        for i in 0..n {
            d[i] = -d[i];
            if pen[i] && d[i] * pg[i] >= 0.0 {
                d[i] = 0.0;
            }
        }
        if dot(&d, &pg) >= 0.0 {
            memory.clear();
            for i in 0..n {
                d[i] = -pg[i];
            }
        }
        for i in 0..n {
            orthant[i] = if x[i] != 0.0 {
                x[i].signum()
            } else {
                -pg[i].signum() * (pg[i] != 0.0) as i32 as f64
            };
        }
        let mut t = if memory.is_empty() {
            (1.0 / pg.iter().map(|v| v.abs()).sum::<f64>()).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..opts.max_ls.max(1) * 2 {
            for i in 0..n {
                let v = x[i] + t * d[i];
                xt[i] = if pen[i] && v * orthant[i] <= 0.0 {
                    0.0
                } else {
                    v
                };
            }
            let ft = f(&xt, &mut gt) + l1_of(&xt);
            evals += 1;
            let decrease: f64 = (0..n).map(|i| pg[i] * (xt[i] - x[i])).sum();
            if ft.is_finite() && ft <= fx + 1e-4 * decrease {
                accepted = Some(ft);
                break;
            }
            t *= 0.5;
        }
        let Some(ft) = accepted else {
            stop = LbfgsStop::LineSearchFailed;
            break;
        };
        if gt.iter().any(|v| !v.is_finite()) {
            stop = LbfgsStop::NonFinite;
            break;
        }
        iters += 1;
        memory.push(&xt, x, &gt, &g);
        let f_old = fx;
        x.copy_from_slice(&xt);
        g.copy_from_slice(&gt);
        fx = ft;
        pseudo(x, &g, &mut pg);
        let info = LbfgsIter {
            iter: iters,
            f: fx,
            grad_norm: dot(&pg, &pg).sqrt(),
            evals,
            step: t,
        };
        if !on_iter(&info, x) {
            stop = LbfgsStop::Callback;
            break;
        }
        if let Some(reason) = converged(&pg, f_old, fx, opts) {
            stop = reason;
            break;
        }
    }
    LbfgsReport {
        f: fx,
        iters,
        evals,
        stop,
    }
}

/// The convergence test both L-BFGS and OWL-QN apply after an accepted step: the (pseudo-)
/// gradient's largest entry under `gtol`, or a relative loss change under `ftol`.
fn converged(grad: &[f64], f_old: f64, fx: f64, opts: &LbfgsOptions) -> Option<LbfgsStop> {
    if inf_norm(grad) <= opts.gtol {
        Some(LbfgsStop::GradientTolerance)
    } else if (f_old - fx).abs() <= opts.ftol * f_old.abs().max(fx.abs()).max(1.0) {
        Some(LbfgsStop::LossTolerance)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pair with non-positive curvature is dropped without touching the stored ones, also
    /// when the ring is full and the next slot holds the oldest pair.
    #[test]
    fn a_rejected_pair_leaves_a_full_memory_unchanged() {
        let mut mem = Memory::new(2, 2);
        mem.push(&[1.0, 0.0], &[0.0, 0.0], &[2.0, 0.5], &[0.0, 0.0]);
        mem.push(&[1.0, 1.0], &[1.0, 0.0], &[2.5, 3.0], &[2.0, 0.5]);
        let g = [0.3, -0.7];
        let mut before = [0.0; 2];
        mem.apply(&g, &mut before);
        // s = (1, 0), y = (-1, 0): s·y < 0
        mem.push(&[2.0, 1.0], &[1.0, 1.0], &[1.5, 3.0], &[2.5, 3.0]);
        let mut after = [0.0; 2];
        mem.apply(&g, &mut after);
        assert_eq!(before, after);
        assert_eq!(mem.len, 2);
    }
}
