//! mosel-select: model selection done honestly.
//!
//! * [`split`]: hold-out, k-fold, stratified, group, stratified-group, time-series and
//!   shuffle splits, repeated and seeded; the non-shuffled ones fold exactly as
//!   scikit-learn does.
//! * [`candidate`]: candidates (model + optimizer + hyperparameters + preprocessing) from
//!   flags, TOML files or the default set for the task.

pub mod candidate;
pub mod error;
pub mod split;

pub use candidate::{Candidate, default_candidates};
pub use error::{Result, SelectError};
pub use split::{Fold, SplitData, Splitter, Strategy};
