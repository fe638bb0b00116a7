//! The hyperparameters shared by the families mosel's optimizers train (linear models and
//! MLPs): the optimizer and its settings, the learning rate and its schedule, epochs and
//! mini-batches, penalties, stopping rules, the loss and early stopping. [`TrainingParams`]
//! turns them into a `mosel_train::TrainConfig`; the default tuning space's parameters for
//! these families live here too.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use mosel_data::Task;
use mosel_train::{
    Activation, EarlyStopping, Loss, ModelKind, OptimizerSpec, Schedule, TrainConfig,
};
use mosel_tune::space::{ParamValue, SpaceBuilder};

use super::{ParamError, Settings, fmt_g, typed};

/// The typed hyperparameters of a linear model or MLP. Every field is optional: what is not
/// given keeps `mosel_train`'s default for the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingParams {
    /// MLP hidden layer widths.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "widths"
    )]
    pub hidden: Option<Vec<usize>>,
    /// MLP activation: relu, tanh or gelu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<String>,
    /// MLP dropout probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropout: Option<f64>,
    /// gd, sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad or lbfgs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Learning rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// constant, step:<epochs>:<gamma>, exp:<gamma> or cosine[:<min_lr>].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Epochs of linear learning-rate warm-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_epochs: Option<usize>,
    /// Maximum epochs (iterations for L-BFGS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// Mini-batch size of the stochastic optimizers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Momentum coefficient (momentum, nesterov).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    /// Adam/AdamW first-moment decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    /// Adam/AdamW second-moment decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    /// Epsilon of Adam, AdamW, RMSprop, Adagrad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// AdamW decoupled weight decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// RMSprop decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    /// L-BFGS memory (correction pairs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<usize>,
    /// L1 penalty strength.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1: Option<f64>,
    /// L2 penalty strength: `(l2/2)·‖w‖²` added to the mean loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2: Option<f64>,
    /// scikit-learn's inverse strength `C`: `l2 = 1 / (C · training rows)` for each fit.
    #[serde(rename = "C", default, skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
    /// Clip gradients to this norm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_norm: Option<f64>,
    /// Stop when the loss improves by less than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tol: Option<f64>,
    /// Epochs without improvement > tol before stopping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_iter_no_change: Option<usize>,
    /// Stop when the largest gradient component is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtol: Option<f64>,
    /// mse, mae, huber[:<delta>], bce or cross_entropy (default: from the task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<String>,
    /// Hold out part of the training rows and stop when their loss stalls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<bool>,
    /// Early-stopping patience (turns early stopping on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// Share of training rows held out for early stopping (turns early stopping on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_fraction: Option<f64>,
    /// Smallest validation-loss decrease that counts as an improvement for early stopping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_delta: Option<f64>,
}

/// Hidden widths from a list (`[64, 32]`), one number (`64`) or text (`"64,32"`).
fn widths<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<usize>>, D::Error> {
    use serde::de::Error;
    let bad = |v: &Value| D::Error::custom(format!("expected a list of positive widths, got {v}"));
    let v = Value::deserialize(d)?;
    let list: Vec<Value> = match &v {
        Value::Array(a) => a.clone(),
        Value::Number(_) => vec![v.clone()],
        Value::String(s) => s
            .split([',', '-', ' '])
            .filter(|w| !w.is_empty())
            .map(|w| {
                w.trim()
                    .parse::<u64>()
                    .map(Value::from)
                    .map_err(|_| bad(&v))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad(&v)),
    };
    let w: Vec<usize> = list
        .iter()
        .map(|x| x.as_u64().filter(|&n| n > 0).map(|n| n as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| bad(&v))?;
    if w.is_empty() {
        return Err(bad(&v));
    }
    Ok(Some(w))
}

/// The MLP-only keys.
pub const MLP_KEYS: [&str; 3] = ["hidden", "activation", "dropout"];

/// The first-order optimizers (they take a learning rate).
pub const FIRST_ORDER: [&str; 7] = [
    "gd", "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad",
];

/// The stochastic (mini-batch) optimizers (they take a batch size).
pub const STOCHASTIC: [&str; 6] = ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"];

impl TrainingParams {
    /// Reads and checks settings for `model` (a linear model's name or `mlp`) on `task`.
    pub fn from_settings(model: &str, settings: &Settings, task: Task) -> Result<Self, ParamError> {
        let p: TrainingParams = typed(settings)?;
        p.config(model, task)?;
        Ok(p)
    }

    /// The training configuration for `model` on `task` (seed 0, `C` not applied).
    pub fn config(&self, model: &str, task: Task) -> Result<TrainConfig, ParamError> {
        let mut kind: ModelKind = model
            .parse()
            .map_err(|m: String| ParamError::key("model", m))?;
        if let ModelKind::Mlp {
            hidden,
            activation,
            dropout,
        } = &mut kind
        {
            if let Some(h) = &self.hidden {
                *hidden = h.clone();
            }
            if let Some(a) = &self.activation {
                *activation = a
                    .parse::<Activation>()
                    .map_err(|m| ParamError::key("activation", m))?;
            }
            if let Some(d) = self.dropout {
                *dropout = d;
            }
        } else if let Some(k) = MLP_KEYS.iter().find(|k| self.is_set(k)) {
            return Err(ParamError::key(
                k,
                format!("'{k}' applies to MLPs only, not to {}", kind.name()),
            ));
        }
        let mut cfg = TrainConfig::new(kind);
        if let Some(o) = &self.optimizer {
            cfg.optimizer = o.parse().map_err(|m| ParamError::key("optimizer", m))?;
            if !matches!(cfg.model, ModelKind::Mlp { .. }) && !cfg.optimizer.full_batch() {
                cfg.batch_size = None;
            }
        }
        self.optimizer_settings(&mut cfg.optimizer)?;
        if let Some(lr) = self.lr {
            if matches!(cfg.optimizer, OptimizerSpec::Lbfgs { .. }) {
                return Err(ParamError::key(
                    "lr",
                    "L-BFGS chooses its own step length by line search; drop 'lr' or pick \
                     another optimizer",
                ));
            }
            cfg.lr = Some(lr);
        }
        if let Some(s) = &self.schedule {
            cfg.schedule = s
                .parse::<Schedule>()
                .map_err(|m| ParamError::key("schedule", m))?;
        }
        if let Some(w) = self.warmup_epochs {
            cfg.warmup_epochs = w;
        }
        if let Some(n) = self.epochs {
            cfg.epochs = n;
        }
        if let Some(b) = self.batch_size {
            if cfg.optimizer.full_batch() {
                return Err(ParamError::key(
                    "batch_size",
                    format!(
                        "the {} optimizer always uses the full batch; drop 'batch_size'",
                        cfg.optimizer.name()
                    ),
                ));
            }
            cfg.batch_size = Some(b);
        }
        cfg.l1 = self.l1.unwrap_or(cfg.l1);
        cfg.l2 = self.l2.unwrap_or(cfg.l2);
        match self.c {
            Some(_) if self.l2.is_some() => {
                return Err(ParamError::key(
                    "C",
                    "give either 'C' (scikit-learn's inverse strength) or 'l2', not both",
                ));
            }
            Some(c) if !(c > 0.0 && c.is_finite()) => {
                return Err(ParamError::key(
                    "C",
                    format!("'C' must be positive, got {c}"),
                ));
            }
            _ => {}
        }
        cfg.clip_norm = self.clip_norm.or(cfg.clip_norm);
        cfg.tol = self.tol.or(cfg.tol);
        cfg.n_iter_no_change = self.n_iter_no_change.unwrap_or(cfg.n_iter_no_change);
        cfg.gtol = self.gtol.or(cfg.gtol);
        if let Some(s) = &self.loss {
            cfg.loss = Some(s.parse::<Loss>().map_err(|m| ParamError::key("loss", m))?);
        }
        if self.early_stopping_on() {
            let mut es = EarlyStopping::default();
            es.patience = self.patience.unwrap_or(es.patience);
            es.validation_fraction = self.validation_fraction.unwrap_or(es.validation_fraction);
            es.min_delta = self.min_delta.unwrap_or(es.min_delta);
            cfg.early_stopping = Some(es);
        }
        cfg.validate()
            .map_err(|e| ParamError::whole(e.to_string()))?;
        let _ = task;
        Ok(cfg)
    }

    /// Applies the optimizer's own settings, refusing those of other optimizers.
    fn optimizer_settings(&self, opt: &mut OptimizerSpec) -> Result<(), ParamError> {
        let name = opt.name();
        let wrong = |k: &str, for_: &str| {
            Err(ParamError::key(
                k,
                format!("'{k}' applies to {for_}, not to the {name} optimizer"),
            ))
        };
        if let Some(m) = self.momentum {
            match opt {
                OptimizerSpec::Momentum { momentum } | OptimizerSpec::Nesterov { momentum } => {
                    *momentum = m
                }
                _ => return wrong("momentum", "momentum and nesterov"),
            }
        }
        for (k, v) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if let Some(b) = v {
                match opt {
                    OptimizerSpec::Adam { beta1, beta2, .. }
                    | OptimizerSpec::AdamW { beta1, beta2, .. } => {
                        *(if k == "beta1" { beta1 } else { beta2 }) = b
                    }
                    _ => return wrong(k, "adam and adamw"),
                }
            }
        }
        if let Some(x) = self.eps {
            match opt {
                OptimizerSpec::Adam { eps, .. }
                | OptimizerSpec::AdamW { eps, .. }
                | OptimizerSpec::RmsProp { eps, .. }
                | OptimizerSpec::Adagrad { eps } => *eps = x,
                _ => return wrong("eps", "adam, adamw, rmsprop and adagrad"),
            }
        }
        if let Some(x) = self.weight_decay {
            match opt {
                OptimizerSpec::AdamW { weight_decay, .. } => *weight_decay = x,
                _ => return wrong("weight_decay", "adamw"),
            }
        }
        if let Some(x) = self.rho {
            match opt {
                OptimizerSpec::RmsProp { rho, .. } => *rho = x,
                _ => return wrong("rho", "rmsprop"),
            }
        }
        if let Some(x) = self.memory {
            match opt {
                OptimizerSpec::Lbfgs { memory } => *memory = x,
                _ => return wrong("memory", "lbfgs"),
            }
        }
        Ok(())
    }

    /// True when the settings turn early stopping on.
    pub fn early_stopping_on(&self) -> bool {
        self.early_stopping
            .unwrap_or(self.patience.is_some() || self.validation_fraction.is_some())
    }

    /// True when `key` is set.
    fn is_set(&self, key: &str) -> bool {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get(key).cloned())
            .is_some()
    }

    /// The configuration of one fit on `n_train` rows with `seed`: `C` becomes
    /// `l2 = 1 / (C · n_train)` (mosel's objective is the *mean* loss plus `(l2/2)‖w‖²`;
    /// scikit-learn's is `C ·` the *sum* plus `½‖w‖²`).
    pub fn fit_config(
        &self,
        model: &str,
        task: Task,
        n_train: usize,
        seed: u64,
    ) -> Result<TrainConfig, ParamError> {
        let mut cfg = self.config(model, task)?;
        if let Some(c) = self.c {
            cfg.l2 = 1.0 / (c * n_train.max(1) as f64);
        }
        cfg.seed = seed;
        Ok(cfg)
    }

    /// `model optimizer lr=.. batch=.. C=.. epochs=..`: the model, optimizer and the
    /// hyperparameters that matter.
    pub fn describe(&self, cfg: &TrainConfig) -> String {
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
        parts.join(" ")
    }
}

/// `logistic/adam`, `mlp[64-32]/adam`: the model (an MLP with its widths) and the optimizer.
pub fn label(model: &str, params: &Value) -> String {
    match stored(params).config(model, Task::Binary) {
        Ok(cfg) => {
            let m = match &cfg.model {
                ModelKind::Mlp { hidden, .. } => {
                    let h: Vec<String> = hidden.iter().map(|w| w.to_string()).collect();
                    format!("mlp[{}]", h.join("-"))
                }
                m => m.name().to_string(),
            };
            format!("{m}/{}", cfg.optimizer.name())
        }
        Err(_) => model.to_string(),
    }
}

/// Reads a candidate's stored parameters back (they were checked when it was built).
pub fn stored(params: &Value) -> TrainingParams {
    serde_json::from_value(params.clone()).unwrap_or_default()
}

/// The optimizer, learning-rate, batch-size and penalty parameters of the default tuning
/// space, active when `model` is one of `models`.
///
/// | parameter | values | active when |
/// |---|---|---|
/// | `optimizer` | lbfgs, gd, sgd, momentum, adam, adamw, rmsprop, adagrad | always |
/// | `lr` | log-uniform 1e-4..1 (regression 1e-4..0.3) | first-order optimizers |
/// | `momentum` | 0.5..0.99 | optimizer = momentum |
/// | `batch_size` | log-int 16..256 | stochastic optimizers |
/// | `l2` | log-uniform 1e-6..0.1 | always |
/// | `penalty` | l2, elastic_net (L-BFGS handles L1 as OWL-QN) | always |
/// | `l1` | log-uniform 1e-6..1e-2 | penalty = elastic_net |
/// | `epochs` | 200 (fixed) | always |
/// | `tol` | 1e-4 (fixed) | first-order optimizers |
pub fn add_space(b: SpaceBuilder, models: &[&'static str], task: Task) -> SpaceBuilder {
    let lr_high = if task.is_classification() { 1.0 } else { 0.3 };
    let f = ParamValue::Float;
    let i = ParamValue::Int;
    let models = models.to_vec();
    b.categorical(
        "optimizer",
        [
            "lbfgs", "gd", "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad",
        ],
    )
    .when("model", models.clone())
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
    .when("model", models.clone())
    .grid([f(1e-5), f(1e-3), f(1e-1)])
    .categorical("penalty", ["l2", "elastic_net"])
    .when("model", models.clone())
    .float("l1", 1e-6, 1e-2)
    .log()
    .when("penalty", ["elastic_net"])
    .grid([f(1e-4)])
    .categorical("epochs", [200_i64])
    .when("model", models)
    .categorical("tol", [1e-4_f64])
    .when("optimizer", FIRST_ORDER)
}

/// The tuning key `penalty` (`l2`, `l1`, `elastic_net` or `none`): drops the penalties it
/// turns off.
pub fn apply_penalty(settings: &mut Settings) -> Result<(), ParamError> {
    let Some(p) = settings.remove("penalty") else {
        return Ok(());
    };
    let drop: &[&str] = match p.as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("l2") => &["l1"],
        Some("l1") => &["l2", "C"],
        Some("none") => &["l1", "l2", "C"],
        Some("elastic_net" | "elasticnet") => &[],
        _ => {
            return Err(ParamError::key(
                "penalty",
                format!("`penalty` is one of \"l2\", \"l1\", \"elastic_net\", \"none\", got {p}"),
            ));
        }
    };
    for k in drop {
        settings.remove(*k);
    }
    Ok(())
}
