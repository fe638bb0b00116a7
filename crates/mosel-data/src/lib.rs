//! mosel-data: load tables (CSV, Parquet), infer their schema, choose the target and task,
//! and turn rows into a dense design matrix with a preprocessing pipeline that is fitted on
//! training rows and applied to others.

pub mod matrix;
pub mod task;

pub use matrix::Matrix;
pub use task::{Target, Task};
