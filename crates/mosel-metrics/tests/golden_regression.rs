//! Regression metrics against scikit-learn golden files, plus the streaming
//! accumulator against the one-shot functions.

mod common;
use common::*;
use mosel_metrics::ScoreMatrix;
use mosel_metrics::regression::{self as reg, MultiOutput, RegressionMetric as RM, Value};

fn metric(name: &str) -> RM {
    match name {
        "mse" => RM::MeanSquaredError,
        "rmse" => RM::RootMeanSquaredError,
        "mae" => RM::MeanAbsoluteError,
        "medae" => RM::MedianAbsoluteError,
        "mape" => RM::MeanAbsolutePercentageError,
        "r2" => RM::R2 { force_finite: true },
        "r2_nf" => RM::R2 {
            force_finite: false,
        },
        "ev" => RM::ExplainedVariance { force_finite: true },
        "ev_nf" => RM::ExplainedVariance {
            force_finite: false,
        },
        "max_error" => RM::MaxError,
        m => panic!("{m}"),
    }
}

#[test]
fn golden_regression() {
    let mut r = Report::default();
    for c in load("regression.json") {
        let a = &c.args;
        let n = c.name.as_str();
        let exp = &c.expected;
        let (t, p) = (fm(&a["y_true"]), fm(&a["y_pred"]));
        let m = t[0].len();
        let (td, pd): (Vec<f64>, Vec<f64>) = (t.concat(), p.concat());
        let (tm, pm) = (
            ScoreMatrix::new(&td, m).unwrap(),
            ScoreMatrix::new(&pd, m).unwrap(),
        );
        let sw = opt_fv(&a["sample_weight"]);
        let sw = sw.as_deref();
        let weights;
        let mo = match &a["multioutput"] {
            serde_json::Value::String(s) => match s.as_str() {
                "raw_values" => MultiOutput::RawValues,
                "uniform_average" => MultiOutput::UniformAverage,
                "variance_weighted" => MultiOutput::VarianceWeighted,
                s => panic!("{s}"),
            },
            v => {
                weights = fv(v);
                MultiOutput::Weights(&weights)
            }
        };
        let met = metric(a["metric"].as_str().unwrap());
        let got = reg::evaluate(met, &tm, &pm, sw, mo);
        if is_error(exp) {
            r.err(n, &got);
            continue;
        }
        match got {
            Ok(Value::Scalar(v)) => r.num(n, "value", v, f(exp)),
            Ok(Value::PerOutput(v)) if exp.is_array() => r.vec(n, "raw", &v, &fv(exp)),
            // scikit-learn returns a bare NaN for R² on fewer than two rows
            Ok(Value::PerOutput(v)) => r.vec(n, "raw", &v, &vec![f(exp); v.len()]),
            Err(e) => r.unexpected_err(n, e),
        }
        // single-output slice functions must agree with the same golden value
        if m == 1 && !matches!(mo, MultiOutput::RawValues) {
            let single = match met {
                RM::MeanSquaredError => reg::mean_squared_error(&td, &pd, sw),
                RM::RootMeanSquaredError => reg::root_mean_squared_error(&td, &pd, sw),
                RM::MeanAbsoluteError => reg::mean_absolute_error(&td, &pd, sw),
                RM::MedianAbsoluteError => reg::median_absolute_error(&td, &pd, sw),
                RM::MeanAbsolutePercentageError => {
                    reg::mean_absolute_percentage_error(&td, &pd, sw)
                }
                RM::MaxError => reg::max_error(&td, &pd),
                RM::R2 { force_finite } => reg::r2(&td, &pd, sw, force_finite),
                RM::ExplainedVariance { force_finite } => {
                    reg::explained_variance(&td, &pd, sw, force_finite)
                }
            };
            r.num(n, "single", single.unwrap(), f(exp));
            // streaming accumulator, fed in two chunks and merged
            if met != RM::MedianAbsoluteError {
                let cut = td.len() / 2;
                let mut acc = reg::RegressionAccumulator::new();
                let mut b = reg::RegressionAccumulator::new();
                let part = |r: std::ops::Range<usize>| sw.map(|w| &w[r]);
                let ok1 = if cut > 0 && part(0..cut).is_none_or(|w| w.iter().any(|&x| x != 0.0)) {
                    acc.update(&td[..cut], &pd[..cut], part(0..cut)).is_ok()
                } else {
                    true
                };
                b.update(&td[cut..], &pd[cut..], part(cut..td.len())).ok();
                acc.merge(&b);
                if ok1 {
                    let v = acc.value(met).unwrap();
                    let want = f(exp);
                    // sums vs two-pass: allow a little more than the golden tolerance
                    let ok = close(v, want) || (v - want).abs() <= 1e-9 * want.abs().max(1.0);
                    r.checked += 1;
                    if !ok {
                        r.failures
                            .push(format!("{n} [stream]: got {v:e}, want {want:e}"));
                    }
                }
            }
        }
    }
    r.finish("regression.json");
}
