//! Candidates from TOML files, flags and the default set.

use mosel_data::Task;
use mosel_select::SelectError;
use mosel_select::candidate::{Spec, default_candidates, from_toml};
use mosel_train::{ModelKind, OptimizerSpec};

#[test]
fn toml_grid_with_defaults() {
    let text = r#"
[defaults]
epochs = 200

[[candidate]]
model = "logistic"
optimizer = "lbfgs"
C = [0.01, 1.0, 100]

[[candidate]]
name = "net"
model = "mlp"
hidden = [[32], [64, 32]]
optimizer = "adam"
lr = [0.001, 0.01]
scale = false
"#;
    let c = from_toml(text, "c.toml", Task::Binary).unwrap();
    assert_eq!(c.len(), 3 + 4);
    assert_eq!(c[0].params["C"], 0.01);
    assert_eq!(c[2].params["C"], 100.0);
    assert!(
        c.iter()
            .all(|c| c.train_config(100, 0).unwrap().epochs == 200)
    );
    assert_eq!(
        c[0].train_config(100, 0).unwrap().optimizer,
        OptimizerSpec::Lbfgs { memory: 10 }
    );
    match &c[3].train_config(100, 0).unwrap().model {
        ModelKind::Mlp { hidden, .. } => assert_eq!(hidden, &vec![32]),
        m => panic!("{m:?}"),
    }
    match &c[6].train_config(100, 0).unwrap().model {
        ModelKind::Mlp { hidden, .. } => assert_eq!(hidden, &vec![64, 32]),
        m => panic!("{m:?}"),
    }
    assert_eq!(c[4].train_config(100, 0).unwrap().lr, Some(0.01));
    assert!(!c[4].preprocessing.scale);
    // Names are unique and say what varies.
    let mut names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
    assert!(
        names[3].starts_with("net ") && names[3].contains("lr=0.001"),
        "{}",
        names[3]
    );
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 7);
}

#[test]
fn unknown_key_names_line_and_valid_keys() {
    let text = "[[candidate]]\nmodel = \"logistic\"\nlearning_rate = 0.1\n";
    let err = from_toml(text, "c.toml", Task::Binary).unwrap_err();
    match &err {
        SelectError::UnknownKey {
            line, key, valid, ..
        } => {
            assert_eq!(*line, 3);
            assert_eq!(key, "learning_rate");
            assert!(valid.contains(&"lr".to_string()));
        }
        e => panic!("{e}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("c.toml, line 3: unknown key 'learning_rate'"),
        "{msg}"
    );
    assert!(msg.contains("optimizer, lr,"), "{msg}");

    let err = from_toml(
        "[[candidat]]\nmodel = \"logistic\"\n",
        "c.toml",
        Task::Binary,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 1") && err.contains("did you mean 'candidate'"),
        "{err}"
    );
}

#[test]
fn bad_values_point_at_their_line() {
    let cases = [
        (
            "[[candidate]]\nmodel = \"logistic\"\nlr = \"fast\"\n",
            3,
            "number",
        ),
        (
            "[[candidate]]\n\noptimizer = \"adamm\"\n",
            3,
            "unknown optimizer",
        ),
        (
            "[[candidate]]\noptimizer = \"lbfgs\"\nlr = 0.1\n",
            3,
            "line search",
        ),
        (
            "[[candidate]]\nmodel = \"logistic\"\nhidden = [3]\n",
            3,
            "MLPs only",
        ),
        ("[[candidate]]\nl2 = 0.1\nC = 1.0\n", 3, "not both"),
        (
            "[[candidate]]\noptimizer = \"sgd\"\nmomentum = 0.9\n",
            3,
            "momentum and nesterov",
        ),
        ("[[candidate]]\nmodel = \"linear\"\n", 2, "cannot do binary"),
        ("[[candidate]]\nlr = []\n", 2, "empty list"),
        ("[[candidate]]\nmodel = \n", 2, ""),
    ];
    for (text, line, needle) in cases {
        let err = from_toml(text, "f.toml", Task::Binary).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("f.toml, line {line}:")),
            "{text:?}: {msg}"
        );
        assert!(msg.contains(needle), "{text:?}: {msg}");
    }
    let err = from_toml("", "f.toml", Task::Binary)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no candidates"), "{err}");
}

#[test]
fn flags_make_grids() {
    let spec = Spec::from_pairs([
        ("model", "logistic"),
        ("optimizer", "adam"),
        ("lr", "0.1"),
        ("lr", "0.01"),
        ("l2", "0"),
        ("l2", "1e-3"),
    ])
    .unwrap();
    let c = spec.build(Task::Multiclass).unwrap();
    assert_eq!(c.len(), 4);
    assert_eq!(c[1].train_config(100, 0).unwrap().lr, Some(0.1));
    assert_eq!(c[1].train_config(100, 0).unwrap().l2, 1e-3);
    assert_eq!(c[2].train_config(100, 0).unwrap().lr, Some(0.01));
    let err = Spec::from_pairs([("lr", "x")])
        .and_then(|s| s.build(Task::Binary))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--lr") && err.contains("not a number"),
        "{err}"
    );
}

#[test]
fn default_sets_cover_models_and_optimizers() {
    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        let all = default_candidates(task, 1000);
        // The optimizer-trained families: 16 linear models and 2 MLPs.
        let c: Vec<_> = all
            .iter()
            .filter(|c| c.train_config(100, 0).is_some())
            .collect();
        assert_eq!(c.len(), 4 + 4 + 4 + 4 + 2, "{task}");
        let linear = if task.is_classification() {
            ModelKind::Logistic
        } else {
            ModelKind::Linear
        };
        for opt in ["lbfgs", "gd", "sgd", "adam"] {
            assert!(
                c.iter()
                    .map(|c| c.train_config(100, 0).unwrap())
                    .any(|cfg| cfg.model == linear && cfg.optimizer.name() == opt),
                "{task}: no {opt}"
            );
        }
        let mlps = c
            .iter()
            .filter(|c| matches!(c.train_config(100, 0).unwrap().model, ModelKind::Mlp { .. }))
            .count();
        assert_eq!(mlps, 2);
        let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }
}

#[test]
#[ignore]
fn print_default_names() {
    for c in default_candidates(Task::Binary, 1000) {
        println!("{:<40} {}", c.name, c.describe());
    }
}
