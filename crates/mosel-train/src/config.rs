//! The serialisable description of a model and how to train it.

use crate::error::{Result, TrainError};
use crate::loss::Loss;
use crate::optim::{OptimizerSpec, Schedule};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Hidden-layer activation of an MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `max(0, x)`.
    #[default]
    Relu,
    /// `tanh(x)`.
    Tanh,
    /// GELU, tanh approximation: `½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
    Gelu,
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "gelu" => Ok(Activation::Gelu),
            _ => Err(format!("unknown activation '{s}': use relu, tanh or gelu")),
        }
    }
}

/// Weight initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Glorot uniform for every MLP layer (scikit-learn's and Keras's default; it trained
    /// better than He in the MLP benchmark); zeros for the linear models (they are convex).
    #[default]
    Auto,
    /// He normal everywhere.
    He,
    /// Glorot uniform everywhere.
    Glorot,
}

/// The model family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelKind {
    /// Linear regression: one output, regression losses.
    Linear,
    /// Logistic regression: one logit with binary cross-entropy; on more than two classes it
    /// is multinomial (softmax) logistic regression, like scikit-learn's.
    Logistic,
    /// Softmax regression: one logit per class, softmax cross-entropy.
    Softmax,
    /// Multi-layer perceptron.
    Mlp {
        /// Width of each hidden layer.
        hidden: Vec<usize>,
        /// Hidden activation.
        #[serde(default)]
        activation: Activation,
        /// Dropout probability on hidden activations during training.
        #[serde(default)]
        dropout: f64,
    },
}

impl ModelKind {
    /// Short name: `linear`, `logistic`, `softmax` or `mlp`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelKind::Linear => "linear",
            ModelKind::Logistic => "logistic",
            ModelKind::Softmax => "softmax",
            ModelKind::Mlp { .. } => "mlp",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelKind::Mlp {
                hidden,
                activation,
                dropout,
            } => {
                let h: Vec<String> = hidden.iter().map(|h| h.to_string()).collect();
                write!(f, "mlp[{}] {:?}", h.join("-"), activation)?;
                if *dropout > 0.0 {
                    write!(f, " dropout {dropout}")?;
                }
                Ok(())
            }
            k => f.write_str(k.name()),
        }
    }
}

impl FromStr for ModelKind {
    type Err = String;
    /// `linear`, `logistic`, `softmax`, `mlp` (one hidden layer of 100 ReLU units) or
    /// `mlp:64,32` for given hidden widths.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase();
        match l.as_str() {
            "linear" | "linear_regression" => Ok(ModelKind::Linear),
            "logistic" | "logistic_regression" => Ok(ModelKind::Logistic),
            "softmax" | "softmax_regression" => Ok(ModelKind::Softmax),
            "mlp" => Ok(ModelKind::Mlp {
                hidden: vec![100],
                activation: Activation::Relu,
                dropout: 0.0,
            }),
            _ => match l.strip_prefix("mlp:") {
                Some(h) => {
                    let hidden = h
                        .split(',')
                        .map(|w| w.trim().parse::<usize>().ok().filter(|&w| w > 0))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| format!("bad hidden widths in '{s}': use e.g. mlp:64,32"))?;
                    Ok(ModelKind::Mlp {
                        hidden,
                        activation: Activation::Relu,
                        dropout: 0.0,
                    })
                }
                None => Err(format!(
                    "unknown model '{s}': use linear, logistic, softmax, mlp or mlp:<w1>,<w2>,..."
                )),
            },
        }
    }
}

/// Early stopping on a validation set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyStopping {
    /// Epochs without improvement of the validation loss before stopping.
    pub patience: usize,
    /// Smallest decrease of the validation loss that counts as an improvement.
    pub min_delta: f64,
    /// Fraction of the training rows held out (stratified for classification) when no
    /// validation set is given to `fit`.
    pub validation_fraction: f64,
    /// Restore the weights of the best epoch at the end.
    pub restore_best: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self {
            patience: 10,
            min_delta: 0.0,
            validation_fraction: 0.1,
            restore_best: true,
        }
    }
}

/// Everything needed to build and train a model: model kind, loss, optimizer and their
/// hyperparameters. Serialisable, so cross-validation and tuning can build models from it and
/// model files can record it.
///
/// The training objective is `mean_i loss_i + l1·‖w‖₁ + (l2/2)·‖w‖²` over the weights `w`
/// (intercepts / biases are not penalised). With `l1 = 0` this is scikit-learn's
/// `LogisticRegression(C)` objective divided by `C·n`, so `l2 = 1 / (C · n_train_rows)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// The model family.
    pub model: ModelKind,
    /// The loss; `None` picks it from the task ([`Loss::default_for`]).
    pub loss: Option<Loss>,
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// Base learning rate; `None` uses the optimizer's default. Ignored by L-BFGS.
    pub lr: Option<f64>,
    /// Learning-rate schedule (per epoch).
    pub schedule: Schedule,
    /// Epochs of linear warm-up.
    pub warmup_epochs: usize,
    /// Maximum epochs (iterations for L-BFGS).
    pub epochs: usize,
    /// Mini-batch size for the stochastic optimizers; `None` = min(32, n). GD and L-BFGS
    /// always use the full batch.
    pub batch_size: Option<usize>,
    /// L1 penalty strength (first-order optimizers: subgradient; L-BFGS: OWL-QN).
    pub l1: f64,
    /// L2 penalty strength: `(l2/2)·‖w‖²`.
    pub l2: f64,
    /// Clip the gradient to this Euclidean norm.
    pub clip_norm: Option<f64>,
    /// Stop when the training loss has not decreased by at least `tol` for
    /// `n_iter_no_change` epochs (L-BFGS: relative decrease per iteration).
    pub tol: Option<f64>,
    /// See `tol`.
    pub n_iter_no_change: usize,
    /// Stop when the largest component of the gradient is at most this (first-order
    /// optimizers: of the epoch's mean mini-batch gradient). L-BFGS defaults to 1e-4, like
    /// scikit-learn.
    pub gtol: Option<f64>,
    /// Early stopping on validation loss.
    pub early_stopping: Option<EarlyStopping>,
    /// Weight initialisation.
    pub init: Init,
    /// Seed of initialisation, shuffling, dropout and the validation split.
    pub seed: u64,
    /// Regression: train on the standardized target `(y - mean) / std` (of the training
    /// rows) and map the output layer back afterwards, so default learning rates work
    /// whatever the target's scale. Losses in the history are then in standardized units;
    /// predictions and coefficients are in the original units. For MSE with an L2 penalty
    /// the fitted model is the same as without standardization.
    pub standardize_target: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model: ModelKind::Logistic,
            loss: None,
            optimizer: OptimizerSpec::Lbfgs { memory: 10 },
            lr: None,
            schedule: Schedule::Constant,
            warmup_epochs: 0,
            epochs: 100,
            batch_size: None,
            l1: 0.0,
            l2: 0.0,
            clip_norm: None,
            tol: None,
            n_iter_no_change: 10,
            gtol: None,
            early_stopping: None,
            init: Init::Auto,
            seed: 0,
            standardize_target: true,
        }
    }
}

impl TrainConfig {
    /// A default configuration for `model`: L-BFGS for the linear models, Adam (lr 1e-3,
    /// batch 200) for MLPs.
    pub fn new(model: ModelKind) -> Self {
        let mlp = matches!(model, ModelKind::Mlp { .. });
        Self {
            model,
            optimizer: if mlp {
                OptimizerSpec::ADAM
            } else {
                OptimizerSpec::Lbfgs { memory: 10 }
            },
            batch_size: if mlp { Some(200) } else { None },
            epochs: if mlp { 200 } else { 100 },
            ..Self::default()
        }
    }

    /// The learning rate in use.
    pub fn learning_rate(&self) -> f64 {
        self.lr.unwrap_or_else(|| self.optimizer.default_lr())
    }

    /// Checks ranges and combinations.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(TrainError::Config(m));
        self.optimizer.validate()?;
        let lr = self.learning_rate();
        if !(lr > 0.0 && lr.is_finite()) {
            return bad(format!("learning rate must be positive, got {lr}"));
        }
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size == Some(0) {
            return bad("batch size must be at least 1".into());
        }
        if !(self.l1 >= 0.0 && self.l2 >= 0.0 && self.l1.is_finite() && self.l2.is_finite()) {
            return bad(format!(
                "penalties must be >= 0 (l1 = {}, l2 = {})",
                self.l1, self.l2
            ));
        }
        if let Some(c) = self.clip_norm
            && (c <= 0.0 || c.is_nan())
        {
            return bad(format!("clip norm must be positive, got {c}"));
        }
        if let ModelKind::Mlp {
            hidden, dropout, ..
        } = &self.model
        {
            if hidden.is_empty() || hidden.contains(&0) {
                return bad("an MLP needs at least one hidden layer of width >= 1".into());
            }
            if !(0.0..1.0).contains(dropout) {
                return bad(format!("dropout must be in [0, 1), got {dropout}"));
            }
            if *dropout > 0.0
                && self.optimizer.full_batch()
                && matches!(self.optimizer, OptimizerSpec::Lbfgs { .. })
            {
                return bad(
                    "dropout makes the objective random: use a first-order optimizer, not L-BFGS"
                        .into(),
                );
            }
        }
        if let Some(es) = &self.early_stopping
            && !(es.validation_fraction > 0.0 && es.validation_fraction < 1.0)
        {
            return bad(format!(
                "validation fraction must be in (0, 1), got {}",
                es.validation_fraction
            ));
        }
        if let (Some(loss), ModelKind::Linear) = (self.loss, &self.model)
            && loss.is_classification()
        {
            return bad(format!("linear regression cannot use the {loss} loss"));
        }
        Ok(())
    }
}
