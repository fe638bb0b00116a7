//! The learning task and the prepared target.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What is being predicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes.
    Binary,
    /// Three or more classes.
    Multiclass,
    /// A real-valued target.
    Regression,
}

impl Task {
    /// True for binary and multiclass classification.
    pub fn is_classification(self) -> bool {
        !matches!(self, Task::Regression)
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        })
    }
}

impl FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "binary" => Ok(Task::Binary),
            "multiclass" => Ok(Task::Multiclass),
            "regression" => Ok(Task::Regression),
            other => Err(format!(
                "unknown task '{other}': use binary, multiclass or regression"
            )),
        }
    }
}

/// The target column, prepared for learning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Class codes `0..labels.len()`; `labels[c]` is the original label of class `c`
    /// (labels sorted: numerically when all are numbers, else lexicographically).
    Classes {
        /// Class code of every row.
        codes: Vec<u32>,
        /// Original label of each class code.
        labels: Vec<String>,
    },
    /// Real values.
    Values(Vec<f64>),
}

impl Target {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { codes, .. } => codes.len(),
            Target::Values(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same target restricted to `rows`, in that order (labels are kept whole).
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        match self {
            Target::Classes { codes, labels } => Target::Classes {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                labels: labels.clone(),
            },
            Target::Values(v) => Target::Values(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}
