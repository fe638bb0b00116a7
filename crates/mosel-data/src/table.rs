//! The in-memory table every loader produces: named, typed columns of equal length.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::{DataError, Result, closest};

/// The kind of values a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Real numbers.
    Numeric,
    /// A finite set of text labels.
    Categorical,
    /// true / false.
    Boolean,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
        })
    }
}

impl FromStr for ColumnKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "numeric" | "number" | "float" | "int" => Ok(ColumnKind::Numeric),
            "categorical" | "category" | "string" | "text" => Ok(ColumnKind::Categorical),
            "boolean" | "bool" => Ok(ColumnKind::Boolean),
            other => Err(format!(
                "unknown column type '{other}': use numeric, categorical or boolean"
            )),
        }
    }
}

/// Code marking a missing categorical value.
pub const MISSING_CODE: u32 = u32::MAX;

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Numbers; `NaN` marks a missing value.
    Numeric(Vec<f64>),
    /// Codes into `levels` (sorted); [`MISSING_CODE`] marks a missing value.
    Categorical {
        /// One code per row.
        codes: Vec<u32>,
        /// The distinct labels, sorted.
        levels: Vec<String>,
    },
    /// Booleans; `None` marks a missing value.
    Boolean(Vec<Option<bool>>),
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name from the header.
    pub name: String,
    /// The values.
    pub data: ColumnData,
}

impl Column {
    /// The column's kind.
    pub fn kind(&self) -> ColumnKind {
        match self.data {
            ColumnData::Numeric(_) => ColumnKind::Numeric,
            ColumnData::Categorical { .. } => ColumnKind::Categorical,
            ColumnData::Boolean(_) => ColumnKind::Boolean,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Categorical { codes, .. } => codes.len(),
            ColumnData::Boolean(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when row `i` is missing.
    pub fn is_missing(&self, i: usize) -> bool {
        match &self.data {
            ColumnData::Numeric(v) => v[i].is_nan(),
            ColumnData::Categorical { codes, .. } => codes[i] == MISSING_CODE,
            ColumnData::Boolean(v) => v[i].is_none(),
        }
    }

    /// Number of missing values.
    pub fn missing_count(&self) -> usize {
        (0..self.len()).filter(|&i| self.is_missing(i)).count()
    }

    /// Row `i` as text (`None` when missing).
    pub fn text(&self, i: usize) -> Option<String> {
        match &self.data {
            ColumnData::Numeric(v) => (!v[i].is_nan()).then(|| format_number(v[i])),
            ColumnData::Categorical { codes, levels } => {
                (codes[i] != MISSING_CODE).then(|| levels[codes[i] as usize].clone())
            }
            ColumnData::Boolean(v) => v[i].map(|b| b.to_string()),
        }
    }

    /// The same column restricted to `rows`, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> Column {
        let data = match &self.data {
            ColumnData::Numeric(v) => ColumnData::Numeric(rows.iter().map(|&r| v[r]).collect()),
            ColumnData::Categorical { codes, levels } => ColumnData::Categorical {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                levels: levels.clone(),
            },
            ColumnData::Boolean(v) => ColumnData::Boolean(rows.iter().map(|&r| v[r]).collect()),
        };
        Column {
            name: self.name.clone(),
            data,
        }
    }
}

/// Formats a number the way a person wrote it: integers without a decimal point.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Named columns of equal length, and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The columns, in file order.
    pub columns: Vec<Column>,
    /// Number of rows.
    pub n_rows: usize,
    /// The file or dataset the table was read from.
    pub source: String,
}

impl Table {
    /// Builds a table, checking that all columns have the same length.
    pub fn new(columns: Vec<Column>, source: impl Into<String>) -> Result<Self> {
        let n_rows = columns.first().map_or(0, Column::len);
        if let Some(c) = columns.iter().find(|c| c.len() != n_rows) {
            return Err(DataError::BadColumn {
                column: c.name.clone(),
                message: format!("has {} rows, expected {n_rows}", c.len()),
            });
        }
        Ok(Self {
            columns,
            n_rows,
            source: source.into(),
        })
    }

    /// The column names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The index of the column named `name`, or an error listing the real names and the closest.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                let names = self.names();
                DataError::UnknownColumn {
                    name: name.to_string(),
                    suggestion: closest(name, names.iter().copied()),
                    available: names.iter().map(|s| s.to_string()).collect(),
                }
            })
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Result<&Column> {
        Ok(&self.columns[self.index_of(name)?])
    }

    /// Removes and returns the column named `name`.
    pub fn take_column(&mut self, name: &str) -> Result<Column> {
        let i = self.index_of(name)?;
        Ok(self.columns.remove(i))
    }

    /// The same table restricted to `rows`, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> Table {
        Table {
            columns: self.columns.iter().map(|c| c.select_rows(rows)).collect(),
            n_rows: rows.len(),
            source: self.source.clone(),
        }
    }
}
