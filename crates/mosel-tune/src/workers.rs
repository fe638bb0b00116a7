//! Worker ids and the trials of workers that died.
//!
//! A trial records the worker that runs it as `pid@host` (`pid@host#n` for the n-th study
//! opened by the same process). When a worker is killed, its RUNNING trials stay RUNNING
//! until their heartbeat is older than the grace period ([`crate::storage::Storage::fail_stale`]).
//! A worker on the same machine can tell at once that the process is gone:
//! [`requeue_dead_local_workers`] fails those trials and queues them again.

use std::collections::BTreeMap;

use serde_json::json;

use crate::error::Result;
use crate::storage::Storage;
use crate::trial::TrialState;

/// This machine's name as worker ids write it: `/etc/hostname`, else `$HOSTNAME`, else
/// `localhost`.
pub fn local_host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// The process id and host of a worker id (`pid@host` or `pid@host#n`).
pub fn parse_worker(worker: &str) -> Option<(u32, &str)> {
    let (pid, host) = worker.split_once('@')?;
    let host = host.split('#').next().unwrap_or(host);
    Some((pid.parse().ok()?, host))
}

/// Whether process `pid` of this machine exists (possibly owned by another user). Where
/// that cannot be checked, every process counts as alive.
pub fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 sends nothing; it only checks that the process exists and may
        // be signalled.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Fails the RUNNING trials of study `study` whose worker was a process of this machine
/// that no longer exists (a killed run), and queues each again with the same parameters
/// (attribute `retry_of`), so that the next run redoes them at once instead of waiting for
/// their heartbeat to go stale. Trials of this process and of other machines are left
/// alone. Returns how many trials were re-queued (0 for a study that does not exist).
pub fn requeue_dead_local_workers(storage: &dyn Storage, study: &str) -> Result<usize> {
    let Some(rec) = storage.load_study(study)? else {
        return Ok(0);
    };
    let (me, host) = (std::process::id(), local_host());
    let mut requeued = 0;
    for t in storage.all_trials(rec.id)? {
        if t.state != TrialState::Running {
            continue;
        }
        let Some((pid, h)) = parse_worker(&t.worker) else {
            continue;
        };
        if h != host || pid == me || process_alive(pid) {
            continue;
        }
        storage.set_system_attr(
            t.id,
            "fail_reason",
            &json!(format!("worker {} is no longer running", t.worker)),
        )?;
        // Fails when the trial finished meanwhile: then there is nothing to redo.
        if storage.finish_trial(t.id, TrialState::Fail, None).is_ok() {
            let mut attrs = BTreeMap::new();
            attrs.insert("retry_of".to_string(), json!(t.number));
            storage.enqueue_trial(rec.id, &t.params_json, &attrs)?;
            requeued += 1;
        }
    }
    Ok(requeued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;
    use crate::trial::Direction;

    #[test]
    fn worker_ids_parse() {
        assert_eq!(parse_worker("123@box"), Some((123, "box")));
        assert_eq!(parse_worker("123@box#2"), Some((123, "box")));
        assert_eq!(parse_worker("box"), None);
        assert_eq!(parse_worker("x@box"), None);
    }

    #[test]
    fn this_process_is_alive_and_pid_max_plus_is_not() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(i32::MAX as u32));
    }

    /// Trials of a dead local process are failed and queued again; those of this process,
    /// of a live process and of another machine are not.
    #[test]
    fn only_dead_local_workers_lose_their_trials() {
        let st = MemoryStorage::new();
        let rec = st
            .create_study(
                "s",
                &[Direction::Maximize],
                "[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n",
            )
            .unwrap();
        // A child that has exited and been reaped: its pid names no process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        let dead = child.id();
        let host = local_host();
        let workers = [
            format!("{dead}@{host}"),
            format!("{}@{host}", std::process::id()),
            format!("{dead}@another-machine"),
            format!("1@{host}#3"), // init: alive
        ];
        for (i, w) in workers.iter().enumerate() {
            let params = format!("{{\"x\": {}}}", i as f64 / 10.0);
            st.create_trial(rec.id, w, None, &mut |_| Ok(params.clone()))
                .unwrap()
                .unwrap();
        }
        assert_eq!(requeue_dead_local_workers(&st, "s").unwrap(), 1);
        let trials = st.all_trials(rec.id).unwrap();
        let states: Vec<TrialState> = trials.iter().map(|t| t.state).collect();
        use TrialState::*;
        assert_eq!(states, [Fail, Running, Running, Running, Waiting]);
        assert_eq!(trials[4].params_json, trials[0].params_json);
        assert_eq!(trials[4].system_attrs["retry_of"], json!(0));
        // Nothing left to re-queue; an unknown study has nothing.
        assert_eq!(requeue_dead_local_workers(&st, "s").unwrap(), 0);
        assert_eq!(requeue_dead_local_workers(&st, "none").unwrap(), 0);
    }
}
