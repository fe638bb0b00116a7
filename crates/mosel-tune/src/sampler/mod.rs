//! Samplers propose the parameters of the next trial from the study's history.
//!
//! The history is kept in flat, column-friendly arrays (one `f64` per parameter per trial,
//! rows sorted by trial number) so that proposing a trial does not re-read or re-parse
//! anything. Every sampler is seeded; the random stream of trial `n` depends only on the seed
//! and `n`, so a study is reproducible trial by trial.

mod fastmath;
mod tpe;

use std::collections::HashSet;
use std::sync::Mutex;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use tpe::{TpeConfig, TpeSampler};

use crate::error::{Result, TuneError};
use crate::space::{Distribution, SearchSpace};
use crate::trial::{Direction, FrozenTrial, TrialState};

/// The finished and running trials a sampler may learn from, in flat arrays.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Parameters per trial.
    pub n_params: usize,
    /// Objectives per trial.
    pub n_objectives: usize,
    /// Trial numbers of COMPLETE and PRUNED trials, ascending.
    pub numbers: Vec<u64>,
    /// State of each row (COMPLETE or PRUNED).
    pub states: Vec<TrialState>,
    /// Row-major parameters (internal representation, NaN = inactive).
    pub params: Vec<f64>,
    /// Row-major objective values (NaN for pruned trials).
    pub values: Vec<f64>,
    /// Last intermediate `(step, value)` of each row.
    pub last_step: Vec<Option<(i64, f64)>>,
    /// Numbers of RUNNING trials (for the constant-liar strategy), ascending.
    pub running_numbers: Vec<u64>,
    /// Row-major parameters of RUNNING trials.
    pub running_params: Vec<f64>,
    /// Encodings of the parameters of every trial that is not FAIL (for the grid sampler).
    pub used: HashSet<String>,
}

impl History {
    /// An empty history for a space of `n_params` parameters and `n_objectives` objectives.
    pub fn new(n_params: usize, n_objectives: usize) -> Self {
        History {
            n_params,
            n_objectives,
            ..Default::default()
        }
    }

    /// Number of COMPLETE + PRUNED rows.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// True when no trial has finished.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// Parameters of row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.params[i * self.n_params..(i + 1) * self.n_params]
    }

    /// Objective values of row `i`.
    pub fn values_of(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_objectives..(i + 1) * self.n_objectives]
    }

    /// Parameters of running trial `j`.
    pub fn running_row(&self, j: usize) -> &[f64] {
        &self.running_params[j * self.n_params..(j + 1) * self.n_params]
    }

    /// Adds a finished trial (its `params` must be decoded). FAIL trials are ignored.
    pub fn push_finished(&mut self, t: &FrozenTrial) {
        if !matches!(t.state, TrialState::Complete | TrialState::Pruned)
            || t.params.len() != self.n_params
        {
            return;
        }
        self.used.insert(t.params_json.clone());
        let pos = self.numbers.partition_point(|&n| n < t.number);
        self.numbers.insert(pos, t.number);
        self.states.insert(pos, t.state);
        let p = pos * self.n_params;
        self.params.splice(p..p, t.params.iter().copied());
        let vals: Vec<f64> = match (&t.values, t.state) {
            (Some(v), TrialState::Complete) if v.len() == self.n_objectives => v.clone(),
            _ => vec![f64::NAN; self.n_objectives],
        };
        let q = pos * self.n_objectives;
        self.values.splice(q..q, vals);
        self.last_step.insert(pos, t.last_intermediate());
    }

    /// Replaces the set of running (and waiting) trials.
    pub fn set_running(&mut self, running: &[FrozenTrial]) {
        self.running_numbers.clear();
        self.running_params.clear();
        let mut rs: Vec<&FrozenTrial> = running
            .iter()
            .filter(|t| t.params.len() == self.n_params)
            .collect();
        rs.sort_by_key(|t| t.number);
        for t in rs {
            self.used.insert(t.params_json.clone());
            if t.state == TrialState::Running {
                self.running_numbers.push(t.number);
                self.running_params.extend_from_slice(&t.params);
            }
        }
    }
}

/// What a sampler sees when asked for the next trial.
pub struct SampleContext<'a> {
    /// The search space.
    pub space: &'a SearchSpace,
    /// Objective directions.
    pub directions: &'a [Direction],
    /// Finished and running trials.
    pub history: &'a History,
    /// Number of the trial being sampled.
    pub trial_number: u64,
}

/// Proposes parameters (internal representation, NaN = inactive) for a new trial.
pub trait Sampler: Send + Sync {
    /// Samples every active parameter of the space for trial `ctx.trial_number`.
    fn sample(&self, ctx: &SampleContext<'_>) -> Result<Vec<f64>>;
    /// A short description, e.g. `tpe(seed=1)`.
    fn describe(&self) -> String;
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of trial `number` under `seed`.
pub(crate) fn trial_rng(seed: u64, number: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(number.wrapping_add(0x5EED))))
}

/// Draws one value of `dist` from its prior (uniform in the transformed space).
pub(crate) fn sample_prior(dist: &Distribution, rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random();
    match dist {
        Distribution::Float {
            low,
            high,
            log,
            step,
        } => {
            if low == high {
                return *low;
            }
            match (log, step) {
                (true, _) => {
                    let (a, b) = (low.ln(), high.ln());
                    (a + u * (b - a)).exp().clamp(*low, *high)
                }
                (false, Some(s)) => {
                    let (a, b) = (low - s / 2.0, high + s / 2.0);
                    let v = a + u * (b - a);
                    (low + ((v - low) / s).round() * s).clamp(*low, *high)
                }
                (false, None) => (low + u * (high - low)).clamp(*low, *high),
            }
        }
        Distribution::Int {
            low,
            high,
            step,
            log,
        } => {
            let (lo, hi, st) = (*low as f64, *high as f64, *step as f64);
            let v = if *log {
                let (a, b) = ((lo - 0.5).ln(), (hi + 0.5).ln());
                (a + u * (b - a)).exp()
            } else {
                let (a, b) = (lo - st / 2.0, hi + st / 2.0);
                a + u * (b - a)
            };
            (lo + ((v - lo) / st).round() * st).clamp(lo, hi)
        }
        Distribution::Categorical { choices } => {
            ((u * choices.len() as f64) as usize).min(choices.len() - 1) as f64
        }
    }
}

/// Samples every active parameter from its prior.
pub(crate) fn sample_all_prior(space: &SearchSpace, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut x = vec![f64::NAN; space.len()];
    for (i, p) in space.params().iter().enumerate() {
        if space.is_active(&x, i) {
            x[i] = sample_prior(&p.dist, rng);
        }
    }
    x
}

/// Independent uniform sampling (log-uniform for log parameters).
#[derive(Clone, Debug)]
pub struct RandomSampler {
    seed: u64,
}

impl RandomSampler {
    /// A random sampler with the given seed.
    pub fn new(seed: u64) -> Self {
        RandomSampler { seed }
    }
}

impl Sampler for RandomSampler {
    fn sample(&self, ctx: &SampleContext<'_>) -> Result<Vec<f64>> {
        let mut rng = trial_rng(self.seed, ctx.trial_number);
        Ok(sample_all_prior(ctx.space, &mut rng))
    }

    fn describe(&self) -> String {
        format!("random(seed={})", self.seed)
    }
}

/// A grid point and its encoding.
type GridPoint = (Vec<f64>, String);

/// Exhaustive search over the grid of every parameter (categoricals: all choices; ints: all
/// steps; floats: `step` or an explicit `grid`). Each trial takes a random not-yet-used point;
/// when all are used, asking fails with [`TuneError::GridExhausted`].
#[derive(Debug)]
pub struct GridSampler {
    seed: u64,
    points: Mutex<Option<Vec<GridPoint>>>,
}

impl GridSampler {
    /// A grid sampler; `seed` chooses the visiting order.
    pub fn new(seed: u64) -> Self {
        GridSampler {
            seed,
            points: Mutex::new(None),
        }
    }

    /// Every configuration of the space's grid (conditional parameters expanded only where
    /// active).
    pub fn configurations(space: &SearchSpace) -> Result<Vec<Vec<f64>>> {
        let grids: Vec<Vec<f64>> = (0..space.len())
            .map(|i| space.grid_points(i))
            .collect::<Result<_>>()?;
        let mut out = Vec::new();
        let mut x = vec![f64::NAN; space.len()];
        fn rec(
            i: usize,
            x: &mut Vec<f64>,
            space: &SearchSpace,
            grids: &[Vec<f64>],
            out: &mut Vec<Vec<f64>>,
        ) -> Result<()> {
            if i == x.len() {
                if out.len() >= 1_000_000 {
                    return Err(TuneError::Invalid(
                        "grid has more than 1,000,000 points".into(),
                    ));
                }
                out.push(x.clone());
                return Ok(());
            }
            if space.is_active(x, i) {
                for &g in &grids[i] {
                    x[i] = g;
                    rec(i + 1, x, space, grids, out)?;
                }
                x[i] = f64::NAN;
                Ok(())
            } else {
                rec(i + 1, x, space, grids, out)
            }
        }
        rec(0, &mut x, space, &grids, &mut out)?;
        Ok(out)
    }

    /// Number of grid points of a space.
    pub fn grid_size(space: &SearchSpace) -> Result<usize> {
        Ok(Self::configurations(space)?.len())
    }
}

impl Sampler for GridSampler {
    fn sample(&self, ctx: &SampleContext<'_>) -> Result<Vec<f64>> {
        let mut guard = self
            .points
            .lock()
            .map_err(|_| TuneError::Invalid("grid sampler lock poisoned".into()))?;
        if guard.is_none() {
            let configs = Self::configurations(ctx.space)?;
            *guard = Some(
                configs
                    .into_iter()
                    .map(|c| {
                        let e = ctx.space.encode(&c);
                        (c, e)
                    })
                    .collect(),
            );
        }
        let points = guard.as_ref().expect("grid computed above");
        let unused: Vec<usize> = (0..points.len())
            .filter(|&i| !ctx.history.used.contains(&points[i].1))
            .collect();
        if unused.is_empty() {
            return Err(TuneError::GridExhausted);
        }
        let mut rng = trial_rng(self.seed, ctx.trial_number);
        let k = rng.random_range(0..unused.len());
        Ok(points[unused[k]].0.clone())
    }

    fn describe(&self) -> String {
        format!("grid(seed={})", self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> SearchSpace {
        SearchSpace::from_toml(
            r#"
[m]
type = "categorical"
choices = ["a", "b"]
[x]
type = "float"
low = 1e-3
high = 10.0
log = true
[k]
type = "int"
low = 2
high = 8
step = 2
when = { m = "b" }
[q]
type = "float"
low = -1.0
high = 1.0
step = 0.5
"#,
        )
        .unwrap()
    }

    #[test]
    fn random_respects_bounds_conditions_and_seed() {
        let s = space();
        let h = History::new(s.len(), 1);
        let r = RandomSampler::new(7);
        let mut saw_b = 0;
        let mut logs = Vec::new();
        for n in 0..2000 {
            let ctx = SampleContext {
                space: &s,
                directions: &[Direction::Minimize],
                history: &h,
                trial_number: n,
            };
            let x = r.sample(&ctx).unwrap();
            assert_eq!(
                s.encode(&x),
                s.encode(&r.sample(&ctx).unwrap()),
                "same seed+number, same point"
            );
            for i in 0..s.len() {
                if s.is_active(&x, i) {
                    assert!(s.params()[i].dist.contains(x[i]), "{i} {x:?}");
                } else {
                    assert!(x[i].is_nan());
                }
            }
            if x[0] == 1.0 {
                saw_b += 1;
            }
            logs.push(x[1].log10());
        }
        assert!((900..1100).contains(&saw_b), "{saw_b}");
        // log-uniform on [1e-3, 10]: a quarter of the mass per decade.
        let below_0_01 = logs.iter().filter(|&&l| l < -2.0).count();
        assert!((420..580).contains(&below_0_01), "{below_0_01}");
        let below_0_1 = logs.iter().filter(|&&l| l < -1.0).count();
        assert!((920..1080).contains(&below_0_1), "{below_0_1}");
    }

    #[test]
    fn grid_enumerates_conditional_configurations() {
        let s = space();
        let s = SearchSpace::from_toml(
            &s.to_toml()
                .replace("log = true\n", "log = true\ngrid = [0.01, 1.0]\n"),
        )
        .unwrap();
        // m=a: 2 (x) * 5 (q) = 10; m=b: 2 * 4 (k) * 5 = 40.
        assert_eq!(GridSampler::grid_size(&s).unwrap(), 50);
        let g = GridSampler::new(0);
        let mut h = History::new(s.len(), 1);
        let mut seen = HashSet::new();
        for n in 0..50 {
            let x = g
                .sample(&SampleContext {
                    space: &s,
                    directions: &[Direction::Minimize],
                    history: &h,
                    trial_number: n,
                })
                .unwrap();
            let e = s.encode(&x);
            assert!(seen.insert(e.clone()));
            h.used.insert(e);
        }
        let r = g.sample(&SampleContext {
            space: &s,
            directions: &[Direction::Minimize],
            history: &h,
            trial_number: 50,
        });
        assert!(matches!(r, Err(TuneError::GridExhausted)));
    }
}
