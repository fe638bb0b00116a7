//! Candidates: a model, its optimizer, their hyperparameters and the preprocessing options,
//! from flags, from a TOML file, or the default set for the task.
//!
//! Every way of writing a candidate goes through the same table of keys ([`KEYS`]). A key
//! given several values (an array in TOML, a repeated flag on the command line) makes a grid:
//! one candidate per combination.
//!
//! ```toml
//! # candidates.toml
//! [defaults]              # applies to every candidate below
//! epochs = 200
//!
//! [[candidate]]
//! model = "logistic"
//! optimizer = "lbfgs"
//! C = [0.01, 1.0, 100.0]  # scikit-learn's C: l2 = 1 / (C * training rows)
//!
//! [[candidate]]
//! name = "small net"
//! model = "mlp"
//! hidden = [[32], [64, 32]]
//! optimizer = "adam"
//! lr = [0.001, 0.01]
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use mosel_data::{Impute, PipelineOptions, Task, UnknownCategory};
use mosel_train::{
    Activation, EarlyStopping, Learner, Loss, Model, ModelKind, OptimizerSpec, Schedule,
    TrainConfig,
};

use crate::error::{Result, SelectError};

/// One candidate: how to preprocess, which model, how to train it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// A unique, human-readable name.
    pub name: String,
    /// The model and its training configuration. Its `seed` is replaced per fold by the
    /// cross-validation seed, and its `l2` by `1 / (C · n_train)` when `c` is set.
    pub config: TrainConfig,
    /// scikit-learn's inverse regularisation strength `C`: the L2 strength is then
    /// `l2 = 1 / (C · n_train)` for each fit on `n_train` rows (mosel's objective is the
    /// *mean* loss plus `(l2/2)‖w‖²`; scikit-learn's is `C ·` the *sum* plus `½‖w‖²`).
    pub c: Option<f64>,
    /// Preprocessing, fitted inside every fold on its training rows only.
    pub preprocessing: PipelineOptions,
}

impl Candidate {
    /// The training configuration for a fit on `n_train` rows with `seed`.
    pub fn config_for(&self, n_train: usize, seed: u64) -> TrainConfig {
        let mut cfg = self.config.clone();
        if let Some(c) = self.c {
            cfg.l2 = 1.0 / (c * n_train.max(1) as f64);
        }
        cfg.seed = seed;
        cfg
    }

    /// A one-line description of the model, optimizer and the hyperparameters that matter.
    pub fn describe(&self) -> String {
        let cfg = &self.config;
        let mut parts = vec![cfg.model.to_string(), cfg.optimizer.name().to_string()];
        if !matches!(cfg.optimizer, OptimizerSpec::Lbfgs { .. }) {
            parts.push(format!("lr={}", fmt_g(cfg.learning_rate())));
            if !cfg.optimizer.full_batch() {
                parts.push(format!(
                    "batch={}",
                    cfg.batch_size.map_or("32".to_string(), |b| b.to_string())
                ));
            }
        }
        match self.c {
            Some(c) => parts.push(format!("C={}", fmt_g(c))),
            None if cfg.l2 > 0.0 => parts.push(format!("l2={}", fmt_g(cfg.l2))),
            None => {}
        }
        if cfg.l1 > 0.0 {
            parts.push(format!("l1={}", fmt_g(cfg.l1)));
        }
        parts.push(format!("epochs={}", cfg.epochs));
        if let Some(es) = &cfg.early_stopping {
            parts.push(format!("early-stop(patience={})", es.patience));
        }
        if !self.preprocessing.scale {
            parts.push("unscaled".into());
        }
        parts.join(" ")
    }

    /// An unfitted learner for a fit on `n_train` rows seeded with `seed`: the one way the
    /// cross-validation engine, tuning and refits build a candidate's model.
    pub fn learner(&self, n_train: usize, seed: u64) -> Result<Box<dyn Learner>> {
        Ok(Box::new(Model::new(self.config_for(n_train, seed))?))
    }

    /// True when a regression fit trains on the standardised target (its losses are then in
    /// standardised units).
    pub fn standardizes_target(&self) -> bool {
        self.config.standardize_target
    }

    /// True when the candidate holds out part of its training rows for early stopping.
    pub fn early_stopping(&self) -> bool {
        self.config.early_stopping.is_some()
    }
}

/// Formats a float compactly: `0.001`, `1e-05`, `100`.
pub fn fmt_g(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        let s = format!("{v:e}");
        // 1e-4 rather than 1e-4 with a mantissa like 1.0
        s.replace(".0e", "e")
    } else {
        let s = format!("{v}");
        if s.len() > 8 {
            format!("{v:.6}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            s
        }
    }
}

/// The type of a candidate key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Text.
    Text,
    /// A real number.
    Float,
    /// A non-negative integer.
    Int,
    /// true / false.
    Bool,
    /// A list of positive integers (hidden widths).
    IntList,
}

/// Every key a candidate accepts, its type and what it means.
pub const KEYS: &[(&str, KeyKind, &str)] = &[
    (
        "name",
        KeyKind::Text,
        "the candidate's name (default: built from its settings)",
    ),
    (
        "model",
        KeyKind::Text,
        "linear, logistic, softmax, mlp or mlp:<w1>,<w2>,...",
    ),
    (
        "hidden",
        KeyKind::IntList,
        "MLP hidden layer widths, e.g. [64, 32]",
    ),
    (
        "activation",
        KeyKind::Text,
        "MLP activation: relu, tanh or gelu",
    ),
    ("dropout", KeyKind::Float, "MLP dropout probability"),
    (
        "optimizer",
        KeyKind::Text,
        "gd, sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad or lbfgs",
    ),
    ("lr", KeyKind::Float, "learning rate"),
    (
        "schedule",
        KeyKind::Text,
        "constant, step:<epochs>:<gamma>, exp:<gamma> or cosine[:<min_lr>]",
    ),
    (
        "warmup_epochs",
        KeyKind::Int,
        "epochs of linear learning-rate warm-up",
    ),
    (
        "epochs",
        KeyKind::Int,
        "maximum epochs (iterations for L-BFGS)",
    ),
    (
        "batch_size",
        KeyKind::Int,
        "mini-batch size of the stochastic optimizers",
    ),
    (
        "momentum",
        KeyKind::Float,
        "momentum coefficient (momentum, nesterov)",
    ),
    ("beta1", KeyKind::Float, "Adam/AdamW first-moment decay"),
    ("beta2", KeyKind::Float, "Adam/AdamW second-moment decay"),
    (
        "eps",
        KeyKind::Float,
        "epsilon of Adam, AdamW, RMSprop, Adagrad",
    ),
    (
        "weight_decay",
        KeyKind::Float,
        "AdamW decoupled weight decay",
    ),
    ("rho", KeyKind::Float, "RMSprop decay"),
    ("memory", KeyKind::Int, "L-BFGS memory (correction pairs)"),
    ("l1", KeyKind::Float, "L1 penalty strength"),
    (
        "l2",
        KeyKind::Float,
        "L2 penalty strength: (l2/2)·‖w‖² added to the mean loss",
    ),
    (
        "C",
        KeyKind::Float,
        "scikit-learn's C: l2 = 1 / (C · training rows)",
    ),
    ("clip_norm", KeyKind::Float, "clip gradients to this norm"),
    (
        "tol",
        KeyKind::Float,
        "stop when the loss improves by less than this",
    ),
    (
        "n_iter_no_change",
        KeyKind::Int,
        "epochs without improvement > tol before stopping",
    ),
    (
        "gtol",
        KeyKind::Float,
        "stop when the largest gradient component is at most this",
    ),
    (
        "loss",
        KeyKind::Text,
        "mse, mae, huber[:<delta>], bce or cross_entropy (default: from the task)",
    ),
    (
        "early_stopping",
        KeyKind::Bool,
        "hold out part of the training rows and stop when their loss stalls",
    ),
    (
        "patience",
        KeyKind::Int,
        "early-stopping patience (turns early stopping on)",
    ),
    (
        "validation_fraction",
        KeyKind::Float,
        "share of training rows held out for early stopping",
    ),
    (
        "scale",
        KeyKind::Bool,
        "standardise numeric features (default true)",
    ),
    (
        "impute",
        KeyKind::Text,
        "missing values: mean, median, mode or reject",
    ),
    (
        "max_categories",
        KeyKind::Int,
        "one-hot columns kept per categorical feature",
    ),
    (
        "unknown_categories",
        KeyKind::Text,
        "unseen categories: ignore or error",
    ),
];

/// The names of every key, for error messages.
pub fn key_names() -> Vec<String> {
    KEYS.iter().map(|k| k.0.to_string()).collect()
}

fn key_kind(key: &str) -> Option<KeyKind> {
    KEYS.iter().find(|k| k.0 == key).map(|k| k.1)
}

/// A typed value of a candidate key.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A number.
    Float(f64),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of integers.
    IntList(Vec<i64>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => f.write_str(s),
            Value::Float(v) => f.write_str(&fmt_g(*v)),
            Value::Int(v) => write!(f, "{v}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::IntList(v) => {
                let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                write!(f, "[{}]", s.join(","))
            }
        }
    }
}

/// One key of a candidate specification with its values (several make a grid).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key (one of [`KEYS`]).
    pub key: String,
    /// Its values; more than one expands into one candidate per value.
    pub values: Vec<Value>,
    /// 1-based line in the candidate file, when it came from one.
    pub line: Option<usize>,
}

/// A candidate specification before grid expansion: keys and their values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    /// The entries, in the order given.
    pub entries: Vec<Entry>,
    /// Where the specification came from (file name or `flags`).
    pub origin: String,
    /// 1-based line of the specification's table in its file.
    pub line: Option<usize>,
}

impl Spec {
    /// A specification from `(key, text)` pairs such as command-line flags. A key given
    /// more than once makes a grid. Text is parsed by the key's type; lists of integers as
    /// `64,32`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut spec = Spec {
            origin: "flags".into(),
            ..Spec::default()
        };
        for (key, text) in pairs {
            let kind = key_kind(key).ok_or_else(|| {
                SelectError::BadCandidate(format!(
                    "unknown candidate setting '{key}'; valid settings are: {}",
                    key_names().join(", ")
                ))
            })?;
            let value = parse_text(kind, text)
                .map_err(|m| SelectError::BadCandidate(format!("--{}: {m}", flag_name(key))))?;
            match spec.entries.iter_mut().find(|e| e.key == key) {
                Some(e) => e.values.push(value),
                None => spec.entries.push(Entry {
                    key: key.to_string(),
                    values: vec![value],
                    line: None,
                }),
            }
        }
        Ok(spec)
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Expands the grid and builds the candidates for `task`.
    pub fn build(&self, task: Task) -> Result<Vec<Candidate>> {
        self.build_with_defaults(&Spec::default(), task)
    }

    fn build_with_defaults(&self, defaults: &Spec, task: Task) -> Result<Vec<Candidate>> {
        let mut entries: Vec<&Entry> = defaults
            .entries
            .iter()
            .filter(|d| !self.entries.iter().any(|e| e.key == d.key))
            .collect();
        entries.extend(self.entries.iter());
        let total: usize = entries.iter().map(|e| e.values.len().max(1)).product();
        if total > MAX_GRID {
            return Err(SelectError::BadCandidate(format!(
                "{}: the grid expands to {total} candidates; at most {MAX_GRID} are allowed",
                self.origin
            )));
        }
        let varied: Vec<&str> = entries
            .iter()
            .filter(|e| e.values.len() > 1)
            .map(|e| e.key.as_str())
            .collect();
        let mut out = Vec::with_capacity(total);
        for combo in 0..total {
            let mut rest = combo;
            let mut chosen: Vec<(&Entry, &Value)> = Vec::with_capacity(entries.len());
            // Last key varies fastest.
            let mut picks = vec![0; entries.len()];
            for (i, e) in entries.iter().enumerate().rev() {
                let n = e.values.len().max(1);
                picks[i] = rest % n;
                rest /= n;
            }
            for (i, e) in entries.iter().enumerate() {
                chosen.push((e, &e.values[picks[i]]));
            }
            out.push(build_one(&chosen, &varied, task, self)?);
        }
        Ok(out)
    }
}

/// The largest grid one specification may expand to.
pub const MAX_GRID: usize = 10_000;

fn flag_name(key: &str) -> String {
    key.replace('_', "-").to_lowercase()
}

fn parse_text(kind: KeyKind, text: &str) -> std::result::Result<Value, String> {
    let t = text.trim();
    match kind {
        KeyKind::Text => Ok(Value::Text(t.to_string())),
        KeyKind::Float => t
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("'{t}' is not a number")),
        KeyKind::Int => t
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("'{t}' is not a whole number")),
        KeyKind::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("'{t}' is not true or false")),
        },
        KeyKind::IntList => t
            .split(',')
            .map(|w| w.trim().parse::<i64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Value::IntList)
            .map_err(|_| format!("'{t}' is not a list of widths like 64,32")),
    }
}

/// Builds one candidate from one value per key.
fn build_one(
    chosen: &[(&Entry, &Value)],
    varied: &[&str],
    task: Task,
    spec: &Spec,
) -> Result<Candidate> {
    let get = |k: &str| {
        chosen
            .iter()
            .find(|(e, _)| e.key == k)
            .map(|(e, v)| (*e, *v))
    };
    let err = |e: &Entry, message: String| match e.line {
        Some(line) => SelectError::CandidateFile {
            file: spec.origin.clone(),
            line,
            message,
        },
        None => SelectError::BadCandidate(format!("--{}: {message}", flag_name(&e.key))),
    };
    let whole_err = |message: String| match spec.line {
        Some(line) => SelectError::CandidateFile {
            file: spec.origin.clone(),
            line,
            message,
        },
        None => SelectError::BadCandidate(message),
    };
    let text = |k: &str| -> Result<Option<(&Entry, String)>> {
        match get(k) {
            None => Ok(None),
            Some((e, Value::Text(s))) => Ok(Some((e, s.clone()))),
            Some((e, v)) => Err(err(e, format!("'{k}' must be text, got {v}"))),
        }
    };
    let float = |k: &str| -> Result<Option<(&Entry, f64)>> {
        match get(k) {
            None => Ok(None),
            Some((e, Value::Float(x))) if x.is_finite() => Ok(Some((e, *x))),
            Some((e, Value::Int(i))) => Ok(Some((e, *i as f64))),
            Some((e, v)) => Err(err(e, format!("'{k}' must be a finite number, got {v}"))),
        }
    };
    let int = |k: &str| -> Result<Option<(&Entry, usize)>> {
        match get(k) {
            None => Ok(None),
            Some((e, Value::Int(i))) if *i >= 0 => Ok(Some((e, *i as usize))),
            Some((e, v)) => Err(err(
                e,
                format!("'{k}' must be a whole number >= 0, got {v}"),
            )),
        }
    };
    let boolean = |k: &str| -> Result<Option<(&Entry, bool)>> {
        match get(k) {
            None => Ok(None),
            Some((e, Value::Bool(b))) => Ok(Some((e, *b))),
            Some((e, v)) => Err(err(e, format!("'{k}' must be true or false, got {v}"))),
        }
    };

    // The model.
    let mut model = match text("model")? {
        Some((e, s)) => s.parse::<ModelKind>().map_err(|m| err(e, m))?,
        None if get("hidden").is_some() => ModelKind::Mlp {
            hidden: vec![100],
            activation: Activation::Relu,
            dropout: 0.0,
        },
        None if task.is_classification() => ModelKind::Logistic,
        None => ModelKind::Linear,
    };
    if task.is_classification() && model == ModelKind::Linear {
        let (e, _) = get("model").expect("model was given");
        return Err(err(
            e,
            format!("linear regression cannot do {task} classification; use logistic or softmax"),
        ));
    }
    if !task.is_classification() && matches!(model, ModelKind::Logistic | ModelKind::Softmax) {
        let (e, _) = get("model").expect("model was given");
        return Err(err(
            e,
            format!(
                "{} regression is a classifier; for a regression target use linear or mlp",
                model.name()
            ),
        ));
    }
    let mlp_only = |k: &str| -> Result<()> {
        match get(k) {
            Some((e, _)) if !matches!(model, ModelKind::Mlp { .. }) => Err(err(
                e,
                format!("'{k}' applies to MLPs only, not to {}", model.name()),
            )),
            _ => Ok(()),
        }
    };
    mlp_only("hidden")?;
    mlp_only("activation")?;
    mlp_only("dropout")?;
    if let ModelKind::Mlp {
        hidden,
        activation,
        dropout,
    } = &mut model
    {
        if let Some((e, v)) = get("hidden") {
            match v {
                Value::IntList(w) if !w.is_empty() && w.iter().all(|&x| x > 0) => {
                    *hidden = w.iter().map(|&x| x as usize).collect();
                }
                Value::Int(x) if *x > 0 => *hidden = vec![*x as usize],
                v => {
                    return Err(err(
                        e,
                        format!("'hidden' must be a list of positive widths, got {v}"),
                    ));
                }
            }
        }
        if let Some((e, s)) = text("activation")? {
            *activation = s.parse().map_err(|m| err(e, m))?;
        }
        if let Some((_, d)) = float("dropout")? {
            *dropout = d;
        }
    }
    let mut cfg = TrainConfig::new(model);
    if let Some((e, s)) = text("optimizer")? {
        cfg.optimizer = s.parse().map_err(|m| err(e, m))?;
        if !matches!(cfg.model, ModelKind::Mlp { .. }) && !cfg.optimizer.full_batch() {
            cfg.batch_size = None;
        }
    }
    // Optimizer hyperparameters, each valid for some optimizers only.
    let opt_name = cfg.optimizer.name();
    let wrong_opt = |e: &Entry, for_: &str| {
        err(
            e,
            format!(
                "'{}' applies to {for_}, not to the {opt_name} optimizer",
                e.key
            ),
        )
    };
    if let Some((e, m)) = float("momentum")? {
        match &mut cfg.optimizer {
            OptimizerSpec::Momentum { momentum } | OptimizerSpec::Nesterov { momentum } => {
                *momentum = m
            }
            _ => return Err(wrong_opt(e, "momentum and nesterov")),
        }
    }
    for key in ["beta1", "beta2"] {
        if let Some((e, b)) = float(key)? {
            match &mut cfg.optimizer {
                OptimizerSpec::Adam { beta1, beta2, .. }
                | OptimizerSpec::AdamW { beta1, beta2, .. } => {
                    *(if key == "beta1" { beta1 } else { beta2 }) = b
                }
                _ => return Err(wrong_opt(e, "adam and adamw")),
            }
        }
    }
    if let Some((e, x)) = float("eps")? {
        match &mut cfg.optimizer {
            OptimizerSpec::Adam { eps, .. }
            | OptimizerSpec::AdamW { eps, .. }
            | OptimizerSpec::RmsProp { eps, .. }
            | OptimizerSpec::Adagrad { eps } => *eps = x,
            _ => return Err(wrong_opt(e, "adam, adamw, rmsprop and adagrad")),
        }
    }
    if let Some((e, x)) = float("weight_decay")? {
        match &mut cfg.optimizer {
            OptimizerSpec::AdamW { weight_decay, .. } => *weight_decay = x,
            _ => return Err(wrong_opt(e, "adamw")),
        }
    }
    if let Some((e, x)) = float("rho")? {
        match &mut cfg.optimizer {
            OptimizerSpec::RmsProp { rho, .. } => *rho = x,
            _ => return Err(wrong_opt(e, "rmsprop")),
        }
    }
    if let Some((e, x)) = int("memory")? {
        match &mut cfg.optimizer {
            OptimizerSpec::Lbfgs { memory } => *memory = x,
            _ => return Err(wrong_opt(e, "lbfgs")),
        }
    }
    if let Some((e, lr)) = float("lr")? {
        if matches!(cfg.optimizer, OptimizerSpec::Lbfgs { .. }) {
            return Err(err(
                e,
                "L-BFGS chooses its own step length by line search; drop 'lr' or pick another optimizer".into(),
            ));
        }
        cfg.lr = Some(lr);
    }
    if let Some((e, s)) = text("schedule")? {
        cfg.schedule = s.parse::<Schedule>().map_err(|m| err(e, m))?;
    }
    if let Some((_, w)) = int("warmup_epochs")? {
        cfg.warmup_epochs = w;
    }
    if let Some((_, n)) = int("epochs")? {
        cfg.epochs = n;
    }
    if let Some((e, b)) = int("batch_size")? {
        if cfg.optimizer.full_batch() {
            return Err(err(
                e,
                format!("the {opt_name} optimizer always uses the full batch; drop 'batch_size'"),
            ));
        }
        cfg.batch_size = Some(b);
    }
    if let Some((_, x)) = float("l1")? {
        cfg.l1 = x;
    }
    if let Some((_, x)) = float("l2")? {
        cfg.l2 = x;
    }
    let c = match float("C")? {
        Some((e, _)) if get("l2").is_some() => {
            return Err(err(
                e,
                "give either 'C' (scikit-learn's inverse strength) or 'l2', not both".into(),
            ));
        }
        Some((e, c)) if c <= 0.0 => return Err(err(e, format!("'C' must be positive, got {c}"))),
        Some((_, c)) => Some(c),
        None => None,
    };
    if let Some((_, x)) = float("clip_norm")? {
        cfg.clip_norm = Some(x);
    }
    if let Some((_, x)) = float("tol")? {
        cfg.tol = Some(x);
    }
    if let Some((_, n)) = int("n_iter_no_change")? {
        cfg.n_iter_no_change = n;
    }
    if let Some((_, x)) = float("gtol")? {
        cfg.gtol = Some(x);
    }
    if let Some((e, s)) = text("loss")? {
        cfg.loss = Some(s.parse::<Loss>().map_err(|m| err(e, m))?);
    }
    let es_on = boolean("early_stopping")?.map(|(_, b)| b);
    let patience = int("patience")?;
    let vfrac = float("validation_fraction")?;
    if es_on.unwrap_or(patience.is_some() || vfrac.is_some()) {
        let mut es = EarlyStopping::default();
        if let Some((_, p)) = patience {
            es.patience = p;
        }
        if let Some((_, f)) = vfrac {
            es.validation_fraction = f;
        }
        cfg.early_stopping = Some(es);
    }
    let mut pre = PipelineOptions::default();
    if let Some((_, s)) = boolean("scale")? {
        pre.scale = s;
    }
    if let Some((e, s)) = text("impute")? {
        pre.impute = s.parse::<Impute>().map_err(|m| err(e, m))?;
    }
    if let Some((e, m)) = int("max_categories")? {
        if m == 0 {
            return Err(err(e, "'max_categories' must be at least 1".into()));
        }
        pre.max_categories = m;
    }
    if let Some((e, s)) = text("unknown_categories")? {
        pre.unknown = match s.to_ascii_lowercase().as_str() {
            "ignore" => UnknownCategory::Ignore,
            "error" => UnknownCategory::Error,
            _ => {
                return Err(err(
                    e,
                    format!("unknown categories: use ignore or error, got '{s}'"),
                ));
            }
        };
    }
    cfg.validate().map_err(|e| whole_err(e.to_string()))?;

    let name = match text("name")? {
        Some((_, n)) if varied.iter().all(|k| *k == "name") => n,
        Some((_, n)) => {
            let suffix: Vec<String> = chosen
                .iter()
                .filter(|(e, _)| varied.contains(&e.key.as_str()) && e.key != "name")
                .map(|(e, v)| format!("{}={v}", e.key))
                .collect();
            format!("{n} {}", suffix.join(" "))
        }
        None => auto_name(&cfg, chosen, varied),
    };
    Ok(Candidate {
        name,
        config: cfg,
        c,
        preprocessing: pre,
    })
}

/// `logistic/adam lr=0.01 l2=1e-4`: model and optimizer, the learning rate and penalties
/// that were given, and every other key that varies in the grid.
fn auto_name(cfg: &TrainConfig, chosen: &[(&Entry, &Value)], varied: &[&str]) -> String {
    let model = match &cfg.model {
        ModelKind::Mlp { hidden, .. } => {
            let h: Vec<String> = hidden.iter().map(|w| w.to_string()).collect();
            format!("mlp[{}]", h.join("-"))
        }
        m => m.name().to_string(),
    };
    let mut name = format!("{model}/{}", cfg.optimizer.name());
    for (e, v) in chosen {
        let key = e.key.as_str();
        if matches!(key, "model" | "optimizer" | "hidden" | "name")
            || !(matches!(key, "lr" | "l2" | "C" | "l1") || varied.contains(&key))
        {
            continue;
        }
        name.push_str(&format!(" {}={v}", e.key));
    }
    name
}

/// Makes names unique by appending ` #2`, ` #3`, ... to repeats.
pub fn dedupe_names(candidates: &mut [Candidate]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in candidates.iter_mut() {
        let n = seen.entry(c.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.name = format!("{} #{}", c.name, n);
        }
    }
}

/// Reads candidates from TOML text (`origin` names the file in errors): an optional
/// `[defaults]` table and one `[[candidate]]` table per specification. Unknown keys are an
/// error naming the line and listing the valid keys.
pub fn from_toml(text: &str, origin: &str, task: Task) -> Result<Vec<Candidate>> {
    let (defaults, specs) = parse_toml(text, origin)?;
    let mut out = Vec::new();
    for spec in &specs {
        out.extend(spec.build_with_defaults(&defaults, task)?);
    }
    if out.len() > MAX_GRID {
        return Err(SelectError::BadCandidate(format!(
            "{origin}: {} candidates in all; at most {MAX_GRID} are allowed",
            out.len()
        )));
    }
    dedupe_names(&mut out);
    Ok(out)
}

/// Reads a candidate file.
pub fn from_toml_file(path: &std::path::Path, task: Task) -> Result<Vec<Candidate>> {
    let text = std::fs::read_to_string(path).map_err(|source| SelectError::Io {
        path: path.display().to_string(),
        source,
    })?;
    from_toml(&text, &path.display().to_string(), task)
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

/// Parses the file into the defaults and the candidate specifications, with line numbers.
fn parse_toml(text: &str, origin: &str) -> Result<(Spec, Vec<Spec>)> {
    let doc = toml::de::DeTable::parse(text).map_err(|e| SelectError::CandidateFile {
        file: origin.to_string(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let file_err = |line: usize, message: String| SelectError::CandidateFile {
        file: origin.to_string(),
        line,
        message,
    };
    let mut defaults = Spec {
        origin: origin.to_string(),
        ..Spec::default()
    };
    let mut specs = Vec::new();
    for (k, v) in doc.get_ref().iter() {
        let line = line_of(text, k.span().start);
        match k.get_ref().as_ref() {
            "defaults" => {
                let t = v.get_ref().as_table().ok_or_else(|| {
                    file_err(line, "'defaults' must be a table: [defaults]".into())
                })?;
                defaults = table_spec(text, origin, t, line)?;
                if let Some(e) = defaults.entries.iter().find(|e| e.key == "name") {
                    return Err(file_err(
                        e.line.unwrap_or(line),
                        "'name' cannot be a default; name each candidate".into(),
                    ));
                }
            }
            "candidate" => {
                let arr = v.get_ref().as_array().ok_or_else(|| {
                    file_err(line, "write candidates as [[candidate]] tables".into())
                })?;
                for item in arr.iter() {
                    let item_line = line_of(text, item.span().start);
                    let t = item.get_ref().as_table().ok_or_else(|| {
                        file_err(item_line, "write candidates as [[candidate]] tables".into())
                    })?;
                    specs.push(table_spec(text, origin, t, item_line)?);
                }
            }
            other => {
                let valid = ["defaults", "candidate"];
                return Err(SelectError::UnknownKey {
                    file: origin.to_string(),
                    line,
                    key: other.to_string(),
                    suggestion: mosel_data::error::closest(other, valid),
                    valid: valid.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
    }
    if specs.is_empty() {
        return Err(file_err(
            1,
            "no candidates: add at least one [[candidate]] table".into(),
        ));
    }
    Ok((defaults, specs))
}

fn table_spec(
    text: &str,
    origin: &str,
    table: &toml::de::DeTable<'_>,
    line: usize,
) -> Result<Spec> {
    let mut spec = Spec {
        origin: origin.to_string(),
        line: Some(line),
        entries: Vec::new(),
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let kline = line_of(text, k.span().start);
        let Some(kind) = key_kind(key) else {
            let names = key_names();
            return Err(SelectError::UnknownKey {
                file: origin.to_string(),
                line: kline,
                key: key.to_string(),
                suggestion: mosel_data::error::closest(key, names.iter().map(String::as_str)),
                valid: names,
            });
        };
        let bad = |m: String| SelectError::CandidateFile {
            file: origin.to_string(),
            line: kline,
            message: format!("'{key}': {m}"),
        };
        let values = match (kind, v.get_ref()) {
            // A list of widths is one value; a list of lists is a grid.
            (KeyKind::IntList, toml::de::DeValue::Array(a))
                if a.iter().all(|x| !x.get_ref().is_array()) =>
            {
                vec![scalar(kind, v.get_ref()).map_err(bad)?]
            }
            (_, toml::de::DeValue::Array(a)) => {
                if a.is_empty() {
                    return Err(bad("an empty list gives no candidates".into()));
                }
                a.iter()
                    .map(|x| scalar(kind, x.get_ref()).map_err(bad))
                    .collect::<Result<Vec<_>>>()?
            }
            (_, x) => vec![scalar(kind, x).map_err(bad)?],
        };
        spec.entries.push(Entry {
            key: key.to_string(),
            values,
            line: Some(kline),
        });
    }
    Ok(spec)
}

fn scalar(kind: KeyKind, v: &toml::de::DeValue<'_>) -> std::result::Result<Value, String> {
    use toml::de::DeValue;
    let int_of = |v: &DeValue<'_>| -> Option<i64> {
        v.as_integer()
            .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok())
    };
    match kind {
        KeyKind::Text => v
            .as_str()
            .map(|s| Value::Text(s.to_string()))
            .ok_or_else(|| format!("expected text, got a {}", v.type_str())),
        KeyKind::Float => {
            if let Some(i) = int_of(v) {
                return Ok(Value::Float(i as f64));
            }
            let f = v
                .as_float()
                .ok_or_else(|| format!("expected a number, got a {}", v.type_str()))?;
            let s = f.as_str().replace('_', "");
            match s.as_str() {
                "inf" | "+inf" | "-inf" | "nan" | "+nan" | "-nan" => {
                    Err(format!("expected a finite number, got {s}"))
                }
                _ => s
                    .parse::<f64>()
                    .map(Value::Float)
                    .map_err(|_| format!("'{s}' is not a number")),
            }
        }
        KeyKind::Int => int_of(v)
            .map(Value::Int)
            .ok_or_else(|| format!("expected a whole number, got a {}", v.type_str())),
        KeyKind::Bool => v
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("expected true or false, got a {}", v.type_str())),
        KeyKind::IntList => match v {
            DeValue::Array(a) => a
                .iter()
                .map(|x| int_of(x.get_ref()))
                .collect::<Option<Vec<_>>>()
                .map(Value::IntList)
                .ok_or_else(|| "expected a list of whole numbers like [64, 32]".to_string()),
            x => int_of(x)
                .map(|i| Value::IntList(vec![i]))
                .ok_or_else(|| format!("expected a list of widths, got a {}", v.type_str())),
        },
    }
}

/// The default candidates for a task: they answer "which model and which optimizer, for
/// this data?".
///
/// * classification: logistic regression trained with L-BFGS (L2 strengths 1e-4..0.1),
///   full-batch GD (lr 0.1, 1), mini-batch SGD (lr 0.01, 0.1) and Adam (lr 0.001, 0.01), each
///   with L2 1e-4 and 0.01, and two MLPs (one hidden layer of 32; 64 and 32) with Adam;
/// * regression: the same with linear regression, GD at lr 0.02 / 0.2 and SGD at
///   0.001 / 0.01.
///
/// First-order optimizers stop when the training loss improves by less than 1e-4 for 10
/// epochs (scikit-learn's `tol` / `n_iter_no_change`).
pub fn default_candidates(task: Task) -> Vec<Candidate> {
    let classification = task.is_classification();
    let linear = if classification { "logistic" } else { "linear" };
    // Regression on a standardised target has a larger curvature than the cross-entropy,
    // so the first-order grids are a step lower (GD at 0.3 already oscillates on
    // correlated features).
    let (gd, sgd) = if classification {
        (["0.1", "1"], ["0.01", "0.1"])
    } else {
        (["0.02", "0.2"], ["0.001", "0.01"])
    };
    let mut specs: Vec<Vec<(&str, Vec<&str>)>> = vec![
        vec![
            ("model", vec![linear]),
            ("optimizer", vec!["lbfgs"]),
            ("l2", vec!["1e-4", "1e-3", "1e-2", "1e-1"]),
        ],
        vec![
            ("model", vec![linear]),
            ("optimizer", vec!["gd"]),
            ("lr", gd.to_vec()),
            ("l2", vec!["1e-4", "1e-2"]),
            ("epochs", vec!["300"]),
            ("tol", vec!["1e-4"]),
        ],
        vec![
            ("model", vec![linear]),
            ("optimizer", vec!["sgd"]),
            ("lr", sgd.to_vec()),
            ("l2", vec!["1e-4", "1e-2"]),
            ("batch_size", vec!["32"]),
            ("epochs", vec!["50"]),
            ("tol", vec!["1e-4"]),
        ],
        vec![
            ("model", vec![linear]),
            ("optimizer", vec!["adam"]),
            ("lr", vec!["0.001", "0.01"]),
            ("l2", vec!["1e-4", "1e-2"]),
            ("batch_size", vec!["32"]),
            ("epochs", vec!["100"]),
            ("tol", vec!["1e-4"]),
        ],
    ];
    for hidden in ["32", "64,32"] {
        specs.push(vec![
            ("model", vec!["mlp"]),
            ("hidden", vec![hidden]),
            ("optimizer", vec!["adam"]),
            ("lr", vec!["0.001"]),
            ("l2", vec!["1e-4"]),
            ("epochs", vec!["200"]),
            ("tol", vec!["1e-4"]),
        ]);
    }
    let mut out = Vec::new();
    for s in specs {
        let pairs = s
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (*k, *v)));
        let spec = Spec::from_pairs(pairs).expect("default candidate keys are valid");
        out.extend(spec.build(task).expect("default candidates are valid"));
    }
    dedupe_names(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_maps_to_l2_per_training_rows() {
        let spec = Spec::from_pairs([("C", "0.5")]).unwrap();
        let c = &spec.build(Task::Binary).unwrap()[0];
        assert_eq!(c.config_for(400, 7).l2, 1.0 / 200.0);
        assert_eq!(c.config_for(400, 7).seed, 7);
    }

    #[test]
    fn fmt_g_is_compact() {
        assert_eq!(fmt_g(1e-4), "1e-4");
        assert_eq!(fmt_g(0.01), "0.01");
        assert_eq!(fmt_g(1.0), "1");
        assert_eq!(fmt_g(0.000774263682681127), "7.74263682681127e-4");
    }
}
