//! mosel-select: model selection done honestly.
//!
//! * [`split`]: hold-out, k-fold, stratified, group, stratified-group, time-series and
//!   shuffle splits, repeated and seeded; the non-shuffled ones fold exactly as
//!   scikit-learn does.
//! * [`candidate`]: candidates (model + optimizer + hyperparameters + preprocessing) from
//!   flags, TOML files or the default set for the task.
//! * [`cv`]: the cross-validation engine: every candidate on the same folds, in parallel,
//!   the preprocessing fitted inside each fold, out-of-fold predictions kept.
//! * [`leaderboard`](mod@leaderboard): means, spreads, corrected intervals, p-values against the best
//!   (Holm-adjusted), the best-mean and one-standard-error rules.
//! * [`select`](mod@select): the whole selection, nested cross-validation and the refit of the winner.
//! * [`results`]: the versioned JSON results schema.
//! * [`tuning`]: mosel's models in a `mosel-tune` study: the default search space per task,
//!   trial parameters to candidates, the cross-validated trial objective with pruning.
//!
//! ```no_run
//! use mosel_data::{DataSource, ReadOptions};
//! use mosel_select::cv::{CvData, CvOptions};
//! use mosel_select::split::{Splitter, Strategy};
//! use mosel_select::{Rule, SelectOptions, default_candidates, select};
//!
//! let table = DataSource::Bundled("breast-cancer".into()).load(&ReadOptions::default())?;
//! let data = CvData::new(table, "diagnosis", None, None, None)?;
//! let task = data.problem.task;
//! let splitter = Splitter::new(Strategy::StratifiedKFold { k: 5, shuffle: true });
//! let options = SelectOptions {
//!     cv: CvOptions::new(splitter, task),
//!     rule: Rule::OneSe,
//!     alpha: 0.05,
//!     nested: None,
//!     refit: true,
//! };
//! let selection = select(&data, &default_candidates(task, data.n_rows()), &options, None)?;
//! let winner = selection.leaderboard.selected.unwrap();
//! println!("{}", selection.run.candidates[winner].candidate.name);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod candidate;
pub mod cv;
pub mod error;
pub mod family;
pub mod leaderboard;
pub mod metric;
mod nan;
pub mod refit;
pub mod results;
pub mod select;
pub mod space;
pub mod split;
pub mod tuning;

pub use candidate::{Candidate, default_candidates};
pub use cv::{CvData, CvOptions, CvRun, cross_validate};
pub use error::{Result, SelectError};
pub use leaderboard::{Leaderboard, Rule, leaderboard};
pub use metric::Metric;
pub use results::SelectionResults;
pub use select::{SelectOptions, Selection, select};
pub use split::{Fold, SplitData, Splitter, Strategy};
