//! mosel-data: load tables (CSV, Parquet), infer their schema, choose the target and task,
//! and turn rows into a dense design matrix with a preprocessing pipeline that is fitted on
//! training rows and applied to others.
//!
//! ```
//! use mosel_data::{DataSource, Pipeline, PipelineOptions, Problem, ReadOptions};
//!
//! let table = DataSource::Bundled("iris".into()).load(&ReadOptions::default())?;
//! let problem = Problem::new(table, "species", None)?;
//! let train: Vec<usize> = (0..100).collect();
//! let pipeline = Pipeline::fit(&problem.features, Some(&train), &PipelineOptions::default())?;
//! let x = pipeline.transform(&problem.features, None)?;
//! assert_eq!((x.n_rows, x.n_cols), (150, 4));
//! # Ok::<(), mosel_data::DataError>(())
//! ```

pub mod csv_reader;
pub mod datasets;
pub mod error;
pub mod matrix;
pub mod matrix_csv;
pub mod parquet_reader;
pub mod pipeline;
pub mod problem;
pub mod schema;
pub mod source;
pub mod table;
pub mod task;

pub use csv_reader::ReadOptions;
pub use error::{DataError, Result};
pub use matrix::Matrix;
pub use pipeline::{Impute, Pipeline, PipelineOptions, UnknownCategory};
pub use problem::Problem;
pub use schema::{Schema, describe};
pub use source::DataSource;
pub use table::{Column, ColumnData, ColumnKind, Table};
pub use task::{Target, Task};
