//! PostgreSQL storage for many workers on many machines.
//!
//! Trial numbers and the study-wide trial budget are allocated while holding the study row's
//! lock (`SELECT ... FOR UPDATE`), queued trials are claimed with `FOR UPDATE SKIP LOCKED`, and
//! a trial leaves RUNNING only through a conditional update, so no trial is run twice and none
//! is lost. Times (heartbeats, staleness) are the server's clock, so workers on machines with
//! skewed clocks agree. Tables are prefixed `mosel_` so a shared database is fine.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client, GenericClient, NoTls};

use super::{
    SCHEMA_VERSION, Storage, StudyRecord, TrialsDelta, attrs_from_json, attrs_to_json,
    directions_from_json, directions_to_json, parse_state, values_from_json, values_to_json,
};
use crate::error::{Result, TuneError};
use crate::trial::{Direction, FrozenTrial, TrialState};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mosel_schema (version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS mosel_studies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    directions TEXT NOT NULL,
    space TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    next_number BIGINT NOT NULL DEFAULT 0,
    finish_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mosel_trials (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL REFERENCES mosel_studies(id),
    number BIGINT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    vals TEXT,
    system_attrs TEXT NOT NULL DEFAULT '{}',
    started DOUBLE PRECISION,
    finished DOUBLE PRECISION,
    heartbeat DOUBLE PRECISION,
    worker TEXT NOT NULL DEFAULT '',
    finish_seq BIGINT,
    UNIQUE (study_id, number)
);
CREATE INDEX IF NOT EXISTS mosel_trials_by_state ON mosel_trials (study_id, state);
CREATE INDEX IF NOT EXISTS mosel_trials_by_seq ON mosel_trials (study_id, finish_seq);
CREATE TABLE IF NOT EXISTS mosel_intermediate (
    trial_id BIGINT NOT NULL REFERENCES mosel_trials(id),
    step BIGINT NOT NULL,
    value DOUBLE PRECISION,
    PRIMARY KEY (trial_id, step)
);
";

const COLS: &str =
    "id, number, state, params, vals, system_attrs, started, finished, heartbeat, worker";
const NOW: &str = "EXTRACT(EPOCH FROM clock_timestamp())::float8";

/// Studies in a PostgreSQL database.
pub struct PostgresStorage {
    location: String,
    client: Mutex<Client>,
}

fn db_err(e: postgres::Error) -> TuneError {
    TuneError::Storage(format!("postgres: {e}"))
}

fn read_trial(r: &postgres::Row) -> Result<FrozenTrial> {
    Ok(FrozenTrial {
        id: r.get(0),
        number: r.get::<_, i64>(1) as u64,
        state: parse_state(r.get(2))?,
        params_json: r.get(3),
        params: Vec::new(),
        values: values_from_json(r.get(4)),
        intermediate: Vec::new(),
        system_attrs: attrs_from_json(r.get(5)),
        started: r.get(6),
        finished: r.get(7),
        heartbeat: r.get(8),
        worker: r.get(9),
    })
}

fn query_trials(
    c: &mut impl GenericClient,
    sql_where: &str,
    p: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<FrozenTrial>> {
    let rows = c
        .query(
            &format!("SELECT {COLS} FROM mosel_trials WHERE {sql_where}"),
            p,
        )
        .map_err(db_err)?;
    let mut v: Vec<FrozenTrial> = rows.iter().map(read_trial).collect::<Result<_>>()?;
    attach_intermediate(c, &mut v)?;
    Ok(v)
}

fn attach_intermediate(c: &mut impl GenericClient, trials: &mut [FrozenTrial]) -> Result<()> {
    if trials.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = trials.iter().map(|t| t.id).collect();
    let idx: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let rows = c
        .query(
            "SELECT trial_id, step, value FROM mosel_intermediate WHERE trial_id = ANY($1) \
             ORDER BY trial_id, step",
            &[&ids],
        )
        .map_err(db_err)?;
    for r in rows {
        let id: i64 = r.get(0);
        let v: Option<f64> = r.get(2);
        if let Some(&i) = idx.get(&id) {
            trials[i]
                .intermediate
                .push((r.get(1), v.unwrap_or(f64::NAN)));
        }
    }
    Ok(())
}

fn insert_trial(
    tx: &mut postgres::Transaction<'_>,
    study_id: i64,
    state: TrialState,
    params_json: &str,
    attrs: &str,
    worker: &str,
) -> Result<FrozenTrial> {
    let number: i64 = tx
        .query_one(
            "UPDATE mosel_studies SET next_number = next_number + 1 WHERE id = $1 \
             RETURNING next_number - 1",
            &[&study_id],
        )
        .map_err(db_err)?
        .get(0);
    let running = state == TrialState::Running;
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO mosel_trials (study_id, number, state, params, system_attrs, \
                 started, heartbeat, worker) VALUES ($1, $2, $3, $4, $5, \
                 CASE WHEN $6 THEN {NOW} END, CASE WHEN $6 THEN {NOW} END, $7) RETURNING {COLS}"
            ),
            &[
                &study_id,
                &number,
                &state.as_str(),
                &params_json,
                &attrs,
                &running,
                &worker,
            ],
        )
        .map_err(db_err)?;
    read_trial(&row)
}

impl PostgresStorage {
    /// Connects to `postgres://user[:password]@host[:port]/db` and creates the tables if
    /// needed.
    pub fn connect(url: &str) -> Result<Self> {
        let mut cfg: postgres::Config = url.parse().map_err(|e| TuneError::StorageUrl {
            url: super::redact(url),
            msg: format!("{e}"),
        })?;
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(10));
        }
        let hosts: Vec<String> = cfg
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(s) => s.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        let location = format!(
            "postgres {}@{}:{}/{}",
            cfg.get_user().unwrap_or("?"),
            if hosts.is_empty() {
                "localhost".to_string()
            } else {
                hosts.join(",")
            },
            port,
            cfg.get_dbname().unwrap_or("?")
        );
        let mut client = cfg.connect(NoTls).map_err(|e| {
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(&format!(": {s}"));
                src = s.source();
            }
            TuneError::Connect {
                location: location.clone(),
                msg,
            }
        })?;
        let mut tx = client.transaction().map_err(db_err)?;
        // Serialise concurrent first-time schema creation.
        tx.execute("SELECT pg_advisory_xact_lock(7236011)", &[])
            .map_err(db_err)?;
        let has_schema: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'mosel_schema')",
                &[],
            )
            .map_err(db_err)?
            .get(0);
        if has_schema {
            let v: Option<i64> = tx
                .query_one("SELECT MAX(version) FROM mosel_schema", &[])
                .map_err(db_err)?
                .get(0);
            match v {
                Some(v) if v == SCHEMA_VERSION => {}
                Some(v) => {
                    return Err(TuneError::SchemaVersion {
                        location,
                        found: v,
                        expected: SCHEMA_VERSION,
                    });
                }
                None => {
                    return Err(TuneError::NotAStudyDatabase {
                        location,
                        msg: "its mosel_schema table is empty".into(),
                    });
                }
            }
        } else {
            let has_trials: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = 'mosel_trials')",
                    &[],
                )
                .map_err(db_err)?
                .get(0);
            if has_trials {
                return Err(TuneError::NotAStudyDatabase {
                    location,
                    msg: "it has a mosel_trials table but no mosel_schema table".into(),
                });
            }
            tx.batch_execute(SCHEMA).map_err(db_err)?;
            tx.execute(
                "INSERT INTO mosel_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        Ok(PostgresStorage {
            location,
            client: Mutex::new(client),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Client>> {
        self.client
            .lock()
            .map_err(|_| TuneError::Storage("postgres client lock poisoned".into()))
    }

    fn to_record(r: &postgres::Row) -> Result<StudyRecord> {
        Ok(StudyRecord {
            id: r.get(0),
            name: r.get(1),
            directions: directions_from_json(r.get(2))?,
            space_toml: r.get(3),
            created: r.get(4),
        })
    }
}

impl Storage for PostgresStorage {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn create_study(
        &self,
        name: &str,
        directions: &[Direction],
        space_toml: &str,
    ) -> Result<StudyRecord> {
        let mut c = self.lock()?;
        let row = c
            .query_one(
                &format!(
                    "INSERT INTO mosel_studies (name, directions, space, created) \
                     VALUES ($1, $2, $3, {NOW}) RETURNING id, name, directions, space, created"
                ),
                &[&name, &directions_to_json(directions), &space_toml],
            )
            .map_err(|e| {
                if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
                    TuneError::Storage(format!("study `{name}` already exists"))
                } else {
                    db_err(e)
                }
            })?;
        Self::to_record(&row)
    }

    fn load_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        let mut c = self.lock()?;
        c.query_opt(
            "SELECT id, name, directions, space, created FROM mosel_studies WHERE name = $1",
            &[&name],
        )
        .map_err(db_err)?
        .map(|r| Self::to_record(&r))
        .transpose()
    }

    fn set_study_space(&self, study_id: i64, space_toml: &str) -> Result<()> {
        self.lock()?
            .execute(
                "UPDATE mosel_studies SET space = $1 WHERE id = $2",
                &[&space_toml, &study_id],
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn list_studies(&self) -> Result<Vec<StudyRecord>> {
        let mut c = self.lock()?;
        c.query(
            "SELECT id, name, directions, space, created FROM mosel_studies ORDER BY id",
            &[],
        )
        .map_err(db_err)?
        .iter()
        .map(Self::to_record)
        .collect()
    }

    fn create_trial(
        &self,
        study_id: i64,
        worker: &str,
        max_trials: Option<u64>,
        params: &mut dyn FnMut(u64) -> Result<String>,
    ) -> Result<Option<FrozenTrial>> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let next: i64 = tx
            .query_one(
                "SELECT next_number FROM mosel_studies WHERE id = $1 FOR UPDATE",
                &[&study_id],
            )
            .map_err(db_err)?
            .get(0);
        if let Some(max) = max_trials {
            let live: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM mosel_trials WHERE study_id = $1 AND state <> 'FAIL'",
                    &[&study_id],
                )
                .map_err(db_err)?
                .get(0);
            if live as u64 >= max {
                return Ok(None);
            }
        }
        let p = params(next as u64)?;
        let t = insert_trial(&mut tx, study_id, TrialState::Running, &p, "{}", worker)?;
        tx.commit().map_err(db_err)?;
        Ok(Some(t))
    }

    fn enqueue_trial(
        &self,
        study_id: i64,
        params_json: &str,
        system_attrs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<FrozenTrial> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let t = insert_trial(
            &mut tx,
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
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let row = tx
            .query_opt(
                &format!(
                    "UPDATE mosel_trials SET state = 'RUNNING', worker = $2, started = {NOW}, \
                     heartbeat = {NOW} WHERE id = (SELECT id FROM mosel_trials \
                     WHERE study_id = $1 AND state = 'WAITING' ORDER BY number LIMIT 1 \
                     FOR UPDATE SKIP LOCKED) RETURNING {COLS}"
                ),
                &[&study_id, &worker],
            )
            .map_err(db_err)?;
        let Some(row) = row else {
            tx.commit().map_err(db_err)?;
            return Ok(None);
        };
        let mut t = vec![read_trial(&row)?];
        attach_intermediate(&mut tx, &mut t)?;
        tx.commit().map_err(db_err)?;
        Ok(t.pop())
    }

    fn report(&self, trial_id: i64, step: i64, value: f64) -> Result<()> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        tx.execute(
            "INSERT INTO mosel_intermediate (trial_id, step, value) VALUES ($1, $2, $3) \
             ON CONFLICT (trial_id, step) DO UPDATE SET value = EXCLUDED.value",
            &[&trial_id, &step, &value],
        )
        .map_err(db_err)?;
        tx.execute(
            &format!("UPDATE mosel_trials SET heartbeat = {NOW} WHERE id = $1"),
            &[&trial_id],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn set_system_attr(&self, trial_id: i64, key: &str, value: &serde_json::Value) -> Result<()> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let cur: String = tx
            .query_one(
                "SELECT system_attrs FROM mosel_trials WHERE id = $1 FOR UPDATE",
                &[&trial_id],
            )
            .map_err(db_err)?
            .get(0);
        let mut a = attrs_from_json(&cur);
        a.insert(key.into(), value.clone());
        tx.execute(
            "UPDATE mosel_trials SET system_attrs = $1 WHERE id = $2",
            &[&attrs_to_json(&a), &trial_id],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn heartbeat(&self, trial_ids: &[i64]) -> Result<()> {
        if trial_ids.is_empty() {
            return Ok(());
        }
        let ids = trial_ids.to_vec();
        self.lock()?
            .execute(
                &format!(
                    "UPDATE mosel_trials SET heartbeat = {NOW} WHERE id = ANY($1) \
                     AND state = 'RUNNING'"
                ),
                &[&ids],
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn finish_trial(&self, trial_id: i64, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let row = tx
            .query_opt(
                "SELECT study_id, state FROM mosel_trials WHERE id = $1 FOR UPDATE",
                &[&trial_id],
            )
            .map_err(db_err)?
            .ok_or_else(|| TuneError::Storage(format!("no trial with id {trial_id}")))?;
        let study_id: i64 = row.get(0);
        let cur: String = row.get(1);
        if cur != "RUNNING" {
            return Err(TuneError::Storage(format!(
                "trial id {trial_id} is {cur}, not RUNNING"
            )));
        }
        // The study row lock orders finish sequence numbers by commit.
        let seq: i64 = tx
            .query_one(
                "UPDATE mosel_studies SET finish_seq = finish_seq + 1 WHERE id = $1 \
                 RETURNING finish_seq",
                &[&study_id],
            )
            .map_err(db_err)?
            .get(0);
        tx.execute(
            &format!(
                "UPDATE mosel_trials SET state = $1, vals = $2, finished = {NOW}, \
                 finish_seq = $3 WHERE id = $4"
            ),
            &[&state.as_str(), &values_to_json(values), &seq, &trial_id],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn fail_stale(
        &self,
        study_id: i64,
        grace_secs: f64,
        requeue: bool,
    ) -> Result<Vec<FrozenTrial>> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(db_err)?;
        // Lock the study row first: finishing trials lock it too, so sequence numbers stay
        // ordered by commit.
        tx.execute(
            "SELECT 1 FROM mosel_studies WHERE id = $1 FOR UPDATE",
            &[&study_id],
        )
        .map_err(db_err)?;
        let stale = query_trials(
            &mut tx,
            &format!(
                "study_id = $1 AND state = 'RUNNING' AND COALESCE(heartbeat, 0) < {NOW} - $2 \
                 ORDER BY number FOR UPDATE SKIP LOCKED"
            ),
            &[&study_id, &grace_secs],
        )?;
        let mut failed = Vec::new();
        for mut t in stale {
            let seq: i64 = tx
                .query_one(
                    "UPDATE mosel_studies SET finish_seq = finish_seq + 1 WHERE id = $1 \
                     RETURNING finish_seq",
                    &[&study_id],
                )
                .map_err(db_err)?
                .get(0);
            t.state = TrialState::Fail;
            t.system_attrs.insert(
                "fail_reason".into(),
                "stale heartbeat (worker died?)".into(),
            );
            tx.execute(
                &format!(
                    "UPDATE mosel_trials SET state = 'FAIL', finished = {NOW}, finish_seq = $1, \
                     system_attrs = $2 WHERE id = $3"
                ),
                &[&seq, &attrs_to_json(&t.system_attrs), &t.id],
            )
            .map_err(db_err)?;
            if requeue {
                let mut a = BTreeMap::new();
                a.insert("retry_of".to_string(), serde_json::json!(t.number));
                insert_trial(
                    &mut tx,
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
        let mut c = self.lock()?;
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(db_err)?;
        let new_seq: i64 = tx
            .query_one(
                "SELECT finish_seq FROM mosel_studies WHERE id = $1",
                &[&study_id],
            )
            .map_err(db_err)?
            .get(0);
        let seq = seq as i64;
        let finished = if new_seq > seq {
            query_trials(
                &mut tx,
                "study_id = $1 AND finish_seq > $2 ORDER BY number",
                &[&study_id, &seq],
            )?
        } else {
            Vec::new()
        };
        let active = query_trials(
            &mut tx,
            "study_id = $1 AND state IN ('RUNNING', 'WAITING') ORDER BY number",
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
        let mut c = self.lock()?;
        query_trials(&mut *c, "study_id = $1 ORDER BY number", &[&study_id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs only when MOSEL_TEST_POSTGRES_URL names a server (see notes/ci-postgres.sh).
    #[test]
    fn conformance() {
        let Ok(url) = std::env::var("MOSEL_TEST_POSTGRES_URL") else {
            // Written past the test harness capture so the skip is visible in `cargo test`.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"skipped: set MOSEL_TEST_POSTGRES_URL to run the PostgreSQL storage tests\n",
            );
            return;
        };
        let s = PostgresStorage::connect(&url).unwrap();
        let name = format!(
            "conf-{}-{}",
            std::process::id(),
            crate::trial::now().to_bits()
        );
        super::super::conformance::run(&s, &name);
        // A second connection sees the same data and does not recreate the schema.
        let s2 = PostgresStorage::connect(&url).unwrap();
        let st = s2.load_study(&name).unwrap().unwrap();
        assert_eq!(s2.all_trials(st.id).unwrap().len(), 4);
    }
}
