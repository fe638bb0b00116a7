//! Parameter importance from a study's completed trials.
//!
//! The measure is the correlation ratio η² of each parameter: the share of the objective's
//! variance explained by the parameter alone, with numeric parameters cut into (up to) ten
//! quantile bins and categorical ones grouped by choice. It is a one-way (marginal) analysis —
//! cheap and easy to read, but unlike fANOVA it does not separate interactions. The values are
//! normalised to sum to 1 over the parameters.

use crate::space::{Distribution, SearchSpace};
use crate::trial::{FrozenTrial, TrialState};

/// One parameter's importance.
#[derive(Clone, Debug, PartialEq)]
pub struct Importance {
    /// Parameter name.
    pub name: String,
    /// Normalised importance in [0, 1] (all parameters sum to 1, unless none explains anything).
    pub importance: f64,
    /// The raw correlation ratio η² before normalisation.
    pub eta_squared: f64,
    /// Completed trials in which the parameter was active.
    pub n_trials: usize,
}

/// η² of values `y` grouped by `groups` (group id per value).
fn eta_squared(y: &[f64], groups: &[usize]) -> f64 {
    let n = y.len();
    if n < 2 {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let ng = groups.iter().copied().max().unwrap_or(0) + 1;
    let mut sum = vec![0.0; ng];
    let mut cnt = vec![0usize; ng];
    for (&v, &g) in y.iter().zip(groups) {
        sum[g] += v;
        cnt[g] += 1;
    }
    let between: f64 = (0..ng)
        .filter(|&g| cnt[g] > 0)
        .map(|g| cnt[g] as f64 * (sum[g] / cnt[g] as f64 - mean).powi(2))
        .sum();
    (between / total).clamp(0.0, 1.0)
}

/// Importance of every parameter for objective `objective` (0 for single-objective studies),
/// from the COMPLETE trials, most important first. `trials` must have decoded parameters.
pub fn param_importances(
    space: &SearchSpace,
    trials: &[FrozenTrial],
    objective: usize,
) -> Vec<Importance> {
    let complete: Vec<&FrozenTrial> = trials
        .iter()
        .filter(|t| {
            t.state == TrialState::Complete
                && t.params.len() == space.len()
                && t.values
                    .as_ref()
                    .and_then(|v| v.get(objective))
                    .is_some_and(|v| v.is_finite())
        })
        .collect();
    let mut out: Vec<Importance> = space
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let rows: Vec<(f64, f64)> = complete
                .iter()
                .filter(|t| !t.params[i].is_nan())
                .map(|t| {
                    let y = t.values.as_ref().map_or(f64::NAN, |v| v[objective]);
                    (t.params[i], y)
                })
                .collect();
            let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let groups: Vec<usize> = match &p.dist {
                Distribution::Categorical { .. } => rows.iter().map(|r| r.0 as usize).collect(),
                _ => {
                    // Quantile bins by rank: up to 10 bins, equal values share a bin.
                    let mut order: Vec<usize> = (0..rows.len()).collect();
                    order.sort_by(|&a, &b| rows[a].0.total_cmp(&rows[b].0));
                    let bins = 10.min(rows.len().max(1));
                    let mut g = vec![0usize; rows.len()];
                    let mut bin = 0;
                    for (r, &i) in order.iter().enumerate() {
                        let want = r * bins / rows.len().max(1);
                        if r > 0 && rows[i].0 != rows[order[r - 1]].0 {
                            bin = want;
                        }
                        g[i] = bin;
                    }
                    g
                }
            };
            Importance {
                name: p.name.clone(),
                importance: 0.0,
                eta_squared: if p.dist.single() {
                    0.0
                } else {
                    eta_squared(&y, &groups)
                },
                n_trials: rows.len(),
            }
        })
        .collect();
    let total: f64 = out.iter().map(|i| i.eta_squared).sum();
    for i in &mut out {
        i.importance = if total > 0.0 {
            i.eta_squared / total
        } else {
            0.0
        };
    }
    out.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_squared_known_value() {
        // Groups {1, 3} and {5, 7}: total SS = 20, between = 2·(2-4)² + 2·(6-4)² = 16 → 0.8.
        assert!((eta_squared(&[1.0, 3.0, 5.0, 7.0], &[0, 0, 1, 1]) - 0.8).abs() < 1e-12);
        assert_eq!(eta_squared(&[2.0, 2.0], &[0, 1]), 0.0);
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
