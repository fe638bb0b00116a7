//! The leaderboard: per-candidate summaries over folds, a 95% interval and a p-value against
//! the best from Nadeau & Bengio's corrected resampled t-test (Holm-adjusted across
//! candidates), and the selection rule.
//!
//! Definitions (all over the folds of the run, `k` of them):
//!
//! * `mean`, `std`: mean and population standard deviation (`ddof = 0`, as scikit-learn's
//!   `cv_results_`) of the fold scores;
//! * `ci_low`, `ci_high`: 95% interval of the mean with the corrected variance
//!   `(1/k + n_test/n_train) s²` (`s²` with `ddof = 1`), Student t with `k - 1` degrees of
//!   freedom, clipped to the metric's range (e.g. accuracy in [0, 1]);
//! * `gap`: mean training score minus mean validation score (for a score where higher is
//!   better a large positive gap means overfitting; for a loss, a large negative one);
//! * `p_value`: two-sided corrected resampled t-test of the per-fold differences
//!   best - candidate (same folds), `p_adjusted` its Holm adjustment over all candidates
//!   compared with the best, `not_worse` = `p_adjusted >= alpha`;
//! * one-standard-error rule: among candidates whose mean is within `se = sd / sqrt(k)`
//!   (`sd` with `ddof = 1`) of the best mean, the one with the fewest parameters (ties: the
//!   better mean).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use mosel_data::Target;
use mosel_metrics::paired::{corrected_mean_ci, corrected_resampled_ttest, holm, mcnemar};

use crate::cv::CvRun;
use crate::metric::Metric;

/// How the winner is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The best mean score.
    #[default]
    Best,
    /// The simplest candidate (fewest parameters) within one standard error of the best.
    OneSe,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Best => "best",
            Rule::OneSe => "one-se",
        })
    }
}

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "best" | "best-mean" => Ok(Rule::Best),
            "one-se" | "1se" | "one-standard-error" => Ok(Rule::OneSe),
            _ => Err(format!("unknown rule '{s}': use best or one-se")),
        }
    }
}

/// Summary of one metric over the folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// The metric.
    pub metric: Metric,
    /// Mean validation score.
    #[serde(with = "crate::nan::f64")]
    pub mean: f64,
    /// Population standard deviation of the validation scores.
    #[serde(with = "crate::nan::f64")]
    pub std: f64,
    /// Lower end of the 95% corrected interval of the mean (NaN with one fold).
    #[serde(with = "crate::nan::f64")]
    pub ci_low: f64,
    /// Upper end.
    #[serde(with = "crate::nan::f64")]
    pub ci_high: f64,
    /// Mean training score.
    #[serde(with = "crate::nan::f64")]
    pub train_mean: f64,
    /// `train_mean - mean`.
    #[serde(with = "crate::nan::f64")]
    pub gap: f64,
}

/// One leaderboard row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Index of the candidate in the run.
    pub candidate: usize,
    /// Its name.
    pub name: String,
    /// Model, optimizer and hyperparameters.
    pub description: String,
    /// 1-based rank by the selection metric (`None` when the candidate failed).
    pub rank: Option<usize>,
    /// Why the candidate failed.
    pub error: Option<String>,
    /// One summary per metric, the selection metric first.
    pub metrics: Vec<MetricSummary>,
    /// Mean fit time per fold, seconds.
    #[serde(with = "crate::nan::f64")]
    pub fit_seconds: f64,
    /// Trainable parameters.
    pub n_params: usize,
    /// Mean difference best - this candidate on the selection metric (oriented so that
    /// positive means the best is better).
    pub diff_vs_best: Option<f64>,
    /// Corrected resampled t-test p-value against the best (two-sided).
    pub p_value: Option<f64>,
    /// Holm-adjusted p-value.
    pub p_adjusted: Option<f64>,
    /// McNemar's test against the best on the out-of-fold predicted classes
    /// (classification with k-fold splits).
    pub mcnemar_p: Option<f64>,
    /// Not significantly worse than the best (`p_adjusted >= alpha`; always true for the
    /// best; `None` when no test was possible).
    pub not_worse: Option<bool>,
    /// True for the selected candidate.
    pub selected: bool,
}

/// The leaderboard of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The selection metric.
    pub metric: Metric,
    /// Whether higher is better for it.
    pub greater_is_better: bool,
    /// The selection rule.
    pub rule: Rule,
    /// Significance level of `not_worse`.
    pub alpha: f64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Mean training / test rows per fold used by the variance correction.
    pub n_train: usize,
    /// See `n_train`.
    pub n_test: usize,
    /// Rows, best first; failed candidates last.
    pub rows: Vec<Row>,
    /// Candidate with the best mean.
    pub best: Option<usize>,
    /// Candidate chosen by the rule.
    pub selected: Option<usize>,
    /// For the one-SE rule: the score a candidate had to reach.
    pub threshold: Option<f64>,
}

impl Leaderboard {
    /// The row of candidate `c`.
    pub fn row(&self, c: usize) -> Option<&Row> {
        self.rows.iter().find(|r| r.candidate == c)
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn std_ddof(v: &[f64], ddof: usize) -> f64 {
    if v.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - ddof) as f64).sqrt()
}

/// Builds the leaderboard of `run` with `rule` (significance level `alpha`, usually 0.05).
/// `target` is the run's target (for McNemar on out-of-fold predictions).
pub fn leaderboard(run: &CvRun, target: &Target, rule: Rule, alpha: f64) -> Leaderboard {
    let metric = run.metrics[0];
    let gib = metric.greater_is_better();
    let sign = if gib { 1.0 } else { -1.0 };
    let (n_train, n_test) = run.mean_fold_sizes();
    let confidence = 0.95;
    let ok: Vec<usize> = (0..run.candidates.len())
        .filter(|&c| run.candidates[c].ok() && mean(&run.candidates[c].test_scores(0)).is_finite())
        .collect();
    let score = |c: usize| sign * mean(&run.candidates[c].test_scores(0));
    let n_params = |c: usize| run.candidates[c].n_params();
    // Best mean; ties: fewer parameters, then order.
    let best = ok.iter().copied().max_by(|&a, &b| {
        score(a)
            .total_cmp(&score(b))
            .then(n_params(b).cmp(&n_params(a)))
            .then(b.cmp(&a))
    });
    let (selected, threshold) = match (best, rule) {
        (None, _) => (None, None),
        (Some(b), Rule::Best) => (Some(b), None),
        (Some(b), Rule::OneSe) => {
            let s = run.candidates[b].test_scores(0);
            let se = std_ddof(&s, 1) / (s.len() as f64).sqrt();
            let se = if se.is_finite() { se } else { 0.0 };
            let thr = score(b) - se;
            let pick = ok
                .iter()
                .copied()
                .filter(|&c| score(c) >= thr)
                .min_by(|&a, &b| {
                    n_params(a)
                        .cmp(&n_params(b))
                        .then(score(b).total_cmp(&score(a)))
                        .then(a.cmp(&b))
                });
            (pick, Some(sign * thr))
        }
    };
    // Tests against the best.
    let mut p_raw: Vec<(usize, f64, f64)> = Vec::new(); // (candidate, p, diff)
    if let Some(b) = best {
        let sb = run.candidates[b].test_scores(0);
        for &c in ok.iter().filter(|&&c| c != b) {
            let sc = run.candidates[c].test_scores(0);
            let diffs: Vec<f64> = sb.iter().zip(&sc).map(|(x, y)| sign * (x - y)).collect();
            if let Ok(t) = corrected_resampled_ttest(&diffs, n_train.max(1), n_test.max(1)) {
                p_raw.push((c, t.p_value, t.mean));
            }
        }
    }
    let adjusted = holm(&p_raw.iter().map(|t| t.1).collect::<Vec<_>>()).unwrap_or_default();
    let oof_classes = |c: usize| -> Option<Vec<u32>> {
        let oof = run.candidates[c].oof.as_ref()?;
        let proba = oof.proba.as_ref()?;
        Some(
            proba
                .iter()
                .map(|r| {
                    let mut b = 0;
                    for (i, v) in r.iter().enumerate() {
                        if *v > r[b] {
                            b = i;
                        }
                    }
                    b as u32
                })
                .collect(),
        )
    };
    let best_oof = best.and_then(oof_classes);
    // McNemar needs each row once (k-fold out-of-fold predictions).
    let once = best
        .and_then(|b| run.candidates[b].oof.as_ref())
        .is_some_and(|o| o.rows.windows(2).all(|w| w[0] < w[1]));

    let mut rows: Vec<Row> = run
        .candidates
        .iter()
        .enumerate()
        .map(|(c, cv)| {
            let metrics = if cv.ok() {
                run.metrics
                    .iter()
                    .enumerate()
                    .map(|(m, &metric)| {
                        let test = cv.test_scores(m);
                        let train = cv.train_scores(m);
                        let ci =
                            corrected_mean_ci(&test, n_train.max(1), n_test.max(1), confidence)
                                .ok();
                        let (lo, hi) = metric.range();
                        let mean_test = mean(&test);
                        let mean_train = mean(&train);
                        MetricSummary {
                            metric,
                            mean: mean_test,
                            std: std_ddof(&test, 0),
                            ci_low: ci.as_ref().map_or(f64::NAN, |c| c.low.clamp(lo, hi)),
                            ci_high: ci.as_ref().map_or(f64::NAN, |c| c.high.clamp(lo, hi)),
                            train_mean: mean_train,
                            gap: mean_train - mean_test,
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let test = p_raw.iter().position(|t| t.0 == c);
            let is_best = Some(c) == best;
            let mcnemar_p = match (&best_oof, &best, target) {
                (Some(bo), Some(b), Target::Classes { codes, .. }) if *b != c && once => {
                    oof_classes(c).and_then(|co| {
                        let rows = &run.candidates[c].oof.as_ref()?.rows;
                        let truth: Vec<u32> = rows.iter().map(|&r| codes[r]).collect();
                        (co.len() == bo.len())
                            .then(|| mcnemar(&truth, bo, &co).ok().map(|m| m.p_value))
                            .flatten()
                    })
                }
                _ => None,
            };
            Row {
                candidate: c,
                name: cv.candidate.name.clone(),
                description: cv.candidate.describe(),
                rank: None,
                error: cv.error.clone(),
                metrics,
                fit_seconds: cv.mean_fit_seconds(),
                n_params: cv.n_params(),
                diff_vs_best: if is_best {
                    Some(0.0)
                } else {
                    test.map(|i| p_raw[i].2)
                },
                p_value: test.map(|i| p_raw[i].1),
                p_adjusted: test.and_then(|i| adjusted.get(i).copied()),
                mcnemar_p,
                not_worse: if is_best {
                    Some(true)
                } else {
                    test.and_then(|i| adjusted.get(i)).map(|&p| p >= alpha)
                },
                selected: Some(c) == selected,
            }
        })
        .collect();
    // Sort: ok candidates by score (ties: fewer params, then order), failed last.
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            if ok.contains(&r.candidate) {
                score(r.candidate)
            } else {
                f64::NEG_INFINITY
            }
        };
        key(b)
            .total_cmp(&key(a))
            .then(a.n_params.cmp(&b.n_params))
            .then(a.candidate.cmp(&b.candidate))
    });
    let mut rank = 0;
    for r in rows.iter_mut() {
        if ok.contains(&r.candidate) {
            rank += 1;
            r.rank = Some(rank);
        }
    }
    Leaderboard {
        metric,
        greater_is_better: gib,
        rule,
        alpha,
        confidence,
        n_train,
        n_test,
        rows,
        best,
        selected,
        threshold,
    }
}
