//! Parameter importance from a study's completed trials.
//!
//! Each parameter's first-order effect size ω² = (SS_between − (k − 1)·MS_within) /
//! (SS_total + MS_within), clipped at 0, of the rank-transformed objective grouped by the
//! parameter's value: categories for categorical parameters, up to [`IMPORTANCE_BINS`]
//! equal-frequency bins of the values for numeric ones, and one group of the trials where
//! the parameter was inactive. The values are normalised to sum to 1 over the parameters.
//!
//! Ranks keep one diverged trial from dominating. ω² rather than the plain correlation ratio
//! η² = SS_between / SS_total keeps a parameter with many groups, or one active in only a
//! few trials, from looking important by chance (η² of pure noise is about (k − 1)/(n − 1)).
//! It is a one-way (marginal) analysis: cheap and easy to read, but unlike fANOVA it does
//! not separate interactions. `oracle/gen_importances.py` computes the same estimator
//! independently with numpy/scipy for the golden tests.

use crate::space::{Distribution, SearchSpace};
use crate::trial::{FrozenTrial, TrialState};

/// At most this many equal-frequency bins per numeric parameter.
pub const IMPORTANCE_BINS: usize = 4;

/// One parameter's importance.
#[derive(Clone, Debug, PartialEq)]
pub struct Importance {
    /// Parameter name.
    pub name: String,
    /// Normalised importance in [0, 1] (all parameters sum to 1, unless none explains anything).
    pub importance: f64,
    /// The effect size ω² before normalisation.
    pub omega_squared: f64,
    /// Completed trials in which the parameter was active.
    pub n_trials: usize,
}

/// Importance of every parameter for objective `objective` (0 for single-objective studies),
/// from the COMPLETE trials with a finite value, most important first (ties in space order).
/// A parameter with a single possible value gets 0, even when whether it is active follows
/// another parameter (that one gets the credit). Empty with fewer than 3 such trials or no
/// variation in the objective. `trials` must have decoded parameters.
pub fn param_importances(
    space: &SearchSpace,
    trials: &[FrozenTrial],
    objective: usize,
) -> Vec<Importance> {
    let rows: Vec<(&FrozenTrial, f64)> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.params.len() == space.len())
        .filter_map(|t| {
            let v = *t.values.as_ref()?.get(objective)?;
            v.is_finite().then_some((t, v))
        })
        .collect();
    let n = rows.len();
    if n < 3 {
        return Vec::new();
    }
    let y = ranks(&rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let mean = y.iter().sum::<f64>() / n as f64;
    let sst: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if sst <= 0.0 {
        return Vec::new();
    }
    let mut out: Vec<Importance> = space
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x: Vec<f64> = rows.iter().map(|r| r.0.params[i]).collect();
            let groups = group_of(&p.dist, &x);
            let k = groups.iter().copied().max().map_or(0, |g| g + 1);
            let mut sums = vec![(0.0, 0usize); k];
            for (&g, v) in groups.iter().zip(&y) {
                sums[g].0 += v;
                sums[g].1 += 1;
            }
            let k = sums.iter().filter(|s| s.1 > 0).count();
            let ssb: f64 = sums
                .iter()
                .filter(|s| s.1 > 0)
                .map(|(s, c)| *c as f64 * (s / *c as f64 - mean).powi(2))
                .sum();
            let omega_squared = if k < 2 || n <= k || p.dist.single() {
                0.0
            } else {
                let msw = (sst - ssb).max(0.0) / (n - k) as f64;
                ((ssb - (k - 1) as f64 * msw) / (sst + msw)).max(0.0)
            };
            Importance {
                name: p.name.clone(),
                importance: 0.0,
                omega_squared,
                n_trials: x.iter().filter(|v| !v.is_nan()).count(),
            }
        })
        .collect();
    let total: f64 = out.iter().map(|i| i.omega_squared).sum();
    for i in &mut out {
        i.importance = if total > 0.0 {
            i.omega_squared / total
        } else {
            0.0
        };
    }
    // Stable sort: ties keep space order.
    out.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    out
}

/// Average ranks (1-based, ties share their mean rank), as `scipy.stats.rankdata`.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// The group of every value: inactive (NaN) → 0; categories → 1 + index; numbers → 1 +
/// their equal-frequency bin among the active values (by average rank, so ties share a bin).
fn group_of(dist: &Distribution, x: &[f64]) -> Vec<usize> {
    if dist.is_categorical() {
        return x
            .iter()
            .map(|v| if v.is_nan() { 0 } else { 1 + *v as usize })
            .collect();
    }
    let active: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    let mut groups = vec![0; x.len()];
    if active.is_empty() {
        return groups;
    }
    let mut distinct: Vec<f64> = active.iter().map(|&i| x[i]).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let bins = IMPORTANCE_BINS.min(distinct.len()).max(1);
    let r = ranks(&active.iter().map(|&i| x[i]).collect::<Vec<_>>());
    let m = active.len() as f64;
    for (j, &i) in active.iter().enumerate() {
        let b = (((r[j] - 1.0) / m) * bins as f64).floor() as usize;
        groups[i] = 1 + b.min(bins - 1);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_match_scipy_rankdata() {
        // scipy.stats.rankdata([3, 1, 4, 1, 5]) = [3, 1.5, 4, 1.5, 5]
        assert_eq!(
            ranks(&[3.0, 1.0, 4.0, 1.0, 5.0]),
            vec![3.0, 1.5, 4.0, 1.5, 5.0]
        );
    }

    #[test]
    fn the_parameter_that_matters_ranks_first() {
        let space = SearchSpace::builder()
            .float("x", -1.0, 1.0)
            .float("noise", 0.0, 1.0)
            .categorical("c", ["a", "b"])
            .build()
            .unwrap();
        let mut s = 7u64;
        let mut rnd = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let trials: Vec<FrozenTrial> = (0..300)
            .map(|n| {
                let x = [rnd() * 2.0 - 1.0, rnd(), (rnd() * 2.0).floor()];
                let v = 5.0 * x[0] * x[0] + 0.5 * x[2];
                FrozenTrial {
                    id: n,
                    number: n as u64,
                    state: TrialState::Complete,
                    params_json: String::new(),
                    params: x.to_vec(),
                    values: Some(vec![v]),
                    intermediate: vec![],
                    system_attrs: Default::default(),
                    started: None,
                    finished: None,
                    heartbeat: None,
                    worker: String::new(),
                }
            })
            .collect();
        let imp = param_importances(&space, &trials, 0);
        assert_eq!(imp[0].name, "x");
        assert_eq!(imp[1].name, "c");
        assert_eq!(imp[2].name, "noise");
        assert!(imp[0].importance > 0.7, "{imp:?}");
        assert!(imp[2].importance < 0.1, "{imp:?}");
        let sum: f64 = imp.iter().map(|i| i.importance).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }
}
