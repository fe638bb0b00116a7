//! Tree-structured Parzen Estimator, following Optuna 5.0's `TPESampler` defaults:
//! `n_startup_trials = 10`, `n_ei_candidates = 24`, gamma(n) = min(⌈0.1 n⌉, 25)
//! (⌈0.1 n⌉ for several objectives), Optuna's default weights (a linear ramp over old trials
//! beyond the 25 most recent), a prior component of weight 1, magic clip of the bandwidths,
//! `consider_endpoints = false`, multivariate over the unconditional parameters (conditional
//! ones are sampled univariately), and the constant-liar strategy (running trials count as bad
//! observations so parallel workers do not propose the same point).
//!
//! The density evaluation skips mixture components that provably contribute less than e^-40
//! of the largest one, so proposing a trial stays cheap even with thousands of observations.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::fastmath::{exp_nonpos, ln_pos, ppf_fast};
use super::{History, SampleContext, Sampler, sample_all_prior, sample_prior, trial_rng};
use crate::error::Result;
use crate::pareto;
use crate::space::{Distribution, SearchSpace};
use crate::trial::TrialState;
use crate::truncnorm::{LOG_SQRT_2PI, log_gauss_mass, norm_logpdf};

/// Settings of the TPE sampler (defaults are Optuna 5.0's).
#[derive(Clone, Debug, PartialEq)]
pub struct TpeConfig {
    /// Random trials before TPE starts (default 10).
    pub n_startup_trials: usize,
    /// Candidates drawn from l(x) per proposal (default 24).
    pub n_ei_candidates: usize,
    /// Weight of the prior component (default 1.0).
    pub prior_weight: f64,
    /// Clip bandwidths below at range / min(100, 1 + n_kernels) (default true).
    pub consider_magic_clip: bool,
    /// Let the outermost observations' bandwidth reach the range ends (default false).
    pub consider_endpoints: bool,
    /// Model the unconditional parameters jointly (default true, as Optuna 5.0).
    pub multivariate: bool,
    /// Treat running trials as bad observations (default true, as Optuna 5.0).
    pub constant_liar: bool,
    /// Seed.
    pub seed: u64,
}

impl Default for TpeConfig {
    fn default() -> Self {
        TpeConfig {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
            multivariate: true,
            constant_liar: true,
            seed: 0,
        }
    }
}

/// The TPE sampler.
pub struct TpeSampler {
    cfg: TpeConfig,
    /// Caches kept between proposals (sorted observation columns, Gaussian masses). They only
    /// avoid recomputation: a proposal depends on the seed, the trial number and the history,
    /// never on what was proposed before.
    state: Mutex<State>,
}

impl Clone for TpeSampler {
    fn clone(&self) -> Self {
        TpeSampler::new(self.cfg.clone())
    }
}

impl std::fmt::Debug for TpeSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TpeSampler")
            .field("cfg", &self.cfg)
            .finish()
    }
}

impl TpeSampler {
    /// TPE with the given settings.
    pub fn new(cfg: TpeConfig) -> Self {
        TpeSampler {
            cfg,
            state: Mutex::new(State::default()),
        }
    }

    /// TPE with Optuna's defaults and a seed.
    pub fn with_seed(seed: u64) -> Self {
        TpeSampler::new(TpeConfig {
            seed,
            ..TpeConfig::default()
        })
    }

    /// The settings.
    pub fn config(&self) -> &TpeConfig {
        &self.cfg
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is a cache: after a panic elsewhere it is simply rebuilt.
        match self.state.lock() {
            Ok(g) => g,
            Err(e) => {
                let mut g = e.into_inner();
                *g = State::default();
                g
            }
        }
    }
}

/// What the sampler keeps between proposals.
#[derive(Default)]
struct State {
    cols: Columns,
    memo: MassMemo,
    pool: Pool,
    split: Split,
    kern: Kernels,
}

/// The good / bad split of the history, in buffers kept between proposals.
#[derive(Default)]
struct Split {
    is_below: Vec<bool>,
    /// The best complete trials seen so far while splitting: (order key of value, row).
    heap: std::collections::BinaryHeap<(u64, usize)>,
    /// Good observations, by trial number.
    below: Vec<Row>,
    /// Bad observations (and running trials), by trial number.
    above: Vec<Row>,
}

/// FxHash-style hasher for the memo's bit-pattern keys.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

/// Memoised `log_gauss_mass(a, b)`: the same kernels and the same candidate grid values come
/// back proposal after proposal, so their interval masses are computed once (exactly the same
/// values as computing them again).
#[derive(Default)]
struct MassMemo {
    map: HashMap<(u64, u64), f64, BuildHasherDefault<FxHasher>>,
}

impl MassMemo {
    fn get(&mut self, a: f64, b: f64) -> f64 {
        if a < -8.5 && b > 8.5 {
            // Both tails are skipped inside: already cheap.
            return log_gauss_mass(a, b);
        }
        let key = (a.to_bits(), b.to_bits());
        if let Some(&v) = self.map.get(&key) {
            return v;
        }
        if self.map.len() >= 1 << 16 {
            self.map.clear();
        }
        let v = log_gauss_mass(a, b);
        self.map.insert(key, v);
        v
    }
}

/// Order-preserving integer key of a float (total order, -0 before +0).
#[inline]
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Inverse of [`order_key`].
#[inline]
fn from_order_key(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Every finished trial's numeric parameters, sorted per parameter by their value in the
/// kernel space (log for log parameters), ties by trial number, kept up to date incrementally
/// so a proposal needs no sort. Checked against the history on every use (trial numbers and
/// parameter bits); anything unexpected rebuilds it.
#[derive(Default)]
struct Columns {
    /// Per parameter: `Some(log)` for numeric ones, `None` for categorical ones.
    kinds: Vec<Option<bool>>,
    numbers: Vec<u64>,
    params: Vec<f64>,
    /// Per numeric parameter: (order key of the transformed value, trial number), ascending;
    /// rows where the parameter is inactive are left out.
    sorted: Vec<Vec<(u64, u64)>>,
}

impl Columns {
    fn sync(&mut self, space: &SearchSpace, h: &History) {
        let d = h.n_params;
        let same_space = self.kinds.len() == d
            && space.params().iter().zip(&self.kinds).all(|(p, k)| {
                *k == match &p.dist {
                    Distribution::Categorical { .. } => None,
                    dist => Some(dist.is_log()),
                }
            });
        let mut fresh: Vec<usize> = Vec::new();
        let mut ok = same_space;
        if ok {
            let mut j = 0;
            for i in 0..h.len() {
                let num = h.numbers[i];
                match self.numbers.get(j) {
                    Some(&c) if c == num => {
                        let old = &self.params[j * d..(j + 1) * d];
                        if old
                            .iter()
                            .zip(h.row(i))
                            .any(|(a, b)| a.to_bits() != b.to_bits())
                        {
                            ok = false;
                            break;
                        }
                        j += 1;
                    }
                    Some(&c) if c < num => {
                        ok = false;
                        break;
                    }
                    _ => fresh.push(i),
                }
            }
            ok &= j == self.numbers.len();
        }
        if !ok {
            self.kinds = space
                .params()
                .iter()
                .map(|p| match &p.dist {
                    Distribution::Categorical { .. } => None,
                    dist => Some(dist.is_log()),
                })
                .collect();
            self.sorted = vec![Vec::new(); d];
            fresh = (0..h.len()).collect();
        }
        if fresh.is_empty() {
            return;
        }
        for (p, col) in self.sorted.iter_mut().enumerate() {
            let Some(log) = self.kinds[p] else { continue };
            let entry = |i: usize| {
                let v = h.row(i)[p];
                (!v.is_nan()).then(|| (order_key(if log { v.ln() } else { v }), h.numbers[i]))
            };
            if fresh.len() > 16 {
                col.extend(fresh.iter().filter_map(|&i| entry(i)));
                col.sort_unstable();
            } else {
                for &i in &fresh {
                    if let Some(e) = entry(i) {
                        let at = col.partition_point(|&x| x < e);
                        col.insert(at, e);
                    }
                }
            }
        }
        self.numbers.clone_from(&h.numbers);
        self.params.clone_from(&h.params);
    }
}

/// Optuna's default gamma.
fn gamma(n: usize, multi: bool) -> usize {
    let g = (0.1 * n as f64).ceil() as usize;
    if multi { g } else { g.min(25) }
}

/// Optuna's default weights for `n` observations sorted by trial number.
#[cfg(test)]
fn default_weights(n: usize) -> Vec<f64> {
    let mut w = Vec::new();
    default_weights_into(n, &mut w);
    w
}

/// [`default_weights`] appended to `w`: numpy.linspace(1/n, 1, n - 25) then 25 ones.
fn default_weights_into(n: usize, w: &mut Vec<f64>) {
    if n < 25 {
        w.extend(std::iter::repeat_n(1.0, n));
        return;
    }
    let m = n - 25;
    let (a, b) = (1.0 / n as f64, 1.0);
    let start = w.len();
    w.resize(start + n, 1.0);
    if m == 1 {
        w[start] = a;
    } else if m > 1 {
        let den = (m - 1) as f64;
        for (i, x) in w[start..start + m].iter_mut().enumerate() {
            *x = a + (b - a) * i as f64 / den;
        }
    }
}

/// A row of observations: a finished trial (history row) or a running one.
#[derive(Clone, Copy, Debug)]
enum Row {
    Done(usize),
    Running(usize),
}

/// Per-parameter kernel model.
#[allow(clippy::large_enum_variant)]
enum Dim {
    Num {
        log: bool,
        /// 0 for continuous.
        step: f64,
        low_raw: f64,
        high_raw: f64,
        /// Bounds in the transformed space (adapted for steps).
        lo: f64,
        hi: f64,
        mu: Vec<f64>,
        sigma: Vec<f64>,
        inv_sigma: Vec<f64>,
        ln_sigma: Vec<f64>,
        /// log of the Gaussian mass of each kernel on [lo, hi].
        log_mass: Vec<f64>,
        /// ln(step / sigma) per kernel (discrete, linear scale).
        ln_width: Vec<f64>,
        /// Discrete dimensions with few distinct kernels: kernel → unique index, unique mus,
        /// unique 1/sigma.
        uniq: Option<(Vec<u32>, Vec<f64>, Vec<f64>)>,
    },
    Cat {
        n: usize,
        /// kernels × n, log-probabilities.
        logw: Vec<f64>,
        /// kernels × n, cumulative probabilities.
        cum: Vec<f64>,
    },
}

struct Parzen {
    /// Mixture log-weights (kernels = observations + prior).
    log_w: Vec<f64>,
    cum_w: Vec<f64>,
    dims: Vec<Dim>,
}

/// What a Parzen estimator is built from, besides the observations.
struct Build<'a> {
    space: &'a SearchSpace,
    /// Space indices of the modelled parameters.
    params: &'a [usize],
    cfg: &'a TpeConfig,
    /// Equal weights (multi-objective "below" sets) instead of Optuna's default ramp.
    uniform_weights: bool,
    /// Whether the estimator will be sampled (needs the cumulative weights).
    sampling: bool,
}

impl Parzen {
    /// `obs` is m × d row-major (raw internal values), rows sorted by trial number; `kern`
    /// says which trial each row is (for the sorted columns of `st`).
    fn new(b: &Build<'_>, obs: &[f64], m: usize, kern: &Kernels, st: &mut State) -> Parzen {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { Self::new_avx512(b, obs, m, kern, st) };
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { Self::new_avx2(b, obs, m, kern, st) };
            }
        }
        Self::new_impl(b, obs, m, kern, st)
    }

    /// [`new`](Parzen::new) compiled for AVX-512.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    unsafe fn new_avx512(
        b: &Build<'_>,
        obs: &[f64],
        m: usize,
        kern: &Kernels,
        st: &mut State,
    ) -> Parzen {
        Self::new_impl(b, obs, m, kern, st)
    }

    /// [`new`](Parzen::new) compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn new_avx2(
        b: &Build<'_>,
        obs: &[f64],
        m: usize,
        kern: &Kernels,
        st: &mut State,
    ) -> Parzen {
        Self::new_impl(b, obs, m, kern, st)
    }

    #[inline(always)]
    fn new_impl(b: &Build<'_>, obs: &[f64], m: usize, kern: &Kernels, st: &mut State) -> Parzen {
        let (space, params, cfg) = (b.space, b.params, b.cfg);
        let d = params.len();
        let State {
            cols, memo, pool, ..
        } = st;
        // Large sets read their sort order off the cached columns (a linear walk) instead of
        // sorting; `pos_of[trial number]` = row, for finished trials.
        let walk = m > 64 && cols.sorted.len() == space.len();
        let mut pos_of = pool.u32s();
        if walk {
            let top = kern.nums.iter().copied().max().unwrap_or(0) as usize;
            pos_of.resize(top + 1, u32::MAX);
            for (k, (&num, &run)) in kern.nums.iter().zip(&kern.running).enumerate() {
                if !run {
                    pos_of[num as usize] = k as u32;
                }
            }
        }
        let mut w = pool.f64s();
        if m == 0 {
            w.push(1.0);
        } else {
            if b.uniform_weights {
                w.resize(m, 1.0);
            } else {
                default_weights_into(m, &mut w);
            }
            w.push(cfg.prior_weight);
        }
        let s = sum_of(&w);
        for x in &mut w {
            *x /= s;
        }
        let mut cum_w = pool.f64s();
        if b.sampling {
            let mut acc = 0.0;
            cum_w.extend(w.iter().map(|&x| {
                acc += x;
                acc
            }));
        }
        // Every weight but the prior's is positive; the prior's may be 0.
        let mut log_w = pool.f64s();
        map_into(&mut log_w, &w, ln_pos);
        if let (Some(l), Some(&x)) = (log_w.last_mut(), w.last()) {
            *l = x.ln();
        }
        pool.put(w);
        let mut dims = Vec::with_capacity(d);
        for (j, &pi) in params.iter().enumerate() {
            let col = (0..m).map(|r| obs[r * d + j]);
            dims.push(match &space.params()[pi].dist {
                Distribution::Categorical { choices } => {
                    let n = choices.len();
                    let kernels = if m == 0 { 1 } else { m + 1 };
                    // Each observation's row is the prior share plus 1 at its value, so a row
                    // holds at most two distinct probabilities: one logarithm each.
                    let share = if m == 0 {
                        1.0 / n as f64
                    } else {
                        cfg.prior_weight / kernels as f64
                    };
                    let mut logw = pool.f64s();
                    let mut cum = pool.f64s();
                    logw.resize(kernels * n, 0.0);
                    cum.resize(kernels * n, 0.0);
                    let hits: Vec<Option<usize>> = col
                        .map(|v| Some(v as usize))
                        .chain(std::iter::repeat_n(None, kernels - m))
                        .collect();
                    let sum_plain: f64 = std::iter::repeat_n(share, n).sum();
                    let ln_plain = (share / sum_plain).ln();
                    for (k, hit) in hits.iter().enumerate() {
                        let row = &mut logw[k * n..(k + 1) * n];
                        let crow = &mut cum[k * n..(k + 1) * n];
                        match *hit {
                            None => {
                                row.fill(ln_plain);
                                let p = share / sum_plain;
                                let mut a = 0.0;
                                for c in crow.iter_mut() {
                                    a += p;
                                    *c = a;
                                }
                            }
                            Some(h) => {
                                // The same sum, in the same order, as adding the row up.
                                let s: f64 = (0..n)
                                    .map(|c| if c == h { share + 1.0 } else { share })
                                    .sum();
                                let (p, ph) = (share / s, (share + 1.0) / s);
                                let (lp, lph) = (p.ln(), ph.ln());
                                let mut a = 0.0;
                                for c in 0..n {
                                    let (pc, lc) = if c == h { (ph, lph) } else { (p, lp) };
                                    row[c] = lc;
                                    a += pc;
                                    crow[c] = a;
                                }
                            }
                        }
                        crow[n - 1] = 1.0;
                    }
                    Dim::Cat { n, logw, cum }
                }
                dist => {
                    let (low_raw, high_raw, step, log) = match dist {
                        Distribution::Float {
                            low,
                            high,
                            log,
                            step,
                        } => (*low, *high, step.unwrap_or(0.0), *log),
                        Distribution::Int {
                            low,
                            high,
                            step,
                            log,
                        } => (*low as f64, *high as f64, *step as f64, *log),
                        Distribution::Categorical { .. } => unreachable!("handled above"),
                    };
                    let (mut lo, mut hi) = (low_raw - step / 2.0, high_raw + step / 2.0);
                    let t = |x: f64| if log { x.ln() } else { x };
                    if log {
                        lo = lo.ln();
                        hi = hi.ln();
                    }
                    let mut mu = pool.f64s();
                    let mut order = pool.usizes();
                    if walk {
                        sorted_from_columns(
                            &cols.sorted[pi],
                            &pos_of,
                            kern,
                            col,
                            log,
                            &mut mu,
                            &mut order,
                        );
                    } else {
                        let raw: Vec<f64> = col.collect();
                        mu.extend(raw.iter().map(|&v| t(v)));
                        sorted_directly(&raw, &mu, low_raw, high_raw, step, &mut order);
                    }
                    let mut sigma = pool.f64s();
                    kernel_sigmas_into(&mu, &order, lo, hi, cfg, &mut sigma);
                    mu.push(0.5 * (lo + hi));
                    sigma.push(hi - lo);
                    let mut inv_sigma = pool.f64s();
                    map_into(&mut inv_sigma, &sigma, |s| 1.0 / s);
                    let mut ln_sigma = pool.f64s();
                    if step == 0.0 {
                        map_into(&mut ln_sigma, &sigma, ln_pos);
                    }
                    // Distinct (mu, sigma) pairs: observations of a discrete parameter repeat.
                    // Walking the kernels in sorted order, equal centres are adjacent.
                    let uniq = if step > 0.0 {
                        let mut umu = pool.f64s();
                        let mut uinv = pool.f64s();
                        let mut usig = pool.f64s();
                        let mut uidx = pool.u32s();
                        uidx.resize(mu.len(), 0);
                        let mut group = 0;
                        for &i in &order {
                            if umu.last().is_none_or(|&last| last != mu[i]) {
                                group = umu.len();
                            }
                            let u = match (group..umu.len()).find(|&u| usig[u] == sigma[i]) {
                                Some(u) => u,
                                None => {
                                    umu.push(mu[i]);
                                    usig.push(sigma[i]);
                                    uinv.push(1.0 / sigma[i]);
                                    umu.len() - 1
                                }
                            };
                            uidx[i] = u as u32;
                        }
                        pool.put(usig);
                        // The prior kernel (last).
                        let p = mu.len() - 1;
                        umu.push(mu[p]);
                        uinv.push(1.0 / sigma[p]);
                        uidx[p] = (umu.len() - 1) as u32;
                        if umu.len() <= 256 {
                            Some((uidx, umu, uinv))
                        } else {
                            pool.put(umu);
                            pool.put(uinv);
                            pool.put_u32s(uidx);
                            None
                        }
                    } else {
                        None
                    };
                    let mut ln_width = pool.f64s();
                    if step > 0.0 && uniq.is_none() && !log {
                        map_into(&mut ln_width, &sigma, |s| ln_pos(step / s));
                    }
                    let mut log_mass = pool.f64s();
                    match &uniq {
                        Some((uidx, umu, uinv)) => {
                            let um: Vec<f64> = umu
                                .iter()
                                .zip(uinv.iter())
                                .map(|(m, i)| memo.get((lo - m) * i, (hi - m) * i))
                                .collect();
                            log_mass.extend(uidx.iter().map(|&u| um[u as usize]));
                        }
                        None => log_mass.extend(mu.iter().zip(sigma.iter()).map(|(m, s)| {
                            let (a, b) = ((lo - m) / s, (hi - m) / s);
                            // Both tails beyond 8.5 sigma: log_gauss_mass returns -0 there.
                            if a < -8.5 && b > 8.5 {
                                -0.0
                            } else {
                                memo.get(a, b)
                            }
                        })),
                    }
                    pool.put_usizes(order);
                    Dim::Num {
                        ln_width,
                        uniq,
                        log,
                        step,
                        low_raw,
                        high_raw,
                        lo,
                        hi,
                        mu,
                        sigma,
                        inv_sigma,
                        ln_sigma,
                        log_mass,
                    }
                }
            });
        }
        pool.put_u32s(pos_of);
        Parzen { log_w, cum_w, dims }
    }

    /// Hands the estimator's buffers back to the pool.
    fn recycle(self, pool: &mut Pool) {
        pool.put(self.log_w);
        pool.put(self.cum_w);
        for dim in self.dims {
            match dim {
                Dim::Cat { logw, cum, .. } => {
                    pool.put(logw);
                    pool.put(cum);
                }
                Dim::Num {
                    mu,
                    sigma,
                    inv_sigma,
                    ln_sigma,
                    log_mass,
                    ln_width,
                    uniq,
                    ..
                } => {
                    for v in [mu, sigma, inv_sigma, ln_sigma, log_mass, ln_width] {
                        pool.put(v);
                    }
                    if let Some((uidx, umu, uinv)) = uniq {
                        pool.put_u32s(uidx);
                        pool.put(umu);
                        pool.put(uinv);
                    }
                }
            }
        }
    }

    fn n_kernels(&self) -> usize {
        self.log_w.len()
    }

    /// Draws `n` points (n × d row-major, raw internal values).
    fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        let d = self.dims.len();
        let mut out = vec![0.0; n * d];
        for c in 0..n {
            let u: f64 = rng.random();
            let k = self
                .cum_w
                .partition_point(|&x| x < u)
                .min(self.n_kernels() - 1);
            for (j, dim) in self.dims.iter().enumerate() {
                out[c * d + j] = match dim {
                    Dim::Cat { n, cum, .. } => {
                        let q: f64 = rng.random();
                        let row = &cum[k * n..(k + 1) * n];
                        row.iter().filter(|&&x| x < q).count().min(n - 1) as f64
                    }
                    Dim::Num {
                        log,
                        step,
                        low_raw,
                        high_raw,
                        lo,
                        hi,
                        mu,
                        sigma,
                        ..
                    } => {
                        let q: f64 = rng.random();
                        let (m, s) = (mu[k], sigma[k]);
                        let z = ppf_fast(q, (lo - m) / s, (hi - m) / s);
                        let mut v = z * s + m;
                        if *log {
                            v = v.exp();
                        }
                        if *step > 0.0 {
                            v = low_raw + ((v - low_raw) / step).round() * step;
                        }
                        v.clamp(*low_raw, *high_raw)
                    }
                };
            }
        }
        out
    }

    /// log density of each of the n points (n × d row-major).
    ///
    /// Per-kernel constants are folded into one offset; discrete dimensions whose kernels take
    /// few distinct (mu, sigma) pairs use a table of exact interval masses per distinct
    /// candidate value; other discrete dimensions first bound each kernel's mass and evaluate
    /// exactly only the kernels that can matter. Kernels more than e^-40 below the largest
    /// term are left out of the sum (a relative error below 1e-14).
    fn log_pdf(&self, x: &[f64], n: usize, memo: &mut MassMemo) -> Vec<f64> {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { self.log_pdf_avx512(x, n, memo) };
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { self.log_pdf_avx2(x, n, memo) };
            }
        }
        // Fused multiply-adds only where they are instructions, not library calls.
        self.log_pdf_impl::<{ HW_FMA }>(x, n, memo)
    }

    /// [`log_pdf`](Parzen::log_pdf) compiled for AVX-512 (same operations, same results).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    unsafe fn log_pdf_avx512(&self, x: &[f64], n: usize, memo: &mut MassMemo) -> Vec<f64> {
        self.log_pdf_impl::<true>(x, n, memo)
    }

    /// [`log_pdf`](Parzen::log_pdf) compiled for AVX2 (same operations, same results).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn log_pdf_avx2(&self, x: &[f64], n: usize, memo: &mut MassMemo) -> Vec<f64> {
        self.log_pdf_impl::<true>(x, n, memo)
    }

    #[inline(always)]
    fn log_pdf_impl<const FMA: bool>(&self, x: &[f64], n: usize, memo: &mut MassMemo) -> Vec<f64> {
        const CUT: f64 = 40.0;
        let d = self.dims.len();
        let kn = self.n_kernels();
        // Offsets: mixture weight and the continuous dimensions' normalisers.
        let mut base = self.log_w.clone();
        for dim in &self.dims {
            if let Dim::Num {
                step,
                ln_sigma,
                log_mass,
                ..
            } = dim
            {
                for k in 0..kn {
                    base[k] -= log_mass[k];
                    if *step == 0.0 {
                        base[k] -= LOG_SQRT_2PI + ln_sigma[k];
                    }
                }
            }
        }
        // Exact tables for discrete dimensions with few distinct kernels.
        // tables[j] = (distinct candidate values, per distinct value a row over unique kernels)
        let mut tables: Vec<Option<MassTable>> = Vec::with_capacity(d);
        let mut wide_disc = false;
        for (j, dim) in self.dims.iter().enumerate() {
            match dim {
                Dim::Num {
                    log,
                    step,
                    uniq: Some((_, umu, uinv)),
                    ..
                } if *step > 0.0 => {
                    let mut xs: Vec<f64> = (0..n).map(|c| x[c * d + j]).collect();
                    xs.sort_by(|a, b| a.total_cmp(b));
                    xs.dedup();
                    let nu = umu.len();
                    let mut tab = Vec::with_capacity(xs.len() * nu);
                    for &xv in &xs {
                        let (a, b) = if *log {
                            ((xv - step / 2.0).ln(), (xv + step / 2.0).ln())
                        } else {
                            (xv - step / 2.0, xv + step / 2.0)
                        };
                        for u in 0..nu {
                            tab.push(memo.get((a - umu[u]) * uinv[u], (b - umu[u]) * uinv[u]));
                        }
                    }
                    tables.push(Some((xs, tab, nu)));
                }
                Dim::Num { step, .. } if *step > 0.0 => {
                    wide_disc = true;
                    tables.push(None);
                }
                _ => tables.push(None),
            }
        }
        let mut lo = vec![0.0; kn];
        let mut hi = vec![0.0; kn];
        let mut out = Vec::with_capacity(n);
        // Candidates sharing the same values on the table dimensions share one offset vector:
        // base + the exact log masses of those values.
        let mut keyed_bases: Vec<(Vec<usize>, Vec<f64>)> = Vec::new();
        let mut cand_base: Vec<usize> = Vec::with_capacity(n);
        for c in 0..n {
            let xc = &x[c * d..(c + 1) * d];
            let key: Vec<usize> = tables
                .iter()
                .enumerate()
                .filter_map(|(j, t)| {
                    t.as_ref()
                        .map(|(xs, _, _)| xs.partition_point(|&v| v < xc[j]))
                })
                .collect();
            if let Some(pos) = keyed_bases.iter().position(|(k, _)| *k == key) {
                cand_base.push(pos);
                continue;
            }
            let mut b = base.clone();
            let mut ki = 0;
            for (j, t) in tables.iter().enumerate() {
                if let (
                    Some((_, tab, nu)),
                    Dim::Num {
                        uniq: Some((uidx, _, _)),
                        ..
                    },
                ) = (t, &self.dims[j])
                {
                    let r = key[ki];
                    ki += 1;
                    let row = &tab[r * nu..(r + 1) * nu];
                    for (l, &u) in b.iter_mut().zip(uidx) {
                        *l += row[u as usize];
                    }
                }
            }
            cand_base.push(keyed_bases.len());
            keyed_bases.push((key, b));
        }
        for c in 0..n {
            let xc = &x[c * d..(c + 1) * d];
            let kb = &keyed_bases[cand_base[c]].1;
            let mut written = false;
            for (j, dim) in self.dims.iter().enumerate() {
                match dim {
                    Dim::Cat { n, logw, .. } => {
                        let v = xc[j] as usize;
                        if !written {
                            lo.copy_from_slice(kb);
                            written = true;
                        }
                        for (k, l) in lo.iter_mut().enumerate() {
                            *l += logw[k * n + v];
                        }
                    }
                    Dim::Num {
                        log,
                        step,
                        mu,
                        inv_sigma,
                        ..
                    } if *step == 0.0 => {
                        let t = if *log { xc[j].ln() } else { xc[j] };
                        if written {
                            for ((l, m), is) in lo.iter_mut().zip(mu).zip(inv_sigma) {
                                let z = (t - m) * is;
                                *l -= 0.5 * z * z;
                            }
                        } else {
                            for (((l, b), m), is) in lo.iter_mut().zip(kb).zip(mu).zip(inv_sigma) {
                                let z = (t - m) * is;
                                *l = b - 0.5 * z * z;
                            }
                            written = true;
                        }
                    }
                    _ => {}
                }
            }
            if !written {
                lo.copy_from_slice(kb);
            }
            if wide_disc {
                // Bounds for the remaining discrete dimensions: the Gaussian mass of an interval
                // lies between width * pdf(farthest point) and width * pdf(nearest point).
                hi.copy_from_slice(&lo);
                for (j, dim) in self.dims.iter().enumerate() {
                    if let Dim::Num {
                        log,
                        step,
                        mu,
                        inv_sigma,
                        ln_width,
                        uniq: None,
                        ..
                    } = dim
                        && *step > 0.0
                    {
                        let (a, b) = if *log {
                            ((xc[j] - step / 2.0).ln(), (xc[j] + step / 2.0).ln())
                        } else {
                            (xc[j] - step / 2.0, xc[j] + step / 2.0)
                        };
                        for k in 0..kn {
                            let zl = (a - mu[k]) * inv_sigma[k];
                            let zr = (b - mu[k]) * inv_sigma[k];
                            let w = if *log { (zr - zl).ln() } else { ln_width[k] };
                            let near = if zl <= 0.0 && zr >= 0.0 {
                                0.0
                            } else {
                                zl.abs().min(zr.abs())
                            };
                            let far = zl.abs().max(zr.abs());
                            lo[k] += w + norm_logpdf(far);
                            hi[k] += w + norm_logpdf(near);
                        }
                    }
                }
                let m_lo = max_of(&lo);
                for k in 0..kn {
                    if hi[k] < m_lo - CUT {
                        lo[k] = f64::NEG_INFINITY;
                        continue;
                    }
                    // Replace the lower bound by the exact value.
                    let mut v = hi[k];
                    for (j, dim) in self.dims.iter().enumerate() {
                        if let Dim::Num {
                            log,
                            step,
                            mu,
                            inv_sigma,
                            ln_width,
                            uniq: None,
                            ..
                        } = dim
                            && *step > 0.0
                        {
                            let (a, b) = if *log {
                                ((xc[j] - step / 2.0).ln(), (xc[j] + step / 2.0).ln())
                            } else {
                                (xc[j] - step / 2.0, xc[j] + step / 2.0)
                            };
                            let zl = (a - mu[k]) * inv_sigma[k];
                            let zr = (b - mu[k]) * inv_sigma[k];
                            let w = if *log { (zr - zl).ln() } else { ln_width[k] };
                            let near = if zl <= 0.0 && zr >= 0.0 {
                                0.0
                            } else {
                                zl.abs().min(zr.abs())
                            };
                            v += log_gauss_mass(zl, zr) - w - norm_logpdf(near);
                        }
                    }
                    lo[k] = v;
                }
            }
            let m = max_of(&lo);
            if m == f64::NEG_INFINITY {
                out.push(f64::NEG_INFINITY);
                continue;
            }
            out.push(m + exp_sum::<FMA>(&lo, m).ln());
        }
        out
    }
}

/// Exact log masses of one discrete dimension: distinct candidate values, then one row per
/// value over the unique kernels, and the number of unique kernels.
type MassTable = (Vec<f64>, Vec<f64>, usize);

/// `out` = `f` of each element of `src` (a plain indexed loop, so that it vectorises inside
/// the AVX-compiled callers).
#[inline(always)]
fn map_into(out: &mut Vec<f64>, src: &[f64], f: impl Fn(f64) -> f64) {
    out.clear();
    out.resize(src.len(), 0.0);
    for (o, &x) in out.iter_mut().zip(src) {
        *o = f(x);
    }
}

/// Sum in 8 independent lanes (vectorises; not the sequential order).
#[inline(always)]
fn sum_of(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            acc[i] += c[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    for &x in rest {
        s += x;
    }
    s
}

/// Whether this build targets a CPU with fused multiply-add instructions (x86-64 checks at
/// run time instead).
const HW_FMA: bool = cfg!(any(target_arch = "aarch64", target_feature = "fma"));

/// The largest value (NEG_INFINITY for none; NaNs are ignored), in 8 independent lanes so
/// that the loop vectorises.
#[inline(always)]
fn max_of(v: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            acc[i] = if c[i] > acc[i] { c[i] } else { acc[i] };
        }
    }
    for &x in rest {
        acc[0] = if x > acc[0] { x } else { acc[0] };
    }
    acc.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Σ exp(v - m) over `v` (every v ≤ m). Blocks of 8 all below e^-40 of the maximum are left
/// out (a relative error under 1e-14 for up to 10^4 kernels); the others are summed
/// branch-free so the loop vectorises.
#[inline(always)]
fn exp_sum<const FMA: bool>(v: &[f64], m: f64) -> f64 {
    let cut = m - 40.0;
    let mut acc = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let mut any = false;
        for &x in c {
            any |= x >= cut;
        }
        if !any {
            continue;
        }
        for i in 0..8 {
            acc[i] += exp_nonpos::<FMA>(c[i] - m);
        }
    }
    let mut s = acc.iter().sum::<f64>();
    for &x in rest {
        s += exp_nonpos::<FMA>(x - m);
    }
    s
}

/// The trials behind the rows of an observation matrix.
#[derive(Default)]
struct Kernels {
    /// Trial number of each row.
    nums: Vec<u64>,
    /// Whether each row is a running trial (not in the cached columns).
    running: Vec<bool>,
}

/// Kernel centres (kernel space) and their ascending order (ties by row), read off the
/// cached sorted column `col` of every finished trial; running trials are merged in.
fn sorted_from_columns(
    col: &[(u64, u64)],
    pos_of: &[u32],
    kern: &Kernels,
    raw: impl Iterator<Item = f64>,
    log: bool,
    mu: &mut Vec<f64>,
    order: &mut Vec<usize>,
) {
    mu.clear();
    mu.extend(raw);
    let m = mu.len();
    order.clear();
    let mut run: Vec<(u64, u64, usize)> = (0..m)
        .filter(|&k| kern.running[k])
        .map(|k| {
            let v = if log { mu[k].ln() } else { mu[k] };
            mu[k] = v;
            (order_key(v), kern.nums[k], k)
        })
        .collect();
    run.sort_unstable();
    let mut r = 0;
    for &(key, num) in col {
        let Some(&pos) = pos_of.get(num as usize) else {
            continue;
        };
        if pos == u32::MAX {
            continue;
        }
        while r < run.len() && (run[r].0, run[r].1) < (key, num) {
            order.push(run[r].2);
            r += 1;
        }
        mu[pos as usize] = from_order_key(key);
        order.push(pos as usize);
    }
    order.extend(run[r..].iter().map(|x| x.2));
    debug_assert_eq!(order.len(), m);
}

/// Ascending order of `mu` (ties by row) by sorting: a counting sort for discrete values on a
/// small grid, otherwise a sort of integer keys.
fn sorted_directly(
    raw: &[f64],
    mu: &[f64],
    low_raw: f64,
    high_raw: f64,
    step: f64,
    order: &mut Vec<usize>,
) {
    order.clear();
    let n_grid = if step > 0.0 {
        ((high_raw - low_raw) / step).round() as usize + 1
    } else {
        usize::MAX
    };
    if n_grid > 4096 {
        order.extend(sort_order(mu));
        return;
    }
    let bucket = |v: f64| (((v - low_raw) / step).round().max(0.0) as usize).min(n_grid - 1);
    let mut start = vec![0usize; n_grid + 1];
    for &v in raw {
        start[bucket(v) + 1] += 1;
    }
    for g in 0..n_grid {
        start[g + 1] += start[g];
    }
    order.resize(raw.len(), 0);
    for (i, &v) in raw.iter().enumerate() {
        let b = bucket(v);
        order[start[b]] = i;
        start[b] += 1;
    }
}

/// Recycled buffers: proposals reuse them instead of allocating (and having the allocator
/// return memory to the system and fault it back in) every time.
#[derive(Default)]
struct Pool {
    f: Vec<Vec<f64>>,
    u: Vec<Vec<u32>>,
    z: Vec<Vec<usize>>,
}

impl Pool {
    fn f64s(&mut self) -> Vec<f64> {
        take(&mut self.f)
    }

    fn put(&mut self, v: Vec<f64>) {
        give(&mut self.f, v, 64);
    }

    fn u32s(&mut self) -> Vec<u32> {
        take(&mut self.u)
    }

    fn put_u32s(&mut self, v: Vec<u32>) {
        give(&mut self.u, v, 16);
    }

    fn usizes(&mut self) -> Vec<usize> {
        take(&mut self.z)
    }

    fn put_usizes(&mut self, v: Vec<usize>) {
        give(&mut self.z, v, 16);
    }
}

/// An empty buffer from `stack` (a new one when it has none).
fn take<T>(stack: &mut Vec<Vec<T>>) -> Vec<T> {
    let mut v = stack.pop().unwrap_or_default();
    v.clear();
    v
}

/// Returns `v` to `stack`, which keeps at most `max` buffers.
fn give<T>(stack: &mut Vec<Vec<T>>, v: Vec<T>, max: usize) {
    if stack.len() < max && v.capacity() > 0 {
        stack.push(v);
    }
}

/// Optuna's bandwidths: distance to the farther neighbour (endpoints = range ends), the
/// outermost observations using their inner neighbour only, clipped to
/// [range / min(100, 1 + n_kernels), range].
#[cfg(test)]
fn kernel_sigmas(mus: &[f64], order: &[usize], lo: f64, hi: f64, cfg: &TpeConfig) -> Vec<f64> {
    let mut sig = Vec::new();
    kernel_sigmas_into(mus, order, lo, hi, cfg, &mut sig);
    sig
}

/// [`kernel_sigmas`] into `sig` (one pass over the sorted centres).
#[inline(always)]
fn kernel_sigmas_into(
    mus: &[f64],
    order: &[usize],
    lo: f64,
    hi: f64,
    cfg: &TpeConfig,
    sig: &mut Vec<f64>,
) {
    let m = mus.len();
    sig.clear();
    sig.resize(m, 0.0);
    if m == 0 {
        return;
    }
    let maxsigma = hi - lo;
    let minsigma = if cfg.consider_magic_clip {
        (hi - lo) / 100f64.min(1.0 + (m + 1) as f64)
    } else {
        1e-12
    };
    let inner_only = !cfg.consider_endpoints && m >= 2;
    for r in 0..m {
        let x = mus[order[r]];
        let prev = if r == 0 { lo } else { mus[order[r - 1]] };
        let next = if r + 1 == m { hi } else { mus[order[r + 1]] };
        let s = if inner_only && r == 0 {
            next - x
        } else if inner_only && r + 1 == m {
            x - prev
        } else {
            (x - prev).max(next - x)
        };
        sig[order[r]] = s.clamp(minsigma, maxsigma);
    }
}

/// Indices of `mus` in ascending order (ties by index).
fn sort_order(mus: &[f64]) -> Vec<usize> {
    // Sort (order-preserving bit key, index) pairs: plain integer comparisons, no indirection.
    let key = |x: f64| {
        let b = x.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    let mut keyed: Vec<(u64, u32)> = mus
        .iter()
        .enumerate()
        .map(|(i, &x)| (key(x), i as u32))
        .collect();
    keyed.sort_unstable();
    keyed.iter().map(|&(_, i)| i as usize).collect()
}

impl TpeSampler {
    /// Splits finished (and running) trials into the good ("below") and bad ("above") groups,
    /// each sorted by trial number.
    fn split(&self, ctx: &SampleContext<'_>, sp: &mut Split) {
        let h = ctx.history;
        let multi = ctx.directions.len() > 1;
        let n = h.len();
        let mut n_below = gamma(n, multi);
        let is_below = &mut sp.is_below;
        is_below.clear();
        is_below.resize(n, false);
        let n_complete = h
            .states
            .iter()
            .filter(|&&st| st == TrialState::Complete)
            .count();
        let nb_c = n_below.min(n_complete);
        if !multi {
            // The nb_c best complete trials, ties broken by trial number (as a stable sort
            // would), NaN counted as +inf: one pass keeping the nb_c smallest keys in a heap.
            let sign = ctx.directions[0].sign();
            let heap = &mut sp.heap;
            heap.clear();
            if nb_c > 0 {
                for i in 0..n {
                    if h.states[i] != TrialState::Complete {
                        continue;
                    }
                    let v = h.values[i * h.n_objectives] * sign;
                    let key = (order_key(if v.is_nan() { f64::INFINITY } else { v }), i);
                    if heap.len() < nb_c {
                        heap.push(key);
                    } else if heap.peek().is_some_and(|top| key < *top) {
                        heap.pop();
                        heap.push(key);
                    }
                }
            }
            for &(_, i) in heap.iter() {
                is_below[i] = true;
            }
        } else if nb_c > 0 {
            let complete: Vec<usize> = (0..n)
                .filter(|&i| h.states[i] == TrialState::Complete)
                .collect();
            let k = ctx.directions.len();
            let lv: Vec<f64> = complete
                .iter()
                .flat_map(|&i| {
                    h.values_of(i)
                        .iter()
                        .zip(ctx.directions)
                        .map(|(v, d)| v * d.sign())
                })
                .collect();
            if nb_c == complete.len() {
                for &i in &complete {
                    is_below[i] = true;
                }
            } else {
                let ranks = pareto::nondomination_ranks(&lv, complete.len(), k, nb_c);
                let mut taken = 0;
                let mut r = 0;
                loop {
                    let members: Vec<usize> =
                        (0..complete.len()).filter(|&j| ranks[j] == r).collect();
                    if members.is_empty() {
                        break;
                    }
                    if taken + members.len() <= nb_c {
                        for &j in &members {
                            is_below[complete[j]] = true;
                        }
                        taken += members.len();
                        r += 1;
                        if taken == nb_c {
                            break;
                        }
                    } else {
                        let pts: Vec<Vec<f64>> = members
                            .iter()
                            .map(|&j| lv[j * k..(j + 1) * k].to_vec())
                            .collect();
                        let rp = pareto::reference_point(&pts);
                        for s in pareto::hssp_greedy(&pts, nb_c - taken, &rp) {
                            is_below[complete[members[s]]] = true;
                        }
                        break;
                    }
                }
            }
        }
        n_below = n_below.saturating_sub(nb_c);
        let n_pruned = h
            .states
            .iter()
            .filter(|&&st| st == TrialState::Pruned)
            .count();
        if n_below > 0 && n_pruned > 0 {
            let pruned: Vec<usize> = (0..n)
                .filter(|&i| h.states[i] == TrialState::Pruned)
                .collect();
            let sign = ctx.directions[0].sign();
            let mut keyed: Vec<((f64, f64), usize)> = pruned
                .iter()
                .map(|&i| {
                    let key = match h.last_step[i] {
                        Some((step, v)) if v.is_nan() => (-(step as f64), f64::INFINITY),
                        Some((step, v)) => (-(step as f64), v * sign),
                        None => (1.0, 0.0),
                    };
                    (key, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.0.total_cmp(&b.0.0).then(a.0.1.total_cmp(&b.0.1)));
            for &(_, i) in keyed.iter().take(n_below) {
                is_below[i] = true;
            }
        }
        let (below, above) = (&mut sp.below, &mut sp.above);
        below.clear();
        above.clear();
        let running: Vec<usize> = if self.cfg.constant_liar {
            (0..h.running_numbers.len())
                .filter(|&j| h.running_numbers[j] != ctx.trial_number)
                .collect()
        } else {
            Vec::new()
        };
        let mut ri = 0;
        for (i, &below_i) in is_below.iter().enumerate() {
            while ri < running.len() && h.running_numbers[running[ri]] < h.numbers[i] {
                above.push(Row::Running(running[ri]));
                ri += 1;
            }
            if below_i {
                below.push(Row::Done(i));
            } else {
                above.push(Row::Done(i));
            }
        }
        while ri < running.len() {
            above.push(Row::Running(running[ri]));
            ri += 1;
        }
    }

    /// Gathers the observations of `params` over `rows` that have all of them active into
    /// `out` (row-major); returns their number.
    fn gather(
        ctx: &SampleContext<'_>,
        rows: &[Row],
        params: &[usize],
        out: &mut Vec<f64>,
        kern: &mut Kernels,
    ) -> usize {
        out.clear();
        let mut m = 0;
        kern.nums.clear();
        kern.running.clear();
        for r in rows {
            let (x, num, run) = match *r {
                Row::Done(i) => (ctx.history.row(i), ctx.history.numbers[i], false),
                Row::Running(j) => (
                    ctx.history.running_row(j),
                    ctx.history.running_numbers[j],
                    true,
                ),
            };
            if params.iter().all(|&p| !x[p].is_nan()) {
                out.extend(params.iter().map(|&p| x[p]));
                kern.nums.push(num);
                kern.running.push(run);
                m += 1;
            }
        }
        m
    }

    fn sample_group(
        &self,
        ctx: &SampleContext<'_>,
        params: &[usize],
        below: &[Row],
        above: &[Row],
        rng: &mut ChaCha8Rng,
        st: &mut State,
    ) -> Vec<f64> {
        let multi = ctx.directions.len() > 1;
        let mut kern = std::mem::take(&mut st.kern);
        let mut obs = st.pool.f64s();
        let mb = Self::gather(ctx, below, params, &mut obs, &mut kern);
        let build = |uniform_weights, sampling| Build {
            space: ctx.space,
            params,
            cfg: &self.cfg,
            uniform_weights,
            sampling,
        };
        let pb = Parzen::new(&build(multi, true), &obs, mb, &kern, st);
        let ma = Self::gather(ctx, above, params, &mut obs, &mut kern);
        let pa = Parzen::new(&build(false, false), &obs, ma, &kern, st);
        st.pool.put(obs);
        st.kern = kern;
        let n = self.cfg.n_ei_candidates.max(1);
        let cand = pb.sample(rng, n);
        let lb = pb.log_pdf(&cand, n, &mut st.memo);
        let la = pa.log_pdf(&cand, n, &mut st.memo);
        let mut best = 0;
        let mut best_v = f64::NEG_INFINITY;
        for c in 0..n {
            let v = lb[c] - la[c];
            if v > best_v {
                best_v = v;
                best = c;
            }
        }
        pb.recycle(&mut st.pool);
        pa.recycle(&mut st.pool);
        let d = params.len();
        cand[best * d..(best + 1) * d].to_vec()
    }
}

impl Sampler for TpeSampler {
    fn sample(&self, ctx: &SampleContext<'_>) -> Result<Vec<f64>> {
        let space = ctx.space;
        let mut rng = trial_rng(self.cfg.seed, ctx.trial_number);
        if ctx.history.len() < self.cfg.n_startup_trials {
            return Ok(sample_all_prior(space, &mut rng));
        }
        let mut st = self.state();
        st.cols.sync(space, ctx.history);
        let mut sp = std::mem::take(&mut st.split);
        self.split(ctx, &mut sp);
        let (below, above) = (&sp.below, &sp.above);
        let np = space.len();
        let mut x = vec![f64::NAN; np];
        let mut done = vec![false; np];
        let single = |i: usize| space.params()[i].dist.single();
        if self.cfg.multivariate {
            let group: Vec<usize> = (0..np)
                .filter(|&i| space.is_unconditional(i) && !single(i))
                .collect();
            if !group.is_empty() {
                let v = self.sample_group(ctx, &group, below, above, &mut rng, &mut st);
                for (j, &i) in group.iter().enumerate() {
                    x[i] = v[j];
                    done[i] = true;
                }
            }
        }
        for i in 0..np {
            if done[i] {
                continue;
            }
            if !space.is_active(&x, i) {
                continue;
            }
            x[i] = if single(i) {
                sample_prior(&space.params()[i].dist, &mut rng)
            } else {
                self.sample_group(ctx, &[i], below, above, &mut rng, &mut st)[0]
            };
        }
        st.split = sp;
        Ok(x)
    }

    fn describe(&self) -> String {
        format!(
            "tpe(seed={}, multivariate={}, constant_liar={}, n_startup_trials={})",
            self.cfg.seed, self.cfg.multivariate, self.cfg.constant_liar, self.cfg.n_startup_trials
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::History;
    use crate::trial::{Direction, FrozenTrial};

    #[test]
    fn exp_sum_adds_every_term() {
        assert_eq!(exp_sum::<false>(&[0.0, 0.0, 0.0, 0.0, 0.0], 0.0), 5.0);
        assert_eq!(exp_sum::<true>(&[0.0, 0.0, 0.0, 0.0, 0.0], 0.0), 5.0);
    }

    #[test]
    fn weights_match_optuna() {
        assert_eq!(default_weights(3), vec![1.0; 3]);
        assert_eq!(default_weights(25), vec![1.0; 25]);
        assert_eq!(default_weights(26)[0], 1.0 / 26.0);
        let w = default_weights(30);
        // numpy.linspace(1/30, 1, 5) then 25 ones.
        let expect = [
            1.0 / 30.0,
            0.275,
            0.516_666_666_666_666_7,
            0.758_333_333_333_333_3,
            1.0,
        ];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        assert_eq!(w.len(), 30);
        assert_eq!(gamma(100, false), 10);
        assert_eq!(gamma(1000, false), 25);
        assert_eq!(gamma(1000, true), 100);
        assert_eq!(gamma(11, false), 2);
    }

    #[test]
    fn sigmas_match_optuna() {
        // Reference: optuna 5.0 _ParzenEstimator on observations [0.2, 0.5, 0.9] in [0, 1]:
        // sorted with endpoints [0, .2, .5, .9, 1]; raw sigmas max(gaps) = [.3, .4, .4],
        // endpoints rule → first = .3, last = .4; minsigma = 1/min(100, 5) = 0.2.
        let cfg = TpeConfig::default();
        let mus = [0.5, 0.2, 0.9];
        let s = kernel_sigmas(&mus, &sort_order(&mus), 0.0, 1.0, &cfg);
        let expect = [0.4, 0.3, 0.4];
        for (a, b) in s.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
        let s = kernel_sigmas(&[0.5], &[0], 0.0, 1.0, &cfg);
        assert!((s[0] - 0.5).abs() < 1e-12);
    }

    fn finished(space: &SearchSpace, n: u64, x: Vec<f64>, v: f64) -> FrozenTrial {
        FrozenTrial {
            id: n as i64,
            number: n,
            state: TrialState::Complete,
            params_json: space.encode(&x),
            params: x,
            values: Some(vec![v]),
            intermediate: vec![],
            system_attrs: Default::default(),
            started: None,
            finished: None,
            heartbeat: None,
            worker: String::new(),
        }
    }

    #[test]
    fn tpe_concentrates_near_the_optimum_and_is_reproducible() {
        let space = SearchSpace::builder()
            .float("x", -10.0, 10.0)
            .int("k", 0, 20)
            .categorical("c", ["a", "b", "c"])
            .build()
            .unwrap();
        let f = |x: &[f64]| {
            (x[0] - 3.0).powi(2) + (x[1] - 7.0).abs() + if x[2] == 1.0 { 0.0 } else { 5.0 }
        };
        for multivariate in [true, false] {
            let s = TpeSampler::new(TpeConfig {
                seed: 3,
                multivariate,
                ..TpeConfig::default()
            });
            let mut h = History::new(3, 1);
            let mut best = f64::INFINITY;
            let mut first = Vec::new();
            for n in 0..80 {
                let ctx = SampleContext {
                    space: &space,
                    directions: &[Direction::Minimize],
                    history: &h,
                    trial_number: n,
                };
                let x = s.sample(&ctx).unwrap();
                assert_eq!(space.encode(&x), space.encode(&s.sample(&ctx).unwrap()));
                for i in 0..3 {
                    assert!(space.params()[i].dist.contains(x[i]), "{x:?}");
                }
                let v = f(&x);
                best = best.min(v);
                if n < 12 {
                    first.push(x.clone());
                }
                h.push_finished(&finished(&space, n, x, v));
            }
            assert!(best < 1.5, "multivariate={multivariate} best={best}");
        }
    }

    #[test]
    fn density_shortcuts_are_exact() {
        // The pruned log-sum-exp, the bounds path (wide discrete range) and the table path
        // (few distinct discrete kernels) all equal the plain sum over every kernel.
        for (high, log) in [(1000, true), (10, false)] {
            let mut b = SearchSpace::builder()
                .float("x", 0.0, 1.0)
                .int("k", 1, high);
            if log {
                b = b.log();
            }
            let space = b.build().unwrap();
            let mut obs = Vec::new();
            let mut r = trial_rng(1, 1);
            for _ in 0..300 {
                obs.push(r.random::<f64>());
                obs.push((1.0 + (high - 1) as f64 * r.random::<f64>()).round());
            }
            let cfg = TpeConfig::default();
            let kern = Kernels {
                nums: (0..300).collect(),
                running: vec![false; 300],
            };
            let mut st = State::default();
            let build = Build {
                space: &space,
                params: &[0, 1],
                cfg: &cfg,
                uniform_weights: false,
                sampling: true,
            };
            let p = Parzen::new(&build, &obs, 300, &kern, &mut st);
            if let Dim::Num { uniq, .. } = &p.dims[1] {
                assert_eq!(uniq.is_some(), !log, "table path only for the small range");
            }
            let cand = p.sample(&mut r, 24);
            let got = p.log_pdf(&cand, 24, &mut st.memo);
            for c in 0..24 {
                let mut terms = Vec::new();
                for k in 0..p.n_kernels() {
                    let mut v = p.log_w[k];
                    for (j, dim) in p.dims.iter().enumerate() {
                        if let Dim::Num {
                            log,
                            step,
                            mu,
                            sigma,
                            log_mass,
                            ..
                        } = dim
                        {
                            let xv = cand[c * 2 + j];
                            let t = |y: f64| if *log { y.ln() } else { y };
                            if *step == 0.0 {
                                v += norm_logpdf((t(xv) - mu[k]) / sigma[k])
                                    - sigma[k].ln()
                                    - log_mass[k];
                            } else {
                                let (a, b) = (t(xv - 0.5), t(xv + 0.5));
                                v += log_gauss_mass((a - mu[k]) / sigma[k], (b - mu[k]) / sigma[k])
                                    - log_mass[k];
                            }
                        }
                    }
                    terms.push(v);
                }
                let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let full = m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln();
                assert!((full - got[c]).abs() < 1e-10, "{full} {}", got[c]);
            }
        }
    }
}
