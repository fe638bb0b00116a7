//! Model selection end to end: cross-validate the candidates, rank them, pick one by the
//! rule, optionally estimate the whole procedure's performance with nested
//! cross-validation, and refit the winner on all rows.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use mosel_data::Target;

use crate::candidate::Candidate;
use crate::cv::{CvData, CvOptions, CvRun, Progress, Refit, cross_validate, fold_seed, refit};
use crate::error::{Result, SelectError};
use crate::leaderboard::{Leaderboard, Rule, leaderboard};
use crate::split::{Classes, SplitData, Splitter};

/// Options of a selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectOptions {
    /// The (inner) cross-validation.
    pub cv: CvOptions,
    /// How the winner is chosen.
    pub rule: Rule,
    /// Significance level of the "not significantly worse than the best" mark.
    pub alpha: f64,
    /// Outer splitter for nested cross-validation (`None`: no nested estimate).
    pub nested: Option<Splitter>,
    /// Refit the winner on all rows.
    pub refit: bool,
}

/// One outer fold of nested cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedFold {
    /// 0-based outer fold.
    pub fold: usize,
    /// Outer training rows (where the whole selection ran).
    pub n_train: usize,
    /// Outer test rows (never seen by the selection).
    pub n_test: usize,
    /// The candidate the inner selection chose.
    pub selected: usize,
    /// Its name.
    pub selected_name: String,
    /// Its inner cross-validated mean on the selection metric (optimistic).
    #[serde(with = "crate::nan::f64")]
    pub inner_mean: f64,
    /// Its scores on the outer test rows, one per metric (honest).
    #[serde(with = "crate::nan::vec")]
    pub test: Vec<f64>,
}

/// Summary of nested cross-validation on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedSummary {
    /// The metric's name.
    pub metric: String,
    /// Mean over outer folds.
    #[serde(with = "crate::nan::f64")]
    pub mean: f64,
    /// Population standard deviation over outer folds.
    #[serde(with = "crate::nan::f64")]
    pub std: f64,
    /// Lower end of the corrected 95% interval.
    #[serde(with = "crate::nan::f64")]
    pub ci_low: f64,
    /// Upper end.
    #[serde(with = "crate::nan::f64")]
    pub ci_high: f64,
}

/// The honest estimate of the selection procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nested {
    /// The outer splitter.
    pub outer: Splitter,
    /// One entry per outer fold.
    pub folds: Vec<NestedFold>,
    /// Per metric, over the outer folds.
    pub summary: Vec<NestedSummary>,
    /// How often each candidate won an outer fold, by candidate index.
    pub wins: Vec<usize>,
    /// Wall time.
    pub seconds: f64,
}

/// Everything a selection produced.
pub struct Selection {
    /// The cross-validation of all candidates on all rows.
    pub run: CvRun,
    /// Its leaderboard.
    pub leaderboard: Leaderboard,
    /// The winner refitted on all rows.
    pub refit: Option<Refit>,
    /// Nested cross-validation.
    pub nested: Option<Nested>,
    /// Seconds spent refitting.
    pub refit_seconds: f64,
}

/// Total fits a selection will run (for a progress bar).
pub fn planned_fits(data: &CvData, n_candidates: usize, options: &SelectOptions) -> Result<usize> {
    let inner = data.split(&options.cv.splitter)?.len();
    let mut total = n_candidates * inner + usize::from(options.refit);
    if let Some(outer) = &options.nested {
        let outer_folds = data.split(outer)?;
        for f in &outer_folds {
            let sub = subset(data, &f.train);
            total += n_candidates * sub.split(&options.cv.splitter)?.len() + 1;
        }
    }
    Ok(total)
}

fn subset(data: &CvData, rows: &[usize]) -> CvData {
    CvData {
        problem: data.problem.select_rows(rows),
        groups: data
            .groups
            .as_ref()
            .map(|g| rows.iter().map(|&r| g[r]).collect()),
        group_column: data.group_column.clone(),
        time_column: data.time_column.clone(),
    }
}

/// Runs the selection. `progress` receives the number of finished fits over all stages
/// (cross-validation, nested cross-validation, refit) and the planned total.
pub fn select(
    data: &CvData,
    candidates: &[Candidate],
    options: &SelectOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Result<Selection> {
    let total = if progress.is_some() {
        planned_fits(data, candidates.len(), options)?
    } else {
        0
    };
    let offset = std::sync::atomic::AtomicUsize::new(0);
    let report = |p: Progress| {
        if let Some(cb) = progress {
            cb(Progress {
                done: offset.load(std::sync::atomic::Ordering::Relaxed) + p.done,
                total,
                ..p
            });
        }
    };
    let run = cross_validate(data, candidates, &options.cv, Some(&report))?;
    offset.fetch_add(
        run.candidates.len() * run.folds.len(),
        std::sync::atomic::Ordering::Relaxed,
    );
    let board = leaderboard(&run, &data.problem.target, options.rule, options.alpha);
    if board.selected.is_none() {
        let first = run
            .candidates
            .iter()
            .find_map(|c| c.error.clone())
            .unwrap_or_else(|| "no candidate produced a finite score".into());
        return Err(SelectError::AllFailed(first));
    }

    let nested = match &options.nested {
        Some(outer) => Some(nested_cv(
            data, candidates, options, outer, &offset, &report,
        )?),
        None => None,
    };

    let t0 = Instant::now();
    let refit = if options.refit {
        let winner = &candidates[board.selected.expect("checked above")];
        let r = refit(
            &data.problem,
            None,
            winner,
            &options.cv.metrics,
            options.cv.seed,
        )?;
        offset.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        report(Progress {
            done: 0,
            total,
            candidate: board.selected.unwrap_or(0),
            fold: usize::MAX,
        });
        Some(r)
    } else {
        None
    };
    Ok(Selection {
        run,
        leaderboard: board,
        refit,
        nested,
        refit_seconds: t0.elapsed().as_secs_f64(),
    })
}

fn nested_cv(
    data: &CvData,
    candidates: &[Candidate],
    options: &SelectOptions,
    outer: &Splitter,
    offset: &std::sync::atomic::AtomicUsize,
    report: &(dyn Fn(Progress) + Sync),
) -> Result<Nested> {
    let start = Instant::now();
    let classes = match &data.problem.target {
        Target::Classes { codes, labels } => Some(Classes { codes, labels }),
        Target::Values(_) => None,
    };
    let outer_folds = outer.split(&SplitData {
        n_rows: data.n_rows(),
        classes,
        groups: data.groups.as_deref(),
    })?;
    let metrics = &options.cv.metrics;
    let mut folds = Vec::with_capacity(outer_folds.len());
    let mut wins = vec![0usize; candidates.len()];
    for (o, f) in outer_folds.iter().enumerate() {
        let inner_data = subset(data, &f.train);
        let mut inner_opts = options.cv.clone();
        inner_opts.seed = fold_seed(options.cv.seed, 1_000_000 + o);
        inner_opts.keep_oof = false;
        inner_opts.histories = crate::cv::HistoryPolicy::None;
        let run =
            cross_validate(&inner_data, candidates, &inner_opts, Some(report)).map_err(|e| {
                SelectError::BadSplit(format!(
                    "nested cross-validation, outer fold {}: {e}",
                    o + 1
                ))
            })?;
        offset.fetch_add(
            run.candidates.len() * run.folds.len(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let board = leaderboard(
            &run,
            &inner_data.problem.target,
            options.rule,
            options.alpha,
        );
        let Some(sel) = board.selected else {
            return Err(SelectError::AllFailed(format!(
                "nested cross-validation, outer fold {}: no candidate trained",
                o + 1
            )));
        };
        let winner = &candidates[sel];
        let r = refit(
            &data.problem,
            Some(&f.train),
            winner,
            metrics,
            inner_opts.seed,
        )?;
        let test = r.score(&data.problem, &f.test, metrics)?;
        offset.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        report(Progress {
            done: 0,
            total: 0,
            candidate: sel,
            fold: o,
        });
        wins[sel] += 1;
        folds.push(NestedFold {
            fold: o,
            n_train: f.train.len(),
            n_test: f.test.len(),
            selected: sel,
            selected_name: winner.name.clone(),
            inner_mean: board.row(sel).map_or(f64::NAN, |r| r.metrics[0].mean),
            test,
        });
    }
    let n_train = folds.iter().map(|f| f.n_train).sum::<usize>() / folds.len().max(1);
    let n_test = folds.iter().map(|f| f.n_test).sum::<usize>() / folds.len().max(1);
    let summary = metrics
        .iter()
        .enumerate()
        .map(|(m, metric)| {
            let v: Vec<f64> = folds.iter().map(|f| f.test[m]).collect();
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            let ci =
                mosel_metrics::paired::corrected_mean_ci(&v, n_train.max(1), n_test.max(1), 0.95)
                    .ok();
            let (lo, hi) = metric.range();
            NestedSummary {
                metric: metric.name().to_string(),
                mean,
                std,
                ci_low: ci.as_ref().map_or(f64::NAN, |c| c.low.clamp(lo, hi)),
                ci_high: ci.as_ref().map_or(f64::NAN, |c| c.high.clamp(lo, hi)),
            }
        })
        .collect();
    Ok(Nested {
        outer: outer.clone(),
        folds,
        summary,
        wins,
        seconds: start.elapsed().as_secs_f64(),
    })
}
