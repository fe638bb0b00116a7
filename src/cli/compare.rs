//! `mosel compare`: two models' predictions on the same rows, their metrics and
//! paired tests (McNemar, paired bootstrap, DeLong) with a plain-language verdict.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use mosel_metrics::paired::{self, DeLong, McNemar};
use serde::Serialize;

use super::eval::{self, ColumnArgs, Predictions, Task};
use super::{fmt_num, new_table};

/// Compare two predictions files for the same rows.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Predictions of model A (CSV).
    pub file_a: PathBuf,
    /// Predictions of model B (CSV), same rows in the same order.
    pub file_b: PathBuf,
    #[command(flatten)]
    pub cols: ColumnArgs,
    /// Bootstrap resamples of the paired bootstrap test.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
    /// Significance level of the verdict (p-values are Holm-adjusted over the metrics).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct MetricComparison {
    metric: String,
    a: f64,
    b: f64,
    diff: f64,
    ci_low: f64,
    ci_high: f64,
    p_value: f64,
    p_holm: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    rows: usize,
    task: Task,
    metrics: Vec<MetricComparison>,
    mcnemar: Option<McNemar>,
    delong: Option<DeLong>,
    verdict: String,
}

fn higher_is_better(m: &str) -> bool {
    !matches!(
        m,
        "log_loss"
            | "brier"
            | "ece"
            | "hamming"
            | "mse"
            | "rmse"
            | "mae"
            | "median_ae"
            | "max_error"
            | "mape"
    )
}

fn same_truth(a: &Predictions, b: &Predictions) -> bool {
    if a.task == Task::Regression {
        a.y == b.y
    } else {
        a.classes == b.classes && a.truth == b.truth
    }
}

/// Runs `mosel compare`.
pub fn run(args: Args) -> Result<()> {
    let a = eval::load(&args.file_a, &args.cols)?;
    let b = eval::load(&args.file_b, &args.cols)?;
    if a.rows != b.rows {
        bail!(
            "{} has {} rows but {} has {}: compare predictions for the same rows",
            args.file_a.display(),
            a.rows,
            args.file_b.display(),
            b.rows
        );
    }
    if a.task != b.task {
        bail!(
            "the files describe different tasks ({:?} vs {:?}); pass --task",
            a.task,
            b.task
        );
    }
    if !same_truth(&a, &b) {
        bail!(
            "the '{}' columns differ between the files: a paired comparison needs the same rows in the same order",
            args.cols.truth
        );
    }
    if args.bootstrap < 2 {
        bail!("--bootstrap must be at least 2 for the paired bootstrap test");
    }
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must be in (0, 1)");
    }
    let names = if args.cols.metrics.is_empty() {
        let da = eval::default_metrics(&a);
        let db = eval::default_metrics(&b);
        da.into_iter().filter(|m| db.contains(m)).collect()
    } else {
        args.cols.metrics.clone()
    };
    eval::check_metric_names(&names)?;
    let average = eval::parse_average(args.cols.average.as_deref(), a.task)?;
    let opts = eval::bootstrap_options(&args.cols, args.bootstrap)?;
    let mut metrics = Vec::new();
    for n in &names {
        let r = paired::paired_bootstrap(
            a.rows,
            |idx| eval::compute(n, &a.subset(idx), average),
            |idx| eval::compute(n, &b.subset(idx), average),
            &opts,
        )
        .with_context(|| format!("comparing {n}"))?;
        metrics.push(MetricComparison {
            metric: n.clone(),
            a: r.a,
            b: r.b,
            diff: r.diff.estimate,
            ci_low: r.diff.low,
            ci_high: r.diff.high,
            p_value: r.p_value,
            p_holm: f64::NAN,
        });
    }
    let ps: Vec<f64> = metrics.iter().map(|m| m.p_value).collect();
    for (m, p) in metrics.iter_mut().zip(paired::holm(&ps)?) {
        m.p_holm = p;
    }
    let mcnemar = match (&a.pred, &b.pred, a.task) {
        (Some(pa), Some(pb), Task::Binary | Task::Multiclass) => {
            Some(paired::mcnemar(&a.truth, pa, pb)?)
        }
        _ => None,
    };
    let delong = match (&a.scores, &b.scores, a.task) {
        (Some((sa, 1)), Some((sb, 1)), Task::Binary) => {
            paired::delong(&a.truth, sa, sb, a.pos as usize).ok()
        }
        _ => None,
    };
    // verdict on the first metric (the headline), backed by the other tests
    let verdict = match metrics.first() {
        None => "no metric to compare".to_string(),
        Some(m) => {
            let better_a = if higher_is_better(&m.metric) {
                m.diff > 0.0
            } else {
                m.diff < 0.0
            };
            let (w, l) = if better_a { ("A", "B") } else { ("B", "A") };
            let ci = format!(
                "{:.0}% CI of A - B [{}, {}]",
                args.cols.confidence * 100.0,
                fmt_num(m.ci_low),
                fmt_num(m.ci_high)
            );
            if m.diff == 0.0 {
                format!(
                    "A and B have the same {} ({}); no difference to test.",
                    m.metric,
                    fmt_num(m.a)
                )
            } else if m.p_holm < args.alpha {
                format!(
                    "{w} is better than {l} on {}: {} vs {} ({ci}, Holm-adjusted p = {}), significant at the {} level.",
                    m.metric,
                    fmt_num(if better_a { m.a } else { m.b }),
                    fmt_num(if better_a { m.b } else { m.a }),
                    fmt_num(m.p_holm),
                    args.alpha
                )
            } else {
                format!(
                    "No significant difference in {} at the {} level: {} (A) vs {} (B), {ci}, Holm-adjusted p = {}; {w}'s lead may be noise.",
                    m.metric,
                    args.alpha,
                    fmt_num(m.a),
                    fmt_num(m.b),
                    fmt_num(m.p_holm)
                )
            }
        }
    };
    let report = Report {
        rows: a.rows,
        task: a.task,
        metrics,
        mcnemar,
        delong,
        verdict,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "A = {}\nB = {}\n{} rows, {}",
        args.file_a.display(),
        args.file_b.display(),
        report.rows,
        format!("{:?}", report.task).to_lowercase()
    );
    let ci_head = format!("A - B {:.0}% CI", args.cols.confidence * 100.0);
    let mut t = new_table(&[
        "metric",
        "A",
        "B",
        "A - B",
        &ci_head,
        "p (bootstrap)",
        "p (Holm)",
    ]);
    for m in &report.metrics {
        t.add_row(vec![
            m.metric.clone(),
            fmt_num(m.a),
            fmt_num(m.b),
            fmt_num(m.diff),
            format!("[{}, {}]", fmt_num(m.ci_low), fmt_num(m.ci_high)),
            fmt_num(m.p_value),
            fmt_num(m.p_holm),
        ]);
    }
    println!("{t}");
    if let Some(m) = &report.mcnemar {
        println!(
            "McNemar ({}): A right & B wrong {}, B right & A wrong {}, p = {}",
            if m.exact {
                "exact binomial"
            } else {
                "chi-square, continuity-corrected"
            },
            m.a_only,
            m.b_only,
            fmt_num(m.p_value)
        );
    }
    if let Some(d) = &report.delong {
        println!(
            "DeLong: AUC A {} vs B {}, z = {}, p = {}",
            fmt_num(d.auc_a),
            fmt_num(d.auc_b),
            fmt_num(d.z),
            fmt_num(d.p_value)
        );
    }
    println!("Verdict: {}", report.verdict);
    Ok(())
}
