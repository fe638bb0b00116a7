//! Ranking and probability metrics against scikit-learn golden files.

mod common;
use common::*;
use mosel_metrics::ScoreMatrix;
use mosel_metrics::multilabel::Indicator;
use mosel_metrics::multilabel_scores::{self as mls, LabelAverage};
use mosel_metrics::probability::{self as prob, BinStrategy};
use mosel_metrics::ranking::{self as rk, MultiClass, ScoreAverage};
use serde_json::Value;

fn flat(v: &Value) -> (Vec<f64>, usize) {
    let rows = fm(v);
    let c = rows.first().map_or(1, |r| r.len());
    (rows.into_iter().flatten().collect(), c)
}

fn scalar<E: std::fmt::Display>(r: &mut Report, n: &str, exp: &Value, got: Result<f64, E>) {
    if is_error(exp) {
        r.err(n, &got.map_err(|_| ()));
    } else {
        match got {
            Ok(v) => r.num(n, "value", v, f(exp)),
            Err(e) => r.unexpected_err(n, e),
        }
    }
}

fn strategy(v: &Value) -> BinStrategy {
    if v.as_str().unwrap() == "uniform" {
        BinStrategy::Uniform
    } else {
        BinStrategy::Quantile
    }
}

#[test]
fn golden_ranking() {
    let mut r = Report::default();
    for c in load("ranking.json") {
        let a = &c.args;
        let n = c.name.as_str();
        let exp = &c.expected;
        let multilabel = a["y_true"][0].is_array();
        let yt = if multilabel {
            Vec::new()
        } else {
            uv(&a["y_true"])
        };
        let sw = opt_fv(&a["sample_weight"]);
        let sw = sw.as_deref();
        match c.func.as_str() {
            "roc_curve" | "pr_curve" => {
                let s = fv(&a["y_score"]);
                let pos = a["pos_label"].as_u64().unwrap() as usize;
                let drop = a["drop_intermediate"].as_bool().unwrap();
                if c.func == "roc_curve" {
                    match rk::roc_curve(&yt, &s, pos, sw, drop) {
                        Ok(cv) => {
                            r.vec(n, "fpr", &cv.fpr, &fv(&exp["fpr"]));
                            r.vec(n, "tpr", &cv.tpr, &fv(&exp["tpr"]));
                            r.vec(n, "thresholds", &cv.thresholds, &fv(&exp["thresholds"]));
                        }
                        Err(e) => r.unexpected_err(n, e),
                    }
                } else {
                    match rk::precision_recall_curve(&yt, &s, pos, sw, drop) {
                        Ok(cv) => {
                            r.vec(n, "precision", &cv.precision, &fv(&exp["precision"]));
                            r.vec(n, "recall", &cv.recall, &fv(&exp["recall"]));
                            r.vec(n, "thresholds", &cv.thresholds, &fv(&exp["thresholds"]));
                        }
                        Err(e) => r.unexpected_err(n, e),
                    }
                }
            }
            "roc_auc" => scalar(&mut r, n, exp, rk::roc_auc(&yt, &fv(&a["y_score"]), sw)),
            "average_precision" => {
                let pos = a["pos_label"].as_u64().unwrap() as usize;
                scalar(
                    &mut r,
                    n,
                    exp,
                    rk::average_precision(&yt, &fv(&a["y_score"]), pos, sw),
                )
            }
            "roc_auc_mc" => {
                let (d, k) = flat(&a["y_score"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let labels = opt_usize(&a["labels"]);
                let mc = if a["multi_class"] == "ovr" {
                    MultiClass::Ovr
                } else {
                    MultiClass::Ovo
                };
                let avg = match a["average"].as_str().unwrap() {
                    "macro" => Some(ScoreAverage::Macro),
                    "weighted" => Some(ScoreAverage::Weighted),
                    "micro" => Some(ScoreAverage::Micro),
                    _ => None,
                };
                match avg {
                    Some(avg) => scalar(
                        &mut r,
                        n,
                        exp,
                        rk::roc_auc_multiclass(&yt, &m, mc, avg, labels.as_deref(), sw),
                    ),
                    None => match rk::roc_auc_ovr_per_class(&yt, &m, labels.as_deref(), sw) {
                        Ok(v) => r.vec(n, "per_class", &v, &fv(exp)),
                        Err(e) => r.unexpected_err(n, e),
                    },
                }
            }
            "ap_mc" => {
                let (d, k) = flat(&a["y_score"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let avg = match a["average"].as_str().unwrap() {
                    "macro" => Some(ScoreAverage::Macro),
                    "weighted" => Some(ScoreAverage::Weighted),
                    "micro" => Some(ScoreAverage::Micro),
                    _ => None,
                };
                match avg {
                    Some(avg) => scalar(
                        &mut r,
                        n,
                        exp,
                        rk::average_precision_multiclass(&yt, &m, avg, sw),
                    ),
                    None => match rk::average_precision_per_class(&yt, &m, sw) {
                        Ok(v) => r.vec(n, "per_class", &v, &fv(exp)),
                        Err(e) => r.unexpected_err(n, e),
                    },
                }
            }
            "top_k" => {
                let (d, k) = flat(&a["y_score"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let labels = opt_usize(&a["labels"]);
                let kk = a["k"].as_u64().unwrap() as usize;
                let norm = a["normalize"].as_bool().unwrap();
                scalar(
                    &mut r,
                    n,
                    exp,
                    rk::top_k_accuracy(&yt, &m, kk, labels.as_deref(), sw, norm),
                )
            }
            "roc_auc_partial" => {
                let max_fpr = f(&a["max_fpr"]);
                let got = rk::roc_auc_partial(&yt, &fv(&a["y_score"]), max_fpr, sw);
                scalar(&mut r, n, exp, got)
            }
            "roc_auc_ml" | "ap_ml" => {
                let (t, labels) = flat(&a["y_true"]);
                let t: Vec<u8> = t.iter().map(|&v| v as u8).collect();
                let t = Indicator::new(&t, labels).unwrap();
                let (d, k) = flat(&a["y_score"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let max_fpr = a["max_fpr"].as_f64();
                let auc = c.func == "roc_auc_ml";
                let avg = match a["average"].as_str().unwrap() {
                    "macro" => Some(LabelAverage::Macro),
                    "weighted" => Some(LabelAverage::Weighted),
                    "micro" => Some(LabelAverage::Micro),
                    "samples" => Some(LabelAverage::Samples),
                    _ => None,
                };
                match avg {
                    Some(avg) if auc => scalar(
                        &mut r,
                        n,
                        exp,
                        mls::roc_auc_multilabel(&t, &m, avg, max_fpr, sw),
                    ),
                    Some(avg) => scalar(
                        &mut r,
                        n,
                        exp,
                        mls::average_precision_multilabel(&t, &m, avg, sw),
                    ),
                    None => {
                        let got = if auc {
                            mls::roc_auc_per_label(&t, &m, max_fpr, sw)
                        } else {
                            mls::average_precision_per_label(&t, &m, sw)
                        };
                        match got {
                            Ok(v) => r.vec(n, "per_label", &v, &fv(exp)),
                            Err(e) => r.unexpected_err(n, e),
                        }
                    }
                }
            }
            other => panic!("unknown fn {other}"),
        }
    }
    r.finish("ranking.json");
}

#[test]
fn golden_probability() {
    let mut r = Report::default();
    for c in load("probability.json") {
        let a = &c.args;
        let n = c.name.as_str();
        let exp = &c.expected;
        let yt = uv(&a["y_true"]);
        let sw = opt_fv(&a["sample_weight"]);
        let sw = sw.as_deref();
        let labels = opt_usize(&a["labels"]);
        match c.func.as_str() {
            "log_loss" => {
                let (d, k) = flat(&a["y_prob"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let norm = a["normalize"].as_bool().unwrap();
                scalar(
                    &mut r,
                    n,
                    exp,
                    prob::log_loss(&yt, &m, labels.as_deref(), sw, norm),
                )
            }
            "brier" => {
                let pos = a["pos_label"].as_u64().map(|x| x as usize);
                scalar(
                    &mut r,
                    n,
                    exp,
                    prob::brier_score(&yt, &fv(&a["y_prob"]), pos, sw),
                )
            }
            "brier_mc" => {
                let (d, k) = flat(&a["y_prob"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                scalar(
                    &mut r,
                    n,
                    exp,
                    prob::brier_score_multiclass(&yt, &m, labels.as_deref(), sw),
                )
            }
            "calibration" => {
                let p = fv(&a["y_prob"]);
                let nb = a["n_bins"].as_u64().unwrap() as usize;
                let st = strategy(&a["strategy"]);
                match prob::calibration_curve(&yt, &p, None, nb, st) {
                    Ok(cv) => {
                        r.vec(n, "prob_true", &cv.prob_true, &fv(&exp["prob_true"]));
                        r.vec(n, "prob_pred", &cv.prob_pred, &fv(&exp["prob_pred"]));
                        r.vec(n, "count", &cv.count, &fv(&exp["count"]));
                    }
                    Err(e) => r.unexpected_err(n, e),
                }
                scalar(
                    &mut r,
                    n,
                    &exp["ece"],
                    prob::expected_calibration_error(&yt, &p, None, nb, st),
                );
            }
            "ece_mc" => {
                let (d, k) = flat(&a["y_prob"]);
                let m = ScoreMatrix::new(&d, k).unwrap();
                let nb = a["n_bins"].as_u64().unwrap() as usize;
                scalar(
                    &mut r,
                    n,
                    exp,
                    prob::expected_calibration_error_multiclass(
                        &yt,
                        &m,
                        None,
                        nb,
                        strategy(&a["strategy"]),
                    ),
                )
            }
            other => panic!("unknown fn {other}"),
        }
    }
    r.finish("probability.json");
}
