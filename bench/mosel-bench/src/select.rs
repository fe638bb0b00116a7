//! Workload `select` (issue 5): the GridSearchCV comparison. Logistic regression with
//! L-BFGS over 10 values of C (logspace -4..4, L2, `l2 = 1 / (C · n_train)`), stratified
//! 5-fold in file order (scikit-learn's `cv=5` folds exactly), refit of the winner included,
//! on the raw files `bench/python/selection.py gen` writes. Also how time grows with rows and
//! with the number of candidates.
//!
//! `select grid DIR N`        the comparison case (best of 3)
//! `select rows DIR N...`     10 candidates, 5 folds, on N rows each
//! `select candidates DIR N M...`  M candidates (C in logspace(-4, 4, M)) on N rows

use crate::measure::{emit, time};
use mosel_data::{Column, ColumnData, Problem, Table, Task};
use mosel_select::candidate::Spec;
use mosel_select::cv::{CvData, CvOptions, HistoryPolicy};
use mosel_select::split::{Splitter, Strategy};
use mosel_select::{Candidate, Metric, Rule, SelectOptions, select};
use serde_json::json;
use std::path::Path;

const FEATURES: usize = 30;

fn read(dir: &Path, n: usize) -> Result<CvData, String> {
    let rd = |p: String| std::fs::read(dir.join(&p)).map_err(|e| format!("{p}: {e}"));
    let xb = rd(format!("select_{n}.f32"))?;
    let yb = rd(format!("select_{n}.u8"))?;
    if xb.len() != n * FEATURES * 4 || yb.len() != n {
        return Err(format!("select_{n}: unexpected file sizes"));
    }
    let x: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let mut columns: Vec<Column> = (0..FEATURES)
        .map(|j| Column {
            name: format!("x{j}"),
            data: ColumnData::Numeric((0..n).map(|i| f64::from(x[i * FEATURES + j])).collect()),
        })
        .collect();
    columns.push(Column {
        name: "y".into(),
        data: ColumnData::Categorical {
            codes: yb.iter().map(|&c| u32::from(c)).collect(),
            levels: vec!["0".into(), "1".into()],
        },
    });
    let table = Table::new(columns, format!("select_{n}")).map_err(|e| e.to_string())?;
    let problem = Problem::new(table, "y", Some(Task::Binary)).map_err(|e| e.to_string())?;
    Ok(CvData::from_problem(problem))
}

/// `m` candidates: logistic regression, L-BFGS, C in logspace(-4, 4, m), no feature scaling
/// (GridSearchCV fits the raw features).
fn candidates(m: usize) -> Vec<Candidate> {
    let cs: Vec<String> = (0..m)
        .map(|i| {
            let e = if m == 1 {
                0.0
            } else {
                -4.0 + 8.0 * i as f64 / (m - 1) as f64
            };
            format!("{:e}", 10f64.powf(e))
        })
        .collect();
    let mut pairs = vec![
        ("model", "logistic"),
        ("optimizer", "lbfgs"),
        ("scale", "false"),
    ];
    pairs.extend(cs.iter().map(|c| ("C", c.as_str())));
    Spec::from_pairs(pairs)
        .and_then(|s| s.build(Task::Binary))
        .expect("valid candidates")
}

fn options() -> SelectOptions {
    let splitter = Splitter::new(Strategy::StratifiedKFold {
        k: 5,
        shuffle: false,
    });
    let mut cv = CvOptions::new(splitter, Task::Binary);
    cv.metrics = vec![Metric::Accuracy];
    cv.keep_oof = false;
    cv.histories = HistoryPolicy::None;
    // GridSearchCV's default return_train_score=False: no training-row scores.
    cv.train_scores = false;
    cv.threads = std::env::var("MOSEL_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok());
    SelectOptions {
        cv,
        rule: Rule::Best,
        alpha: 0.05,
        nested: None,
        refit: true,
    }
}

fn run_once(data: &CvData, cands: &[Candidate]) -> Result<(mosel_select::Selection, f64), String> {
    let (sel, s) = time(|| select(data, cands, &options(), None));
    Ok((sel.map_err(|e| e.to_string())?, s))
}

/// The GridSearchCV comparison case, best of 3.
pub fn grid(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("select grid DIR N")?);
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let data = read(dir, n)?;
    let cands = candidates(10);
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..3 {
        let (sel, s) = run_once(&data, &cands)?;
        best = best.min(s);
        last = Some(sel);
    }
    let sel = last.expect("ran");
    verbose(&sel);
    let chosen = sel.leaderboard.selected.ok_or("nothing selected")?;
    let fold_scores: Vec<Vec<f64>> = sel
        .run
        .candidates
        .iter()
        .map(|c| c.test_scores(0))
        .collect();
    let iterations: Vec<usize> = sel
        .run
        .candidates
        .iter()
        .map(|c| c.folds.iter().map(|f| f.epochs).max().unwrap_or(0))
        .collect();
    emit(
        "select",
        "gridsearch logistic 10 C x 5-fold 30 feat",
        best,
        json!({
            "best_C": cands[chosen].params["C"],
            "best_mean": sel.leaderboard.row(chosen).map(|r| r.metrics[0].mean),
            "C": cands.iter().map(|c| c.params["C"].clone()).collect::<Vec<_>>(),
            "fold_scores": fold_scores,
            "max_iterations": iterations,
            "threads": sel.run.threads,
        }),
    );
    Ok(())
}

/// With `MOSEL_BENCH_VERBOSE` set: where the time went (stderr).
fn verbose(sel: &mosel_select::Selection) {
    if std::env::var("MOSEL_BENCH_VERBOSE").is_ok() {
        let fit: f64 = sel
            .run
            .candidates
            .iter()
            .flat_map(|c| c.folds.iter().map(|f| f.fit_seconds))
            .sum();
        let score: f64 = sel
            .run
            .candidates
            .iter()
            .flat_map(|c| c.folds.iter().map(|f| f.score_seconds))
            .sum();
        eprintln!(
            "cv wall {:.3}s, fit sum {fit:.3}s, score sum {score:.3}s, refit {:.3}s",
            sel.run.seconds, sel.refit_seconds
        );
    }
}

/// Time against rows: 10 candidates, 5 folds.
pub fn rows(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("select rows DIR N...")?);
    let cands = candidates(10);
    for n in args[1..].iter().filter_map(|s| s.parse::<usize>().ok()) {
        let data = read(dir, n)?;
        let (sel, s) = run_once(&data, &cands)?;
        verbose(&sel);
        let chosen = sel.leaderboard.selected.ok_or("nothing selected")?;
        emit(
            "select",
            &format!("rows {n}"),
            s,
            json!({"best_C": cands[chosen].params["C"], "fits": 51}),
        );
    }
    Ok(())
}

/// Time against the number of candidates on N rows.
pub fn n_candidates(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("select candidates DIR N M...")?);
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .ok_or("select candidates DIR N M...")?;
    let data = read(dir, n)?;
    for m in args[2..].iter().filter_map(|s| s.parse::<usize>().ok()) {
        let cands = candidates(m);
        let (_, s) = run_once(&data, &cands)?;
        emit(
            "select",
            &format!("candidates {m} ({n} rows)"),
            s,
            json!({"fits": m * 5 + 1, "per_fit_ms": s * 1e3 / (m * 5 + 1) as f64}),
        );
    }
    Ok(())
}
