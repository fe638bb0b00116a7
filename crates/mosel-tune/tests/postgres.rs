//! PostgreSQL studies with several worker processes. These run only when
//! MOSEL_TEST_POSTGRES_URL names a server (e.g. postgres://mosel:mosel@127.0.0.1/mosel_test);
//! otherwise they print a skip message and pass. /work/notes/ci-postgres.sh (and .ci/run)
//! install and start a local server for them.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use mosel_tune::prelude::*;
use mosel_tune::storage;

fn url() -> Option<String> {
    match std::env::var("MOSEL_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            // Written past the test harness capture so the skip is visible in `cargo test`.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"skipped: set MOSEL_TEST_POSTGRES_URL to run the PostgreSQL tests\n",
            );
            None
        }
    }
}

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float("x", -5.0, 5.0)
        .int("k", 0, 10)
        .build()
        .unwrap()
}

fn unique(prefix: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{t}", std::process::id())
}

/// Child half of the multi-process test.
#[test]
fn pg_worker_child() {
    let (Ok(url), Ok(name), Ok(seed)) = (
        std::env::var("MOSEL_PG_CHILD_URL"),
        std::env::var("MOSEL_PG_CHILD_STUDY"),
        std::env::var("MOSEL_PG_CHILD_SEED"),
    ) else {
        return;
    };
    let st = storage::open(&url).unwrap();
    let study = Study::builder(&name, space())
        .storage(st)
        .sampler(Box::new(TpeSampler::with_seed(seed.parse().unwrap())))
        .build()
        .unwrap();
    study
        .optimize(
            &OptimizeOptions {
                study_trials: Some(200),
                n_jobs: 2,
                ..Default::default()
            },
            |t: &mut Trial| {
                std::thread::sleep(Duration::from_millis(2));
                Ok(t.float("x")?.powi(2) + t.int("k")? as f64)
            },
        )
        .unwrap();
}

#[test]
fn four_worker_processes_run_exactly_200_distinct_trials() {
    let Some(url) = url() else { return };
    let name = unique("workers");
    // Create the study and queue 20 fixed trials: each must be run exactly once.
    let st = storage::open(&url).unwrap();
    let study = Study::builder(&name, space())
        .storage(st.clone())
        .build()
        .unwrap();
    for i in 0..20 {
        study
            .enqueue(&[
                ("x", ParamValue::Float(i as f64 / 10.0)),
                ("k", ParamValue::Int(i % 11)),
            ])
            .unwrap();
    }
    let children: Vec<_> = (0..4)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "pg_worker_child",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env("MOSEL_PG_CHILD_URL", &url)
                .env("MOSEL_PG_CHILD_STUDY", &name)
                .env("MOSEL_PG_CHILD_SEED", w.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let (_, _, trials) = mosel_tune::study::load_study(&*st, &name).unwrap();
    let complete: Vec<&FrozenTrial> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    assert_eq!(trials.len(), 200, "no trial lost, none extra");
    assert_eq!(complete.len(), 200);
    let numbers: HashSet<u64> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..200).collect::<HashSet<u64>>());
    // The queued trials ran once each, with their parameters.
    for t in &trials[..20] {
        let x = t.params_object()["x"].as_f64().unwrap();
        assert_eq!(x, t.number as f64 / 10.0);
    }
    let workers: HashSet<&str> = trials.iter().map(|t| t.worker.as_str()).collect();
    assert!(workers.len() >= 2, "work was shared: {workers:?}");
    assert_eq!(study.trials().unwrap().len(), 200);
}

#[test]
fn postgres_study_resumes_and_prunes() {
    let Some(url) = url() else { return };
    let name = unique("resume");
    {
        let study = Study::builder(&name, space())
            .storage(storage::open(&url).unwrap())
            .pruner(Box::new(MedianPruner {
                n_startup_trials: 3,
                ..Default::default()
            }))
            .build()
            .unwrap();
        study
            .optimize(&OptimizeOptions::trials(20), |t: &mut Trial| {
                let x = t.float("x")?;
                for s in 0..5 {
                    if t.report(s, x * x + 1.0 / (s as f64 + 1.0))? {
                        return Err(TrialError::Pruned);
                    }
                }
                Ok(x * x)
            })
            .unwrap();
    }
    let study = Study::builder(&name, space())
        .storage(storage::open(&url).unwrap())
        .build()
        .unwrap();
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), 20);
    assert!(trials.iter().any(|t| t.state == TrialState::Pruned));
    for t in trials.iter().filter(|t| t.state == TrialState::Pruned) {
        assert!(!t.intermediate.is_empty());
    }
    // A different space is refused.
    let e = Study::builder(
        &name,
        SearchSpace::builder().float("x", 0.0, 1.0).build().unwrap(),
    )
    .storage(storage::open(&url).unwrap())
    .build()
    .err()
    .unwrap();
    assert!(matches!(e, TuneError::SpaceMismatch { .. }));
}
