//! Bootstrap confidence intervals (percentile and BCa) for any metric.
//!
//! Resamples are drawn from a counter-based generator: resample `b` depends only
//! on `(seed, b)`, so results are identical whatever the number of rayon threads.
//!
//! ```
//! use mosel_metrics::bootstrap::{bootstrap_ci, BootstrapOptions};
//! use mosel_metrics::classification::accuracy;
//! let y = [0u32, 1, 1, 0, 1, 0, 1, 1, 0, 0];
//! let p = [0u32, 1, 0, 0, 1, 1, 1, 1, 0, 0];
//! let ci = bootstrap_ci(y.len(), |idx| {
//!     let (t, q): (Vec<u32>, Vec<u32>) = idx.iter().map(|&i| (y[i], p[i])).unzip();
//!     accuracy(&t, &q, None)
//! }, &BootstrapOptions { n_resamples: 200, ..Default::default() }).unwrap();
//! assert!(ci.low <= ci.estimate && ci.estimate <= ci.high);
//! ```

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{MetricsError, Result, invalid};
use crate::stats::{normal_cdf, normal_ppf};

/// Interval construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum CiMethod {
    /// Percentiles of the bootstrap distribution.
    #[default]
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987), acceleration from the jackknife.
    Bca,
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapOptions {
    /// Number of resamples (default 1000).
    pub n_resamples: usize,
    /// Confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Interval method (default percentile).
    pub method: CiMethod,
    /// Seed of the resampling (default 0).
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            n_resamples: 1000,
            confidence: 0.95,
            method: CiMethod::Percentile,
            seed: 0,
        }
    }
}

/// A bootstrap confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// The statistic on the original rows.
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Standard deviation of the bootstrap replicates (ddof = 1).
    pub std_error: f64,
    /// Confidence level.
    pub confidence: f64,
    /// Method used.
    pub method: CiMethod,
    /// Replicates used (resamples where the statistic was defined).
    pub n_resamples: usize,
    /// Resamples where the statistic failed or was NaN (left out).
    pub n_invalid: usize,
}

/// SplitMix64 step: a strong 64-bit mixer.
#[inline]
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Deterministic generator for resample `b` of a run seeded with `seed`.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Rng(splitmix(
            seed ^ splitmix(stream.wrapping_add(0x5851_f42d_4c95_7f2d)),
        ))
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform integer in `0..n` (Lemire's method, unbiased).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let mut m = (self.next_u64() as u128) * (n as u128);
        if (m as u64) < n {
            let t = n.wrapping_neg() % n;
            while (m as u64) < t {
                m = (self.next_u64() as u128) * (n as u128);
            }
        }
        (m >> 64) as u64
    }
}

/// Evaluates `f` on `n_resamples` bootstrap index sets of `0..n`, in order.
pub(crate) fn replicates<R: Send>(
    n: usize,
    n_resamples: usize,
    seed: u64,
    f: impl Fn(&[usize]) -> R + Sync,
) -> Vec<R> {
    (0..n_resamples)
        .into_par_iter()
        .map_init(
            || vec![0usize; n],
            |idx, b| {
                let mut rng = Rng::new(seed, b as u64);
                for x in idx.iter_mut() {
                    *x = rng.below(n as u64) as usize;
                }
                f(idx)
            },
        )
        .collect()
}

/// Most rows for an exact leave-one-out jackknife; larger inputs leave out
/// contiguous blocks (this many blocks).
pub const JACKKNIFE_MAX: usize = 2000;

/// Jackknife values of the statistic (for the BCa acceleration).
pub(crate) fn jackknife(n: usize, f: &(impl Fn(&[usize]) -> f64 + Sync)) -> Vec<f64> {
    let groups = n.min(JACKKNIFE_MAX);
    (0..groups)
        .into_par_iter()
        .map(|g| {
            let (lo, hi) = (g * n / groups, (g + 1) * n / groups);
            let idx: Vec<usize> = (0..lo).chain(hi..n).collect();
            f(&idx)
        })
        .collect()
}

/// `numpy.percentile(sorted, pct)` (linear interpolation), bit for bit.
pub(crate) fn np_percentile(sorted: &[f64], pct: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || pct.is_nan() {
        return f64::NAN;
    }
    let q = pct / 100.0;
    // numpy: n*q + (alpha + q*(1 - alpha - beta)) - 1 with alpha = beta = 1
    let v = n as f64 * q + (1.0 - q) - 1.0;
    if v >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if v < 0.0 {
        return sorted[0];
    }
    let prev = v.floor();
    let g = v - prev;
    let (a, b) = (sorted[prev as usize], sorted[prev as usize + 1]);
    let d = b - a;
    if g >= 0.5 {
        b - d * (1.0 - g)
    } else {
        a + d * g
    }
}

/// The interval from bootstrap replicates, as `scipy.stats.bootstrap` computes
/// it: percentiles, or BCa with bias `z0` from the share of replicates below the
/// estimate and acceleration from `jackknife` values (required for BCa).
pub fn interval_from_replicates(
    estimate: f64,
    replicates: &[f64],
    jackknife: Option<&[f64]>,
    confidence: f64,
    method: CiMethod,
) -> Result<(f64, f64)> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(invalid(format!(
            "confidence must be in (0, 1), got {confidence}"
        )));
    }
    if replicates.is_empty() {
        return Err(MetricsError::Empty("no bootstrap replicates"));
    }
    let mut s = replicates.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let alpha = (1.0 - confidence) / 2.0;
    let (a1, a2) = match method {
        CiMethod::Percentile => (alpha, 1.0 - alpha),
        CiMethod::Bca => {
            let jk = jackknife.ok_or_else(|| invalid("BCa needs jackknife values"))?;
            let below = s.iter().filter(|&&x| x < estimate).count() as f64;
            let below_eq = s.iter().filter(|&&x| x <= estimate).count() as f64;
            let z0 = normal_ppf((below + below_eq) / 2.0 / s.len() as f64);
            let mean = jk.iter().sum::<f64>() / jk.len() as f64;
            let num: f64 = jk.iter().map(|&x| (mean - x).powi(3)).sum();
            let den = 6.0
                * jk.iter()
                    .map(|&x| (mean - x).powi(2))
                    .sum::<f64>()
                    .powf(1.5);
            let acc = num / den;
            let za = normal_ppf(alpha);
            let adj = |z: f64| {
                let t = z0 + z;
                normal_cdf(z0 + t / (1.0 - acc * t))
            };
            (adj(za), adj(-za))
        }
    };
    Ok((np_percentile(&s, a1 * 100.0), np_percentile(&s, a2 * 100.0)))
}

fn std_dev(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Bootstrap confidence interval of `statistic` over `n_rows` rows. The
/// statistic receives the row indices of a resample (with repetitions) and
/// may fail or return NaN on a resample (e.g. a single class), which is then
/// left out; more than half such resamples is an error.
pub fn bootstrap_ci<F>(n_rows: usize, statistic: F, opts: &BootstrapOptions) -> Result<Interval>
where
    F: Fn(&[usize]) -> Result<f64> + Sync,
{
    if n_rows == 0 {
        return Err(MetricsError::Empty("no rows to resample"));
    }
    if opts.n_resamples < 2 {
        return Err(invalid("n_resamples must be at least 2"));
    }
    let all: Vec<usize> = (0..n_rows).collect();
    let estimate = statistic(&all)?;
    let reps: Vec<f64> = replicates(n_rows, opts.n_resamples, opts.seed, |idx| {
        statistic(idx)
            .ok()
            .filter(|v| !v.is_nan())
            .unwrap_or(f64::NAN)
    });
    let good: Vec<f64> = reps.iter().copied().filter(|v| !v.is_nan()).collect();
    let n_invalid = reps.len() - good.len();
    if good.len() * 2 < reps.len() || good.len() < 2 {
        return Err(MetricsError::Undefined(format!(
            "the statistic is undefined on {n_invalid} of {} bootstrap resamples",
            reps.len()
        )));
    }
    let jk = match opts.method {
        CiMethod::Bca => {
            let f = |idx: &[usize]| statistic(idx).unwrap_or(f64::NAN);
            let v: Vec<f64> = jackknife(n_rows, &f)
                .into_iter()
                .filter(|x| !x.is_nan())
                .collect();
            Some(v)
        }
        CiMethod::Percentile => None,
    };
    let (low, high) =
        interval_from_replicates(estimate, &good, jk.as_deref(), opts.confidence, opts.method)?;
    Ok(Interval {
        estimate,
        low,
        high,
        std_error: std_dev(&good),
        confidence: opts.confidence,
        method: opts.method,
        n_resamples: good.len(),
        n_invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_uniform_enough_and_in_range() {
        let mut r = Rng::new(7, 3);
        let mut hist = [0usize; 7];
        for _ in 0..70_000 {
            let x = r.below(7) as usize;
            hist[x] += 1;
        }
        for h in hist {
            assert!((9_000..11_000).contains(&h), "{hist:?}");
        }
    }

    #[test]
    fn deterministic_across_thread_counts() {
        let data: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64).collect();
        let stat = |idx: &[usize]| Ok(idx.iter().map(|&i| data[i]).sum::<f64>() / idx.len() as f64);
        let opts = BootstrapOptions {
            n_resamples: 500,
            method: CiMethod::Bca,
            seed: 42,
            ..Default::default()
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let a = one
            .install(|| bootstrap_ci(data.len(), stat, &opts))
            .unwrap();
        let b = four
            .install(|| bootstrap_ci(data.len(), stat, &opts))
            .unwrap();
        assert_eq!(a, b);
        let c = bootstrap_ci(data.len(), stat, &BootstrapOptions { seed: 43, ..opts }).unwrap();
        assert_ne!(a.low, c.low);
    }

    #[test]
    fn mean_ci_covers_truth_at_about_the_nominal_rate() {
        // 200 datasets of 60 draws from a known distribution; the 90 % interval of
        // the mean should cover the true mean about 90 % of the time.
        let mut covered = 0;
        for rep in 0..200u64 {
            let mut g = Rng::new(1000 + rep, 0);
            let data: Vec<f64> = (0..60)
                .map(|_| (g.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
                .collect();
            let stat =
                |idx: &[usize]| Ok(idx.iter().map(|&i| data[i]).sum::<f64>() / idx.len() as f64);
            let o = BootstrapOptions {
                n_resamples: 400,
                confidence: 0.9,
                seed: rep,
                ..Default::default()
            };
            let ci = bootstrap_ci(data.len(), stat, &o).unwrap();
            if ci.low <= 0.5 && 0.5 <= ci.high {
                covered += 1;
            }
        }
        assert!((160..=195).contains(&covered), "covered {covered} of 200");
    }
}
