//! `mosel train` and `mosel predict`, run as a user would.

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
    let dir = std::env::temp_dir().join(format!("mosel-cli-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn train_predict_roundtrip_on_iris() {
    let model = tmp("iris.mosel");
    let m = model.to_str().unwrap();
    let (code, out, err) = mosel(&[
        "train",
        "--dataset",
        "iris",
        "--model",
        "logistic",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--epochs",
        "100",
        "--batch-size",
        "16",
        "--l2",
        "1e-4",
        "--early-stopping",
        "10",
        "-o",
        m,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["task"], "multiclass");
    assert_eq!(v["n_params"], 15);
    assert!(v["summary"]["val_metric"].as_f64().unwrap() > 0.85, "{out}");
    assert_eq!(
        v["history"].as_array().unwrap().len(),
        v["summary"]["epochs"].as_u64().unwrap() as usize
    );

    let preds = tmp("iris.csv");
    let p = preds.to_str().unwrap();
    let (code, _, err) = mosel(&["predict", "--model", m, "--dataset", "iris", "-o", p]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&preds).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "species,prediction,proba_setosa,proba_versicolor,proba_virginica"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 150);
    let correct = rows.iter().filter(|r| r[0] == r[1]).count();
    assert!(correct >= 135, "{correct} / 150 correct");
    for r in &rows {
        let s: f64 = r[2..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((s - 1.0).abs() < 1e-9);
    }

    // A damaged model file is refused with a clear message.
    let mut bytes = std::fs::read(&model).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 1;
    let bad = tmp("bad.mosel");
    std::fs::write(&bad, &bytes).unwrap();
    let (code, _, err) = mosel(&[
        "predict",
        "--model",
        bad.to_str().unwrap(),
        "--dataset",
        "iris",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("checksum"), "{err}");
    std::fs::write(&bad, &bytes[..n / 2]).unwrap();
    let (code, _, err) = mosel(&[
        "predict",
        "--model",
        bad.to_str().unwrap(),
        "--dataset",
        "iris",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("corrupt"), "{err}");

    // Wrong column set: the missing column is named.
    let csv = tmp("missing.csv");
    std::fs::write(
        &csv,
        "sepal length (cm),sepal width (cm),petal length (cm),color\n5.1,3.5,1.4,red\n",
    )
    .unwrap();
    let (code, _, err) = mosel(&["predict", "--model", m, "--data", csv.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(
        err.contains("petal width (cm)") && err.contains("color"),
        "{err}"
    );
}

#[test]
fn regression_and_divergence() {
    let (code, out, err) = mosel(&[
        "train",
        "--dataset",
        "diabetes",
        "--model",
        "mlp",
        "--hidden",
        "8",
        "--epochs",
        "20",
        "--lr",
        "0.01",
        "--json",
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["task"], "regression");
    assert!(
        v["summary"]["train_metric"].as_f64().unwrap() > 0.3,
        "{out}"
    );

    let (code, _, err) = mosel(&[
        "train",
        "--dataset",
        "diabetes",
        "--model",
        "linear",
        "--optimizer",
        "gd",
        "--lr",
        "50",
        "--epochs",
        "100",
        "-q",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("diverged") && err.contains("smaller learning rate"),
        "{err}"
    );
}
