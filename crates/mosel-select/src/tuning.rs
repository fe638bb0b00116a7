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
//! * [`importances`]: how much of the objective's variation each parameter explains.
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
use mosel_train::{Control, EpochRecord, FitOptions, Learner, Model, Predictions};
use mosel_tune::TuneError;
use mosel_tune::space::{Choice, Distribution, ParamValue, SearchSpace};
use mosel_tune::storage::Storage;
use mosel_tune::study::{Trial, TrialError};
use mosel_tune::trial::Direction;

use crate::candidate::{Candidate, Entry, KEYS, KeyKind, Spec, Value};
use crate::cv::{CvData, fold_seed};
use crate::error::SelectError;
use crate::metric::Metric;
use crate::split::{Fold, Splitter};

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

/// The first-order optimizers of the default space (they take a learning rate).
pub const FIRST_ORDER: [&str; 7] = [
    "gd", "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad",
];

/// The stochastic (mini-batch) optimizers of the default space (they take a batch size).
pub const STOCHASTIC: [&str; 6] = ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"];

/// Parameter names that are not candidate keys: `layers`, `width`, `penalty`.
pub const TUNING_KEYS: [&str; 3] = ["layers", "width", "penalty"];

/// The default search space for a task.
///
/// | parameter | values | active when |
/// |---|---|---|
/// | `model` | logistic (binary) / softmax (multiclass) / linear (regression), mlp | always |
/// | `optimizer` | lbfgs, gd, sgd, momentum, adam, adamw, rmsprop, adagrad | always |
/// | `lr` | log-uniform 1e-4..1 (regression 1e-4..0.3) | first-order optimizers |
/// | `momentum` | 0.5..0.99 | optimizer = momentum |
/// | `batch_size` | log-int 16..256 | stochastic optimizers |
/// | `l2` | log-uniform 1e-6..0.1 | always |
/// | `penalty` | l2, elastic_net (L-BFGS handles L1 as OWL-QN) | always |
/// | `l1` | log-uniform 1e-6..1e-2 | penalty = elastic_net |
/// | `layers`, `width` | 1..3, log-int 8..128 | model = mlp |
/// | `activation` | relu, tanh, gelu | model = mlp |
/// | `dropout` | 0..0.5 | model = mlp and a first-order optimizer |
/// | `epochs` | 200 (fixed) | always |
/// | `tol` | 1e-4 (fixed) | first-order optimizers |
///
/// Every float and wide int has explicit `grid` points, so `--sampler grid` works on it.
pub fn default_space(task: Task) -> SearchSpace {
    let linear = match task {
        Task::Binary => "logistic",
        Task::Multiclass => "softmax",
        Task::Regression => "linear",
    };
    let lr_high = if task.is_classification() { 1.0 } else { 0.3 };
    let f = ParamValue::Float;
    let i = ParamValue::Int;
    SearchSpace::builder()
        .categorical("model", [linear, "mlp"])
        .categorical(
            "optimizer",
            [
                "lbfgs", "gd", "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad",
            ],
        )
        .float("lr", 1e-4, lr_high)
        .log()
        .when("optimizer", FIRST_ORDER)
        .grid([f(1e-3), f(1e-2), f(1e-1)])
        .float("momentum", 0.5, 0.99)
        .when("optimizer", ["momentum"])
        .grid([f(0.9)])
        .int("batch_size", 16, 256)
        .log()
        .when("optimizer", STOCHASTIC)
        .grid([i(32), i(128)])
        .float("l2", 1e-6, 0.1)
        .log()
        .grid([f(1e-5), f(1e-3), f(1e-1)])
        .categorical("penalty", ["l2", "elastic_net"])
        .float("l1", 1e-6, 1e-2)
        .log()
        .when("penalty", ["elastic_net"])
        .grid([f(1e-4)])
        .int("layers", 1, 3)
        .when("model", ["mlp"])
        .grid([i(1), i(2)])
        .int("width", 8, 128)
        .log()
        .when("model", ["mlp"])
        .grid([i(16), i(64)])
        .categorical("activation", ["relu", "tanh", "gelu"])
        .when("model", ["mlp"])
        .float("dropout", 0.0, 0.5)
        .when("model", ["mlp"])
        .when("optimizer", FIRST_ORDER)
        .grid([f(0.0), f(0.2)])
        .categorical("epochs", [200_i64])
        .categorical("tol", [1e-4_f64])
        .when("optimizer", FIRST_ORDER)
        .build()
        .expect("the default search space is valid")
}

/// Every parameter name a space may use: the candidate keys but `name`, and [`TUNING_KEYS`].
pub fn tunable_names() -> Vec<&'static str> {
    KEYS.iter()
        .map(|k| k.0)
        .filter(|k| *k != "name")
        .chain(TUNING_KEYS)
        .collect()
}

fn key_kind(key: &str) -> Option<KeyKind> {
    KEYS.iter().find(|k| k.0 == key).map(|k| k.1)
}

fn kind_text(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Text => "text (a categorical of strings)",
        KeyKind::Float => "a number",
        KeyKind::Int => "a whole number",
        KeyKind::Bool => "true or false",
        KeyKind::IntList => "hidden widths (an int, or strings like \"64,32\")",
    }
}

fn to_value(key: &str, kind: KeyKind, v: &ParamValue) -> std::result::Result<Value, String> {
    use ParamValue as P;
    let bad = || format!("`{key}` takes {}, got {v}", kind_text(kind));
    Ok(match (kind, v) {
        (KeyKind::Float, P::Float(x) | P::Choice(Choice::Float(x))) => Value::Float(*x),
        (KeyKind::Float, P::Int(n) | P::Choice(Choice::Int(n))) => Value::Float(*n as f64),
        (KeyKind::Int, P::Int(n) | P::Choice(Choice::Int(n))) => Value::Int(*n),
        (KeyKind::Int, P::Float(x) | P::Choice(Choice::Float(x))) if x.fract() == 0.0 => {
            Value::Int(*x as i64)
        }
        (KeyKind::Text, P::Choice(Choice::Str(s))) => Value::Text(s.clone()),
        (KeyKind::Bool, P::Choice(Choice::Bool(b))) => Value::Bool(*b),
        (KeyKind::IntList, P::Int(n) | P::Choice(Choice::Int(n))) => Value::IntList(vec![*n]),
        (KeyKind::IntList, P::Choice(Choice::Str(s))) => Value::IntList(
            s.split([',', '-', ' '])
                .filter(|w| !w.is_empty())
                .map(|w| w.trim().parse::<i64>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| bad())?,
        ),
        _ => return Err(bad()),
    })
}

fn int_of(key: &str, v: &ParamValue) -> Result<i64> {
    match v {
        ParamValue::Int(n) | ParamValue::Choice(Choice::Int(n)) if *n >= 1 => Ok(*n),
        _ => Err(TuningError::Params(format!(
            "`{key}` must be a whole number >= 1, got {v}"
        ))),
    }
}

/// Removes the `--flag: ` prefix candidate errors carry when they come from flags.
fn clean_message(e: &SelectError) -> String {
    let m = e.to_string();
    match m.strip_prefix("--").and_then(|r| r.split_once(": ")) {
        Some((_, rest)) => rest.to_string(),
        None => m,
    }
}

/// Builds the candidate a trial's active parameters describe (see the module docs for the
/// names). Settings the parameters leave out keep the candidate defaults.
pub fn candidate_from_params(params: &[(String, ParamValue)], task: Task) -> Result<Candidate> {
    let mut entries: Vec<Entry> = Vec::new();
    let (mut layers, mut width, mut penalty) = (None, None, None);
    for (name, v) in params {
        match name.as_str() {
            "layers" => layers = Some(int_of(name, v)?),
            "width" => width = Some(int_of(name, v)?),
            "penalty" => match v {
                ParamValue::Choice(Choice::Str(s)) => penalty = Some(s.to_ascii_lowercase()),
                _ => {
                    return Err(TuningError::Params(format!(
                        "`penalty` is one of \"l2\", \"l1\", \"elastic_net\", \"none\", got {v}"
                    )));
                }
            },
            "name" => {
                return Err(TuningError::Params(
                    "`name` cannot be tuned; trials are named by their number".into(),
                ));
            }
            key => {
                let kind = key_kind(key).ok_or_else(|| {
                    TuningError::Params(format!(
                        "unknown parameter `{key}`; tunable parameters are: {}",
                        tunable_names().join(", ")
                    ))
                })?;
                let value = to_value(key, kind, v).map_err(TuningError::Params)?;
                entries.push(Entry {
                    key: key.to_string(),
                    values: vec![value],
                    line: None,
                });
            }
        }
    }
    if layers.is_some() || width.is_some() {
        if entries.iter().any(|e| e.key == "hidden") {
            return Err(TuningError::Params(
                "give the MLP's shape either as `hidden` or as `layers` and `width`, not both"
                    .into(),
            ));
        }
        let n = layers.unwrap_or(1) as usize;
        let w = width.unwrap_or(100);
        entries.push(Entry {
            key: "hidden".into(),
            values: vec![Value::IntList(vec![w; n])],
            line: None,
        });
    }
    if let Some(p) = penalty {
        let drop: &[&str] = match p.as_str() {
            "l2" => &["l1"],
            "l1" => &["l2", "C"],
            "none" => &["l1", "l2", "C"],
            "elastic_net" | "elasticnet" => &[],
            other => {
                return Err(TuningError::Params(format!(
                    "`penalty` is one of \"l2\", \"l1\", \"elastic_net\", \"none\", got \"{other}\""
                )));
            }
        };
        entries.retain(|e| !drop.contains(&e.key.as_str()));
    }
    let spec = Spec {
        entries,
        origin: "trial parameters".into(),
        line: None,
    };
    let mut out = spec
        .build(task)
        .map_err(|e| TuningError::Params(clean_message(&e)))?;
    out.pop()
        .ok_or_else(|| TuningError::Params("the parameters describe no candidate".into()))
}

/// The values a parameter is checked with: its range's ends, or every choice.
fn representatives(dist: &Distribution) -> Vec<ParamValue> {
    match dist {
        Distribution::Float { low, high, .. } => {
            vec![ParamValue::Float(*low), ParamValue::Float(*high)]
        }
        Distribution::Int { low, high, .. } => vec![ParamValue::Int(*low), ParamValue::Int(*high)],
        Distribution::Categorical { choices } => {
            choices.iter().cloned().map(ParamValue::Choice).collect()
        }
    }
}

/// The string choices of the categorical parameter `name` (`[None]` when it is absent).
fn string_choices(space: &SearchSpace, name: &str) -> Result<Vec<Option<String>>> {
    let Some(i) = space.index_of(name) else {
        return Ok(vec![None]);
    };
    match &space.params()[i].dist {
        Distribution::Categorical { choices } => choices
            .iter()
            .map(|c| match c {
                Choice::Str(s) => Ok(Some(s.clone())),
                c => Err(TuningError::Space {
                    param: name.into(),
                    msg: format!("its choices must be names (strings), got {c}"),
                }),
            })
            .collect(),
        _ => Err(TuningError::Space {
            param: name.into(),
            msg: "it must be categorical (type = \"categorical\", choices = [...])".into(),
        }),
    }
}

/// Checks a space against mosel's models for `task` before any trial runs: every parameter
/// must be tunable (see [`tunable_names`]), the model and optimizer choices must fit the task,
/// and no parameter may be active for a model or optimizer it does not apply to (each
/// parameter is tried at its range's ends, or each of its choices, with every model and
/// optimizer for which its `when` conditions let it be active).
pub fn check_space(space: &SearchSpace, task: Task) -> Result<()> {
    let valid = tunable_names();
    for p in space.params() {
        if !valid.contains(&p.name.as_str()) {
            let close = valid
                .iter()
                .find(|v| v.eq_ignore_ascii_case(&p.name) || edit_distance(v, &p.name) <= 2);
            return Err(TuningError::Space {
                param: p.name.clone(),
                msg: format!(
                    "unknown parameter{}; tunable parameters are: {}",
                    close.map_or(String::new(), |c| format!(" (did you mean `{c}`?)")),
                    valid.join(", ")
                ),
            });
        }
    }
    if space.index_of("C").is_some() && space.index_of("l2").is_some() {
        return Err(TuningError::Space {
            param: "C".into(),
            msg: "give either `C` (scikit-learn's inverse strength) or `l2`, not both".into(),
        });
    }
    let mut models = string_choices(space, "model")?;
    if space.index_of("model").is_none()
        && ["hidden", "layers", "width"]
            .iter()
            .any(|k| space.index_of(k).is_some())
    {
        models = vec![Some("mlp".into())];
    }
    let optimizers = string_choices(space, "optimizer")?;
    for m in &models {
        for o in &optimizers {
            let mut base: Vec<(String, ParamValue)> = Vec::new();
            let mut ctx: Vec<String> = Vec::new();
            if let Some(m) = m {
                base.push(("model".into(), ParamValue::Choice(Choice::Str(m.clone()))));
                ctx.push(format!("model = \"{m}\""));
            }
            if let Some(o) = o {
                base.push((
                    "optimizer".into(),
                    ParamValue::Choice(Choice::Str(o.clone())),
                ));
                ctx.push(format!("optimizer = \"{o}\""));
            }
            let ctx = if ctx.is_empty() {
                "the default model".to_string()
            } else {
                ctx.join(", ")
            };
            if let Err(e) = candidate_from_params(&base, task) {
                return Err(TuningError::Space {
                    param: if m.is_some() { "model" } else { "optimizer" }.into(),
                    msg: format!("with {ctx}: {e}"),
                });
            }
            // Whether each parameter can be active with this model and optimizer: its
            // conditions on them hold, and its other parents can be active (parents come
            // before their children).
            let mut admits = vec![true; space.len()];
            for (i, p) in space.params().iter().enumerate() {
                admits[i] = p.when.iter().all(|c| {
                    let given = match c.parent.as_str() {
                        "model" => m,
                        "optimizer" => o,
                        parent => return space.index_of(parent).is_none_or(|j| admits[j]),
                    };
                    given
                        .as_ref()
                        .is_some_and(|g| c.values.contains(&Choice::Str(g.clone())))
                });
            }
            for (i, p) in space.params().iter().enumerate() {
                if p.name == "model" || p.name == "optimizer" || !admits[i] {
                    continue;
                }
                for v in representatives(&p.dist) {
                    let mut params = base.clone();
                    params.push((p.name.clone(), v.clone()));
                    if let Err(e) = candidate_from_params(&params, task) {
                        return Err(TuningError::Space {
                            param: p.name.clone(),
                            msg: format!(
                                "it can be active with {ctx}, where {} = {v} is not valid: {e}; \
                                 restrict it with `when = {{ ... }}` or change its range",
                                p.name
                            ),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

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
        let cfg = cand.config_for(fd.x_train.n_rows, fold_seed(self.seed, f));
        let mut model = Model::new(cfg).map_err(|e| failed(e.to_string()))?;
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
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("dropout", "dropuot"), 2);
        assert_eq!(edit_distance("lr", "lr"), 0);
        assert_eq!(edit_distance("width", "widths"), 1);
    }

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
