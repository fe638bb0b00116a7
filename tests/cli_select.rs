//! `mosel cv` and `mosel select`, run as a user would.

use std::path::PathBuf;
use std::process::Command;

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

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mosel-cli-select-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn select_with_a_candidate_file_saves_a_model_that_predicts() {
    let cands = tmp("c.toml");
    std::fs::write(
        &cands,
        "[[candidate]]\nmodel = \"softmax\"\noptimizer = \"lbfgs\"\nl2 = [1e-3, 1e-1]\n\n\
         [[candidate]]\nname = \"net\"\nhidden = [8]\noptimizer = \"adam\"\nlr = 0.01\nepochs = 30\n",
    )
    .unwrap();
    let model = tmp("wine.mosel");
    let results = tmp("wine.json");
    let report = tmp("wine.html");
    let (code, out, err) = mosel(&[
        "select",
        "--dataset",
        "wine",
        "--candidates",
        cands.to_str().unwrap(),
        "--folds",
        "3",
        "--rule",
        "one-se",
        "-o",
        model.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("selected (one-se rule)"), "{out}");
    assert!(out.contains("accuracy (mean ± std)"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(v["format"], "mosel.selection");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("<svg") && html.contains("net"),
        "report without plots"
    );
    assert_eq!(v["candidates"].as_array().unwrap().len(), 3);
    assert_eq!(v["folds"].as_array().unwrap().len(), 3);
    let sel = v["selected"]["candidate"].as_u64().unwrap() as usize;
    assert_eq!(v["refit"]["candidate"].as_u64().unwrap() as usize, sel);
    let (code, pred, err) = mosel(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        "wine",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(pred.lines().count(), 179);
}

#[test]
fn select_json_and_nested() {
    let (code, out, err) = mosel(&[
        "select",
        "--dataset",
        "iris",
        "--optimizer",
        "lbfgs",
        "--l2",
        "1e-3",
        "--l2",
        "1",
        "--folds",
        "3",
        "--nested",
        "--outer-folds",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "select");
    assert_eq!(v["nested"]["folds"].as_array().unwrap().len(), 3);
    assert_eq!(v["leaderboard"]["rows"].as_array().unwrap().len(), 2);
    assert_eq!(v["y_true"]["classes"].as_array().unwrap().len(), 150);
}

#[test]
fn cv_prints_folds_and_refuses_grids() {
    let (code, out, err) = mosel(&["cv", "--dataset", "diabetes", "--folds", "4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("r2 test") && out.contains("rmse"), "{out}");
    assert!(out.contains("shuffled 4-fold"), "{out}");
    let (code, _, err) = mosel(&[
        "cv",
        "--dataset",
        "diabetes",
        "--optimizer",
        "sgd",
        "--lr",
        "0.1",
        "--lr",
        "0.2",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("mosel select"), "{err}");
}

#[test]
fn bad_input_gets_clear_errors() {
    let (code, _, err) = mosel(&["cv", "--dataset", "iris", "--folds", "60"]);
    assert_eq!(code, 1);
    assert!(err.contains("class 'setosa' has only 50"), "{err}");
    let (code, _, err) = mosel(&["cv", "--dataset", "iris", "--folds", "200", "--no-stratify"]);
    assert_eq!(code, 1);
    assert!(err.contains("the data has 150"), "{err}");
    let (code, _, err) = mosel(&["cv", "--dataset", "diabetes", "--stratify"]);
    assert_eq!(code, 1);
    assert!(err.contains("classification"), "{err}");
    let (code, _, err) = mosel(&["cv", "--dataset", "iris", "--group", "colour"]);
    assert_eq!(code, 1);
    assert!(err.contains("no column named 'colour'"), "{err}");

    let cands = tmp("bad.toml");
    std::fs::write(
        &cands,
        "[[candidate]]\nmodel = \"logistic\"\nlearnig_rate = 0.1\n",
    )
    .unwrap();
    let (code, _, err) = mosel(&[
        "select",
        "--dataset",
        "iris",
        "--candidates",
        cands.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 3") && err.contains("'learnig_rate'"),
        "{err}"
    );
    assert!(err.contains("valid keys here are: name, model"), "{err}");

    let data = tmp("unsorted.csv");
    std::fs::write(
        &data,
        "day,x,y\n1,0.5,1.0\n3,0.1,2.0\n2,0.7,3.0\n4,0.2,4.0\n5,0.3,5.0\n6,0.1,6.0\n",
    )
    .unwrap();
    let (code, _, err) = mosel(&[
        "cv",
        "--data",
        data.to_str().unwrap(),
        "--target",
        "y",
        "--time",
        "day",
        "--folds",
        "2",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("time column 'day' is not sorted"), "{err}");
}

#[test]
fn select_runs_on_every_bundled_dataset() {
    for (name, task) in [
        ("iris", "multiclass"),
        ("wine", "multiclass"),
        ("diabetes", "regression"),
        ("breast-cancer", "binary"),
        ("digits", "multiclass"),
        ("diamonds", "regression"),
    ] {
        let (code, out, err) = mosel(&[
            "select",
            "--dataset",
            name,
            "--optimizer",
            "lbfgs",
            "--l2",
            "1e-3",
            "--l2",
            "1e-1",
            "--folds",
            "2",
            "--no-oof",
            "--json",
        ]);
        assert_eq!(code, 0, "{name}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["data"]["task"], task, "{name}");
        assert!(v["selected"]["candidate"].is_u64(), "{name}");
        let score = v["leaderboard"]["rows"][0]["metrics"][0]["mean"]
            .as_f64()
            .unwrap();
        assert!(score > 0.4, "{name}: {score}");
    }
}
