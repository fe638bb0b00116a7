//! SQLite storage: one file, WAL mode, one committed transaction per trial state change.
//!
//! Durability: `synchronous = NORMAL` in WAL mode makes every committed transaction survive a
//! crash of the process (`kill -9`): the WAL is written before `COMMIT` returns. Surviving a
//! power loss too needs `synchronous = FULL`: add `?synchronous=full` to the URL.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    SCHEMA_VERSION, Storage, StudyRecord, TrialsDelta, attrs_from_json, attrs_to_json,
    directions_from_json, directions_to_json, parse_state, values_from_json, values_to_json,
};
use crate::error::{Result, TuneError};
use crate::trial::{Direction, FrozenTrial, TrialState, now};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mosel_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    directions TEXT NOT NULL,
    space TEXT NOT NULL,
    created REAL NOT NULL,
    finish_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS trials (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    vals TEXT,
    system_attrs TEXT NOT NULL DEFAULT '{}',
    started REAL,
    finished REAL,
    heartbeat REAL,
    worker TEXT NOT NULL DEFAULT '',
    finish_seq INTEGER,
    UNIQUE (study_id, number)
);
CREATE INDEX IF NOT EXISTS trials_by_state ON trials (study_id, state);
CREATE INDEX IF NOT EXISTS trials_by_seq ON trials (study_id, finish_seq);
CREATE TABLE IF NOT EXISTS intermediate (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    step INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (trial_id, step)
);
";

const TRIAL_COLS: &str =
    "id, number, state, params, vals, system_attrs, started, finished, heartbeat, worker";

/// Studies in one SQLite file.
pub struct SqliteStorage {
    path: String,
    conn: Mutex<Connection>,
}

fn db_err(e: rusqlite::Error) -> TuneError {
    TuneError::Storage(format!("sqlite: {e}"))
}

fn read_trial(r: &rusqlite::Row<'_>) -> rusqlite::Result<(FrozenTrial, String)> {
    let state: String = r.get(2)?;
    Ok((
        FrozenTrial {
            id: r.get(0)?,
            number: r.get::<_, i64>(1)? as u64,
            state: TrialState::Fail,
            params_json: r.get(3)?,
            params: Vec::new(),
            values: values_from_json(r.get(4)?),
            intermediate: Vec::new(),
            system_attrs: attrs_from_json(&r.get::<_, String>(5)?),
            started: r.get(6)?,
            finished: r.get(7)?,
            heartbeat: r.get(8)?,
            worker: r.get(9)?,
        },
        state,
    ))
}

fn finish_read(v: Vec<(FrozenTrial, String)>) -> Result<Vec<FrozenTrial>> {
    v.into_iter()
        .map(|(mut t, s)| {
            t.state = parse_state(&s)?;
            Ok(t)
        })
        .collect()
}

impl SqliteStorage {
    /// Opens (creating if needed) a study database file. A path ending in
    /// `?synchronous=full` asks for power-loss durability.
    pub fn open(path_and_query: &str) -> Result<Self> {
        let (path, sync_full) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q.eq_ignore_ascii_case("synchronous=full")),
            None => (path_and_query, false),
        };
        let p = Path::new(path);
        if let Some(parent) = p.parent()
            && !parent.as_os_str().is_empty()
            && !parent.exists()
        {
            return Err(TuneError::Connect {
                location: path.into(),
                msg: format!("directory {} does not exist", parent.display()),
            });
        }
        let conn = Connection::open(p).map_err(|e| TuneError::Connect {
            location: path.into(),
            msg: e.to_string(),
        })?;
        let not_db = |e: rusqlite::Error| -> TuneError {
            let m = e.to_string();
            if m.contains("not a database") || m.contains("malformed") {
                TuneError::NotAStudyDatabase {
                    location: path.into(),
                    msg: "the file is not an SQLite database".into(),
                }
            } else {
                TuneError::Connect {
                    location: path.into(),
                    msg: m,
                }
            }
        };
        conn.busy_timeout(Duration::from_secs(60)).map_err(not_db)?;
        let tables: Vec<String> = {
            let mut st = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(not_db)?;
            st.query_map([], |r| r.get(0))
                .map_err(not_db)?
                .collect::<rusqlite::Result<_>>()
                .map_err(not_db)?
        };
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(not_db)?;
        conn.pragma_update(
            None,
            "synchronous",
            if sync_full { "FULL" } else { "NORMAL" },
        )
        .map_err(not_db)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(not_db)?;
        if tables.iter().any(|t| t == "mosel_schema") {
            let v: Option<i64> = conn
                .prepare_cached("SELECT MAX(version) FROM mosel_schema")
                .map_err(db_err)?
                .query_row([], |r| r.get(0))
                .map_err(not_db)?;
            match v {
                Some(v) if v == SCHEMA_VERSION => {}
                Some(v) => {
                    return Err(TuneError::SchemaVersion {
                        location: path.into(),
                        found: v,
                        expected: SCHEMA_VERSION,
                    });
                }
                None => {
                    return Err(TuneError::NotAStudyDatabase {
                        location: path.into(),
                        msg: "its mosel_schema table is empty".into(),
                    });
                }
            }
        } else if !tables.is_empty() {
            return Err(TuneError::NotAStudyDatabase {
                location: path.into(),
                msg: format!(
                    "it has other tables ({}) and no mosel_schema table",
                    tables.join(", ")
                ),
            });
        } else {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} INSERT INTO mosel_schema (version) \
                 SELECT {SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM mosel_schema); COMMIT;"
            ))
            .map_err(not_db)?;
        }
        Ok(SqliteStorage {
            path: path.into(),
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| TuneError::Storage("sqlite connection lock poisoned".into()))
    }

    fn study_from_row(
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(i64, String, String, String, f64)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    }

    fn to_record(t: (i64, String, String, String, f64)) -> Result<StudyRecord> {
        Ok(StudyRecord {
            id: t.0,
            name: t.1,
            directions: directions_from_json(&t.2)?,
            space_toml: t.3,
            created: t.4,
        })
    }

    fn attach_intermediate(conn: &Connection, trials: &mut [FrozenTrial]) -> Result<()> {
        if trials.is_empty() {
            return Ok(());
        }
        let mut idx: HashMap<i64, usize> = HashMap::with_capacity(trials.len());
        for (i, t) in trials.iter().enumerate() {
            idx.insert(t.id, i);
        }
        let mut push = |id: i64, step: i64, v: Option<f64>| {
            if let Some(&i) = idx.get(&id) {
                trials[i].intermediate.push((step, v.unwrap_or(f64::NAN)));
            }
        };
        let read = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<f64>>(2)?,
            ))
        };
        if idx.len() <= 64 {
            let mut st = conn
                .prepare_cached(
                    "SELECT trial_id, step, value FROM intermediate WHERE trial_id = ?1 \
                     ORDER BY step",
                )
                .map_err(db_err)?;
            let ids: Vec<i64> = idx.keys().copied().collect();
            for id in ids {
                for row in st.query_map([id], read).map_err(db_err)? {
                    let (id, step, v) = row.map_err(db_err)?;
                    push(id, step, v);
                }
            }
        } else {
            let (lo, hi) = idx
                .keys()
                .fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)));
            let mut st = conn
                .prepare_cached(
                    "SELECT trial_id, step, value FROM intermediate WHERE trial_id BETWEEN ?1 \
                     AND ?2 ORDER BY trial_id, step",
                )
                .map_err(db_err)?;
            for row in st.query_map(params![lo, hi], read).map_err(db_err)? {
                let (id, step, v) = row.map_err(db_err)?;
                push(id, step, v);
            }
        }
        Ok(())
    }

    fn query_trials(
        conn: &Connection,
        sql_where: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<FrozenTrial>> {
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {TRIAL_COLS} FROM trials WHERE {sql_where}"
            ))
            .map_err(db_err)?;
        let v = st
            .query_map(p, read_trial)
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        let mut v = finish_read(v)?;
        Self::attach_intermediate(conn, &mut v)?;
        Ok(v)
    }

    fn insert_trial(
        tx: &Connection,
        study_id: i64,
        state: TrialState,
        params_json: &str,
        attrs: &str,
        worker: &str,
    ) -> Result<FrozenTrial> {
        let number: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?1")
            .map_err(db_err)?
            .query_row([study_id], |r| r.get(0))
            .map_err(db_err)?;
        let t = now();
        let running = state == TrialState::Running;
        tx.prepare_cached(
            "INSERT INTO trials (study_id, number, state, params, system_attrs, started, \
             heartbeat, worker) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(db_err)?
        .execute(params![
            study_id,
            number,
            state.as_str(),
            params_json,
            attrs,
            running.then_some(t),
            running.then_some(t),
            worker
        ])
        .map_err(db_err)?;
        Ok(FrozenTrial {
            id: tx.last_insert_rowid(),
            number: number as u64,
            state,
            params_json: params_json.into(),
            params: Vec::new(),
            values: None,
            intermediate: Vec::new(),
            system_attrs: attrs_from_json(attrs),
            started: running.then_some(t),
            finished: None,
            heartbeat: running.then_some(t),
            worker: worker.into(),
        })
    }
}

impl Storage for SqliteStorage {
    fn location(&self) -> String {
        self.path.clone()
    }

    fn create_study(
        &self,
        name: &str,
        directions: &[Direction],
        space_toml: &str,
    ) -> Result<StudyRecord> {
        let conn = self.lock()?;
        let created = now();
        conn.execute(
            "INSERT INTO studies (name, directions, space, created) VALUES (?1, ?2, ?3, ?4)",
            params![name, directions_to_json(directions), space_toml, created],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                TuneError::Storage(format!("study `{name}` already exists"))
            }
            e => db_err(e),
        })?;
        Ok(StudyRecord {
            id: conn.last_insert_rowid(),
            name: name.into(),
            directions: directions.to_vec(),
            space_toml: space_toml.into(),
            created,
        })
    }

    fn load_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        let conn = self.lock()?;
        conn.prepare_cached(
            "SELECT id, name, directions, space, created FROM studies WHERE name = ?1",
        )
        .map_err(db_err)?
        .query_row([name], Self::study_from_row)
        .optional()
        .map_err(db_err)?
        .map(Self::to_record)
        .transpose()
    }

    fn set_study_space(&self, study_id: i64, space_toml: &str) -> Result<()> {
        self.lock()?
            .execute(
                "UPDATE studies SET space = ?1 WHERE id = ?2",
                params![space_toml, study_id],
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn list_studies(&self) -> Result<Vec<StudyRecord>> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare("SELECT id, name, directions, space, created FROM studies ORDER BY id")
            .map_err(db_err)?;
        let rows = st
            .query_map([], Self::study_from_row)
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        rows.into_iter().map(Self::to_record).collect()
    }

    fn create_trial(
        &self,
        study_id: i64,
        worker: &str,
        max_trials: Option<u64>,
        params: &mut dyn FnMut(u64) -> Result<String>,
    ) -> Result<Option<FrozenTrial>> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        if let Some(max) = max_trials {
            let live: i64 = tx
                .prepare_cached(
                    "SELECT COUNT(*) FROM trials WHERE study_id = ?1 AND state != 'FAIL'",
                )
                .map_err(db_err)?
                .query_row([study_id], |r| r.get(0))
                .map_err(db_err)?;
            if live as u64 >= max {
                return Ok(None);
            }
        }
        let number: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?1")
            .map_err(db_err)?
            .query_row([study_id], |r| r.get(0))
            .map_err(db_err)?;
        let p = params(number as u64)?;
        let t = Self::insert_trial(&tx, study_id, TrialState::Running, &p, "{}", worker)?;
        tx.commit().map_err(db_err)?;
        Ok(Some(t))
    }

    fn enqueue_trial(
        &self,
        study_id: i64,
        params_json: &str,
        system_attrs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<FrozenTrial> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let t = Self::insert_trial(
            &tx,
            study_id,
            TrialState::Waiting,
            params_json,
            &attrs_to_json(system_attrs),
            "",
        )?;
        tx.commit().map_err(db_err)?;
        Ok(t)
    }

    fn claim_waiting(&self, study_id: i64, worker: &str) -> Result<Option<FrozenTrial>> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let id: Option<i64> = tx
            .prepare_cached(
                "SELECT id FROM trials WHERE study_id = ?1 AND state = 'WAITING' \
                 ORDER BY number LIMIT 1",
            )
            .map_err(db_err)?
            .query_row([study_id], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        let Some(id) = id else {
            return Ok(None);
        };
        let t = now();
        tx.execute(
            "UPDATE trials SET state = 'RUNNING', worker = ?1, started = ?2, heartbeat = ?2 \
             WHERE id = ?3",
            params![worker, t, id],
        )
        .map_err(db_err)?;
        let mut v = Self::query_trials(&tx, "id = ?1", &[&id])?;
        tx.commit().map_err(db_err)?;
        Ok(v.pop())
    }

    fn report(&self, trial_id: i64, step: i64, value: f64) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO intermediate (trial_id, step, value) VALUES (?1, ?2, ?3)",
        )
        .map_err(db_err)?
        .execute(params![
            trial_id,
            step,
            if value.is_nan() { None } else { Some(value) }
        ])
        .map_err(db_err)?;
        tx.prepare_cached("UPDATE trials SET heartbeat = ?1 WHERE id = ?2")
            .map_err(db_err)?
            .execute(params![now(), trial_id])
            .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn set_system_attr(&self, trial_id: i64, key: &str, value: &serde_json::Value) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let cur: String = tx
            .prepare_cached("SELECT system_attrs FROM trials WHERE id = ?1")
            .map_err(db_err)?
            .query_row([trial_id], |r| r.get(0))
            .map_err(db_err)?;
        let mut a = attrs_from_json(&cur);
        a.insert(key.into(), value.clone());
        tx.execute(
            "UPDATE trials SET system_attrs = ?1 WHERE id = ?2",
            params![attrs_to_json(&a), trial_id],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn heartbeat(&self, trial_ids: &[i64]) -> Result<()> {
        if trial_ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let t = now();
        for id in trial_ids {
            tx.prepare_cached(
                "UPDATE trials SET heartbeat = ?1 WHERE id = ?2 AND state = 'RUNNING'",
            )
            .map_err(db_err)?
            .execute(params![t, id])
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    fn finish_trial(&self, trial_id: i64, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let (study_id, cur): (i64, String) = tx
            .prepare_cached("SELECT study_id, state FROM trials WHERE id = ?1")
            .map_err(db_err)?
            .query_row([trial_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| TuneError::Storage(format!("no trial with id {trial_id}")))?;
        if cur != "RUNNING" {
            return Err(TuneError::Storage(format!(
                "trial id {trial_id} is {cur}, not RUNNING"
            )));
        }
        let seq: i64 = tx
            .prepare_cached(
                "UPDATE studies SET finish_seq = finish_seq + 1 WHERE id = ?1 RETURNING finish_seq",
            )
            .map_err(db_err)?
            .query_row([study_id], |r| r.get(0))
            .map_err(db_err)?;
        tx.prepare_cached(
            "UPDATE trials SET state = ?1, vals = ?2, finished = ?3, finish_seq = ?4 WHERE id = ?5",
        )
        .map_err(db_err)?
        .execute(params![
            state.as_str(),
            values_to_json(values),
            now(),
            seq,
            trial_id
        ])
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn fail_stale(
        &self,
        study_id: i64,
        grace_secs: f64,
        requeue: bool,
    ) -> Result<Vec<FrozenTrial>> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let t0 = now();
        let cutoff = t0 - grace_secs;
        let stale = Self::query_trials(
            &tx,
            "study_id = ?1 AND state = 'RUNNING' AND COALESCE(heartbeat, 0) < ?2 ORDER BY number",
            &[&study_id, &cutoff],
        )?;
        let mut failed = Vec::new();
        for mut t in stale {
            let seq: i64 = tx
                .prepare_cached(
                    "UPDATE studies SET finish_seq = finish_seq + 1 WHERE id = ?1 \
                     RETURNING finish_seq",
                )
                .map_err(db_err)?
                .query_row([study_id], |r| r.get(0))
                .map_err(db_err)?;
            t.state = TrialState::Fail;
            t.finished = Some(t0);
            t.system_attrs.insert(
                "fail_reason".into(),
                "stale heartbeat (worker died?)".into(),
            );
            tx.execute(
                "UPDATE trials SET state = 'FAIL', finished = ?1, finish_seq = ?2, \
                 system_attrs = ?3 WHERE id = ?4",
                params![t0, seq, attrs_to_json(&t.system_attrs), t.id],
            )
            .map_err(db_err)?;
            if requeue {
                let mut a = BTreeMap::new();
                a.insert("retry_of".to_string(), serde_json::json!(t.number));
                Self::insert_trial(
                    &tx,
                    study_id,
                    TrialState::Waiting,
                    &t.params_json,
                    &attrs_to_json(&a),
                    "",
                )?;
            }
            failed.push(t);
        }
        tx.commit().map_err(db_err)?;
        Ok(failed)
    }

    fn trials_since(&self, study_id: i64, seq: u64) -> Result<TrialsDelta> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(db_err)?;
        let new_seq: i64 = tx
            .prepare_cached("SELECT finish_seq FROM studies WHERE id = ?1")
            .map_err(db_err)?
            .query_row([study_id], |r| r.get(0))
            .map_err(db_err)?;
        let seq = seq as i64;
        let finished = if new_seq > seq {
            Self::query_trials(
                &tx,
                "study_id = ?1 AND finish_seq > ?2 ORDER BY number",
                &[&study_id, &seq],
            )?
        } else {
            Vec::new()
        };
        let active = Self::query_trials(
            &tx,
            "study_id = ?1 AND state IN ('RUNNING', 'WAITING') ORDER BY number",
            &[&study_id],
        )?;
        tx.commit().map_err(db_err)?;
        Ok(TrialsDelta {
            finished,
            active,
            seq: new_seq as u64,
        })
    }

    fn all_trials(&self, study_id: i64) -> Result<Vec<FrozenTrial>> {
        let conn = self.lock()?;
        Self::query_trials(&conn, "study_id = ?1 ORDER BY number", &[&study_id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        let s = SqliteStorage::open(p.to_str().unwrap()).unwrap();
        super::super::conformance::run(&s, "conf");
        drop(s);
        // Reopening keeps everything.
        let s = SqliteStorage::open(p.to_str().unwrap()).unwrap();
        let st = s.load_study("conf").unwrap().unwrap();
        assert_eq!(s.all_trials(st.id).unwrap().len(), 4);
    }

    #[test]
    fn refuses_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("text.db");
        std::fs::write(
            &p,
            "this is not sqlite at all, just some text that is long enough",
        )
        .unwrap();
        let e = SqliteStorage::open(p.to_str().unwrap()).err().unwrap();
        assert!(matches!(e, TuneError::NotAStudyDatabase { .. }), "{e}");
        let p = dir.path().join("other.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE customers (id INTEGER)")
            .unwrap();
        drop(c);
        let e = SqliteStorage::open(p.to_str().unwrap()).err().unwrap();
        assert!(e.to_string().contains("not a mosel study database"), "{e}");
        assert!(e.to_string().contains("customers"), "{e}");
        let e = SqliteStorage::open("/nonexistent-dir-xyz/a.db")
            .err()
            .unwrap();
        assert!(e.to_string().contains("/nonexistent-dir-xyz/a.db"), "{e}");
    }

    #[test]
    fn refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        drop(SqliteStorage::open(p.to_str().unwrap()).unwrap());
        let c = Connection::open(&p).unwrap();
        c.execute("UPDATE mosel_schema SET version = 99", [])
            .unwrap();
        drop(c);
        let e = SqliteStorage::open(p.to_str().unwrap()).err().unwrap();
        assert!(
            matches!(e, TuneError::SchemaVersion { found: 99, .. }),
            "{e}"
        );
    }
}
