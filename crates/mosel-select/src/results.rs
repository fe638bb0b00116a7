//! The results file of `mosel cv` / `mosel select`: everything a selection did, as JSON.
//!
//! The schema is these serde structs; [`FORMAT`] and [`FORMAT_VERSION`] identify it, and the
//! version goes up whenever a field changes meaning or disappears (new optional fields do not
//! change it). Non-finite numbers (an undefined score) are written as `null`.
//!
//! What a report can draw from it:
//! * fold score distributions: `candidates[i].folds[f].test[m]` (metric `metrics[m]`);
//! * ROC / PR curves, confusion matrices, calibration: `candidates[i].oof` (out-of-fold
//!   class probabilities, rows into `y_true`) with `y_true` and `data.classes`;
//! * learning curves and optimizer comparisons: `candidates[i].curves` (per-epoch training
//!   and validation loss of fold 0) and `refit.curve`;
//! * the leaderboard with intervals and tests: `leaderboard`;
//! * the honest estimate: `nested`.

use serde::{Deserialize, Serialize};

use mosel_data::{Target, Task};

use crate::candidate::Candidate;
use crate::cv::{CvData, FoldOutcome, Oof, TrainingCurve};
use crate::leaderboard::{Leaderboard, Rule};
use crate::select::{Nested, Selection};
use crate::split::Splitter;

/// The `format` field's value.
pub const FORMAT: &str = "mosel.selection";
/// The schema version.
pub const FORMAT_VERSION: u32 = 1;

/// A selection's (or a cross-validation's) full results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionResults {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// mosel's version.
    pub mosel_version: String,
    /// `cv` or `select`.
    pub kind: String,
    /// Seconds since the Unix epoch when the run started.
    pub created_unix_s: u64,
    /// The command line.
    pub command: Vec<String>,
    /// Seed of splits and fits.
    pub seed: u64,
    /// The data.
    pub data: DataInfo,
    /// The target of every row: class codes (into `data.classes`) or values.
    pub y_true: YTrue,
    /// How rows were split.
    pub splitter: Splitter,
    /// A readable description of the splitter.
    pub validation: String,
    /// The folds.
    pub folds: Vec<FoldInfo>,
    /// The metrics, in the order of every score vector; the first one selects.
    pub metrics: Vec<MetricInfo>,
    /// One entry per candidate, in the order given.
    pub candidates: Vec<CandidateResult>,
    /// The leaderboard (tests against the best included).
    pub leaderboard: Leaderboard,
    /// The chosen candidate.
    pub selected: Option<SelectedInfo>,
    /// The winner refitted on all rows.
    pub refit: Option<RefitInfo>,
    /// Nested cross-validation.
    pub nested: Option<Nested>,
    /// Where the time went.
    pub timing: Timing,
    /// The machine and build.
    pub environment: Environment,
}

/// The data that was used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// File or bundled dataset name.
    pub source: String,
    /// Target column.
    pub target: String,
    /// Task.
    pub task: Task,
    /// Rows used (rows with a missing target are left out).
    pub n_rows: usize,
    /// Feature columns (before encoding).
    pub feature_columns: Vec<String>,
    /// Class labels, `classes[code]` (classification).
    pub classes: Option<Vec<String>>,
    /// Rows per class.
    pub class_counts: Option<Vec<usize>>,
    /// Group column, when groups were used.
    pub group_column: Option<String>,
    /// Time column, when rows were split in time order.
    pub time_column: Option<String>,
    /// Warnings about the data.
    pub warnings: Vec<String>,
}

/// The target values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YTrue {
    /// Class codes.
    Classes(Vec<u32>),
    /// Values.
    Values(Vec<f64>),
}

/// One fold's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldInfo {
    /// 0-based repeat.
    pub repeat: usize,
    /// 0-based fold within the repeat.
    pub index: usize,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// The test rows.
    pub test: Vec<usize>,
    /// The training rows, only when they are not all the other rows (time-series splits).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub train: Option<Vec<usize>>,
}

/// A metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricInfo {
    /// Its name.
    pub name: String,
    /// Whether higher is better.
    pub greater_is_better: bool,
}

/// One candidate's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateResult {
    /// Index (as in the leaderboard's `candidate`).
    pub index: usize,
    /// Name.
    pub name: String,
    /// Model, optimizer, hyperparameters.
    pub description: String,
    /// The full specification.
    pub spec: Candidate,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// Per-fold scores, times and sizes.
    pub folds: Vec<FoldOutcome>,
    /// Trainable parameters.
    pub n_params: usize,
    /// Mean fit time per fold.
    #[serde(with = "crate::nan::f64")]
    pub mean_fit_seconds: f64,
    /// Per-epoch histories (fold 0 by default).
    pub curves: Vec<TrainingCurve>,
    /// Out-of-fold predictions.
    pub oof: Option<Oof>,
}

/// The selected candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectedInfo {
    /// Candidate index.
    pub candidate: usize,
    /// Its name.
    pub name: String,
    /// The rule that chose it.
    pub rule: Rule,
    /// The candidate with the best mean (differs from `candidate` under the one-SE rule).
    pub best: Option<usize>,
}

/// The winner refitted on all rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefitInfo {
    /// Candidate index.
    pub candidate: usize,
    /// Its name.
    pub name: String,
    /// Rows it was fitted on.
    pub n_rows: usize,
    /// Encoded features.
    pub n_features: usize,
    /// Trainable parameters.
    pub n_params: usize,
    /// Seconds.
    pub fit_seconds: f64,
    /// Scores on the rows it was fitted on (optimistic), one per metric.
    #[serde(with = "crate::nan::vec")]
    pub train_scores: Vec<f64>,
    /// Per-epoch history.
    pub curve: TrainingCurve,
    /// The saved model file.
    pub model_file: Option<String>,
}

/// Where the time went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The whole command.
    pub total_seconds: f64,
    /// Cross-validation of all candidates.
    pub cv_seconds: f64,
    /// Sum of all fit times (≥ the wall time when fits ran in parallel).
    pub fit_seconds_sum: f64,
    /// Refit of the winner.
    pub refit_seconds: f64,
    /// Nested cross-validation.
    pub nested_seconds: f64,
}

/// The machine and build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Operating system.
    pub os: String,
    /// CPU architecture.
    pub arch: String,
    /// Logical CPUs.
    pub cpus: usize,
    /// Worker threads used.
    pub threads: usize,
    /// mosel's version.
    pub mosel_version: String,
    /// True for a debug (unoptimised) build.
    pub debug_build: bool,
}

impl Environment {
    /// This process's environment, with `threads` workers.
    pub fn current(threads: usize) -> Self {
        Self {
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads,
            mosel_version: env!("CARGO_PKG_VERSION").into(),
            debug_build: cfg!(debug_assertions),
        }
    }
}

/// Inputs of [`SelectionResults::build`] that the selection itself does not know.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// `cv` or `select`.
    pub kind: String,
    /// The command line.
    pub command: Vec<String>,
    /// When the run started (Unix seconds).
    pub created_unix_s: u64,
    /// Total wall time.
    pub total_seconds: f64,
    /// The saved model file.
    pub model_file: Option<String>,
}

impl SelectionResults {
    /// Gathers the results of a selection.
    pub fn build(data: &CvData, sel: &Selection, info: &RunInfo) -> Self {
        let run = &sel.run;
        let p = &data.problem;
        let (classes, class_counts, y_true) = match &p.target {
            Target::Classes { codes, labels } => {
                let mut counts = vec![0; labels.len()];
                codes.iter().for_each(|&c| counts[c as usize] += 1);
                (
                    Some(labels.clone()),
                    Some(counts),
                    YTrue::Classes(codes.clone()),
                )
            }
            Target::Values(v) => (None, None, YTrue::Values(v.clone())),
        };
        let n = p.target.len();
        let folds = run
            .folds
            .iter()
            .map(|f| FoldInfo {
                repeat: f.repeat,
                index: f.index,
                n_train: f.train.len(),
                n_test: f.test.len(),
                test: f.test.clone(),
                train: (f.train.len() + f.test.len() != n).then(|| f.train.clone()),
            })
            .collect();
        let candidates = run
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| CandidateResult {
                index: i,
                name: c.candidate.name.clone(),
                description: c.candidate.describe(),
                spec: c.candidate.clone(),
                status: if c.ok() { "ok" } else { "failed" }.into(),
                error: c.error.clone(),
                folds: c.folds.clone(),
                n_params: c.n_params(),
                mean_fit_seconds: c.mean_fit_seconds(),
                curves: c.curves.clone(),
                oof: c.oof.clone(),
            })
            .collect();
        let lb = &sel.leaderboard;
        let selected = lb.selected.map(|s| SelectedInfo {
            candidate: s,
            name: run.candidates[s].candidate.name.clone(),
            rule: lb.rule,
            best: lb.best,
        });
        let refit = match (&sel.refit, lb.selected) {
            (Some(r), Some(s)) => Some(RefitInfo {
                candidate: s,
                name: run.candidates[s].candidate.name.clone(),
                n_rows: n,
                n_features: r.pipeline.feature_names().len(),
                n_params: r.model.n_params(),
                fit_seconds: r.fit_seconds,
                train_scores: r.train_scores.clone(),
                curve: r.curve.clone(),
                model_file: info.model_file.clone(),
            }),
            _ => None,
        };
        let fit_sum: f64 = run
            .candidates
            .iter()
            .flat_map(|c| c.folds.iter().map(|f| f.fit_seconds))
            .sum();
        SelectionResults {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            mosel_version: env!("CARGO_PKG_VERSION").into(),
            kind: info.kind.clone(),
            created_unix_s: info.created_unix_s,
            command: info.command.clone(),
            seed: run.seed,
            data: DataInfo {
                source: p.features.source.clone(),
                target: p.target_name.clone(),
                task: p.task,
                n_rows: n,
                feature_columns: p.features.names().iter().map(|s| s.to_string()).collect(),
                classes,
                class_counts,
                group_column: data.group_column.clone(),
                time_column: data.time_column.clone(),
                warnings: p.warnings.clone(),
            },
            y_true,
            splitter: run.splitter.clone(),
            validation: run.splitter.describe(),
            folds,
            metrics: run
                .metrics
                .iter()
                .map(|m| MetricInfo {
                    name: m.name().into(),
                    greater_is_better: m.greater_is_better(),
                })
                .collect(),
            candidates,
            leaderboard: lb.clone(),
            selected,
            refit,
            nested: sel.nested.clone(),
            timing: Timing {
                total_seconds: info.total_seconds,
                cv_seconds: run.seconds,
                fit_seconds_sum: fit_sum,
                refit_seconds: sel.refit_seconds,
                nested_seconds: sel.nested.as_ref().map_or(0.0, |n| n.seconds),
            },
            environment: Environment::current(run.threads),
        }
    }

    /// Writes the results as pretty JSON.
    pub fn write(&self, path: &std::path::Path) -> crate::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| crate::SelectError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(path, text).map_err(|source| crate::SelectError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads a results file, checking its format and version.
    pub fn read(path: &std::path::Path) -> crate::Result<Self> {
        let io = |e: std::io::Error| crate::SelectError::Io {
            path: path.display().to_string(),
            source: e,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| io(std::io::Error::other(e)))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(io(std::io::Error::other(format!(
                "not a mosel selection results file (format is not \"{FORMAT}\")"
            ))));
        }
        let version = v
            .get("format_version")
            .and_then(|f| f.as_u64())
            .unwrap_or(0);
        if version != u64::from(FORMAT_VERSION) {
            return Err(io(std::io::Error::other(format!(
                "results format version {version}; this mosel reads version {FORMAT_VERSION}"
            ))));
        }
        serde_json::from_value(v).map_err(|e| io(std::io::Error::other(e)))
    }
}
