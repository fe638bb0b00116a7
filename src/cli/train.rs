//! `mosel train`: fit one model on a table and save it as a model file.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mosel_data::{Pipeline, Problem, Target, Task};
use mosel_select::candidate::{Candidate, Spec};
use mosel_train::file::{self, SaveInfo, TrainSummary};
use mosel_train::model::split_rows;
use mosel_train::{Control, EpochRecord, FitOptions, HistoryMetric};
use serde::Serialize;

use super::{DataArgs, TargetArgs, fmt_num, new_table};

/// Train a model on a table and save it.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Any model family works: --model linear, logistic, softmax, mlp, knn or gaussian_nb \
(see `mosel select --help`); settings without a flag of their own go in --param KEY=VALUE.\n\n\
Examples:\n  mosel train --dataset iris -o iris.mosel\n  mosel train --data train.csv --target label --model logistic --optimizer adam --lr 0.01 \\\n      --epochs 100 --batch-size 64 --l2 1e-4 --early-stopping 10 -o model.mosel\n  mosel train --dataset digits --model mlp --hidden 64,32 --dropout 0.1 --epochs 50 -o digits.mosel\n  mosel train --dataset wine --model knn --param n_neighbors=7 -o wine.mosel"
)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Model: linear, logistic, softmax, mlp, knn, gaussian_nb (default: logistic for
    /// classes, linear for numbers).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Hidden layer widths of an MLP, e.g. 64,32 (implies --model mlp).
    #[arg(long, value_name = "W1,W2,...")]
    pub hidden: Option<String>,
    /// MLP activation: relu, tanh or gelu.
    #[arg(long, value_name = "ACT")]
    pub activation: Option<String>,
    /// MLP dropout probability on hidden activations.
    #[arg(long, value_name = "P")]
    pub dropout: Option<String>,
    /// Optimizer: gd, sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, lbfgs
    /// (default: lbfgs for linear models, adam for MLPs).
    #[arg(long, value_name = "OPT")]
    pub optimizer: Option<String>,
    /// Learning rate (default: the optimizer's; L-BFGS needs none).
    #[arg(long, value_name = "LR")]
    pub lr: Option<String>,
    /// Learning-rate schedule: constant, step:<epochs>:<gamma>, exp:<gamma>, cosine[:<min_lr>].
    #[arg(long, value_name = "SCHED")]
    pub schedule: Option<String>,
    /// Epochs of linear learning-rate warm-up.
    #[arg(long, value_name = "N")]
    pub warmup: Option<String>,
    /// Maximum epochs (L-BFGS: iterations; default 100, MLPs 200).
    #[arg(long, value_name = "N")]
    pub epochs: Option<String>,
    /// Mini-batch size of the stochastic optimizers (default 32; MLPs 200).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<String>,
    /// Loss: mse, mae, huber[:delta], bce, cross_entropy (default: from the task).
    #[arg(long, value_name = "LOSS")]
    pub loss: Option<String>,
    /// L1 penalty strength.
    #[arg(long, value_name = "A")]
    pub l1: Option<String>,
    /// L2 penalty strength, (l2/2)·|w|² (scikit-learn's C corresponds to 1/(C·rows)).
    #[arg(long, value_name = "A")]
    pub l2: Option<String>,
    /// Clip gradients to this Euclidean norm.
    #[arg(long, value_name = "NORM")]
    pub clip: Option<String>,
    /// Stop when the training loss improves by less than this for --n-iter-no-change epochs.
    #[arg(long, value_name = "TOL")]
    pub tol: Option<String>,
    /// Epochs without improvement for --tol (default 10).
    #[arg(long, value_name = "N")]
    pub n_iter_no_change: Option<String>,
    /// Stop when the largest gradient component falls below this.
    #[arg(long, value_name = "TOL")]
    pub gtol: Option<String>,
    /// Early stopping: epochs without validation improvement before stopping.
    #[arg(long, value_name = "PATIENCE")]
    pub early_stopping: Option<usize>,
    /// Smallest validation-loss decrease that counts as improvement.
    #[arg(long, value_name = "D")]
    pub min_delta: Option<String>,
    /// Fraction of rows held out for validation (with --early-stopping or --validation).
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    pub validation_fraction: f64,
    /// Hold out a validation split and record validation loss and metric per epoch even
    /// without early stopping.
    #[arg(long)]
    pub validation: bool,
    /// Any other setting of the model's family, e.g. --param n_neighbors=7 (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub params: Vec<(String, String)>,
    /// Do not standardize numeric features.
    #[arg(long)]
    pub no_scale: bool,
    /// Seed of initialisation, shuffling, dropout and the validation split.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the model file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print a JSON summary (with the per-epoch history) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write an HTML report with the learning curve.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    source: String,
    target: &'a str,
    task: Task,
    rows: usize,
    features: usize,
    model: String,
    n_params: usize,
    params: &'a serde_json::Value,
    summary: Option<&'a TrainSummary>,
    history: &'a [EpochRecord],
    output: Option<String>,
}

/// The candidate the flags describe (one model family with its settings).
pub fn candidate_from(args: &Args, task: Task) -> Result<Candidate> {
    let patience = args.early_stopping.map(|p| p.to_string());
    let fraction = args
        .early_stopping
        .map(|_| args.validation_fraction.to_string());
    let flags: [(&str, Option<&String>); 19] = [
        ("model", args.model.as_ref()),
        ("hidden", args.hidden.as_ref()),
        ("activation", args.activation.as_ref()),
        ("dropout", args.dropout.as_ref()),
        ("optimizer", args.optimizer.as_ref()),
        ("lr", args.lr.as_ref()),
        ("schedule", args.schedule.as_ref()),
        ("warmup_epochs", args.warmup.as_ref()),
        ("epochs", args.epochs.as_ref()),
        ("batch_size", args.batch_size.as_ref()),
        ("loss", args.loss.as_ref()),
        ("l1", args.l1.as_ref()),
        ("l2", args.l2.as_ref()),
        ("clip_norm", args.clip.as_ref()),
        ("tol", args.tol.as_ref()),
        ("n_iter_no_change", args.n_iter_no_change.as_ref()),
        ("gtol", args.gtol.as_ref()),
        ("patience", patience.as_ref()),
        ("validation_fraction", fraction.as_ref()),
    ];
    let mut pairs: Vec<(&str, &str)> = flags
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v.as_str())))
        .collect();
    if let Some(d) = &args.min_delta {
        pairs.push(("min_delta", d));
    }
    if args.no_scale {
        pairs.push(("scale", "false"));
    }
    pairs.extend(args.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut candidates = Spec::from_pairs(pairs)?.build(task)?;
    if candidates.len() != 1 {
        bail!(
            "these flags describe {} models; `mosel train` trains one",
            candidates.len()
        );
    }
    let mut c = candidates.remove(0);
    c.name = c.family().label(&c.model, &c.params);
    Ok(c)
}

/// Refuses infinite numbers in numeric feature columns, naming the column and the data row
/// (missing values are imputed by the pipeline; infinities would poison its statistics).
pub fn check_infinite(table: &mosel_data::Table) -> Result<()> {
    for col in &table.columns {
        if let mosel_data::ColumnData::Numeric(v) = &col.data
            && let Some(i) = v.iter().position(|x| x.is_infinite())
        {
            bail!(
                "column '{}' has an infinite value ({}) in data row {}: replace it or drop the row",
                col.name,
                v[i],
                i + 1
            );
        }
    }
    Ok(())
}

/// Runs `mosel train`.
pub fn run(args: Args) -> Result<()> {
    let table = args.data.load()?;
    let source = args.data.source()?.display_name();
    let target = args.data.target_name(args.target.target.as_deref())?;
    let problem = Problem::new(table, &target, args.target.task)?;
    for w in &problem.warnings {
        eprintln!("warning: {w}");
    }
    check_infinite(&problem.features)?;
    let candidate = candidate_from(&args, problem.task)?;
    let n = problem.target.len();
    let hold_out = args.early_stopping.is_some() || args.validation;
    let (train_rows, val_rows) = if hold_out {
        if !(args.validation_fraction > 0.0 && args.validation_fraction < 1.0) {
            bail!(
                "--validation-fraction must be in (0, 1), got {}",
                args.validation_fraction
            );
        }
        split_rows(
            &problem.target,
            args.validation_fraction,
            args.seed.wrapping_add(2),
        )
    } else {
        ((0..n).collect(), Vec::new())
    };
    if hold_out && val_rows.is_empty() {
        bail!("{n} rows are too few to hold out a validation split");
    }
    // The pipeline is fitted on the training rows only: the validation rows stay unseen.
    let pipeline = Pipeline::fit(
        &problem.features,
        Some(&train_rows),
        &candidate.preprocessing,
    )?;
    let x = pipeline.transform(&problem.features, Some(&train_rows))?;
    let y = problem.target.select_rows(&train_rows);
    let val = if hold_out {
        Some((
            pipeline.transform(&problem.features, Some(&val_rows))?,
            problem.target.select_rows(&val_rows),
        ))
    } else {
        None
    };
    if let (Target::Classes { codes, labels }, Some((_, Target::Classes { codes: vc, .. }))) =
        (&y, &val)
    {
        let present = |c: &[u32]| {
            let mut seen = vec![false; labels.len()];
            c.iter().for_each(|&v| seen[v as usize] = true);
            seen
        };
        let (tr, va) = (present(codes), present(vc));
        let only_val: Vec<&str> = (0..labels.len())
            .filter(|&i| va[i] && !tr[i])
            .map(|i| labels[i].as_str())
            .collect();
        if !only_val.is_empty() {
            eprintln!(
                "warning: class(es) {} appear only in the validation split",
                only_val.join(", ")
            );
        }
    }

    let mut model = candidate.learner(x.n_rows, args.seed)?;
    let names = pipeline.feature_names().to_vec();
    let pb = if args.quiet || args.json {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{spinner} epoch {pos} {elapsed} {msg}")
                .expect("valid template"),
        );
        pb
    };
    let mut on_epoch = |r: &EpochRecord| {
        let mut msg = format!("train loss {}", fmt_num(r.train_loss));
        if let Some(v) = r.val_loss {
            msg.push_str(&format!("  val loss {}", fmt_num(v)));
        }
        pb.set_position(r.epoch as u64);
        pb.set_message(msg);
        Control::Continue
    };
    let opts = FitOptions {
        validation: val.as_ref().map(|(vx, vy)| (vx, vy)),
        feature_names: Some(&names),
        on_epoch: Some(&mut on_epoch),
    };
    let fitted = model.fit(&x, &y, opts);
    pb.finish_and_clear();
    let described = candidate.describe();
    let history = fitted.with_context(|| format!("training {described}"))?;
    let summary = TrainSummary::from_history(&history, x.n_rows);
    if let Some(path) = &args.report {
        let header = mosel_report::Header {
            title: Some(format!("mosel train — {source}")),
            dataset: source.clone(),
            task: problem.task.to_string(),
            target: Some(target.clone()),
            n_rows: Some(n as u64),
            n_features: Some(x.n_cols as u64),
            seed: Some(args.seed),
            mosel_version: env!("CARGO_PKG_VERSION").to_string(),
            duration_s: Some(history.seconds),
            command: std::env::args().collect(),
            validation: hold_out.then(|| format!("hold-out of {} rows", val_rows.len())),
            extra: vec![
                ("model".into(), described.clone()),
                ("parameters".into(), model.n_params().to_string()),
            ],
            ..Default::default()
        };
        let mut input = mosel_report::ReportInput::new(header);
        if !history.records.is_empty() {
            input.learning_curves.push(mosel_report::LearningCurve {
                name: candidate.name.clone(),
                loss: None,
                train_loss: history.records.iter().map(|r| r.train_loss).collect(),
                val_loss: history.records.iter().filter_map(|r| r.val_loss).collect(),
                best_epoch: history.best_epoch,
                stopped_epoch: (history.stop == mosel_train::StopReason::EarlyStopping)
                    .then_some(history.records.len()),
                patience: args.early_stopping,
            });
        }
        super::report::write_report(&input, path)?;
    }
    if let Some(out) = &args.output {
        let info = SaveInfo {
            target: Some(target.clone()),
            pipeline: Some(serde_json::to_value(&pipeline)?),
            summary: summary.clone(),
        };
        file::save(out, model.as_ref(), &info)
            .with_context(|| format!("saving the model to {}", out.display()))?;
    }
    if args.json {
        let report = Report {
            source,
            target: &target,
            task: problem.task,
            rows: n,
            features: x.n_cols,
            model: described,
            n_params: model.n_params(),
            params: &candidate.params,
            summary: summary.as_ref(),
            history: &history.records,
            output: args.output.as_ref().map(|p| p.display().to_string()),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{source}: {described} on {} rows x {} features ({} parameters), target '{target}' ({})",
        x.n_rows,
        x.n_cols,
        model.n_params(),
        problem.task
    );
    let Some(summary) = summary else {
        println!("fitted without iterations in {:.2}s", history.seconds);
        if let Some(out) = &args.output {
            println!("model saved to {}", out.display());
        }
        return Ok(());
    };
    let metric = match summary.metric {
        HistoryMetric::Accuracy => "accuracy",
        HistoryMetric::R2 => "R²",
    };
    let loss_head = if problem.task == Task::Regression && candidate.standardizes_target() {
        "loss (standardized target)"
    } else {
        "loss"
    };
    let mut t = new_table(&["", loss_head, metric]);
    t.add_row(vec![
        "train".to_string(),
        fmt_num(summary.train_loss),
        fmt_num(summary.train_metric),
    ]);
    if let (Some(vl), Some(vm)) = (summary.val_loss, summary.val_metric) {
        t.add_row(vec![
            format!("validation ({} rows)", val_rows.len()),
            fmt_num(vl),
            fmt_num(vm),
        ]);
        t.add_row(vec![
            "overfitting gap".to_string(),
            fmt_num(vl - summary.train_loss),
            fmt_num(summary.train_metric - vm),
        ]);
    }
    println!("{t}");
    let best = summary
        .best_epoch
        .map(|b| format!(", weights of epoch {b} restored"))
        .unwrap_or_default();
    println!(
        "{} epoch(s) in {:.2}s, stopped: {}{best}",
        summary.epochs,
        summary.seconds,
        serde_json::to_value(summary.stop)?
            .as_str()
            .unwrap_or("?")
            .replace('_', " ")
    );
    if let Some(out) = &args.output {
        println!("model saved to {}", out.display());
    }
    Ok(())
}
