//! A table's schema and summary, as `mosel describe` shows it.

use serde::Serialize;

use crate::problem::{Problem, infer_task};
use crate::table::{ColumnData, ColumnKind, MISSING_CODE, Table};
use crate::task::{Target, Task};

/// Summary of one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    /// Column name.
    pub name: String,
    /// Inferred (or declared) kind.
    pub kind: ColumnKind,
    /// Number of missing values.
    pub missing: usize,
    /// Number of distinct non-missing values.
    pub distinct: usize,
    /// Smallest value (numeric columns).
    pub min: Option<f64>,
    /// Largest value (numeric columns).
    pub max: Option<f64>,
    /// Mean (numeric columns).
    pub mean: Option<f64>,
    /// Up to five most frequent values with their counts (categorical and boolean columns).
    pub top: Vec<(String, usize)>,
}

/// Summary of the target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetSummary {
    /// Target column name.
    pub name: String,
    /// Inferred task.
    pub task: Task,
    /// Class counts (classification), in label order.
    pub classes: Vec<(String, usize)>,
    /// Mean, standard deviation, min and max (regression).
    pub stats: Option<[f64; 4]>,
}

/// Schema and summary of a table.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    /// Where the table came from.
    pub source: String,
    /// Number of rows.
    pub rows: usize,
    /// One summary per column, in file order.
    pub columns: Vec<ColumnSummary>,
    /// The target, when one was named.
    pub target: Option<TargetSummary>,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// Summarises one column.
pub fn summarize_column(name: &str, data: &ColumnData) -> ColumnSummary {
    let mut s = ColumnSummary {
        name: name.to_string(),
        kind: ColumnKind::Numeric,
        missing: 0,
        distinct: 0,
        min: None,
        max: None,
        mean: None,
        top: Vec::new(),
    };
    match data {
        ColumnData::Numeric(v) => {
            let mut vals: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            s.missing = v.len() - vals.len();
            if !vals.is_empty() {
                s.mean = Some(vals.iter().sum::<f64>() / vals.len() as f64);
                vals.sort_by(f64::total_cmp);
                s.min = vals.first().copied();
                s.max = vals.last().copied();
                vals.dedup();
                s.distinct = vals.len();
            }
        }
        ColumnData::Categorical { codes, levels } => {
            s.kind = ColumnKind::Categorical;
            let mut counts = vec![0usize; levels.len()];
            for &c in codes {
                if c == MISSING_CODE {
                    s.missing += 1;
                } else {
                    counts[c as usize] += 1;
                }
            }
            s.distinct = counts.iter().filter(|&&c| c > 0).count();
            s.top = top_counts(levels, &counts);
        }
        ColumnData::Boolean(v) => {
            s.kind = ColumnKind::Boolean;
            let t = v.iter().filter(|b| **b == Some(true)).count();
            let f = v.iter().filter(|b| **b == Some(false)).count();
            s.missing = v.len() - t - f;
            s.distinct = usize::from(t > 0) + usize::from(f > 0);
            s.top = top_counts(&["true".to_string(), "false".to_string()], &[t, f]);
        }
    }
    s
}

fn top_counts(levels: &[String], counts: &[usize]) -> Vec<(String, usize)> {
    let mut order: Vec<usize> = (0..levels.len()).filter(|&i| counts[i] > 0).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(5)
        .map(|i| (levels[i].clone(), counts[i]))
        .collect()
}

/// Describes a table; with a target, also the target distribution and the task.
pub fn describe(
    table: &Table,
    target: Option<&str>,
    task: Option<Task>,
) -> crate::error::Result<Schema> {
    let columns = table
        .columns
        .iter()
        .map(|c| summarize_column(&c.name, &c.data))
        .collect();
    let mut schema = Schema {
        source: table.source.clone(),
        rows: table.n_rows,
        columns,
        target: None,
        warnings: vec![],
    };
    if let Some(t) = target {
        let inferred = infer_task(&table.column(t)?.data);
        let problem = Problem::new(table.clone(), t, task.or(Some(inferred)))?;
        schema.warnings = problem.warnings.clone();
        let mut summary = TargetSummary {
            name: t.to_string(),
            task: problem.task,
            classes: vec![],
            stats: None,
        };
        match &problem.target {
            Target::Classes { codes, labels } => {
                let mut counts = vec![0usize; labels.len()];
                codes.iter().for_each(|&c| counts[c as usize] += 1);
                summary.classes = labels.iter().cloned().zip(counts).collect();
            }
            Target::Values(v) => {
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                summary.stats = Some([mean, std, min, max]);
            }
        }
        schema.target = Some(summary);
    } else {
        for c in &schema.columns {
            if c.distinct <= 1 {
                schema.warnings.push(format!(
                    "column '{}' has a single value and carries no information",
                    c.name
                ));
            }
        }
    }
    Ok(schema)
}
