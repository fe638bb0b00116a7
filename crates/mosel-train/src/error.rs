//! Typed errors of the training engine.

use thiserror::Error;

/// Everything that can go wrong while configuring, training, predicting with, saving or
/// loading a model.
#[derive(Debug, Error)]
pub enum TrainError {
    /// The configuration is inconsistent (e.g. a negative learning rate).
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// The training data is empty.
    #[error("no training rows")]
    Empty,
    /// The features and the target have different row counts.
    #[error("the features have {features} rows but the target has {target}")]
    RowMismatch {
        /// Rows of the feature matrix.
        features: usize,
        /// Rows of the target.
        target: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("feature {} has a non-finite value ({value}) in row {row}{}", column_label(.column, .name), hint_nonfinite())]
    NonFiniteFeature {
        /// Row index (0-based) in the matrix given to the model.
        row: usize,
        /// Column index (0-based).
        column: usize,
        /// Column name, when known.
        name: Option<String>,
        /// The offending value.
        value: f32,
    },
    /// A target value is NaN or infinite.
    #[error("the target has a non-finite value ({value}) in row {row}")]
    NonFiniteTarget {
        /// Row index (0-based).
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// Classification with fewer than two classes present in the training rows.
    #[error("the training rows contain only one class ({label}); a classifier needs at least two")]
    OneClass {
        /// The only label present.
        label: String,
    },
    /// The target kind does not fit the model (e.g. class labels for linear regression).
    #[error("target does not fit the model: {0}")]
    TargetMismatch(String),
    /// The feature matrix has a different width from the one the model was fitted on.
    #[error("the model was fitted on {expected} features but got {got}")]
    FeatureCount {
        /// Features at fit time.
        expected: usize,
        /// Features given now.
        got: usize,
    },
    /// The loss became NaN/Inf or exploded.
    #[error(
        "training diverged at epoch {epoch} (loss = {loss}) with learning rate {lr}: \
         try a smaller learning rate, e.g. {suggested}"
    )]
    Diverged {
        /// Epoch (1-based) at which divergence was detected.
        epoch: usize,
        /// The loss value seen.
        loss: f64,
        /// Learning rate in use.
        lr: f64,
        /// A suggested smaller learning rate.
        suggested: f64,
    },
    /// `fit_from` got a parameter vector of the wrong length.
    #[error(
        "the initial parameters have {got} values but this model and data need {expected} (warm starts need a previous fit of the same architecture)"
    )]
    InitParams {
        /// Parameters the model has for this data.
        expected: usize,
        /// Parameters given.
        got: usize,
    },
    /// `predict` called before `fit`.
    #[error("the model has not been fitted")]
    NotFitted,
    /// The model file could not be read or written.
    #[error("model file {path}: {source}")]
    Io {
        /// Path of the file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The model file is damaged: truncated, altered, or not a mosel model file.
    #[error("model file is corrupt: {0}")]
    CorruptFile(String),
    /// The model file was written by an incompatible version or holds an unknown model.
    #[error("model file is incompatible: {0}")]
    IncompatibleFile(String),
}

fn column_label(column: &usize, name: &Option<String>) -> String {
    match name {
        Some(n) => format!("'{n}' (column {column})"),
        None => format!("column {column}"),
    }
}

fn hint_nonfinite() -> &'static str {
    ": impute or drop missing values before training"
}

/// Result alias of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
