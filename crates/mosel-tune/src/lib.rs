//! mosel-tune: a general study engine for hyperparameter search on any user objective.
//!
//! A [`Study`](study::Study) asks a [`Sampler`](sampler::Sampler) for parameters from a
//! [`SearchSpace`](space::SearchSpace), runs trials through an ask / tell interface (or
//! [`optimize`](study::Study::optimize)), prunes hopeless trials from their intermediate values
//! with a [`Pruner`](pruner::Pruner), and stores every trial state change in a
//! [`Storage`](storage::Storage): in memory, SQLite or PostgreSQL.
//!
//! It depends on no other mosel crate: the objective is any closure.

pub mod error;
pub mod importance;
pub mod pareto;
pub mod pruner;
pub mod sampler;
pub mod space;
pub mod storage;
pub mod study;
pub mod testfns;
pub mod trial;
mod truncnorm;
pub mod workers;

pub use error::{Result, TuneError};

/// The common imports.
pub mod prelude {
    pub use crate::error::{Result, TuneError};
    pub use crate::pruner::{AshaPruner, MedianPruner, Pruner};
    pub use crate::sampler::{GridSampler, RandomSampler, Sampler, TpeConfig, TpeSampler};
    pub use crate::space::{Choice, ParamValue, SearchSpace};
    pub use crate::storage::{MemoryStorage, PostgresStorage, SqliteStorage, Storage};
    pub use crate::study::{
        OptimizeOptions, OptimizeSummary, Study, Trial, TrialError, TrialOutcome,
    };
    pub use crate::trial::{Direction, FrozenTrial, TrialState};
}
