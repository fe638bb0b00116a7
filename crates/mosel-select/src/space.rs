//! Search spaces over the model families: the default space per task, trial parameters to
//! candidates, and the check of a user's space against the families before any trial runs.
//!
//! Parameter names are `model` and the candidate keys of the families (`optimizer`, `lr`,
//! `l2`, `n_neighbors`, ...) plus the families' tuning keys: `layers` and `width` (an MLP
//! of `layers` hidden layers of `width` units) and `penalty` (`l2`, `l1`, `elastic_net` or
//! `none`: which of `l1` / `l2` apply).

use serde_json::Value;

use mosel_data::Task;
use mosel_tune::space::{Choice, Distribution, ParamValue, SearchSpace};

use crate::candidate::{Candidate, Entry, Spec, TRIAL_ORIGIN, key_names};
use crate::family::{self, Settings};
use crate::tuning::{Result, TuningError};
use mosel_data::error::edit_distance;

pub use crate::family::training::{FIRST_ORDER, STOCHASTIC};

/// The default search space for a task: `model` over every family's model for the task,
/// the optimizer, learning-rate and penalty parameters of the families trained by
/// optimizers ([`family::training::add_space`]), then each family's own parameters, active
/// when `model` is that family's.
///
/// Every float and wide int has explicit `grid` points, so `--sampler grid` works on it.
pub fn default_space(task: Task) -> SearchSpace {
    let models: Vec<(&dyn family::Family, &'static str)> = family::FAMILIES
        .iter()
        .filter_map(|f| f.space_model(task).map(|m| (*f, m)))
        .collect();
    let trained: Vec<&'static str> = models
        .iter()
        .filter(|(f, _)| f.trained_by_optimizers())
        .map(|(_, m)| *m)
        .collect();
    let mut b = SearchSpace::builder().categorical("model", models.iter().map(|(_, m)| *m));
    b = family::training::add_space(b, &trained, task);
    for (f, m) in &models {
        b = f.add_space(b, m, task);
    }
    b.build().expect("the default search space is valid")
}

/// Every parameter name a space may use: `model`, the families' keys and their tuning keys
/// (not `name`).
pub fn tunable_names() -> Vec<String> {
    let mut names: Vec<String> = key_names().into_iter().filter(|k| k != "name").collect();
    for f in family::FAMILIES {
        for k in f.tuning_keys() {
            if !names.iter().any(|n| n == k) {
                names.push(k.to_string());
            }
        }
    }
    names
}

/// Builds the candidate a trial's active parameters describe (see the module docs for the
/// names). Settings the parameters leave out keep the family's defaults.
pub fn candidate_from_params(params: &[(String, ParamValue)], task: Task) -> Result<Candidate> {
    let mut settings = Settings::new();
    for (name, v) in params {
        if name == "name" {
            return Err(TuningError::Params(
                "`name` cannot be tuned; trials are named by their number".into(),
            ));
        }
        if !tunable_names().contains(name) {
            return Err(TuningError::Params(format!(
                "unknown parameter `{name}`; tunable parameters are: {}",
                tunable_names().join(", ")
            )));
        }
        // A whole-number float (e.g. from a float range) reads as an integer, which integer
        // settings need and number settings accept.
        let json = match v {
            ParamValue::Float(x) if x.fract() == 0.0 && x.abs() < 9e15 => Value::from(*x as i64),
            v => v.to_json(),
        };
        settings.insert(name.clone(), json);
    }
    let model = match settings.get("model") {
        Some(Value::String(m)) => m.to_ascii_lowercase(),
        Some(v) => {
            return Err(TuningError::Params(format!(
                "`model` takes a model name, got {v}"
            )));
        }
        None if ["hidden", "layers", "width"]
            .iter()
            .any(|k| settings.contains_key(*k)) =>
        {
            "mlp".into()
        }
        None if task.is_classification() => "logistic".into(),
        None => "linear".into(),
    };
    if let Some(f) = family::family_of(&model) {
        f.trial_settings(&mut settings)
            .map_err(|e| TuningError::Params(e.message))?;
    }
    let spec = Spec {
        entries: settings
            .into_iter()
            .map(|(key, v)| Entry {
                key,
                values: vec![v],
                line: None,
            })
            .collect(),
        origin: TRIAL_ORIGIN.into(),
        line: None,
    };
    let mut out = spec
        .build(task)
        .map_err(|e| TuningError::Params(e.to_string()))?;
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
        if !valid.contains(&p.name) {
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
