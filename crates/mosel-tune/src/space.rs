//! Search spaces: float (linear / log, optional step), int (step, optional log), categorical,
//! and conditional parameters; parsed from TOML with validation, written back to TOML, and a
//! deterministic encoding of a trial's parameters for storage.
//!
//! # TOML format
//!
//! Every top-level table is one parameter, in the order they appear:
//!
//! ```toml
//! [optimizer]
//! type = "categorical"
//! choices = ["sgd", "adam"]
//!
//! [lr]
//! type = "float"
//! low = 1e-4
//! high = 1.0
//! log = true
//!
//! [momentum]            # only sampled when optimizer = "sgd"
//! type = "float"
//! low = 0.0
//! high = 0.99
//! when = { optimizer = "sgd" }
//!
//! [layers]
//! type = "int"
//! low = 1
//! high = 4
//! step = 1
//! ```
//!
//! Keys: `type` (`float` | `int` | `categorical`), `low`, `high`, `log`, `step` (numeric),
//! `choices` (categorical), `when` (table parent → value or list of values; all must hold),
//! `grid` (explicit points for the grid sampler).
//!
//! # Internal representation
//!
//! Samplers and storage work on one `f64` per parameter: the value itself for floats and ints,
//! the index of the choice for categoricals, and NaN for a parameter that is not active.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::{Result, TuneError};

/// One value of a categorical parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl Choice {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Choice::Bool(b) => serde_json::Value::Bool(*b),
            Choice::Int(i) => serde_json::Value::from(*i),
            Choice::Float(f) => serde_json::Value::from(*f),
            Choice::Str(s) => serde_json::Value::String(s.clone()),
        }
    }

    fn matches_json(&self, v: &serde_json::Value) -> bool {
        match (self, v) {
            (Choice::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Choice::Int(a), serde_json::Value::Number(n)) => n.as_i64() == Some(*a),
            (Choice::Float(a), serde_json::Value::Number(n)) => n.as_f64() == Some(*a),
            (Choice::Str(a), serde_json::Value::String(b)) => a == b,
            _ => false,
        }
    }

    fn to_toml(&self) -> String {
        match self {
            Choice::Bool(b) => b.to_string(),
            Choice::Int(i) => i.to_string(),
            Choice::Float(f) => toml_float(*f),
            Choice::Str(s) => toml::Value::String(s.clone()).to_string(),
        }
    }

    fn from_toml(v: &toml::Value) -> Option<Choice> {
        match v {
            toml::Value::Boolean(b) => Some(Choice::Bool(*b)),
            toml::Value::Integer(i) => Some(Choice::Int(*i)),
            toml::Value::Float(f) if f.is_finite() => Some(Choice::Float(*f)),
            toml::Value::String(s) => Some(Choice::Str(s.clone())),
            _ => None,
        }
    }
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::Bool(b) => write!(f, "{b}"),
            Choice::Int(i) => write!(f, "{i}"),
            Choice::Float(x) => write!(f, "{x}"),
            Choice::Str(s) => write!(f, "{s}"),
        }
    }
}

impl From<&str> for Choice {
    fn from(s: &str) -> Self {
        Choice::Str(s.to_string())
    }
}
impl From<String> for Choice {
    fn from(s: String) -> Self {
        Choice::Str(s)
    }
}
impl From<i64> for Choice {
    fn from(i: i64) -> Self {
        Choice::Int(i)
    }
}
impl From<f64> for Choice {
    fn from(x: f64) -> Self {
        Choice::Float(x)
    }
}
impl From<bool> for Choice {
    fn from(b: bool) -> Self {
        Choice::Bool(b)
    }
}

/// The external value of one parameter in a trial.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// A float parameter's value.
    Float(f64),
    /// An int parameter's value.
    Int(i64),
    /// A categorical parameter's chosen value.
    Choice(Choice),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Choice(c) => write!(f, "{c}"),
        }
    }
}

impl ParamValue {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Float(x) => serde_json::Value::from(*x),
            ParamValue::Int(i) => serde_json::Value::from(*i),
            ParamValue::Choice(c) => c.to_json(),
        }
    }
}

/// The distribution of one parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// A float in `[low, high]`, uniform or log-uniform prior, optionally on a grid of `step`.
    Float {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (inclusive).
        high: f64,
        /// Sample in log space.
        log: bool,
        /// Discretisation step (not with `log`).
        step: Option<f64>,
    },
    /// An integer in `[low, high]` on a grid of `step`, optionally log-uniform (step 1 only).
    Int {
        /// Lower bound (inclusive).
        low: i64,
        /// Upper bound (inclusive).
        high: i64,
        /// Step (≥ 1).
        step: i64,
        /// Sample in log space.
        log: bool,
    },
    /// One of a list of choices.
    Categorical {
        /// The choices, in order; the internal representation is the index.
        choices: Vec<Choice>,
    },
}

impl Distribution {
    /// True when the distribution has exactly one possible value.
    pub fn single(&self) -> bool {
        match self {
            Distribution::Float {
                low, high, step, ..
            } => low == high || step.is_some_and(|s| high - low < s),
            Distribution::Int {
                low, high, step, ..
            } => high - low < *step,
            Distribution::Categorical { choices } => choices.len() == 1,
        }
    }

    /// True for log-scaled numeric distributions.
    pub fn is_log(&self) -> bool {
        matches!(
            self,
            Distribution::Float { log: true, .. } | Distribution::Int { log: true, .. }
        )
    }

    /// True for categorical distributions.
    pub fn is_categorical(&self) -> bool {
        matches!(self, Distribution::Categorical { .. })
    }

    /// Converts an internal representation to the external value.
    pub fn to_external(&self, x: f64) -> ParamValue {
        match self {
            Distribution::Float { .. } => ParamValue::Float(x),
            Distribution::Int { .. } => ParamValue::Int(x.round() as i64),
            Distribution::Categorical { choices } => {
                let i = (x.max(0.0) as usize).min(choices.len() - 1);
                ParamValue::Choice(choices[i].clone())
            }
        }
    }

    /// Converts an external value to the internal representation, if it belongs here.
    pub fn to_internal(&self, v: &ParamValue) -> Option<f64> {
        let x = match (self, v) {
            (Distribution::Float { .. }, ParamValue::Float(x)) => *x,
            (Distribution::Float { .. }, ParamValue::Int(i)) => *i as f64,
            (Distribution::Int { .. }, ParamValue::Int(i)) => *i as f64,
            (Distribution::Categorical { choices }, ParamValue::Choice(c)) => {
                choices.iter().position(|x| x == c)? as f64
            }
            _ => return None,
        };
        self.contains(x).then_some(x)
    }

    fn internal_from_json(&self, v: &serde_json::Value) -> Option<f64> {
        match self {
            Distribution::Float { .. } => v.as_f64(),
            Distribution::Int { .. } => v.as_i64().map(|i| i as f64),
            Distribution::Categorical { choices } => choices
                .iter()
                .position(|c| c.matches_json(v))
                .map(|i| i as f64),
        }
    }

    /// True when the internal value `x` lies in the distribution's support.
    pub fn contains(&self, x: f64) -> bool {
        if !x.is_finite() {
            return false;
        }
        match self {
            Distribution::Float {
                low, high, step, ..
            } => {
                if x < *low || x > *high {
                    return false;
                }
                match step {
                    None => true,
                    Some(s) => {
                        let k = (x - low) / s;
                        (k - k.round()).abs() < 1e-8
                    }
                }
            }
            Distribution::Int {
                low, high, step, ..
            } => {
                x.fract() == 0.0
                    && x >= *low as f64
                    && x <= *high as f64
                    && ((x as i64) - low) % step == 0
            }
            Distribution::Categorical { choices } => {
                x.fract() == 0.0 && x >= 0.0 && (x as usize) < choices.len()
            }
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Distribution::Float { .. } => "float",
            Distribution::Int { .. } => "int",
            Distribution::Categorical { .. } => "categorical",
        }
    }
}

/// "Active only when `parent` takes one of `values`".
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Name of the categorical parent parameter.
    pub parent: String,
    /// Values of the parent for which the parameter is active.
    pub values: Vec<Choice>,
    parent_idx: usize,
    value_idx: Vec<usize>,
}

/// One parameter of a search space.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Distribution.
    pub dist: Distribution,
    /// Conditions (all must hold) for the parameter to be active; empty = always active.
    pub when: Vec<Condition>,
    /// Explicit grid points for the grid sampler (internal representation).
    pub grid: Option<Vec<f64>>,
}

/// A validated search space: parameters in an order where every parent precedes its children.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    params: Vec<Param>,
    index: HashMap<String, usize>,
}

const FLOAT_KEYS: &[&str] = &["type", "low", "high", "log", "step", "when", "grid"];
const INT_KEYS: &[&str] = &["type", "low", "high", "log", "step", "when", "grid"];
const CAT_KEYS: &[&str] = &["type", "choices", "when", "grid"];

/// Byte offset → 1-based line.
fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line numbers of each parameter and each of its keys, from the spanned parse.
struct Lines {
    param: HashMap<String, usize>,
    key: HashMap<(String, String), usize>,
    order: Vec<String>,
}

fn collect_lines(src: &str) -> Lines {
    let mut lines = Lines {
        param: HashMap::new(),
        key: HashMap::new(),
        order: Vec::new(),
    };
    if let Ok(doc) = toml::de::DeTable::parse(src) {
        let mut entries: Vec<(usize, String)> = Vec::new();
        for (k, v) in doc.get_ref().iter() {
            let name = k.get_ref().to_string();
            let start = k.span().start;
            entries.push((start, name.clone()));
            lines.param.insert(name.clone(), line_of(src, start));
            if let Some(t) = v.get_ref().as_table() {
                for (kk, _) in t.iter() {
                    lines.key.insert(
                        (name.clone(), kk.get_ref().to_string()),
                        line_of(src, kk.span().start),
                    );
                }
            }
        }
        entries.sort();
        lines.order = entries.into_iter().map(|(_, n)| n).collect();
    }
    lines
}

fn toml_float(x: f64) -> String {
    // `{:?}` always has a '.' or an exponent, which TOML needs for a float.
    format!("{x:?}")
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

impl SearchSpace {
    /// Parses and validates a search space from TOML text.
    pub fn from_toml(src: &str) -> Result<Self> {
        let table: toml::Table = src.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(src, s.start));
            TuneError::space(e.message().trim().to_string(), line)
        })?;
        let lines = collect_lines(src);
        let mut names: Vec<String> = lines
            .order
            .iter()
            .filter(|n| table.contains_key(n.as_str()))
            .cloned()
            .collect();
        for k in table.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        if names.is_empty() {
            return Err(TuneError::space(
                "the space has no parameter (each top-level table is one parameter)",
                None,
            ));
        }
        let mut raw = Vec::new();
        for name in &names {
            let pline = lines.param.get(name).copied();
            let kline = |k: &str| {
                lines
                    .key
                    .get(&(name.clone(), k.to_string()))
                    .copied()
                    .or(pline)
            };
            let t = table[name].as_table().ok_or_else(|| {
                TuneError::space(
                    format!(
                        "`{name}` must be a table such as [{name}] with type = \"float\", low, high"
                    ),
                    pline,
                )
            })?;
            let ty = match t.get("type") {
                Some(toml::Value::String(s)) => s.as_str(),
                Some(_) => {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}`: `type` must be a string: \"float\", \"int\" or \"categorical\""
                        ),
                        kline("type"),
                    ));
                }
                None => {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}` has no `type` (\"float\", \"int\" or \"categorical\")"
                        ),
                        pline,
                    ));
                }
            };
            let valid: &[&str] = match ty {
                "float" => FLOAT_KEYS,
                "int" => INT_KEYS,
                "categorical" => CAT_KEYS,
                other => {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}`: unknown type `{other}`; valid types: float, int, categorical"
                        ),
                        kline("type"),
                    ));
                }
            };
            for k in t.keys() {
                if !valid.contains(&k.as_str()) {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}`: unknown key `{k}`; valid keys for a {ty} parameter: {}",
                            valid.join(", ")
                        ),
                        kline(k),
                    ));
                }
            }
            let num = |k: &str| -> Result<Option<f64>> {
                match t.get(k) {
                    None => Ok(None),
                    Some(toml::Value::Float(f)) => Ok(Some(*f)),
                    Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
                    Some(_) => Err(TuneError::space(
                        format!("parameter `{name}`: `{k}` must be a number"),
                        kline(k),
                    )),
                }
            };
            let int = |k: &str| -> Result<Option<i64>> {
                match t.get(k) {
                    None => Ok(None),
                    Some(toml::Value::Integer(i)) => Ok(Some(*i)),
                    Some(_) => Err(TuneError::space(
                        format!("parameter `{name}`: `{k}` must be an integer"),
                        kline(k),
                    )),
                }
            };
            let boolean = |k: &str| -> Result<bool> {
                match t.get(k) {
                    None => Ok(false),
                    Some(toml::Value::Boolean(b)) => Ok(*b),
                    Some(_) => Err(TuneError::space(
                        format!("parameter `{name}`: `{k}` must be true or false"),
                        kline(k),
                    )),
                }
            };
            let required = |k: &str, v: Option<f64>| {
                v.ok_or_else(|| {
                    TuneError::space(format!("{ty} parameter `{name}` needs `{k}`"), pline)
                })
            };
            let dist = match ty {
                "float" => Distribution::Float {
                    low: required("low", num("low")?)?,
                    high: required("high", num("high")?)?,
                    log: boolean("log")?,
                    step: num("step")?,
                },
                "int" => {
                    let low = int("low")?.ok_or_else(|| {
                        TuneError::space(format!("int parameter `{name}` needs `low`"), pline)
                    })?;
                    let high = int("high")?.ok_or_else(|| {
                        TuneError::space(format!("int parameter `{name}` needs `high`"), pline)
                    })?;
                    Distribution::Int {
                        low,
                        high,
                        step: int("step")?.unwrap_or(1),
                        log: boolean("log")?,
                    }
                }
                _ => {
                    let arr = match t.get("choices") {
                        Some(toml::Value::Array(a)) => a,
                        Some(_) => {
                            return Err(TuneError::space(
                                format!("parameter `{name}`: `choices` must be an array"),
                                kline("choices"),
                            ));
                        }
                        None => {
                            return Err(TuneError::space(
                                format!("categorical parameter `{name}` needs `choices`"),
                                pline,
                            ));
                        }
                    };
                    let mut choices = Vec::new();
                    for v in arr {
                        choices.push(Choice::from_toml(v).ok_or_else(|| {
                            TuneError::space(
                                format!(
                                    "parameter `{name}`: choices must be strings, integers, finite floats or booleans"
                                ),
                                kline("choices"),
                            )
                        })?);
                    }
                    Distribution::Categorical { choices }
                }
            };
            let mut when = Vec::new();
            match t.get("when") {
                None => {}
                Some(toml::Value::Table(w)) => {
                    for (parent, vals) in w {
                        let values = match vals {
                            toml::Value::Array(a) => a.iter().map(Choice::from_toml).collect(),
                            v => Choice::from_toml(v).map(|c| vec![c]),
                        }
                        .ok_or_else(|| {
                            TuneError::space(
                                format!(
                                    "parameter `{name}`: `when.{parent}` must be a value or a list of values of `{parent}`"
                                ),
                                kline("when"),
                            )
                        })?;
                        when.push(Condition {
                            parent: parent.clone(),
                            values,
                            parent_idx: 0,
                            value_idx: Vec::new(),
                        });
                    }
                }
                Some(_) => {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}`: `when` must be a table such as when = {{ optimizer = \"sgd\" }}"
                        ),
                        kline("when"),
                    ));
                }
            }
            let grid = match t.get("grid") {
                None => None,
                Some(toml::Value::Array(a)) => Some(
                    a.iter()
                        .map(|v| {
                            let pv = match (&dist, v) {
                                (Distribution::Categorical { .. }, v) => {
                                    Choice::from_toml(v).map(ParamValue::Choice)
                                }
                                (_, toml::Value::Integer(i)) => Some(ParamValue::Int(*i)),
                                (Distribution::Float { .. }, toml::Value::Float(f)) => {
                                    Some(ParamValue::Float(*f))
                                }
                                _ => None,
                            };
                            pv.ok_or_else(|| {
                                TuneError::space(
                                    format!("parameter `{name}`: bad grid value {v}"),
                                    kline("grid"),
                                )
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                ),
                Some(_) => {
                    return Err(TuneError::space(
                        format!("parameter `{name}`: `grid` must be an array"),
                        kline("grid"),
                    ));
                }
            };
            raw.push((name.clone(), dist, when, grid, pline));
        }
        Self::build(raw)
    }

    /// Builds and validates a space from parameters (the same checks as [`from_toml`]).
    ///
    /// [`from_toml`]: SearchSpace::from_toml
    fn build(raw: Vec<RawParam>) -> Result<Self> {
        let mut params: Vec<Param> = Vec::new();
        let mut lines = Vec::new();
        let mut seen = HashMap::new();
        for (name, dist, when, grid, line) in raw {
            if name.is_empty() {
                return Err(TuneError::space("a parameter has an empty name", line));
            }
            if seen.insert(name.clone(), params.len()).is_some() {
                return Err(TuneError::space(
                    format!("parameter `{name}` is defined twice"),
                    line,
                ));
            }
            validate_dist(&name, &dist, line)?;
            let grid = match grid {
                None => None,
                Some(g) => {
                    if g.is_empty() {
                        return Err(TuneError::space(
                            format!("parameter `{name}`: `grid` is empty"),
                            line,
                        ));
                    }
                    let mut out = Vec::new();
                    for v in &g {
                        out.push(dist.to_internal(v).ok_or_else(|| {
                            TuneError::space(
                                format!(
                                    "parameter `{name}`: grid value {v} is outside its {} distribution",
                                    dist.type_name()
                                ),
                                line,
                            )
                        })?);
                    }
                    Some(out)
                }
            };
            params.push(Param {
                name,
                dist,
                when,
                grid,
            });
            lines.push(line);
        }
        // Resolve conditions.
        for i in 0..params.len() {
            let mut when = std::mem::take(&mut params[i].when);
            for c in &mut when {
                let name = &params[i].name;
                let line = lines[i];
                let p = *seen.get(&c.parent).ok_or_else(|| {
                    TuneError::space(
                        format!(
                            "parameter `{name}`: `when` names `{}`, which is not a parameter of this space",
                            c.parent
                        ),
                        line,
                    )
                })?;
                if p == i {
                    return Err(TuneError::space(
                        format!("parameter `{name}` cannot depend on itself"),
                        line,
                    ));
                }
                let Distribution::Categorical { choices } = &params[p].dist else {
                    return Err(TuneError::space(
                        format!(
                            "parameter `{name}`: `when` parent `{}` must be categorical",
                            c.parent
                        ),
                        line,
                    ));
                };
                if c.values.is_empty() {
                    return Err(TuneError::space(
                        format!("parameter `{name}`: `when.{}` lists no value", c.parent),
                        line,
                    ));
                }
                c.parent_idx = p;
                c.value_idx.clear();
                for v in &c.values {
                    let k = choices.iter().position(|x| x == v).ok_or_else(|| {
                        TuneError::space(
                            format!(
                                "parameter `{name}`: `when.{}` value {v} is not one of its choices ({})",
                                c.parent,
                                choices
                                    .iter()
                                    .map(|c| c.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            line,
                        )
                    })?;
                    c.value_idx.push(k);
                }
            }
            params[i].when = when;
        }
        // Topological order (stable): parents before children; detect cycles.
        let n = params.len();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        while order.len() < n {
            let before = order.len();
            for i in 0..n {
                if !placed[i] && params[i].when.iter().all(|c| placed[c.parent_idx]) {
                    placed[i] = true;
                    order.push(i);
                }
            }
            if order.len() == before {
                let i = (0..n).find(|&i| !placed[i]).unwrap_or(0);
                return Err(TuneError::space(
                    format!(
                        "parameter `{}`: its `when` conditions form a cycle",
                        params[i].name
                    ),
                    lines[i],
                ));
            }
        }
        let mut new_pos = vec![0; n];
        for (pos, &i) in order.iter().enumerate() {
            new_pos[i] = pos;
        }
        let mut sorted: Vec<Param> = order.iter().map(|&i| params[i].clone()).collect();
        for p in &mut sorted {
            for c in &mut p.when {
                c.parent_idx = new_pos[c.parent_idx];
            }
        }
        let index = sorted
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(SearchSpace {
            params: sorted,
            index,
        })
    }

    /// Starts a programmatic space definition.
    pub fn builder() -> SpaceBuilder {
        SpaceBuilder { raw: Vec::new() }
    }

    /// The parameters, parents before children.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// True when the space has no parameter.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Index of a parameter by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// True when parameter `i` is active given the (internal) values of its parents in `x`.
    pub fn is_active(&self, x: &[f64], i: usize) -> bool {
        self.params[i].when.iter().all(|c| {
            let v = x[c.parent_idx];
            !v.is_nan() && c.value_idx.contains(&(v as usize))
        })
    }

    /// True when the parameter has no condition (always active).
    pub fn is_unconditional(&self, i: usize) -> bool {
        self.params[i].when.is_empty()
    }

    /// The grid points of parameter `i` (internal representation), for the grid sampler.
    pub fn grid_points(&self, i: usize) -> Result<Vec<f64>> {
        let p = &self.params[i];
        if let Some(g) = &p.grid {
            return Ok(g.clone());
        }
        match &p.dist {
            Distribution::Categorical { choices } => {
                Ok((0..choices.len()).map(|k| k as f64).collect())
            }
            Distribution::Int {
                low, high, step, ..
            } => {
                let n = (high - low) / step + 1;
                if n > 100_000 {
                    return Err(TuneError::Invalid(format!(
                        "parameter `{}` has {n} grid points; give it an explicit `grid`",
                        p.name
                    )));
                }
                Ok((0..n).map(|k| (low + k * step) as f64).collect())
            }
            Distribution::Float {
                low,
                high,
                step: Some(s),
                ..
            } => {
                let n = ((high - low) / s + 1e-9).floor() as i64 + 1;
                if n > 100_000 {
                    return Err(TuneError::Invalid(format!(
                        "parameter `{}` has {n} grid points; give it an explicit `grid`",
                        p.name
                    )));
                }
                Ok((0..n).map(|k| low + k as f64 * s).collect())
            }
            Distribution::Float { low, high, .. } if low == high => Ok(vec![*low]),
            Distribution::Float { .. } => Err(TuneError::Invalid(format!(
                "grid sampler: float parameter `{}` needs `step` or an explicit `grid = [...]`",
                p.name
            ))),
        }
    }

    /// Deterministic encoding of a trial's parameters: a JSON object with the active
    /// parameters in space order, floats in shortest round-trip form.
    pub fn encode(&self, x: &[f64]) -> String {
        let mut s = String::with_capacity(16 * self.params.len() + 2);
        s.push('{');
        let mut first = true;
        for (i, p) in self.params.iter().enumerate() {
            if x[i].is_nan() {
                continue;
            }
            if !first {
                s.push(',');
            }
            first = false;
            s.push_str(&serde_json::Value::String(p.name.clone()).to_string());
            s.push(':');
            s.push_str(&p.dist.to_external(x[i]).to_json().to_string());
        }
        s.push('}');
        s
    }

    /// Decodes an encoding made by [`encode`](SearchSpace::encode) (or by another space:
    /// parameters this space does not know are ignored, missing or out-of-range ones are NaN).
    pub fn decode(&self, s: &str) -> Result<Vec<f64>> {
        let v: serde_json::Value = serde_json::from_str(s)
            .map_err(|e| TuneError::Storage(format!("bad stored parameters `{s}`: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| TuneError::Storage(format!("bad stored parameters `{s}`")))?;
        Ok(self
            .params
            .iter()
            .map(|p| {
                obj.get(&p.name)
                    .and_then(|v| p.dist.internal_from_json(v))
                    .filter(|x| p.dist.contains(*x))
                    .unwrap_or(f64::NAN)
            })
            .collect())
    }

    /// External value of parameter `i` from an internal vector (None when inactive).
    pub fn value(&self, x: &[f64], i: usize) -> Option<ParamValue> {
        (!x[i].is_nan()).then(|| self.params[i].dist.to_external(x[i]))
    }

    /// Writes the space as TOML that [`from_toml`](SearchSpace::from_toml) reads back.
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            let _ = writeln!(s, "[{}]", toml_key(&p.name));
            match &p.dist {
                Distribution::Float {
                    low,
                    high,
                    log,
                    step,
                } => {
                    s.push_str("type = \"float\"\n");
                    let _ = writeln!(s, "low = {}", toml_float(*low));
                    let _ = writeln!(s, "high = {}", toml_float(*high));
                    if *log {
                        s.push_str("log = true\n");
                    }
                    if let Some(st) = step {
                        let _ = writeln!(s, "step = {}", toml_float(*st));
                    }
                }
                Distribution::Int {
                    low,
                    high,
                    step,
                    log,
                } => {
                    s.push_str("type = \"int\"\n");
                    let _ = writeln!(s, "low = {low}\nhigh = {high}");
                    if *step != 1 {
                        let _ = writeln!(s, "step = {step}");
                    }
                    if *log {
                        s.push_str("log = true\n");
                    }
                }
                Distribution::Categorical { choices } => {
                    s.push_str("type = \"categorical\"\n");
                    let c: Vec<String> = choices.iter().map(Choice::to_toml).collect();
                    let _ = writeln!(s, "choices = [{}]", c.join(", "));
                }
            }
            if !p.when.is_empty() {
                let w: Vec<String> = p
                    .when
                    .iter()
                    .map(|c| {
                        let v: Vec<String> = c.values.iter().map(Choice::to_toml).collect();
                        format!("{} = [{}]", toml_key(&c.parent), v.join(", "))
                    })
                    .collect();
                let _ = writeln!(s, "when = {{ {} }}", w.join(", "));
            }
            if let Some(g) = &p.grid {
                let v: Vec<String> = g
                    .iter()
                    .map(|&x| match p.dist.to_external(x) {
                        ParamValue::Float(f) => toml_float(f),
                        ParamValue::Int(i) => i.to_string(),
                        ParamValue::Choice(c) => c.to_toml(),
                    })
                    .collect();
                let _ = writeln!(s, "grid = [{}]", v.join(", "));
            }
        }
        s
    }
}

fn validate_dist(name: &str, dist: &Distribution, line: Option<usize>) -> Result<()> {
    let err = |m: String| Err(TuneError::space(format!("parameter `{name}`: {m}"), line));
    match dist {
        Distribution::Float {
            low,
            high,
            log,
            step,
        } => {
            if !low.is_finite() || !high.is_finite() {
                return err("low and high must be finite numbers".into());
            }
            if low > high {
                return err(format!("empty range: low = {low} is above high = {high}"));
            }
            if *log && *low <= 0.0 {
                return err(format!(
                    "a log range must be positive, but low = {low} (log of {} is undefined)",
                    if *low == 0.0 {
                        "0"
                    } else {
                        "a negative number"
                    }
                ));
            }
            if let Some(s) = step {
                if *log {
                    return err("`step` cannot be combined with `log = true`".into());
                }
                if !s.is_finite() || *s <= 0.0 {
                    return err(format!("step must be positive, got {s}"));
                }
                let k = (high - low) / s;
                if (k - k.round()).abs() > 1e-8 {
                    return err(format!(
                        "the range [{low}, {high}] is not a whole number of steps of {s}"
                    ));
                }
            }
        }
        Distribution::Int {
            low,
            high,
            step,
            log,
        } => {
            if low > high {
                return err(format!("empty range: low = {low} is above high = {high}"));
            }
            if *step < 1 {
                return err(format!("step must be at least 1, got {step}"));
            }
            if *log {
                if *low < 1 {
                    return err(format!(
                        "a log range must be positive, but low = {low} (log of {} is undefined)",
                        if *low == 0 { "0" } else { "a negative number" }
                    ));
                }
                if *step != 1 {
                    return err("`step` other than 1 cannot be combined with `log = true`".into());
                }
            }
            if (high - low) % step != 0 {
                return err(format!(
                    "the range [{low}, {high}] is not a whole number of steps of {step}"
                ));
            }
        }
        Distribution::Categorical { choices } => {
            if choices.is_empty() {
                return err("`choices` is empty".into());
            }
            for (i, c) in choices.iter().enumerate() {
                if choices[..i].contains(c) {
                    return err(format!("choice {c} is listed twice"));
                }
            }
        }
    }
    Ok(())
}

/// A parameter before validation: name, distribution, conditions, grid, TOML line.
type RawParam = (
    String,
    Distribution,
    Vec<Condition>,
    Option<Vec<ParamValue>>,
    Option<usize>,
);

/// Programmatic construction of a [`SearchSpace`].
///
/// ```
/// use mosel_tune::space::SearchSpace;
/// let space = SearchSpace::builder()
///     .categorical("optimizer", ["sgd", "adam"])
///     .float("lr", 1e-4, 1.0).log()
///     .float("momentum", 0.0, 0.99).when("optimizer", ["sgd"])
///     .int("layers", 1, 4)
///     .build()
///     .unwrap();
/// assert_eq!(space.len(), 4);
/// ```
pub struct SpaceBuilder {
    raw: Vec<RawParam>,
}

impl SpaceBuilder {
    /// Adds a uniform float parameter.
    pub fn float(mut self, name: &str, low: f64, high: f64) -> Self {
        self.raw.push((
            name.to_string(),
            Distribution::Float {
                low,
                high,
                log: false,
                step: None,
            },
            Vec::new(),
            None,
            None,
        ));
        self
    }

    /// Adds an int parameter with step 1.
    pub fn int(mut self, name: &str, low: i64, high: i64) -> Self {
        self.raw.push((
            name.to_string(),
            Distribution::Int {
                low,
                high,
                step: 1,
                log: false,
            },
            Vec::new(),
            None,
            None,
        ));
        self
    }

    /// Adds a categorical parameter.
    pub fn categorical<C: Into<Choice>>(
        mut self,
        name: &str,
        choices: impl IntoIterator<Item = C>,
    ) -> Self {
        self.raw.push((
            name.to_string(),
            Distribution::Categorical {
                choices: choices.into_iter().map(Into::into).collect(),
            },
            Vec::new(),
            None,
            None,
        ));
        self
    }

    /// Makes the last parameter log-scaled.
    pub fn log(mut self) -> Self {
        if let Some(last) = self.raw.last_mut() {
            match &mut last.1 {
                Distribution::Float { log, .. } | Distribution::Int { log, .. } => *log = true,
                Distribution::Categorical { .. } => {}
            }
        }
        self
    }

    /// Sets the step of the last (numeric) parameter.
    pub fn step(mut self, s: f64) -> Self {
        if let Some(last) = self.raw.last_mut() {
            match &mut last.1 {
                Distribution::Float { step, .. } => *step = Some(s),
                Distribution::Int { step, .. } => *step = s as i64,
                Distribution::Categorical { .. } => {}
            }
        }
        self
    }

    /// Makes the last parameter active only when `parent` takes one of `values`.
    pub fn when<C: Into<Choice>>(
        mut self,
        parent: &str,
        values: impl IntoIterator<Item = C>,
    ) -> Self {
        if let Some(last) = self.raw.last_mut() {
            last.2.push(Condition {
                parent: parent.to_string(),
                values: values.into_iter().map(Into::into).collect(),
                parent_idx: 0,
                value_idx: Vec::new(),
            });
        }
        self
    }

    /// Gives the last parameter explicit grid points.
    pub fn grid(mut self, points: impl IntoIterator<Item = ParamValue>) -> Self {
        if let Some(last) = self.raw.last_mut() {
            last.3 = Some(points.into_iter().collect());
        }
        self
    }

    /// Validates and builds the space.
    pub fn build(self) -> Result<SearchSpace> {
        SearchSpace::build(self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[optimizer]
type = "categorical"
choices = ["sgd", "adam"]

[lr]
type = "float"
low = 1e-4
high = 1.0
log = true

[momentum]
type = "float"
low = 0.0
high = 0.99
when = { optimizer = "sgd" }

[layers]
type = "int"
low = 1
high = 9
step = 2

[width]
type = "int"
low = 8
high = 512
log = true
"#;

    fn err_of(src: &str) -> TuneError {
        SearchSpace::from_toml(src).unwrap_err()
    }

    #[test]
    fn parses_in_file_order_with_conditions() {
        let s = SearchSpace::from_toml(EXAMPLE).unwrap();
        let names: Vec<&str> = s.params().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["optimizer", "lr", "momentum", "layers", "width"]);
        let x = [0.0, 0.01, 0.5, 3.0, 64.0];
        assert!(s.is_active(&x, 2));
        let y = [1.0, 0.01, f64::NAN, 3.0, 64.0];
        assert!(!s.is_active(&y, 2));
        assert_eq!(
            s.params()[3].dist,
            Distribution::Int {
                low: 1,
                high: 9,
                step: 2,
                log: false
            }
        );
    }

    #[test]
    fn toml_round_trip() {
        let s = SearchSpace::from_toml(EXAMPLE).unwrap();
        let t = s.to_toml();
        let s2 = SearchSpace::from_toml(&t).unwrap();
        assert_eq!(s, s2);
        assert_eq!(t, s2.to_toml());
    }

    #[test]
    fn encode_decode_is_deterministic() {
        let s = SearchSpace::from_toml(EXAMPLE).unwrap();
        let x = [1.0, 0.1 + 0.2, f64::NAN, 5.0, 64.0];
        let e = s.encode(&x);
        assert_eq!(
            e,
            r#"{"optimizer":"adam","lr":0.30000000000000004,"layers":5,"width":64}"#
        );
        let back = s.decode(&e).unwrap();
        assert_eq!(back[0], 1.0);
        assert_eq!(back[1], 0.1 + 0.2);
        assert!(back[2].is_nan());
        assert_eq!(&back[3..], &[5.0, 64.0]);
    }

    #[test]
    fn children_are_ordered_after_parents() {
        let src = r#"
[momentum]
type = "float"
low = 0.0
high = 0.9
when = { opt = ["sgd"] }
[opt]
type = "categorical"
choices = ["sgd", "adam"]
"#;
        let s = SearchSpace::from_toml(src).unwrap();
        assert_eq!(s.params()[0].name, "opt");
        assert_eq!(s.params()[1].when[0].parent_idx, 0);
    }

    #[test]
    fn empty_range_is_refused_with_line() {
        let e = err_of("[x]\ntype = \"float\"\nlow = 2.0\nhigh = 1.0\n");
        let m = e.to_string();
        assert!(m.contains("line 1") && m.contains("empty range"), "{m}");
        let e = err_of("[n]\ntype = \"int\"\nlow = 5\nhigh = 1\n");
        assert!(e.to_string().contains("empty range"));
    }

    #[test]
    fn log_range_with_zero_or_negative_is_refused() {
        let m = err_of("[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nlog = true\n").to_string();
        assert!(
            m.contains("log range must be positive") && m.contains("log of 0"),
            "{m}"
        );
        let m = err_of("[x]\ntype = \"float\"\nlow = -1.0\nhigh = 1.0\nlog = true\n").to_string();
        assert!(m.contains("negative"), "{m}");
        let m = err_of("[x]\ntype = \"int\"\nlow = 0\nhigh = 10\nlog = true\n").to_string();
        assert!(m.contains("log range must be positive"), "{m}");
    }

    #[test]
    fn unknown_key_lists_valid_keys_and_line() {
        let m = err_of("\n[x]\ntype = \"float\"\nlo = 0.0\nhigh = 1.0\n").to_string();
        assert!(m.contains("line 4"), "{m}");
        assert!(m.contains("unknown key `lo`"), "{m}");
        assert!(m.contains("type, low, high, log, step, when, grid"), "{m}");
    }

    #[test]
    fn other_errors() {
        assert!(err_of("[x]\nlow = 1\n").to_string().contains("no `type`"));
        assert!(
            err_of("[x]\ntype = \"gauss\"\n")
                .to_string()
                .contains("unknown type")
        );
        assert!(
            err_of("[x]\ntype = \"categorical\"\nchoices = []\n")
                .to_string()
                .contains("empty")
        );
        let m = err_of("[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nwhen = { y = \"a\" }\n")
            .to_string();
        assert!(m.contains("not a parameter"), "{m}");
        let m = err_of(
            "[y]\ntype = \"categorical\"\nchoices = [\"a\"]\n[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nwhen = { y = \"b\" }\n",
        )
        .to_string();
        assert!(m.contains("not one of its choices"), "{m}");
        let m = err_of("[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nstep = 0.3\n").to_string();
        assert!(m.contains("whole number of steps"), "{m}");
        let m = err_of("[x\ntype = 1").to_string();
        assert!(m.contains("line 1"), "{m}");
        assert!(err_of("").to_string().contains("no parameter"));
        let m = err_of(
            "[a]\ntype = \"categorical\"\nchoices = [\"u\"]\nwhen = { b = \"v\" }\n[b]\ntype = \"categorical\"\nchoices = [\"v\"]\nwhen = { a = \"u\" }\n",
        )
        .to_string();
        assert!(m.contains("cycle"), "{m}");
    }

    #[test]
    fn builder_validates() {
        assert!(SearchSpace::builder().float("x", 1.0, 0.0).build().is_err());
        assert!(
            SearchSpace::builder()
                .float("x", 0.0, 1.0)
                .log()
                .build()
                .is_err()
        );
        let s = SearchSpace::builder()
            .categorical("m", ["a", "b"])
            .int("k", 1, 3)
            .when("m", ["b"])
            .build()
            .unwrap();
        assert_eq!(s.grid_points(1).unwrap(), vec![1.0, 2.0, 3.0]);
        assert!(
            SearchSpace::builder()
                .float("x", 0.0, 1.0)
                .build()
                .unwrap()
                .grid_points(0)
                .is_err()
        );
    }
}
