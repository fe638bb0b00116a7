//! `mosel eval`: score a predictions file with scikit-learn-exact metrics and
//! bootstrap confidence intervals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use mosel_metrics::ScoreMatrix;
use mosel_metrics::bootstrap::{BootstrapOptions, CiMethod, Interval, bootstrap_ci};
use mosel_metrics::classification::{self as cls, Average, PrfOptions, ZeroDivision};
use mosel_metrics::probability::{self as prob, BinStrategy};
use mosel_metrics::ranking::{self as rk, MultiClass, ScoreAverage};
use mosel_metrics::regression as reg;
use serde::Serialize;

use super::{fmt_num, new_table};

/// Score a predictions file: metrics with confidence intervals.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// CSV file with one row per example: the true value, the prediction and/or scores.
    #[arg(long, value_name = "FILE")]
    pub predictions: PathBuf,
    #[command(flatten)]
    pub cols: ColumnArgs,
    /// Bootstrap resamples for confidence intervals (0 = none).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub bootstrap: usize,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Which columns hold what, and how to score them (shared with `mosel compare`).
#[derive(Debug, Clone, clap::Args)]
pub struct ColumnArgs {
    /// Column with the true value.
    #[arg(long, value_name = "COL")]
    pub truth: String,
    /// Column with the predicted label or value (default: `prediction` if present).
    #[arg(long, value_name = "COL")]
    pub pred: Option<String>,
    /// Score / probability columns: one for the positive class of a binary problem, or
    /// one per class (`proba_<label>` names map to labels; default: all `proba_*` columns).
    #[arg(long, value_name = "COL", num_args = 1..)]
    pub score: Vec<String>,
    /// Metrics to compute, comma-separated (default: the standard set for the task);
    /// `partial_roc_auc` is the standardised ROC area up to a false positive rate of 0.1.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Averaging of precision / recall / F1 for multiclass data: macro, micro, weighted.
    #[arg(long, value_name = "AVG")]
    pub average: Option<String>,
    /// The positive class of a binary problem (default: 1, true, yes, or the larger label).
    #[arg(long, value_name = "LABEL")]
    pub pos_label: Option<String>,
    /// The task, when inference from the truth column is not what you want.
    #[arg(long, value_name = "binary|multiclass|regression")]
    pub task: Option<String>,
    /// Confidence level of intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,
    /// Interval method: percentile or bca.
    #[arg(long, value_name = "METHOD", default_value = "percentile")]
    pub ci: String,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The kind of problem a predictions file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Binary,
    Multiclass,
    Regression,
}

/// Loaded predictions, with labels mapped to codes.
#[derive(Debug, Clone)]
pub struct Predictions {
    pub task: Task,
    /// Class names by code (classification).
    pub classes: Vec<String>,
    pub truth: Vec<u32>,
    pub pred: Option<Vec<u32>>,
    /// Row-major scores, one column per class (multiclass) or one (binary positive class).
    pub scores: Option<(Vec<f64>, usize)>,
    pub pos: u32,
    pub y: Vec<f64>,
    pub yhat: Vec<f64>,
    pub rows: usize,
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let headers: Vec<String> = rdr
        .headers()?
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    let mut cols = vec![Vec::new(); headers.len()];
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        for (c, v) in rec.iter().enumerate() {
            cols[c].push(v.trim().to_string());
        }
    }
    if cols.first().is_none_or(|c| c.is_empty()) {
        bail!("{} has no data rows", path.display());
    }
    Ok((headers, cols))
}

fn num(v: &str) -> Option<f64> {
    v.parse::<f64>().ok()
}

/// Sorts labels numerically when all are numbers, else as text.
fn sort_labels(v: &mut Vec<String>) {
    v.sort();
    v.dedup();
    if v.iter().all(|s| num(s).is_some_and(f64::is_finite)) {
        v.sort_by(|a, b| num(a).unwrap().total_cmp(&num(b).unwrap()));
        v.dedup_by(|a, b| num(a) == num(b));
    }
}

fn same_label(a: &str, b: &str) -> bool {
    a == b || matches!((num(a), num(b)), (Some(x), Some(y)) if x == y)
}

/// Loads and validates a predictions file.
pub fn load(path: &Path, a: &ColumnArgs) -> Result<Predictions> {
    let (headers, cols) = read_csv(path)?;
    let find = |name: &str| -> Result<usize> {
        headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: no column '{name}' (columns: {})",
                path.display(),
                headers.join(", ")
            )
        })
    };
    let truth_col = &cols[find(&a.truth)?];
    let rows = truth_col.len();
    if truth_col.iter().any(|v| v.is_empty()) {
        bail!("column '{}' has missing values", a.truth);
    }
    let pred_col = match &a.pred {
        Some(p) => Some(&cols[find(p)?]),
        None => headers
            .iter()
            .position(|h| h == "prediction")
            .map(|i| &cols[i]),
    };
    let score_names: Vec<String> = if a.score.is_empty() {
        headers
            .iter()
            .filter(|h| h.starts_with("proba_"))
            .cloned()
            .collect()
    } else {
        a.score.clone()
    };
    if pred_col.is_none() && score_names.is_empty() {
        bail!(
            "no predictions: give --pred COL or --score COL (no 'prediction' or 'proba_*' column found)"
        );
    }
    let task = match a.task.as_deref() {
        Some("binary") => Task::Binary,
        Some("multiclass") => Task::Multiclass,
        Some("regression") => Task::Regression,
        Some(t) => bail!("unknown task '{t}' (binary, multiclass, regression)"),
        None => {
            let all_num: Option<Vec<f64>> = truth_col.iter().map(|v| num(v)).collect();
            let mut distinct = truth_col.clone();
            sort_labels(&mut distinct);
            let regression = all_num.is_some_and(|v| v.iter().any(|x| x.fract() != 0.0))
                || (distinct.len() > 20 && truth_col.iter().all(|v| num(v).is_some()));
            if regression && score_names.is_empty() {
                Task::Regression
            } else {
                let mut labels = distinct;
                if let Some(p) = pred_col {
                    labels.extend(p.iter().cloned());
                }
                labels.extend(
                    score_names
                        .iter()
                        .filter_map(|s| s.strip_prefix("proba_").map(String::from)),
                );
                sort_labels(&mut labels);
                if labels.len() <= 2 {
                    Task::Binary
                } else {
                    Task::Multiclass
                }
            }
        }
    };
    let parse_f = |c: &Vec<String>, name: &str| -> Result<Vec<f64>> {
        c.iter()
            .enumerate()
            .map(|(i, v)| {
                let x = num(v).with_context(|| {
                    format!("column '{name}', row {}: '{v}' is not a number", i + 2)
                })?;
                if !x.is_finite() {
                    bail!("column '{name}', row {}: {v} is not finite", i + 2);
                }
                Ok(x)
            })
            .collect()
    };
    if task == Task::Regression {
        let p = pred_col.context("regression needs --pred COL (or a 'prediction' column)")?;
        let name = a.pred.clone().unwrap_or_else(|| "prediction".into());
        return Ok(Predictions {
            task,
            classes: vec![],
            truth: vec![],
            pred: None,
            scores: None,
            pos: 0,
            y: parse_f(truth_col, &a.truth)?,
            yhat: parse_f(p, &name)?,
            rows,
        });
    }
    // classes: truth ∪ predictions ∪ proba_<label> names
    let mut classes = truth_col.clone();
    if let Some(p) = pred_col {
        if p.iter().any(|v| v.is_empty()) {
            bail!("the prediction column has missing values");
        }
        classes.extend(p.iter().cloned());
    }
    classes.extend(
        score_names
            .iter()
            .filter_map(|s| s.strip_prefix("proba_").map(String::from)),
    );
    sort_labels(&mut classes);
    if classes.len() < 2 && task != Task::Binary {
        bail!("only one class ({}) in the data", classes.join(", "));
    }
    if classes.len() > 2 && task == Task::Binary {
        bail!(
            "--task binary but {} classes found: {}",
            classes.len(),
            classes.join(", ")
        );
    }
    let code = |v: &str| classes.iter().position(|c| same_label(c, v)).unwrap() as u32;
    let truth: Vec<u32> = truth_col.iter().map(|v| code(v)).collect();
    let pos = match &a.pos_label {
        Some(p) => classes
            .iter()
            .position(|c| same_label(c, p))
            .with_context(|| {
                format!(
                    "--pos-label {p} does not occur (labels: {})",
                    classes.join(", ")
                )
            })? as u32,
        None => {
            let pick = ["1", "true", "yes", "pos", "positive"];
            classes
                .iter()
                .position(|c| pick.iter().any(|p| c.eq_ignore_ascii_case(p)) || num(c) == Some(1.0))
                .unwrap_or(classes.len() - 1) as u32
        }
    };
    let scores = if score_names.is_empty() {
        None
    } else {
        let mut parsed = Vec::new();
        for s in &score_names {
            parsed.push(parse_f(&cols[find(s)?], s)?);
        }
        if task == Task::Binary {
            // the positive-class column: proba_<pos> if named, else the only / last one
            let pos_name = &classes[pos as usize];
            let j = score_names
                .iter()
                .position(|s| {
                    s.strip_prefix("proba_")
                        .is_some_and(|l| same_label(l, pos_name))
                })
                .unwrap_or(score_names.len() - 1);
            Some((parsed.swap_remove(j), 1))
        } else {
            // one column per class, in class order
            let mut order = vec![usize::MAX; classes.len()];
            for (j, s) in score_names.iter().enumerate() {
                let c = match s.strip_prefix("proba_") {
                    Some(l) => classes.iter().position(|c| same_label(c, l)),
                    None => Some(j),
                };
                if let Some(c) = c.filter(|&c| c < classes.len()) {
                    order[c] = j;
                }
            }
            if order.contains(&usize::MAX) || score_names.len() != classes.len() {
                bail!(
                    "multiclass scores need one column per class ({}), got {}",
                    classes.join(", "),
                    score_names.join(", ")
                );
            }
            let k = classes.len();
            let mut m = vec![0.0; rows * k];
            for (c, &j) in order.iter().enumerate() {
                for i in 0..rows {
                    m[i * k + c] = parsed[j][i];
                }
            }
            Some((m, k))
        }
    };
    let pred = match pred_col {
        Some(p) => Some(p.iter().map(|v| code(v)).collect()),
        None => scores.as_ref().map(|(m, k)| {
            if *k == 1 {
                let thr = if m.iter().all(|x| (0.0..=1.0).contains(x)) {
                    0.5
                } else {
                    0.0
                };
                let neg = if pos == 0 { 1 } else { 0 };
                m.iter()
                    .map(|&s| if s >= thr { pos } else { neg })
                    .collect()
            } else {
                m.chunks(*k)
                    .map(|r| {
                        let mut best = 0;
                        for (j, &x) in r.iter().enumerate() {
                            if x > r[best] {
                                best = j;
                            }
                        }
                        best as u32
                    })
                    .collect()
            }
        }),
    };
    Ok(Predictions {
        task,
        classes,
        truth,
        pred,
        scores,
        pos,
        y: vec![],
        yhat: vec![],
        rows,
    })
}

impl Predictions {
    /// The rows `idx` only (for bootstrap resamples).
    pub fn subset(&self, idx: &[usize]) -> Predictions {
        let pick_u = |v: &Vec<u32>| idx.iter().map(|&i| v[i]).collect::<Vec<u32>>();
        let pick_f = |v: &Vec<f64>| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        Predictions {
            task: self.task,
            classes: self.classes.clone(),
            truth: if self.truth.is_empty() {
                vec![]
            } else {
                pick_u(&self.truth)
            },
            pred: self.pred.as_ref().map(pick_u),
            scores: self.scores.as_ref().map(|(m, k)| {
                (
                    idx.iter()
                        .flat_map(|&i| m[i * k..(i + 1) * k].iter().copied())
                        .collect(),
                    *k,
                )
            }),
            pos: self.pos,
            y: if self.y.is_empty() {
                vec![]
            } else {
                pick_f(&self.y)
            },
            yhat: if self.yhat.is_empty() {
                vec![]
            } else {
                pick_f(&self.yhat)
            },
            rows: idx.len(),
        }
    }
}

/// The false positive rate up to which `partial_roc_auc` measures the ROC area
/// (standardised with McClish's correction, as scikit-learn's `max_fpr`).
pub const PARTIAL_AUC_MAX_FPR: f64 = 0.1;

/// Every metric name `mosel eval --metrics` accepts.
pub const METRICS: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "mcc",
    "kappa",
    "hamming",
    "roc_auc",
    "partial_roc_auc",
    "roc_auc_ovo",
    "average_precision",
    "log_loss",
    "brier",
    "ece",
    "top2_accuracy",
    "mse",
    "rmse",
    "mae",
    "median_ae",
    "max_error",
    "mape",
    "r2",
    "explained_variance",
];

/// The standard metric set for what the file holds.
pub fn default_metrics(p: &Predictions) -> Vec<String> {
    let mut m: Vec<&str> = match p.task {
        Task::Regression => vec![
            "mse",
            "rmse",
            "mae",
            "median_ae",
            "max_error",
            "mape",
            "r2",
            "explained_variance",
        ],
        _ => vec![
            "accuracy",
            "balanced_accuracy",
            "precision",
            "recall",
            "f1",
            "mcc",
        ],
    };
    if let Some((s, _)) = &p.scores {
        let probs = s.iter().all(|x| (0.0..=1.0).contains(x));
        match p.task {
            Task::Binary => {
                m.extend(["roc_auc", "average_precision"]);
                if probs {
                    m.extend(["log_loss", "brier", "ece"]);
                }
            }
            Task::Multiclass => {
                if probs {
                    m.extend(["roc_auc", "log_loss", "brier", "top2_accuracy"]);
                }
            }
            Task::Regression => {}
        }
    }
    m.into_iter().map(String::from).collect()
}

/// Parses `--average`.
pub fn parse_average(a: Option<&str>, task: Task) -> Result<Average> {
    Ok(match (a, task) {
        (None, Task::Binary) => Average::Binary,
        (None, _) => Average::Macro,
        (Some("binary"), _) => Average::Binary,
        (Some("micro"), _) => Average::Micro,
        (Some("macro"), _) => Average::Macro,
        (Some("weighted"), _) => Average::Weighted,
        (Some(o), _) => bail!("unknown --average '{o}' (binary, micro, macro, weighted)"),
    })
}

/// Computes one metric.
pub fn compute(name: &str, p: &Predictions, average: Average) -> mosel_metrics::Result<f64> {
    use mosel_metrics::MetricsError::InvalidArgument as Inv;
    let need_pred = || {
        p.pred
            .as_deref()
            .ok_or_else(|| Inv("this metric needs predicted labels (--pred)".into()))
    };
    let need_scores = || {
        p.scores
            .as_ref()
            .ok_or_else(|| Inv(format!("{name} needs scores (--score)")))
    };
    let regression = p.task == Task::Regression;
    if regression
        != matches!(
            name,
            "mse"
                | "rmse"
                | "mae"
                | "median_ae"
                | "max_error"
                | "mape"
                | "r2"
                | "explained_variance"
        )
        && METRICS.contains(&name)
    {
        return Err(Inv(
            format!("{name} does not apply to a {:?} task", p.task).to_lowercase()
        ));
    }
    let prf = || {
        let o = PrfOptions {
            average,
            pos_label: p.pos as usize,
            zero_division: ZeroDivision::Warn,
            ..Default::default()
        };
        cls::precision_recall_fscore(&p.truth, need_pred()?, &o)
    };
    let (t, y, yh) = (&p.truth, &p.y, &p.yhat);
    match name {
        "accuracy" => cls::accuracy(t, need_pred()?, None),
        "balanced_accuracy" => cls::balanced_accuracy(t, need_pred()?, None, false),
        "precision" => Ok(prf()?.precision),
        "recall" => Ok(prf()?.recall),
        "f1" => Ok(prf()?.fscore),
        "mcc" => cls::matthews_corrcoef(t, need_pred()?, None),
        "kappa" => cls::cohen_kappa(
            t,
            need_pred()?,
            None,
            cls::KappaWeights::None,
            None,
            f64::NAN,
        ),
        "hamming" => cls::hamming_loss(t, need_pred()?, None),
        "roc_auc" | "partial_roc_auc" | "roc_auc_ovo" | "average_precision" | "log_loss"
        | "brier" | "ece" | "top2_accuracy" => {
            let (s, k) = need_scores()?;
            let m = ScoreMatrix::new(s, *k)?;
            let labels: Vec<usize> = (0..p.classes.len()).collect();
            let binary = *k == 1;
            let pos = p.pos as usize;
            // binary metrics see "is the positive class"
            let is_pos: Vec<u8> = t.iter().map(|&c| (c as usize == pos) as u8).collect();
            match (name, binary) {
                ("roc_auc", true) => {
                    if t.iter().all(|&c| c == t[0]) {
                        return Ok(f64::NAN);
                    }
                    rk::roc_auc(&is_pos, s, None)
                }
                ("partial_roc_auc", true) => {
                    rk::roc_auc_partial(&is_pos, s, PARTIAL_AUC_MAX_FPR, None)
                }
                ("roc_auc", false) => rk::roc_auc_multiclass(
                    t,
                    &m,
                    MultiClass::Ovr,
                    ScoreAverage::Macro,
                    Some(&labels),
                    None,
                ),
                ("roc_auc_ovo", false) => rk::roc_auc_multiclass(
                    t,
                    &m,
                    MultiClass::Ovo,
                    ScoreAverage::Macro,
                    Some(&labels),
                    None,
                ),
                ("average_precision", true) => rk::average_precision(&is_pos, s, 1, None),
                ("average_precision", false) => {
                    rk::average_precision_multiclass(t, &m, ScoreAverage::Macro, None)
                }
                ("log_loss", true) => prob::log_loss(&is_pos, &m, Some(&[0, 1]), None, true),
                ("log_loss", false) => prob::log_loss(t, &m, Some(&labels), None, true),
                ("brier", true) => prob::brier_score(&is_pos, s, Some(1), None),
                ("brier", false) => prob::brier_score_multiclass(t, &m, Some(&labels), None),
                ("ece", true) => {
                    prob::expected_calibration_error(&is_pos, s, Some(1), 10, BinStrategy::Uniform)
                }
                ("ece", false) => prob::expected_calibration_error_multiclass(
                    t,
                    &m,
                    Some(&labels),
                    10,
                    BinStrategy::Uniform,
                ),
                ("top2_accuracy", false) => rk::top_k_accuracy(t, &m, 2, Some(&labels), None, true),
                _ => Err(Inv(format!(
                    "{name} does not apply to a {} task",
                    if binary { "binary" } else { "multiclass" }
                ))),
            }
        }
        "mse" => reg::mean_squared_error(y, yh, None),
        "rmse" => reg::root_mean_squared_error(y, yh, None),
        "mae" => reg::mean_absolute_error(y, yh, None),
        "median_ae" => reg::median_absolute_error(y, yh, None),
        "max_error" => reg::max_error(y, yh),
        "mape" => reg::mean_absolute_percentage_error(y, yh, None),
        "r2" => reg::r2(y, yh, None, true),
        "explained_variance" => reg::explained_variance(y, yh, None, true),
        other => Err(Inv(format!(
            "unknown metric '{other}'; valid metrics: {}",
            METRICS.join(", ")
        ))),
    }
}

/// Validates metric names against [`METRICS`].
pub fn check_metric_names(names: &[String]) -> Result<()> {
    for n in names {
        if !METRICS.contains(&n.as_str()) {
            bail!(
                "unknown metric '{n}'; valid metrics: {}",
                METRICS.join(", ")
            );
        }
    }
    Ok(())
}

/// Bootstrap options from the flags.
pub fn bootstrap_options(a: &ColumnArgs, n: usize) -> Result<BootstrapOptions> {
    let method = match a.ci.as_str() {
        "percentile" => CiMethod::Percentile,
        "bca" => CiMethod::Bca,
        o => bail!("unknown --ci '{o}' (percentile, bca)"),
    };
    if !(a.confidence > 0.0 && a.confidence < 1.0) {
        bail!("--confidence must be in (0, 1)");
    }
    Ok(BootstrapOptions {
        n_resamples: n,
        confidence: a.confidence,
        method,
        seed: a.seed,
    })
}

/// One row of the output.
#[derive(Debug, Serialize)]
pub struct MetricRow {
    pub metric: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
}

/// Runs `mosel eval`.
pub fn run(args: Args) -> Result<()> {
    let p = load(&args.predictions, &args.cols)?;
    let names = if args.cols.metrics.is_empty() {
        default_metrics(&p)
    } else {
        args.cols.metrics.clone()
    };
    check_metric_names(&names)?;
    let average = parse_average(args.cols.average.as_deref(), p.task)?;
    let mut warnings = Vec::new();
    if let Some((s, k)) = &p.scores
        && *k > 1
    {
        warnings.extend(prob::probability_warnings(&ScoreMatrix::new(s, *k)?));
    }
    let mut rows = Vec::new();
    for n in &names {
        let value = compute(n, &p, average).with_context(|| format!("computing {n}"))?;
        let ci = if args.bootstrap > 0 {
            let o = bootstrap_options(&args.cols, args.bootstrap)?;
            Some(
                bootstrap_ci(p.rows, |idx| compute(n, &p.subset(idx), average), &o)
                    .with_context(|| format!("bootstrapping {n}"))?,
            )
        } else {
            None
        };
        rows.push(MetricRow {
            metric: n.clone(),
            value,
            ci,
        });
    }
    let cm = match (&p.pred, p.task) {
        (Some(pred), Task::Binary | Task::Multiclass) => Some(cls::confusion_matrix(
            &p.truth,
            pred,
            Some(&(0..p.classes.len()).collect::<Vec<_>>()),
            None,
            cls::Normalize::None,
        )?),
        _ => None,
    };
    if args.json {
        let mut out = BTreeMap::new();
        out.insert(
            "file",
            serde_json::json!(args.predictions.display().to_string()),
        );
        out.insert("task", serde_json::json!(p.task));
        out.insert("rows", serde_json::json!(p.rows));
        out.insert("metrics", serde_json::to_value(&rows)?);
        if !p.classes.is_empty() {
            out.insert("classes", serde_json::json!(p.classes));
        }
        if let Some(cm) = &cm {
            out.insert("confusion_matrix", serde_json::json!(cm.values));
        }
        out.insert("warnings", serde_json::json!(warnings));
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let task = format!("{:?}", p.task).to_lowercase();
    let extra = if p.task == Task::Binary {
        format!(", positive class '{}'", p.classes[p.pos as usize])
    } else {
        String::new()
    };
    println!(
        "{}: {} rows, {task}{extra}",
        args.predictions.display(),
        p.rows
    );
    print_rows(&rows, args.cols.confidence);
    if let Some(cm) = cm {
        let mut header = vec!["true \\ predicted".to_string()];
        header.extend(p.classes.iter().cloned());
        let h: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
        let mut t = new_table(&h);
        for (i, row) in cm.values.iter().enumerate() {
            let mut r = vec![p.classes[i].clone()];
            r.extend(row.iter().map(|v| format!("{v}")));
            t.add_row(r);
        }
        println!("{t}");
    }
    Ok(())
}

/// Prints metric rows as a table.
pub fn print_rows(rows: &[MetricRow], confidence: f64) {
    let ci_head = format!("{:.0}% CI", confidence * 100.0);
    let with_ci = rows.iter().any(|r| r.ci.is_some());
    let mut t = if with_ci {
        new_table(&["metric", "value", &ci_head])
    } else {
        new_table(&["metric", "value"])
    };
    for r in rows {
        let mut cells = vec![r.metric.clone(), fmt_num(r.value)];
        if let Some(ci) = &r.ci {
            cells.push(format!("[{}, {}]", fmt_num(ci.low), fmt_num(ci.high)));
        }
        t.add_row(cells);
    }
    println!("{t}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(truth: &str) -> ColumnArgs {
        ColumnArgs {
            truth: truth.into(),
            pred: None,
            score: vec![],
            metrics: vec![],
            average: None,
            pos_label: None,
            task: None,
            confidence: 0.95,
            ci: "percentile".into(),
            seed: 0,
        }
    }

    #[test]
    fn string_labels_and_proba_columns_match_scikit_learn() {
        // expected values from scikit-learn 1.9.1 on the same rows
        let csv = "animal,prediction,proba_bird,proba_cat,proba_dog\n\
            cat,cat,.1,.7,.2\ndog,dog,.2,.1,.7\ndog,cat,.1,.5,.4\ncat,cat,.1,.8,.1\n\
            bird,bird,.6,.2,.2\ndog,bird,.5,.1,.4\nbird,bird,.7,.2,.1\ncat,dog,.2,.3,.5\n";
        let dir = std::env::temp_dir().join(format!("mosel-eval-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.csv");
        std::fs::write(&path, csv).unwrap();
        let p = load(&path, &args("animal")).unwrap();
        assert_eq!(p.task, Task::Multiclass);
        assert_eq!(p.classes, ["bird", "cat", "dog"]);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        assert!(close(
            compute("f1", &p, Average::Macro).unwrap(),
            0.6222222222222222
        ));
        assert!(close(
            compute("roc_auc", &p, Average::Macro).unwrap(),
            0.9333333333333332
        ));
        assert!(close(
            compute("log_loss", &p, Average::Macro).unwrap(),
            0.6050685343713305
        ));
        assert!(close(
            compute("top2_accuracy", &p, Average::Macro).unwrap(),
            1.0
        ));
        let err = compute("nope", &p, Average::Macro).unwrap_err().to_string();
        assert!(err.contains("valid metrics"), "{err}");
        assert!(compute("mse", &p, Average::Macro).is_err());
        assert!(load(&path, &args("missing")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
