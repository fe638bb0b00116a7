//! Distribution functions, paired tests and interval construction against
//! scipy golden values.

mod common;
use common::*;
use mosel_metrics::bootstrap::{CiMethod, interval_from_replicates};
use mosel_metrics::paired;
use mosel_metrics::stats;

#[test]
fn golden_stats() {
    let mut r = Report::default();
    for c in load("stats.json") {
        let a = &c.args;
        let g = |k: &str| f(&a[k]);
        let got = match c.func.as_str() {
            "t_cdf" => stats::t_cdf(g("x"), g("df")),
            "t_sf" => stats::t_sf(g("x"), g("df")),
            "t_ppf" => stats::t_ppf(g("p"), g("df")),
            "normal_cdf" => stats::normal_cdf(g("x")),
            "normal_sf" => stats::normal_sf(g("x")),
            "normal_ppf" => stats::normal_ppf(g("p")),
            "chi2_sf" => stats::chi2_sf(g("x"), g("df")),
            "binom_cdf" => stats::binom_cdf(g("k") as u64, g("n") as u64, g("p")),
            o => panic!("{o}"),
        };
        r.num(&c.name, "value", got, f(&c.expected));
    }
    r.finish("stats.json");
}

#[test]
fn golden_paired() {
    let mut r = Report::default();
    for c in load("paired.json") {
        let a = &c.args;
        let e = &c.expected;
        let n = c.name.as_str();
        match c.func.as_str() {
            "mcnemar" => {
                let m = paired::mcnemar_from_counts(
                    a["a_only"].as_u64().unwrap(),
                    a["b_only"].as_u64().unwrap(),
                );
                r.num(n, "statistic", m.statistic, f(&e["statistic"]));
                r.num(n, "p_value", m.p_value, f(&e["p_value"]));
                r.num(n, "exact", m.exact as u8 as f64, f(&e["exact"]));
            }
            "delong" => {
                let y = uv(&a["y_true"]);
                let d = paired::delong(&y, &fv(&a["score_a"]), &fv(&a["score_b"]), 1).unwrap();
                for (k, v) in [
                    ("auc_a", d.auc_a),
                    ("auc_b", d.auc_b),
                    ("std_error", d.std_error),
                    ("z", d.z),
                    ("p_value", d.p_value),
                ] {
                    r.num(n, k, v, f(&e[k]));
                }
            }
            "corrected_ttest" => {
                let t = paired::corrected_resampled_ttest_with(
                    &fv(&a["diffs"]),
                    a["n_train"].as_u64().unwrap() as usize,
                    a["n_test"].as_u64().unwrap() as usize,
                    f(&a["confidence"]),
                )
                .unwrap();
                for (k, v) in [
                    ("mean", t.mean),
                    ("std_error", t.std_error),
                    ("t", t.t),
                    ("df", t.df),
                    ("p_value", t.p_value),
                    ("ci_low", t.ci_low),
                    ("ci_high", t.ci_high),
                ] {
                    r.num(n, k, v, f(&e[k]));
                }
                let m = paired::corrected_mean_ci(
                    &fv(&a["diffs"]),
                    a["n_train"].as_u64().unwrap() as usize,
                    a["n_test"].as_u64().unwrap() as usize,
                    f(&a["confidence"]),
                )
                .unwrap();
                r.num(n, "mean_ci.low", m.low, f(&e["ci_low"]));
                r.num(n, "mean_ci.high", m.high, f(&e["ci_high"]));
            }
            "holm" => r.vec(n, "adjusted", &paired::holm(&fv(&a["p"])).unwrap(), &fv(e)),
            "interval" => {
                let reps = fv(&a["replicates"]);
                let jk = fv(&a["jackknife"]);
                let conf = f(&a["confidence"]);
                let est = f(&a["estimate"]);
                let (lo, hi) =
                    interval_from_replicates(est, &reps, Some(&jk), conf, CiMethod::Bca).unwrap();
                r.vec(n, "bca", &[lo, hi], &fv(&e["bca"]));
                let (lo, hi) =
                    interval_from_replicates(est, &reps, None, conf, CiMethod::Percentile).unwrap();
                r.vec(n, "percentile", &[lo, hi], &fv(&e["percentile"]));
            }
            o => panic!("{o}"),
        }
    }
    r.finish("paired.json");
}
