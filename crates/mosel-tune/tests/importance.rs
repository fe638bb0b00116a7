//! Parameter importances against an independent numpy/scipy computation of the same
//! estimator (oracle/gen_importances.py), and on studies where the answer is known.

use std::collections::BTreeMap;

use mosel_tune::importance::param_importances;
use mosel_tune::prelude::*;

/// A COMPLETE trial number `i` with decoded parameters and one value.
fn complete(i: usize, params: Vec<f64>, value: f64) -> FrozenTrial {
    FrozenTrial {
        id: i as i64,
        number: i as u64,
        state: TrialState::Complete,
        params_json: String::new(),
        params,
        values: Some(vec![value]),
        intermediate: vec![],
        system_attrs: BTreeMap::new(),
        started: None,
        finished: None,
        heartbeat: None,
        worker: String::new(),
    }
}

#[test]
fn importances_match_the_numpy_oracle() {
    let golden: serde_json::Value = serde_json::from_str(include_str!("golden/importances.json"))
        .expect("golden importances (oracle/gen_importances.py)");
    let space = SearchSpace::from_toml(
        "[optimizer]\ntype = \"categorical\"\nchoices = [\"a\", \"b\", \"c\"]\n\n\
         [lr]\ntype = \"float\"\nlow = 1e-4\nhigh = 1.0\nlog = true\nwhen = { optimizer = [\"b\", \"c\"] }\n\n\
         [width]\ntype = \"int\"\nlow = 8\nhigh = 64\n\n\
         [noise]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n",
    )
    .unwrap();
    let names = ["optimizer", "lr", "width", "noise"];
    for case in golden.as_array().unwrap() {
        let values: Vec<f64> = case["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let col = |n: &str| -> Vec<f64> {
            case["params"][n]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect()
        };
        let cols: Vec<Vec<f64>> = names.iter().map(|n| col(n)).collect();
        let mut trials: Vec<FrozenTrial> = values
            .iter()
            .enumerate()
            .map(|(i, y)| complete(i, cols.iter().map(|c| c[i]).collect(), *y))
            .collect();
        // Failed and pruned trials are left out.
        let mut failed = trials[0].clone();
        failed.number = 999;
        failed.state = TrialState::Fail;
        failed.values = Some(vec![-100.0]);
        trials.push(failed);
        let got: BTreeMap<String, f64> = param_importances(&space, &trials, 0)
            .into_iter()
            .map(|i| (i.name, i.importance))
            .collect();
        for n in names {
            let want = case["importances"][n].as_f64().unwrap();
            assert!(
                (got[n] - want).abs() < 1e-12,
                "seed {}: {n}: {} vs numpy {want}",
                case["seed"],
                got[n]
            );
        }
        // Sorted by decreasing importance.
        let ordered = param_importances(&space, &trials, 0);
        assert!(
            ordered
                .windows(2)
                .all(|w| w[0].importance >= w[1].importance)
        );
    }
}

#[test]
fn importances_find_the_parameter_that_matters() {
    // `fixed` has one value but is active only when a > 0.5: it must get no credit.
    let space = SearchSpace::from_toml(
        "[a]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n\n[b]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n\n\
         [fixed]\ntype = \"categorical\"\nchoices = [1]\n",
    )
    .unwrap();
    let trials: Vec<FrozenTrial> = (0..60)
        .map(|i| {
            let a = ((i * 37) % 60) as f64 / 60.0;
            let b = ((i * 11) % 60) as f64 / 60.0;
            complete(i, vec![a, b, if a > 0.5 { 0.0 } else { f64::NAN }], a * a)
        })
        .collect();
    let imp = param_importances(&space, &trials, 0);
    assert_eq!(imp[0].name, "a");
    assert!(imp[0].importance > 0.9, "{imp:?}");
    let fixed = imp.iter().find(|i| i.name == "fixed").unwrap();
    assert_eq!((fixed.importance, fixed.n_trials), (0.0, 29));
    assert!(param_importances(&space, &trials[..2], 0).is_empty());
}
