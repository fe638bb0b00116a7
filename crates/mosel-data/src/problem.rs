//! A learning problem: feature columns, a target column and the task.

use crate::error::{DataError, Result};
use crate::table::{ColumnData, MISSING_CODE, Table, format_number};
use crate::task::{Target, Task};

/// Feature columns plus the prepared target, with the task inferred or given.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The feature columns (every column but the target), rows with a missing target removed.
    pub features: Table,
    /// The target, one value per feature row.
    pub target: Target,
    /// The target column's name.
    pub target_name: String,
    /// The task.
    pub task: Task,
    /// Things the user should know (rows dropped, constant columns).
    pub warnings: Vec<String>,
}

/// At most this many distinct integer values make a numeric target a classification target.
pub const MAX_INFERRED_CLASSES: usize = 20;

impl Problem {
    /// Splits `table` into features and the target column `target`, inferring the task
    /// unless `task` is given. Rows whose target is missing are dropped (with a warning).
    pub fn new(mut table: Table, target: &str, task: Option<Task>) -> Result<Self> {
        let column = table.take_column(target)?;
        let mut warnings = Vec::new();
        let keep: Vec<usize> = (0..column.len())
            .filter(|&i| !column.is_missing(i))
            .collect();
        if keep.is_empty() {
            return Err(DataError::TargetAllMissing {
                column: target.to_string(),
            });
        }
        if keep.len() < column.len() {
            warnings.push(format!(
                "{} row(s) with a missing target '{target}' were left out",
                column.len() - keep.len()
            ));
            table = table.select_rows(&keep);
        }
        let column = column.select_rows(&keep);
        let inferred = infer_task(&column.data);
        let task = task.unwrap_or(inferred);
        let bad = |message: String| DataError::BadTarget {
            column: target.to_string(),
            message,
        };
        let prepared = match (&column.data, task) {
            (ColumnData::Numeric(v), Task::Regression) => Target::Values(v.clone()),
            (_, Task::Regression) => {
                return Err(bad(format!(
                    "is {} and cannot be a regression target; use --task binary or multiclass",
                    column.kind()
                )));
            }
            (data, _) => classes_of(data),
        };
        if let Target::Classes { labels, .. } = &prepared {
            match (task, labels.len()) {
                (_, 1) => {
                    return Err(bad(format!(
                        "has a single class ('{}'); classification needs at least two",
                        labels[0]
                    )));
                }
                (Task::Binary, n) if n > 2 => {
                    return Err(bad(format!("has {n} classes; use --task multiclass")));
                }
                _ => {}
            }
        }
        for c in &table.columns {
            if is_constant(&c.data) {
                warnings.push(format!(
                    "feature '{}' has a single value and carries no information",
                    c.name
                ));
            }
        }
        Ok(Self {
            features: table,
            target: prepared,
            target_name: target.to_string(),
            task,
            warnings,
        })
    }

    /// The same problem restricted to `rows`.
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        Self {
            features: self.features.select_rows(rows),
            target: self.target.select_rows(rows),
            target_name: self.target_name.clone(),
            task: self.task,
            warnings: self.warnings.clone(),
        }
    }
}

/// The task a target column poses: categorical and boolean targets are classification;
/// numeric ones are classification only when they hold few distinct integers.
pub fn infer_task(data: &ColumnData) -> Task {
    let n_classes = match data {
        ColumnData::Categorical { codes, levels } => distinct_codes(codes, levels.len()),
        ColumnData::Boolean(_) => 2,
        ColumnData::Numeric(v) => {
            let mut vals: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            if vals.iter().any(|x| x.fract() != 0.0) {
                return Task::Regression;
            }
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            let limit = MAX_INFERRED_CLASSES.min(v.len() / 5).max(2);
            if vals.len() > limit {
                return Task::Regression;
            }
            vals.len()
        }
    };
    if n_classes <= 2 {
        Task::Binary
    } else {
        Task::Multiclass
    }
}

fn distinct_codes(codes: &[u32], n_levels: usize) -> usize {
    let mut seen = vec![false; n_levels];
    codes
        .iter()
        .filter(|&&c| c != MISSING_CODE)
        .for_each(|&c| seen[c as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

/// Class codes and labels of a target column without missing values.
fn classes_of(data: &ColumnData) -> Target {
    match data {
        ColumnData::Categorical { codes, levels } => {
            // Keep only levels that occur, renumbering codes.
            let mut map = vec![u32::MAX; levels.len()];
            let mut used = vec![false; levels.len()];
            codes.iter().for_each(|&c| used[c as usize] = true);
            let mut labels = Vec::new();
            for (i, l) in levels.iter().enumerate() {
                if used[i] {
                    map[i] = labels.len() as u32;
                    labels.push(l.clone());
                }
            }
            Target::Classes {
                codes: codes.iter().map(|&c| map[c as usize]).collect(),
                labels,
            }
        }
        ColumnData::Boolean(v) => {
            let has_false = v.contains(&Some(false));
            let labels: Vec<String> = if has_false {
                vec!["false".into(), "true".into()]
            } else {
                vec!["true".into()]
            };
            let codes = v
                .iter()
                .map(|b| u32::from(b.unwrap_or(false) && has_false))
                .collect();
            Target::Classes { codes, labels }
        }
        ColumnData::Numeric(v) => {
            let mut vals = v.clone();
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            let codes = v
                .iter()
                .map(|x| vals.binary_search_by(|p| p.total_cmp(x)).unwrap_or(0) as u32)
                .collect();
            Target::Classes {
                codes,
                labels: vals.iter().map(|&x| format_number(x)).collect(),
            }
        }
    }
}

fn is_constant(data: &ColumnData) -> bool {
    match data {
        ColumnData::Numeric(v) => {
            let mut it = v.iter().filter(|x| !x.is_nan());
            match it.next() {
                Some(first) => it.all(|x| x == first),
                None => true,
            }
        }
        ColumnData::Categorical { codes, levels } => distinct_codes(codes, levels.len()) <= 1,
        ColumnData::Boolean(v) => {
            let mut it = v.iter().flatten();
            match it.next() {
                Some(first) => it.all(|x| x == first),
                None => true,
            }
        }
    }
}
