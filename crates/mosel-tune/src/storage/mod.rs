//! Where studies live: one [`Storage`] trait, three backends.
//!
//! - [`MemoryStorage`]: in-process, for tests and throw-away studies.
//! - [`SqliteStorage`]: `sqlite:///path/to/study.db`, one file in WAL mode; every trial state
//!   change is its own committed transaction, so `kill -9` loses no finished trial.
//! - [`PostgresStorage`]: `postgres://user@host/db`, for many workers on many machines; trial
//!   numbers and budgets are allocated under a row lock and queued trials are claimed with
//!   `FOR UPDATE SKIP LOCKED`, so no trial is run twice and none is lost.

mod memory;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use memory::MemoryStorage;
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use crate::error::{Result, TuneError};
use crate::trial::{Direction, FrozenTrial, TrialState};

/// Schema version written by this build.
pub const SCHEMA_VERSION: i64 = 1;

/// A study as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyRecord {
    /// Storage id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Objective directions.
    pub directions: Vec<Direction>,
    /// The search space as TOML.
    pub space_toml: String,
    /// Unix creation time.
    pub created: f64,
}

/// Trials that changed since a watermark (see [`Storage::trials_since`]).
#[derive(Clone, Debug, Default)]
pub struct TrialsDelta {
    /// Trials that finished after the watermark.
    pub finished: Vec<FrozenTrial>,
    /// Every RUNNING or WAITING trial.
    pub active: Vec<FrozenTrial>,
    /// New watermark.
    pub seq: u64,
}

/// Persistence of studies and trials. Every method is one atomic step; implementations are
/// shared between threads.
pub trait Storage: Send + Sync {
    /// Human-readable location (file path or `host:port/db`), never a password.
    fn location(&self) -> String;

    /// Creates a study; fails if the name exists.
    fn create_study(
        &self,
        name: &str,
        directions: &[Direction],
        space_toml: &str,
    ) -> Result<StudyRecord>;

    /// Reads a study by name.
    fn load_study(&self, name: &str) -> Result<Option<StudyRecord>>;

    /// Replaces a study's stored space (used when continuing a study with a new space).
    fn set_study_space(&self, study_id: i64, space_toml: &str) -> Result<()>;

    /// Every study.
    fn list_studies(&self) -> Result<Vec<StudyRecord>>;

    /// Atomically allocates the next trial number, calls `params(number)` for the encoded
    /// parameters and inserts the trial as RUNNING for `worker`. When `max_trials` is given
    /// and the study already has that many trials that are not FAIL, nothing is created and
    /// `None` is returned.
    fn create_trial(
        &self,
        study_id: i64,
        worker: &str,
        max_trials: Option<u64>,
        params: &mut dyn FnMut(u64) -> Result<String>,
    ) -> Result<Option<FrozenTrial>>;

    /// Queues a trial with fixed parameters (state WAITING).
    fn enqueue_trial(
        &self,
        study_id: i64,
        params_json: &str,
        system_attrs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<FrozenTrial>;

    /// Claims the oldest WAITING trial for `worker` (it becomes RUNNING), if any. Two workers
    /// never claim the same trial.
    fn claim_waiting(&self, study_id: i64, worker: &str) -> Result<Option<FrozenTrial>>;

    /// Records an intermediate value (replacing one at the same step) and refreshes the
    /// trial's heartbeat.
    fn report(&self, trial_id: i64, step: i64, value: f64) -> Result<()>;

    /// Sets one system attribute of a trial.
    fn set_system_attr(&self, trial_id: i64, key: &str, value: &serde_json::Value) -> Result<()>;

    /// Refreshes the heartbeat of running trials.
    fn heartbeat(&self, trial_ids: &[i64]) -> Result<()>;

    /// Moves a RUNNING trial to a finished state with its values. Fails if the trial is not
    /// RUNNING (finished twice, or failed as stale meanwhile).
    fn finish_trial(&self, trial_id: i64, state: TrialState, values: Option<&[f64]>) -> Result<()>;

    /// Marks RUNNING trials whose heartbeat is older than `grace_secs` as FAIL; when `requeue`,
    /// each gets a WAITING copy with the same parameters (attribute `retry_of`). Returns the
    /// failed trials.
    fn fail_stale(&self, study_id: i64, grace_secs: f64, requeue: bool)
    -> Result<Vec<FrozenTrial>>;

    /// Trials finished after watermark `seq`, every active trial, and the new watermark.
    fn trials_since(&self, study_id: i64, seq: u64) -> Result<TrialsDelta>;

    /// Every trial of a study, by number.
    fn all_trials(&self, study_id: i64) -> Result<Vec<FrozenTrial>>;
}

/// Opens a storage from a URL: `sqlite:///path/to.db`, `postgres://user@host/db`
/// (`postgresql://` too), or `memory`.
pub fn open(url: &str) -> Result<Arc<dyn Storage>> {
    if url == "memory" || url == "memory://" || url == ":memory:" {
        return Ok(Arc::new(MemoryStorage::new()));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(TuneError::StorageUrl {
                url: url.into(),
                msg: "no file path; write sqlite:///path/to/study.db".into(),
            });
        }
        return Ok(Arc::new(SqliteStorage::open(path)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStorage::connect(url)?));
    }
    Err(TuneError::StorageUrl {
        url: redact(url),
        msg: "unknown scheme; use sqlite:///path/to/study.db or postgres://user@host/db".into(),
    })
}

/// Removes a password from a URL for messages.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

pub(crate) fn directions_to_json(d: &[Direction]) -> String {
    serde_json::to_string(&d.iter().map(|d| d.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

pub(crate) fn directions_from_json(s: &str) -> Result<Vec<Direction>> {
    let v: Vec<String> = serde_json::from_str(s)
        .map_err(|e| TuneError::Storage(format!("bad stored directions `{s}`: {e}")))?;
    v.iter()
        .map(|d| {
            Direction::parse(d)
                .ok_or_else(|| TuneError::Storage(format!("bad stored direction `{d}`")))
        })
        .collect()
}

pub(crate) fn values_to_json(v: Option<&[f64]>) -> Option<String> {
    v.map(|v| serde_json::to_string(v).unwrap_or_else(|_| "[]".into()))
}

pub(crate) fn values_from_json(s: Option<String>) -> Option<Vec<f64>> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

pub(crate) fn attrs_from_json(s: &str) -> BTreeMap<String, serde_json::Value> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn attrs_to_json(a: &BTreeMap<String, serde_json::Value>) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| "{}".into())
}

pub(crate) fn parse_state(s: &str) -> Result<TrialState> {
    TrialState::parse(s).ok_or_else(|| TuneError::Storage(format!("bad stored trial state `{s}`")))
}

/// Shared tests run against every backend.
#[cfg(test)]
pub(crate) mod conformance {
    use super::*;

    pub fn run(s: &dyn Storage, name: &str) {
        let dirs = [Direction::Minimize];
        let st = s.create_study(name, &dirs, "[x]\n").unwrap();
        assert!(s.create_study(name, &dirs, "[x]\n").is_err());
        assert_eq!(s.load_study(name).unwrap().unwrap(), st);
        assert!(s.load_study("nope").unwrap().is_none());
        let t0 = s
            .create_trial(st.id, "w1", None, &mut |n| Ok(format!("{{\"x\":{n}}}")))
            .unwrap()
            .unwrap();
        assert_eq!((t0.number, t0.state), (0, TrialState::Running));
        assert_eq!(t0.params_json, "{\"x\":0}");
        let t1 = s
            .create_trial(st.id, "w1", Some(2), &mut |_| Ok("{}".into()))
            .unwrap()
            .unwrap();
        assert_eq!(t1.number, 1);
        assert!(
            s.create_trial(st.id, "w1", Some(2), &mut |_| Ok("{}".into()))
                .unwrap()
                .is_none(),
            "budget of 2 reached"
        );
        s.report(t0.id, 0, 1.5).unwrap();
        s.report(t0.id, 1, f64::NAN).unwrap();
        s.report(t0.id, 1, 0.5).unwrap();
        s.set_system_attr(t0.id, "completed_rung_0", &serde_json::json!(1.5))
            .unwrap();
        let d = s.trials_since(st.id, 0).unwrap();
        assert!(d.finished.is_empty());
        assert_eq!(d.active.len(), 2);
        let a0 = d.active.iter().find(|t| t.number == 0).unwrap();
        assert_eq!(a0.intermediate, vec![(0, 1.5), (1, 0.5)]);
        assert_eq!(a0.system_attrs["completed_rung_0"], serde_json::json!(1.5));
        s.finish_trial(t0.id, TrialState::Complete, Some(&[0.25]))
            .unwrap();
        assert!(
            s.finish_trial(t0.id, TrialState::Complete, Some(&[0.25]))
                .is_err()
        );
        let d2 = s.trials_since(st.id, d.seq).unwrap();
        assert_eq!(d2.finished.len(), 1);
        assert_eq!(d2.finished[0].values, Some(vec![0.25]));
        assert!(d2.finished[0].finished.is_some());
        assert_eq!(d2.active.len(), 1);
        let d3 = s.trials_since(st.id, d2.seq).unwrap();
        assert!(d3.finished.is_empty());
        // Stale detection: trial 1 has a fresh heartbeat; a grace of -1 s makes it stale.
        assert!(s.fail_stale(st.id, 3600.0, true).unwrap().is_empty());
        let failed = s.fail_stale(st.id, -1.0, true).unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].number, 1);
        let all = s.all_trials(st.id).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].state, TrialState::Fail);
        assert_eq!(all[2].state, TrialState::Waiting);
        assert_eq!(all[2].system_attrs["retry_of"], serde_json::json!(1));
        let c = s.claim_waiting(st.id, "w2").unwrap().unwrap();
        assert_eq!(
            (c.number, c.state, c.worker.as_str()),
            (2, TrialState::Running, "w2")
        );
        assert!(s.claim_waiting(st.id, "w2").unwrap().is_none());
        s.finish_trial(c.id, TrialState::Pruned, Some(&[0.5]))
            .unwrap();
        s.heartbeat(&[c.id]).unwrap();
        let q = s
            .enqueue_trial(st.id, "{\"x\":9}", &BTreeMap::new())
            .unwrap();
        assert_eq!((q.number, q.state), (3, TrialState::Waiting));
        s.set_study_space(st.id, "[y]\n").unwrap();
        assert_eq!(s.load_study(name).unwrap().unwrap().space_toml, "[y]\n");
        assert!(s.list_studies().unwrap().iter().any(|r| r.name == name));
    }
}
