//! In-memory storage.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Storage, StudyRecord, TrialsDelta};
use crate::error::{Result, TuneError};
use crate::trial::{Direction, FrozenTrial, TrialState, now};

#[derive(Default)]
struct Inner {
    studies: Vec<StudyRecord>,
    /// Per study (same index as `studies`): trials by number, and their finish sequence.
    trials: Vec<Vec<(FrozenTrial, u64)>>,
    seq: Vec<u64>,
    /// trial id → (study index, number)
    by_id: Vec<(usize, usize)>,
}

/// Studies kept in process memory (lost when the process ends).
#[derive(Default)]
pub struct MemoryStorage {
    inner: Mutex<Inner>,
}

impl MemoryStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| TuneError::Storage("memory storage lock poisoned".into()))
    }
}

fn study_idx(inner: &Inner, study_id: i64) -> Result<usize> {
    let i = study_id as usize;
    if i < inner.studies.len() {
        Ok(i)
    } else {
        Err(TuneError::Storage(format!("no study with id {study_id}")))
    }
}

fn trial_mut(inner: &mut Inner, trial_id: i64) -> Result<&mut (FrozenTrial, u64)> {
    let &(s, n) = inner
        .by_id
        .get(trial_id as usize)
        .ok_or_else(|| TuneError::Storage(format!("no trial with id {trial_id}")))?;
    Ok(&mut inner.trials[s][n])
}

fn new_trial(
    inner: &mut Inner,
    s: usize,
    state: TrialState,
    params: String,
    worker: &str,
) -> FrozenTrial {
    let number = inner.trials[s].len() as u64;
    let id = inner.by_id.len() as i64;
    let t = now();
    let trial = FrozenTrial {
        id,
        number,
        state,
        params_json: params,
        params: Vec::new(),
        values: None,
        intermediate: Vec::new(),
        system_attrs: BTreeMap::new(),
        started: (state == TrialState::Running).then_some(t),
        finished: None,
        heartbeat: (state == TrialState::Running).then_some(t),
        worker: worker.to_string(),
    };
    inner.by_id.push((s, number as usize));
    inner.trials[s].push((trial.clone(), 0));
    trial
}

impl Storage for MemoryStorage {
    fn location(&self) -> String {
        "memory".into()
    }

    fn create_study(
        &self,
        name: &str,
        directions: &[Direction],
        space_toml: &str,
    ) -> Result<StudyRecord> {
        let mut g = self.lock()?;
        if g.studies.iter().any(|s| s.name == name) {
            return Err(TuneError::Storage(format!("study `{name}` already exists")));
        }
        let rec = StudyRecord {
            id: g.studies.len() as i64,
            name: name.into(),
            directions: directions.to_vec(),
            space_toml: space_toml.into(),
            created: now(),
        };
        g.studies.push(rec.clone());
        g.trials.push(Vec::new());
        g.seq.push(0);
        Ok(rec)
    }

    fn load_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        Ok(self
            .lock()?
            .studies
            .iter()
            .find(|s| s.name == name)
            .cloned())
    }

    fn set_study_space(&self, study_id: i64, space_toml: &str) -> Result<()> {
        let mut g = self.lock()?;
        let i = study_idx(&g, study_id)?;
        g.studies[i].space_toml = space_toml.into();
        Ok(())
    }

    fn list_studies(&self) -> Result<Vec<StudyRecord>> {
        Ok(self.lock()?.studies.clone())
    }

    fn create_trial(
        &self,
        study_id: i64,
        worker: &str,
        max_trials: Option<u64>,
        params: &mut dyn FnMut(u64) -> Result<String>,
    ) -> Result<Option<FrozenTrial>> {
        let mut g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        if let Some(max) = max_trials {
            let live = g.trials[s]
                .iter()
                .filter(|(t, _)| t.state != TrialState::Fail)
                .count() as u64;
            if live >= max {
                return Ok(None);
            }
        }
        let number = g.trials[s].len() as u64;
        let p = params(number)?;
        Ok(Some(new_trial(&mut g, s, TrialState::Running, p, worker)))
    }

    fn enqueue_trial(
        &self,
        study_id: i64,
        params_json: &str,
        system_attrs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<FrozenTrial> {
        let mut g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        let mut t = new_trial(&mut g, s, TrialState::Waiting, params_json.into(), "");
        t.system_attrs = system_attrs.clone();
        let n = t.number as usize;
        g.trials[s][n].0.system_attrs = system_attrs.clone();
        Ok(t)
    }

    fn claim_waiting(&self, study_id: i64, worker: &str) -> Result<Option<FrozenTrial>> {
        let mut g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        let t0 = now();
        for (t, _) in g.trials[s].iter_mut() {
            if t.state == TrialState::Waiting {
                t.state = TrialState::Running;
                t.worker = worker.into();
                t.started = Some(t0);
                t.heartbeat = Some(t0);
                return Ok(Some(t.clone()));
            }
        }
        Ok(None)
    }

    fn report(&self, trial_id: i64, step: i64, value: f64) -> Result<()> {
        let mut g = self.lock()?;
        let (t, _) = trial_mut(&mut g, trial_id)?;
        match t.intermediate.binary_search_by_key(&step, |&(s, _)| s) {
            Ok(i) => t.intermediate[i].1 = value,
            Err(i) => t.intermediate.insert(i, (step, value)),
        }
        t.heartbeat = Some(now());
        Ok(())
    }

    fn set_system_attr(&self, trial_id: i64, key: &str, value: &serde_json::Value) -> Result<()> {
        let mut g = self.lock()?;
        trial_mut(&mut g, trial_id)?
            .0
            .system_attrs
            .insert(key.into(), value.clone());
        Ok(())
    }

    fn heartbeat(&self, trial_ids: &[i64]) -> Result<()> {
        let mut g = self.lock()?;
        let t0 = now();
        for &id in trial_ids {
            let (t, _) = trial_mut(&mut g, id)?;
            if t.state == TrialState::Running {
                t.heartbeat = Some(t0);
            }
        }
        Ok(())
    }

    fn finish_trial(&self, trial_id: i64, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        let mut g = self.lock()?;
        let &(s, _) = g
            .by_id
            .get(trial_id as usize)
            .ok_or_else(|| TuneError::Storage(format!("no trial with id {trial_id}")))?;
        g.seq[s] += 1;
        let seq = g.seq[s];
        let (t, fseq) = trial_mut(&mut g, trial_id)?;
        if t.state != TrialState::Running {
            return Err(TuneError::Storage(format!(
                "trial {} is {}, not RUNNING",
                t.number, t.state
            )));
        }
        t.state = state;
        t.values = values.map(|v| v.to_vec());
        t.finished = Some(now());
        *fseq = seq;
        Ok(())
    }

    fn fail_stale(
        &self,
        study_id: i64,
        grace_secs: f64,
        requeue: bool,
    ) -> Result<Vec<FrozenTrial>> {
        let mut g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        let t0 = now();
        let mut failed = Vec::new();
        for i in 0..g.trials[s].len() {
            let (t, _) = &g.trials[s][i];
            if t.state == TrialState::Running && t.heartbeat.unwrap_or(0.0) < t0 - grace_secs {
                g.seq[s] += 1;
                let seq = g.seq[s];
                let (t, fseq) = &mut g.trials[s][i];
                t.state = TrialState::Fail;
                t.finished = Some(t0);
                t.system_attrs.insert(
                    "fail_reason".into(),
                    "stale heartbeat (worker died?)".into(),
                );
                *fseq = seq;
                failed.push(t.clone());
            }
        }
        if requeue {
            for f in &failed {
                let mut attrs = BTreeMap::new();
                attrs.insert("retry_of".to_string(), serde_json::json!(f.number));
                let mut t = new_trial(&mut g, s, TrialState::Waiting, f.params_json.clone(), "");
                let n = t.number as usize;
                g.trials[s][n].0.system_attrs = attrs.clone();
                t.system_attrs = attrs;
            }
        }
        Ok(failed)
    }

    fn trials_since(&self, study_id: i64, seq: u64) -> Result<TrialsDelta> {
        let g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        let mut d = TrialsDelta {
            seq: g.seq[s],
            ..Default::default()
        };
        for (t, fseq) in &g.trials[s] {
            if t.state.is_finished() {
                if *fseq > seq {
                    d.finished.push(t.clone());
                }
            } else {
                d.active.push(t.clone());
            }
        }
        Ok(d)
    }

    fn all_trials(&self, study_id: i64) -> Result<Vec<FrozenTrial>> {
        let g = self.lock()?;
        let s = study_idx(&g, study_id)?;
        Ok(g.trials[s].iter().map(|(t, _)| t.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn conformance() {
        super::super::conformance::run(&super::MemoryStorage::new(), "conf");
    }
}
