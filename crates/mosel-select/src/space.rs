//! Search spaces over the model families: the default space per task, trial parameters to
//! candidates, and the check of a user's space against the families before any trial runs.
//!
//! Parameter names are the candidate keys (`model`, `optimizer`, `lr`, `l2`, ...) plus three
//! tuning keys: `layers` and `width` (an MLP of `layers` hidden layers of `width` units) and
//! `penalty` (`l2`, `l1`, `elastic_net` or `none`: which of `l1` / `l2` apply).

use mosel_data::Task;
use mosel_tune::space::{Choice, Distribution, ParamValue, SearchSpace};

use crate::candidate::{Candidate, Entry, KEYS, KeyKind, Spec, Value};
use crate::error::SelectError;
use crate::tuning::{Result, TuningError};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("dropout", "dropuot"), 2);
        assert_eq!(edit_distance("lr", "lr"), 0);
        assert_eq!(edit_distance("width", "widths"), 1);
    }
}
