//! Multi-layer perceptrons trained by mosel's optimizers (`mlp`): hidden widths, activation
//! and dropout on top of the shared [`TrainingParams`](super::training::TrainingParams).
//! Tuning spaces may give the shape as `layers` and `width` (`layers` hidden layers of
//! `width` units) instead of `hidden`.

use serde_json::Value;

use mosel_data::Task;
use mosel_train::file::ModelFile;
use mosel_train::{Learner, Model, TrainError};
use mosel_tune::space::{ParamValue, SpaceBuilder};

use super::linear::gradient_learner;
use super::training::{self, FIRST_ORDER, TrainingParams};
use super::{Family, FitContext, Grid, ParamError, Settings, fields};

/// The MLP family.
pub struct Mlp;

impl Family for Mlp {
    fn models(&self) -> &'static [&'static str] {
        &["mlp"]
    }

    fn about(&self) -> &'static str {
        "multi-layer perceptron (hidden layers, activation, dropout), trained by any optimizer"
    }

    fn check_task(&self, _model: &str, _task: Task) -> Result<(), String> {
        Ok(())
    }

    fn keys(&self) -> &'static [&'static str] {
        fields::<TrainingParams>()
    }

    fn list_keys(&self) -> &'static [&'static str] {
        &["hidden"]
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

    /// Two MLPs (one hidden layer of 32; 64 and 32) with Adam at 1e-3.
    fn default_candidates(&self, _task: Task, _n_rows: usize) -> Vec<Grid> {
        ["32", "64,32"]
            .into_iter()
            .map(|hidden| {
                vec![
                    ("model", vec!["mlp"]),
                    ("hidden", vec![hidden]),
                    ("optimizer", vec!["adam"]),
                    ("lr", vec!["0.001"]),
                    ("l2", vec!["1e-4"]),
                    ("epochs", vec!["200"]),
                    ("tol", vec!["1e-4"]),
                ]
            })
            .collect()
    }

    fn space_model(&self, _task: Task) -> Option<&'static str> {
        Some("mlp")
    }

    /// | parameter | values | active when |
    /// |---|---|---|
    /// | `layers`, `width` | 1..3, log-int 8..128 | model = mlp |
    /// | `activation` | relu, tanh, gelu | model = mlp |
    /// | `dropout` | 0..0.5 | model = mlp and a first-order optimizer |
    fn add_space(&self, b: SpaceBuilder, model: &'static str, _task: Task) -> SpaceBuilder {
        let f = ParamValue::Float;
        let i = ParamValue::Int;
        b.int("layers", 1, 3)
            .when("model", [model])
            .grid([i(1), i(2)])
            .int("width", 8, 128)
            .log()
            .when("model", [model])
            .grid([i(16), i(64)])
            .categorical("activation", ["relu", "tanh", "gelu"])
            .when("model", [model])
            .float("dropout", 0.0, 0.5)
            .when("model", [model])
            .when("optimizer", FIRST_ORDER)
            .grid([f(0.0), f(0.2)])
    }

    /// `layers` and `width` become `hidden`; `penalty` drops the penalties it turns off.
    fn tuning_keys(&self) -> &'static [&'static str] {
        &["layers", "width", "penalty"]
    }

    fn trial_settings(&self, settings: &mut Settings) -> Result<(), ParamError> {
        let whole = |k: &str, v: &Value| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64))
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ParamError::key(k, format!("`{k}` must be a whole number >= 1, got {v}"))
                })
        };
        let layers = settings
            .remove("layers")
            .map(|v| whole("layers", &v))
            .transpose()?;
        let width = settings
            .remove("width")
            .map(|v| whole("width", &v))
            .transpose()?;
        if layers.is_some() || width.is_some() {
            if settings.contains_key("hidden") {
                return Err(ParamError::key(
                    "hidden",
                    "give the MLP's shape either as `hidden` or as `layers` and `width`, not both",
                ));
            }
            let n = layers.unwrap_or(1) as usize;
            let w = width.unwrap_or(100);
            settings.insert("hidden".into(), Value::from(vec![w; n]));
        }
        training::apply_penalty(settings)
    }

    fn restore(&self, file: &ModelFile) -> Result<Box<dyn Learner>, TrainError> {
        Ok(Box::new(Model::from_file(file)?))
    }
}
