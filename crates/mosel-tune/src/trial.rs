//! Trial states, directions and the stored form of a trial.

use std::collections::BTreeMap;

use crate::space::{ParamValue, SearchSpace};

/// Lifecycle state of a trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrialState {
    /// Queued (enqueued by hand or re-queued from a dead worker), not started.
    Waiting,
    /// Being evaluated by a worker.
    Running,
    /// Finished with its objective value(s).
    Complete,
    /// Stopped early by a pruner; its intermediate values are kept.
    Pruned,
    /// The objective failed (or the worker died).
    Fail,
}

impl TrialState {
    /// Name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Waiting => "WAITING",
            TrialState::Running => "RUNNING",
            TrialState::Complete => "COMPLETE",
            TrialState::Pruned => "PRUNED",
            TrialState::Fail => "FAIL",
        }
    }

    /// Parses [`as_str`](TrialState::as_str)'s output.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "WAITING" => TrialState::Waiting,
            "RUNNING" => TrialState::Running,
            "COMPLETE" => TrialState::Complete,
            "PRUNED" => TrialState::Pruned,
            "FAIL" => TrialState::Fail,
            _ => return None,
        })
    }

    /// True for COMPLETE, PRUNED and FAIL.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TrialState::Complete | TrialState::Pruned | TrialState::Fail
        )
    }
}

impl std::fmt::Display for TrialState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an objective is minimised or maximised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smaller is better.
    Minimize,
    /// Larger is better.
    Maximize,
}

impl Direction {
    /// `"minimize"` or `"maximize"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        }
    }

    /// Parses `minimize`/`min`/`maximize`/`max`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "minimize" | "min" => Some(Direction::Minimize),
            "maximize" | "max" => Some(Direction::Maximize),
            _ => None,
        }
    }

    /// +1 for minimise, -1 for maximise: `sign * value` is then always minimised.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Minimize => 1.0,
            Direction::Maximize => -1.0,
        }
    }

    /// True when `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }
}

/// Formats directions as `minimize,maximize`.
pub fn directions_to_string(d: &[Direction]) -> String {
    d.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
}

/// A trial as read back from storage.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenTrial {
    /// Storage id (unique in the database).
    pub id: i64,
    /// Number within its study (0, 1, 2, ...).
    pub number: u64,
    /// State.
    pub state: TrialState,
    /// Parameters in the deterministic JSON encoding of [`SearchSpace::encode`].
    pub params_json: String,
    /// Parameters in internal representation (NaN = inactive), decoded with the study's space;
    /// empty when read without a space.
    pub params: Vec<f64>,
    /// Objective values (one per direction) for COMPLETE trials.
    pub values: Option<Vec<f64>>,
    /// Intermediate values reported as `(step, value)`, sorted by step.
    pub intermediate: Vec<(i64, f64)>,
    /// Engine attributes (pruner rungs, retry links, failure message, ...).
    pub system_attrs: BTreeMap<String, serde_json::Value>,
    /// Unix time the trial started running.
    pub started: Option<f64>,
    /// Unix time the trial finished.
    pub finished: Option<f64>,
    /// Unix time of the last heartbeat of a running trial.
    pub heartbeat: Option<f64>,
    /// Id of the worker that ran it (`pid@host`).
    pub worker: String,
}

impl FrozenTrial {
    /// The single objective value (first value) of a COMPLETE trial.
    pub fn value(&self) -> Option<f64> {
        self.values.as_ref().and_then(|v| v.first().copied())
    }

    /// Last reported `(step, value)`.
    pub fn last_intermediate(&self) -> Option<(i64, f64)> {
        self.intermediate.last().copied()
    }

    /// Wall time in seconds between start and finish.
    pub fn duration(&self) -> Option<f64> {
        Some(self.finished? - self.started?)
    }

    /// Active parameters as `(name, value)` pairs, in space order.
    pub fn param_values<'a>(&self, space: &'a SearchSpace) -> Vec<(&'a str, ParamValue)> {
        space
            .params()
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let x = *self.params.get(i)?;
                (!x.is_nan()).then(|| (p.name.as_str(), p.dist.to_external(x)))
            })
            .collect()
    }

    /// Parameters as a JSON object (parsed from the stored encoding).
    pub fn params_object(&self) -> serde_json::Value {
        serde_json::from_str(&self.params_json).unwrap_or(serde_json::Value::Null)
    }
}

/// Current Unix time in seconds.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
