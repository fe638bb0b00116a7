//! Tuning mosel's own models with the study engine of `mosel-tune`.
//!
//! * [`default_space`]: a search space per task over the model family, the optimizer, the
//!   learning rate (first-order optimizers only), the mini-batch size (stochastic optimizers
//!   only), L2 and elastic-net penalties and the MLP's depth, width, activation and dropout.
//! * [`candidate_from_params`]: a trial's parameters → a [`Candidate`]. Parameter names are
//!   the candidate keys of [`crate::candidate::KEYS`] (`model`, `optimizer`, `lr`, `l2`, ...)
//!   plus three tuning keys: `layers` and `width` (an MLP of `layers` hidden layers of
//!   `width` units) and `penalty` (`l2`, `l1`, `elastic_net` or `none`: which of `l1` / `l2`
//!   apply).
//! * [`check_space`]: refuses a space with unknown parameters, or with a parameter that can
//!   be active for a model or optimizer it does not apply to (e.g. `dropout` without
//!   `when = { model = "mlp" }`), before any trial runs.
//! * [`Evaluator`]: the trial objective. A candidate is cross-validated on fixed folds (the
//!   preprocessing fitted inside every fold, once per distinct preprocessing); each objective
//!   is the mean over folds. With pruning, the first fold (the only one of a hold-out split)
//!   trains first and reports its per-epoch validation score to the study, which may stop it.
//! * parameter importances come from the study (`Study::importances`).
//!
//! ```
//! use mosel_data::{DataSource, ReadOptions};
//! use mosel_select::cv::CvData;
//! use mosel_select::split::{Splitter, Strategy};
//! use mosel_select::tuning::{Evaluator, Objective, default_space};
//! use mosel_tune::prelude::*;
//! use mosel_tune::trial::Direction;
//! use std::sync::Arc;
//!
//! let table = DataSource::Bundled("iris".into()).load(&ReadOptions::default())?;
//! let data = CvData::new(table, "species", None, None, None)?;
//! let task = data.problem.task;
//! let splitter = Splitter::new(Strategy::StratifiedKFold { k: 3, shuffle: true });
//! let eval = Evaluator::new(&data, &splitter, vec![Objective::default_for(task)], 0, None)?;
//! let study = Study::builder("iris", default_space(task))
//!     .direction(Direction::Maximize)
//!     .sampler(Box::new(RandomSampler::new(0)))
//!     .build()?;
//! study.optimize(&OptimizeOptions::trials(3), |t: &mut Trial| eval.run_trial(t, false, None))?;
//! assert!(study.best_trial()?.value().unwrap() > 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;

use mosel_data::{Matrix, Pipeline, PipelineOptions, Problem, Target, Task};
use mosel_train::{Control, EpochRecord, FitOptions, Predictions};
use mosel_tune::TuneError;
use mosel_tune::storage::Storage;
use mosel_tune::study::{Trial, TrialError};
use mosel_tune::trial::Direction;

use crate::candidate::Candidate;
use crate::cv::{CvData, fold_seed};
use crate::error::SelectError;
use crate::metric::Metric;
use crate::split::{Fold, Splitter};

pub use crate::space::{
    FIRST_ORDER, STOCHASTIC, candidate_from_params, check_space, default_space, tunable_names,
};

/// Errors of the tuning layer.
#[derive(Debug, Error)]
pub enum TuningError {
    /// The search space does not fit mosel's models.
    #[error("search space: parameter `{param}`: {msg}")]
    Space {
        /// The parameter.
        param: String,
        /// What is wrong and what to do.
        msg: String,
    },
    /// A trial's parameters do not make a valid candidate.
    #[error("{0}")]
    Params(String),
    /// An objective is unknown or does not apply.
    #[error("{0}")]
    Objective(String),
    /// From splitting, candidates or cross-validation.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// From the study engine.
    #[error(transparent)]
    Tune(#[from] TuneError),
    /// From the data layer (preprocessing).
    #[error(transparent)]
    Data(#[from] mosel_data::DataError),
}

/// Result alias of this module.
pub type Result<T, E = TuningError> = std::result::Result<T, E>;

/// What a study optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// A cross-validated metric (mean over folds), in its own direction.
    Metric(Metric),
    /// Trainable parameters of the fitted model (minimised): the model's size.
    NParams,
    /// Mean seconds to fit one fold (minimised).
    FitSeconds,
    /// Microseconds to predict one row, measured on the test folds (minimised).
    LatencyUs,
}

impl Objective {
    /// The task's default selection metric (accuracy / R²).
    pub fn default_for(task: Task) -> Self {
        Objective::Metric(Metric::defaults(task)[0])
    }

    /// Its name: a metric's name, `n_params`, `fit_seconds` or `latency_us`.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Metric(m) => m.name(),
            Objective::NParams => "n_params",
            Objective::FitSeconds => "fit_seconds",
            Objective::LatencyUs => "latency_us",
        }
    }

    /// Maximise scores, minimise losses, sizes and times.
    pub fn direction(&self) -> Direction {
        match self {
            Objective::Metric(m) if m.greater_is_better() => Direction::Maximize,
            _ => Direction::Minimize,
        }
    }

    /// True for metrics: their per-epoch validation counterpart can feed a pruner.
    pub fn prunable(&self) -> bool {
        matches!(self, Objective::Metric(_))
    }

    /// Parses a comma-separated list (`accuracy,n_params`) and checks each applies to `task`.
    pub fn parse_list(s: &str, task: Task) -> Result<Vec<Objective>> {
        let mut out: Vec<Objective> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let o: Objective = part.parse().map_err(TuningError::Objective)?;
            if let Objective::Metric(m) = o
                && !m.applies_to(task)
            {
                return Err(TuningError::Objective(format!(
                    "the {m} metric does not apply to a {task} target"
                )));
            }
            if out.contains(&o) {
                return Err(TuningError::Objective(format!(
                    "objective `{part}` is listed twice"
                )));
            }
            out.push(o);
        }
        if out.is_empty() {
            return Err(TuningError::Objective("no objective given".into()));
        }
        Ok(out)
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let l = s.trim().to_ascii_lowercase().replace('-', "_");
        Ok(match l.as_str() {
            "n_params" | "params" | "size" | "model_size" => Objective::NParams,
            "fit_seconds" | "fit_time" | "fit_s" => Objective::FitSeconds,
            "latency_us" | "latency" | "predict_latency" => Objective::LatencyUs,
            _ => Objective::Metric(l.parse::<Metric>().map_err(|_| {
                let metrics: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                format!(
                    "unknown objective '{s}': use a metric ({}) or n_params, fit_seconds, latency_us",
                    metrics.join(", ")
                )
            })?),
        })
    }
}

/// A fold's matrices for one preprocessing setting.
struct FoldData {
    x_train: Matrix,
    x_test: Matrix,
    y_train: Target,
    y_test: Target,
    feature_names: Vec<String>,
}

fn prepare_fold(problem: &Problem, fold: &Fold, options: &PipelineOptions) -> Result<FoldData> {
    let pipeline = Pipeline::fit(&problem.features, Some(&fold.train), options)?;
    Ok(FoldData {
        x_train: pipeline.transform(&problem.features, Some(&fold.train))?,
        x_test: pipeline.transform(&problem.features, Some(&fold.test))?,
        y_train: problem.target.select_rows(&fold.train),
        y_test: problem.target.select_rows(&fold.test),
        feature_names: pipeline.feature_names().to_vec(),
    })
}

/// One fold's fit.
#[derive(Debug, Clone)]
struct FoldResult {
    scores: Vec<f64>,
    n_params: usize,
    fit_seconds: f64,
    latency_us: f64,
}

/// What one candidate's evaluation gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One value per objective.
    pub values: Vec<f64>,
    /// Each objective's value on each fold.
    pub fold_values: Vec<Vec<f64>>,
    /// Trainable parameters of the fitted model.
    pub n_params: usize,
    /// Mean seconds to fit one fold.
    pub fit_seconds: f64,
}

type PreparedFolds = Arc<Vec<FoldData>>;

/// Evaluates candidates on fixed folds for a study: the trial objective.
pub struct Evaluator<'a> {
    data: &'a CvData,
    folds: Vec<Fold>,
    objectives: Vec<Objective>,
    metrics: Vec<Metric>,
    seed: u64,
    prepared: Mutex<Vec<(PipelineOptions, PreparedFolds)>>,
    pool: Option<rayon::ThreadPool>,
}

impl<'a> Evaluator<'a> {
    /// Splits `data` with `splitter` once (every trial uses the same folds, and fold `f`
    /// trains with the same seed in every trial) and prepares the default preprocessing
    /// inside every fold, so data problems surface before the first trial. `threads` bounds
    /// the threads fitting folds in parallel (`None`: all cores).
    pub fn new(
        data: &'a CvData,
        splitter: &Splitter,
        objectives: Vec<Objective>,
        seed: u64,
        threads: Option<usize>,
    ) -> Result<Self> {
        let task = data.problem.task;
        if objectives.is_empty() {
            return Err(TuningError::Objective("no objective given".into()));
        }
        let mut metrics: Vec<Metric> = Vec::new();
        for o in &objectives {
            if let Objective::Metric(m) = o {
                if !m.applies_to(task) {
                    return Err(TuningError::Objective(format!(
                        "the {m} metric does not apply to a {task} target"
                    )));
                }
                if !metrics.contains(m) {
                    metrics.push(*m);
                }
            }
        }
        let folds = data.split(splitter)?;
        check_folds(&data.problem, &folds)?;
        let pool = match threads {
            Some(t) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t.max(1))
                    .build()
                    .map_err(|e| {
                        TuningError::Objective(format!("cannot start {t} threads: {e}"))
                    })?,
            ),
            None => None,
        };
        let ev = Evaluator {
            data,
            folds,
            objectives,
            metrics,
            seed,
            prepared: Mutex::new(Vec::new()),
            pool,
        };
        ev.fold_data(&PipelineOptions::default())?;
        Ok(ev)
    }

    /// The folds every trial is evaluated on.
    pub fn folds(&self) -> &[Fold] {
        &self.folds
    }

    /// The objectives, in order.
    pub fn objectives(&self) -> &[Objective] {
        &self.objectives
    }

    /// The task.
    pub fn task(&self) -> Task {
        self.data.problem.task
    }

    fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(p) => p.install(f),
            None => f(),
        }
    }

    /// The folds' matrices for a preprocessing setting (fitted once, then cached).
    fn fold_data(&self, options: &PipelineOptions) -> Result<PreparedFolds> {
        {
            let cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, d)) = cache.iter().find(|(o, _)| o == options) {
                return Ok(d.clone());
            }
        }
        let problem = &self.data.problem;
        let data: Vec<FoldData> = self.install(|| {
            self.folds
                .par_iter()
                .map(|f| prepare_fold(problem, f, options))
                .collect::<Result<Vec<_>>>()
        })?;
        let data = Arc::new(data);
        let mut cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, d)) = cache.iter().find(|(o, _)| o == options) {
            return Ok(d.clone());
        }
        cache.push((options.clone(), data.clone()));
        Ok(data)
    }

    /// The per-epoch value reported for pruning: the validation metric (accuracy, or R²
    /// for regression) when the first objective is maximised, the validation loss when it
    /// is minimised.
    fn intermediate(&self, r: &EpochRecord) -> Option<f64> {
        match self.objectives[0].direction() {
            Direction::Maximize => r.val_metric,
            Direction::Minimize => r.val_loss,
        }
        .filter(|v| v.is_finite())
    }

    fn fit_fold(
        &self,
        cand: &Candidate,
        f: usize,
        fd: &FoldData,
        reporter: Option<&mut dyn FnMut(i64, f64) -> std::result::Result<bool, String>>,
    ) -> std::result::Result<FoldResult, TrialError> {
        let failed = |m: String| TrialError::Failed(format!("fold {}: {m}", f + 1));
        let mut model = cand
            .learner(fd.x_train.n_rows, fold_seed(self.seed, f))
            .map_err(|e| failed(e.to_string()))?;
        let reporting = reporter.is_some();
        // A candidate that early-stops holds out part of its training rows: its validation
        // scores come from there, never from the test fold.
        let use_test_as_val = reporting && !cand.early_stopping();
        let mut pruned = false;
        let mut report_error: Option<String> = None;
        let t0 = Instant::now();
        let fitted = match reporter {
            Some(rep) => {
                let mut cb = |r: &EpochRecord| -> Control {
                    let Some(v) = self.intermediate(r) else {
                        return Control::Continue;
                    };
                    match rep(r.epoch as i64, v) {
                        Ok(false) => Control::Continue,
                        Ok(true) => {
                            pruned = true;
                            Control::Stop
                        }
                        Err(e) => {
                            report_error = Some(e);
                            Control::Stop
                        }
                    }
                };
                model.fit(
                    &fd.x_train,
                    &fd.y_train,
                    FitOptions {
                        validation: use_test_as_val.then_some((&fd.x_test, &fd.y_test)),
                        feature_names: Some(&fd.feature_names),
                        on_epoch: Some(&mut cb),
                    },
                )
            }
            None => model.fit(
                &fd.x_train,
                &fd.y_train,
                FitOptions {
                    validation: None,
                    feature_names: Some(&fd.feature_names),
                    on_epoch: None,
                },
            ),
        };
        let fit_seconds = t0.elapsed().as_secs_f64();
        if let Some(e) = report_error {
            return Err(TrialError::Failed(format!("reporting to the study: {e}")));
        }
        if pruned {
            return Err(TrialError::Pruned);
        }
        fitted.map_err(|e| failed(e.to_string()))?;
        let t1 = Instant::now();
        let pred = model
            .predict(&fd.x_test)
            .map_err(|e| failed(e.to_string()))?;
        let latency_us = t1.elapsed().as_secs_f64() * 1e6 / fd.x_test.n_rows.max(1) as f64;
        if let Predictions::Values(v) = &pred
            && let Some(i) = v.iter().position(|x| !x.is_finite())
        {
            return Err(failed(format!(
                "the model predicts a non-finite value ({}) for test row {i}",
                v[i]
            )));
        }
        let scores = self
            .metrics
            .iter()
            .map(|m| {
                m.score(&fd.y_test, &pred)
                    .map_err(|e| failed(format!("scoring {m}: {e}")))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(FoldResult {
            scores,
            n_params: model.n_params(),
            fit_seconds,
            latency_us,
        })
    }

    /// Evaluates a candidate on every fold. With a `reporter`, the first fold trains first
    /// and calls it after every epoch with `(epoch, validation value)`; `Ok(true)` stops the
    /// evaluation as pruned. The other folds train in parallel.
    pub fn evaluate(
        &self,
        cand: &Candidate,
        reporter: Option<&mut dyn FnMut(i64, f64) -> std::result::Result<bool, String>>,
    ) -> std::result::Result<Evaluation, TrialError> {
        let fds = self
            .fold_data(&cand.preprocessing)
            .map_err(|e| TrialError::Failed(e.to_string()))?;
        let mut results: Vec<FoldResult> = Vec::with_capacity(self.folds.len());
        let first = match reporter {
            Some(rep) => {
                results.push(self.fit_fold(cand, 0, &fds[0], Some(rep))?);
                1
            }
            None => 0,
        };
        let rest: Vec<std::result::Result<FoldResult, TrialError>> = self.install(|| {
            (first..self.folds.len())
                .into_par_iter()
                .map(|f| self.fit_fold(cand, f, &fds[f], None))
                .collect()
        });
        for r in rest {
            results.push(r?);
        }
        let mut values = Vec::with_capacity(self.objectives.len());
        let mut fold_values = Vec::with_capacity(self.objectives.len());
        for o in &self.objectives {
            let per_fold: Vec<f64> = match o {
                Objective::Metric(m) => {
                    let i = self.metrics.iter().position(|x| x == m).unwrap_or(0);
                    results.iter().map(|r| r.scores[i]).collect()
                }
                Objective::NParams => results.iter().map(|r| r.n_params as f64).collect(),
                Objective::FitSeconds => results.iter().map(|r| r.fit_seconds).collect(),
                Objective::LatencyUs => results.iter().map(|r| r.latency_us).collect(),
            };
            let finite: Vec<f64> = per_fold.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                return Err(TrialError::Failed(format!(
                    "{o} is undefined on every fold"
                )));
            }
            values.push(finite.iter().sum::<f64>() / finite.len() as f64);
            fold_values.push(per_fold);
        }
        let n = results.len().max(1) as f64;
        Ok(Evaluation {
            values,
            fold_values,
            n_params: results.iter().map(|r| r.n_params).max().unwrap_or(0),
            fit_seconds: results.iter().map(|r| r.fit_seconds).sum::<f64>() / n,
        })
    }

    /// The objective of a study trial: builds the candidate from the trial's parameters,
    /// evaluates it (reporting per-epoch validation values to the study when `prune`), and
    /// returns one value per objective. Invalid parameters and failed fits fail the trial
    /// with the reason. With a `storage`, the trial gets a system attribute `mosel` with its
    /// candidate's description, parameter count, mean fit time and per-fold values.
    pub fn run_trial(
        &self,
        trial: &mut Trial,
        prune: bool,
        storage: Option<&dyn Storage>,
    ) -> std::result::Result<Vec<f64>, TrialError> {
        let params = trial.params();
        let cand = candidate_from_params(&params, self.task())
            .map_err(|e| TrialError::Failed(e.to_string()))?;
        let ev = if prune {
            let mut rep = |step: i64, v: f64| trial.report(step, v).map_err(|e| e.to_string());
            self.evaluate(&cand, Some(&mut rep))?
        } else {
            self.evaluate(&cand, None)?
        };
        if let Some(st) = storage {
            let mut folds = serde_json::Map::new();
            for (o, v) in self.objectives.iter().zip(&ev.fold_values) {
                folds.insert(o.name().into(), serde_json::json!(finite_or_null(v)));
            }
            let attr = serde_json::json!({
                "candidate": cand.describe(),
                "n_params": ev.n_params,
                "fit_seconds": ev.fit_seconds,
                "folds": folds,
            });
            // Best effort: the values are what matters, and `tell` stores them.
            let _ = st.set_system_attr(trial.id(), "mosel", &attr);
        }
        Ok(ev.values)
    }
}

fn finite_or_null(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| x.is_finite().then_some(*x)).collect()
}

/// Refuses folds whose training rows hold a single class, or empty folds.
fn check_folds(problem: &Problem, folds: &[Fold]) -> Result<()> {
    if let Target::Classes { codes, labels } = &problem.target {
        for (i, f) in folds.iter().enumerate() {
            if let Some(&c0) = f.train.first().map(|&r| &codes[r])
                && f.train.iter().all(|&r| codes[r] == c0)
            {
                return Err(SelectError::OneClassFold {
                    fold: i + 1,
                    class: labels[c0 as usize].clone(),
                }
                .into());
            }
        }
    }
    if let Some(i) = folds
        .iter()
        .position(|f| f.train.is_empty() || f.test.is_empty())
    {
        return Err(SelectError::BadSplit(format!(
            "fold {} has no training or no test rows",
            i + 1
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_with_directions() {
        let o = Objective::parse_list("accuracy, n_params", Task::Binary).unwrap();
        assert_eq!(
            o,
            vec![Objective::Metric(Metric::Accuracy), Objective::NParams]
        );
        assert_eq!(o[0].direction(), Direction::Maximize);
        assert_eq!(o[1].direction(), Direction::Minimize);
        assert_eq!(
            "log_loss".parse::<Objective>().unwrap().direction(),
            Direction::Minimize
        );
        assert!(Objective::parse_list("r2", Task::Binary).is_err());
        assert!(Objective::parse_list("accuracy,accuracy", Task::Binary).is_err());
        assert!("speed".parse::<Objective>().is_err());
    }
}
