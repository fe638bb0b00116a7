//! The selection layer's error type. Every variant says what is wrong and what to do.

use thiserror::Error;

/// Errors from splitting, candidate specification, cross-validation and selection.
#[derive(Debug, Error)]
pub enum SelectError {
    /// A splitter needs more rows than the data has.
    #[error("{folds} folds need at least {folds} rows, but the data has {rows}; use fewer folds")]
    TooFewRows {
        /// Folds asked for.
        folds: usize,
        /// Rows available.
        rows: usize,
    },
    /// A stratified splitter needs every class to have at least as many rows as folds.
    #[error(
        "{folds} stratified folds need at least {folds} rows of every class, but class \
         '{class}' has only {count}; use at most {count} folds, or a non-stratified split"
    )]
    TooFewInClass {
        /// Folds asked for.
        folds: usize,
        /// The smallest class's label.
        class: String,
        /// Its number of rows.
        count: usize,
    },
    /// A group splitter needs at least as many groups as folds.
    #[error("{folds} group folds need at least {folds} distinct groups, but there are {groups}")]
    TooFewGroups {
        /// Folds asked for.
        folds: usize,
        /// Distinct groups.
        groups: usize,
    },
    /// A stratified splitter was used without class labels (e.g. on a regression target).
    #[error("stratified splitting needs a classification target; this one is {task}")]
    NeedsClasses {
        /// The task of the target.
        task: String,
    },
    /// A group splitter was used without a group column.
    #[error("group splitting needs a group column (--group COLUMN)")]
    NeedsGroups,
    /// The group column has a missing value.
    #[error(
        "group column '{column}' has a missing value at data row {row}; every row needs a group"
    )]
    MissingGroup {
        /// Group column name.
        column: String,
        /// 1-based data row.
        row: usize,
    },
    /// The time column is not in time order.
    #[error(
        "time column '{column}' is not sorted: data row {row} ({value}) comes before data row \
         {previous_row} ({previous}); sort the file by time before a time-series split"
    )]
    TimeNotSorted {
        /// Time column name.
        column: String,
        /// 1-based data row that goes back in time.
        row: usize,
        /// Its value.
        value: String,
        /// 1-based data row just before it.
        previous_row: usize,
        /// That row's value.
        previous: String,
    },
    /// The time column has a missing value.
    #[error("time column '{column}' has a missing value at data row {row}")]
    MissingTime {
        /// Time column name.
        column: String,
        /// 1-based data row.
        row: usize,
    },
    /// A splitter's parameters do not fit the data or each other.
    #[error("{0}")]
    BadSplit(String),
    /// A fold's training rows hold a single class.
    #[error(
        "fold {fold}: the training rows hold only class '{class}', so no classifier can be \
         trained; use a stratified split (--stratify) or fewer folds"
    )]
    OneClassFold {
        /// 1-based fold number.
        fold: usize,
        /// The only class present.
        class: String,
    },
    /// A candidate specification is invalid.
    #[error("{0}")]
    BadCandidate(String),
    /// A candidate file has a key mosel does not know.
    #[error(
        "{file}, line {line}: unknown key '{key}'{}; valid keys here are: {}",
        suggestion_text(.suggestion),
        .valid.join(", ")
    )]
    UnknownKey {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The key.
        key: String,
        /// The closest valid key, if one is close.
        suggestion: Option<String>,
        /// Every valid key at that place.
        valid: Vec<String>,
    },
    /// A candidate file could not be parsed or has a bad value.
    #[error("{file}, line {line}: {message}")]
    CandidateFile {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No candidate trained successfully.
    #[error("every candidate failed to train; the first error was: {0}")]
    AllFailed(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An error from the data layer.
    #[error(transparent)]
    Data(#[from] mosel_data::DataError),
    /// An error from the training engine.
    #[error(transparent)]
    Train(#[from] mosel_train::TrainError),
    /// An error from the metrics engine.
    #[error(transparent)]
    Metrics(#[from] mosel_metrics::MetricsError),
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = SelectError> = std::result::Result<T, E>;
