//! The data a report is rendered from: plain structs with serde, independent of the
//! crates that produce them.
//!
//! Selection, tuning and training convert their results into a [`ReportInput`]; the
//! report never computes metrics itself. Curves (ROC, PR, calibration) are taken as
//! precomputed points so their semantics live in `mosel-metrics`.
//!
//! Every section except [`Header`] is optional; a section without data is omitted from
//! the report with a short note. Numbers that may be undefined (a NaN fold score, a
//! missing validation loss) are `f64` in Rust and `null` in JSON.
//!
//! Epoch numbers are 1-based: `train_loss[0]` is epoch 1.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The value of the `format` field that marks a report input document.
pub const FORMAT: &str = "mosel-report";

/// The version of the report input format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Everything a report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`] when written by this crate.
    pub format_version: u32,
    /// What was run, on what, by which version, and how to reproduce it.
    pub header: Header,
    /// The candidates ranked by the selection metric, with their fold scores.
    #[serde(default)]
    pub leaderboard: Option<Leaderboard>,
    /// ROC curves of the best candidates (out-of-fold predictions).
    #[serde(default)]
    pub roc_curves: Vec<RocCurve>,
    /// Precision–recall curves of the best candidates.
    #[serde(default)]
    pub pr_curves: Vec<PrCurve>,
    /// The confusion matrix of the best candidate (out-of-fold predictions).
    #[serde(default)]
    pub confusion: Option<ConfusionMatrix>,
    /// Reliability curves with histograms of predicted probabilities.
    #[serde(default)]
    pub calibration: Vec<CalibrationCurve>,
    /// Training and validation loss per epoch.
    #[serde(default)]
    pub learning_curves: Vec<LearningCurve>,
    /// Loss per epoch of several optimizers on the same model and data.
    #[serde(default)]
    pub optimizer_comparison: Option<OptimizerComparison>,
    /// A tuning study.
    #[serde(default)]
    pub tuning: Option<Tuning>,
    /// Residuals and predicted-vs-actual of a regression model.
    #[serde(default)]
    pub regression: Option<RegressionDiagnostics>,
    /// Free-form remarks from the run (warnings, caveats), shown near the top.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl ReportInput {
    /// An input with only a header; fill in the sections you have.
    pub fn new(header: Header) -> Self {
        ReportInput {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            header,
            leaderboard: None,
            roc_curves: vec![],
            pr_curves: vec![],
            confusion: None,
            calibration: vec![],
            learning_curves: vec![],
            optimizer_comparison: None,
            tuning: None,
            regression: None,
            notes: vec![],
        }
    }
}

/// What was run, on what, by which version, and how to reproduce it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// A title for the report (default: "mosel report — DATASET").
    #[serde(default)]
    pub title: Option<String>,
    /// The dataset: a bundled dataset's name or a file path.
    pub dataset: String,
    /// The task as text: `binary`, `multiclass` or `regression`.
    pub task: String,
    /// The target column.
    #[serde(default)]
    pub target: Option<String>,
    /// Number of rows used.
    #[serde(default)]
    pub n_rows: Option<u64>,
    /// Number of feature columns used.
    #[serde(default)]
    pub n_features: Option<u64>,
    /// The random seed.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The mosel version that produced the results.
    pub mosel_version: String,
    /// When the run started, as RFC 3339 text.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Wall-clock duration of the run in seconds.
    #[serde(default, with = "opt_nan")]
    pub duration_s: Option<f64>,
    /// The command line (argv) that produced the results.
    #[serde(default)]
    pub command: Vec<String>,
    /// How the candidates were validated, e.g. "stratified 5-fold CV × 2 repeats".
    #[serde(default)]
    pub validation: Option<String>,
    /// Further facts as (name, value) pairs shown in the header, in order.
    #[serde(default)]
    pub extra: Vec<(String, String)>,
}

/// The candidates ranked by the selection metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The selection metric, e.g. "roc_auc".
    pub metric: String,
    /// Whether larger metric values are better.
    pub greater_is_better: bool,
    /// Confidence level of the intervals, e.g. 0.95.
    #[serde(default, with = "opt_nan")]
    pub interval_level: Option<f64>,
    /// How the intervals were computed, e.g. "bootstrap percentile, 2000 resamples".
    #[serde(default)]
    pub interval_method: Option<String>,
    /// The paired test against the best candidate, e.g. "corrected resampled t-test".
    #[serde(default)]
    pub test: Option<String>,
    /// The significance level of the test.
    #[serde(default, with = "opt_nan")]
    pub alpha: Option<f64>,
    /// One row per candidate, best first (rows are shown in this order).
    pub rows: Vec<LeaderboardRow>,
}

/// One candidate in the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardRow {
    /// The candidate's name, e.g. "logistic(C=1.0)".
    pub name: String,
    /// A longer description (hyper-parameters), shown as a tooltip and in small print.
    #[serde(default)]
    pub description: Option<String>,
    /// Mean of the fold scores.
    #[serde(with = "nan")]
    pub mean: f64,
    /// Standard deviation of the fold scores.
    #[serde(default = "nan_default", with = "nan")]
    pub std: f64,
    /// Lower end of the confidence interval of the mean.
    #[serde(default = "nan_default", with = "nan")]
    pub ci_low: f64,
    /// Upper end of the confidence interval of the mean.
    #[serde(default = "nan_default", with = "nan")]
    pub ci_high: f64,
    /// The score on each fold (NaN where a fold had no defined score).
    #[serde(default, with = "nan_vec")]
    pub fold_scores: Vec<f64>,
    /// How this candidate compares with the best.
    #[serde(default)]
    pub significance: Option<Significance>,
    /// Mean fit time per fold in seconds.
    #[serde(default, with = "opt_nan")]
    pub fit_time_s: Option<f64>,
    /// Other metrics (mean over folds), shown as extra columns.
    #[serde(default)]
    pub other_metrics: Vec<MetricValue>,
}

/// A named value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// The metric's name.
    pub name: String,
    /// Its value (NaN when undefined).
    #[serde(with = "nan")]
    pub value: f64,
}

/// The outcome of a paired test of a candidate against the best one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Significance {
    /// The verdict.
    pub verdict: Verdict,
    /// The p-value (adjusted for multiple comparisons if the producer did so).
    #[serde(default, with = "opt_nan")]
    pub p_value: Option<f64>,
}

/// How a candidate compares with the best one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// This is the best candidate (the reference of the tests).
    Best,
    /// Not significantly different from the best.
    NotSignificant,
    /// Significantly worse than the best.
    SignificantlyWorse,
    /// Significantly better than the reference (when the reference is a baseline).
    SignificantlyBetter,
    /// Not tested (e.g. too few folds).
    Untested,
}

/// A ROC curve: false-positive rate against true-positive rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// The candidate (and class, for one-vs-rest curves).
    pub name: String,
    /// False-positive rates, non-decreasing.
    #[serde(with = "nan_vec")]
    pub fpr: Vec<f64>,
    /// True-positive rates, same length.
    #[serde(with = "nan_vec")]
    pub tpr: Vec<f64>,
    /// Area under the curve.
    #[serde(default, with = "opt_nan")]
    pub auc: Option<f64>,
}

/// A precision–recall curve, as scikit-learn's `precision_recall_curve` returns it
/// (recall decreasing); drawn as a step function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// The candidate (and class).
    pub name: String,
    /// Recall values.
    #[serde(with = "nan_vec")]
    pub recall: Vec<f64>,
    /// Precision values, same length.
    #[serde(with = "nan_vec")]
    pub precision: Vec<f64>,
    /// Average precision.
    #[serde(default, with = "opt_nan")]
    pub average_precision: Option<f64>,
    /// Fraction of positives (the precision of a random classifier).
    #[serde(default, with = "opt_nan")]
    pub prevalence: Option<f64>,
}

/// A confusion matrix: `counts[t][p]` is the number of rows of true class `t`
/// predicted as class `p`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// The candidate.
    pub name: String,
    /// Class labels, in row/column order.
    pub labels: Vec<String>,
    /// Counts (or weighted counts), rows = true class, columns = predicted class.
    pub counts: Vec<Vec<f64>>,
}

/// A reliability curve with the distribution of predicted probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCurve {
    /// The candidate (and class or "top label").
    pub name: String,
    /// Mean predicted probability per non-empty bin.
    #[serde(with = "nan_vec")]
    pub prob_pred: Vec<f64>,
    /// Observed fraction of positives per non-empty bin.
    #[serde(with = "nan_vec")]
    pub prob_true: Vec<f64>,
    /// Histogram of all predicted probabilities.
    #[serde(default)]
    pub histogram: Option<Histogram>,
    /// Expected calibration error.
    #[serde(default, with = "opt_nan")]
    pub ece: Option<f64>,
    /// Brier score.
    #[serde(default, with = "opt_nan")]
    pub brier: Option<f64>,
}

/// A histogram: `counts[i]` values fell in `[edges[i], edges[i + 1])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin edges, `counts.len() + 1` of them, increasing.
    pub edges: Vec<f64>,
    /// Counts per bin.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Bins `values` into `bins` equal-width bins on `[lo, hi]` (the last bin includes
    /// `hi`); values outside the range or non-finite are not counted.
    pub fn from_values(values: &[f64], bins: usize, lo: f64, hi: f64) -> Self {
        let bins = bins.max(1);
        let width = (hi - lo) / bins as f64;
        let edges = (0..=bins).map(|i| lo + width * i as f64).collect();
        let mut counts = vec![0u64; bins];
        if width > 0.0 && width.is_finite() {
            for &v in values {
                if v.is_finite() && v >= lo && v <= hi {
                    let i = (((v - lo) / width) as usize).min(bins - 1);
                    counts[i] += 1;
                }
            }
        }
        Histogram { edges, counts }
    }
}

/// Training (and validation) loss per epoch of one fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningCurve {
    /// What was fitted, e.g. "mlp(64, 32) — fold 1".
    pub name: String,
    /// The loss, e.g. "log loss".
    #[serde(default)]
    pub loss: Option<String>,
    /// Training loss per epoch (epoch 1 first).
    #[serde(with = "nan_vec")]
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch; empty when there was no validation split.
    #[serde(default, with = "nan_vec")]
    pub val_loss: Vec<f64>,
    /// The epoch whose weights were kept (best validation loss), 1-based.
    #[serde(default)]
    pub best_epoch: Option<usize>,
    /// The epoch at which early stopping stopped training, 1-based; `None` when training
    /// ran to its epoch limit.
    #[serde(default)]
    pub stopped_epoch: Option<usize>,
    /// Early-stopping patience in epochs.
    #[serde(default)]
    pub patience: Option<usize>,
}

/// Loss curves of several optimizers on the same model and data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerComparison {
    /// The model and data, e.g. "logistic regression on breast-cancer (standardised)".
    pub model: String,
    /// The loss, e.g. "training log loss".
    #[serde(default)]
    pub loss: Option<String>,
    /// One series per optimizer.
    pub series: Vec<LossSeries>,
}

/// The loss per epoch of one optimizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossSeries {
    /// The optimizer, e.g. "Adam".
    pub name: String,
    /// Its settings, e.g. "lr=0.01, β1=0.9, β2=0.999".
    #[serde(default)]
    pub settings: Option<String>,
    /// Loss after each epoch (epoch 1 first); NaN where it diverged.
    #[serde(with = "nan_vec")]
    pub loss: Vec<f64>,
    /// Wall-clock time of the whole fit in seconds.
    #[serde(default, with = "opt_nan")]
    pub time_s: Option<f64>,
}

/// A tuning study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// The study's name.
    pub study: String,
    /// The sampler, e.g. "TPE (seed 42)".
    #[serde(default)]
    pub sampler: Option<String>,
    /// The pruner, e.g. "median (warm-up 5)".
    #[serde(default)]
    pub pruner: Option<String>,
    /// The objectives, in the order of [`TrialRecord::values`].
    pub objectives: Vec<Objective>,
    /// Every trial, in any order (shown by number).
    pub trials: Vec<TrialRecord>,
    /// The search space's parameters (order, scale, choices); inferred from the trials
    /// when empty.
    #[serde(default)]
    pub params: Vec<ParamInfo>,
    /// Parameter importances for the first objective.
    #[serde(default)]
    pub importances: Vec<Importance>,
    /// How the importances were computed, e.g. "fANOVA".
    #[serde(default)]
    pub importance_method: Option<String>,
    /// Trial numbers on the Pareto front (multi-objective); computed from the complete
    /// trials when absent.
    #[serde(default)]
    pub pareto_front: Option<Vec<u64>>,
}

/// One objective of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// Its name, e.g. "accuracy".
    pub name: String,
    /// Whether it is minimised or maximised.
    pub direction: Direction,
}

/// Optimisation direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better.
    Minimize,
    /// Larger is better.
    Maximize,
}

impl Direction {
    /// Whether `a` is strictly better than `b` (NaN is never better).
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }
}

/// The state of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    /// Finished with objective values.
    Complete,
    /// Stopped early by the pruner (its value is the last reported intermediate value).
    Pruned,
    /// Raised an error or returned NaN.
    Fail,
    /// Still running.
    Running,
    /// Queued.
    Waiting,
}

/// One trial of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial number.
    pub number: u64,
    /// Its state.
    pub state: TrialState,
    /// Objective values (empty or NaN when the trial has none).
    #[serde(default, with = "nan_vec")]
    pub values: Vec<f64>,
    /// Parameter values; parameters a conditional space did not activate are absent.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// Wall-clock duration in seconds.
    #[serde(default, with = "opt_nan")]
    pub duration_s: Option<f64>,
}

/// A parameter value: a number or a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A boolean category.
    Bool(bool),
    /// A float or integer.
    Number(f64),
    /// A categorical choice.
    Text(String),
}

impl ParamValue {
    /// The value as display text.
    pub fn display(&self) -> String {
        match self {
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Number(v) => crate::scale::fmt(*v),
            ParamValue::Text(s) => s.clone(),
        }
    }
}

/// A parameter of the search space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamInfo {
    /// Its name.
    pub name: String,
    /// Float, int or categorical.
    pub kind: ParamKind,
    /// Whether it is sampled on a log scale.
    #[serde(default)]
    pub log: bool,
    /// The choices of a categorical parameter, in order.
    #[serde(default)]
    pub choices: Vec<String>,
}

/// The kind of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// A real number.
    Float,
    /// An integer.
    Int,
    /// One of a set of choices.
    Categorical,
}

/// The importance of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    /// The parameter.
    pub param: String,
    /// Its importance (importances usually sum to 1).
    #[serde(with = "nan")]
    pub importance: f64,
}

/// Out-of-fold predictions of a regression model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionDiagnostics {
    /// The candidate.
    pub name: String,
    /// True target values.
    #[serde(with = "nan_vec")]
    pub actual: Vec<f64>,
    /// Predicted values, same length.
    #[serde(with = "nan_vec")]
    pub predicted: Vec<f64>,
    /// Summary metrics (R², RMSE, ...) shown next to the plots.
    #[serde(default)]
    pub metrics: Vec<MetricValue>,
}

fn nan_default() -> f64 {
    f64::NAN
}

/// `f64` ↔ JSON number or `null` (NaN and infinities are written as `null`).
mod nan {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// `Option<f64>` where a non-finite value is written as `null` (and read back as `None`).
mod opt_nan {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) if x.is_finite() => s.serialize_some(x),
            _ => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(d)
    }
}

/// `Vec<f64>` ↔ JSON array of numbers and `null`s.
mod nan_vec {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            if x.is_finite() {
                seq.serialize_element(x)?;
            } else {
                seq.serialize_element(&Option::<f64>::None)?;
            }
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let v = Vec::<Option<f64>>::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_like_numpy() {
        // numpy.histogram([0, 0.1, 0.5, 0.99, 1.0, 2.0, nan], bins=4, range=(0, 1))
        // -> counts [2, 0, 1, 2]
        let h = Histogram::from_values(&[0.0, 0.1, 0.5, 0.99, 1.0, 2.0, f64::NAN], 4, 0.0, 1.0);
        assert_eq!(h.counts, [2, 0, 1, 2]);
        assert_eq!(h.edges, [0.0, 0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn nan_round_trips_as_null() {
        let row = LeaderboardRow {
            name: "a".into(),
            description: None,
            mean: f64::NAN,
            std: 0.1,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            fold_scores: vec![0.5, f64::NAN],
            significance: None,
            fit_time_s: Some(f64::INFINITY),
            other_metrics: vec![],
        };
        let s = serde_json::to_string(&row).unwrap();
        assert!(s.contains("\"mean\":null"), "{s}");
        assert!(s.contains("\"fold_scores\":[0.5,null]"), "{s}");
        assert!(s.contains("\"fit_time_s\":null"), "{s}");
        let back: LeaderboardRow = serde_json::from_str(&s).unwrap();
        assert!(back.mean.is_nan() && back.fold_scores[1].is_nan());
        assert_eq!(back.fit_time_s, None);
    }

    #[test]
    fn param_values_are_numbers_text_or_bools() {
        let v: BTreeMap<String, ParamValue> =
            serde_json::from_str(r#"{"lr": 0.01, "act": "relu", "bias": true, "layers": 3}"#)
                .unwrap();
        assert_eq!(v["lr"], ParamValue::Number(0.01));
        assert_eq!(v["act"], ParamValue::Text("relu".into()));
        assert_eq!(v["bias"], ParamValue::Bool(true));
        assert_eq!(v["layers"].display(), "3");
    }
}
