//! `mosel study list|show|best|export`: read stored tuning studies back (never modifies them).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use mosel_tune::importance::param_importances;
use mosel_tune::space::SearchSpace;
use mosel_tune::storage::{self, Storage, StudyRecord};
use mosel_tune::study::{best_of, load_study, pareto_trials};
use mosel_tune::trial::{Direction, FrozenTrial, TrialState, directions_to_string};
use serde_json::{Value, json};

use super::{fmt_num, new_table};

/// Read tuning studies back from their storage.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  mosel study list --storage sqlite:///runs/study.db
  mosel study show --storage sqlite:///runs/study.db --study wine-mlp
  mosel study best --storage postgres://me@db-host/tuning --study wine-mlp --json
  mosel study export --storage sqlite:///runs/study.db --study wine-mlp --format csv > trials.csv")]
pub struct Args {
    #[command(subcommand)]
    pub command: StudyCommand,
}

/// Options shared by the study subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Where the studies are: sqlite:///path/to/study.db or postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    pub storage: String,
    /// The study (may be left out when the storage holds exactly one).
    #[arg(long, value_name = "NAME")]
    pub study: Option<String>,
}

/// The `mosel study` subcommands.
#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// List the studies in a storage with their trial counts and best values.
    List {
        /// Where the studies are: sqlite:///path/to/study.db or postgres://user@host/db.
        #[arg(long, value_name = "URL")]
        storage: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a study: its space, counts, and its trials.
    Show {
        #[command(flatten)]
        common: Common,
        /// Show only the last N trials (0 = all).
        #[arg(long, value_name = "N", default_value_t = 30)]
        limit: usize,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// The best trial (the Pareto front for a multi-objective study).
    Best {
        #[command(flatten)]
        common: Common,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Export every trial as CSV or JSON.
    Export {
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per trial, one column per parameter.
    Csv,
    /// An array of trial objects with intermediate values.
    Json,
}

/// Runs `mosel study`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        StudyCommand::List { storage, json } => list(&open(&storage)?, json),
        StudyCommand::Show {
            common,
            limit,
            json,
        } => {
            let st = open(&common.storage)?;
            let (rec, space, trials) = load(&*st, common.study.as_deref())?;
            show(&*st, &rec, &space, &trials, limit, json)
        }
        StudyCommand::Best { common, json } => {
            let st = open(&common.storage)?;
            let (rec, space, trials) = load(&*st, common.study.as_deref())?;
            best(&rec, &space, &trials, json)
        }
        StudyCommand::Export {
            common,
            format,
            output,
        } => {
            let st = open(&common.storage)?;
            let (rec, space, trials) = load(&*st, common.study.as_deref())?;
            let text = match format {
                Format::Csv => to_csv(&rec, &space, &trials),
                Format::Json => {
                    serde_json::to_string_pretty(&Value::Array(
                        trials.iter().map(|t| trial_json(&rec, t)).collect(),
                    ))? + "\n"
                }
            };
            match output {
                Some(p) => {
                    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            Ok(())
        }
    }
}

fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>> {
    // Reading must not create an empty database file by accident.
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(path).exists() {
            bail!("no study database at {path}");
        }
    }
    Ok(storage::open(url)?)
}

fn load(
    st: &dyn Storage,
    name: Option<&str>,
) -> Result<(StudyRecord, SearchSpace, Vec<FrozenTrial>)> {
    let name = match name {
        Some(n) => n.to_string(),
        None => {
            let all = st.list_studies()?;
            match all.as_slice() {
                [one] => one.name.clone(),
                [] => bail!("{} holds no study", st.location()),
                many => bail!(
                    "{} holds {} studies; pick one with --study NAME: {}",
                    st.location(),
                    many.len(),
                    many.iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    let names = || -> String {
        st.list_studies()
            .map(|v| v.into_iter().map(|r| r.name).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    load_study(st, &name).map_err(|e| match e {
        mosel_tune::TuneError::StudyNotFound(_) => {
            anyhow::anyhow!("{e} (studies here: {})", names())
        }
        e => e.into(),
    })
}

struct Counts {
    total: usize,
    complete: usize,
    pruned: usize,
    fail: usize,
    running: usize,
    waiting: usize,
}

fn counts(trials: &[FrozenTrial]) -> Counts {
    let n = |s: TrialState| trials.iter().filter(|t| t.state == s).count();
    Counts {
        total: trials.len(),
        complete: n(TrialState::Complete),
        pruned: n(TrialState::Pruned),
        fail: n(TrialState::Fail),
        running: n(TrialState::Running),
        waiting: n(TrialState::Waiting),
    }
}

fn best_text(rec: &StudyRecord, trials: &[FrozenTrial]) -> String {
    if rec.directions.len() == 1 {
        best_of(trials, rec.directions[0])
            .and_then(|t| t.value().map(|v| format!("{} (#{})", fmt_num(v), t.number)))
            .unwrap_or_else(|| "-".into())
    } else {
        format!(
            "{} on the Pareto front",
            pareto_trials(trials, &rec.directions).len()
        )
    }
}

fn list(st: &std::sync::Arc<dyn Storage>, json: bool) -> Result<()> {
    let studies = st.list_studies()?;
    let mut rows = Vec::new();
    for rec in &studies {
        let trials = st.all_trials(rec.id)?;
        rows.push((rec, counts(&trials), best_text(rec, &trials), trials));
    }
    if json {
        let v: Vec<Value> = rows
            .iter()
            .map(|(rec, c, _, trials)| {
                let best = if rec.directions.len() == 1 {
                    best_of(trials, rec.directions[0])
                        .map(|t| json!({"number": t.number, "value": t.value()}))
                } else {
                    None
                };
                json!({"name": rec.name, "directions": dir_list(&rec.directions),
                       "created": rec.created, "trials": c.total, "complete": c.complete,
                       "pruned": c.pruned, "fail": c.fail, "running": c.running,
                       "waiting": c.waiting, "best": best})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("{} holds no study.", st.location());
        return Ok(());
    }
    let mut t = new_table(&[
        "study",
        "directions",
        "trials",
        "complete",
        "pruned",
        "fail",
        "running",
        "best",
    ]);
    for (rec, c, best, _) in &rows {
        t.add_row(vec![
            rec.name.clone(),
            directions_to_string(&rec.directions),
            c.total.to_string(),
            c.complete.to_string(),
            c.pruned.to_string(),
            c.fail.to_string(),
            (c.running + c.waiting).to_string(),
            best.clone(),
        ]);
    }
    println!("{t}");
    Ok(())
}

fn dir_list(d: &[Direction]) -> Vec<&'static str> {
    d.iter().map(|d| d.as_str()).collect()
}

fn params_text(space: &SearchSpace, t: &FrozenTrial) -> String {
    t.param_values(space)
        .into_iter()
        .map(|(n, v)| match v {
            mosel_tune::space::ParamValue::Float(x) => format!("{n}={}", fmt_num(x)),
            v => format!("{n}={v}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn fmt_duration(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

fn values_text(t: &FrozenTrial) -> String {
    match &t.values {
        Some(v) => v.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(", "),
        None => "-".into(),
    }
}

fn show(
    st: &dyn Storage,
    rec: &StudyRecord,
    space: &SearchSpace,
    trials: &[FrozenTrial],
    limit: usize,
    json: bool,
) -> Result<()> {
    let c = counts(trials);
    let imps = param_importances(space, trials, 0);
    if json {
        let shown = if limit == 0 || limit >= trials.len() {
            trials
        } else {
            &trials[trials.len() - limit..]
        };
        let v = json!({
            "name": rec.name, "storage": st.location(), "directions": dir_list(&rec.directions),
            "created": rec.created, "space": rec.space_toml,
            "counts": {"trials": c.total, "complete": c.complete, "pruned": c.pruned,
                       "fail": c.fail, "running": c.running, "waiting": c.waiting},
            "importances": imps.iter().map(|i| json!({
                "param": i.name, "importance": num_json(i.importance),
                "omega_squared": num_json(i.omega_squared), "active_trials": i.n_trials,
            })).collect::<Vec<_>>(),
            "trials": shown.iter().map(|t| trial_json(rec, t)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("study      {}", rec.name);
    println!("storage    {}", st.location());
    println!("directions {}", directions_to_string(&rec.directions));
    println!(
        "trials     {} ({} complete, {} pruned, {} failed, {} running, {} waiting)",
        c.total, c.complete, c.pruned, c.fail, c.running, c.waiting
    );
    println!("best       {}", best_text(rec, trials));
    let params: Vec<String> = space
        .params()
        .iter()
        .map(|p| {
            let cond = if p.when.is_empty() {
                String::new()
            } else {
                format!(
                    " when {}",
                    p.when
                        .iter()
                        .map(|c| format!(
                            "{} in [{}]",
                            c.parent,
                            c.values
                                .iter()
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            };
            format!("{}{}", p.name, cond)
        })
        .collect();
    println!("space      {}", params.join("; "));
    if imps.is_empty() {
        println!("importance (needs 3 complete trials with different values)");
    } else {
        let objective = if rec.directions.len() > 1 {
            " (first objective)"
        } else {
            ""
        };
        println!(
            "importance {}{objective}; first-order ω² of the ranked values",
            imps.iter()
                .map(|i| format!("{} {:.2}", i.name, i.importance))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let shown = if limit == 0 || limit >= trials.len() {
        trials
    } else {
        &trials[trials.len() - limit..]
    };
    let mut t = new_table(&["#", "state", "value", "steps", "time", "params"]);
    for tr in shown {
        t.add_row(vec![
            tr.number.to_string(),
            tr.state.to_string(),
            values_text(tr),
            tr.intermediate.len().to_string(),
            tr.duration()
                .map(fmt_duration)
                .unwrap_or_else(|| "-".into()),
            params_text(space, tr),
        ]);
    }
    println!("{t}");
    if shown.len() < trials.len() {
        println!(
            "({} earlier trials not shown; --limit 0 shows all)",
            trials.len() - shown.len()
        );
    }
    Ok(())
}

fn best(rec: &StudyRecord, space: &SearchSpace, trials: &[FrozenTrial], json: bool) -> Result<()> {
    if rec.directions.len() == 1 {
        let Some(b) = best_of(trials, rec.directions[0]) else {
            bail!("study `{}` has no completed trial yet", rec.name);
        };
        if json {
            println!("{}", serde_json::to_string_pretty(&trial_json(rec, b))?);
            return Ok(());
        }
        println!("best trial #{} of study {}", b.number, rec.name);
        println!(
            "value      {} ({})",
            values_text(b),
            rec.directions[0].as_str()
        );
        let mut t = new_table(&["parameter", "value"]);
        for (n, v) in b.param_values(space) {
            t.add_row(vec![n.to_string(), v.to_string()]);
        }
        println!("{t}");
        return Ok(());
    }
    let front = pareto_trials(trials, &rec.directions);
    if front.is_empty() {
        bail!("study `{}` has no completed trial yet", rec.name);
    }
    if json {
        let v: Vec<Value> = front.iter().map(|t| trial_json(rec, t)).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "Pareto front of study {} ({}): {} trials",
        rec.name,
        directions_to_string(&rec.directions),
        front.len()
    );
    let mut t = new_table(&["#", "values", "params"]);
    for tr in &front {
        t.add_row(vec![
            tr.number.to_string(),
            values_text(tr),
            params_text(space, tr),
        ]);
    }
    println!("{t}");
    Ok(())
}

fn num_json(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn trial_json(rec: &StudyRecord, t: &FrozenTrial) -> Value {
    let values = t
        .values
        .as_ref()
        .map(|v| Value::Array(v.iter().map(|x| num_json(*x)).collect()));
    json!({
        "number": t.number,
        "state": t.state.as_str(),
        "value": if rec.directions.len() == 1 { t.value().map(num_json) } else { None },
        "values": values,
        "params": t.params_object(),
        "intermediate": t.intermediate.iter().map(|(s, v)| json!([s, num_json(*v)])).collect::<Vec<_>>(),
        "started": t.started,
        "finished": t.finished,
        "duration_s": t.duration(),
        "worker": t.worker,
        "system_attrs": t.system_attrs,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn to_csv(rec: &StudyRecord, space: &SearchSpace, trials: &[FrozenTrial]) -> String {
    let k = rec.directions.len();
    let mut header: Vec<String> = vec!["number".into(), "state".into()];
    if k == 1 {
        header.push("value".into());
    } else {
        header.extend((0..k).map(|i| format!("value_{i}")));
    }
    header.extend(space.params().iter().map(|p| format!("param_{}", p.name)));
    header.extend(
        [
            "steps",
            "last_step",
            "last_intermediate",
            "duration_s",
            "started",
            "finished",
            "worker",
            "fail_reason",
        ]
        .map(String::from),
    );
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    let num = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for t in trials {
        let mut row: Vec<String> = vec![t.number.to_string(), t.state.to_string()];
        for i in 0..k {
            row.push(num(t.values.as_ref().and_then(|v| v.get(i).copied())));
        }
        for i in 0..space.len() {
            row.push(
                space
                    .value(&t.params, i)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            );
        }
        let last = t.last_intermediate();
        row.push(t.intermediate.len().to_string());
        row.push(last.map(|(s, _)| s.to_string()).unwrap_or_default());
        row.push(num(last.map(|(_, v)| v)));
        row.push(num(t.duration()));
        row.push(num(t.started));
        row.push(num(t.finished));
        row.push(t.worker.clone());
        row.push(
            t.system_attrs
                .get("fail_reason")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        );
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}
