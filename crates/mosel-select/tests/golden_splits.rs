//! The non-shuffled splitters against scikit-learn 1.9.1 (golden file written by
//! `oracle/gen_splits.py`): the same folds, row for row, and an error wherever scikit-learn
//! raises (or warns about a class with fewer members than folds, which mosel refuses).

use mosel_data::{Column, ColumnData};
use mosel_select::split::{Classes, SplitData, Splitter, Strategy, group_codes};
use serde_json::Value;

fn golden() -> Value {
    let text = include_str!("golden/splits.json");
    serde_json::from_str(text).expect("valid golden JSON")
}

fn rows(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// Class codes in sorted label order plus labels, from JSON labels (numbers or strings).
fn classes_of(y: &[Value]) -> (Vec<u32>, Vec<String>) {
    let column = column_of("y", y);
    let codes = group_codes(&column).unwrap();
    let n = codes.iter().max().map_or(0, |m| m + 1);
    let mut labels = vec![String::new(); n];
    for (i, &c) in codes.iter().enumerate() {
        labels[c] = y[i].to_string();
    }
    (codes.into_iter().map(|c| c as u32).collect(), labels)
}

fn column_of(name: &str, v: &[Value]) -> Column {
    let data = if v.iter().all(Value::is_number) {
        ColumnData::Numeric(v.iter().map(|x| x.as_f64().unwrap()).collect())
    } else {
        let mut levels: Vec<String> = v.iter().map(|x| x.as_str().unwrap().to_string()).collect();
        levels.sort();
        levels.dedup();
        let codes = v
            .iter()
            .map(|x| {
                levels
                    .binary_search(&x.as_str().unwrap().to_string())
                    .unwrap() as u32
            })
            .collect();
        ColumnData::Categorical { codes, levels }
    };
    Column {
        name: name.into(),
        data,
    }
}

#[test]
fn splitters_match_scikit_learn() {
    let g = golden();
    let cases = g["cases"].as_array().unwrap();
    assert!(cases.len() > 1000);
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let p = &case["params"];
        let k = p["k"].as_u64().unwrap_or(0) as usize;
        let strategy = match case["splitter"].as_str().unwrap() {
            "kfold" => Strategy::KFold { k, shuffle: false },
            "stratified_kfold" => Strategy::StratifiedKFold { k, shuffle: false },
            "group_kfold" => Strategy::GroupKFold { k, shuffle: false },
            "stratified_group_kfold" => Strategy::StratifiedGroupKFold { k, shuffle: false },
            "time_series" => Strategy::TimeSeries {
                n_splits: p["n_splits"].as_u64().unwrap() as usize,
                gap: p["gap"].as_u64().unwrap() as usize,
                max_train_size: p["max_train_size"].as_u64().map(|v| v as usize),
                test_size: p["test_size"].as_u64().map(|v| v as usize),
            },
            "holdout" => Strategy::HoldOut {
                test_fraction: p["test_fraction"].as_f64().unwrap(),
                shuffle: false,
                stratify: false,
            },
            other => panic!("unknown splitter {other}"),
        };
        let y = case["y"].as_array().map(|y| classes_of(y));
        let groups = case["groups"]
            .as_array()
            .map(|gr| group_codes(&column_of("g", gr)).unwrap());
        let data = SplitData {
            n_rows: n,
            classes: y.as_ref().map(|(codes, labels)| Classes { codes, labels }),
            groups: groups.as_deref(),
        };
        let got = Splitter::new(strategy).split(&data);
        let warns = case["warns"].as_bool().unwrap();
        match (&case["expected"], got) {
            (Value::Object(e), Ok(folds)) => {
                panic!(
                    "{name}: scikit-learn raised {:?} but mosel split into {} folds",
                    e["error"],
                    folds.len()
                )
            }
            (Value::Object(_), Err(_)) => {}
            (Value::Array(_), Err(e)) if warns => {
                // scikit-learn only warns about a class with fewer members than folds.
                assert!(
                    matches!(e, mosel_select::SelectError::TooFewInClass { .. }),
                    "{name}: {e}"
                );
            }
            (Value::Array(_), Ok(_)) if warns => {
                panic!("{name}: scikit-learn warned about a small class; mosel should refuse")
            }
            (Value::Array(expected), Ok(folds)) => {
                assert_eq!(folds.len(), expected.len(), "{name}: number of folds");
                for (f, (fold, exp)) in folds.iter().zip(expected).enumerate() {
                    assert_eq!(fold.test, rows(&exp["test"]), "{name}: fold {f} test rows");
                    if exp.get("train").is_some() {
                        assert_eq!(
                            fold.train,
                            rows(&exp["train"]),
                            "{name}: fold {f} train rows"
                        );
                    } else {
                        let mut all: Vec<usize> =
                            fold.train.iter().chain(&fold.test).copied().collect();
                        all.sort_unstable();
                        assert_eq!(
                            all,
                            (0..n).collect::<Vec<_>>(),
                            "{name}: fold {f} train + test"
                        );
                    }
                }
                checked += 1;
            }
            (e, r) => panic!("{name}: unexpected {e:?} / {r:?}"),
        }
    }
    assert!(checked > 900, "only {checked} cases compared");
}
