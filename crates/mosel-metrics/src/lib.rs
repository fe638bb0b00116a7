//! mosel-metrics: scikit-learn-exact evaluation metrics, streaming and mergeable,
//! with bootstrap confidence intervals and paired statistical tests.
//!
//! * [`classification`]: accuracy, precision / recall / F-beta, confusion matrix,
//!   balanced accuracy, MCC, Cohen's kappa, Hamming loss (labels as integer codes).
//! * [`multilabel`]: the same set-wise metrics on indicator matrices.
//! * [`multilabel_scores`]: ROC-AUC (also partial) and average precision on indicator
//!   matrices, averaged over labels or rows.
//! * [`ranking`]: ROC / PR curves, ROC-AUC (binary, partial, OvR, OvO), average precision,
//!   top-k accuracy.
//! * [`probability`]: log-loss, Brier score, calibration curve, expected calibration error.
//! * [`regression`]: MSE, RMSE, MAE, median AE, max error, MAPE, R², explained variance.
//! * [`bootstrap`]: percentile and BCa confidence intervals for any metric.
//! * [`paired`]: McNemar, paired bootstrap, DeLong, corrected resampled t-test, Holm.
//! * [`stats`]: the distribution functions these need.
//!
//! This crate depends on no other mosel crate. Fallible functions return
//! [`MetricsError`]; nothing panics on bad input.

pub mod bootstrap;
mod buffer;
pub mod classification;
mod confusion;
pub mod error;
mod label;
mod matrix;
pub mod multilabel;
pub mod multilabel_scores;
pub mod paired;
pub mod probability;
mod rank;
pub mod ranking;
pub mod regression;
mod scan;
mod sort;
pub mod stats;

pub use error::{MetricsError, Result};
pub use label::{Label, MAX_CLASSES};
pub use matrix::ScoreMatrix;
