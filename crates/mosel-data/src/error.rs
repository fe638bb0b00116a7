//! The data layer's error type. Every variant names the file, line or column involved and
//! says what to do.

use std::path::PathBuf;
use thiserror::Error;

/// Errors from loading, inspecting and preprocessing data.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file has no bytes at all.
    #[error("{path} is empty: expected a header row followed by data rows")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header but no data rows.
    #[error("{path} has a header row but no data rows")]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A row has a different number of fields than the header.
    #[error(
        "{path}, line {line}: expected {expected} fields (as in the header) but found {found}; \
         check for an unquoted delimiter or a missing field, or pass the right --delimiter"
    )]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields on this line.
        found: usize,
    },
    /// A field is not valid UTF-8.
    #[error(
        "{path}, line {line}, column '{column}': the text is not valid UTF-8; re-save the file as UTF-8"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Column name (or header position).
        column: String,
    },
    /// A value in a column forced (or required) to be numeric is not a number.
    #[error(
        "{path}, line {line}, column '{column}': '{value}' is not a number; fix the value, mark \
         it missing (empty or NA), or declare the column categorical"
    )]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// The offending text (shortened when long).
        value: String,
    },
    /// Any other CSV syntax problem.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// A Parquet file could not be read.
    #[error("{path}: cannot read Parquet: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        message: String,
    },
    /// The file extension is not one mosel reads.
    #[error(
        "{path}: unknown file type; mosel reads .csv, .tsv, .txt (delimited text) and .parquet"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A named column does not exist.
    #[error("no column named '{name}'{}; the columns are: {}", suggestion_text(.suggestion), .available.join(", "))]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The closest real name, when one is close.
        suggestion: Option<String>,
        /// All column names.
        available: Vec<String>,
    },
    /// The target column has no values at all.
    #[error("target column '{column}' has no values (every row is missing); pick another --target")]
    TargetAllMissing {
        /// The target column.
        column: String,
    },
    /// The target does not fit the requested task.
    #[error("target column '{column}': {message}")]
    BadTarget {
        /// The target column.
        column: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// No bundled dataset has this name.
    #[error("no bundled dataset named '{name}'; the bundled datasets are: {}", .available.join(", "))]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// The names that exist.
        available: Vec<String>,
    },
    /// A missing value where the pipeline was told to reject them.
    #[error(
        "column '{column}' has a missing value at data row {row}; choose an imputation \
         strategy (mean, median or mode) instead of reject, or clean the data"
    )]
    MissingValue {
        /// Column name.
        column: String,
        /// 1-based data row (not counting the header).
        row: usize,
    },
    /// A category not seen when the pipeline was fitted, with unknown categories set to error.
    #[error(
        "column '{column}' has category '{value}' (data row {row}) that was not seen in \
         training; allow unknown categories (they are then encoded as all zeros) or retrain"
    )]
    UnknownCategory {
        /// Column name.
        column: String,
        /// The unseen category.
        value: String,
        /// 1-based data row.
        row: usize,
    },
    /// The columns given to a fitted pipeline differ from the ones it was fitted on.
    #[error("the data's columns differ from the ones the model was trained on: {0}")]
    ColumnMismatch(String),
    /// A column's values cannot be used as the column's declared kind.
    #[error("column '{column}': {message}")]
    BadColumn {
        /// Column name.
        column: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An invalid option value.
    #[error("{0}")]
    InvalidOption(String),
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

/// The name in `candidates` closest to `name` by edit distance, if it is reasonably close.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(name.chars().count()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance between two strings, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos() {
        let cols = ["price", "carat", "cut"];
        assert_eq!(closest("prise", cols), Some("price".into()));
        assert_eq!(closest("Price", cols), Some("price".into()));
        assert_eq!(closest("zzzzzzzz", cols), None);
    }
}
