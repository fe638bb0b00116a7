//! `mosel cv`: cross-validate one candidate; also the flags and printing that
//! `mosel select` shares.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mosel_data::Task;
use mosel_select::candidate::{Candidate, Spec};
use mosel_select::cv::{CvData, CvOptions, HistoryPolicy, Progress};
use mosel_select::leaderboard::Leaderboard;
use mosel_select::results::{RunInfo, SelectionResults};
use mosel_select::split::{Splitter, Strategy};
use mosel_select::{Metric, Rule, SelectOptions, Selection, select};

use super::{DataArgs, TargetArgs, fmt_num, new_table};

/// Cross-validate one candidate.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mosel cv --dataset breast-cancer\n  mosel cv --dataset iris --model mlp --hidden 16 --optimizer adam --lr 0.01 --folds 10\n  mosel cv --data sales.csv --target units --time date --folds 5 --gap 7\n  mosel cv --data visits.csv --target outcome --group patient --json"
)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub candidate: CandidateArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The candidate flags. Each may be repeated; in `mosel select` repeated values make a grid.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CandidateArgs {
    /// Model: linear, logistic, softmax, mlp or mlp:<w1>,<w2>, knn, gaussian_nb (default:
    /// logistic for classes, linear for numbers).
    #[arg(long, value_name = "MODEL", help_heading = "Candidate")]
    pub model: Vec<String>,
    /// MLP hidden layer widths, e.g. 64,32 (implies --model mlp).
    #[arg(long, value_name = "W1,W2,...", help_heading = "Candidate")]
    pub hidden: Vec<String>,
    /// MLP activation: relu, tanh or gelu.
    #[arg(long, value_name = "ACT", help_heading = "Candidate")]
    pub activation: Vec<String>,
    /// MLP dropout probability.
    #[arg(long, value_name = "P", help_heading = "Candidate")]
    pub dropout: Vec<String>,
    /// Optimizer: gd, sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, lbfgs.
    #[arg(long, value_name = "OPT", help_heading = "Candidate")]
    pub optimizer: Vec<String>,
    /// Learning rate.
    #[arg(long, value_name = "LR", help_heading = "Candidate")]
    pub lr: Vec<String>,
    /// Learning-rate schedule: constant, step:<epochs>:<gamma>, exp:<gamma>, cosine[:<min>].
    #[arg(long, value_name = "SCHED", help_heading = "Candidate")]
    pub schedule: Vec<String>,
    /// Maximum epochs (L-BFGS: iterations).
    #[arg(long, value_name = "N", help_heading = "Candidate")]
    pub epochs: Vec<String>,
    /// Mini-batch size of the stochastic optimizers.
    #[arg(long, value_name = "N", help_heading = "Candidate")]
    pub batch_size: Vec<String>,
    /// Momentum coefficient (momentum, nesterov).
    #[arg(long, value_name = "M", help_heading = "Candidate")]
    pub momentum: Vec<String>,
    /// L1 penalty strength.
    #[arg(long, value_name = "A", help_heading = "Candidate")]
    pub l1: Vec<String>,
    /// L2 penalty strength: (l2/2)·|w|² added to the mean loss.
    #[arg(long, value_name = "A", help_heading = "Candidate")]
    pub l2: Vec<String>,
    /// scikit-learn's C (inverse L2 strength): l2 = 1 / (C · training rows).
    #[arg(long = "C", value_name = "C", help_heading = "Candidate")]
    pub c: Vec<String>,
    /// Stop when the training loss improves by less than this for 10 epochs.
    #[arg(long, value_name = "TOL", help_heading = "Candidate")]
    pub tol: Vec<String>,
    /// Early stopping on a validation split of the training rows, with this patience.
    #[arg(long, value_name = "EPOCHS", help_heading = "Candidate")]
    pub patience: Vec<String>,
    /// Loss: mse, mae, huber[:delta], bce, cross_entropy (default: from the task).
    #[arg(long, value_name = "LOSS", help_heading = "Candidate")]
    pub loss: Vec<String>,
    /// Missing values: mean, median, mode or reject.
    #[arg(long, value_name = "HOW", help_heading = "Candidate")]
    pub impute: Vec<String>,
    /// Any other setting of the model's family, e.g. --param n_neighbors=7 (repeatable;
    /// repeats make a grid in `mosel select`).
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = super::parse_key_value, help_heading = "Candidate")]
    pub params: Vec<(String, String)>,
    /// Do not standardize numeric features.
    #[arg(long, help_heading = "Candidate")]
    pub no_scale: bool,
}

impl CandidateArgs {
    /// The candidate specification the flags describe.
    pub fn spec(&self) -> Result<Spec> {
        let lists: [(&str, &Vec<String>); 17] = [
            ("model", &self.model),
            ("hidden", &self.hidden),
            ("activation", &self.activation),
            ("dropout", &self.dropout),
            ("optimizer", &self.optimizer),
            ("lr", &self.lr),
            ("schedule", &self.schedule),
            ("epochs", &self.epochs),
            ("batch_size", &self.batch_size),
            ("momentum", &self.momentum),
            ("l1", &self.l1),
            ("l2", &self.l2),
            ("C", &self.c),
            ("tol", &self.tol),
            ("patience", &self.patience),
            ("loss", &self.loss),
            ("impute", &self.impute),
        ];
        let mut pairs: Vec<(&str, &str)> = lists
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (*k, v.as_str())))
            .collect();
        if self.no_scale {
            pairs.push(("scale", "false"));
        }
        pairs.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Ok(Spec::from_pairs(pairs)?)
    }
}

/// How rows are split.
#[derive(Debug, Clone, clap::Args)]
pub struct SplitArgs {
    /// Number of folds (time-series: number of splits).
    #[arg(
        long,
        value_name = "K",
        default_value_t = 5,
        help_heading = "Validation"
    )]
    pub folds: usize,
    /// Repeat the k-fold split this many times with different shuffles.
    #[arg(
        long,
        value_name = "R",
        default_value_t = 1,
        help_heading = "Validation"
    )]
    pub repeats: usize,
    /// Keep class proportions in every fold (the default for classification).
    #[arg(long, conflicts_with = "no_stratify", help_heading = "Validation")]
    pub stratify: bool,
    /// Plain (not stratified) folds for a classification target.
    #[arg(long, help_heading = "Validation")]
    pub no_stratify: bool,
    /// Consecutive folds in file order (exactly scikit-learn's non-shuffled folds) instead of
    /// seeded shuffled ones.
    #[arg(long, help_heading = "Validation")]
    pub no_shuffle: bool,
    /// A column of group ids: rows of a group are never split between train and test (the
    /// column is not used as a feature).
    #[arg(long, value_name = "COLUMN", help_heading = "Validation")]
    pub group: Option<String>,
    /// A time column the rows are sorted by: train on the past, test on the future (the
    /// column is not used as a feature).
    #[arg(
        long,
        value_name = "COLUMN",
        conflicts_with = "group",
        help_heading = "Validation"
    )]
    pub time: Option<String>,
    /// Time-series splits: rows skipped between training and test.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        requires = "time",
        help_heading = "Validation"
    )]
    pub gap: usize,
    /// Time-series splits: keep at most this many latest rows for training.
    #[arg(long, value_name = "N", requires = "time", help_heading = "Validation")]
    pub max_train_size: Option<usize>,
    /// One hold-out split with this share of rows for testing, instead of k folds.
    #[arg(long, value_name = "FRACTION", conflicts_with_all = ["group", "time"], help_heading = "Validation")]
    pub holdout: Option<f64>,
    /// Seed of the shuffles and of training.
    #[arg(long, default_value_t = 0, help_heading = "Validation")]
    pub seed: u64,
    /// Metric that ranks candidates: accuracy, balanced_accuracy, f1, roc_auc, log_loss
    /// (classification), r2, rmse, mae (regression). Default: accuracy / r2.
    #[arg(long, value_name = "METRIC", help_heading = "Validation")]
    pub metric: Option<Metric>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", help_heading = "Validation")]
    pub threads: Option<usize>,
}

impl SplitArgs {
    /// The splitter for a problem with this task.
    pub fn splitter(&self, task: Task) -> Result<Splitter> {
        let classification = task.is_classification();
        if self.stratify && !classification {
            bail!("--stratify needs a classification target; this one is {task}");
        }
        let stratify = classification && !self.no_stratify;
        let shuffle = !self.no_shuffle;
        let k = self.folds;
        let strategy = if let Some(f) = self.holdout {
            Strategy::HoldOut {
                test_fraction: f,
                shuffle,
                stratify,
            }
        } else if self.time.is_some() {
            if self.repeats > 1 {
                bail!("--repeats does not apply to time-series splits (they are not random)");
            }
            Strategy::TimeSeries {
                n_splits: k,
                gap: self.gap,
                max_train_size: self.max_train_size,
                test_size: None,
            }
        } else if self.group.is_some() {
            if stratify {
                Strategy::StratifiedGroupKFold { k, shuffle }
            } else {
                Strategy::GroupKFold { k, shuffle }
            }
        } else if stratify {
            Strategy::StratifiedKFold { k, shuffle }
        } else {
            Strategy::KFold { k, shuffle }
        };
        Ok(Splitter {
            strategy,
            repeats: self.repeats,
            seed: self.seed,
        })
    }

    /// The metrics: the chosen one first, then the task's defaults.
    pub fn metrics(&self, task: Task) -> Result<Vec<Metric>> {
        let mut m = Metric::defaults(task);
        if let Some(primary) = self.metric {
            if !primary.applies_to(task) {
                bail!("the {primary} metric does not apply to a {task} target");
            }
            m.retain(|x| *x != primary);
            m.insert(0, primary);
        }
        Ok(m)
    }
}

/// Output flags.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Write the full results (folds, scores, leaderboard, tests, out-of-fold predictions,
    /// training curves, timing) to this JSON file.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub results: Option<PathBuf>,
    /// Also write a self-contained HTML report (leaderboard, fold scores, ROC / PR curves,
    /// confusion matrix, learning curves) to this file.
    #[arg(long, value_name = "FILE.html", help_heading = "Output")]
    pub report: Option<PathBuf>,
    /// Print the full results as JSON on stdout instead of tables.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Leave out-of-fold predictions out of the results.
    #[arg(long, help_heading = "Output")]
    pub no_oof: bool,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
}

/// Loads the data and builds the cross-validation inputs.
pub fn load(data: &DataArgs, target: &TargetArgs, split: &SplitArgs) -> Result<CvData> {
    let table = data.load()?;
    let target_name = data.target_name(target.target.as_deref())?;
    let cv = CvData::new(
        table,
        &target_name,
        target.task,
        split.group.as_deref(),
        split.time.as_deref(),
    )
    .with_context(|| format!("preparing target '{target_name}'"))?;
    if cv.problem.features.columns.is_empty() {
        bail!("no feature columns are left besides the target");
    }
    Ok(cv)
}

/// A progress bar on stderr (hidden when not a terminal or when `hidden`).
pub fn progress_bar(hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} fits {pos}/{len} [{bar:30}] {elapsed} (eta {eta}) {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb
}

/// Runs the selection with a progress bar and writes / prints the results.
pub fn run_selection(
    kind: &str,
    cv: &CvData,
    candidates: &[Candidate],
    options: &SelectOptions,
    output: &OutputArgs,
    model_file: Option<&PathBuf>,
) -> Result<(Selection, SelectionResults)> {
    let start = Instant::now();
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let pb = progress_bar(output.quiet || output.json);
    let names: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
    let on_progress = |p: Progress| {
        if p.total > 0 {
            pb.set_length(p.total as u64);
        }
        pb.set_position(p.done as u64);
        if let Some(n) = names.get(p.candidate) {
            pb.set_message(n.to_string());
        }
    };
    let sel = select(cv, candidates, options, Some(&on_progress));
    pb.finish_and_clear();
    let sel = sel?;
    if let (Some(path), Some(refit)) = (model_file, &sel.refit) {
        refit
            .save(path, &cv.problem.target_name, cv.n_rows())
            .with_context(|| format!("saving the model to {}", path.display()))?;
    }
    let info = RunInfo {
        kind: kind.into(),
        command: std::env::args().collect(),
        created_unix_s: created,
        total_seconds: start.elapsed().as_secs_f64(),
        model_file: model_file.map(|p| p.display().to_string()),
    };
    let results = SelectionResults::build(cv, &sel, &info);
    if let Some(path) = &output.results {
        results
            .write(path)
            .with_context(|| format!("writing results to {}", path.display()))?;
    }
    if let Some(path) = &output.report {
        let input = super::report::from_text(&serde_json::to_string(&results)?, 3)?;
        super::report::write_report(&input, path)
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    if output.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok((sel, results))
}

/// Options for a run from the flags.
pub fn options(
    split: &SplitArgs,
    output: &OutputArgs,
    task: Task,
    rule: Rule,
    nested: Option<Splitter>,
    refit: bool,
) -> Result<SelectOptions> {
    Ok(SelectOptions {
        cv: CvOptions {
            splitter: split.splitter(task)?,
            metrics: split.metrics(task)?,
            seed: split.seed,
            keep_oof: !output.no_oof,
            histories: HistoryPolicy::FirstFold,
            threads: split.threads,
            train_scores: true,
        },
        rule,
        alpha: 0.05,
        nested,
        refit,
    })
}

/// The first lines of the report: data, validation, candidates.
pub fn print_header(cv: &CvData, r: &SelectionResults) {
    let d = &r.data;
    let mut target = format!("target '{}' ({})", d.target, d.task);
    if let (Some(classes), Some(counts)) = (&d.classes, &d.class_counts) {
        let parts: Vec<String> = classes
            .iter()
            .zip(counts)
            .take(6)
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let more = if classes.len() > 6 { ", ..." } else { "" };
        target = format!(
            "target '{}' ({}: {}{more})",
            d.target,
            d.task,
            parts.join(", ")
        );
    }
    println!(
        "{}: {} rows, {} feature columns, {target}",
        d.source,
        d.n_rows,
        d.feature_columns.len()
    );
    let fits: usize = r.candidates.len() * r.folds.len();
    println!(
        "validation: {}, seed {}; {} candidate{}, {fits} fits in {:.1} s on {} thread{}",
        r.validation,
        r.seed,
        r.candidates.len(),
        if r.candidates.len() == 1 { "" } else { "s" },
        r.timing.cv_seconds,
        r.environment.threads,
        if r.environment.threads == 1 { "" } else { "s" }
    );
    for w in &cv.problem.warnings {
        eprintln!("warning: {w}");
    }
}

/// `mean ± std`.
pub fn mean_std(mean: f64, std: f64) -> String {
    format!("{} ± {}", fmt4(mean), fmt4(std))
}

/// Four decimals (scores).
pub fn fmt4(v: f64) -> String {
    if v.is_finite() {
        if v.abs() >= 1e4 {
            fmt_num(v)
        } else {
            format!("{v:.4}")
        }
    } else {
        "-".into()
    }
}

/// A signed number with three significant decimals.
fn fmt_signed(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 1e4 {
        format!("{v:+.3e}")
    } else {
        format!("{v:+.4}")
    }
}

/// The leaderboard table.
pub fn print_leaderboard(lb: &Leaderboard) {
    let metric = lb.metric.name();
    let mut t = new_table(&[
        "#",
        "candidate",
        &format!("{metric} (mean ± std)"),
        "95% CI",
        "gap (train-val)",
        "fit s",
        "params",
        "p vs best (Holm)",
        "",
    ]);
    for row in &lb.rows {
        let name = if row.selected {
            format!("{} *", row.name)
        } else {
            row.name.clone()
        };
        match (&row.error, row.metrics.first()) {
            (None, Some(m)) => {
                let p = if Some(row.candidate) == lb.best {
                    "best".to_string()
                } else {
                    row.p_adjusted.map_or("-".into(), fmt_p)
                };
                let mark = match row.not_worse {
                    Some(true) if Some(row.candidate) != lb.best => "≈ best",
                    Some(false) => "worse",
                    _ => "",
                };
                t.add_row(vec![
                    row.rank.map_or(String::new(), |r| r.to_string()),
                    name,
                    mean_std(m.mean, m.std),
                    if m.ci_low.is_finite() {
                        format!("[{}, {}]", fmt4(m.ci_low), fmt4(m.ci_high))
                    } else {
                        "-".into()
                    },
                    fmt_signed(m.gap),
                    format!("{:.3}", row.fit_seconds),
                    row.n_params.to_string(),
                    p,
                    mark.into(),
                ]);
            }
            _ => {
                t.add_row(vec![
                    "-".into(),
                    name,
                    "failed".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
    }
    println!("{t}");
    for row in lb.rows.iter().filter(|r| r.metrics.is_empty()) {
        let err = row.error.as_deref().unwrap_or("no finite score");
        println!("failed: {}: {}", row.name, shorten(err, 160));
    }
    let n_ok = lb.rows.iter().filter(|r| r.error.is_none()).count();
    let n_not_worse = lb
        .rows
        .iter()
        .filter(|r| r.not_worse == Some(true) && Some(r.candidate) != lb.best)
        .count();
    let tested = lb.rows.iter().any(|r| r.p_value.is_some());
    if n_ok > 1 && tested {
        println!(
            "≈ best: not significantly worse than the best ({n_not_worse} of {}; corrected resampled t-test, Holm-adjusted, alpha {}); gap > 0 on a score (< 0 on a loss) means overfitting",
            n_ok - 1,
            lb.alpha
        );
    } else if n_ok > 1 {
        println!("one split: no interval and no significance test (they need at least 2 folds)");
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}

/// The other metrics of the selected (or only) candidate.
pub fn print_metrics(lb: &Leaderboard, candidate: usize) {
    let Some(row) = lb.row(candidate) else {
        return;
    };
    if row.metrics.is_empty() {
        return;
    }
    let mut t = new_table(&["metric", "mean ± std", "95% CI", "train", "gap (train-val)"]);
    for m in &row.metrics {
        t.add_row(vec![
            m.metric.name().to_string(),
            mean_std(m.mean, m.std),
            if m.ci_low.is_finite() {
                format!("[{}, {}]", fmt4(m.ci_low), fmt4(m.ci_high))
            } else {
                "-".into()
            },
            fmt4(m.train_mean),
            fmt_signed(m.gap),
        ]);
    }
    println!("{t}");
}

/// Runs `mosel cv`.
pub fn run(args: Args) -> Result<()> {
    let cv = load(&args.data, &args.target, &args.split)?;
    let task = cv.problem.task;
    let spec = args.candidate.spec()?;
    let candidates = if spec.is_empty() {
        // One sensible candidate: the task's linear model with L-BFGS.
        Spec::from_pairs([("optimizer", "lbfgs")])?.build(task)?
    } else {
        spec.build(task)?
    };
    if candidates.len() > 1 {
        bail!(
            "these flags describe {} candidates (a flag was given more than once); `mosel cv` \
             evaluates one — use `mosel select` to compare several",
            candidates.len()
        );
    }
    let opts = options(&args.split, &args.output, task, Rule::Best, None, false)?;
    let (sel, results) = run_selection("cv", &cv, &candidates, &opts, &args.output, None)?;
    if args.output.json {
        return Ok(());
    }
    print_header(&cv, &results);
    let c = &sel.run.candidates[0];
    println!("candidate: {}", c.candidate.describe());
    if let Some(e) = &c.error {
        bail!("the candidate failed to train: {e}");
    }
    let metrics = &sel.run.metrics;
    let mut header: Vec<String> = vec!["fold".into(), "train rows".into(), "test rows".into()];
    for m in metrics {
        header.push(format!("{} test", m.name()));
    }
    header.push(format!("{} train", metrics[0].name()));
    header.push("fit s".into());
    header.push("epochs".into());
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = new_table(&h);
    for (f, o) in c.folds.iter().enumerate() {
        let fold = &sel.run.folds[f];
        let label = if sel.run.splitter.repeats > 1 {
            format!("{}.{}", fold.repeat + 1, fold.index + 1)
        } else {
            (fold.index + 1).to_string()
        };
        let mut row = vec![
            label,
            fold.train.len().to_string(),
            fold.test.len().to_string(),
        ];
        row.extend(o.test.iter().map(|v| fmt4(*v)));
        row.push(fmt4(o.train[0]));
        row.push(format!("{:.3}", o.fit_seconds));
        row.push(o.epochs.to_string());
        t.add_row(row);
    }
    println!("{t}");
    print_metrics(&sel.leaderboard, 0);
    println!(
        "{} parameters; 95% CI: corrected resampled t interval (Nadeau & Bengio); gap > 0 on a score means overfitting",
        c.n_params()
    );
    if let Some(p) = &args.output.results {
        println!("results written to {}", p.display());
    }
    if let Some(p) = &args.output.report {
        println!("report written to {}", p.display());
    }
    Ok(())
}
