//! `mosel eval` and `mosel compare` run as a user would, on small prediction
//! files. Expected values come from scikit-learn 1.9.1 (and scipy 1.17.1 for
//! McNemar's exact p-value) on the same rows; the files and the script's
//! output are reproduced here.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Model A on 20 binary rows ("yes" is the positive class).
const BINARY_A: &str = "label,prediction,proba_yes
yes,yes,0.83
no,no,0.49
yes,yes,0.92
yes,yes,0.59
no,no,0.13
no,no,0.47
yes,no,0.45
no,no,0.44
yes,yes,0.93
no,no,0.23
no,no,0.13
yes,yes,0.62
yes,yes,0.6
no,no,0.22
yes,yes,0.75
no,no,0.28
no,yes,0.55
yes,yes,0.93
no,no,0.32
yes,yes,0.99
";

/// Model B on the same rows.
const BINARY_B: &str = "label,prediction,proba_yes
yes,no,0.4
no,no,0.11
yes,yes,0.68
yes,no,0.28
no,no,0.02
no,no,0.36
yes,yes,0.58
no,yes,0.64
yes,yes,0.69
no,no,0.36
no,no,0.35
yes,no,0.42
yes,no,0.26
no,no,0.13
yes,yes,0.73
no,no,0.14
no,no,0.26
yes,no,0.25
no,yes,0.58
yes,no,0.36
";

/// 20 rows with three classes; row 4's prediction is not the arg-max.
const MULTICLASS: &str = "animal,prediction,proba_bird,proba_cat,proba_dog
bird,bird,0.508,0.307,0.185
cat,cat,0.28,0.473,0.247
dog,dog,0.078,0.323,0.599
dog,bird,0.349,0.156,0.495
cat,cat,0.055,0.76,0.185
bird,cat,0.329,0.448,0.223
bird,bird,0.577,0.209,0.214
dog,dog,0.278,0.293,0.429
cat,cat,0.292,0.439,0.269
cat,cat,0.071,0.801,0.128
dog,dog,0.244,0.119,0.637
bird,bird,0.633,0.063,0.304
cat,cat,0.36,0.415,0.225
dog,dog,0.076,0.094,0.83
bird,dog,0.343,0.131,0.526
cat,cat,0.257,0.584,0.159
bird,bird,0.795,0.156,0.049
dog,bird,0.418,0.234,0.348
dog,cat,0.21,0.45,0.34
cat,cat,0.248,0.65,0.102
";

/// scikit-learn 1.9.1 on model A (default binary metric set, in order; `ece`
/// has no scikit-learn counterpart and is checked by the library's tests).
const A_SKLEARN: &[(&str, f64)] = &[
    ("accuracy", 0.9),
    ("balanced_accuracy", 0.9),
    ("precision", 0.9),
    ("recall", 0.9),
    ("f1", 0.9),
    ("mcc", 0.8),
    ("roc_auc", 0.97),
    ("average_precision", 0.9769230769230769),
    ("log_loss", 0.36083263335845117),
    ("brier", 0.10778500000000002),
];

/// scikit-learn 1.9.1 on model B.
const B_SKLEARN: &[(&str, f64)] = &[
    ("accuracy", 0.6),
    ("balanced_accuracy", 0.6000000000000001),
    ("precision", 0.6666666666666666),
    ("recall", 0.4),
    ("f1", 0.5),
    ("mcc", 0.2182178902359924),
    ("roc_auc", 0.75),
    ("average_precision", 0.7607700632700634),
    ("log_loss", 0.6184187912252959),
    ("brier", 0.22132999999999997),
];

/// A directory of its own under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("mosel-cli-metrics-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

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

fn json(args: &[&str]) -> Value {
    let (code, out, err) = mosel(args);
    assert_eq!(code, 0, "mosel {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn assert_close(got: &Value, want: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {got} is not a number"));
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1e-300),
        "{what}: {got} vs scikit-learn {want}"
    );
}

/// `metrics` of an eval report as (name, value) pairs.
fn metric_values(report: &Value) -> Vec<(String, Value)> {
    report["metrics"]
        .as_array()
        .expect("metrics array")
        .iter()
        .map(|m| {
            (
                m["metric"].as_str().unwrap().to_string(),
                m["value"].clone(),
            )
        })
        .collect()
}

#[test]
fn eval_binary_json_matches_scikit_learn() {
    let dir = TempDir::new("eval-binary");
    let a = dir.write("a.csv", BINARY_A);
    let r = json(&["eval", "--predictions", &a, "--truth", "label", "--json"]);
    assert_eq!(r["task"], "binary");
    assert_eq!(r["rows"], 20);
    assert_eq!(r["file"], a.as_str());
    assert_eq!(r["classes"], serde_json::json!(["no", "yes"]));
    assert_eq!(
        r["confusion_matrix"],
        serde_json::json!([[9.0, 1.0], [1.0, 9.0]])
    );
    assert_eq!(r["warnings"], serde_json::json!([]));
    let got = metric_values(&r);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let mut want_names: Vec<&str> = A_SKLEARN.iter().map(|(n, _)| *n).collect();
    want_names.push("ece");
    assert_eq!(names, want_names, "default binary metric set");
    for ((name, value), (want_name, want)) in got.iter().zip(A_SKLEARN) {
        assert_eq!(name, want_name);
        assert_close(value, *want, name);
    }
    assert!(
        r["metrics"][0].get("ci").is_none(),
        "no CI without --bootstrap"
    );
}

#[test]
fn eval_bootstrap_adds_intervals_around_the_value() {
    let dir = TempDir::new("eval-bootstrap");
    let a = dir.write("a.csv", BINARY_A);
    let r = json(&[
        "eval",
        "--predictions",
        &a,
        "--truth",
        "label",
        "--metrics",
        "roc_auc,log_loss",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--json",
    ]);
    for m in r["metrics"].as_array().unwrap() {
        let (v, lo, hi) = (
            m["value"].as_f64().unwrap(),
            m["ci"]["low"].as_f64().unwrap(),
            m["ci"]["high"].as_f64().unwrap(),
        );
        assert!(lo <= v && v <= hi, "{m}");
    }
    assert_close(&r["metrics"][0]["value"], 0.97, "roc_auc");
}

#[test]
fn eval_partial_roc_auc_matches_scikit_learn() {
    let dir = TempDir::new("eval-partial");
    let b = dir.write("b.csv", BINARY_B);
    let r = json(&[
        "eval",
        "--predictions",
        &b,
        "--truth",
        "label",
        "--metrics",
        "partial_roc_auc",
        "--json",
    ]);
    // roc_auc_score(y, proba_yes, max_fpr=0.1), scikit-learn 1.9.1
    assert_close(
        &r["metrics"][0]["value"],
        0.631578947368421,
        "partial_roc_auc",
    );
}

#[test]
fn eval_multiclass_json_matches_scikit_learn() {
    let dir = TempDir::new("eval-multiclass");
    let m = dir.write("m.csv", MULTICLASS);
    let r = json(&[
        "eval",
        "--predictions",
        &m,
        "--truth",
        "animal",
        "--metrics",
        "accuracy,f1,mcc,roc_auc,roc_auc_ovo,log_loss,brier,top2_accuracy",
        "--json",
    ]);
    assert_eq!(r["task"], "multiclass");
    assert_eq!(r["classes"], serde_json::json!(["bird", "cat", "dog"]));
    assert_eq!(
        r["confusion_matrix"],
        serde_json::json!([[4.0, 1.0, 1.0], [0.0, 7.0, 0.0], [2.0, 1.0, 4.0]])
    );
    let want = [
        ("accuracy", 0.75),
        ("f1", 0.736111111111111), // macro by default for multiclass
        ("mcc", 0.6336616395977414),
        ("roc_auc", 0.9468864468864467), // one-vs-rest, macro
        ("roc_auc_ovo", 0.945578231292517),
        ("log_loss", 0.6422817674801122),
        ("brier", 0.3569428),
        ("top2_accuracy", 1.0),
    ];
    let got = metric_values(&r);
    assert_eq!(got.len(), want.len());
    for ((name, value), (want_name, want)) in got.iter().zip(want) {
        assert_eq!(name, want_name);
        assert_close(value, want, name);
    }
}

#[test]
fn eval_table_names_the_positive_class() {
    let dir = TempDir::new("eval-table");
    let a = dir.write("a.csv", BINARY_A);
    let (code, out, err) = mosel(&["eval", "--predictions", &a, "--truth", "label"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("20 rows, binary, positive class 'yes'"),
        "{out}"
    );
    assert!(out.contains("roc_auc") && out.contains("0.97"), "{out}");
}

#[test]
fn unknown_metric_lists_the_valid_names() {
    let dir = TempDir::new("unknown-metric");
    let a = dir.write("a.csv", BINARY_A);
    let (code, out, err) = mosel(&[
        "eval",
        "--predictions",
        &a,
        "--truth",
        "label",
        "--metrics",
        "accuracy,auc_roc",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("unknown metric 'auc_roc'"), "{err}");
    assert!(
        err.contains("valid metrics: accuracy, balanced_accuracy,")
            && err.contains("roc_auc")
            && err.contains("top2_accuracy"),
        "{err}"
    );
    assert!(out.is_empty(), "nothing printed on stdout: {out}");
}

#[test]
fn missing_column_and_bad_values_are_errors() {
    let dir = TempDir::new("bad-columns");
    let a = dir.write("a.csv", BINARY_A);
    let (code, _, err) = mosel(&["eval", "--predictions", &a, "--truth", "target"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no column 'target' (columns: label, prediction, proba_yes)"),
        "{err}"
    );
    let bad = dir.write("bad.csv", &BINARY_A.replace("0.93", "high"));
    let (code, _, err) = mosel(&["eval", "--predictions", &bad, "--truth", "label"]);
    assert_eq!(code, 1);
    assert!(err.contains("'high' is not a number"), "{err}");
    let (code, _, err) = mosel(&[
        "eval",
        "--predictions",
        &dir.0.join("none.csv").to_string_lossy(),
        "--truth",
        "label",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("none.csv"), "{err}");
}

#[test]
fn compare_json_reports_both_models_and_paired_tests() {
    let dir = TempDir::new("compare");
    let a = dir.write("a.csv", BINARY_A);
    let b = dir.write("b.csv", BINARY_B);
    let r = json(&[
        "compare",
        &a,
        &b,
        "--truth",
        "label",
        "--bootstrap",
        "300",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(r["rows"], 20);
    assert_eq!(r["task"], "binary");
    let metrics = r["metrics"].as_array().unwrap();
    let names: Vec<&str> = metrics
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    let mut want_names: Vec<&str> = A_SKLEARN.iter().map(|(n, _)| *n).collect();
    want_names.push("ece");
    assert_eq!(names, want_names);
    for (m, ((_, wa), (_, wb))) in metrics.iter().zip(A_SKLEARN.iter().zip(B_SKLEARN)) {
        let name = m["metric"].as_str().unwrap();
        assert_close(&m["a"], *wa, name);
        assert_close(&m["b"], *wb, name);
        assert_close(&m["diff"], wa - wb, name);
        let (lo, hi) = (
            m["ci_low"].as_f64().unwrap(),
            m["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= hi, "{m}");
        let (p, p_holm) = (
            m["p_value"].as_f64().unwrap(),
            m["p_holm"].as_f64().unwrap(),
        );
        assert!(
            (0.0..=1.0).contains(&p) && p <= p_holm && p_holm <= 1.0,
            "{m}"
        );
    }
    // A right & B wrong on 8 rows, the reverse on 2: exact binomial test
    // (scipy.stats.binomtest(2, 10, 0.5).pvalue).
    let mc = &r["mcnemar"];
    assert_eq!(
        (mc["a_only"].as_u64(), mc["b_only"].as_u64()),
        (Some(8), Some(2))
    );
    assert_eq!(mc["exact"], true);
    assert_close(&mc["p_value"], 0.109375, "McNemar p");
    assert_close(&r["delong"]["auc_a"], 0.97, "DeLong AUC A");
    assert_close(&r["delong"]["auc_b"], 0.75, "DeLong AUC B");
    let verdict = r["verdict"].as_str().unwrap();
    assert!(
        verdict.contains("accuracy") && verdict.contains('A'),
        "{verdict}"
    );
}

#[test]
fn compare_refuses_files_that_do_not_pair() {
    let dir = TempDir::new("compare-bad");
    let a = dir.write("a.csv", BINARY_A);
    let short: String = BINARY_B
        .lines()
        .take(20)
        .map(|l| format!("{l}\n"))
        .collect();
    let b = dir.write("short.csv", &short);
    let (code, _, err) = mosel(&["compare", &a, &b, "--truth", "label"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("has 20 rows but") && err.contains("has 19"),
        "{err}"
    );

    let flipped = BINARY_B.replacen("yes,no,0.4", "no,no,0.4", 1);
    let c = dir.write("flipped.csv", &flipped);
    let (code, _, err) = mosel(&["compare", &a, &c, "--truth", "label"]);
    assert_eq!(code, 1);
    assert!(err.contains("'label' columns differ"), "{err}");

    let (code, _, err) = mosel(&["compare", &a, &a, "--truth", "label", "--metrics", "nope"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown metric 'nope'; valid metrics:"),
        "{err}"
    );
}
