//! Candidates: a model of one of the [model families](crate::family), its hyperparameters
//! and the preprocessing options, from flags, from a TOML file, from tuning trials, or the
//! default set for the task.
//!
//! Every way of writing a candidate gives the same settings (key → value), which the
//! model's family checks into its typed hyperparameters. A key given several values (an
//! array in TOML, a repeated flag on the command line) makes a grid: one candidate per
//! combination.
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
//!
//! [[candidate]]
//! model = "knn"
//! n_neighbors = [5, 15]
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use mosel_data::{Impute, PipelineOptions, Task, UnknownCategory};
use mosel_train::{Learner, TrainConfig};

use crate::error::{Result, SelectError};
use crate::family::{self, Family, FitContext, ParamError, Settings, typed};

/// One candidate: how to preprocess, which model, with which hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// A unique, human-readable name.
    pub name: String,
    /// The model: a name one of the [`FAMILIES`](crate::family::FAMILIES) answers to.
    pub model: String,
    /// The model family's checked hyperparameters.
    pub params: Value,
    /// The task the candidate was built for.
    pub task: Task,
    /// Preprocessing, fitted inside every fold on its training rows only.
    pub preprocessing: PipelineOptions,
}

impl Candidate {
    /// The candidate's model family.
    pub fn family(&self) -> &'static dyn Family {
        family::family_of(&self.model).expect("candidates are built from registered models")
    }

    /// An unfitted learner for a fit on `n_train` rows seeded with `seed`: the one way the
    /// cross-validation engine, tuning and refits build a candidate's model.
    pub fn learner(&self, n_train: usize, seed: u64) -> Result<Box<dyn Learner>> {
        let fit = FitContext {
            task: self.task,
            n_train,
            seed,
        };
        Ok(self.family().learner(&self.model, &self.params, &fit)?)
    }

    /// The training configuration of one fit on `n_train` rows with `seed`, for candidates
    /// of the families trained by mosel's optimizers (`None` for the others).
    pub fn train_config(&self, n_train: usize, seed: u64) -> Option<TrainConfig> {
        if !self.family().trained_by_optimizers() {
            return None;
        }
        family::training::stored(&self.params)
            .fit_config(&self.model, self.task, n_train, seed)
            .ok()
    }

    /// True when a regression fit trains on the standardised target (its losses are then in
    /// standardised units).
    pub fn standardizes_target(&self) -> bool {
        self.family().standardizes_target(&self.params)
    }

    /// True when the candidate holds out part of its training rows for early stopping.
    pub fn early_stopping(&self) -> bool {
        self.family().early_stopping(&self.params)
    }

    /// A one-line description of the model and the hyperparameters that matter.
    pub fn describe(&self) -> String {
        let mut s = self.family().describe(&self.model, &self.params);
        if !self.preprocessing.scale {
            s.push_str(" unscaled");
        }
        s
    }
}

/// The typed preprocessing settings of a candidate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreprocessingParams {
    /// Standardise numeric features (default true).
    scale: Option<bool>,
    /// Missing values: mean, median, mode or reject.
    impute: Option<String>,
    /// One-hot columns kept per categorical feature.
    max_categories: Option<usize>,
    /// Unseen categories: ignore or error.
    unknown_categories: Option<String>,
}

impl PreprocessingParams {
    fn options(&self) -> std::result::Result<PipelineOptions, ParamError> {
        let mut pre = PipelineOptions::default();
        pre.scale = self.scale.unwrap_or(pre.scale);
        if let Some(s) = &self.impute {
            pre.impute = s
                .parse::<Impute>()
                .map_err(|m| ParamError::key("impute", m))?;
        }
        if let Some(m) = self.max_categories {
            if m == 0 {
                return Err(ParamError::key(
                    "max_categories",
                    "'max_categories' must be at least 1",
                ));
            }
            pre.max_categories = m;
        }
        if let Some(s) = &self.unknown_categories {
            pre.unknown = match s.to_ascii_lowercase().as_str() {
                "ignore" => UnknownCategory::Ignore,
                "error" => UnknownCategory::Error,
                _ => {
                    return Err(ParamError::key(
                        "unknown_categories",
                        format!("unknown categories: use ignore or error, got '{s}'"),
                    ));
                }
            };
        }
        Ok(pre)
    }
}

/// Keys of the candidate itself: its name and model.
const CANDIDATE_KEYS: [&str; 2] = ["name", "model"];

/// Every key a candidate may have: its name and model, every family's hyperparameters and
/// the preprocessing settings.
pub fn key_names() -> Vec<String> {
    let mut keys: Vec<&str> = CANDIDATE_KEYS.to_vec();
    for f in family::FAMILIES {
        for k in f.keys() {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
    }
    keys.extend(family::fields::<PreprocessingParams>());
    keys.into_iter().map(str::to_string).collect()
}

/// True when `key`'s single value is a list in some family (e.g. an MLP's `hidden`).
fn is_list_key(key: &str) -> bool {
    family::FAMILIES
        .iter()
        .any(|f| f.list_keys().contains(&key))
}

/// One key of a candidate specification with its values (several make a grid).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
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
    /// Where the specification came from (file name, `flags` or `trial parameters`).
    pub origin: String,
    /// 1-based line of the specification's table in its file.
    pub line: Option<usize>,
}

/// A flag's text as a value: a whole number, a finite number, true / false, or text.
fn value_of_text(text: &str) -> Value {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(x) = t.parse::<f64>()
        && x.is_finite()
    {
        return Value::from(x);
    }
    match t.to_ascii_lowercase().as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(t.to_string()),
    }
}

impl Spec {
    /// A specification from `(key, text)` pairs such as command-line flags. A key given
    /// more than once makes a grid. Values are read as numbers, true / false or text (lists
    /// of widths as `64,32`); the model's family checks them when the grid is built.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut spec = Spec {
            origin: "flags".into(),
            ..Spec::default()
        };
        let names = key_names();
        for (key, text) in pairs {
            if !names.iter().any(|k| k == key) {
                return Err(SelectError::BadCandidate(format!(
                    "unknown candidate setting '{key}'; valid settings are: {}",
                    names.join(", ")
                )));
            }
            let value = value_of_text(text);
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
            // Last key varies fastest.
            let mut picks = vec![0; entries.len()];
            for (i, e) in entries.iter().enumerate().rev() {
                let n = e.values.len().max(1);
                picks[i] = rest % n;
                rest /= n;
            }
            let chosen: Vec<(&Entry, &Value)> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| (*e, &e.values[picks[i]]))
                .collect();
            out.push(build_one(&chosen, &varied, task, self)?);
        }
        Ok(out)
    }
}

/// The origin of specifications built from tuning trials.
pub const TRIAL_ORIGIN: &str = "trial parameters";

/// The largest grid one specification may expand to.
pub const MAX_GRID: usize = 10_000;

fn flag_name(key: &str) -> String {
    key.replace('_', "-").to_lowercase()
}

/// The model a candidate's settings ask for: `model`, an MLP when only `hidden` is given,
/// else the task's linear model.
fn model_of(chosen: &[(&Entry, &Value)], task: Task) -> std::result::Result<String, ParamError> {
    let get = |k: &str| chosen.iter().find(|(e, _)| e.key == k).map(|(_, v)| *v);
    match get("model") {
        Some(Value::String(s)) => {
            let l = s.to_ascii_lowercase();
            if l.starts_with("mlp:") {
                return Ok(l);
            }
            let f = family::family_of(&l).ok_or_else(|| {
                ParamError::key(
                    "model",
                    format!(
                        "unknown model '{s}': use {}",
                        family::model_names().join(", ")
                    ),
                )
            })?;
            let canonical = f
                .models()
                .iter()
                .find(|m| m.eq_ignore_ascii_case(&l))
                .expect("the family answers to it");
            Ok(canonical.to_string())
        }
        Some(v) => Err(ParamError::key(
            "model",
            format!("'model' must be text, got {v}"),
        )),
        None if get("hidden").is_some() => Ok("mlp".into()),
        None if task.is_classification() => Ok("logistic".into()),
        None => Ok("linear".into()),
    }
}

/// Builds one candidate from one point of the grid.
fn build_one(
    chosen: &[(&Entry, &Value)],
    varied: &[&str],
    task: Task,
    spec: &Spec,
) -> Result<Candidate> {
    let line_of = |key: Option<&str>| {
        key.and_then(|k| chosen.iter().find(|(e, _)| e.key == k))
            .and_then(|(e, _)| e.line)
            .or(spec.line)
    };
    let err = |pe: ParamError| {
        let line = line_of(pe.key.as_deref());
        match (line, &pe.key) {
            (Some(line), _) => SelectError::CandidateFile {
                file: spec.origin.clone(),
                line,
                message: pe.message,
            },
            (None, Some(k)) if spec.origin == "flags" => {
                SelectError::BadCandidate(format!("--{}: {}", flag_name(k), pe.message))
            }
            (None, Some(k)) if spec.origin == TRIAL_ORIGIN => {
                SelectError::BadCandidate(format!("`{k}`: {}", pe.message))
            }
            (None, _) => SelectError::BadCandidate(pe.message),
        }
    };
    let mut model = model_of(chosen, task).map_err(err)?;
    // `mlp:64,32` is shorthand for an MLP with those hidden widths.
    let mut shorthand_hidden = None;
    if let Some(w) = model.strip_prefix("mlp:") {
        shorthand_hidden = Some(Value::String(w.to_string()));
        model = "mlp".into();
    }
    let family = family::family_of(&model).expect("model_of returns registered models");
    family
        .check_task(&model, task)
        .map_err(|m| err(ParamError::key("model", m)))?;
    let pre_keys = family::fields::<PreprocessingParams>();
    let mut model_settings = Settings::new();
    let mut pre_settings = Settings::new();
    let mut name = None;
    for (e, v) in chosen {
        match e.key.as_str() {
            "model" => {}
            "name" => match v {
                Value::String(s) => name = Some(s.clone()),
                v => {
                    return Err(err(ParamError::key(
                        "name",
                        format!("'name' must be text, got {v}"),
                    )));
                }
            },
            k if pre_keys.contains(&k) => {
                pre_settings.insert(k.to_string(), (*v).clone());
            }
            k if family.keys().contains(&k) => {
                model_settings.insert(k.to_string(), (*v).clone());
            }
            k => {
                return Err(err(ParamError::key(
                    k,
                    format!(
                        "'{k}' is not a setting of {model}; its settings are: {}",
                        family.keys().join(", ")
                    ),
                )));
            }
        }
    }
    if let Some(h) = shorthand_hidden {
        model_settings.entry("hidden").or_insert(h);
    }
    let params = family.params(&model, &model_settings, task).map_err(err)?;
    let preprocessing = typed::<PreprocessingParams>(&pre_settings)
        .and_then(|p| p.options())
        .map_err(err)?;
    let name = match name {
        Some(n) if varied.iter().all(|k| *k == "name") => n,
        Some(n) => {
            let suffix: Vec<String> = chosen
                .iter()
                .filter(|(e, _)| varied.contains(&e.key.as_str()) && e.key != "name")
                .map(|(e, v)| format!("{}={}", e.key, value_text(v)))
                .collect();
            format!("{n} {}", suffix.join(" "))
        }
        None => {
            let mut name = family.label(&model, &params);
            for (e, v) in chosen {
                let key = e.key.as_str();
                if matches!(key, "model" | "optimizer" | "hidden" | "name")
                    || !(family.name_keys().contains(&key) || varied.contains(&key))
                {
                    continue;
                }
                name.push_str(&format!(" {key}={}", value_text(v)));
            }
            name
        }
    };
    Ok(Candidate {
        name,
        model,
        params,
        task,
        preprocessing,
    })
}

/// A value as names show it: `0.001`, `1e-5`, `[64,32]`, `adam`.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => family::fmt_g(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(a) => {
            let s: Vec<String> = a.iter().map(value_text).collect();
            format!("[{}]", s.join(","))
        }
        v => v.to_string(),
    }
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
    let names = key_names();
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let kline = line_of(text, k.span().start);
        if !names.iter().any(|n| n == key) {
            return Err(SelectError::UnknownKey {
                file: origin.to_string(),
                line: kline,
                key: key.to_string(),
                suggestion: mosel_data::error::closest(key, names.iter().map(String::as_str)),
                valid: names,
            });
        }
        let bad = |m: String| SelectError::CandidateFile {
            file: origin.to_string(),
            line: kline,
            message: format!("'{key}': {m}"),
        };
        let values = match v.get_ref() {
            // A list of widths is one value; a list of lists is a grid.
            toml::de::DeValue::Array(a)
                if is_list_key(key) && a.iter().all(|x| !x.get_ref().is_array()) =>
            {
                vec![json_of(v.get_ref()).map_err(bad)?]
            }
            toml::de::DeValue::Array(a) => {
                if a.is_empty() {
                    return Err(bad("an empty list gives no candidates".into()));
                }
                a.iter()
                    .map(|x| json_of(x.get_ref()).map_err(bad))
                    .collect::<Result<Vec<_>>>()?
            }
            x => vec![json_of(x).map_err(bad)?],
        };
        spec.entries.push(Entry {
            key: key.to_string(),
            values,
            line: Some(kline),
        });
    }
    Ok(spec)
}

/// A TOML value as JSON: whole numbers, finite numbers, text, booleans and lists of them.
fn json_of(v: &toml::de::DeValue<'_>) -> std::result::Result<Value, String> {
    use toml::de::DeValue;
    match v {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map(Value::from)
            .map_err(|_| format!("'{}' is not a whole number", i.as_str())),
        DeValue::Float(f) => {
            let s = f.as_str().replace('_', "");
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Value::from(x)),
                Ok(_) => Err(format!("expected a finite number, got {s}")),
                Err(_) => Err(format!("'{s}' is not a number")),
            }
        }
        DeValue::String(s) => Ok(Value::String(s.to_string())),
        DeValue::Boolean(b) => Ok(Value::Bool(*b)),
        DeValue::Array(a) => a.iter().map(|x| json_of(x.get_ref())).collect(),
        x => Err(format!(
            "expected a number, text or true/false, got a {}",
            x.type_str()
        )),
    }
}

/// The default candidates of every family for `select` on `n_rows` rows of a `task`
/// target: they answer "which model and which optimizer, for this data?" (see each
/// family's `default_candidates`).
pub fn default_candidates(task: Task, n_rows: usize) -> Vec<Candidate> {
    let mut out = Vec::new();
    for f in family::FAMILIES {
        if !f.models().iter().any(|m| f.check_task(m, task).is_ok()) {
            continue;
        }
        for grid in f.default_candidates(task, n_rows) {
            let pairs = grid
                .iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| (*k, *v)));
            let spec = Spec::from_pairs(pairs).expect("default candidate keys are valid");
            out.extend(spec.build(task).expect("default candidates are valid"));
        }
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
        let cfg = crate::family::training::stored(&c.params)
            .fit_config(&c.model, Task::Binary, 400, 7)
            .unwrap();
        assert_eq!(cfg.l2, 1.0 / 200.0);
        assert_eq!(cfg.seed, 7);
    }

    #[test]
    fn keys_of_every_family_are_candidate_keys() {
        let keys = key_names();
        for k in ["name", "model", "lr", "hidden", "scale", "impute"] {
            assert!(keys.iter().any(|x| x == k), "{k}");
        }
    }
}
