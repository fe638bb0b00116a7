//! Studies: ask / tell, `optimize`, best trial and Pareto front, over any [`Storage`].
//!
//! ```
//! use std::sync::Arc;
//! use mosel_tune::prelude::*;
//!
//! let space = SearchSpace::builder().float("x", -10.0, 10.0).build().unwrap();
//! let study = Study::builder("quadratic", space)
//!     .storage(Arc::new(MemoryStorage::new()))
//!     .sampler(Box::new(TpeSampler::with_seed(1)))
//!     .build()
//!     .unwrap();
//! study
//!     .optimize(&OptimizeOptions::trials(60), |t: &mut Trial| {
//!         let x = t.float("x")?;
//!         Ok((x - 2.0).powi(2))
//!     })
//!     .unwrap();
//! let best = study.best_trial().unwrap();
//! assert!(best.value().unwrap() < 0.1);
//! ```

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Result, TuneError};
use crate::pareto;
use crate::pruner::{PruneContext, PruneStats, Pruner, rung_key};
use crate::sampler::{History, RandomSampler, SampleContext, Sampler};
use crate::space::{Choice, ParamValue, SearchSpace};
use crate::storage::{MemoryStorage, Storage, StudyRecord};
use crate::trial::{Direction, FrozenTrial, TrialState, directions_to_string};

/// How a trial ended, as told to [`Study::tell`].
#[derive(Clone, Debug, PartialEq)]
pub enum TrialOutcome {
    /// Finished with one value per objective.
    Complete(Vec<f64>),
    /// Stopped by the pruner (its last intermediate value becomes its value).
    Pruned,
    /// The objective failed.
    Failed(String),
}

/// Error an objective returns to stop a trial.
#[derive(Clone, Debug, PartialEq)]
pub enum TrialError {
    /// The trial was pruned (after [`Trial::report`] said so).
    Pruned,
    /// The trial failed.
    Failed(String),
}

impl std::fmt::Display for TrialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrialError::Pruned => f.write_str("pruned"),
            TrialError::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

impl std::error::Error for TrialError {}

impl From<TuneError> for TrialError {
    fn from(e: TuneError) -> Self {
        TrialError::Failed(e.to_string())
    }
}
impl From<String> for TrialError {
    fn from(e: String) -> Self {
        TrialError::Failed(e)
    }
}
impl From<&str> for TrialError {
    fn from(e: &str) -> Self {
        TrialError::Failed(e.to_string())
    }
}

/// Objective results convertible to one value per objective.
pub trait IntoValues {
    /// The values.
    fn into_values(self) -> Vec<f64>;
}
impl IntoValues for f64 {
    fn into_values(self) -> Vec<f64> {
        vec![self]
    }
}
impl IntoValues for Vec<f64> {
    fn into_values(self) -> Vec<f64> {
        self
    }
}
impl<const N: usize> IntoValues for [f64; N] {
    fn into_values(self) -> Vec<f64> {
        self.to_vec()
    }
}
impl IntoValues for (f64, f64) {
    fn into_values(self) -> Vec<f64> {
        vec![self.0, self.1]
    }
}

/// Settings of a study beyond its name and space.
pub struct StudyBuilder {
    name: String,
    space: SearchSpace,
    directions: Vec<Direction>,
    storage: Option<Arc<dyn Storage>>,
    sampler: Option<Box<dyn Sampler>>,
    pruner: Option<Box<dyn Pruner>>,
    load_if_exists: bool,
    continue_with_new_space: bool,
    heartbeat_interval: Duration,
    grace_period: Duration,
    requeue_stale: bool,
    worker: Option<String>,
}

impl StudyBuilder {
    /// Objective directions (default: one, minimise).
    pub fn directions(mut self, d: &[Direction]) -> Self {
        self.directions = d.to_vec();
        self
    }
    /// Single-objective direction.
    pub fn direction(mut self, d: Direction) -> Self {
        self.directions = vec![d];
        self
    }
    /// Storage (default: a new in-memory storage).
    pub fn storage(mut self, s: Arc<dyn Storage>) -> Self {
        self.storage = Some(s);
        self
    }
    /// Sampler (default: TPE with seed 0).
    pub fn sampler(mut self, s: Box<dyn Sampler>) -> Self {
        self.sampler = Some(s);
        self
    }
    /// Pruner (default: none).
    pub fn pruner(mut self, p: Box<dyn Pruner>) -> Self {
        self.pruner = Some(p);
        self
    }
    /// Resume a study of the same name (default true); when false an existing name is an error.
    pub fn load_if_exists(mut self, yes: bool) -> Self {
        self.load_if_exists = yes;
        self
    }
    /// Continue an existing study even if its stored space differs (the new space is stored).
    pub fn continue_with_new_space(mut self, yes: bool) -> Self {
        self.continue_with_new_space = yes;
        self
    }
    /// How often `optimize` refreshes the heartbeat of its running trials (default 10 s).
    pub fn heartbeat_interval(mut self, d: Duration) -> Self {
        self.heartbeat_interval = d;
        self
    }
    /// A RUNNING trial whose heartbeat is older than this is considered dead (default 60 s).
    pub fn grace_period(mut self, d: Duration) -> Self {
        self.grace_period = d;
        self
    }
    /// Re-queue the parameters of dead trials (default true).
    pub fn requeue_stale(mut self, yes: bool) -> Self {
        self.requeue_stale = yes;
        self
    }
    /// Worker id recorded on trials (default `pid@host`).
    pub fn worker(mut self, w: &str) -> Self {
        self.worker = Some(w.to_string());
        self
    }

    /// Creates the study, or loads it (resuming) if it exists; fails trials whose worker died.
    pub fn build(self) -> Result<Study> {
        if self.directions.is_empty() {
            return Err(TuneError::Invalid(
                "a study needs at least one direction".into(),
            ));
        }
        if self.directions.len() > 1 && self.pruner.is_some() {
            return Err(TuneError::Invalid(
                "pruning is for single-objective studies; remove the pruner".into(),
            ));
        }
        if self.name.is_empty() {
            return Err(TuneError::Invalid("a study needs a name".into()));
        }
        let storage = self
            .storage
            .unwrap_or_else(|| Arc::new(MemoryStorage::new()));
        let space_toml = self.space.to_toml();
        let record = match load_or_create(&*storage, &self.name, &self.directions, &space_toml)? {
            (rec, true) => rec,
            (rec, false) => {
                if !self.load_if_exists {
                    return Err(TuneError::Invalid(format!(
                        "study `{}` already exists in {}",
                        self.name,
                        storage.location()
                    )));
                }
                if rec.directions != self.directions {
                    return Err(TuneError::DirectionsMismatch {
                        name: self.name.clone(),
                        stored: directions_to_string(&rec.directions),
                        given: directions_to_string(&self.directions),
                    });
                }
                let same = SearchSpace::from_toml(&rec.space_toml)
                    .map(|s| s.to_toml() == space_toml)
                    .unwrap_or(false);
                if !same {
                    if self.continue_with_new_space {
                        storage.set_study_space(rec.id, &space_toml)?;
                    } else {
                        return Err(TuneError::SpaceMismatch {
                            name: self.name.clone(),
                            stored: rec.space_toml.clone(),
                            given: space_toml,
                        });
                    }
                }
                rec
            }
        };
        let worker = self.worker.unwrap_or_else(default_worker);
        storage.fail_stale(
            record.id,
            self.grace_period.as_secs_f64(),
            self.requeue_stale,
        )?;
        let n_params = self.space.len();
        let n_obj = self.directions.len();
        Ok(Study {
            inner: Arc::new(Inner {
                storage,
                record,
                space: self.space,
                directions: self.directions,
                sampler: self
                    .sampler
                    .unwrap_or_else(|| Box::new(crate::sampler::TpeSampler::with_seed(0))),
                pruner: self.pruner,
                worker,
                heartbeat_interval: self.heartbeat_interval,
                cache: Mutex::new(Cache {
                    seq: 0,
                    history: History::new(n_params, n_obj),
                    finished: Vec::new(),
                    active: Vec::new(),
                    stats: PruneStats::default(),
                }),
                running: Mutex::new(HashSet::new()),
            }),
        })
    }
}

fn load_or_create(
    storage: &dyn Storage,
    name: &str,
    directions: &[Direction],
    space_toml: &str,
) -> Result<(StudyRecord, bool)> {
    if let Some(rec) = storage.load_study(name)? {
        return Ok((rec, false));
    }
    match storage.create_study(name, directions, space_toml) {
        Ok(rec) => Ok((rec, true)),
        // Another process created it between our load and create.
        Err(e) => match storage.load_study(name)? {
            Some(rec) => Ok((rec, false)),
            None => Err(e),
        },
    }
}

fn default_worker() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let host = crate::workers::local_host();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    if n == 0 {
        format!("{}@{host}", std::process::id())
    } else {
        format!("{}@{host}#{n}", std::process::id())
    }
}

struct Cache {
    seq: u64,
    history: History,
    finished: Vec<FrozenTrial>,
    active: Vec<FrozenTrial>,
    stats: PruneStats,
}

struct Inner {
    storage: Arc<dyn Storage>,
    record: StudyRecord,
    space: SearchSpace,
    directions: Vec<Direction>,
    sampler: Box<dyn Sampler>,
    pruner: Option<Box<dyn Pruner>>,
    worker: String,
    heartbeat_interval: Duration,
    cache: Mutex<Cache>,
    running: Mutex<HashSet<i64>>,
}

impl Inner {
    fn cache(&self) -> Result<MutexGuard<'_, Cache>> {
        self.cache
            .lock()
            .map_err(|_| TuneError::Invalid("study cache lock poisoned".into()))
    }

    fn running(&self) -> MutexGuard<'_, HashSet<i64>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn decode(&self, t: &mut FrozenTrial) {
        t.params = self
            .space
            .decode(&t.params_json)
            .unwrap_or_else(|_| vec![f64::NAN; self.space.len()]);
    }

    /// Pulls trials that changed since the last sync into the cache.
    fn sync(&self, c: &mut Cache) -> Result<()> {
        let delta = self.storage.trials_since(self.record.id, c.seq)?;
        for mut t in delta.finished {
            self.decode(&mut t);
            c.history.push_finished(&t);
            for (k, v) in &t.system_attrs {
                if let Some(r) = k
                    .strip_prefix("completed_rung_")
                    .and_then(|r| r.parse::<usize>().ok())
                    && let Some(v) = v.as_f64()
                {
                    if c.stats.rung_values.len() <= r {
                        c.stats.rung_values.resize(r + 1, Vec::new());
                    }
                    c.stats.rung_values[r].push(v);
                }
            }
            if t.state == TrialState::Complete {
                c.stats.n_complete += 1;
                for &(s, v) in &t.intermediate {
                    c.stats.step_values.entry(s).or_default().push(v);
                }
                if let Some((s, _)) = t.last_intermediate() {
                    c.stats.max_complete_last_step =
                        Some(c.stats.max_complete_last_step.map_or(s, |m| m.max(s)));
                }
            }
            c.finished.push(t);
        }
        c.active = delta.active;
        c.stats.running_rungs.clear();
        for t in &mut c.active {
            t.params = self
                .space
                .decode(&t.params_json)
                .unwrap_or_else(|_| vec![f64::NAN; self.space.len()]);
            for (k, v) in &t.system_attrs {
                if let Some(r) = k
                    .strip_prefix("completed_rung_")
                    .and_then(|r| r.parse::<usize>().ok())
                    && let Some(v) = v.as_f64()
                {
                    c.stats.running_rungs.push((t.id, r, v));
                }
            }
        }
        c.history.set_running(&c.active);
        c.seq = delta.seq;
        Ok(())
    }
}

/// A study: a named search over a space, stored in a [`Storage`]. Cheap to clone; clones share
/// the same cache and may be used from several threads.
#[derive(Clone)]
pub struct Study {
    inner: Arc<Inner>,
}

/// A running trial handed out by [`Study::ask`].
pub struct Trial {
    inner: Arc<Inner>,
    id: i64,
    number: u64,
    params: Vec<f64>,
    intermediate: Vec<(i64, f64)>,
    rungs: usize,
    done: bool,
}

/// Limits of one [`Study::optimize`] call; the first reached stops it.
#[derive(Clone, Debug, Default)]
pub struct OptimizeOptions {
    /// Trials this call runs (over all its threads).
    pub n_trials: Option<usize>,
    /// Stop once the study as a whole has this many trials that are not FAIL (shared by every
    /// worker process on the same storage).
    pub study_trials: Option<u64>,
    /// Wall-clock limit: no new trial starts after it.
    pub timeout: Option<Duration>,
    /// Threads evaluating trials in parallel (default 1).
    pub n_jobs: usize,
}

impl OptimizeOptions {
    /// Run `n` trials on one thread.
    pub fn trials(n: usize) -> Self {
        OptimizeOptions {
            n_trials: Some(n),
            n_jobs: 1,
            ..Default::default()
        }
    }
}

/// Counts of what one `optimize` call did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptimizeSummary {
    /// Trials completed.
    pub complete: usize,
    /// Trials pruned.
    pub pruned: usize,
    /// Trials failed.
    pub failed: usize,
}

impl Study {
    /// Starts building a study named `name` over `space`.
    pub fn builder(name: &str, space: SearchSpace) -> StudyBuilder {
        StudyBuilder {
            name: name.to_string(),
            space,
            directions: vec![Direction::Minimize],
            storage: None,
            sampler: None,
            pruner: None,
            load_if_exists: true,
            continue_with_new_space: false,
            heartbeat_interval: Duration::from_secs(10),
            grace_period: Duration::from_secs(60),
            requeue_stale: true,
            worker: None,
        }
    }

    /// Creates or resumes a study with default settings otherwise.
    pub fn create_or_load(
        storage: Arc<dyn Storage>,
        name: &str,
        space: SearchSpace,
        directions: &[Direction],
        sampler: Box<dyn Sampler>,
        pruner: Option<Box<dyn Pruner>>,
    ) -> Result<Study> {
        let mut b = Study::builder(name, space)
            .storage(storage)
            .directions(directions)
            .sampler(sampler);
        if let Some(p) = pruner {
            b = b.pruner(p);
        }
        b.build()
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.inner.record.name
    }

    /// The study's storage id.
    pub fn id(&self) -> i64 {
        self.inner.record.id
    }

    /// The search space.
    pub fn space(&self) -> &SearchSpace {
        &self.inner.space
    }

    /// The objective directions.
    pub fn directions(&self) -> &[Direction] {
        &self.inner.directions
    }

    /// This process's worker id.
    pub fn worker(&self) -> &str {
        &self.inner.worker
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    /// Starts a new trial: a queued one if any, otherwise one proposed by the sampler.
    pub fn ask(&self) -> Result<Trial> {
        self.ask_within(None)?
            .ok_or_else(|| TuneError::Invalid("no trial could be created".into()))
    }

    /// Like [`ask`](Study::ask), but returns `None` once the study has `max_trials` trials
    /// that are not FAIL.
    pub fn ask_within(&self, max_trials: Option<u64>) -> Result<Option<Trial>> {
        let inner = &self.inner;
        let mut c = inner.cache()?;
        inner.sync(&mut c)?;
        if let Some(mut t) = inner
            .storage
            .claim_waiting(inner.record.id, &inner.worker)?
        {
            inner.decode(&mut t);
            return Ok(Some(self.handle(t)));
        }
        let mut sampled: Option<Vec<f64>> = None;
        let created = {
            let history = &c.history;
            inner.storage.create_trial(
                inner.record.id,
                &inner.worker,
                max_trials,
                &mut |number| {
                    let x = inner.sampler.sample(&SampleContext {
                        space: &inner.space,
                        directions: &inner.directions,
                        history,
                        trial_number: number,
                    })?;
                    let e = inner.space.encode(&x);
                    sampled = Some(x);
                    Ok(e)
                },
            )?
        };
        drop(c);
        Ok(created.map(|mut t| {
            t.params = sampled.unwrap_or_else(|| vec![f64::NAN; inner.space.len()]);
            self.handle(t)
        }))
    }

    fn handle(&self, t: FrozenTrial) -> Trial {
        self.inner.running().insert(t.id);
        let rungs = t
            .system_attrs
            .keys()
            .filter(|k| k.starts_with("completed_rung_"))
            .count();
        Trial {
            inner: self.inner.clone(),
            id: t.id,
            number: t.number,
            params: t.params,
            intermediate: t.intermediate,
            rungs,
            done: false,
        }
    }

    /// Queues a trial with fixed parameters; the next `ask` (by any worker) runs it. Every
    /// parameter that is active for the given values must be given.
    pub fn enqueue(&self, params: &[(&str, ParamValue)]) -> Result<FrozenTrial> {
        let space = &self.inner.space;
        let mut x = vec![f64::NAN; space.len()];
        for (name, v) in params {
            let i = space
                .index_of(name)
                .ok_or_else(|| TuneError::Param(format!("unknown parameter `{name}`")))?;
            x[i] = space.params()[i].dist.to_internal(v).ok_or_else(|| {
                TuneError::Param(format!("value {v} is not valid for parameter `{name}`"))
            })?;
        }
        for i in 0..space.len() {
            if space.is_active(&x, i) && x[i].is_nan() {
                return Err(TuneError::Param(format!(
                    "enqueue: active parameter `{}` has no value",
                    space.params()[i].name
                )));
            }
            if !space.is_active(&x, i) {
                x[i] = f64::NAN;
            }
        }
        self.inner
            .storage
            .enqueue_trial(self.inner.record.id, &space.encode(&x), &BTreeMap::new())
    }

    /// Finishes a trial. Values that are NaN or infinite, or of the wrong count, make the
    /// trial FAIL (with the reason stored). Returns the state recorded.
    pub fn tell(&self, mut trial: Trial, outcome: TrialOutcome) -> Result<TrialState> {
        trial.done = true;
        self.inner.running().remove(&trial.id);
        let storage = &self.inner.storage;
        let (state, values, reason) = match outcome {
            TrialOutcome::Complete(v) => {
                if v.len() != self.inner.directions.len() {
                    (
                        TrialState::Fail,
                        None,
                        Some(format!(
                            "objective returned {} values for {} directions",
                            v.len(),
                            self.inner.directions.len()
                        )),
                    )
                } else if v.iter().any(|x| !x.is_finite()) {
                    (
                        TrialState::Fail,
                        None,
                        Some(format!("objective returned a non-finite value {v:?}")),
                    )
                } else {
                    (TrialState::Complete, Some(v), None)
                }
            }
            TrialOutcome::Pruned => (
                TrialState::Pruned,
                trial.intermediate.last().map(|&(_, v)| vec![v]),
                None,
            ),
            TrialOutcome::Failed(m) => (TrialState::Fail, None, Some(m)),
        };
        if let Some(r) = &reason {
            storage.set_system_attr(trial.id, "fail_reason", &serde_json::json!(r))?;
        }
        storage.finish_trial(trial.id, state, values.as_deref())?;
        Ok(state)
    }

    /// Refreshes the heartbeat of this process's running trials (`optimize` does it for you).
    pub fn heartbeat(&self) -> Result<()> {
        let ids: Vec<i64> = self.inner.running().iter().copied().collect();
        self.inner.storage.heartbeat(&ids)
    }

    /// Runs trials until a limit of `opts` is reached (or the grid is exhausted).
    pub fn optimize<F, V>(&self, opts: &OptimizeOptions, objective: F) -> Result<OptimizeSummary>
    where
        F: Fn(&mut Trial) -> std::result::Result<V, TrialError> + Sync,
        V: IntoValues,
    {
        self.optimize_with(opts, objective, |_: &FrozenTrial| {})
    }

    /// Like [`optimize`](Study::optimize), calling `callback` after every finished trial
    /// (e.g. for a progress display).
    pub fn optimize_with<F, V, C>(
        &self,
        opts: &OptimizeOptions,
        objective: F,
        callback: C,
    ) -> Result<OptimizeSummary>
    where
        F: Fn(&mut Trial) -> std::result::Result<V, TrialError> + Sync,
        V: IntoValues,
        C: Fn(&FrozenTrial) + Sync,
    {
        if opts.n_trials.is_none() && opts.study_trials.is_none() && opts.timeout.is_none() {
            return Err(TuneError::Invalid(
                "optimize needs a limit: a number of trials, a study budget or a timeout".into(),
            ));
        }
        let start = Instant::now();
        let started = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let summary = Mutex::new(OptimizeSummary::default());
        let first_err: Mutex<Option<TuneError>> = Mutex::new(None);
        let n_jobs = opts.n_jobs.max(1);
        let worker_loop = || {
            loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if opts.timeout.is_some_and(|t| start.elapsed() >= t) {
                    break;
                }
                if let Some(n) = opts.n_trials
                    && started.fetch_add(1, Ordering::SeqCst) >= n
                {
                    break;
                }
                let res = self.run_one(opts.study_trials, &objective);
                match res {
                    Ok(Some(t)) => {
                        {
                            let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
                            match t.state {
                                TrialState::Complete => s.complete += 1,
                                TrialState::Pruned => s.pruned += 1,
                                _ => s.failed += 1,
                            }
                        }
                        callback(&t);
                    }
                    Ok(None) | Err(TuneError::GridExhausted) => {
                        stop.store(true, Ordering::SeqCst);
                        break;
                    }
                    Err(e) => {
                        stop.store(true, Ordering::SeqCst);
                        first_err
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(e);
                        break;
                    }
                }
            }
        };
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let hb = s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    std::thread::park_timeout(self.inner.heartbeat_interval);
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    let _ = self.heartbeat();
                }
            });
            let handles: Vec<_> = (0..n_jobs).map(|_| s.spawn(worker_loop)).collect();
            for h in handles {
                let _ = h.join();
            }
            done.store(true, Ordering::SeqCst);
            hb.thread().unpark();
        });
        if let Some(e) = first_err.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        Ok(summary.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    fn run_one<F, V>(&self, study_trials: Option<u64>, objective: &F) -> Result<Option<FrozenTrial>>
    where
        F: Fn(&mut Trial) -> std::result::Result<V, TrialError> + Sync,
        V: IntoValues,
    {
        let Some(mut trial) = self.ask_within(study_trials)? else {
            return Ok(None);
        };
        let id = trial.id;
        let number = trial.number;
        let res = catch_unwind(AssertUnwindSafe(|| objective(&mut trial)));
        let outcome = match res {
            Ok(Ok(v)) => TrialOutcome::Complete(v.into_values()),
            Ok(Err(TrialError::Pruned)) => TrialOutcome::Pruned,
            Ok(Err(TrialError::Failed(m))) => TrialOutcome::Failed(m),
            Err(p) => {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "objective panicked".into());
                TrialOutcome::Failed(format!("objective panicked: {msg}"))
            }
        };
        let inter = trial.intermediate.clone();
        let params = trial.params.clone();
        let state = self.tell(trial, outcome.clone())?;
        let values = match (&outcome, state) {
            (TrialOutcome::Complete(v), TrialState::Complete) => Some(v.clone()),
            (TrialOutcome::Pruned, _) => inter.last().map(|&(_, v)| vec![v]),
            _ => None,
        };
        Ok(Some(FrozenTrial {
            id,
            number,
            state,
            params_json: self.inner.space.encode(&params),
            params,
            values,
            intermediate: inter,
            system_attrs: BTreeMap::new(),
            started: None,
            finished: None,
            heartbeat: None,
            worker: self.inner.worker.clone(),
        }))
    }

    /// Every trial of the study (all workers), by number, with decoded parameters.
    pub fn trials(&self) -> Result<Vec<FrozenTrial>> {
        let mut c = self.inner.cache()?;
        self.inner.sync(&mut c)?;
        let mut v: Vec<FrozenTrial> = c.finished.iter().chain(&c.active).cloned().collect();
        v.sort_by_key(|t| t.number);
        Ok(v)
    }

    /// The best COMPLETE trial of a single-objective study (lowest number among ties).
    pub fn best_trial(&self) -> Result<FrozenTrial> {
        if self.inner.directions.len() != 1 {
            return Err(TuneError::Invalid(
                "best_trial is for single-objective studies; use pareto_front".into(),
            ));
        }
        let d = self.inner.directions[0];
        let mut c = self.inner.cache()?;
        self.inner.sync(&mut c)?;
        best_of(&c.finished, d)
            .cloned()
            .ok_or(TuneError::NoCompletedTrials)
    }

    /// Parameter importances for objective `objective` (see [`crate::importance`]).
    pub fn importances(&self, objective: usize) -> Result<Vec<crate::importance::Importance>> {
        let trials = self.trials()?;
        Ok(crate::importance::param_importances(
            &self.inner.space,
            &trials,
            objective,
        ))
    }

    /// The COMPLETE trials no other COMPLETE trial dominates, by number.
    pub fn pareto_front(&self) -> Result<Vec<FrozenTrial>> {
        let mut c = self.inner.cache()?;
        self.inner.sync(&mut c)?;
        Ok(pareto_trials(&c.finished, &self.inner.directions))
    }
}

/// Best COMPLETE trial by `d` (lowest number among ties).
pub fn best_of(trials: &[FrozenTrial], d: Direction) -> Option<&FrozenTrial> {
    let mut best: Option<&FrozenTrial> = None;
    for t in trials.iter().filter(|t| t.state == TrialState::Complete) {
        let Some(v) = t.value() else { continue };
        best = match best {
            None => Some(t),
            Some(b) => {
                let bv = b.value().unwrap_or(f64::NAN);
                if d.better(v, bv) || (v == bv && t.number < b.number) {
                    Some(t)
                } else {
                    Some(b)
                }
            }
        };
    }
    best
}

/// COMPLETE trials on the Pareto front, by number.
pub fn pareto_trials(trials: &[FrozenTrial], directions: &[Direction]) -> Vec<FrozenTrial> {
    let complete: Vec<&FrozenTrial> = trials
        .iter()
        .filter(|t| {
            t.state == TrialState::Complete
                && t.values
                    .as_ref()
                    .is_some_and(|v| v.len() == directions.len())
        })
        .collect();
    let losses: Vec<Vec<f64>> = complete
        .iter()
        .map(|t| {
            t.values
                .as_ref()
                .map(|v| {
                    v.iter()
                        .zip(directions)
                        .map(|(x, d)| x * d.sign())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut out: Vec<FrozenTrial> = pareto::pareto_front(&losses)
        .into_iter()
        .map(|i| complete[i].clone())
        .collect();
    out.sort_by_key(|t| t.number);
    out
}

impl Trial {
    /// The trial's number in its study.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The trial's storage id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Parameters in internal representation (NaN = inactive), in space order.
    pub fn raw_params(&self) -> &[f64] {
        &self.params
    }

    fn idx(&self, name: &str) -> Result<usize> {
        self.inner
            .space
            .index_of(name)
            .ok_or_else(|| TuneError::Param(format!("unknown parameter `{name}`")))
    }

    /// The value of a parameter, or `None` when it is inactive in this trial.
    pub fn get(&self, name: &str) -> Result<Option<ParamValue>> {
        let i = self.idx(name)?;
        Ok(self.inner.space.value(&self.params, i))
    }

    fn active(&self, name: &str) -> Result<ParamValue> {
        self.get(name)?.ok_or_else(|| {
            TuneError::Param(format!("parameter `{name}` is not active in this trial"))
        })
    }

    /// A float parameter's value (an int parameter is converted).
    pub fn float(&self, name: &str) -> Result<f64> {
        match self.active(name)? {
            ParamValue::Float(x) => Ok(x),
            ParamValue::Int(i) => Ok(i as f64),
            ParamValue::Choice(Choice::Float(x)) => Ok(x),
            ParamValue::Choice(Choice::Int(i)) => Ok(i as f64),
            v => Err(TuneError::Param(format!(
                "parameter `{name}` is {v}, not a number"
            ))),
        }
    }

    /// An int parameter's value.
    pub fn int(&self, name: &str) -> Result<i64> {
        match self.active(name)? {
            ParamValue::Int(i) | ParamValue::Choice(Choice::Int(i)) => Ok(i),
            v => Err(TuneError::Param(format!(
                "parameter `{name}` is {v}, not an integer"
            ))),
        }
    }

    /// A categorical parameter's chosen value.
    pub fn choice(&self, name: &str) -> Result<Choice> {
        match self.active(name)? {
            ParamValue::Choice(c) => Ok(c),
            v => Err(TuneError::Param(format!(
                "parameter `{name}` is {v}, not categorical"
            ))),
        }
    }

    /// A string categorical parameter's value.
    pub fn str(&self, name: &str) -> Result<String> {
        match self.choice(name)? {
            Choice::Str(s) => Ok(s),
            c => Err(TuneError::Param(format!(
                "parameter `{name}` is {c}, not a string"
            ))),
        }
    }

    /// Active parameters as `(name, value)`, in space order.
    pub fn params(&self) -> Vec<(String, ParamValue)> {
        let space = &self.inner.space;
        (0..space.len())
            .filter_map(|i| {
                space
                    .value(&self.params, i)
                    .map(|v| (space.params()[i].name.clone(), v))
            })
            .collect()
    }

    /// Intermediate values reported so far.
    pub fn intermediate(&self) -> &[(i64, f64)] {
        &self.intermediate
    }

    /// Records an intermediate value (e.g. the validation score after epoch `step`) and
    /// returns whether the pruner says to stop. Stop by returning
    /// `Err(TrialError::Pruned)` from the objective (or telling `TrialOutcome::Pruned`).
    pub fn report(&mut self, step: i64, value: f64) -> Result<bool> {
        let inner = self.inner.clone();
        inner.storage.report(self.id, step, value)?;
        match self.intermediate.binary_search_by_key(&step, |&(s, _)| s) {
            Ok(i) => self.intermediate[i].1 = value,
            Err(i) => self.intermediate.insert(i, (step, value)),
        }
        let Some(pruner) = &inner.pruner else {
            return Ok(false);
        };
        if inner.directions.len() != 1 {
            return Ok(false);
        }
        let verdict = {
            let mut c = inner.cache()?;
            inner.sync(&mut c)?;
            pruner.prune(&PruneContext {
                direction: inner.directions[0],
                trial_id: self.id,
                step,
                value,
                intermediate: &self.intermediate,
                trial_rungs: self.rungs,
                stats: &c.stats,
            })
        };
        for (r, v) in &verdict.record_rungs {
            inner
                .storage
                .set_system_attr(self.id, &rung_key(*r), &serde_json::json!(v))?;
            self.rungs = self.rungs.max(r + 1);
        }
        Ok(verdict.prune)
    }
}

impl Drop for Trial {
    fn drop(&mut self) {
        if !self.done {
            // Dropped without `tell` (e.g. the caller returned early): record it as failed
            // rather than leaving it RUNNING until its heartbeat goes stale.
            self.inner.running().remove(&self.id);
            let _ = self.inner.storage.set_system_attr(
                self.id,
                "fail_reason",
                &serde_json::json!("trial dropped without tell"),
            );
            let _ = self
                .inner
                .storage
                .finish_trial(self.id, TrialState::Fail, None);
        }
    }
}

/// Reads a stored study without running it: its record, its space and every trial (decoded).
pub fn load_study(
    storage: &dyn Storage,
    name: &str,
) -> Result<(StudyRecord, SearchSpace, Vec<FrozenTrial>)> {
    let rec = storage
        .load_study(name)?
        .ok_or_else(|| TuneError::StudyNotFound(name.to_string()))?;
    let space = SearchSpace::from_toml(&rec.space_toml)?;
    let mut trials = storage.all_trials(rec.id)?;
    for t in &mut trials {
        t.params = space
            .decode(&t.params_json)
            .unwrap_or_else(|_| vec![f64::NAN; space.len()]);
    }
    Ok((rec, space, trials))
}

/// A random sampler boxed, for convenience.
pub fn random_sampler(seed: u64) -> Box<dyn Sampler> {
    Box::new(RandomSampler::new(seed))
}
