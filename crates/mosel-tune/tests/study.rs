//! Study behaviour end to end: ask/tell, optimize with threads, pruning, multi-objective,
//! SQLite persistence, resume, stale-trial recovery and a `kill -9` crash test.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mosel_tune::pareto::dominates;
use mosel_tune::prelude::*;
use mosel_tune::storage;

fn space() -> SearchSpace {
    SearchSpace::from_toml(
        r#"
[model]
type = "categorical"
choices = ["linear", "mlp"]

[lr]
type = "float"
low = 1e-4
high = 1.0
log = true

[hidden]
type = "int"
low = 4
high = 64
log = true
when = { model = "mlp" }
"#,
    )
    .unwrap()
}

fn objective(t: &mut Trial) -> Result<f64, TrialError> {
    let lr = t.float("lr")?;
    let base = (lr.log10() + 2.0).powi(2);
    Ok(match t.str("model")?.as_str() {
        "mlp" => base + (t.int("hidden")? as f64 - 32.0).abs() / 32.0,
        _ => base + 0.5,
    })
}

#[test]
fn ask_tell_with_conditional_parameters() {
    let study = Study::builder("s", space())
        .sampler(Box::new(RandomSampler::new(1)))
        .build()
        .unwrap();
    let mut values = Vec::new();
    for _ in 0..30 {
        let mut t = study.ask().unwrap();
        let model = t.str("model").unwrap();
        if model == "mlp" {
            assert!((4..=64).contains(&t.int("hidden").unwrap()));
        } else {
            assert!(t.get("hidden").unwrap().is_none());
            assert!(t.int("hidden").is_err(), "inactive parameter");
        }
        assert!(t.float("nope").is_err());
        let v = objective(&mut t).unwrap();
        values.push(v);
        assert_eq!(
            study.tell(t, TrialOutcome::Complete(vec![v])).unwrap(),
            TrialState::Complete
        );
    }
    let best = study.best_trial().unwrap();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(best.value(), Some(min));
    assert_eq!(study.trials().unwrap().len(), 30);
    // NaN and wrong arity make a trial FAIL, with the reason kept.
    let t = study.ask().unwrap();
    assert_eq!(
        study
            .tell(t, TrialOutcome::Complete(vec![f64::NAN]))
            .unwrap(),
        TrialState::Fail
    );
    let t = study.ask().unwrap();
    assert_eq!(
        study
            .tell(t, TrialOutcome::Complete(vec![1.0, 2.0]))
            .unwrap(),
        TrialState::Fail
    );
    // A dropped trial is recorded as FAIL, not left RUNNING.
    drop(study.ask().unwrap());
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), 33);
    assert!(trials[30..].iter().all(|t| t.state == TrialState::Fail));
    assert!(
        trials[32].system_attrs["fail_reason"]
            .as_str()
            .unwrap()
            .contains("dropped")
    );
}

#[test]
fn optimize_with_threads_runs_exactly_n_distinct_trials() {
    let study = Study::builder("par", space())
        .sampler(Box::new(TpeSampler::with_seed(2)))
        .build()
        .unwrap();
    let opts = OptimizeOptions {
        n_trials: Some(120),
        n_jobs: 4,
        ..Default::default()
    };
    let s = study.optimize(&opts, objective).unwrap();
    assert_eq!(s.complete, 120);
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), 120);
    let numbers: HashSet<u64> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 120);
    assert!(study.best_trial().unwrap().value().unwrap() < 0.2);
    // A study-wide budget stops at the total, counting trials already run.
    let s = study
        .optimize(
            &OptimizeOptions {
                study_trials: Some(130),
                n_jobs: 3,
                ..Default::default()
            },
            objective,
        )
        .unwrap();
    assert_eq!(s.complete, 10);
    // A panicking objective fails its trial and the study goes on.
    let s = study
        .optimize(
            &OptimizeOptions::trials(3),
            |t: &mut Trial| -> Result<f64, TrialError> {
                if t.number().is_multiple_of(2) {
                    panic!("boom");
                }
                Ok(1.0)
            },
        )
        .unwrap();
    assert_eq!(s.complete + s.failed, 3);
    assert!(s.failed >= 1);
}

/// Learning curves: each trial's loss decays towards a floor that depends on x.
fn curve_objective(t: &mut Trial) -> Result<f64, TrialError> {
    let x = t.float("x")?;
    let floor = (x - 0.3).powi(2);
    let mut v = 0.0;
    for step in 0..20 {
        v = floor + 1.0 / (step as f64 + 1.0);
        if t.report(step, v)? {
            return Err(TrialError::Pruned);
        }
    }
    Ok(v)
}

fn x_space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", -2.0, 2.0)
        .build()
        .unwrap()
}

#[test]
fn median_pruner_prunes_and_keeps_intermediate_values() {
    let study = Study::builder("median", x_space())
        .sampler(Box::new(RandomSampler::new(3)))
        .pruner(Box::new(MedianPruner::default()))
        .build()
        .unwrap();
    let s = study
        .optimize(&OptimizeOptions::trials(60), curve_objective)
        .unwrap();
    assert!(s.pruned > 10, "{s:?}");
    assert_eq!(s.complete + s.pruned, 60);
    for t in study.trials().unwrap() {
        match t.state {
            TrialState::Pruned => {
                assert!(!t.intermediate.is_empty());
                assert!(t.intermediate.len() < 20);
                // Its value is its last intermediate value.
                assert_eq!(t.value(), Some(t.intermediate.last().unwrap().1));
            }
            TrialState::Complete => assert_eq!(t.intermediate.len(), 20),
            s => panic!("unexpected state {s}"),
        }
    }
    // The first 5 complete trials are never pruned (n_startup_trials).
    let trials = study.trials().unwrap();
    assert!(trials[..5].iter().all(|t| t.state == TrialState::Complete));
}

#[test]
fn asha_prunes_with_rungs() {
    let study = Study::builder("asha", x_space())
        .sampler(Box::new(RandomSampler::new(4)))
        .pruner(Box::new(AshaPruner {
            min_resource: Some(1),
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        }))
        .build()
        .unwrap();
    let s = study
        .optimize(&OptimizeOptions::trials(40), curve_objective)
        .unwrap();
    assert!(s.pruned > 10, "{s:?}");
    let trials = study.trials().unwrap();
    // Rungs at steps 1, 3, 9: pruned trials stop right at one of them.
    for t in trials.iter().filter(|t| t.state == TrialState::Pruned) {
        let last = t.intermediate.last().unwrap().0;
        assert!([1, 3, 9].contains(&last), "pruned at step {last}");
        assert!(t.system_attrs.contains_key("completed_rung_0"));
    }
    // The best trial survived to the end.
    assert_eq!(study.best_trial().unwrap().intermediate.len(), 20);
}

#[test]
fn multi_objective_pareto_front_is_exact() {
    let space = SearchSpace::builder()
        .float("a", 0.0, 1.0)
        .float("b", 0.0, 1.0)
        .build()
        .unwrap();
    for sampler in [
        Box::new(RandomSampler::new(5)) as Box<dyn Sampler>,
        Box::new(TpeSampler::with_seed(5)),
    ] {
        let study = Study::builder("mo", space.clone())
            .directions(&[Direction::Minimize, Direction::Maximize])
            .sampler(sampler)
            .build()
            .unwrap();
        study
            .optimize(&OptimizeOptions::trials(80), |t: &mut Trial| {
                let (a, b) = (t.float("a")?, t.float("b")?);
                Ok((a * a + b, a + b * b))
            })
            .unwrap();
        let trials = study.trials().unwrap();
        let front: HashSet<u64> = study
            .pareto_front()
            .unwrap()
            .iter()
            .map(|t| t.number)
            .collect();
        let loss = |t: &FrozenTrial| {
            let v = t.values.clone().unwrap();
            vec![v[0], -v[1]]
        };
        for t in &trials {
            let dominated = trials.iter().any(|o| dominates(&loss(o), &loss(t)));
            assert_eq!(front.contains(&t.number), !dominated, "trial {}", t.number);
        }
        assert!(study.best_trial().is_err());
        assert!(!front.is_empty());
    }
    // A pruner on a multi-objective study is refused.
    assert!(
        Study::builder("mo2", space)
            .directions(&[Direction::Minimize, Direction::Minimize])
            .pruner(Box::new(MedianPruner::default()))
            .build()
            .is_err()
    );
}

#[test]
fn grid_sampler_runs_every_point_once() {
    let space = SearchSpace::from_toml(
        "[m]\ntype = \"categorical\"\nchoices = [\"a\", \"b\"]\n[k]\ntype = \"int\"\nlow = 1\nhigh = 3\nwhen = { m = \"b\" }\n",
    )
    .unwrap();
    let study = Study::builder("grid", space)
        .sampler(Box::new(GridSampler::new(0)))
        .build()
        .unwrap();
    let s = study
        .optimize(&OptimizeOptions::trials(100), |_t: &mut Trial| Ok(1.0))
        .unwrap();
    assert_eq!(s.complete, 4, "a, (b,1), (b,2), (b,3)");
    let enc: HashSet<String> = study
        .trials()
        .unwrap()
        .iter()
        .map(|t| t.params_json.clone())
        .collect();
    assert_eq!(enc.len(), 4);
}

#[test]
fn sqlite_resume_space_mismatch_and_directions() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("study.db").display());
    {
        let st = storage::open(&url).unwrap();
        let study = Study::create_or_load(
            st,
            "resume",
            space(),
            &[Direction::Minimize],
            Box::new(TpeSampler::with_seed(1)),
            None,
        )
        .unwrap();
        study
            .optimize(&OptimizeOptions::trials(20), objective)
            .unwrap();
    }
    let st = storage::open(&url).unwrap();
    let study = Study::builder("resume", space())
        .storage(st.clone())
        .sampler(Box::new(TpeSampler::with_seed(1)))
        .build()
        .unwrap();
    assert_eq!(study.trials().unwrap().len(), 20);
    study
        .optimize(&OptimizeOptions::trials(10), objective)
        .unwrap();
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), 30);
    assert_eq!(
        trials.iter().map(|t| t.number).collect::<Vec<_>>(),
        (0..30).collect::<Vec<_>>()
    );
    // A different space is refused unless asked to continue.
    let other = SearchSpace::builder()
        .float("lr", 0.0, 1.0)
        .build()
        .unwrap();
    let e = Study::builder("resume", other.clone())
        .storage(st.clone())
        .build()
        .err()
        .unwrap();
    assert!(matches!(e, TuneError::SpaceMismatch { .. }), "{e}");
    assert!(e.to_string().contains("different search space"));
    let e = Study::builder("resume", space())
        .storage(st.clone())
        .direction(Direction::Maximize)
        .build()
        .err()
        .unwrap();
    assert!(matches!(e, TuneError::DirectionsMismatch { .. }), "{e}");
    let e = Study::builder("resume", space())
        .storage(st.clone())
        .load_if_exists(false)
        .build()
        .err()
        .unwrap();
    assert!(e.to_string().contains("already exists"), "{e}");
    let cont = Study::builder("resume", other)
        .storage(st.clone())
        .continue_with_new_space(true)
        .sampler(Box::new(TpeSampler::with_seed(1)))
        .build()
        .unwrap();
    cont.optimize(&OptimizeOptions::trials(15), |t: &mut Trial| {
        Ok((t.float("lr")? - 0.5).powi(2))
    })
    .unwrap();
    assert_eq!(cont.trials().unwrap().len(), 45);
    let (rec, space2, _) = mosel_tune::study::load_study(&*st, "resume").unwrap();
    assert_eq!(rec.name, "resume");
    assert_eq!(space2.len(), 1);
}

#[test]
fn stale_running_trials_are_failed_and_requeued() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stale.db").display());
    let st = storage::open(&url).unwrap();
    let study = Study::builder("stale", space())
        .storage(st.clone())
        .build()
        .unwrap();
    let t = study.ask().unwrap();
    let params = t.raw_params().to_vec();
    let number = t.number();
    std::mem::forget(t); // the worker "dies": no tell, no drop
    std::thread::sleep(Duration::from_millis(20));
    // A new worker starts with a short grace period.
    let st2 = storage::open(&url).unwrap();
    let study2 = Study::builder("stale", space())
        .storage(st2)
        .grace_period(Duration::from_millis(10))
        .build()
        .unwrap();
    let trials = study2.trials().unwrap();
    assert_eq!(trials[number as usize].state, TrialState::Fail);
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[1].state, TrialState::Waiting);
    let t2 = study2.ask().unwrap();
    assert_eq!(t2.number(), 1);
    assert_eq!(t2.raw_params()[..2], params[..2]);
    study2.tell(t2, TrialOutcome::Complete(vec![1.0])).unwrap();
}

#[test]
fn storage_urls_say_where_they_tried() {
    let e = storage::open("sqlite:///no/such/dir/x.db").err().unwrap();
    assert!(e.to_string().contains("/no/such/dir/x.db"), "{e}");
    let e = storage::open("mysql://x").err().unwrap();
    assert!(e.to_string().contains("unknown scheme"), "{e}");
    let e = storage::open("postgres://alice:secret@127.0.0.1:1/db?connect_timeout=2")
        .err()
        .unwrap();
    let m = e.to_string();
    assert!(m.contains("alice@127.0.0.1:1/db"), "{m}");
    assert!(!m.contains("secret"), "{m}");
}

/// Child half of the crash test: runs a study until killed, printing each finished trial.
#[test]
fn crash_child() {
    let Ok(url) = std::env::var("MOSEL_CRASH_CHILD_URL") else {
        return;
    };
    let st = storage::open(&url).unwrap();
    let study = Study::builder("crash", x_space())
        .storage(st)
        .sampler(Box::new(TpeSampler::with_seed(9)))
        .build()
        .unwrap();
    study
        .optimize_with(
            &OptimizeOptions::trials(10_000),
            |t: &mut Trial| {
                std::thread::sleep(Duration::from_millis(3));
                Ok(t.float("x")?.powi(2))
            },
            |t: &FrozenTrial| println!("finished {}", t.number),
        )
        .unwrap();
}

#[test]
fn kill_9_loses_no_finished_trial_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("MOSEL_CRASH_CHILD_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut reported = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("finished ") {
            reported.push(n.trim().parse::<u64>().unwrap());
            if reported.len() >= 25 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no flush, nothing.
    let pid = child.id().to_string();
    let ok = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(ok.success());
    let _ = child.wait();
    assert_eq!(reported.len(), 25);
    let st = storage::open(&url).unwrap();
    let study = Study::builder("crash", x_space())
        .storage(st)
        .sampler(Box::new(TpeSampler::with_seed(9)))
        .grace_period(Duration::ZERO)
        .build()
        .unwrap();
    let trials = study.trials().unwrap();
    for n in &reported {
        let t = trials.iter().find(|t| t.number == *n).unwrap();
        assert_eq!(
            t.state,
            TrialState::Complete,
            "trial {n} was reported finished"
        );
    }
    // Whatever was running at the kill is now FAIL with a WAITING retry.
    let failed: Vec<&FrozenTrial> = trials
        .iter()
        .filter(|t| t.state == TrialState::Fail)
        .collect();
    let waiting = trials
        .iter()
        .filter(|t| t.state == TrialState::Waiting)
        .count();
    assert_eq!(failed.len(), waiting);
    assert!(trials.iter().all(|t| t.state != TrialState::Running));
    let before = trials.len();
    study
        .optimize(&OptimizeOptions::trials(10), |t: &mut Trial| {
            Ok(t.float("x")?.powi(2))
        })
        .unwrap();
    let after = study.trials().unwrap();
    assert_eq!(after.len(), before + 10 - waiting);
    assert!(after.iter().all(|t| t.state != TrialState::Waiting));
    let _ = Arc::strong_count(study.storage());
}

/// Child half of the SQLite multi-process test.
#[test]
fn sqlite_worker_child() {
    let Ok(url) = std::env::var("MOSEL_SQLITE_CHILD_URL") else {
        return;
    };
    let study = Study::builder("shared", x_space())
        .storage(storage::open(&url).unwrap())
        .sampler(Box::new(TpeSampler::with_seed(std::process::id() as u64)))
        .build()
        .unwrap();
    study
        .optimize(
            &OptimizeOptions {
                study_trials: Some(60),
                n_jobs: 1,
                ..Default::default()
            },
            |t: &mut Trial| {
                std::thread::sleep(Duration::from_millis(1));
                Ok(t.float("x")?.powi(2))
            },
        )
        .unwrap();
}

#[test]
fn three_processes_share_one_sqlite_study() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "sqlite_worker_child", "--test-threads", "1"])
                .env("MOSEL_SQLITE_CHILD_URL", &url)
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let st = storage::open(&url).unwrap();
    let (_, _, trials) = mosel_tune::study::load_study(&*st, "shared").unwrap();
    assert_eq!(trials.len(), 60);
    assert!(trials.iter().all(|t| t.state == TrialState::Complete));
    let numbers: HashSet<u64> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 60);
}
