//! mosel's models in a study: the default spaces, parameters → candidates, space checks,
//! the trial objective against the cross-validation engine, pruning and Pareto fronts.

use std::sync::Arc;

use mosel_data::{DataSource, ReadOptions, Task};
use mosel_select::cv::{CvData, CvOptions, HistoryPolicy, cross_validate};
use mosel_select::split::{Splitter, Strategy};
use mosel_select::tuning::{
    Evaluator, Objective, TuningError, candidate_from_params, check_space, default_space,
};
use mosel_select::{Candidate, Metric};
use mosel_train::{Activation, ModelKind, OptimizerSpec};
use mosel_tune::prelude::*;
use mosel_tune::space::Choice;
use mosel_tune::study::pareto_trials;

fn data(name: &str) -> CvData {
    let table = DataSource::Bundled(name.into())
        .load(&ReadOptions::default())
        .unwrap();
    let target = DataSource::Bundled(name.into()).default_target().unwrap();
    CvData::new(table, target, None, None, None).unwrap()
}

fn s(v: &str) -> ParamValue {
    ParamValue::Choice(Choice::Str(v.into()))
}

fn params(p: &[(&str, ParamValue)]) -> Vec<(String, ParamValue)> {
    p.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn cand(p: &[(&str, ParamValue)], task: Task) -> Candidate {
    candidate_from_params(&params(p), task).unwrap()
}

fn space_err(toml: &str, task: Task) -> (String, String) {
    let space = SearchSpace::from_toml(toml).unwrap();
    match check_space(&space, task) {
        Err(TuningError::Space { param, msg }) => (param, msg),
        other => panic!("expected a space error, got {other:?}"),
    }
}

#[test]
fn default_spaces_check_and_round_trip_through_toml() {
    for (task, linear) in [
        (Task::Binary, "logistic"),
        (Task::Multiclass, "softmax"),
        (Task::Regression, "linear"),
    ] {
        let space = default_space(task);
        check_space(&space, task).unwrap();
        let text = space.to_toml();
        let back = SearchSpace::from_toml(&text).unwrap();
        assert_eq!(back, space, "{task}");
        check_space(&back, task).unwrap();
        let m = space.index_of("model").unwrap();
        match &space.params()[m].dist {
            mosel_tune::space::Distribution::Categorical { choices } => {
                assert_eq!(choices, &vec![Choice::from(linear), Choice::from("mlp")]);
            }
            d => panic!("model is {d:?}"),
        }
        // The grid sampler can enumerate it.
        assert!(GridSampler::grid_size(&space).unwrap() > 100);
    }
}

#[test]
fn default_space_conditions() {
    let space = default_space(Task::Binary);
    let idx = |n: &str| space.index_of(n).unwrap();
    let opt = |o: &str| {
        let p = &space.params()[idx("optimizer")];
        match &p.dist {
            mosel_tune::space::Distribution::Categorical { choices } => {
                choices.iter().position(|c| *c == Choice::from(o)).unwrap() as f64
            }
            _ => unreachable!(),
        }
    };
    let mut x = vec![f64::NAN; space.len()];
    x[idx("model")] = 0.0; // logistic
    x[idx("optimizer")] = opt("lbfgs");
    for p in ["lr", "batch_size", "momentum", "dropout", "layers", "tol"] {
        assert!(
            !space.is_active(&x, idx(p)),
            "{p} active for logistic/lbfgs"
        );
    }
    assert!(space.is_active(&x, idx("l2")));
    assert!(
        space.is_active(&x, idx("penalty")),
        "L-BFGS does L1 as OWL-QN"
    );
    x[idx("optimizer")] = opt("gd");
    assert!(space.is_active(&x, idx("lr")));
    assert!(!space.is_active(&x, idx("batch_size")), "gd is full-batch");
    x[idx("optimizer")] = opt("momentum");
    assert!(space.is_active(&x, idx("batch_size")));
    assert!(space.is_active(&x, idx("momentum")));
    x[idx("penalty")] = 1.0; // elastic_net
    assert!(space.is_active(&x, idx("l1")));
    x[idx("model")] = 1.0; // mlp
    for p in ["layers", "width", "activation", "dropout"] {
        assert!(space.is_active(&x, idx(p)), "{p}");
    }
}

#[test]
fn parameters_become_candidates() {
    let c = cand(
        &[
            ("model", s("mlp")),
            ("optimizer", s("adam")),
            ("lr", ParamValue::Float(0.01)),
            ("batch_size", ParamValue::Int(64)),
            ("l2", ParamValue::Float(1e-3)),
            ("penalty", s("elastic_net")),
            ("l1", ParamValue::Float(1e-4)),
            ("layers", ParamValue::Int(2)),
            ("width", ParamValue::Int(32)),
            ("activation", s("tanh")),
            ("dropout", ParamValue::Float(0.1)),
            ("epochs", ParamValue::Choice(Choice::Int(50))),
            ("tol", ParamValue::Choice(Choice::Float(1e-4))),
        ],
        Task::Multiclass,
    );
    let cfg = &c.train_config(100, 0).unwrap();
    assert_eq!(
        cfg.model,
        ModelKind::Mlp {
            hidden: vec![32, 32],
            activation: Activation::Tanh,
            dropout: 0.1
        }
    );
    assert_eq!(cfg.optimizer.name(), "adam");
    assert_eq!(cfg.lr, Some(0.01));
    assert_eq!(cfg.batch_size, Some(64));
    assert_eq!((cfg.l1, cfg.l2), (1e-4, 1e-3));
    assert_eq!(cfg.epochs, 50);
    assert_eq!(cfg.tol, Some(1e-4));

    // penalty = l2 drops l1; none drops both; l1 drops l2.
    let base = [
        ("optimizer", s("sgd")),
        ("l2", ParamValue::Float(1e-3)),
        ("l1", ParamValue::Float(1e-4)),
    ];
    let with = |p: &str| {
        let mut v = base.to_vec();
        v.push(("penalty", s(p)));
        let c = cand(&v, Task::Binary);
        let cfg = c.train_config(100, 0).unwrap();
        (cfg.l1, cfg.l2)
    };
    assert_eq!(with("l2"), (0.0, 1e-3));
    assert_eq!(with("l1"), (1e-4, 0.0));
    assert_eq!(with("none"), (0.0, 0.0));
    assert_eq!(with("elastic_net"), (1e-4, 1e-3));

    // The task's linear model when no model is given; momentum reaches the optimizer.
    let c = cand(
        &[
            ("optimizer", s("momentum")),
            ("momentum", ParamValue::Float(0.7)),
        ],
        Task::Regression,
    );
    let cfg = c.train_config(100, 0).unwrap();
    assert_eq!(cfg.model, ModelKind::Linear);
    assert_eq!(cfg.optimizer, OptimizerSpec::Momentum { momentum: 0.7 });
    // hidden as text.
    let c = cand(&[("hidden", s("16,8"))], Task::Binary);
    let cfg = c.train_config(100, 0).unwrap();
    assert!(matches!(cfg.model, ModelKind::Mlp { ref hidden, .. } if hidden == &[16, 8]));

    for (bad, want) in [
        (vec![("lr", s("fast"))], "`lr`: 'fast' is not a number"),
        (vec![("colour", s("red"))], "unknown parameter `colour`"),
        (vec![("penalty", s("ridge"))], "`penalty` is one of"),
        (
            vec![("hidden", s("8")), ("width", ParamValue::Int(8))],
            "either as `hidden`",
        ),
        (
            vec![("optimizer", s("lbfgs")), ("lr", ParamValue::Float(0.1))],
            "L-BFGS chooses its own step length",
        ),
    ] {
        let e = candidate_from_params(&params(&bad), Task::Binary)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn check_space_refuses_parameters_that_do_not_apply() {
    let models = "[model]\ntype = \"categorical\"\nchoices = [\"logistic\", \"mlp\"]\n";
    let opts = "[optimizer]\ntype = \"categorical\"\nchoices = [\"lbfgs\", \"adam\"]\n";

    // Unknown name, with a suggestion.
    let (p, m) = space_err(
        &format!("{models}\n[dropuot]\ntype = \"float\"\nlow = 0.0\nhigh = 0.5\n"),
        Task::Binary,
    );
    assert_eq!(p, "dropuot");
    assert!(m.contains("did you mean `dropout`"), "{m}");

    // An MLP parameter active for logistic regression.
    let (p, m) = space_err(
        &format!("{models}\n[dropout]\ntype = \"float\"\nlow = 0.0\nhigh = 0.5\n"),
        Task::Binary,
    );
    assert_eq!(p, "dropout");
    assert!(
        m.contains("model = \"logistic\"") && m.contains("applies to MLPs only"),
        "{m}"
    );

    // A learning rate active for L-BFGS.
    let (p, m) = space_err(
        &format!("{opts}\n[lr]\ntype = \"float\"\nlow = 1e-3\nhigh = 1.0\nlog = true\n"),
        Task::Binary,
    );
    assert_eq!(p, "lr");
    assert!(m.contains("optimizer = \"lbfgs\""), "{m}");

    // Dropout reachable with L-BFGS through a child condition is caught; restricted, it
    // passes.
    let mlp = "[model]\ntype = \"categorical\"\nchoices = [\"mlp\"]\n";
    let drop = "[activation]\ntype = \"categorical\"\nchoices = [\"relu\", \"tanh\"]\n\n\
                [dropout]\ntype = \"float\"\nlow = 0.0\nhigh = 0.5\n\
                when = { activation = \"relu\" }\n";
    let (p, m) = space_err(&format!("{mlp}\n{opts}\n{drop}"), Task::Binary);
    assert_eq!(p, "dropout");
    assert!(
        m.contains("optimizer = \"lbfgs\"") && m.contains("L-BFGS"),
        "{m}"
    );
    let ok = drop.replace(
        "when = { activation = \"relu\" }",
        "when = { activation = \"relu\", optimizer = \"adam\" }",
    );
    check_space(
        &SearchSpace::from_toml(&format!("{mlp}\n{opts}\n{ok}")).unwrap(),
        Task::Binary,
    )
    .unwrap();

    // A range end that is not valid (dropout must be < 1).
    let (p, m) = space_err(
        "[model]\ntype = \"categorical\"\nchoices = [\"mlp\"]\n\n\
         [optimizer]\ntype = \"categorical\"\nchoices = [\"adam\"]\n\n\
         [dropout]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n",
        Task::Binary,
    );
    assert_eq!(p, "dropout");
    assert!(m.contains("dropout must be in [0, 1)"), "{m}");

    // A model that does not fit the task.
    let (p, m) = space_err(
        "[model]\ntype = \"categorical\"\nchoices = [\"linear\", \"mlp\"]\n",
        Task::Binary,
    );
    assert_eq!(p, "model");
    assert!(m.contains("linear regression cannot do"), "{m}");

    // A batch size for a full-batch optimizer.
    let (p, _) = space_err(
        "[optimizer]\ntype = \"categorical\"\nchoices = [\"gd\", \"sgd\"]\n\n\
         [batch_size]\ntype = \"int\"\nlow = 8\nhigh = 64\n",
        Task::Binary,
    );
    assert_eq!(p, "batch_size");

    // MLP shape parameters alone imply an MLP.
    check_space(
        &SearchSpace::from_toml(
            "[width]\ntype = \"int\"\nlow = 4\nhigh = 16\n\n\
             [dropout]\ntype = \"float\"\nlow = 0.0\nhigh = 0.3\n\n\
             [optimizer]\ntype = \"categorical\"\nchoices = [\"adam\"]\n",
        )
        .unwrap(),
        Task::Binary,
    )
    .unwrap();
}

/// The trial objective gives exactly what the cross-validation engine gives for the same
/// candidate, folds and seed.
#[test]
fn evaluation_matches_cross_validation() {
    let d = data("wine");
    for strategy in [
        Strategy::StratifiedKFold {
            k: 3,
            shuffle: true,
        },
        Strategy::HoldOut {
            test_fraction: 0.25,
            shuffle: true,
            stratify: true,
        },
    ] {
        let splitter = Splitter {
            strategy,
            repeats: 1,
            seed: 11,
        };
        let candidates = vec![
            cand(
                &[("optimizer", s("lbfgs")), ("l2", ParamValue::Float(1e-3))],
                Task::Multiclass,
            ),
            cand(
                &[
                    ("model", s("mlp")),
                    ("width", ParamValue::Int(8)),
                    ("optimizer", s("adam")),
                    ("lr", ParamValue::Float(0.01)),
                    ("epochs", ParamValue::Int(30)),
                ],
                Task::Multiclass,
            ),
        ];
        let ev = Evaluator::new(
            &d,
            &splitter,
            vec![
                Objective::Metric(Metric::Accuracy),
                Objective::Metric(Metric::LogLoss),
                Objective::NParams,
            ],
            5,
            Some(2),
        )
        .unwrap();
        let mut opts = CvOptions::new(splitter.clone(), Task::Multiclass);
        opts.metrics = vec![Metric::Accuracy, Metric::LogLoss];
        opts.seed = 5;
        opts.keep_oof = false;
        opts.histories = HistoryPolicy::None;
        opts.threads = Some(2);
        let run = cross_validate(&d, &candidates, &opts, None).unwrap();
        for (c, r) in candidates.iter().zip(&run.candidates) {
            assert!(r.ok(), "{:?}", r.error);
            let e = ev.evaluate(c, None).unwrap();
            for m in 0..2 {
                let folds = r.test_scores(m);
                assert_eq!(e.fold_values[m], folds, "{} metric {m}", c.name);
                let mean = folds.iter().sum::<f64>() / folds.len() as f64;
                assert!((e.values[m] - mean).abs() < 1e-15);
            }
            assert_eq!(e.values[2], r.n_params() as f64);
            assert_eq!(e.n_params, r.n_params());
        }
    }
}

/// With a reporter, fold 0 reports its validation accuracy after every epoch: the last one
/// is the fold's test accuracy; stopping makes the evaluation pruned.
#[test]
fn reporter_sees_fold_zero_epochs_and_can_prune() {
    let d = data("breast-cancer");
    let splitter = Splitter {
        strategy: Strategy::StratifiedKFold {
            k: 4,
            shuffle: true,
        },
        repeats: 1,
        seed: 3,
    };
    let ev = Evaluator::new(
        &d,
        &splitter,
        vec![Objective::Metric(Metric::Accuracy)],
        9,
        None,
    )
    .unwrap();
    let c = cand(
        &[
            ("optimizer", s("adam")),
            ("lr", ParamValue::Float(0.01)),
            ("epochs", ParamValue::Int(25)),
        ],
        Task::Binary,
    );
    let mut seen: Vec<(i64, f64)> = Vec::new();
    let mut rep = |step: i64, v: f64| {
        seen.push((step, v));
        Ok(false)
    };
    let e = ev.evaluate(&c, Some(&mut rep)).unwrap();
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<_>>()
    );
    assert_eq!(seen.last().unwrap().1, e.fold_values[0][0]);
    // Same as without reporting.
    let plain = ev.evaluate(&c, None).unwrap();
    assert_eq!(
        (plain.values, plain.fold_values, plain.n_params),
        (e.values, e.fold_values, e.n_params)
    );

    let mut n = 0;
    let mut stop_at_3 = |step: i64, _v: f64| {
        n += 1;
        Ok(step >= 3)
    };
    assert_eq!(
        ev.evaluate(&c, Some(&mut stop_at_3)),
        Err(TrialError::Pruned)
    );
    assert_eq!(n, 3);
    let mut broken = |_: i64, _: f64| Err("disk full".to_string());
    match ev.evaluate(&c, Some(&mut broken)) {
        Err(TrialError::Failed(m)) => assert!(m.contains("disk full"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pruned_study_records_pruned_trials_with_their_history() {
    let d = data("breast-cancer");
    let splitter = Splitter {
        strategy: Strategy::HoldOut {
            test_fraction: 0.25,
            shuffle: true,
            stratify: true,
        },
        repeats: 1,
        seed: 0,
    };
    let ev = Evaluator::new(
        &d,
        &splitter,
        vec![Objective::Metric(Metric::Accuracy)],
        0,
        None,
    )
    .unwrap();
    let space = SearchSpace::from_toml(
        "[optimizer]\ntype = \"categorical\"\nchoices = [\"sgd\", \"adam\"]\n\n\
         [lr]\ntype = \"float\"\nlow = 1e-5\nhigh = 0.5\nlog = true\n\n\
         [epochs]\ntype = \"categorical\"\nchoices = [40]\n",
    )
    .unwrap();
    check_space(&space, Task::Binary).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let study = Study::builder("pruned", space)
        .storage(storage.clone())
        .direction(Direction::Maximize)
        .sampler(Box::new(RandomSampler::new(4)))
        .pruner(Box::new(AshaPruner {
            min_resource: Some(1),
            reduction_factor: 2,
            min_early_stopping_rate: 0,
        }))
        .build()
        .unwrap();
    let st: &dyn Storage = &*storage;
    let summary = study
        .optimize(&OptimizeOptions::trials(16), |t: &mut Trial| {
            ev.run_trial(t, true, Some(st))
        })
        .unwrap();
    assert_eq!(summary.complete + summary.pruned, 16, "{summary:?}");
    assert!(summary.pruned >= 3, "{summary:?}");
    assert!(summary.complete >= 1, "{summary:?}");
    for t in study.trials().unwrap() {
        match t.state {
            TrialState::Pruned => {
                let last = t.intermediate.last().unwrap();
                assert!(last.0 < 40, "pruned at its last epoch");
                assert_eq!(t.values, Some(vec![last.1]));
                assert!(!t.system_attrs.contains_key("mosel"));
            }
            TrialState::Complete => {
                assert!(!t.intermediate.is_empty());
                let attr = &t.system_attrs["mosel"];
                assert_eq!(attr["n_params"], 31); // 30 features + intercept
                assert_eq!(
                    attr["folds"]["accuracy"][0].as_f64(),
                    t.value(),
                    "one hold-out fold"
                );
            }
            s => panic!("unexpected state {s:?}"),
        }
    }
}

#[test]
fn two_objectives_give_a_pareto_front() {
    let d = data("iris");
    let splitter = Splitter {
        strategy: Strategy::StratifiedKFold {
            k: 3,
            shuffle: true,
        },
        repeats: 1,
        seed: 0,
    };
    let objectives = Objective::parse_list("accuracy,n_params", Task::Multiclass).unwrap();
    let ev = Evaluator::new(&d, &splitter, objectives.clone(), 0, None).unwrap();
    let space = SearchSpace::from_toml(
        "[model]\ntype = \"categorical\"\nchoices = [\"softmax\", \"mlp\"]\n\n\
         [width]\ntype = \"int\"\nlow = 2\nhigh = 32\nwhen = { model = \"mlp\" }\n\n\
         [l2]\ntype = \"float\"\nlow = 1e-5\nhigh = 10.0\nlog = true\n",
    )
    .unwrap();
    check_space(&space, Task::Multiclass).unwrap();
    let dirs: Vec<Direction> = objectives.iter().map(|o| o.direction()).collect();
    let study = Study::builder("front", space)
        .directions(&dirs)
        .sampler(Box::new(RandomSampler::new(1)))
        .build()
        .unwrap();
    study
        .optimize(&OptimizeOptions::trials(12), |t: &mut Trial| {
            ev.run_trial(t, false, None)
        })
        .unwrap();
    let trials = study.trials().unwrap();
    let front = pareto_trials(&trials, &dirs);
    assert!(!front.is_empty());
    let complete: Vec<&FrozenTrial> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    // Brute force: front members are dominated by none; every other trial by some.
    let dominates =
        |a: &[f64], b: &[f64]| a[0] >= b[0] && a[1] <= b[1] && (a[0] > b[0] || a[1] < b[1]);
    for t in &complete {
        let v = t.values.as_ref().unwrap();
        let dominated = complete
            .iter()
            .any(|o| dominates(o.values.as_ref().unwrap(), v));
        let on_front = front.iter().any(|f| f.number == t.number);
        assert_eq!(on_front, !dominated, "trial {}", t.number);
        // Softmax regression on iris: 4 features x 3 classes + 3 intercepts.
        if t.params[0] == 0.0 {
            assert_eq!(v[1], 15.0);
        }
    }
}

#[test]
fn evaluator_refuses_bad_objectives_and_one_class_folds() {
    let d = data("breast-cancer");
    let splitter = Splitter::new(Strategy::StratifiedKFold {
        k: 3,
        shuffle: true,
    });
    let e = Evaluator::new(&d, &splitter, vec![Objective::Metric(Metric::R2)], 0, None)
        .err()
        .unwrap();
    assert!(e.to_string().contains("does not apply"), "{e}");
    // Unshuffled plain k-fold on rows sorted by class leaves a one-class training fold.
    let csv = "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n";
    let table = mosel_data::csv_reader::read_csv(
        csv.as_bytes(),
        std::path::Path::new("t.csv"),
        b',',
        &ReadOptions::default(),
    )
    .unwrap();
    let d = CvData::new(table, "y", None, None, None).unwrap();
    let splitter = Splitter::new(Strategy::KFold {
        k: 2,
        shuffle: false,
    });
    let e = Evaluator::new(
        &d,
        &splitter,
        vec![Objective::default_for(d.problem.task)],
        0,
        None,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("only class"), "{e}");
}
