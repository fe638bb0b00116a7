//! Model families: the one registry of the kinds of model mosel trains.
//!
//! A family declares, in one module, everything the rest of mosel needs to know about it:
//! the model names it answers to (`model = "knn"`), the tasks it can learn, its typed
//! hyperparameters (a serde struct with `deny_unknown_fields`, checked when a candidate is
//! built), how a candidate of it is named and described, its default `select` candidates,
//! its part of the default tuning space, how to build an unfitted learner and how to read a
//! fitted one back from a model file. Candidates from command-line flags, TOML files and
//! tuning trials all become [`Settings`] and go through [`Family::params`], so they are
//! checked the same way.
//!
//! Adding a family is one new file in this folder and one line in [`FAMILIES`]; see
//! `docs/adding-a-model.md`.

pub mod linear;
pub mod mlp;
pub mod training;

use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;

use mosel_data::Task;
use mosel_train::file::ModelFile;
use mosel_train::{Learner, TrainError};
use mosel_tune::space::SpaceBuilder;

/// Every model family mosel knows, in the order listings and default sets show them.
pub static FAMILIES: &[&dyn Family] = &[&linear::Linear, &mlp::Mlp];

/// The family that answers to the model name `model` (case-insensitive).
pub fn family_of(model: &str) -> Option<&'static dyn Family> {
    FAMILIES
        .iter()
        .copied()
        .find(|f| f.models().iter().any(|m| m.eq_ignore_ascii_case(model)))
}

/// The fitted learner a model file holds, read back by the family its `model_type` names.
pub fn restore(file: &ModelFile) -> Result<Box<dyn Learner>, TrainError> {
    let model = &file.header.model_type;
    let family = family_of(model).ok_or_else(|| {
        TrainError::IncompatibleFile(format!(
            "the file holds a '{model}' model, which this mosel does not know (it knows {}): \
             upgrade mosel",
            model_names().join(", ")
        ))
    })?;
    family.restore(file)
}

/// Reads a model file and its learner.
pub fn load(path: &std::path::Path) -> Result<(ModelFile, Box<dyn Learner>), TrainError> {
    let file = mosel_train::file::load(path)?;
    let learner = restore(&file)?;
    Ok((file, learner))
}

/// Every model name of every family, for error messages.
pub fn model_names() -> Vec<&'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.models().iter().copied())
        .collect()
}

/// Settings of a candidate's model before they are typed: key → JSON value.
pub type Settings = serde_json::Map<String, Value>;

/// What a family knows of the fit it builds a learner for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitContext {
    /// The task.
    pub task: Task,
    /// Training rows of this fit.
    pub n_train: usize,
    /// Seed of this fit.
    pub seed: u64,
}

/// What is wrong with a candidate's settings: the key it concerns (`None`: the settings as
/// a whole) and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The key, when one key is at fault.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ParamError {
    /// An error about `key`.
    pub fn key(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// An error about the settings as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        Self {
            key: None,
            message: message.into(),
        }
    }
}

/// A grid of settings in flag form: each key with one or more textual values.
pub type Grid = Vec<(&'static str, Vec<&'static str>)>;

/// A kind of model: see the module docs.
pub trait Family: Sync {
    /// The model names this family answers to; the first is the family's own name.
    fn models(&self) -> &'static [&'static str];

    /// One line: what the family is.
    fn about(&self) -> &'static str;

    /// Whether `model` (one of [`Family::models`]) can learn a `task` target; the error
    /// says what to use instead.
    fn check_task(&self, model: &str, task: Task) -> Result<(), String>;

    /// The hyperparameter keys the family accepts (its typed parameters' fields).
    fn keys(&self) -> &'static [&'static str];

    /// Keys whose single value is a list (`hidden = [64, 32]`), so a list of lists makes a
    /// grid.
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Checks `settings` for `model` and `task` and returns the family's typed parameters
    /// as JSON (what candidates, results and model files carry).
    fn params(&self, model: &str, settings: &Settings, task: Task) -> Result<Value, ParamError>;

    /// The start of a generated candidate name: `mlp[64-32]/adam`, `knn`.
    fn label(&self, model: &str, params: &Value) -> String;

    /// Keys shown in a generated candidate name whenever they are set (keys that vary in a
    /// grid are always shown).
    fn name_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// A one-line description of the model and the hyperparameters that matter.
    fn describe(&self, model: &str, params: &Value) -> String;

    /// An unfitted learner.
    fn learner(
        &self,
        model: &str,
        params: &Value,
        fit: &FitContext,
    ) -> Result<Box<dyn Learner>, TrainError>;

    /// True when a fit holds out part of its training rows for early stopping.
    fn early_stopping(&self, _params: &Value) -> bool {
        false
    }

    /// True when a regression fit trains on the standardised target (its losses are then
    /// in standardised units).
    fn standardizes_target(&self, _params: &Value) -> bool {
        false
    }

    /// True for families trained by mosel's optimizers: the default space gives them the
    /// optimizer, learning-rate and penalty parameters of [`training`].
    fn trained_by_optimizers(&self) -> bool {
        false
    }

    /// The family's default candidates for `select` on `n_rows` rows of a `task` target,
    /// as grids in flag form (`model` included).
    fn default_candidates(&self, task: Task, n_rows: usize) -> Vec<Grid>;

    /// The model this family contributes to the default tuning space for `task`, if any.
    fn space_model(&self, task: Task) -> Option<&'static str>;

    /// Adds the family's own parameters to the default tuning space, each active only when
    /// `model` is `space_model`.
    fn add_space(&self, builder: SpaceBuilder, model: &'static str, task: Task) -> SpaceBuilder;

    /// Keys a tuning space may use besides [`Family::keys`] (e.g. an MLP's `layers` and
    /// `width`); [`Family::trial_settings`] turns them into keys.
    fn tuning_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Turns tuning-only keys of a trial (e.g. an MLP's `layers` and `width`) into the
    /// family's keys.
    fn trial_settings(&self, _settings: &mut Settings) -> Result<(), ParamError> {
        Ok(())
    }

    /// The fitted learner a model file holds.
    fn restore(&self, file: &ModelFile) -> Result<Box<dyn Learner>, TrainError>;
}

/// Reads settings into a family's typed parameters. Every key is first read on its own, so
/// a wrong value is reported with its key; keys the type does not have are refused.
pub fn typed<P: DeserializeOwned>(settings: &Settings) -> Result<P, ParamError> {
    let fields = fields::<P>();
    for (k, v) in settings {
        if !fields.contains(&k.as_str()) {
            return Err(ParamError::key(k, format!("unknown setting '{k}'")));
        }
        let one: Settings = [(k.clone(), v.clone())].into_iter().collect();
        serde_json::from_value::<P>(Value::Object(one))
            .map_err(|e| ParamError::key(k, friendly(&e.to_string(), v)))?;
    }
    serde_json::from_value(Value::Object(settings.clone()))
        .map_err(|e| ParamError::whole(e.to_string()))
}

/// serde's message about a value, in the words of a candidate file.
fn friendly(message: &str, v: &Value) -> String {
    let expects_number = [
        "expected f64",
        "expected usize",
        "expected u64",
        "expected i64",
    ]
    .iter()
    .any(|t| message.contains(t));
    match v {
        Value::String(s) if expects_number => format!("'{s}' is not a number"),
        _ if expects_number && message.contains("expected f64") => {
            format!("expected a number, got {v}")
        }
        _ if expects_number => format!("expected a whole number >= 0, got {v}"),
        _ => message.to_string(),
    }
}

/// The serde field names of a struct type (its keys).
pub fn fields<P: DeserializeOwned>() -> &'static [&'static str] {
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("field names read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = P::deserialize(Names(&mut names));
    names
}

/// Formats a float compactly: `0.001`, `1e-5`, `100`.
pub fn fmt_g(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        let s = format!("{v:e}");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_name_is_unique_and_found() {
        let names = model_names();
        for n in &names {
            assert!(family_of(n).is_some(), "{n}");
            assert_eq!(names.iter().filter(|m| *m == n).count(), 1, "{n} twice");
        }
        assert!(family_of("MLP").is_some());
        assert!(family_of("forest").is_none());
    }

    #[test]
    fn every_family_declares_its_keys_from_its_type() {
        for f in FAMILIES {
            assert!(!f.keys().is_empty(), "{}", f.models()[0]);
            for k in f.list_keys() {
                assert!(f.keys().contains(k), "{k}");
            }
        }
    }

    #[test]
    fn fmt_g_is_compact() {
        assert_eq!(fmt_g(1e-4), "1e-4");
        assert_eq!(fmt_g(0.01), "0.01");
        assert_eq!(fmt_g(1.0), "1");
        assert_eq!(fmt_g(0.000774263682681127), "7.74263682681127e-4");
    }
}
