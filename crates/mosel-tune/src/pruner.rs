//! Pruners decide from intermediate values (e.g. per-epoch validation scores) whether a
//! running trial is hopeless and should stop early.

use std::collections::HashMap;

use crate::trial::Direction;

/// What the study knows that pruners use; maintained incrementally by the study.
#[derive(Clone, Debug, Default)]
pub struct PruneStats {
    /// Number of COMPLETE trials.
    pub n_complete: usize,
    /// Intermediate values of COMPLETE trials at each step.
    pub step_values: HashMap<i64, Vec<f64>>,
    /// Largest last step among COMPLETE trials.
    pub max_complete_last_step: Option<i64>,
    /// Values recorded at each ASHA rung by finished trials.
    pub rung_values: Vec<Vec<f64>>,
    /// `(trial id, rung, value)` recorded by trials still running.
    pub running_rungs: Vec<(i64, usize, f64)>,
}

/// The system attribute key under which ASHA records a trial's value at rung `r`.
pub fn rung_key(r: usize) -> String {
    format!("completed_rung_{r}")
}

/// What a pruner sees when a trial reports a value.
pub struct PruneContext<'a> {
    /// Study direction (pruning is single-objective).
    pub direction: Direction,
    /// Storage id of the reporting trial.
    pub trial_id: i64,
    /// The step just reported.
    pub step: i64,
    /// The value just reported.
    pub value: f64,
    /// All `(step, value)` reported by this trial so far, including this one.
    pub intermediate: &'a [(i64, f64)],
    /// Rungs this trial has already passed.
    pub trial_rungs: usize,
    /// Study-wide statistics.
    pub stats: &'a PruneStats,
}

/// A pruner's verdict.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneVerdict {
    /// Stop the trial.
    pub prune: bool,
    /// Rung values to record for this trial (ASHA), as `(rung, value)`.
    pub record_rungs: Vec<(usize, f64)>,
}

/// Decides whether to stop a trial early.
pub trait Pruner: Send + Sync {
    /// The verdict for the value just reported.
    fn prune(&self, ctx: &PruneContext<'_>) -> PruneVerdict;
    /// A short description.
    fn describe(&self) -> String;
}

/// numpy's `percentile` with linear interpolation, ignoring NaN; NaN if nothing remains.
pub fn nanpercentile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let f = pos - lo as f64;
    v[lo] + (v[hi] - v[lo]) * f
}

/// Optuna's `MedianPruner`: prune when the trial's best intermediate value so far is worse
/// than the median of the COMPLETE trials' values at the same step.
#[derive(Clone, Debug, PartialEq)]
pub struct MedianPruner {
    /// No pruning until this many trials are COMPLETE (default 5).
    pub n_startup_trials: usize,
    /// No pruning before this step (default 0).
    pub n_warmup_steps: i64,
    /// Minimum number of COMPLETE trials that reported at the step (default 1).
    pub n_min_trials: usize,
}

impl Default for MedianPruner {
    fn default() -> Self {
        MedianPruner {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            n_min_trials: 1,
        }
    }
}

impl Pruner for MedianPruner {
    fn prune(&self, ctx: &PruneContext<'_>) -> PruneVerdict {
        let no = PruneVerdict::default();
        let s = ctx.stats;
        if s.n_complete == 0 || s.n_complete < self.n_startup_trials {
            return no;
        }
        if ctx.step < self.n_warmup_steps {
            return no;
        }
        let vals = ctx
            .intermediate
            .iter()
            .map(|&(_, v)| v)
            .filter(|v| !v.is_nan());
        let best = match ctx.direction {
            Direction::Minimize => vals.fold(f64::NAN, f64::min),
            Direction::Maximize => vals.fold(f64::NAN, f64::max),
        };
        if best.is_nan() {
            return PruneVerdict {
                prune: true,
                record_rungs: vec![],
            };
        }
        let others = match s.step_values.get(&ctx.step) {
            Some(v) if v.len() >= self.n_min_trials.max(1) => v,
            _ => return no,
        };
        let p = nanpercentile(others, 50.0);
        if p.is_nan() {
            return no;
        }
        PruneVerdict {
            prune: match ctx.direction {
                Direction::Minimize => best > p,
                Direction::Maximize => best < p,
            },
            record_rungs: vec![],
        }
    }

    fn describe(&self) -> String {
        format!(
            "median(n_startup_trials={}, n_warmup_steps={})",
            self.n_startup_trials, self.n_warmup_steps
        )
    }
}

/// Asynchronous successive halving (ASHA, as Optuna's `SuccessiveHalvingPruner`): rung `r`
/// sits at step `min_resource * reduction_factor^(min_early_stopping_rate + r)`; a trial
/// reaching a rung continues only if its value is in the top `1 / reduction_factor` of the
/// values every trial recorded at that rung.
#[derive(Clone, Debug, PartialEq)]
pub struct AshaPruner {
    /// Steps of the first rung; `None` = estimated as max(last step of completed trials / 100, 1).
    pub min_resource: Option<i64>,
    /// Keep the best 1/reduction_factor at each rung (default 4).
    pub reduction_factor: i64,
    /// Shifts the rungs (default 0).
    pub min_early_stopping_rate: u32,
}

impl Default for AshaPruner {
    fn default() -> Self {
        AshaPruner {
            min_resource: None,
            reduction_factor: 4,
            min_early_stopping_rate: 0,
        }
    }
}

impl Pruner for AshaPruner {
    fn prune(&self, ctx: &PruneContext<'_>) -> PruneVerdict {
        let mut verdict = PruneVerdict::default();
        let min_resource = match self.min_resource {
            Some(m) => m.max(1),
            None => match ctx.stats.max_complete_last_step {
                Some(last) => (last / 100).max(1),
                None => return verdict,
            },
        };
        let rf = self.reduction_factor.max(2);
        let mut rung = ctx.trial_rungs;
        loop {
            let exp = self.min_early_stopping_rate as u64 + rung as u64;
            let promotion_step = (rf as f64).powi(exp as i32) * min_resource as f64;
            if (ctx.step as f64) < promotion_step {
                return verdict;
            }
            if ctx.value.is_nan() {
                verdict.prune = true;
                return verdict;
            }
            verdict.record_rungs.push((rung, ctx.value));
            let mut competing: Vec<f64> =
                ctx.stats.rung_values.get(rung).cloned().unwrap_or_default();
            competing.extend(
                ctx.stats
                    .running_rungs
                    .iter()
                    .filter(|(id, r, _)| *id != ctx.trial_id && *r == rung)
                    .map(|&(_, _, v)| v),
            );
            competing.push(ctx.value);
            let mut idx = (competing.len() as i64 / rf) - 1;
            if idx < 0 {
                idx = 0;
            }
            match ctx.direction {
                Direction::Minimize => competing.sort_by(|a, b| a.total_cmp(b)),
                Direction::Maximize => competing.sort_by(|a, b| b.total_cmp(a)),
            }
            let threshold = competing[idx as usize];
            let promotable = match ctx.direction {
                Direction::Minimize => ctx.value <= threshold,
                Direction::Maximize => ctx.value >= threshold,
            };
            if !promotable {
                verdict.prune = true;
                return verdict;
            }
            rung += 1;
        }
    }

    fn describe(&self) -> String {
        format!(
            "asha(min_resource={}, reduction_factor={}, min_early_stopping_rate={})",
            self.min_resource
                .map_or("auto".to_string(), |m| m.to_string()),
            self.reduction_factor,
            self.min_early_stopping_rate
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        step: i64,
        value: f64,
        inter: &'a [(i64, f64)],
        stats: &'a PruneStats,
        dir: Direction,
        rungs: usize,
    ) -> PruneContext<'a> {
        PruneContext {
            direction: dir,
            trial_id: 99,
            step,
            value,
            intermediate: inter,
            trial_rungs: rungs,
            stats,
        }
    }

    #[test]
    fn percentile_matches_numpy() {
        // numpy.nanpercentile([3, 1, nan, 4, 2], 50) = 2.5; q=25 → 1.75.
        let v = [3.0, 1.0, f64::NAN, 4.0, 2.0];
        assert_eq!(nanpercentile(&v, 50.0), 2.5);
        assert_eq!(nanpercentile(&v, 25.0), 1.75);
        assert!(nanpercentile(&[f64::NAN], 50.0).is_nan());
    }

    #[test]
    fn median_pruner_rules() {
        let mut stats = PruneStats {
            n_complete: 5,
            ..Default::default()
        };
        stats.step_values.insert(3, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        let p = MedianPruner::default();
        let inter = [(0, 9.0), (3, 3.5)];
        // best so far 3.5 > median 3 → prune (minimise).
        assert!(
            p.prune(&ctx(3, 3.5, &inter, &stats, Direction::Minimize, 0))
                .prune
        );
        let inter2 = [(0, 2.9), (3, 3.5)];
        // best so far 2.9 < 3 → keep.
        assert!(
            !p.prune(&ctx(3, 3.5, &inter2, &stats, Direction::Minimize, 0))
                .prune
        );
        // maximise: best 3.5 > 3 → keep.
        assert!(
            !p.prune(&ctx(3, 3.5, &inter, &stats, Direction::Maximize, 0))
                .prune
        );
        // Not enough completed trials.
        stats.n_complete = 4;
        assert!(
            !p.prune(&ctx(3, 3.5, &inter, &stats, Direction::Minimize, 0))
                .prune
        );
        stats.n_complete = 5;
        // Warm-up.
        let p = MedianPruner {
            n_warmup_steps: 4,
            ..Default::default()
        };
        assert!(
            !p.prune(&ctx(3, 3.5, &inter, &stats, Direction::Minimize, 0))
                .prune
        );
        // No values at that step → keep.
        let p = MedianPruner::default();
        let inter3 = [(7, 100.0)];
        assert!(
            !p.prune(&ctx(7, 100.0, &inter3, &stats, Direction::Minimize, 0))
                .prune
        );
    }

    #[test]
    fn asha_promotes_top_fraction() {
        let p = AshaPruner {
            min_resource: Some(1),
            reduction_factor: 2,
            min_early_stopping_rate: 0,
        };
        let stats = PruneStats {
            rung_values: vec![vec![1.0, 2.0, 3.0]],
            ..Default::default()
        };
        // Step 0 < rung 0 at step 1: nothing.
        let v = p.prune(&ctx(0, 10.0, &[], &stats, Direction::Minimize, 0));
        assert_eq!(v, PruneVerdict::default());
        // Step 1, value 1.5: competing [1, 1.5, 2, 3], idx 4/2-1 = 1 → threshold 1.5 → promote,
        // then rung 1 at step 2 > 1 → stop looping.
        let v = p.prune(&ctx(1, 1.5, &[], &stats, Direction::Minimize, 0));
        assert!(!v.prune);
        assert_eq!(v.record_rungs, vec![(0, 1.5)]);
        // Value 2.5 → threshold 1.5 → prune (still recorded).
        let v = p.prune(&ctx(1, 2.5, &[], &stats, Direction::Minimize, 0));
        assert!(v.prune);
        assert_eq!(v.record_rungs, vec![(0, 2.5)]);
        // Maximise: 2.5 among [3, 2.5, 2, 1] → threshold 2.5 → promote.
        let v = p.prune(&ctx(1, 2.5, &[], &stats, Direction::Maximize, 0));
        assert!(!v.prune);
        // Running trials' rung values count, but not the trial's own.
        let stats = PruneStats {
            running_rungs: vec![(1, 0, 0.5), (2, 0, 0.7), (99, 0, 0.1)],
            ..Default::default()
        };
        let v = p.prune(&ctx(1, 0.9, &[], &stats, Direction::Minimize, 0));
        // competing [0.5, 0.7, 0.9] → idx 0 → 0.5 → prune.
        assert!(v.prune);
        // Auto min_resource waits for a completed trial.
        let auto = AshaPruner::default();
        assert!(
            !auto
                .prune(&ctx(
                    50,
                    9.0,
                    &[],
                    &PruneStats::default(),
                    Direction::Minimize,
                    0
                ))
                .prune
        );
    }
}
