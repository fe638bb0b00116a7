//! The typed error returned by every fallible function of this crate.

use thiserror::Error;

/// Everything that can go wrong when computing a metric.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// Two inputs that must describe the same rows have different lengths.
    #[error("length mismatch: {what} has {got} elements but {expected} were expected")]
    LengthMismatch {
        /// Which input is wrong.
        what: &'static str,
        /// Length it should have.
        expected: usize,
        /// Length it has.
        got: usize,
    },
    /// The input has no rows (or a selection left none).
    #[error("empty input: {0}")]
    Empty(&'static str),
    /// A NaN or infinite value where only finite values are allowed.
    #[error("{0} contains NaN or infinite values")]
    NonFinite(&'static str),
    /// A probability outside `[0, 1]`.
    #[error("{what} contains values {side} than {bound}: {value}")]
    ProbabilityOutOfRange {
        /// Which input.
        what: &'static str,
        /// "greater" or "less".
        side: &'static str,
        /// The violated bound (0 or 1).
        bound: f64,
        /// The offending value.
        value: f64,
    },
    /// `average = binary` was requested on data with more than two classes.
    #[error(
        "target is {kind} but average=binary; choose another average setting, one of micro, macro, weighted{samples}"
    )]
    NotBinary {
        /// "multiclass" or "multilabel-indicator".
        kind: &'static str,
        /// ", samples" when samples averaging applies.
        samples: &'static str,
    },
    /// `pos_label` is not one of the labels present in binary data.
    #[error("pos_label={pos_label} is not a valid label; it should be one of {present:?}")]
    InvalidPosLabel {
        /// The requested positive label.
        pos_label: usize,
        /// The labels found in the data.
        present: Vec<usize>,
    },
    /// A class code too large for a dense confusion matrix.
    #[error(
        "class code {code} is too large (at most {max} distinct class codes are supported; map labels to 0..n)"
    )]
    TooManyClasses {
        /// The offending code.
        code: usize,
        /// The maximum supported number of classes.
        max: usize,
    },
    /// A class code at or beyond the declared number of classes.
    #[error("class code {code} is out of range for {n_classes} classes")]
    ClassOutOfRange {
        /// The offending code.
        code: usize,
        /// The declared number of classes.
        n_classes: usize,
    },
    /// Any other invalid argument, with an explanation.
    #[error("{0}")]
    InvalidArgument(String),
    /// The metric is undefined for this input and no replacement value applies.
    #[error("undefined: {0}")]
    Undefined(String),
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, MetricsError>;

pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(MetricsError::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}

pub(crate) fn check_finite(what: &'static str, x: &[f64]) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(MetricsError::NonFinite(what))
    }
}

/// Validates optional sample weights: right length, finite, not all zero.
pub(crate) fn check_weights(w: Option<&[f64]>, n: usize) -> Result<()> {
    if let Some(w) = w {
        check_len("sample_weight", n, w.len())?;
        check_finite("sample_weight", w)?;
        if !w.is_empty() && w.iter().all(|&x| x == 0.0) {
            return Err(invalid(
                "Sample weights must contain at least one non-zero number.",
            ));
        }
    }
    Ok(())
}

pub(crate) fn invalid(msg: impl Into<String>) -> MetricsError {
    MetricsError::InvalidArgument(msg.into())
}
