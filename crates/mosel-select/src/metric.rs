//! The metrics cross-validation scores folds with (computed by mosel-metrics, with
//! scikit-learn's semantics).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use mosel_data::{Target, Task};
use mosel_metrics::classification::{Average, PrfOptions, ZeroDivision};
use mosel_metrics::ranking::{MultiClass, ScoreAverage};
use mosel_metrics::{ScoreMatrix, classification, probability, ranking, regression};
use mosel_train::Predictions;

use crate::error::{Result, SelectError};

/// A fold score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Fraction of rows classified correctly.
    Accuracy,
    /// Mean recall over classes.
    BalancedAccuracy,
    /// F1 of the positive (second) class for binary targets, macro-averaged otherwise.
    F1,
    /// ROC-AUC: binary, or one-vs-rest macro average for several classes.
    RocAuc,
    /// Cross-entropy of the predicted probabilities (lower is better).
    LogLoss,
    /// Coefficient of determination.
    R2,
    /// Root mean squared error (lower is better).
    Rmse,
    /// Mean absolute error (lower is better).
    Mae,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 8] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::F1,
        Metric::RocAuc,
        Metric::LogLoss,
        Metric::R2,
        Metric::Rmse,
        Metric::Mae,
    ];

    /// The metric's name (`accuracy`, `balanced_accuracy`, `f1`, `roc_auc`, `log_loss`,
    /// `r2`, `rmse`, `mae`).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::F1 => "f1",
            Metric::RocAuc => "roc_auc",
            Metric::LogLoss => "log_loss",
            Metric::R2 => "r2",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
        }
    }

    /// True when larger values are better.
    pub fn greater_is_better(self) -> bool {
        !matches!(self, Metric::LogLoss | Metric::Rmse | Metric::Mae)
    }

    /// The values the metric can take (intervals are clipped to it).
    pub fn range(self) -> (f64, f64) {
        match self {
            Metric::Accuracy | Metric::BalancedAccuracy | Metric::F1 | Metric::RocAuc => (0.0, 1.0),
            Metric::LogLoss | Metric::Rmse | Metric::Mae => (0.0, f64::INFINITY),
            Metric::R2 => (f64::NEG_INFINITY, 1.0),
        }
    }

    /// True when the metric applies to the task.
    pub fn applies_to(self, task: Task) -> bool {
        match self {
            Metric::R2 | Metric::Rmse | Metric::Mae => !task.is_classification(),
            _ => task.is_classification(),
        }
    }

    /// The metrics reported by default, the first being the selection metric: accuracy
    /// for classification, R² for regression.
    pub fn defaults(task: Task) -> Vec<Metric> {
        if task.is_classification() {
            vec![
                Metric::Accuracy,
                Metric::BalancedAccuracy,
                Metric::F1,
                Metric::RocAuc,
                Metric::LogLoss,
            ]
        } else {
            vec![Metric::R2, Metric::Rmse, Metric::Mae]
        }
    }

    /// Scores predictions against the true target. NaN when the metric is undefined on these
    /// rows (e.g. ROC-AUC on a fold holding a single class).
    pub fn score(self, y: &Target, pred: &Predictions) -> Result<f64> {
        match (y, pred) {
            (Target::Classes { codes, .. }, Predictions::Classes { labels, proba }) => {
                let k = labels.len();
                let pred_codes = pred.class_codes().unwrap_or_default();
                Ok(match self {
                    Metric::Accuracy => classification::accuracy(codes, &pred_codes, None)?,
                    Metric::BalancedAccuracy => {
                        classification::balanced_accuracy(codes, &pred_codes, None, false)?
                    }
                    Metric::F1 => {
                        let opts = PrfOptions {
                            average: if k == 2 {
                                Average::Binary
                            } else {
                                Average::Macro
                            },
                            pos_label: 1,
                            zero_division: ZeroDivision::Zero,
                            ..PrfOptions::default()
                        };
                        classification::f1(codes, &pred_codes, &opts)?
                    }
                    Metric::RocAuc => {
                        let mut present = vec![false; k];
                        codes.iter().for_each(|&c| present[c as usize] = true);
                        if present.iter().filter(|&&p| p).count() < 2 {
                            return Ok(f64::NAN);
                        }
                        if k == 2 {
                            let pos: Vec<f64> = proba.chunks_exact(2).map(|r| r[1]).collect();
                            ranking::roc_auc(codes, &pos, None)?
                        } else {
                            if present.iter().any(|p| !p) {
                                // One-vs-rest needs every class among the rows.
                                return Ok(f64::NAN);
                            }
                            // Rows sum to 1 up to rounding; make it exact for the check.
                            let normalized: Vec<f64> = proba
                                .chunks_exact(k)
                                .flat_map(|r| {
                                    let s: f64 = r.iter().sum();
                                    r.iter().map(move |v| v / s)
                                })
                                .collect();
                            let m = ScoreMatrix::new(&normalized, k)?;
                            ranking::roc_auc_multiclass(
                                codes,
                                &m,
                                MultiClass::Ovr,
                                ScoreAverage::Macro,
                                None,
                                None,
                            )?
                        }
                    }
                    Metric::LogLoss => {
                        let all: Vec<usize> = (0..k).collect();
                        let m = ScoreMatrix::new(proba, k)?;
                        probability::log_loss(codes, &m, Some(&all), None, true)?
                    }
                    m => {
                        return Err(SelectError::BadCandidate(format!(
                            "the {} metric is for regression; this target is a class",
                            m.name()
                        )));
                    }
                })
            }
            (Target::Values(v), Predictions::Values(p)) => Ok(match self {
                Metric::R2 => regression::r2(v, p, None, true)?,
                Metric::Rmse => regression::root_mean_squared_error(v, p, None)?,
                Metric::Mae => regression::mean_absolute_error(v, p, None)?,
                m => {
                    return Err(SelectError::BadCandidate(format!(
                        "the {} metric is for classification; this target is numeric",
                        m.name()
                    )));
                }
            }),
            _ => Err(SelectError::BadCandidate(
                "the predictions do not match the target's kind".into(),
            )),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase().replace('-', "_");
        Metric::ALL
            .iter()
            .copied()
            .find(|m| m.name() == l || (l == "auc" && *m == Metric::RocAuc))
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                format!("unknown metric '{s}': use one of {}", names.join(", "))
            })
    }
}
