//! `mosel tune`, run as a user would: the printed space, a stored study checked against
//! `mosel cv`, resuming, a `kill -9` in the middle, several workers, Pareto fronts, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mosel_tune::space::SearchSpace;
use mosel_tune::storage;
use mosel_tune::study::load_study;
use mosel_tune::trial::{FrozenTrial, TrialState};
use serde_json::Value;

fn mosel(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mosel"))
        .args(args)
        .output()
        .expect("run mosel");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mosel-cli-tune-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sqlite(d: &Path, file: &str) -> String {
    format!("sqlite://{}", d.join(file).display())
}

fn trials_of(url: &str, study: &str) -> Vec<FrozenTrial> {
    let st = storage::open(url).unwrap();
    load_study(&*st, study).unwrap().2
}

fn count(trials: &[FrozenTrial], s: TrialState) -> usize {
    trials.iter().filter(|t| t.state == s).count()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

const SMALL_SPACE: &str = "\
[optimizer]
type = \"categorical\"
choices = [\"lbfgs\", \"adam\"]

[lr]
type = \"float\"
low = 0.001
high = 0.1
log = true
when = { optimizer = \"adam\" }

[l2]
type = \"float\"
low = 1e-5
high = 1.0
log = true

[epochs]
type = \"categorical\"
choices = [40]
";

#[test]
fn print_space_is_the_default_space_as_valid_toml() {
    for (args, task) in [
        (
            vec!["tune", "--print-space", "--task", "regression"],
            "regression",
        ),
        (
            vec!["tune", "--print-space", "--dataset", "wine"],
            "multiclass",
        ),
        (vec!["tune", "--print-space"], "binary"),
    ] {
        let (code, out, err) = mosel(&args);
        assert_eq!(code, 0, "{err}");
        let space = SearchSpace::from_toml(&out).unwrap();
        let task: mosel_data::Task = task.parse().unwrap();
        assert_eq!(space, mosel_select::tuning::default_space(task), "{args:?}");
    }
}

/// A small study: its best value is exactly what `mosel cv` reports for the best trial's
/// candidate; the refit model file predicts; the results and report are written; running the
/// command again resumes the study.
#[test]
fn a_study_agrees_with_mosel_cv_and_resumes() {
    let d = dir("study");
    let space = d.join("space.toml");
    std::fs::write(&space, SMALL_SPACE).unwrap();
    let url = sqlite(&d, "s.db");
    let results = d.join("r.json");
    let model = d.join("m.mosel");
    let report = d.join("r.html");
    let base = [
        "tune",
        "--dataset",
        "wine",
        "--space",
        space.to_str().unwrap(),
        "--folds",
        "3",
        "--seed",
        "7",
        "--sampler",
        "random",
        "--storage",
        &url,
        "--study",
        "wine-small",
        "--results",
        results.to_str().unwrap(),
    ];
    let mut args = base.to_vec();
    args.extend([
        "--trials",
        "6",
        "-o",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let (code, out, err) = mosel(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("best 6 trials") || out.contains("best "),
        "{out}"
    );
    assert!(out.contains("refit on all 178 rows"), "{out}");
    let r = read_json(&results);
    assert_eq!(r["format"], "mosel.tuning");
    assert_eq!(r["counts"]["complete"], 6, "{r}");
    assert_eq!(r["trials"].as_array().unwrap().len(), 6);
    // The best is the maximum over the trials.
    let best_value = r["best"]["values"][0].as_f64().unwrap();
    let max = r["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["values"][0].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert_eq!(best_value, max);
    // `mosel cv` on the best trial's candidate gives the same fold scores.
    let p = &r["best"]["params"];
    let num = |k: &str| p[k].as_f64().map(|v| serde_json::to_string(&v).unwrap());
    let mut cv = vec![
        "cv".to_string(),
        "--dataset".into(),
        "wine".into(),
        "--folds".into(),
        "3".into(),
        "--seed".into(),
        "7".into(),
        "--json".into(),
        "--no-oof".into(),
        "--optimizer".into(),
        p["optimizer"].as_str().unwrap().into(),
        "--epochs".into(),
        "40".into(),
        "--l2".into(),
        num("l2").unwrap(),
    ];
    if let Some(lr) = num("lr") {
        cv.extend(["--lr".into(), lr]);
    }
    let cv: Vec<&str> = cv.iter().map(String::as_str).collect();
    let (code, cv_out, err) = mosel(&cv);
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&cv_out).unwrap();
    let cv_folds: Vec<f64> = c["candidates"][0]["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["test"][0].as_f64().unwrap())
        .collect();
    let best_n = r["best"]["number"].as_u64().unwrap() as usize;
    let tune_folds: Vec<f64> = r["trials"][best_n]["fold_values"]["accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(tune_folds, cv_folds);
    assert!((best_value - cv_folds.iter().sum::<f64>() / 3.0).abs() < 1e-12);
    // The refit model predicts.
    let preds = d.join("p.csv");
    let (code, _, err) = mosel(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        "wine",
        "-o",
        preds.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&preds).unwrap().lines().count(),
        179
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("wine-small"));
    assert!(html.contains("<svg"));

    // Again with the same budget: nothing to run.
    let mut again = base.to_vec();
    again.extend(["--trials", "6"]);
    let (code, out, err) = mosel(&again);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("nothing to run"), "{out}");
    assert!(err.contains("resuming study `wine-small`"), "{err}");
    // A larger budget continues the same study: old trials kept, three more.
    let before = trials_of(&url, "wine-small");
    let mut more = base.to_vec();
    more.extend(["--trials", "9", "--json"]);
    let (code, out, err) = mosel(&more);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).expect("--json prints only JSON");
    assert_eq!(j["this_run"]["complete"], 3);
    let after = trials_of(&url, "wine-small");
    assert_eq!(count(&after, TrialState::Complete), 9);
    for t in &before {
        assert_eq!(after[t.number as usize].values, t.values);
    }
    // `mosel study show` reads the same importances back from the storage.
    let (code, out, err) = mosel(&["study", "show", "--storage", &url, "--json"]);
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    let pairs = |v: &Value| -> Vec<(String, f64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| (i["param"].to_string(), i["importance"].as_f64().unwrap()))
            .collect()
    };
    let imps = pairs(&j["importances"]);
    assert!(!imps.is_empty(), "{j}");
    assert_eq!(pairs(&shown["importances"]), imps);
    let (code, out, err) = mosel(&["study", "show", "--storage", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("importance ") && out.contains("ω²"), "{out}");
    // Another space under the same name is refused unless asked to continue.
    std::fs::write(&space, SMALL_SPACE.replace("high = 1.0", "high = 10.0")).unwrap();
    let (code, _, err) = mosel(&more);
    assert_ne!(code, 0);
    assert!(
        err.contains("different search space") && err.contains("--continue"),
        "{err}"
    );
    let mut cont = more.clone();
    cont.push("--continue");
    let (code, _, err) = mosel(&cont);
    assert_eq!(code, 0, "{err}");
}

/// `kill -9` in the middle of a study loses no finished trial; running the command again
/// re-queues the killed trial at once and completes the study.
#[test]
fn a_killed_study_resumes_without_losing_trials() {
    let d = dir("kill");
    let space = d.join("space.toml");
    std::fs::write(
        &space,
        "[model]\ntype = \"categorical\"\nchoices = [\"mlp\"]\n\n\
         [width]\ntype = \"int\"\nlow = 32\nhigh = 64\n\n\
         [optimizer]\ntype = \"categorical\"\nchoices = [\"adam\"]\n\n\
         [lr]\ntype = \"float\"\nlow = 1e-4\nhigh = 1e-3\nlog = true\n\n\
         [epochs]\ntype = \"categorical\"\nchoices = [150]\n",
    )
    .unwrap();
    let url = sqlite(&d, "k.db");
    let args = [
        "tune",
        "--dataset",
        "breast-cancer",
        "--space",
        space.to_str().unwrap(),
        "--holdout",
        "0.25",
        "--trials",
        "14",
        "--sampler",
        "random",
        "--storage",
        &url,
        "--study",
        "killed",
        "--quiet",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_mosel"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let mut killed_early = false;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let st = storage::open(&url);
        let done = st
            .ok()
            .and_then(|st| load_study(&*st, "killed").ok())
            .map_or(0, |(_, _, t)| count(&t, TrialState::Complete));
        if done >= 3 {
            child.kill().unwrap(); // SIGKILL
            killed_early = true;
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "no trial finished");
    }
    let _ = child.wait();
    let before = trials_of(&url, "killed");
    let complete_before: Vec<&FrozenTrial> = before
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    assert!(complete_before.len() >= 3);
    let running: Vec<u64> = before
        .iter()
        .filter(|t| t.state == TrialState::Running)
        .map(|t| t.number)
        .collect();
    if killed_early {
        assert!(running.len() <= 1, "{running:?}");
    }
    eprintln!(
        "killed after {} complete trials: {killed_early}; running then: {running:?}",
        complete_before.len()
    );

    let (code, out, err) = mosel(&args);
    assert_eq!(code, 0, "{err}");
    let after = trials_of(&url, "killed");
    assert_eq!(
        count(&after, TrialState::Complete) + count(&after, TrialState::Pruned),
        14,
        "{out}"
    );
    assert_eq!(count(&after, TrialState::Running), 0);
    assert_eq!(count(&after, TrialState::Waiting), 0);
    for t in complete_before {
        let now = &after[t.number as usize];
        assert_eq!(now.state, TrialState::Complete);
        assert_eq!(now.values, t.values, "trial {}", t.number);
    }
    // The killed trial failed with a reason and its parameters ran again.
    for n in running {
        let t = &after[n as usize];
        assert_eq!(t.state, TrialState::Fail);
        assert!(
            t.system_attrs["fail_reason"]
                .as_str()
                .unwrap()
                .contains("no longer running")
        );
        let retry = after
            .iter()
            .find(|r| r.system_attrs.get("retry_of") == Some(&serde_json::json!(n)))
            .expect("re-queued");
        assert_eq!(retry.state, TrialState::Complete);
        assert_eq!(retry.params_json, t.params_json);
    }
}

#[test]
fn two_workers_and_a_pruner_fill_the_budget_exactly() {
    let d = dir("jobs");
    let url = sqlite(&d, "j.db");
    let results = d.join("r.json");
    let (code, out, err) = mosel(&[
        "tune",
        "--dataset",
        "breast-cancer",
        "--trials",
        "12",
        "--jobs",
        "2",
        "--pruner",
        "median",
        "--holdout",
        "0.3",
        "--storage",
        &url,
        "--results",
        results.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pruner median"), "{out}");
    let r = read_json(&results);
    let name = r["study"]["name"].as_str().unwrap();
    assert_eq!(name, "breast-cancer-diagnosis-accuracy-holdout0.3");
    let t = trials_of(&url, name);
    assert_eq!(
        count(&t, TrialState::Complete) + count(&t, TrialState::Pruned),
        12
    );
    let workers: std::collections::BTreeSet<&str> = t.iter().map(|t| t.worker.as_str()).collect();
    assert_eq!(workers.len(), 1, "one process");
    for tr in t.iter().filter(|t| t.state == TrialState::Complete) {
        // Complete trials reported their epochs for the pruner.
        assert!(!tr.intermediate.is_empty(), "trial {}", tr.number);
    }
}

#[test]
fn two_objectives_print_a_pareto_front() {
    let d = dir("pareto");
    let results = d.join("r.json");
    let (code, out, err) = mosel(&[
        "tune",
        "--dataset",
        "iris",
        "--objectives",
        "accuracy,n_params",
        "--trials",
        "8",
        "--folds",
        "3",
        "--sampler",
        "random",
        "--storage",
        "memory",
        "--results",
        results.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Pareto front ("), "{out}");
    let r = read_json(&results);
    let front: Vec<u64> = r["pareto_front"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(!front.is_empty());
    let vals = |n: u64| -> (f64, f64) {
        let t = &r["trials"][n as usize];
        (
            t["values"][0].as_f64().unwrap(),
            t["values"][1].as_f64().unwrap(),
        )
    };
    for t in r["trials"].as_array().unwrap() {
        if t["state"] != "COMPLETE" {
            continue;
        }
        let n = t["number"].as_u64().unwrap();
        let (a, p) = vals(n);
        assert_eq!(p, t["n_params"].as_f64().unwrap());
        let dominated = front.iter().any(|&f| {
            let (fa, fp) = vals(f);
            fa >= a && fp <= p && (fa > a || fp < p)
        });
        assert_eq!(front.contains(&n), !dominated, "trial {n}");
    }
}

#[test]
fn bad_input_gets_clear_errors() {
    let d = dir("bad");
    let space = d.join("space.toml");
    std::fs::write(
        &space,
        "[model]\ntype = \"categorical\"\nchoices = [\"logistic\", \"mlp\"]\n\n\
         [dropout]\ntype = \"float\"\nlow = 0.0\nhigh = 0.5\n",
    )
    .unwrap();
    let url = sqlite(&d, "b.db");
    let (code, _, err) = mosel(&[
        "tune",
        "--dataset",
        "breast-cancer",
        "--space",
        space.to_str().unwrap(),
        "--storage",
        &url,
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("parameter `dropout`") && err.contains("model = \"logistic\""),
        "{err}"
    );
    std::fs::write(
        &space,
        "[lr]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nlog = true\n",
    )
    .unwrap();
    let (code, _, err) = mosel(&[
        "tune",
        "--dataset",
        "wine",
        "--space",
        space.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("space.toml"), "{err}");

    let (code, _, err) = mosel(&["tune", "--dataset", "wine", "--storage", "mysql://x/y"]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown scheme"), "{err}");
    let not_db = d.join("notes.db");
    std::fs::write(&not_db, "these are my notes, not a database\n".repeat(100)).unwrap();
    let (code, _, err) = mosel(&[
        "tune",
        "--dataset",
        "wine",
        "--storage",
        &format!("sqlite://{}", not_db.display()),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("not a mosel study database"), "{err}");
    let (code, _, err) = mosel(&[
        "tune",
        "--dataset",
        "wine",
        "--objectives",
        "accuracy,n_params",
        "--pruner",
        "asha",
        "--storage",
        "memory",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("pruning is for a single objective"), "{err}");
    let (code, _, err) = mosel(&["tune", "--dataset", "wine", "--objectives", "r2"]);
    assert_ne!(code, 0);
    assert!(err.contains("does not apply"), "{err}");
    let (code, _, err) = mosel(&["tune"]);
    assert_ne!(code, 0);
    assert!(err.contains("--data"), "{err}");
}

/// Two `mosel tune` processes on one PostgreSQL study share its budget exactly. Skipped
/// (with a message) unless MOSEL_TEST_POSTGRES_URL names a server, as `.ci/run` does.
#[test]
fn two_processes_share_a_postgres_study() {
    let Ok(url) = std::env::var("MOSEL_TEST_POSTGRES_URL") else {
        eprintln!("skipped: set MOSEL_TEST_POSTGRES_URL=postgres://user:pass@host/db to run");
        return;
    };
    let study = format!(
        "cli-tune-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let args = [
        "tune",
        "--dataset",
        "breast-cancer",
        "--holdout",
        "0.3",
        "--trials",
        "16",
        "--sampler",
        "random",
        "--storage",
        &url,
        "--study",
        &study,
        "--quiet",
    ];
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_mosel"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let t = trials_of(&url, &study);
    assert_eq!(count(&t, TrialState::Complete), 16);
    assert_eq!(t.len(), 16, "no trial created twice or left over");
    let numbers: std::collections::BTreeSet<u64> = t.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 16);
}
