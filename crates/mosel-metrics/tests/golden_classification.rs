//! Classification and multilabel metrics against scikit-learn golden files.

mod common;
use common::*;
use mosel_metrics::classification::{
    self as cls, Average, KappaWeights, Normalize, PrfOptions, ZeroDivision,
};
use mosel_metrics::multilabel::{self as ml, Indicator};
use serde_json::Value;

fn zd(v: &Value) -> ZeroDivision {
    match v.as_str().unwrap() {
        "warn" => ZeroDivision::Warn,
        "0" => ZeroDivision::Zero,
        "1" => ZeroDivision::One,
        "nan" => ZeroDivision::NaN,
        s => panic!("{s}"),
    }
}

fn avg(v: &Value) -> Option<Average> {
    match v.as_str().unwrap() {
        "binary" => Some(Average::Binary),
        "micro" => Some(Average::Micro),
        "macro" => Some(Average::Macro),
        "weighted" => Some(Average::Weighted),
        "samples" => Some(Average::Samples),
        "none" => None,
        s => panic!("{s}"),
    }
}

fn check_prf<E: std::fmt::Display>(
    r: &mut Report,
    name: &str,
    exp: &Value,
    averaged: Option<Result<cls::Prf, E>>,
    per_class: Option<Result<cls::PerClassPrf, E>>,
) {
    if is_error(exp) {
        match (averaged, per_class) {
            (Some(a), _) => r.err(name, &a.map_err(|_| ())),
            (_, Some(p)) => r.err(name, &p.map_err(|_| ())),
            _ => unreachable!(),
        }
        return;
    }
    match (averaged, per_class) {
        (Some(Ok(p)), _) => {
            r.num(name, "precision", p.precision, f(&exp["precision"]));
            r.num(name, "recall", p.recall, f(&exp["recall"]));
            r.num(name, "fscore", p.fscore, f(&exp["fscore"]));
        }
        (_, Some(Ok(p))) => {
            r.vec(name, "precision", &p.precision, &fv(&exp["precision"]));
            r.vec(name, "recall", &p.recall, &fv(&exp["recall"]));
            r.vec(name, "fscore", &p.fscore, &fv(&exp["fscore"]));
            r.vec(name, "support", &p.support, &fv(&exp["support"]));
        }
        (Some(Err(e)), _) | (_, Some(Err(e))) => r.unexpected_err(name, e),
        _ => unreachable!(),
    }
}

#[test]
fn golden_classification() {
    let mut r = Report::default();
    for c in load("classification.json") {
        let a = &c.args;
        let (yt, yp) = (uv(&a["y_true"]), uv(&a["y_pred"]));
        let sw = opt_fv(&a["sample_weight"]);
        let sw = sw.as_deref();
        let exp = &c.expected;
        let n = c.name.as_str();
        let scalar = |r: &mut Report, got: mosel_metrics::Result<f64>| {
            if is_error(exp) {
                r.err(n, &got)
            } else {
                match got {
                    Ok(v) => r.num(n, "value", v, f(exp)),
                    Err(e) => r.unexpected_err(n, e),
                }
            }
        };
        match c.func.as_str() {
            "accuracy" => scalar(&mut r, cls::accuracy(&yt, &yp, sw)),
            "accuracy_count" => scalar(&mut r, cls::accuracy_count(&yt, &yp, sw)),
            "hamming" => scalar(&mut r, cls::hamming_loss(&yt, &yp, sw)),
            "mcc" => scalar(&mut r, cls::matthews_corrcoef(&yt, &yp, sw)),
            "balanced_accuracy" => scalar(
                &mut r,
                cls::balanced_accuracy(&yt, &yp, sw, a["adjusted"].as_bool().unwrap()),
            ),
            "kappa" => {
                let w = match a["weights"].as_str().unwrap() {
                    "none" => KappaWeights::None,
                    "linear" => KappaWeights::Linear,
                    _ => KappaWeights::Quadratic,
                };
                let labels = opt_usize(&a["labels"]);
                scalar(
                    &mut r,
                    cls::cohen_kappa(&yt, &yp, labels.as_deref(), w, sw, f64::NAN),
                )
            }
            "confusion_matrix" => {
                let norm = match a["normalize"].as_str().unwrap() {
                    "none" => Normalize::None,
                    "true" => Normalize::True,
                    "pred" => Normalize::Pred,
                    _ => Normalize::All,
                };
                let labels = opt_usize(&a["labels"]);
                let got = cls::confusion_matrix(&yt, &yp, labels.as_deref(), sw, norm);
                if is_error(exp) {
                    r.err(n, &got);
                } else {
                    match got {
                        Ok(m) => r.mat(n, "cm", &m.values, &fm(exp)),
                        Err(e) => r.unexpected_err(n, e),
                    }
                }
            }
            "prf" => {
                let labels = opt_usize(&a["labels"]);
                let beta = f(&a["beta"]);
                let mut o = PrfOptions {
                    beta,
                    pos_label: a["pos_label"].as_u64().unwrap() as usize,
                    labels: labels.as_deref(),
                    zero_division: zd(&a["zero_division"]),
                    sample_weight: sw,
                    ..Default::default()
                };
                match avg(&a["average"]) {
                    Some(av) => {
                        o.average = av;
                        let got = cls::precision_recall_fscore(&yt, &yp, &o);
                        check_prf(&mut r, n, exp, Some(got), None);
                    }
                    None => {
                        let got = cls::precision_recall_fscore_per_class(&yt, &yp, &o);
                        check_prf(&mut r, n, exp, None, Some(got));
                    }
                }
            }
            other => panic!("unknown fn {other}"),
        }
    }
    r.finish("classification.json");
}

fn indicator(v: &Value) -> (Vec<u8>, usize) {
    let rows = v.as_array().unwrap();
    let l = rows[0].as_array().unwrap().len();
    let data = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u8)
        })
        .collect();
    (data, l)
}

#[test]
fn golden_multilabel() {
    let mut r = Report::default();
    for c in load("multilabel.json") {
        let a = &c.args;
        let (dt, l) = indicator(&a["y_true"]);
        let (dp, lp) = indicator(&a["y_pred"]);
        let (yt, yp) = (
            Indicator::new(&dt, l).unwrap(),
            Indicator::new(&dp, lp).unwrap(),
        );
        let sw = opt_fv(&a["sample_weight"]);
        let sw = sw.as_deref();
        let exp = &c.expected;
        let n = c.name.as_str();
        match c.func.as_str() {
            "ml_prf" => {
                let labels = opt_usize(&a["labels"]);
                let mut o = PrfOptions {
                    beta: f(&a["beta"]),
                    labels: labels.as_deref(),
                    zero_division: zd(&a["zero_division"]),
                    sample_weight: sw,
                    ..Default::default()
                };
                match avg(&a["average"]) {
                    Some(av) => {
                        o.average = av;
                        check_prf(
                            &mut r,
                            n,
                            exp,
                            Some(ml::precision_recall_fscore(&yt, &yp, &o)),
                            None,
                        );
                    }
                    None => check_prf(
                        &mut r,
                        n,
                        exp,
                        None,
                        Some(ml::precision_recall_fscore_per_class(&yt, &yp, &o)),
                    ),
                }
            }
            "ml_hamming" => r.num(n, "value", ml::hamming_loss(&yt, &yp, sw).unwrap(), f(exp)),
            "ml_subset_accuracy" => r.num(
                n,
                "value",
                ml::subset_accuracy(&yt, &yp, sw).unwrap(),
                f(exp),
            ),
            "ml_mcm" => {
                let got = ml::multilabel_confusion_matrix(&yt, &yp, sw).unwrap();
                let want = exp.as_array().unwrap();
                for (j, (g, w)) in got.iter().zip(want).enumerate() {
                    let w = fm(w);
                    r.mat(n, &format!("mcm{j}"), &[g[0].to_vec(), g[1].to_vec()], &w);
                }
            }
            other => panic!("unknown fn {other}"),
        }
    }
    r.finish("multilabel.json");
}
