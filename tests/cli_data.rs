//! The `mosel` binary's data commands, run as a user would.

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

#[test]
fn describe_diamonds_schema_as_json() {
    let (code, out, err) = mosel(&[
        "describe",
        "--dataset",
        "diamonds",
        "--target",
        "price",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 53940);
    assert_eq!(v["target"]["task"], "regression");
    let cols = v["columns"].as_array().unwrap();
    let cut = cols.iter().find(|c| c["name"] == "cut").unwrap();
    assert_eq!(cut["kind"], "categorical");
    assert_eq!(cut["distinct"], 5);
    assert_eq!(cut["top"][0][0], "Ideal");
    assert_eq!(cut["top"][0][1], 21551);
    let carat = cols.iter().find(|c| c["name"] == "carat").unwrap();
    assert_eq!(carat["kind"], "numeric");
    assert_eq!(carat["min"], 0.2);
    assert_eq!(carat["max"], 5.01);
}

#[test]
fn describe_table_shows_classes() {
    let (code, out, err) = mosel(&["describe", "--dataset", "breast-cancer"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("task binary"), "{out}");
    assert!(
        out.contains("benign") && out.contains("357") && out.contains("212"),
        "{out}"
    );
}

#[test]
fn datasets_lists_all_six() {
    let (code, out, _) = mosel(&["datasets", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 6);
}

#[test]
fn bad_input_exits_with_a_message() {
    let (code, _, err) = mosel(&["describe", "--dataset", "diamonds", "--target", "prise"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean 'price'"), "{err}");
    let (code, _, err) = mosel(&["describe", "--data", "/no/such/file.csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/file.csv"), "{err}");
    let (code, _, err) = mosel(&["describe"]);
    assert_eq!(code, 2, "clap usage error");
    assert!(err.contains("--data"), "{err}");
}
