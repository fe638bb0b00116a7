//! mosel-train: losses, optimizers, models (linear, logistic, softmax regression, MLP),
//! regularisation, early stopping and model files.
pub mod error;
pub mod lbfgs;
pub mod loss;
pub mod optim;

pub use error::{Result, TrainError};
pub use loss::{Labels, Loss};
pub use optim::{Optimizer, OptimizerSpec, Schedule, clip_grad_norm};
