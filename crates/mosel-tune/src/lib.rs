//! mosel-tune: a general study engine for hyperparameter search on any user objective.
//!
//! A [`Study`](study::Study) asks a [`Sampler`](sampler::Sampler) for parameters from a
//! [`SearchSpace`](space::SearchSpace), runs trials through an ask / tell interface (or
//! [`optimize`](study::Study::optimize)), prunes hopeless trials from their intermediate values,
//! and stores every trial state change in a [`Storage`](storage::Storage): in memory, SQLite
//! or PostgreSQL.

pub mod error;
pub mod space;

pub use error::{Result, TuneError};
