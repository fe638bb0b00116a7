//! The cross-validation engine: many candidates on the same folds, in parallel over
//! (candidate, fold), with the preprocessing pipeline fitted inside every fold on its training
//! rows only.
//!
//! Results do not depend on the number of threads: every (candidate, fold) fit is seeded
//! from the run's seed and the fold number alone, and results are collected in a fixed order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use mosel_data::{Matrix, Pipeline, PipelineOptions, Problem, Table, Target, Task};
use mosel_train::{FitOptions, History, Predictions};

use crate::candidate::Candidate;
use crate::error::{Result, SelectError};
use crate::metric::Metric;
pub use crate::refit::{Refit, refit};
use crate::split::{Classes, Fold, SplitData, Splitter, check_time_order, group_codes};

/// Which fits keep their per-epoch history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum HistoryPolicy {
    /// No histories.
    None,
    /// The first fold of every candidate (its validation loss is the fold's test rows,
    /// unless the candidate early-stops, which holds out part of its training rows instead).
    #[default]
    FirstFold,
    /// Every fold.
    AllFolds,
}

/// Options of a cross-validation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvOptions {
    /// How rows are split.
    pub splitter: Splitter,
    /// Metrics to compute on every fold; the first one selects.
    pub metrics: Vec<Metric>,
    /// Seed of the fits (fold `f` trains with a seed derived from this and `f`).
    pub seed: u64,
    /// Keep out-of-fold predictions.
    pub keep_oof: bool,
    /// Which fits keep per-epoch histories.
    pub histories: HistoryPolicy,
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Also score every fold's training rows (the overfitting gap). Off, the training
    /// scores are NaN (like scikit-learn's `return_train_score=False`).
    #[serde(default = "yes")]
    pub train_scores: bool,
}

fn yes() -> bool {
    true
}

impl CvOptions {
    /// Options for `task` with the given splitter, default metrics, seed 0.
    pub fn new(splitter: Splitter, task: Task) -> Self {
        Self {
            splitter,
            metrics: Metric::defaults(task),
            seed: 0,
            keep_oof: true,
            histories: HistoryPolicy::FirstFold,
            threads: None,
            train_scores: true,
        }
    }
}

/// The data of a cross-validation run: the problem and, for group splits, the groups.
#[derive(Debug, Clone)]
pub struct CvData {
    /// Features, target, task.
    pub problem: Problem,
    /// Group code of every row (see [`group_codes`]), for group splitters.
    pub groups: Option<Vec<usize>>,
    /// The group column's name.
    pub group_column: Option<String>,
    /// The time column's name (rows are in time order).
    pub time_column: Option<String>,
}

impl CvData {
    /// Builds the problem from `table`: the target column `target` (task inferred unless
    /// given), the group column (taken out of the features, its values become groups) and
    /// the time column (taken out of the features; it must be sorted).
    pub fn new(
        table: Table,
        target: &str,
        task: Option<Task>,
        group: Option<&str>,
        time: Option<&str>,
    ) -> Result<Self> {
        let mut table = table;
        let groups = match group {
            Some(g) => {
                let col = table.take_column(g)?;
                Some(group_codes(&col)?)
            }
            None => None,
        };
        if let Some(t) = time {
            let col = table.take_column(t)?;
            check_time_order(&col)?;
        }
        // Rows with a missing target are dropped by Problem::new; keep groups aligned.
        let keep: Option<Vec<usize>> = match (&groups, table.column(target)) {
            (Some(_), Ok(col)) => {
                let keep: Vec<usize> = (0..col.len()).filter(|&i| !col.is_missing(i)).collect();
                (keep.len() < col.len()).then_some(keep)
            }
            _ => None,
        };
        let problem = Problem::new(table, target, task)?;
        let groups = match (groups, keep) {
            (Some(g), Some(keep)) => Some(keep.iter().map(|&i| g[i]).collect()),
            (g, _) => g,
        };
        Ok(Self {
            problem,
            groups,
            group_column: group.map(str::to_string),
            time_column: time.map(str::to_string),
        })
    }

    /// A problem without groups or time order.
    pub fn from_problem(problem: Problem) -> Self {
        Self {
            problem,
            groups: None,
            group_column: None,
            time_column: None,
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.problem.target.len()
    }

    /// Splits the rows with `splitter`.
    pub fn split(&self, splitter: &Splitter) -> Result<Vec<Fold>> {
        let classes = match &self.problem.target {
            Target::Classes { codes, labels } => Some(Classes { codes, labels }),
            Target::Values(_) => None,
        };
        if splitter.strategy.needs_classes() && classes.is_none() {
            return Err(SelectError::NeedsClasses {
                task: self.problem.task.to_string(),
            });
        }
        splitter.split(&SplitData {
            n_rows: self.n_rows(),
            classes,
            groups: self.groups.as_deref(),
        })
    }
}

/// Progress of a run, reported after every finished fit.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Fits finished.
    pub done: usize,
    /// Fits in all.
    pub total: usize,
    /// The candidate of the fit that just finished.
    pub candidate: usize,
    /// Its fold.
    pub fold: usize,
}

/// One epoch of a training history (the training loss includes the penalty).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochPoint {
    /// 1-based epoch (iteration for L-BFGS).
    pub epoch: usize,
    /// Training loss (mean loss plus penalty).
    #[serde(with = "crate::nan::f64")]
    pub train_loss: f64,
    /// Validation loss, when there was a validation set.
    pub val_loss: Option<f64>,
    /// Training metric (accuracy or R²).
    #[serde(with = "crate::nan::f64")]
    pub train_metric: f64,
    /// Validation metric.
    pub val_metric: Option<f64>,
    /// Learning rate (L-BFGS: accepted step length).
    pub lr: f64,
    /// Seconds since the start of the fit.
    pub elapsed_s: f64,
}

/// A fit's per-epoch history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCurve {
    /// The fold (`None` for the refit on all rows).
    pub fold: Option<usize>,
    /// What the validation loss was computed on: `test_fold`, `early_stopping_split` or
    /// `none`.
    pub validation: String,
    /// `accuracy` or `r2`.
    pub metric: String,
    /// The epochs.
    pub epochs: Vec<EpochPoint>,
    /// Epoch whose weights were kept (early stopping).
    pub best_epoch: Option<usize>,
    /// Why training stopped.
    pub stop: String,
    /// For regression: the model trained on the target standardised with the training
    /// rows' mean and standard deviation, so its losses are in those units.
    pub standardized_target: bool,
}

impl TrainingCurve {
    pub(crate) fn from_history(
        h: &History,
        fold: Option<usize>,
        validation: &str,
        std_y: bool,
    ) -> Self {
        Self {
            fold,
            validation: validation.into(),
            metric: serde_json::to_value(h.metric)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            epochs: h
                .records
                .iter()
                .map(|r| EpochPoint {
                    epoch: r.epoch,
                    train_loss: r.train_loss,
                    val_loss: r.val_loss,
                    train_metric: r.train_metric,
                    val_metric: r.val_metric,
                    lr: r.lr,
                    elapsed_s: r.elapsed_s,
                })
                .collect(),
            best_epoch: h.best_epoch,
            stop: serde_json::to_value(h.stop)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{:?}", h.stop)),
            standardized_target: std_y,
        }
    }
}

/// What one (candidate, fold) fit gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldOutcome {
    /// Index into the run's folds.
    pub fold: usize,
    /// Scores on the fold's training rows, one per metric.
    #[serde(with = "crate::nan::vec")]
    pub train: Vec<f64>,
    /// Scores on the fold's test rows, one per metric.
    #[serde(with = "crate::nan::vec")]
    pub test: Vec<f64>,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent predicting train and test rows and scoring.
    pub score_seconds: f64,
    /// Trainable parameters of the fitted model.
    pub n_params: usize,
    /// Epochs (iterations) run.
    pub epochs: usize,
}

/// Out-of-fold predictions of one candidate: for k-fold splits, one prediction per row
/// (first repeat), in row order; otherwise every fold's test rows in fold order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Oof {
    /// Row of each prediction.
    pub rows: Vec<usize>,
    /// Fold (index into the run's folds) of each prediction.
    pub fold: Vec<usize>,
    /// Class probabilities, one row per prediction (classification).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub proba: Option<Vec<Vec<f64>>>,
    /// Predicted values (regression).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub values: Option<Vec<f64>>,
}

/// One candidate's cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateCv {
    /// The candidate.
    pub candidate: Candidate,
    /// One outcome per fold (empty when the candidate failed).
    pub folds: Vec<FoldOutcome>,
    /// Why the candidate failed (the first failing fold's error).
    pub error: Option<String>,
    /// Out-of-fold predictions.
    pub oof: Option<Oof>,
    /// Per-epoch histories (see [`HistoryPolicy`]).
    pub curves: Vec<TrainingCurve>,
}

impl CandidateCv {
    /// True when every fold trained.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// Test scores of metric `m` (index into the run's metrics), fold by fold.
    pub fn test_scores(&self, m: usize) -> Vec<f64> {
        self.folds.iter().map(|f| f.test[m]).collect()
    }

    /// Training scores of metric `m`, fold by fold.
    pub fn train_scores(&self, m: usize) -> Vec<f64> {
        self.folds.iter().map(|f| f.train[m]).collect()
    }

    /// Parameters of the fitted model (largest over folds; they differ only when a fold
    /// saw a different number of one-hot columns).
    pub fn n_params(&self) -> usize {
        self.folds.iter().map(|f| f.n_params).max().unwrap_or(0)
    }

    /// Mean fit time over folds.
    pub fn mean_fit_seconds(&self) -> f64 {
        if self.folds.is_empty() {
            return f64::NAN;
        }
        self.folds.iter().map(|f| f.fit_seconds).sum::<f64>() / self.folds.len() as f64
    }
}

/// A whole cross-validation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvRun {
    /// How rows were split.
    pub splitter: Splitter,
    /// Seed of the fits.
    pub seed: u64,
    /// The folds.
    pub folds: Vec<Fold>,
    /// The metrics, the first one selects.
    pub metrics: Vec<Metric>,
    /// One result per candidate, in the candidates' order.
    pub candidates: Vec<CandidateCv>,
    /// Wall time of the run.
    pub seconds: f64,
    /// Threads used.
    pub threads: usize,
}

impl CvRun {
    /// Mean number of training and test rows per fold.
    pub fn mean_fold_sizes(&self) -> (usize, usize) {
        let k = self.folds.len().max(1);
        let tr: usize = self.folds.iter().map(|f| f.train.len()).sum();
        let te: usize = self.folds.iter().map(|f| f.test.len()).sum();
        (
            (tr as f64 / k as f64).round() as usize,
            (te as f64 / k as f64).round() as usize,
        )
    }
}

/// The seed of fold `fold`'s fits: the same for every candidate (common random numbers).
pub fn fold_seed(seed: u64, fold: usize) -> u64 {
    // SplitMix64 of (seed, fold).
    let mut z = seed ^ (fold as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
    let x_train = pipeline.transform(&problem.features, Some(&fold.train))?;
    let x_test = pipeline.transform(&problem.features, Some(&fold.test))?;
    let y_train = problem.target.select_rows(&fold.train);
    let y_test = problem.target.select_rows(&fold.test);
    Ok(FoldData {
        x_train,
        x_test,
        y_train,
        y_test,
        feature_names: pipeline.feature_names().to_vec(),
    })
}

/// Refuses folds whose training rows hold a single class.
fn check_folds(problem: &Problem, folds: &[Fold]) -> Result<()> {
    if let Target::Classes { codes, labels } = &problem.target {
        for (i, f) in folds.iter().enumerate() {
            let first = f.train.first().map(|&r| codes[r]);
            if let Some(c0) = first
                && f.train.iter().all(|&r| codes[r] == c0)
            {
                return Err(SelectError::OneClassFold {
                    fold: i + 1,
                    class: labels[c0 as usize].clone(),
                });
            }
        }
    }
    if let Some((i, _)) = folds
        .iter()
        .enumerate()
        .find(|(_, f)| f.train.is_empty() || f.test.is_empty())
    {
        return Err(SelectError::BadSplit(format!(
            "fold {} has no training or no test rows",
            i + 1
        )));
    }
    Ok(())
}

struct TaskResult {
    outcome: std::result::Result<FoldOutcome, String>,
    test_pred: Option<Predictions>,
    curve: Option<TrainingCurve>,
}

/// Cross-validates every candidate on the same folds. A candidate whose fit fails on any
/// fold is reported as failed (with the error); the others go on. `progress` is called after
/// every fit, from worker threads.
pub fn cross_validate(
    data: &CvData,
    candidates: &[Candidate],
    options: &CvOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Result<CvRun> {
    let folds = data.split(&options.splitter)?;
    cross_validate_folds(data, folds, candidates, options, progress)
}

/// [`cross_validate`] on given folds.
pub fn cross_validate_folds(
    data: &CvData,
    folds: Vec<Fold>,
    candidates: &[Candidate],
    options: &CvOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Result<CvRun> {
    let task = data.problem.task;
    if candidates.is_empty() {
        return Err(SelectError::BadCandidate(
            "no candidates to evaluate".into(),
        ));
    }
    if options.metrics.is_empty() {
        return Err(SelectError::BadCandidate("no metrics to compute".into()));
    }
    if let Some(m) = options.metrics.iter().find(|m| !m.applies_to(task)) {
        return Err(SelectError::BadCandidate(format!(
            "the {m} metric does not apply to a {task} target"
        )));
    }
    check_folds(&data.problem, &folds)?;
    let run = || run_folds(data, &folds, candidates, options, progress);
    let start = Instant::now();
    let (candidates_cv, threads) = match options.threads {
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t.max(1))
                .build()
                .map_err(|e| SelectError::BadSplit(format!("cannot start threads: {e}")))?;
            (pool.install(run)?, t.max(1))
        }
        None => (run()?, rayon::current_num_threads()),
    };
    Ok(CvRun {
        splitter: options.splitter.clone(),
        seed: options.seed,
        folds,
        metrics: options.metrics.clone(),
        candidates: candidates_cv,
        seconds: start.elapsed().as_secs_f64(),
        threads,
    })
}

fn run_folds(
    data: &CvData,
    folds: &[Fold],
    candidates: &[Candidate],
    options: &CvOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Result<Vec<CandidateCv>> {
    let problem = &data.problem;
    // Distinct preprocessing settings, and which one each candidate uses.
    let mut preps: Vec<PipelineOptions> = Vec::new();
    let prep_of: Vec<usize> = candidates
        .iter()
        .map(|c| match preps.iter().position(|p| *p == c.preprocessing) {
            Some(i) => i,
            None => {
                preps.push(c.preprocessing.clone());
                preps.len() - 1
            }
        })
        .collect();
    // Fit the pipelines fold by fold, on training rows only.
    let jobs: Vec<(usize, usize)> = (0..folds.len())
        .flat_map(|f| (0..preps.len()).map(move |p| (f, p)))
        .collect();
    let prepared: Vec<FoldData> = jobs
        .par_iter()
        .map(|&(f, p)| prepare_fold(problem, &folds[f], &preps[p]))
        .collect::<Result<Vec<_>>>()?;
    let fold_data = |f: usize, p: usize| &prepared[f * preps.len() + p];

    let total = candidates.len() * folds.len();
    let done = AtomicUsize::new(0);
    let tasks: Vec<(usize, usize)> = (0..candidates.len())
        .flat_map(|c| (0..folds.len()).map(move |f| (c, f)))
        .collect();
    let run_task = |&(c, f): &(usize, usize)| {
        let r = fit_one(&candidates[c], f, fold_data(f, prep_of[c]), options);
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(cb) = progress {
            cb(Progress {
                done: d,
                total,
                candidate: c,
                fold: f,
            });
        }
        r
    };
    // With at least as many fits as workers, every worker takes whole fits from a shared
    // counter and runs each on its own single-thread pool, so a fit's internal parallel
    // loops stay on its thread (no oversubscription, no work-stealing chains). With fewer
    // fits than workers, the fits share the pool and parallelise internally.
    let workers = rayon::current_num_threads();
    let results: Vec<TaskResult> = if workers > 1 && tasks.len() >= workers {
        let solo: Vec<rayon::ThreadPool> = (0..workers)
            .filter_map(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build().ok())
            .collect();
        let next = AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<TaskResult>>> =
            tasks.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for pool in &solo {
                scope.spawn(|| {
                    pool.install(|| {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(task) = tasks.get(i) else { break };
                            let r = run_task(task);
                            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                        }
                    })
                });
            }
        });
        slots
            .into_iter()
            .map(|s| {
                s.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .expect("every task ran")
            })
            .collect()
    } else {
        tasks.par_iter().map(run_task).collect()
    };

    let partition = options.splitter.strategy.is_partition();
    let mut out = Vec::with_capacity(candidates.len());
    let mut it = results.into_iter();
    for cand in candidates {
        let mut fold_outcomes = Vec::with_capacity(folds.len());
        let mut error = None;
        let mut preds: Vec<(usize, Predictions)> = Vec::new();
        let mut curves = Vec::new();
        for f in 0..folds.len() {
            let r = it.next().expect("one result per task");
            match r.outcome {
                Ok(o) => fold_outcomes.push(o),
                Err(e) if error.is_none() => {
                    error = Some(format!("fold {}: {e}", f + 1));
                }
                Err(_) => {}
            }
            if let Some(p) = r.test_pred {
                preds.push((f, p));
            }
            if let Some(c) = r.curve {
                curves.push(c);
            }
        }
        let oof = if error.is_none() && options.keep_oof {
            Some(collect_oof(folds, preds, partition))
        } else {
            None
        };
        if error.is_some() {
            fold_outcomes.clear();
        }
        out.push(CandidateCv {
            candidate: cand.clone(),
            folds: fold_outcomes,
            error,
            oof,
            curves,
        });
    }
    Ok(out)
}

fn collect_oof(folds: &[Fold], preds: Vec<(usize, Predictions)>, partition: bool) -> Oof {
    let mut items: Vec<(usize, usize, Vec<f64>)> = Vec::new(); // (row, fold, values)
    let mut is_proba = false;
    for (f, p) in preds {
        if partition && folds[f].repeat != 0 {
            continue;
        }
        for (i, &row) in folds[f].test.iter().enumerate() {
            let v = match &p {
                Predictions::Classes { .. } => {
                    is_proba = true;
                    p.proba_row(i).map(<[f64]>::to_vec).unwrap_or_default()
                }
                Predictions::Values(v) => vec![v[i]],
            };
            items.push((row, f, v));
        }
    }
    if partition {
        items.sort_by_key(|t| t.0);
    }
    let rows = items.iter().map(|t| t.0).collect();
    let fold = items.iter().map(|t| t.1).collect();
    if is_proba {
        Oof {
            rows,
            fold,
            proba: Some(items.into_iter().map(|t| t.2).collect()),
            values: None,
        }
    } else {
        Oof {
            rows,
            fold,
            proba: None,
            values: Some(items.into_iter().map(|t| t.2[0]).collect()),
        }
    }
}

fn fit_one(cand: &Candidate, f: usize, fd: &FoldData, options: &CvOptions) -> TaskResult {
    let record = match options.histories {
        HistoryPolicy::None => false,
        HistoryPolicy::FirstFold => f == 0,
        HistoryPolicy::AllFolds => true,
    };
    let use_test_as_val = record && !cand.early_stopping();
    let fail = |e: String| TaskResult {
        outcome: Err(e),
        test_pred: None,
        curve: None,
    };
    let mut model = match cand.learner(fd.x_train.n_rows, fold_seed(options.seed, f)) {
        Ok(m) => m,
        Err(e) => return fail(e.to_string()),
    };
    let t0 = Instant::now();
    let fitted = model.fit(
        &fd.x_train,
        &fd.y_train,
        FitOptions {
            validation: use_test_as_val.then_some((&fd.x_test, &fd.y_test)),
            feature_names: Some(&fd.feature_names),
            on_epoch: None,
        },
    );
    let fit_seconds = t0.elapsed().as_secs_f64();
    let history = match fitted {
        Ok(h) => h,
        Err(e) => return fail(e.to_string()),
    };
    let t1 = Instant::now();
    let predict = |x: &Matrix| -> std::result::Result<Predictions, String> {
        let p = model.predict(x).map_err(|e| e.to_string())?;
        if let Predictions::Values(v) = &p
            && let Some(i) = v.iter().position(|x| !x.is_finite())
        {
            return Err(format!(
                "the model predicts a non-finite value ({}) for row {i}",
                v[i]
            ));
        }
        Ok(p)
    };
    let test_pred = match predict(&fd.x_test) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let train_pred = if options.train_scores {
        match predict(&fd.x_train) {
            Ok(p) => Some(p),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    let mut test = Vec::with_capacity(options.metrics.len());
    let mut train = Vec::with_capacity(options.metrics.len());
    for m in &options.metrics {
        let scored = m.score(&fd.y_test, &test_pred).and_then(|a| {
            let b = match &train_pred {
                Some(p) => m.score(&fd.y_train, p)?,
                None => f64::NAN,
            };
            Ok((a, b))
        });
        match scored {
            Ok((a, b)) => {
                test.push(a);
                train.push(b);
            }
            Err(e) => return fail(format!("scoring {m}: {e}")),
        }
    }
    let curve = record.then(|| {
        TrainingCurve::from_history(
            &history,
            Some(f),
            if use_test_as_val {
                "test_fold"
            } else {
                "early_stopping_split"
            },
            standardized(cand, &fd.y_train),
        )
    });
    TaskResult {
        outcome: Ok(FoldOutcome {
            fold: f,
            train,
            test,
            fit_seconds,
            score_seconds: t1.elapsed().as_secs_f64(),
            n_params: model.n_params(),
            epochs: history.records.len(),
        }),
        test_pred: options.keep_oof.then_some(test_pred),
        curve,
    }
}

/// True when the model trains on a standardised regression target (its losses are then in
/// standardised units).
pub(crate) fn standardized(cand: &Candidate, y: &Target) -> bool {
    cand.standardizes_target() && matches!(y, Target::Values(_))
}
