//! The cross-validation engine: no leakage, determinism whatever the thread count, failures
//! reported and not fatal, out-of-fold predictions, nested CV, groups and time order.

use mosel_data::{
    Column, ColumnData, DataSource, Pipeline, PipelineOptions, Problem, ReadOptions, Table, Target,
    Task,
};
use mosel_select::candidate::Spec;
use mosel_select::cv::{CvData, CvOptions, HistoryPolicy, cross_validate, fold_seed};
use mosel_select::split::{Splitter, Strategy};
use mosel_select::{Candidate, Metric, Rule, SelectError, SelectOptions, SelectionResults, select};
use mosel_train::{FitOptions, Learner, Model};

fn candidates(task: Task, specs: &[&[(&str, &str)]]) -> Vec<Candidate> {
    specs
        .iter()
        .flat_map(|s| {
            Spec::from_pairs(s.iter().copied())
                .unwrap()
                .build(task)
                .unwrap()
        })
        .collect()
}

fn bundled(name: &str, target: &str) -> CvData {
    let table = DataSource::Bundled(name.into())
        .load(&ReadOptions::default())
        .unwrap();
    CvData::new(table, target, None, None, None).unwrap()
}

/// A dataset whose feature drifts along the rows and has missing values, so that a scaler or
/// imputer fitted on all rows differs a lot from one fitted on a fold's training rows.
fn drifting() -> Problem {
    let n = 90;
    let mut x = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let block = (i / 30) as f64; // 0, 1, 2: three regimes
        let wobble = ((i * 37) % 11) as f64 / 11.0;
        let v = block * 50.0 + wobble * 10.0;
        x.push(if i % 7 == 3 { f64::NAN } else { v });
        z.push(wobble * 3.0 - block);
        y.push(if (i % 30) < 15 { "a" } else { "b" });
    }
    let labels = vec!["a".to_string(), "b".to_string()];
    let codes = y.iter().map(|s| u32::from(*s == "b")).collect();
    let table = Table::new(
        vec![
            Column {
                name: "x".into(),
                data: ColumnData::Numeric(x),
            },
            Column {
                name: "z".into(),
                data: ColumnData::Numeric(z),
            },
            Column {
                name: "y".into(),
                data: ColumnData::Categorical {
                    codes,
                    levels: labels,
                },
            },
        ],
        "drift",
    )
    .unwrap();
    Problem::new(table, "y", None).unwrap()
}

/// Scores of one candidate on one fold with the pipeline fitted on `fit_rows`.
fn manual_fold_scores(
    problem: &Problem,
    cand: &Candidate,
    train: &[usize],
    test: &[usize],
    fit_rows: Option<&[usize]>,
    seed: u64,
    metrics: &[Metric],
) -> Vec<f64> {
    let pipe = Pipeline::fit(&problem.features, fit_rows, &PipelineOptions::default()).unwrap();
    let xtr = pipe.transform(&problem.features, Some(train)).unwrap();
    let xte = pipe.transform(&problem.features, Some(test)).unwrap();
    let ytr = problem.target.select_rows(train);
    let yte = problem.target.select_rows(test);
    let mut model = Model::new(cand.train_config(train.len(), seed).unwrap()).unwrap();
    model.fit(&xtr, &ytr, FitOptions::default()).unwrap();
    let pred = model.predict(&xte).unwrap();
    metrics
        .iter()
        .map(|m| m.score(&yte, &pred).unwrap())
        .collect()
}

#[test]
fn preprocessing_is_fitted_inside_each_fold() {
    let problem = drifting();
    let cands = candidates(
        Task::Binary,
        &[&[("model", "logistic"), ("optimizer", "lbfgs"), ("l2", "0.1")]],
    );
    let mut opts = CvOptions::new(
        Splitter::new(Strategy::KFold {
            k: 3,
            shuffle: false,
        }),
        Task::Binary,
    );
    opts.metrics = vec![Metric::LogLoss, Metric::Accuracy];
    opts.histories = HistoryPolicy::None;
    let data = CvData::from_problem(problem.clone());
    let run = cross_validate(&data, &cands, &opts, None).unwrap();
    let c = &run.candidates[0];
    assert!(c.ok(), "{:?}", c.error);
    let mut leaky_differs = false;
    for (f, fold) in run.folds.iter().enumerate() {
        let seed = fold_seed(opts.seed, f);
        let honest = manual_fold_scores(
            &problem,
            &cands[0],
            &fold.train,
            &fold.test,
            Some(&fold.train),
            seed,
            &opts.metrics,
        );
        let leaky = manual_fold_scores(
            &problem,
            &cands[0],
            &fold.train,
            &fold.test,
            None,
            seed,
            &opts.metrics,
        );
        // The engine computes exactly the in-fold (honest) scores ...
        assert_eq!(c.folds[f].test, honest, "fold {f}");
        // ... and on this data, fitting the scaler/imputer on all rows would change them.
        if (leaky[0] - honest[0]).abs() > 1e-3 {
            leaky_differs = true;
        }
    }
    assert!(leaky_differs, "the dataset does not detect leakage");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let data = bundled("iris", "species");
    let cands = candidates(
        Task::Multiclass,
        &[
            &[("optimizer", "lbfgs"), ("l2", "1e-3")],
            &[("optimizer", "sgd"), ("lr", "0.05"), ("epochs", "20")],
            &[
                ("model", "mlp"),
                ("hidden", "8"),
                ("optimizer", "adam"),
                ("lr", "0.01"),
                ("epochs", "30"),
            ],
        ],
    );
    let mut opts = CvOptions::new(
        Splitter::new(Strategy::StratifiedKFold {
            k: 4,
            shuffle: true,
        })
        .seed(3),
        Task::Multiclass,
    );
    opts.seed = 11;
    let runs: Vec<_> = [1, 2, 3]
        .iter()
        .map(|&t| {
            opts.threads = Some(t);
            cross_validate(&data, &cands, &opts, None).unwrap()
        })
        .collect();
    for r in &runs[1..] {
        for (a, b) in runs[0].candidates.iter().zip(&r.candidates) {
            assert!(a.ok(), "{:?}", a.error);
            for (fa, fb) in a.folds.iter().zip(&b.folds) {
                assert_eq!(fa.test, fb.test);
                assert_eq!(fa.train, fb.train);
                assert_eq!(fa.n_params, fb.n_params);
                assert_eq!(fa.epochs, fb.epochs);
            }
            assert_eq!(a.oof, b.oof);
        }
    }
}

#[test]
fn a_failing_candidate_is_reported_and_the_others_go_on() {
    let data = bundled("diabetes", "progression");
    let cands = candidates(
        Task::Regression,
        &[
            &[("model", "linear"), ("optimizer", "lbfgs")],
            &[
                ("name", "exploding"),
                ("model", "linear"),
                ("optimizer", "gd"),
                ("lr", "1e6"),
                ("epochs", "50"),
            ],
        ],
    );
    let opts = SelectOptions {
        cv: CvOptions::new(
            Splitter::new(Strategy::KFold {
                k: 3,
                shuffle: true,
            }),
            Task::Regression,
        ),
        rule: Rule::Best,
        alpha: 0.05,
        nested: None,
        refit: true,
    };
    let sel = select(&data, &cands, &opts, None).unwrap();
    let bad = &sel.run.candidates[1];
    assert!(!bad.ok());
    let err = bad.error.as_deref().unwrap();
    assert!(
        err.starts_with("fold 1:") && err.contains("diverged"),
        "{err}"
    );
    assert!(sel.run.candidates[0].ok());
    let lb = &sel.leaderboard;
    assert_eq!(lb.selected, Some(0));
    assert_eq!(lb.rows[0].candidate, 0);
    assert_eq!(lb.rows[1].candidate, 1);
    assert_eq!(lb.rows[1].rank, None);
    assert!(lb.rows[1].error.is_some());
    // R² of an ordinary least-squares fit on diabetes is about 0.48.
    let r2 = lb.rows[0].metrics[0].mean;
    assert!(r2 > 0.4 && r2 < 0.55, "{r2}");
    assert!(sel.refit.is_some());
}

#[test]
fn every_candidate_failing_is_an_error() {
    let data = bundled("diabetes", "progression");
    let cands = candidates(
        Task::Regression,
        &[&[("optimizer", "gd"), ("lr", "1e6"), ("epochs", "50")]],
    );
    let opts = SelectOptions {
        cv: CvOptions::new(
            Splitter::new(Strategy::KFold {
                k: 3,
                shuffle: false,
            }),
            Task::Regression,
        ),
        rule: Rule::Best,
        alpha: 0.05,
        nested: None,
        refit: true,
    };
    let err = select(&data, &cands, &opts, None).err().unwrap();
    assert!(matches!(err, SelectError::AllFailed(_)), "{err}");
}

#[test]
fn one_class_training_folds_are_refused() {
    let codes: Vec<u32> = [vec![0; 10], vec![1; 2]].concat();
    let table = Table::new(
        vec![
            Column {
                name: "x".into(),
                data: ColumnData::Numeric((0..12).map(f64::from).collect()),
            },
            Column {
                name: "y".into(),
                data: ColumnData::Categorical {
                    codes,
                    levels: vec!["no".into(), "yes".into()],
                },
            },
        ],
        "t",
    )
    .unwrap();
    let data = CvData::new(table, "y", None, None, None).unwrap();
    let opts = CvOptions::new(
        Splitter::new(Strategy::KFold {
            k: 2,
            shuffle: false,
        }),
        Task::Binary,
    );
    let cands = candidates(Task::Binary, &[&[("optimizer", "lbfgs")]]);
    let err = cross_validate(&data, &cands, &opts, None)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("fold 2") && err.contains("only class 'no'"),
        "{err}"
    );
}

#[test]
fn out_of_fold_predictions_cover_every_row_once() {
    let data = bundled("iris", "species");
    let cands = candidates(Task::Multiclass, &[&[("optimizer", "lbfgs")]]);
    let mut opts = CvOptions::new(
        Splitter::new(Strategy::StratifiedKFold {
            k: 5,
            shuffle: true,
        })
        .repeats(2),
        Task::Multiclass,
    );
    opts.metrics = vec![Metric::Accuracy];
    let run = cross_validate(&data, &cands, &opts, None).unwrap();
    assert_eq!(run.folds.len(), 10);
    let c = &run.candidates[0];
    let oof = c.oof.as_ref().unwrap();
    assert_eq!(oof.rows, (0..150).collect::<Vec<_>>());
    let Target::Classes { codes, .. } = &data.problem.target else {
        panic!()
    };
    let proba = oof.proba.as_ref().unwrap();
    for f in 0..5 {
        let (mut hit, mut n) = (0, 0);
        for (i, &row) in oof.rows.iter().enumerate() {
            if oof.fold[i] != f {
                continue;
            }
            let r = &proba[i];
            let pred = (0..3).fold(0, |b, j| if r[j] > r[b] { j } else { b });
            hit += usize::from(pred as u32 == codes[row]);
            n += 1;
        }
        assert_eq!(c.folds[f].test[0], hit as f64 / n as f64, "fold {f}");
    }
    // Fold 0 keeps its per-epoch history, validated on the fold's test rows.
    assert_eq!(c.curves.len(), 1);
    assert_eq!(c.curves[0].validation, "test_fold");
    assert!(c.curves[0].epochs.iter().all(|e| e.val_loss.is_some()));
}

#[test]
fn nested_cross_validation_and_results_round_trip() {
    let data = bundled("iris", "species");
    let cands = candidates(
        Task::Multiclass,
        &[
            &[("optimizer", "lbfgs"), ("l2", "1e-3")],
            &[("optimizer", "lbfgs"), ("l2", "1")],
        ],
    );
    let opts = SelectOptions {
        cv: CvOptions::new(
            Splitter::new(Strategy::StratifiedKFold {
                k: 3,
                shuffle: true,
            }),
            Task::Multiclass,
        ),
        rule: Rule::OneSe,
        alpha: 0.05,
        nested: Some(
            Splitter::new(Strategy::StratifiedKFold {
                k: 4,
                shuffle: true,
            })
            .seed(1),
        ),
        refit: true,
    };
    let count = std::sync::atomic::AtomicUsize::new(0);
    let last = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: mosel_select::cv::Progress| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        last.fetch_max(p.done, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(p.total, 2 * 3 + 4 * (2 * 3 + 1) + 1);
    };
    let sel = select(&data, &cands, &opts, Some(&progress)).unwrap();
    assert_eq!(count.into_inner(), 2 * 3 + 4 * (2 * 3 + 1) + 1);
    assert_eq!(last.into_inner(), 2 * 3 + 4 * (2 * 3 + 1) + 1);
    let nested = sel.nested.as_ref().unwrap();
    assert_eq!(nested.folds.len(), 4);
    assert_eq!(nested.wins.iter().sum::<usize>(), 4);
    assert_eq!(nested.folds.iter().map(|f| f.n_test).sum::<usize>(), 150);
    let acc = nested.summary[0].mean;
    assert!(acc > 0.85 && acc <= 1.0, "{acc}");

    let results = SelectionResults::build(
        &data,
        &sel,
        &mosel_select::results::RunInfo {
            kind: "select".into(),
            ..Default::default()
        },
    );
    let text = serde_json::to_string(&results).unwrap();
    let back: SelectionResults = serde_json::from_str(&text).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let again: serde_json::Value = serde_json::to_value(&back).unwrap();
    assert_json_close(&v, &again, "$");
    assert_eq!(v["format"], "mosel.selection");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["y_true"]["classes"].as_array().unwrap().len(), 150);
    assert_eq!(
        v["candidates"][0]["oof"]["proba"].as_array().unwrap().len(),
        150
    );
    assert!(v["refit"]["curve"]["epochs"].as_array().unwrap().len() > 1);
}

#[test]
fn group_and_time_columns() {
    let n = 40;
    let table = |time: Vec<f64>| {
        Table::new(
            vec![
                Column {
                    name: "x".into(),
                    data: ColumnData::Numeric((0..n).map(|i| (i % 5) as f64).collect()),
                },
                Column {
                    name: "patient".into(),
                    data: ColumnData::Numeric((0..n).map(|i| (i / 4) as f64).collect()),
                },
                Column {
                    name: "t".into(),
                    data: ColumnData::Numeric(time),
                },
                Column {
                    name: "y".into(),
                    data: ColumnData::Numeric((0..n).map(|i| (i % 7) as f64 * 1.5).collect()),
                },
            ],
            "g",
        )
        .unwrap()
    };
    let sorted: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let data = CvData::new(table(sorted.clone()), "y", None, Some("patient"), Some("t")).unwrap();
    assert_eq!(data.problem.features.names(), vec!["x"]);
    let folds = data
        .split(&Splitter::new(Strategy::GroupKFold {
            k: 5,
            shuffle: false,
        }))
        .unwrap();
    for f in &folds {
        for &i in &f.test {
            assert!(f.train.iter().all(|&j| j / 4 != i / 4));
        }
    }
    let mut unsorted = sorted;
    unsorted.swap(10, 11);
    let err = CvData::new(table(unsorted), "y", None, None, Some("t"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("data row 12") && err.contains("not sorted"),
        "{err}"
    );
    let err = CvData::new(table(vec![0.0; n]), "y", None, Some("patent"), None)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("did you mean 'patient'"), "{err}");
    let err = data
        .split(&Splitter::new(Strategy::StratifiedKFold {
            k: 3,
            shuffle: false,
        }))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("classification"), "{err}");
}

/// JSON trees equal up to float parsing (serde_json's default parser may be off by an ulp).
fn assert_json_close(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-15 * x.abs().max(1.0),
                "{path}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_json_close(p, q, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, p) in x {
                assert_json_close(p, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}
