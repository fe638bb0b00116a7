//! mosel-train: losses, optimizers, models (linear, logistic and softmax regression, MLPs),
//! regularisation, early stopping and model files.
//!
//! A model is built from a serialisable [`TrainConfig`] (model kind, loss, optimizer and
//! hyperparameters), trained with [`Learner::fit`] and queried with [`Learner::predict`];
//! cross-validation and tuning only need those, plus [`Learner::n_params`] and the
//! per-epoch [`History`] / [`FitOptions::on_epoch`] callback. [`Learner::fit_from`] starts a
//! fit from the parameters of a previous one (a warm start, e.g. along a regularisation
//! path).
//!
//! The classic worked example: fit `y = x` on `x = 1, 2, 3, 4` by full-batch gradient
//! descent. The model has a parameter per feature (one slope) **and an intercept**, and
//! converges to slope 1, intercept 0:
//!
//! ```
//! use mosel_data::{Matrix, Target};
//! use mosel_train::{FitOptions, Learner, Model, ModelKind, OptimizerSpec, TrainConfig};
//!
//! let x = Matrix::from_vec(vec![1.0, 2.0, 3.0, 4.0], 4, 1).unwrap(); // 4 rows, 1 feature
//! let y = Target::Values(vec![1.0, 2.0, 3.0, 4.0]);
//! let cfg = TrainConfig {
//!     model: ModelKind::Linear,
//!     optimizer: OptimizerSpec::Gd, // θ ← θ − α ∇MSE(θ), all rows every step
//!     lr: Some(0.05),
//!     epochs: 2000,
//!     ..TrainConfig::default()
//! };
//! let mut model = Model::new(cfg)?;
//! let history = model.fit(&x, &y, FitOptions::default())?;
//! let (slope, intercept) = model.coefficients().unwrap();
//! assert!((slope[0] - 1.0).abs() < 1e-6, "slope {}", slope[0]);
//! assert!(intercept[0].abs() < 1e-6, "intercept {}", intercept[0]);
//! assert!(history.last().unwrap().train_loss < 1e-12);
//! # Ok::<(), mosel_train::TrainError>(())
//! ```

pub mod config;
pub mod error;
pub mod file;
pub mod lbfgs;
pub mod loss;
pub mod model;
pub mod net;
pub mod optim;

pub use config::{Activation, EarlyStopping, Init, ModelKind, TrainConfig};
pub use error::{Result, TrainError};
pub use file::{ModelFile, ModelHeader, SaveInfo, SavedModel, Tensor, TrainSummary};
pub use loss::{Labels, Loss};
pub use model::{
    Control, EpochRecord, FitOptions, Fitted, History, HistoryMetric, Learner, Model, Predictions,
    StopReason,
};
pub use optim::{Optimizer, OptimizerSpec, Schedule, clip_grad_norm};
