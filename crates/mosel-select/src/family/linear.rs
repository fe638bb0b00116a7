//! Linear models trained by mosel's optimizers: linear regression (`linear`), logistic
//! regression (`logistic`; multinomial on more than two classes, like scikit-learn's) and
//! softmax regression (`softmax`). Their hyperparameters are the shared
//! [`TrainingParams`](super::training::TrainingParams).

use serde_json::Value;

use mosel_data::Task;
use mosel_train::file::ModelFile;
use mosel_train::{Learner, Model, TrainError};
use mosel_tune::space::SpaceBuilder;

use super::training::{self, TrainingParams};
use super::{Family, FitContext, Grid, ParamError, Settings, fields};

/// The linear-model family.
pub struct Linear;

impl Family for Linear {
    fn models(&self) -> &'static [&'static str] {
        &["linear", "logistic", "softmax"]
    }

    fn about(&self) -> &'static str {
        "linear, logistic and softmax regression, trained by any optimizer"
    }

    fn check_task(&self, model: &str, task: Task) -> Result<(), String> {
        match (model, task.is_classification()) {
            ("linear", true) => Err(format!(
                "linear regression cannot do {task} classification; use logistic or softmax"
            )),
            ("logistic" | "softmax", false) => Err(format!(
                "{model} regression is a classifier; for a regression target use linear or mlp"
            )),
            _ => Ok(()),
        }
    }

    fn keys(&self) -> &'static [&'static str] {
        fields::<TrainingParams>()
    }

    fn params(&self, model: &str, settings: &Settings, task: Task) -> Result<Value, ParamError> {
        let p = TrainingParams::from_settings(model, settings, task)?;
        serde_json::to_value(p).map_err(|e| ParamError::whole(e.to_string()))
    }

    fn label(&self, model: &str, params: &Value) -> String {
        training::label(model, params)
    }

    fn name_keys(&self) -> &'static [&'static str] {
        &["lr", "l2", "C", "l1"]
    }

    fn describe(&self, model: &str, params: &Value) -> String {
        let p = training::stored(params);
        match p.config(model, Task::Binary) {
            Ok(cfg) => p.describe(&cfg),
            Err(e) => format!("{model} ({})", e.message),
        }
    }

    fn learner(
        &self,
        model: &str,
        params: &Value,
        fit: &FitContext,
    ) -> Result<Box<dyn Learner>, TrainError> {
        gradient_learner(model, params, fit)
    }

    fn early_stopping(&self, params: &Value) -> bool {
        training::stored(params).early_stopping_on()
    }

    fn standardizes_target(&self, _params: &Value) -> bool {
        true
    }

    fn trained_by_optimizers(&self) -> bool {
        true
    }

    /// Per task's linear model: L-BFGS over four L2 strengths, full-batch GD, mini-batch
    /// SGD and Adam over two learning rates and two L2 strengths each. First-order
    /// optimizers stop when the training loss improves by less than 1e-4 for 10 epochs
    /// (scikit-learn's `tol` / `n_iter_no_change`).
    fn default_candidates(&self, task: Task, _n_rows: usize) -> Vec<Grid> {
        let linear = if task.is_classification() {
            "logistic"
        } else {
            "linear"
        };
        // Regression on a standardised target has a larger curvature than the
        // cross-entropy, so the first-order grids are a step lower (GD at 0.3 already
        // oscillates on correlated features).
        let (gd, sgd) = if task.is_classification() {
            (vec!["0.1", "1"], vec!["0.01", "0.1"])
        } else {
            (vec!["0.02", "0.2"], vec!["0.001", "0.01"])
        };
        vec![
            vec![
                ("model", vec![linear]),
                ("optimizer", vec!["lbfgs"]),
                ("l2", vec!["1e-4", "1e-3", "1e-2", "1e-1"]),
            ],
            vec![
                ("model", vec![linear]),
                ("optimizer", vec!["gd"]),
                ("lr", gd),
                ("l2", vec!["1e-4", "1e-2"]),
                ("epochs", vec!["300"]),
                ("tol", vec!["1e-4"]),
            ],
            vec![
                ("model", vec![linear]),
                ("optimizer", vec!["sgd"]),
                ("lr", sgd),
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
        ]
    }

    fn space_model(&self, task: Task) -> Option<&'static str> {
        Some(match task {
            Task::Binary => "logistic",
            Task::Multiclass => "softmax",
            Task::Regression => "linear",
        })
    }

    fn add_space(&self, builder: SpaceBuilder, _model: &'static str, _task: Task) -> SpaceBuilder {
        builder
    }

    fn tuning_keys(&self) -> &'static [&'static str] {
        &["penalty"]
    }

    fn trial_settings(&self, settings: &mut Settings) -> Result<(), ParamError> {
        training::apply_penalty(settings)
    }

    fn restore(&self, file: &ModelFile) -> Result<Box<dyn Learner>, TrainError> {
        Ok(Box::new(Model::from_file(file)?))
    }
}

/// A linear model or MLP for one fit.
pub(super) fn gradient_learner(
    model: &str,
    params: &Value,
    fit: &FitContext,
) -> Result<Box<dyn Learner>, TrainError> {
    let cfg = training::stored(params)
        .fit_config(model, fit.task, fit.n_train, fit.seed)
        .map_err(|e| TrainError::Config(e.message))?;
    Ok(Box::new(Model::new(cfg)?))
}
