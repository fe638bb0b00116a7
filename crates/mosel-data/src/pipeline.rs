//! The preprocessing pipeline: *fitted* on training rows, then *applied* to any rows.
//!
//! Numeric and boolean columns are imputed and (optionally) standardized; categorical
//! columns are imputed and one-hot encoded. Fitting looks only at the rows it is given, so
//! cross-validation can fit it inside each fold without leaking the test fold.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::error::{DataError, Result};
use crate::matrix::Matrix;
use crate::table::{ColumnData, ColumnKind, MISSING_CODE, Table};

/// How missing values are filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    /// Numeric: the training mean; categorical: the most frequent category.
    #[default]
    Mean,
    /// Numeric: the training median; categorical: the most frequent category.
    Median,
    /// The most frequent value.
    Mode,
    /// Refuse data with missing values.
    Reject,
}

impl std::str::FromStr for Impute {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mean" => Ok(Impute::Mean),
            "median" => Ok(Impute::Median),
            "mode" | "most_frequent" => Ok(Impute::Mode),
            "reject" | "error" => Ok(Impute::Reject),
            _ => Err(format!(
                "unknown imputation '{s}': use mean, median, mode or reject"
            )),
        }
    }
}

/// What to do with a category that was not seen when fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnknownCategory {
    /// Encode it as all zeros (like scikit-learn's `handle_unknown="ignore"`).
    #[default]
    Ignore,
    /// Refuse it with an error naming the column and value.
    Error,
}

/// Options for fitting a [`Pipeline`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineOptions {
    /// Standardize numeric columns to zero mean and unit variance.
    pub scale: bool,
    /// Missing-value strategy.
    pub impute: Impute,
    /// Rule for categories unseen at fit time.
    pub unknown: UnknownCategory,
    /// Keep at most this many one-hot columns per categorical column; rarer categories share
    /// one `other` column.
    pub max_categories: usize,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            scale: true,
            impute: Impute::Mean,
            unknown: UnknownCategory::Ignore,
            max_categories: 50,
        }
    }
}

/// How one input column becomes output features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Step {
    /// `(value - center) / scale`, missing replaced by `fill`.
    Numeric {
        column: String,
        boolean: bool,
        fill: f64,
        center: f64,
        scale: f64,
    },
    /// One output per kept category; `other` collects the rare ones when present.
    OneHot {
        column: String,
        categories: Vec<String>,
        other: bool,
        fill: Option<String>,
    },
}

/// A fitted preprocessing pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    options: PipelineOptions,
    steps: Vec<Step>,
    feature_names: Vec<String>,
}

impl Pipeline {
    /// Fits the pipeline on the given rows of `table` (all rows when `rows` is `None`).
    pub fn fit(table: &Table, rows: Option<&[usize]>, options: &PipelineOptions) -> Result<Self> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..table.n_rows).collect();
                &all
            }
        };
        let mut steps = Vec::with_capacity(table.columns.len());
        let mut feature_names = Vec::new();
        for col in &table.columns {
            if options.impute == Impute::Reject
                && let Some(&r) = rows.iter().find(|&&r| col.is_missing(r))
            {
                return Err(DataError::MissingValue {
                    column: col.name.clone(),
                    row: r + 1,
                });
            }
            match &col.data {
                ColumnData::Numeric(_) | ColumnData::Boolean(_) => {
                    let values: Vec<f64> = rows
                        .iter()
                        .filter_map(|&r| numeric_at(&col.data, r))
                        .collect();
                    let fill = fill_value(&values, options.impute);
                    let n = rows.len() as f64;
                    let missing = rows.len() - values.len();
                    let mean = (values.iter().sum::<f64>() + fill * missing as f64) / n.max(1.0);
                    let var = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                        + missing as f64 * (fill - mean).powi(2))
                        / n.max(1.0);
                    let std = var.sqrt();
                    let (center, scale) = if options.scale {
                        (
                            mean,
                            if std > f64::EPSILON * mean.abs().max(1.0) {
                                std
                            } else {
                                1.0
                            },
                        )
                    } else {
                        (0.0, 1.0)
                    };
                    feature_names.push(col.name.clone());
                    steps.push(Step::Numeric {
                        column: col.name.clone(),
                        boolean: col.kind() == ColumnKind::Boolean,
                        fill,
                        center,
                        scale,
                    });
                }
                ColumnData::Categorical { codes, levels } => {
                    let mut counts = vec![0usize; levels.len()];
                    for &r in rows {
                        if codes[r] != MISSING_CODE {
                            counts[codes[r] as usize] += 1;
                        }
                    }
                    let mut order: Vec<usize> =
                        (0..levels.len()).filter(|&i| counts[i] > 0).collect();
                    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
                    let fill = order.first().map(|&i| levels[i].clone());
                    let max = options.max_categories.max(2);
                    let other = order.len() > max;
                    if other {
                        order.truncate(max - 1);
                    }
                    order.sort_unstable();
                    let categories: Vec<String> =
                        order.iter().map(|&i| levels[i].clone()).collect();
                    feature_names.extend(categories.iter().map(|c| format!("{}={c}", col.name)));
                    if other {
                        feature_names.push(format!("{}=(other)", col.name));
                    }
                    steps.push(Step::OneHot {
                        column: col.name.clone(),
                        categories,
                        other,
                        fill,
                    });
                }
            }
        }
        Ok(Self {
            options: options.clone(),
            steps,
            feature_names,
        })
    }

    /// Output feature names, one per design-matrix column.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Names of the input columns the pipeline expects.
    pub fn input_columns(&self) -> Vec<&str> {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Numeric { column, .. } | Step::OneHot { column, .. } => column.as_str(),
            })
            .collect()
    }

    /// The options it was fitted with.
    pub fn options(&self) -> &PipelineOptions {
        &self.options
    }

    /// Applies the fitted pipeline to the given rows of `table` (all rows when `None`).
    /// Columns are matched by name; extra columns are ignored, missing ones are an error.
    pub fn transform(&self, table: &Table, rows: Option<&[usize]>) -> Result<Matrix> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..table.n_rows).collect();
                &all
            }
        };
        let inputs = self.input_columns();
        let missing: Vec<&str> = inputs
            .iter()
            .copied()
            .filter(|c| table.index_of(c).is_err())
            .collect();
        if !missing.is_empty() {
            return Err(DataError::ColumnMismatch(format!(
                "missing column(s): {} (the data has: {})",
                missing.join(", "),
                table.names().join(", ")
            )));
        }
        let n_cols = self.feature_names.len();
        let steps = self
            .steps
            .iter()
            .map(|step| Prepared::new(step, table, &self.options))
            .collect::<Result<Vec<_>>>()?;
        let mut out = Matrix::zeros(rows.len(), n_cols);
        // Every step on a block of rows at a time, so that the block's output rows stay in
        // cache while each step writes its columns into them.
        for (block, out_rows) in rows
            .chunks(ROW_BLOCK)
            .zip(out.data.chunks_mut(ROW_BLOCK * n_cols.max(1)))
        {
            let mut offset = 0;
            for step in &steps {
                offset += step.write(block, out_rows, n_cols, offset)?;
            }
        }
        Ok(out)
    }
}

/// Rows per block in [`Pipeline::transform`].
const ROW_BLOCK: usize = 256;

/// A step of a pipeline bound to the columns of one table.
enum Prepared<'a> {
    Numeric {
        column: &'a str,
        data: &'a ColumnData,
        reject: bool,
        fill: f64,
        center: f64,
        scale: f64,
    },
    OneHot {
        column: &'a str,
        col: &'a crate::table::Column,
        /// Output position of each category text.
        index: HashMap<&'a str, usize>,
        /// For a categorical column: the slot of each of its levels.
        level_slots: Option<Vec<Slot>>,
        n_categories: usize,
        other: bool,
        unknown_is_error: bool,
        reject: bool,
        fill: Option<&'a str>,
    },
}

/// Where a category text goes in a one-hot block.
#[derive(Clone, Copy)]
enum Slot {
    At(usize),
    Nowhere,
    Unknown,
}

impl<'a> Prepared<'a> {
    fn new(step: &'a Step, table: &'a Table, options: &PipelineOptions) -> Result<Self> {
        let reject = options.impute == Impute::Reject;
        Ok(match step {
            Step::Numeric {
                column,
                boolean,
                fill,
                center,
                scale,
            } => {
                let col = table.column(column)?;
                match (&col.data, boolean) {
                    (ColumnData::Numeric(_), _) | (ColumnData::Boolean(_), true) => {}
                    _ => {
                        return Err(DataError::ColumnMismatch(format!(
                            "column '{column}' was numeric at training time but is {} now",
                            col.kind()
                        )));
                    }
                }
                Prepared::Numeric {
                    column,
                    data: &col.data,
                    reject,
                    fill: *fill,
                    center: *center,
                    scale: *scale,
                }
            }
            Step::OneHot {
                column,
                categories,
                other,
                fill,
            } => {
                let col = table.column(column)?;
                // This table's values map to output positions by category text.
                let index: HashMap<&str, usize> = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i))
                    .collect();
                let mut step = Prepared::OneHot {
                    column,
                    col,
                    index,
                    level_slots: None,
                    n_categories: categories.len(),
                    other: *other,
                    unknown_is_error: options.unknown == UnknownCategory::Error,
                    reject,
                    fill: fill.as_deref(),
                };
                if let ColumnData::Categorical { levels, .. } = &col.data {
                    let slots = levels.iter().map(|l| step.slot(l)).collect();
                    if let Prepared::OneHot { level_slots, .. } = &mut step {
                        *level_slots = Some(slots);
                    }
                }
                step
            }
        })
    }

    /// The slot of a category text (one-hot steps).
    fn slot(&self, text: &str) -> Slot {
        let Prepared::OneHot {
            index,
            n_categories,
            other,
            unknown_is_error,
            ..
        } = self
        else {
            return Slot::Nowhere;
        };
        match index.get(text) {
            Some(&p) => Slot::At(p),
            None if *other => Slot::At(*n_categories),
            None if *unknown_is_error => Slot::Unknown,
            None => Slot::Nowhere,
        }
    }

    /// Writes this step's columns, from `offset`, into `out` (the output rows of `rows`,
    /// `n_cols` values each) and returns how many columns it has.
    fn write(
        &self,
        rows: &[usize],
        out: &mut [f32],
        n_cols: usize,
        offset: usize,
    ) -> Result<usize> {
        match self {
            Prepared::Numeric {
                column,
                data,
                reject,
                fill,
                center,
                scale,
            } => {
                for (i, &r) in rows.iter().enumerate() {
                    let v = match numeric_at(data, r) {
                        Some(v) => v,
                        None if *reject => {
                            return Err(DataError::MissingValue {
                                column: column.to_string(),
                                row: r + 1,
                            });
                        }
                        None => *fill,
                    };
                    out[i * n_cols + offset] = ((v - center) / scale) as f32;
                }
                Ok(1)
            }
            Prepared::OneHot {
                column,
                col,
                level_slots,
                n_categories,
                other,
                reject,
                fill,
                ..
            } => {
                let missing = |r: usize| -> Result<Slot> {
                    match fill {
                        _ if *reject => Err(DataError::MissingValue {
                            column: column.to_string(),
                            row: r + 1,
                        }),
                        Some(f) => Ok(self.slot(f)),
                        None => Ok(Slot::Nowhere),
                    }
                };
                let unknown = |value: String, r: usize| DataError::UnknownCategory {
                    column: column.to_string(),
                    value,
                    row: r + 1,
                };
                for (i, &r) in rows.iter().enumerate() {
                    let slot = match (&col.data, level_slots) {
                        (ColumnData::Categorical { codes, levels }, Some(slots)) => {
                            match codes[r] {
                                MISSING_CODE => missing(r)?,
                                c => match slots[c as usize] {
                                    Slot::Unknown => {
                                        return Err(unknown(levels[c as usize].clone(), r));
                                    }
                                    slot => slot,
                                },
                            }
                        }
                        _ => match col.text(r) {
                            Some(t) => match self.slot(&t) {
                                Slot::Unknown => return Err(unknown(t, r)),
                                slot => slot,
                            },
                            None => missing(r)?,
                        },
                    };
                    match slot {
                        Slot::At(p) => out[i * n_cols + offset + p] = 1.0,
                        Slot::Nowhere => {}
                        Slot::Unknown => {
                            // only a fill value can get here: it was seen at training time
                            return Err(unknown(fill.unwrap_or_default().to_string(), r));
                        }
                    }
                }
                Ok(n_categories + usize::from(*other))
            }
        }
    }
}

fn numeric_at(data: &ColumnData, r: usize) -> Option<f64> {
    match data {
        ColumnData::Numeric(v) => (!v[r].is_nan()).then_some(v[r]),
        ColumnData::Boolean(v) => v[r].map(|b| f64::from(u8::from(b))),
        ColumnData::Categorical { .. } => None,
    }
}

fn fill_value(values: &[f64], impute: Impute) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    match impute {
        Impute::Mean | Impute::Reject => values.iter().sum::<f64>() / values.len() as f64,
        Impute::Median => {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            if v.len().is_multiple_of(2) {
                (v[m - 1] + v[m]) / 2.0
            } else {
                v[m]
            }
        }
        Impute::Mode => {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            let (mut best, mut best_n, mut i) = (v[0], 0, 0);
            while i < v.len() {
                let j = v[i..]
                    .iter()
                    .position(|x| *x != v[i])
                    .map_or(v.len(), |k| i + k);
                if j - i > best_n {
                    best_n = j - i;
                    best = v[i];
                }
                i = j;
            }
            best
        }
    }
}
