//! `mosel tune`: search a space of models, optimizers and hyperparameters with a stored,
//! resumable study (TPE, random or grid sampling; median or ASHA pruning; one objective or a
//! Pareto front), then refit and save the best.
//!
//! Resuming: the study lives in `--storage` (an SQLite file in the current directory by
//! default) under `--study` (by default a name built from the data, target, objectives and
//! validation), so running the same command again continues it: `--trials` is the study's
//! total of complete + pruned trials, not this run's. Every trial state change is committed
//! as it happens, so a killed run loses only the trials it was running; those are re-queued
//! on the next run (at once when their process is gone from this machine, after the
//! heartbeat grace period otherwise).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mosel_data::Task;
use mosel_select::Metric;
use mosel_select::cv::CvData;
use mosel_select::tuning::{
    Evaluator, Objective, candidate_from_params, check_space, default_space,
};
use mosel_tune::importance::param_importances;
use mosel_tune::prelude::*;
use mosel_tune::space::Distribution;
use mosel_tune::storage::{self, Storage};
use mosel_tune::study::{best_of, pareto_trials};
use mosel_tune::workers::{local_host, requeue_dead_local_workers};
use serde::Serialize;
use serde_json::{Value, json};

use super::cv::{SplitArgs, fmt4, load};
use super::{DataArgs, TargetArgs, fmt_num, new_table};

/// Where studies go when `--storage` is not given: a file in the current directory.
pub const DEFAULT_STORAGE: &str = "sqlite://./mosel-studies.db";

/// Tune a model's family, optimizer and hyperparameters with a stored, resumable study.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("data", |a| a.required_unless_present_any(["dataset", "print_space"])),
    after_help = "Without --space, the default space for the task is searched: the model family \
(the linear model or an MLP), the optimizer (lbfgs, gd, sgd, momentum, adam, adamw, rmsprop, \
adagrad), the learning rate and batch size where they apply, L2 and elastic-net penalties, and \
the MLP's layers, width, activation and dropout. `mosel tune --print-space --task multiclass` \
prints it as TOML to copy and edit.\n\n\
The study is stored in --storage (default sqlite://./mosel-studies.db, a file in the current \
directory) under --study (default: built from the data, target, objectives and validation): \
run the same command again to resume it; --trials counts the study's complete and pruned \
trials.\n\n\
Examples:\n  mosel tune --dataset wine --trials 50\n  mosel tune --dataset breast-cancer \
--trials 50 --sampler tpe --pruner asha -o model.mosel\n  mosel tune --dataset digits \
--objectives accuracy,n_params --trials 100 --report tuning.html\n  mosel tune --data train.csv \
--target label --space space.toml --storage sqlite:///runs/studies.db --study churn --jobs 2"
)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    /// The search space (TOML; see --print-space for the default one).
    #[arg(long, value_name = "FILE.toml", help_heading = "Search")]
    pub space: Option<PathBuf>,
    /// Print the default search space of the task (--task, or the data's) as TOML and exit.
    #[arg(long, help_heading = "Search")]
    pub print_space: bool,
    /// The study's total of complete + pruned trials (trials of earlier runs count; failed
    /// trials are replaced).
    #[arg(long, value_name = "N", default_value_t = 100, help_heading = "Search")]
    pub trials: u64,
    /// How trials are proposed.
    #[arg(long, value_enum, default_value_t = SamplerKind::Tpe, help_heading = "Search")]
    pub sampler: SamplerKind,
    /// Stop hopeless trials early from their per-epoch validation score.
    #[arg(long, value_enum, default_value_t = PrunerKind::None, help_heading = "Search")]
    pub pruner: PrunerKind,
    /// What to optimise, comma-separated: a metric, n_params, fit_seconds or latency_us
    /// (several make a Pareto front). Default: --metric, or accuracy / r2.
    #[arg(long, value_name = "LIST", help_heading = "Search")]
    pub objectives: Option<String>,
    /// Trials run at the same time by this process (TPE uses the constant-liar strategy).
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Search")]
    pub jobs: usize,
    /// Start no new trial after this many seconds.
    #[arg(long, value_name = "SECONDS", help_heading = "Search")]
    pub timeout: Option<f64>,
    /// The study's name (default: built from the data, target, objectives and validation).
    #[arg(long, value_name = "NAME", help_heading = "Study")]
    pub study: Option<String>,
    /// Where studies are stored: sqlite://PATH (sqlite:///abs/path.db, sqlite://./rel.db),
    /// postgres://user@host/db, or memory (not kept).
    #[arg(long, value_name = "URL", default_value = DEFAULT_STORAGE, help_heading = "Study")]
    pub storage: String,
    /// Continue an existing study even though its stored search space differs.
    #[arg(long = "continue", help_heading = "Study")]
    pub continue_study: bool,
    /// Refit the best trial's candidate on all rows and save it as a model file.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Write the study's results (trials, best, Pareto front, importances) as JSON.
    #[arg(long, value_name = "FILE.json", help_heading = "Output")]
    pub results: Option<PathBuf>,
    /// Write an HTML report: history, importances, parallel coordinates, slices, Pareto front.
    #[arg(long, value_name = "FILE.html", help_heading = "Output")]
    pub report: Option<PathBuf>,
    /// Print the results as JSON on stdout instead of tables.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// No progress display.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// Rows of the table of best trials.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Output")]
    pub top: usize,
}

/// Samplers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplerKind {
    /// Tree-structured Parzen estimator (multivariate, constant liar).
    Tpe,
    /// Independent uniform (log-uniform) sampling.
    Random,
    /// Every point of the space's grid, in random order.
    Grid,
}

/// Pruners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrunerKind {
    /// No pruning.
    None,
    /// Stop a trial whose best score so far is below the median of complete trials at the
    /// same epoch (after 5 complete trials and 5 warm-up epochs).
    Median,
    /// Asynchronous successive halving: rungs at epochs 5, 15, 45, 135 keep the best third.
    Asha,
}

/// Runs `mosel tune`.
pub fn run(args: Args) -> Result<()> {
    if args.print_space {
        return print_space(&args);
    }
    if args.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    if let Some(t) = args.timeout
        && !(t > 0.0 && t.is_finite())
    {
        bail!("--timeout must be a positive number of seconds, got {t}");
    }
    let started = SystemTime::now();
    let t0 = Instant::now();
    let cv = load(&args.data, &args.target, &args.split)?;
    let task = cv.problem.task;
    let space = match &args.space {
        Some(p) => read_space(p)?,
        None => default_space(task),
    };
    check_space(&space, task).with_context(|| match &args.space {
        Some(p) => format!("checking {} against mosel's models", p.display()),
        None => "checking the default search space".into(),
    })?;
    let objectives = objectives(&args, task)?;
    let directions: Vec<Direction> = objectives.iter().map(|o| o.direction()).collect();
    let pruning = args.pruner != PrunerKind::None;
    if pruning && objectives.len() > 1 {
        bail!("pruning is for a single objective; drop --pruner or use one objective");
    }
    if pruning && !objectives[0].prunable() {
        bail!(
            "--pruner needs a metric objective (its per-epoch validation score is what is pruned on), not {}",
            objectives[0]
        );
    }
    let splitter = args.split.splitter(task)?;
    let evaluator = Evaluator::new(
        &cv,
        &splitter,
        objectives.clone(),
        args.split.seed,
        args.split.threads,
    )
    .context("preparing the folds")?;

    let storage = storage::open(&args.storage).with_context(|| {
        format!(
            "opening the study storage {}",
            storage::redact(&args.storage)
        )
    })?;
    let name = args
        .study
        .clone()
        .unwrap_or_else(|| default_study_name(&args, &cv, &objectives));
    let requeued = requeue_dead_local_workers(&*storage, &name)
        .with_context(|| format!("checking study `{name}` for trials of dead workers"))?;
    let sampler: Box<dyn Sampler> = match args.sampler {
        SamplerKind::Tpe => Box::new(TpeSampler::new(TpeConfig {
            seed: args.split.seed,
            ..TpeConfig::default()
        })),
        SamplerKind::Random => Box::new(RandomSampler::new(args.split.seed)),
        SamplerKind::Grid => Box::new(GridSampler::new(args.split.seed)),
    };
    let sampler_text = sampler.describe();
    let pruner: Option<Box<dyn Pruner>> = match args.pruner {
        PrunerKind::None => None,
        PrunerKind::Median => Some(Box::new(MedianPruner {
            n_startup_trials: 5,
            n_warmup_steps: 5,
            n_min_trials: 1,
        })),
        // Rungs at epochs 5, 15, 45, 135: first-epoch scores say little (an L-BFGS
        // iteration is not an Adam epoch), and on the bundled datasets these settings kept
        // TPE's best as good as the median pruner's at ASHA's cost (Optuna's automatic
        // first rung with factor 4 lost about 0.3 accuracy points).
        PrunerKind::Asha => Some(Box::new(AshaPruner {
            min_resource: Some(5),
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        })),
    };
    let pruner_text = pruner.as_ref().map(|p| p.describe());
    let mut builder = Study::builder(&name, space.clone())
        .storage(storage.clone())
        .directions(&directions)
        .sampler(sampler)
        .continue_with_new_space(args.continue_study)
        .worker(&format!("{}@{}", std::process::id(), local_host()));
    if let Some(p) = pruner {
        builder = builder.pruner(p);
    }
    let study = builder.build().map_err(|e| match e {
        TuneError::SpaceMismatch { name, .. } => anyhow::anyhow!(
            "study `{name}` in {} was created with a different search space; pass --continue \
             to go on with the new space, or name a new study with --study",
            storage.location()
        ),
        e => anyhow::Error::new(e)
            .context(format!("opening study `{name}` in {}", storage.location())),
    })?;

    let before = study.trials()?;
    let counts_before = Counts::of(&before);
    let done_before = counts_before.complete + counts_before.pruned;
    let to_run = args.trials.saturating_sub(done_before as u64);
    let show_progress = !(args.quiet || args.json) && std::io::stderr().is_terminal();
    if !args.json && !args.quiet && done_before > 0 {
        eprintln!(
            "resuming study `{name}` in {}: {} complete, {} pruned, {} failed trials so far{}",
            storage.location(),
            counts_before.complete,
            counts_before.pruned,
            counts_before.failed,
            if requeued > 0 {
                format!("; {requeued} trial(s) of a dead run re-queued")
            } else {
                String::new()
            }
        );
    }
    let run_start = Instant::now();
    let summary = if to_run > 0 {
        let progress = Progress::new(show_progress, args.trials, &before, &directions);
        // Failed trials (e.g. a diverging learning rate) do not count toward the study's
        // budget and are replaced, but this run stops after twice its budget of attempts (at
        // least 10 more), so a systematic failure cannot loop forever.
        let attempts = to_run + to_run.max(10);
        let opts = OptimizeOptions {
            n_trials: Some(attempts as usize),
            study_trials: Some(args.trials),
            timeout: args.timeout.map(Duration::from_secs_f64),
            n_jobs: args.jobs,
        };
        let st: &dyn Storage = &*storage;
        let res = study.optimize_with(
            &opts,
            |t: &mut Trial| evaluator.run_trial(t, pruning, Some(st)),
            |t: &FrozenTrial| progress.update(t),
        );
        progress.finish();
        match res {
            Ok(s) => s,
            Err(TuneError::GridExhausted) => OptimizeSummary::default(),
            Err(e) => return Err(anyhow::Error::new(e).context("running the study")),
        }
    } else {
        OptimizeSummary::default()
    };
    let run_seconds = run_start.elapsed().as_secs_f64();

    let trials = study.trials()?;
    let counts = Counts::of(&trials);
    let ctx = Ctx {
        args: &args,
        cv: &cv,
        space: study.space(),
        objectives: &objectives,
        directions: &directions,
        trials: &trials,
        name: &name,
        location: storage.location(),
        sampler: sampler_text,
        pruner: pruner_text,
        validation: splitter.describe(),
        splitter: splitter.clone(),
    };
    let best = best_trial(&ctx);
    let front = if objectives.len() > 1 {
        pareto_trials(&trials, &directions)
    } else {
        Vec::new()
    };
    let imps: Vec<(String, f64)> = param_importances(study.space(), &trials, 0)
        .into_iter()
        .map(|i| (i.name, i.importance))
        .collect();

    let refit = match (&args.output, &best) {
        (Some(path), Some(b)) => Some(refit_and_save(&ctx, b, path)?),
        (Some(_), None) => bail!("no trial completed, so there is no model to save"),
        _ => None,
    };
    let results = build_results(
        &ctx,
        &counts,
        &summary,
        run_seconds,
        best.as_ref(),
        &front,
        &imps,
        refit.as_ref(),
        started,
        t0,
    );
    if let Some(p) = &args.results {
        std::fs::write(p, serde_json::to_string_pretty(&results)? + "\n")
            .with_context(|| format!("writing results to {}", p.display()))?;
    }
    if let Some(p) = &args.report {
        let input = report_input(&ctx, &front, &imps, started, t0)?;
        super::report::write_report(&input, p)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(());
    }
    print_summary(
        &ctx,
        &counts,
        &summary,
        run_seconds,
        to_run,
        best.as_ref(),
        &front,
        &imps,
    );
    if let Some(r) = &refit {
        println!(
            "refit on all {} rows in {:.2} s; saved to {}",
            cv.n_rows(),
            r.fit_seconds,
            r.path
        );
    }
    if let Some(p) = &args.results {
        println!("results written to {}", p.display());
    }
    if let Some(p) = &args.report {
        println!("report written to {}", p.display());
    }
    Ok(())
}

/// What the summary, results and report are made from.
struct Ctx<'a> {
    args: &'a Args,
    cv: &'a CvData,
    space: &'a SearchSpace,
    objectives: &'a [Objective],
    directions: &'a [Direction],
    trials: &'a [FrozenTrial],
    name: &'a str,
    location: String,
    sampler: String,
    pruner: Option<String>,
    validation: String,
    splitter: mosel_select::Splitter,
}

fn print_space(args: &Args) -> Result<()> {
    let (task, from) = match (
        args.target.task,
        args.data.data.is_some() || args.data.dataset.is_some(),
    ) {
        (Some(t), _) => (t, "--task"),
        (None, true) => {
            let cv = load(&args.data, &args.target, &args.split)?;
            (cv.problem.task, "the data")
        }
        (None, false) => (
            Task::Binary,
            "the default task; use --task multiclass or regression",
        ),
    };
    print!(
        "# mosel tune: default search space for a {task} target (task from {from}).\n\
         # Edit and pass it back with --space FILE.toml. Each table is a parameter; `when`\n\
         # makes it conditional; `grid` lists the points --sampler grid visits.\n\n{}",
        default_space(task).to_toml()
    );
    Ok(())
}

fn read_space(path: &Path) -> Result<SearchSpace> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the search space {}", path.display()))?;
    SearchSpace::from_toml(&text).with_context(|| format!("in {}", path.display()))
}

fn objectives(args: &Args, task: Task) -> Result<Vec<Objective>> {
    match (&args.objectives, args.split.metric) {
        (Some(_), Some(_)) => {
            bail!("give the objective either with --metric or with --objectives, not both")
        }
        (Some(list), None) => Ok(Objective::parse_list(list, task)?),
        (None, Some(m)) => Ok(Objective::parse_list(m.name(), task)?),
        (None, None) => Ok(vec![Objective::default_for(task)]),
    }
}

fn default_study_name(args: &Args, cv: &CvData, objectives: &[Objective]) -> String {
    let data = match (&args.data.dataset, &args.data.data) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "data".into()),
        (None, None) => "data".into(),
    };
    let objs: Vec<&str> = objectives.iter().map(|o| o.name()).collect();
    let s = &args.split;
    let validation = match s.holdout {
        Some(f) => format!("holdout{f}"),
        None if s.repeats > 1 => format!("cv{}x{}", s.folds, s.repeats),
        None => format!("cv{}", s.folds),
    };
    format!(
        "{data}-{}-{}-{validation}",
        cv.problem.target_name,
        objs.join("+")
    )
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
struct Counts {
    complete: usize,
    pruned: usize,
    failed: usize,
    running: usize,
    waiting: usize,
}

impl Counts {
    fn of(trials: &[FrozenTrial]) -> Self {
        let mut c = Counts::default();
        for t in trials {
            match t.state {
                TrialState::Complete => c.complete += 1,
                TrialState::Pruned => c.pruned += 1,
                TrialState::Fail => c.failed += 1,
                TrialState::Running => c.running += 1,
                TrialState::Waiting => c.waiting += 1,
            }
        }
        c
    }
}

/// The live progress display: trials done, best so far, pruned and failed counts.
struct Progress {
    bar: ProgressBar,
    state: Mutex<ProgressState>,
    directions: Vec<Direction>,
}

struct ProgressState {
    best: Option<(f64, u64)>,
    pruned: usize,
    failed: usize,
}

impl Progress {
    fn new(show: bool, total: u64, before: &[FrozenTrial], directions: &[Direction]) -> Self {
        let bar = if show {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} trials {pos}/{len} [{bar:25}] {elapsed} (eta {eta}) {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        } else {
            ProgressBar::hidden()
        };
        let c = Counts::of(before);
        bar.set_position((c.complete + c.pruned) as u64);
        let best = if directions.len() == 1 {
            best_of(before, directions[0]).and_then(|t| Some((t.value()?, t.number)))
        } else {
            None
        };
        let p = Progress {
            bar,
            state: Mutex::new(ProgressState {
                best,
                pruned: c.pruned,
                failed: c.failed,
            }),
            directions: directions.to_vec(),
        };
        p.redraw();
        p
    }

    fn redraw(&self) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let best = match s.best {
            Some((v, n)) => format!("best {} (#{n})", fmt4(v)),
            None if self.directions.len() > 1 => "Pareto front".into(),
            None => "best -".into(),
        };
        self.bar.set_message(format!(
            "{best} · {} pruned · {} failed",
            s.pruned, s.failed
        ));
    }

    fn update(&self, t: &FrozenTrial) {
        {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match t.state {
                TrialState::Complete => {
                    if self.directions.len() == 1
                        && let Some(v) = t.value()
                        && s.best.is_none_or(|(b, _)| self.directions[0].better(v, b))
                    {
                        s.best = Some((v, t.number));
                    }
                    self.bar.inc(1);
                }
                TrialState::Pruned => {
                    s.pruned += 1;
                    self.bar.inc(1);
                }
                _ => s.failed += 1,
            }
        }
        self.redraw();
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The best trial: the single objective's best, or the Pareto-front trial best on the first
/// objective.
fn best_trial(ctx: &Ctx<'_>) -> Option<FrozenTrial> {
    best_of(ctx.trials, ctx.directions[0]).cloned()
}

fn params_of(t: &FrozenTrial, space: &SearchSpace) -> Vec<(String, ParamValue)> {
    t.param_values(space)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn mosel_attr<'a>(t: &'a FrozenTrial, key: &str) -> Option<&'a Value> {
    t.system_attrs.get("mosel").and_then(|m| m.get(key))
}

/// `model=mlp optimizer=adam lr=0.0123 ...` (parameters with a single value left out).
fn params_text(t: &FrozenTrial, space: &SearchSpace) -> String {
    t.param_values(space)
        .iter()
        .filter(|(k, _)| {
            space
                .index_of(k)
                .is_none_or(|i| !space.params()[i].dist.single())
        })
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_text(v: &ParamValue) -> String {
    match v {
        ParamValue::Float(x) => fmt_num(*x),
        ParamValue::Choice(mosel_tune::space::Choice::Float(x)) => fmt_num(*x),
        v => v.to_string(),
    }
}

struct RefitInfo {
    path: String,
    fit_seconds: f64,
    trial: u64,
    candidate: String,
    train_scores: Vec<(String, f64)>,
}

fn refit_and_save(ctx: &Ctx<'_>, best: &FrozenTrial, path: &Path) -> Result<RefitInfo> {
    let task = ctx.cv.problem.task;
    let cand = candidate_from_params(&params_of(best, ctx.space), task)
        .with_context(|| format!("rebuilding trial #{}'s candidate", best.number))?;
    let metrics = Metric::defaults(task);
    let refit =
        mosel_select::cv::refit(&ctx.cv.problem, None, &cand, &metrics, ctx.args.split.seed)
            .with_context(|| format!("refitting trial #{} on all rows", best.number))?;
    refit
        .save(path, &ctx.cv.problem.target_name, ctx.cv.n_rows())
        .with_context(|| format!("saving the model to {}", path.display()))?;
    Ok(RefitInfo {
        path: path.display().to_string(),
        fit_seconds: refit.fit_seconds,
        trial: best.number,
        candidate: cand.describe(),
        train_scores: metrics
            .iter()
            .map(|m| m.name().to_string())
            .zip(refit.train_scores.iter().copied())
            .collect(),
    })
}

#[allow(clippy::too_many_arguments)]
fn print_summary(
    ctx: &Ctx<'_>,
    counts: &Counts,
    summary: &OptimizeSummary,
    run_seconds: f64,
    to_run: u64,
    best: Option<&FrozenTrial>,
    front: &[FrozenTrial],
    imps: &[(String, f64)],
) {
    let p = &ctx.cv.problem;
    println!(
        "{}: {} rows, {} feature columns, target '{}' ({}); validation: {}, seed {}",
        ctx.args
            .data
            .source()
            .map(|s| s.display_name())
            .unwrap_or_default(),
        ctx.cv.n_rows(),
        p.features.columns.len(),
        p.target_name,
        p.task,
        ctx.validation,
        ctx.args.split.seed
    );
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    let objs: Vec<String> = ctx
        .objectives
        .iter()
        .map(|o| format!("{} ({})", o.name(), o.direction().as_str()))
        .collect();
    println!(
        "study '{}' in {}: {}; sampler {}, pruner {}",
        ctx.name,
        ctx.location,
        objs.join(", "),
        ctx.sampler,
        ctx.pruner.as_deref().unwrap_or("none")
    );
    if ctx.args.sampler == SamplerKind::Grid
        && let Ok(n) = GridSampler::grid_size(ctx.space)
    {
        let done = ctx
            .trials
            .iter()
            .filter(|t| t.state != TrialState::Fail)
            .count();
        println!(
            "grid: {n} points{}",
            if done >= n {
                " (all evaluated)".to_string()
            } else {
                format!(", {done} evaluated")
            }
        );
    }
    let ran = summary.complete + summary.pruned + summary.failed;
    if to_run == 0 {
        println!(
            "the study already has {} complete + pruned trials (--trials {}); nothing to run — raise --trials to search further",
            counts.complete + counts.pruned,
            ctx.args.trials
        );
    } else {
        println!(
            "this run: {ran} trials in {:.1} s ({} complete, {} pruned, {} failed); the study: {} complete, {} pruned, {} failed",
            run_seconds,
            summary.complete,
            summary.pruned,
            summary.failed,
            counts.complete,
            counts.pruned,
            counts.failed
        );
    }
    if summary.failed > 0
        && let Some(t) = ctx
            .trials
            .iter()
            .rev()
            .find(|t| t.state == TrialState::Fail && t.system_attrs.contains_key("fail_reason"))
    {
        println!(
            "{} trial(s) failed; failures do not count toward --trials (they are replaced, up to twice the budget per run); last failure, trial #{}: {}",
            summary.failed,
            t.number,
            t.system_attrs["fail_reason"].as_str().unwrap_or("")
        );
    }
    // Table of the best trials (the Pareto front for several objectives).
    let mut rows: Vec<&FrozenTrial> = if ctx.objectives.len() > 1 {
        front.iter().collect()
    } else {
        ctx.trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .collect()
    };
    let d0 = ctx.directions[0];
    rows.sort_by(|a, b| {
        let (x, y) = (
            a.values.as_ref().map_or(f64::NAN, |v| v[0]),
            b.values.as_ref().map_or(f64::NAN, |v| v[0]),
        );
        let o = match d0 {
            Direction::Maximize => y.total_cmp(&x),
            Direction::Minimize => x.total_cmp(&y),
        };
        o.then(a.number.cmp(&b.number))
    });
    if ctx.objectives.len() == 1 {
        rows.truncate(ctx.args.top);
    }
    if !rows.is_empty() {
        let mut header: Vec<String> = vec!["trial".into()];
        header.extend(ctx.objectives.iter().map(|o| o.name().to_string()));
        let show_size = !ctx.objectives.contains(&Objective::NParams);
        if show_size {
            header.push("params".into());
        }
        header.extend(["fit s".into(), "parameters".into()]);
        let h: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = new_table(&h);
        for tr in &rows {
            let mut row = vec![format!("#{}", tr.number)];
            for v in tr.values.as_deref().unwrap_or(&[]) {
                row.push(fmt_value(*v));
            }
            if show_size {
                row.push(
                    mosel_attr(tr, "n_params")
                        .and_then(Value::as_u64)
                        .map_or("-".into(), |n| n.to_string()),
                );
            }
            row.push(
                mosel_attr(tr, "fit_seconds")
                    .and_then(Value::as_f64)
                    .map_or("-".into(), |s| format!("{s:.3}")),
            );
            row.push(params_text(tr, ctx.space));
            t.add_row(row);
        }
        if ctx.objectives.len() > 1 {
            println!("Pareto front ({} trials):", rows.len());
        } else {
            println!("best {} trials:", rows.len());
        }
        println!("{t}");
    }
    match best {
        Some(b) => {
            let vals: Vec<String> = ctx
                .objectives
                .iter()
                .zip(b.values.as_deref().unwrap_or(&[]))
                .map(|(o, v)| format!("{} {}", o.name(), fmt_value(*v)))
                .collect();
            let label = if ctx.objectives.len() > 1 {
                format!("best on {}", ctx.objectives[0].name())
            } else {
                "best".into()
            };
            println!("{label}: trial #{}: {}", b.number, vals.join(", "));
            for (k, v) in b.param_values(ctx.space) {
                println!("  {k} = {}", value_text(&v));
            }
            if let Some(c) = mosel_attr(b, "candidate").and_then(Value::as_str) {
                println!("  candidate: {c}");
            }
        }
        None => println!("no trial completed yet"),
    }
    let shown: Vec<String> = imps
        .iter()
        .filter(|(_, v)| *v >= 0.005)
        .take(6)
        .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
        .collect();
    if !shown.is_empty() {
        println!(
            "parameter importance ({}, first-order): {}",
            ctx.objectives[0].name(),
            shown.join(", ")
        );
    }
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        fmt4(v)
    }
}

/// The JSON results of `mosel tune` (`format` "mosel.tuning", version 1).
#[derive(Debug, Serialize)]
struct TuneResults {
    format: &'static str,
    format_version: u32,
    mosel_version: &'static str,
    command: Vec<String>,
    created_unix_s: u64,
    total_seconds: f64,
    data: Value,
    validation: String,
    seed: u64,
    study: Value,
    objectives: Vec<Value>,
    counts: Counts,
    this_run: Value,
    best: Option<Value>,
    pareto_front: Vec<u64>,
    importances: Vec<Value>,
    refit: Option<Value>,
    trials: Vec<Value>,
}

fn json_num(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

fn trial_json(t: &FrozenTrial) -> Value {
    json!({
        "number": t.number,
        "state": t.state.as_str(),
        "values": t.values.as_ref().map(|v| v.iter().map(|x| json_num(*x)).collect::<Vec<_>>()),
        "params": t.params_object(),
        "duration_s": t.duration(),
        "worker": t.worker,
        "intermediate": t.intermediate.iter().map(|(s, v)| json!([s, json_num(*v)])).collect::<Vec<_>>(),
        "n_params": t.system_attrs.get("mosel").and_then(|m| m.get("n_params")),
        "candidate": t.system_attrs.get("mosel").and_then(|m| m.get("candidate")),
        "fold_values": t.system_attrs.get("mosel").and_then(|m| m.get("folds")),
        "fail_reason": t.system_attrs.get("fail_reason"),
    })
}

#[allow(clippy::too_many_arguments)]
fn build_results(
    ctx: &Ctx<'_>,
    counts: &Counts,
    summary: &OptimizeSummary,
    run_seconds: f64,
    best: Option<&FrozenTrial>,
    front: &[FrozenTrial],
    imps: &[(String, f64)],
    refit: Option<&RefitInfo>,
    started: SystemTime,
    t0: Instant,
) -> TuneResults {
    let p = &ctx.cv.problem;
    let classes = match &p.target {
        mosel_data::Target::Classes { labels, .. } => Some(labels.clone()),
        mosel_data::Target::Values(_) => None,
    };
    TuneResults {
        format: "mosel.tuning",
        format_version: 1,
        mosel_version: env!("CARGO_PKG_VERSION"),
        command: std::env::args().collect(),
        created_unix_s: started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        total_seconds: t0.elapsed().as_secs_f64(),
        data: json!({
            "source": ctx.args.data.source().map(|s| s.display_name()).unwrap_or_default(),
            "target": p.target_name,
            "task": p.task.to_string(),
            "n_rows": ctx.cv.n_rows(),
            "feature_columns": p.features.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "classes": classes,
            "warnings": p.warnings,
        }),
        validation: ctx.validation.clone(),
        seed: ctx.args.split.seed,
        study: json!({
            "name": ctx.name,
            "storage": ctx.location,
            "sampler": ctx.sampler,
            "pruner": ctx.pruner,
            "space": ctx.space.to_toml(),
            "trials_target": ctx.args.trials,
        }),
        objectives: ctx
            .objectives
            .iter()
            .map(|o| json!({"name": o.name(), "direction": o.direction().as_str()}))
            .collect(),
        counts: *counts,
        this_run: json!({
            "complete": summary.complete,
            "pruned": summary.pruned,
            "failed": summary.failed,
            "seconds": run_seconds,
            "jobs": ctx.args.jobs,
        }),
        best: best.map(|b| {
            json!({
                "number": b.number,
                "values": b.values,
                "params": b.params_object(),
                "candidate": mosel_attr(b, "candidate"),
            })
        }),
        pareto_front: front.iter().map(|t| t.number).collect(),
        importances: imps
            .iter()
            .map(|(k, v)| json!({"param": k, "importance": json_num(*v)}))
            .collect(),
        refit: refit.map(|r| {
            json!({
                "trial": r.trial,
                "candidate": r.candidate,
                "model_file": r.path,
                "fit_seconds": r.fit_seconds,
                "train_scores": r.train_scores.iter().map(|(k, v)| json!({"metric": k, "value": json_num(*v)})).collect::<Vec<_>>(),
            })
        }),
        trials: ctx.trials.iter().map(trial_json).collect(),
    }
}

/// `1970-01-01T00:00:00Z` from Unix seconds.
fn rfc3339(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn report_value(v: &ParamValue) -> mosel_report::input::ParamValue {
    use mosel_report::input::ParamValue as R;
    use mosel_tune::space::Choice;
    match v {
        ParamValue::Float(x) | ParamValue::Choice(Choice::Float(x)) => R::Number(*x),
        ParamValue::Int(i) | ParamValue::Choice(Choice::Int(i)) => R::Number(*i as f64),
        ParamValue::Choice(Choice::Bool(b)) => R::Bool(*b),
        ParamValue::Choice(Choice::Str(s)) => R::Text(s.clone()),
    }
}

/// How many of the best trials the report cross-validates again for its leaderboard, curves
/// and diagnostics.
const REPORT_TOP: usize = 5;

/// The report's leaderboard, ROC / PR curves, confusion matrix, calibration and learning
/// curves: the best trials (the Pareto front's best on the first objective) cross-validated
/// on the study's folds and seed, as `mosel select` would, so their scores are the trials'.
fn top_trials_report(
    ctx: &Ctx<'_>,
    front: &[FrozenTrial],
    started: SystemTime,
    t0: Instant,
) -> Result<Option<mosel_report::ReportInput>> {
    let task = ctx.cv.problem.task;
    let d0 = ctx.directions[0];
    let mut top: Vec<&FrozenTrial> = if ctx.objectives.len() > 1 {
        front.iter().collect()
    } else {
        ctx.trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .collect()
    };
    top.sort_by(|a, b| {
        let (x, y) = (a.value().unwrap_or(f64::NAN), b.value().unwrap_or(f64::NAN));
        match d0 {
            Direction::Maximize => y.total_cmp(&x),
            Direction::Minimize => x.total_cmp(&y),
        }
        .then(a.number.cmp(&b.number))
    });
    top.truncate(REPORT_TOP);
    if top.is_empty() {
        return Ok(None);
    }
    let mut candidates = Vec::with_capacity(top.len());
    for t in &top {
        let mut c = candidate_from_params(&params_of(t, ctx.space), task)?;
        c.name = format!("trial #{}", t.number);
        candidates.push(c);
    }
    let mut metrics = Metric::defaults(task);
    if let Some(m) = ctx.objectives.iter().find_map(|o| match o {
        Objective::Metric(m) => Some(*m),
        _ => None,
    }) {
        metrics.retain(|x| *x != m);
        metrics.insert(0, m);
    }
    let mut cv = mosel_select::CvOptions::new(ctx.splitter.clone(), task);
    cv.metrics = metrics;
    cv.seed = ctx.args.split.seed;
    cv.threads = ctx.args.split.threads;
    let options = mosel_select::SelectOptions {
        cv,
        rule: mosel_select::Rule::Best,
        alpha: 0.05,
        nested: None,
        refit: false,
    };
    let sel = mosel_select::select(ctx.cv, &candidates, &options, None)
        .context("cross-validating the best trials for the report")?;
    let info = mosel_select::results::RunInfo {
        kind: "tune".into(),
        command: std::env::args().collect(),
        created_unix_s: started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        total_seconds: t0.elapsed().as_secs_f64(),
        model_file: ctx.args.output.as_ref().map(|p| p.display().to_string()),
    };
    let results = mosel_select::SelectionResults::build(ctx.cv, &sel, &info);
    let input = super::report::from_text(&serde_json::to_string(&results)?, 3)?;
    Ok(Some(input))
}

fn report_input(
    ctx: &Ctx<'_>,
    front: &[FrozenTrial],
    imps: &[(String, f64)],
    started: SystemTime,
    t0: Instant,
) -> Result<mosel_report::ReportInput> {
    use mosel_report::input as r;
    let base = top_trials_report(ctx, front, started, t0)?;
    let p = &ctx.cv.problem;
    let dataset = ctx
        .args
        .data
        .source()
        .map(|s| s.display_name())
        .unwrap_or_default();
    let header = r::Header {
        title: Some(format!("mosel tune — {dataset}")),
        dataset,
        task: p.task.to_string(),
        target: Some(p.target_name.clone()),
        n_rows: Some(ctx.cv.n_rows() as u64),
        n_features: Some(p.features.columns.len() as u64),
        seed: Some(ctx.args.split.seed),
        mosel_version: env!("CARGO_PKG_VERSION").into(),
        started_at: started
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| rfc3339(d.as_secs())),
        duration_s: Some(t0.elapsed().as_secs_f64()),
        command: std::env::args().collect(),
        validation: Some(ctx.validation.clone()),
        extra: vec![
            ("study".into(), ctx.name.to_string()),
            ("storage".into(), ctx.location.clone()),
        ],
    };
    let trials = ctx
        .trials
        .iter()
        .map(|t| r::TrialRecord {
            number: t.number,
            state: match t.state {
                TrialState::Complete => r::TrialState::Complete,
                TrialState::Pruned => r::TrialState::Pruned,
                TrialState::Fail => r::TrialState::Fail,
                TrialState::Running => r::TrialState::Running,
                TrialState::Waiting => r::TrialState::Waiting,
            },
            values: t.values.clone().unwrap_or_default(),
            params: t
                .param_values(ctx.space)
                .into_iter()
                .map(|(k, v)| (k.to_string(), report_value(&v)))
                .collect(),
            duration_s: t.duration(),
        })
        .collect();
    let params = ctx
        .space
        .params()
        .iter()
        .map(|p| r::ParamInfo {
            name: p.name.clone(),
            kind: match &p.dist {
                Distribution::Float { .. } => r::ParamKind::Float,
                Distribution::Int { .. } => r::ParamKind::Int,
                Distribution::Categorical { .. } => r::ParamKind::Categorical,
            },
            log: p.dist.is_log(),
            choices: match &p.dist {
                Distribution::Categorical { choices } => {
                    choices.iter().map(|c| c.to_string()).collect()
                }
                _ => vec![],
            },
        })
        .collect();
    let mut input = match base {
        Some(mut input) => {
            input.header = header;
            input
        }
        None => mosel_report::ReportInput::new(header),
    };
    input.tuning = Some(r::Tuning {
        study: ctx.name.to_string(),
        sampler: Some(ctx.sampler.clone()),
        pruner: ctx.pruner.clone(),
        objectives: ctx
            .objectives
            .iter()
            .map(|o| r::Objective {
                name: o.name().into(),
                direction: match o.direction() {
                    Direction::Maximize => r::Direction::Maximize,
                    Direction::Minimize => r::Direction::Minimize,
                },
            })
            .collect(),
        trials,
        params,
        importances: imps
            .iter()
            .map(|(k, v)| r::Importance {
                param: k.clone(),
                importance: *v,
            })
            .collect(),
        importance_method: Some(format!(
            "first-order ω² of the ranked {} by parameter bin",
            ctx.objectives[0].name()
        )),
        pareto_front: (ctx.objectives.len() > 1).then(|| front.iter().map(|t| t.number).collect()),
    });
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
