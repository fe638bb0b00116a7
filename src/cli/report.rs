//! `mosel report RESULTS.json -o report.html`: a self-contained HTML report.
//!
//! Reads either a report input (`"format": "mosel-report"`, see `mosel_report::ReportInput`)
//! or the results file of `mosel select` / `mosel cv` (`"format": "mosel.selection"`),
//! which is converted here: curves (ROC, PR, calibration) and the confusion matrix are
//! computed from the out-of-fold predictions with `mosel-metrics`, so the report crate
//! only draws.
//!
//! The selection results are read through tolerant mirror structs of the fields the report
//! uses (every field optional), so a results file with extra or missing optional fields
//! still renders; a different `format_version` is rejected with a clear error.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use mosel_metrics::probability::{self, BinStrategy};
use mosel_metrics::ranking;
use mosel_report::{
    CalibrationCurve, ConfusionMatrix, Header, Histogram, Leaderboard, LeaderboardRow,
    LearningCurve, LossSeries, MetricValue, OptimizerComparison, PrCurve, RegressionDiagnostics,
    ReportError, ReportInput, RocCurve, Significance, Verdict,
};
use serde::Deserialize;

/// Arguments of `mosel report`.
#[derive(Debug, Clone, ClapArgs)]
#[command(
    after_help = "Examples:\n  mosel report results.json -o report.html\n  mosel report results.json --title 'Churn models, week 12'"
)]
pub struct Args {
    /// A results file from `mosel select` / `mosel cv`, or a report input (format "mosel-report").
    #[arg(value_name = "RESULTS.json")]
    pub results: PathBuf,
    /// Where to write the HTML report (default: RESULTS with the extension .html).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A title for the report.
    #[arg(long)]
    pub title: Option<String>,
    /// How many of the best candidates get ROC / PR / calibration curves and learning curves.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub top: usize,
    /// Also write the converted report input as JSON (for re-rendering or other tools).
    #[arg(long, value_name = "FILE")]
    pub save_input: Option<PathBuf>,
}

/// Runs `mosel report`.
pub fn run(args: Args) -> Result<()> {
    let mut input = load(&args.results, args.top)?;
    if let Some(t) = &args.title {
        input.header.title = Some(t.clone());
    }
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| args.results.with_extension("html"));
    if out == args.results {
        bail!(
            "the output would overwrite the results file {}; pass -o FILE",
            out.display()
        );
    }
    if let Some(p) = &args.save_input {
        std::fs::write(p, mosel_report::to_json(&input))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    write_report(&input, &out)?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!("wrote {} ({:.0} KiB)", out.display(), size as f64 / 1024.0);
    Ok(())
}

/// Writes `input` as an HTML report to `path` (for `--report` on other commands).
pub fn write_report(input: &ReportInput, path: &Path) -> Result<()> {
    mosel_report::write_html(input, path)
        .with_context(|| format!("writing the report {}", path.display()))
}

/// Reads a results file of any supported kind as a report input.
pub fn load(path: &Path, top: usize) -> Result<ReportInput> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    from_text(&text, top).with_context(|| format!("reading {}", path.display()))
}

/// Parses results text of any supported kind.
pub fn from_text(text: &str, top: usize) -> Result<ReportInput> {
    let tag = mosel_report::peek_format(text)?;
    match tag.format.as_deref() {
        Some(mosel_report::FORMAT) => Ok(mosel_report::from_json_str(text)?),
        Some(SELECTION_FORMAT) => {
            if tag.format_version != Some(SELECTION_VERSION) {
                return Err(ReportError::UnsupportedVersion {
                    found: tag.format_version.unwrap_or(0),
                    supported: SELECTION_VERSION as u32,
                    written_by: tag.mosel_version,
                }
                .into());
            }
            let doc: Selection = serde_json::from_str(text).context("invalid selection results")?;
            Ok(from_selection(&doc, top))
        }
        other => bail!(
            "not a results file mosel can report on: \"format\" is {} (expected \"{SELECTION_FORMAT}\" from `mosel select` or \"{}\")",
            other
                .map(|f| format!("\"{f}\""))
                .unwrap_or_else(|| "missing".into()),
            mosel_report::FORMAT
        ),
    }
}

/// The `format` tag of `mosel select` results.
pub const SELECTION_FORMAT: &str = "mosel.selection";
/// The selection results version this converter reads.
pub const SELECTION_VERSION: u64 = 1;

// ---------------------------------------------------------------- mirror of the results

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Selection {
    mosel_version: String,
    kind: String,
    created_unix_s: u64,
    command: Vec<String>,
    seed: Option<u64>,
    data: Data,
    y_true: Option<YTrue>,
    validation: String,
    metrics: Vec<MetricInfo>,
    candidates: Vec<Candidate>,
    leaderboard: Option<Board>,
    refit: Option<Refit>,
    timing: Timing,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    source: String,
    target: String,
    task: String,
    n_rows: Option<u64>,
    feature_columns: Vec<String>,
    classes: Option<Vec<String>>,
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum YTrue {
    Classes(Vec<u32>),
    Values(Vec<Option<f64>>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MetricInfo {
    name: String,
    greater_is_better: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Candidate {
    name: String,
    description: String,
    error: Option<String>,
    folds: Vec<FoldOutcome>,
    mean_fit_seconds: Option<f64>,
    curves: Vec<Curve>,
    oof: Option<Oof>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FoldOutcome {
    test: Vec<Option<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Curve {
    fold: Option<usize>,
    validation: String,
    epochs: Vec<Epoch>,
    best_epoch: Option<usize>,
    stop: String,
    standardized_target: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Epoch {
    train_loss: Option<f64>,
    val_loss: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Oof {
    rows: Vec<usize>,
    proba: Option<Vec<Vec<Option<f64>>>>,
    values: Option<Vec<Option<f64>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Board {
    metric: serde_json::Value,
    greater_is_better: bool,
    rule: serde_json::Value,
    alpha: Option<f64>,
    confidence: Option<f64>,
    rows: Vec<Row>,
    best: Option<usize>,
    selected: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Row {
    candidate: usize,
    name: String,
    description: String,
    error: Option<String>,
    metrics: Vec<Summary>,
    fit_seconds: Option<f64>,
    p_value: Option<f64>,
    p_adjusted: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Summary {
    mean: Option<f64>,
    std: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Refit {
    name: String,
    curve: Option<Curve>,
    model_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Timing {
    total_seconds: Option<f64>,
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn nan(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// RFC 3339 UTC text for Unix seconds (proleptic Gregorian calendar).
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
        secs % 3600 / 60,
        secs % 60
    )
}

fn learning_curve(name: String, c: &Curve) -> LearningCurve {
    let train: Vec<f64> = c.epochs.iter().map(|e| nan(e.train_loss)).collect();
    let val: Vec<f64> = if c.epochs.iter().any(|e| e.val_loss.is_some()) {
        c.epochs.iter().map(|e| nan(e.val_loss)).collect()
    } else {
        vec![]
    };
    let early = c.stop.contains("early");
    LearningCurve {
        name,
        loss: Some(if c.standardized_target {
            "loss (standardised target)".into()
        } else {
            "loss".into()
        }),
        train_loss: train,
        val_loss: val,
        best_epoch: c.best_epoch,
        stopped_epoch: early.then_some(c.epochs.len()),
        patience: None,
    }
}

/// Converts selection results into a report input.
fn from_selection(s: &Selection, top: usize) -> ReportInput {
    let classes = s.data.classes.clone().unwrap_or_default();
    let mut input = ReportInput::new(Header {
        title: None,
        dataset: s.data.source.clone(),
        task: if s.data.task.is_empty() {
            "unknown".into()
        } else {
            s.data.task.clone()
        },
        target: (!s.data.target.is_empty()).then(|| s.data.target.clone()),
        n_rows: s.data.n_rows,
        n_features: Some(s.data.feature_columns.len() as u64),
        seed: s.seed,
        mosel_version: s.mosel_version.clone(),
        started_at: (s.created_unix_s > 0).then(|| rfc3339(s.created_unix_s)),
        duration_s: s.timing.total_seconds,
        command: s.command.clone(),
        validation: (!s.validation.is_empty()).then(|| s.validation.clone()),
        extra: vec![],
    });
    if !s.kind.is_empty() {
        input
            .header
            .extra
            .push(("Run".into(), format!("mosel {}", s.kind)));
    }
    if let Some(r) = &s.refit {
        input
            .header
            .extra
            .push(("Refit winner".into(), r.name.clone()));
        if let Some(f) = &r.model_file {
            input.header.extra.push(("Model file".into(), f.clone()));
        }
    }
    input.notes.extend(s.data.warnings.iter().cloned());

    // Leaderboard.
    let mut order: Vec<usize> = vec![];
    if let Some(b) = &s.leaderboard {
        let alpha = b.alpha.unwrap_or(0.05);
        let rows = b
            .rows
            .iter()
            .map(|r| {
                order.push(r.candidate);
                let m0 = r.metrics.first();
                let cand = s.candidates.get(r.candidate);
                let fold_scores = cand
                    .map(|c| {
                        c.folds
                            .iter()
                            .map(|f| nan(f.test.first().copied().flatten()))
                            .collect()
                    })
                    .unwrap_or_default();
                let p = r.p_adjusted.or(r.p_value);
                let verdict = if Some(r.candidate) == b.best {
                    Verdict::Best
                } else if r.error.is_some() {
                    Verdict::Untested
                } else {
                    match p {
                        Some(p) if p < alpha => Verdict::SignificantlyWorse,
                        Some(_) => Verdict::NotSignificant,
                        None => Verdict::Untested,
                    }
                };
                let mut description = (!r.description.is_empty()).then(|| r.description.clone());
                if let Some(e) = &r.error {
                    description = Some(format!("failed: {e}"));
                }
                if Some(r.candidate) == b.selected && b.selected != b.best {
                    description = Some(format!(
                        "selected by the {} rule; {}",
                        text_of(&b.rule),
                        description.unwrap_or_default()
                    ));
                }
                LeaderboardRow {
                    name: r.name.clone(),
                    description,
                    mean: nan(m0.and_then(|m| m.mean)),
                    std: nan(m0.and_then(|m| m.std)),
                    ci_low: nan(m0.and_then(|m| m.ci_low)),
                    ci_high: nan(m0.and_then(|m| m.ci_high)),
                    fold_scores,
                    significance: Some(Significance {
                        verdict,
                        p_value: if verdict == Verdict::Best { None } else { p },
                    }),
                    fit_time_s: r.fit_seconds.or(cand.and_then(|c| c.mean_fit_seconds)),
                    other_metrics: r
                        .metrics
                        .iter()
                        .enumerate()
                        .skip(1)
                        .map(|(i, m)| MetricValue {
                            name: s
                                .metrics
                                .get(i)
                                .map(|x| x.name.clone())
                                .unwrap_or_else(|| format!("metric {i}")),
                            value: nan(m.mean),
                        })
                        .collect(),
                }
            })
            .collect();
        input.leaderboard = Some(Leaderboard {
            metric: text_of(&b.metric),
            greater_is_better: b.greater_is_better,
            interval_level: b.confidence,
            interval_method: Some(
                "Nadeau–Bengio corrected t interval of the mean fold score".into(),
            ),
            test: Some(
                "corrected resampled t-test against the best (Holm-adjusted where given)".into(),
            ),
            alpha: Some(alpha),
            rows,
        });
    }
    if order.is_empty() {
        order = (0..s.candidates.len()).collect();
    }
    let ok: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| s.candidates.get(i).is_some_and(|c| c.error.is_none()))
        .collect();

    // Out-of-fold diagnostics.
    match &s.y_true {
        Some(YTrue::Classes(codes)) => classification(&mut input, s, codes, &classes, &ok, top),
        Some(YTrue::Values(values)) => {
            if let Some(&best) = ok.first()
                && let Some(pred) = s.candidates[best]
                    .oof
                    .as_ref()
                    .and_then(|o| o.values.as_ref().map(|v| (o, v)))
            {
                let (o, v) = pred;
                let actual = o
                    .rows
                    .iter()
                    .map(|&r| nan(values.get(r).copied().flatten()))
                    .collect();
                input.regression = Some(RegressionDiagnostics {
                    name: s.candidates[best].name.clone(),
                    actual,
                    predicted: v.iter().map(|x| nan(*x)).collect(),
                    metrics: vec![],
                });
            }
        }
        None => {}
    }

    // Learning curves of the best candidates, the refit, and a loss comparison.
    for &i in ok.iter().take(top) {
        let c = &s.candidates[i];
        if let Some(curve) = c.curves.first().filter(|c| !c.epochs.is_empty()) {
            let fold = curve
                .fold
                .map(|f| format!("fold {}", f + 1))
                .unwrap_or_else(|| "all rows".into());
            let val = match curve.validation.as_str() {
                "test_fold" => ", validation = test fold",
                "early_stopping_split" => ", validation = early-stopping split",
                _ => "",
            };
            input
                .learning_curves
                .push(learning_curve(format!("{} — {fold}{val}", c.name), curve));
        }
    }
    if let Some(r) = &s.refit
        && let Some(c) = r.curve.as_ref().filter(|c| !c.epochs.is_empty())
    {
        input
            .learning_curves
            .push(learning_curve(format!("{} — refit on all rows", r.name), c));
    }
    let series: Vec<LossSeries> = ok
        .iter()
        .filter_map(|&i| {
            let c = &s.candidates[i];
            let curve = c.curves.first().filter(|c| c.epochs.len() > 1)?;
            Some(LossSeries {
                name: c.name.clone(),
                settings: (!c.description.is_empty()).then(|| c.description.clone()),
                loss: curve.epochs.iter().map(|e| nan(e.train_loss)).collect(),
                time_s: c.mean_fit_seconds,
            })
        })
        .collect();
    if series.len() >= 2 {
        input.optimizer_comparison = Some(OptimizerComparison {
            model: format!("{} (first fold of each candidate)", s.data.source),
            loss: Some("training loss".into()),
            series,
        });
    }
    input
}

fn classification(
    input: &mut ReportInput,
    s: &Selection,
    codes: &[u32],
    classes: &[String],
    ok: &[usize],
    top: usize,
) {
    let k = classes
        .len()
        .max(codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0));
    let label = |c: usize| classes.get(c).cloned().unwrap_or_else(|| c.to_string());
    let mut first = true;
    for &i in ok.iter() {
        let cand = &s.candidates[i];
        let Some(oof) = &cand.oof else { continue };
        let Some(proba) = &oof.proba else { continue };
        if proba.len() != oof.rows.len() || proba.iter().any(|p| p.len() != k) {
            input.notes.push(format!(
                "Out-of-fold probabilities of {} have an unexpected shape; skipped.",
                cand.name
            ));
            continue;
        }
        let y: Vec<u32> = oof
            .rows
            .iter()
            .map(|&r| codes.get(r).copied().unwrap_or(0))
            .collect();
        let p = |row: &Vec<Option<f64>>, c: usize| nan(row.get(c).copied().flatten());
        if first {
            // Confusion matrix of the best candidate: argmax of the probabilities.
            let mut counts = vec![vec![0.0; k]; k];
            for (row, &t) in proba.iter().zip(&y) {
                let pred = (0..k).fold(0, |b, c| if p(row, c) > p(row, b) { c } else { b });
                counts[t as usize][pred] += 1.0;
            }
            input.confusion = Some(ConfusionMatrix {
                name: cand.name.clone(),
                labels: (0..k).map(label).collect(),
                counts,
            });
        }
        if input.roc_curves.len() >= top.max(1) * if k == 2 { 1 } else { 8 } {
            break;
        }
        if k == 2 {
            let score: Vec<f64> = proba.iter().map(|r| p(r, 1)).collect();
            add_binary_curves(input, &cand.name, &y, &score, 1);
        } else if first && k <= 8 {
            for c in 0..k {
                let score: Vec<f64> = proba.iter().map(|r| p(r, c)).collect();
                let yc: Vec<u32> = y.iter().map(|&t| u32::from(t as usize == c)).collect();
                add_binary_curves(
                    input,
                    &format!("{} — {} vs rest", cand.name, label(c)),
                    &yc,
                    &score,
                    1,
                );
            }
        }
        if k > 2 && first {
            // Top-label calibration: confidence of the predicted class against being right.
            let conf: Vec<f64> = proba
                .iter()
                .map(|r| (0..k).map(|c| p(r, c)).fold(f64::NAN, f64::max))
                .collect();
            let right: Vec<u32> = proba
                .iter()
                .zip(&y)
                .map(|(r, &t)| {
                    u32::from(
                        (0..k).fold(0, |b, c| if p(r, c) > p(r, b) { c } else { b }) == t as usize,
                    )
                })
                .collect();
            if let Ok(cc) =
                probability::calibration_curve(&right, &conf, Some(1), 10, BinStrategy::Uniform)
            {
                input.calibration.push(CalibrationCurve {
                    name: format!("{} (top label)", cand.name),
                    prob_pred: cc.prob_pred,
                    prob_true: cc.prob_true,
                    histogram: Some(Histogram::from_values(&conf, 20, 0.0, 1.0)),
                    ece: probability::expected_calibration_error(
                        &right,
                        &conf,
                        Some(1),
                        10,
                        BinStrategy::Uniform,
                    )
                    .ok(),
                    brier: None,
                });
            }
        }
        first = false;
    }
}

fn add_binary_curves(input: &mut ReportInput, name: &str, y: &[u32], score: &[f64], pos: usize) {
    if score.iter().any(|v| !v.is_finite()) {
        input.notes.push(format!(
            "{name}: some out-of-fold probabilities are missing; no curves drawn."
        ));
        return;
    }
    if let Ok(r) = ranking::roc_curve(y, score, pos, None, true) {
        let auc = ranking::roc_auc(y, score, None)
            .ok()
            .filter(|a| a.is_finite());
        input.roc_curves.push(RocCurve {
            name: name.into(),
            fpr: r.fpr,
            tpr: r.tpr,
            auc,
        });
    }
    if let Ok(c) = ranking::precision_recall_curve(y, score, pos, None, false) {
        let ap = ranking::average_precision(y, score, pos, None)
            .ok()
            .filter(|a| a.is_finite());
        let prevalence =
            y.iter().filter(|&&t| t as usize == pos).count() as f64 / y.len().max(1) as f64;
        input.pr_curves.push(PrCurve {
            name: name.into(),
            recall: c.recall,
            precision: c.precision,
            average_precision: ap,
            prevalence: Some(prevalence),
        });
    }
    if input.calibration.len() < 3
        && let Ok(cc) =
            probability::calibration_curve(y, score, Some(pos), 10, BinStrategy::Uniform)
    {
        input.calibration.push(CalibrationCurve {
            name: name.into(),
            prob_pred: cc.prob_pred,
            prob_true: cc.prob_true,
            histogram: Some(Histogram::from_values(score, 20, 0.0, 1.0)),
            ece: probability::expected_calibration_error(
                y,
                score,
                Some(pos),
                10,
                BinStrategy::Uniform,
            )
            .ok(),
            brier: probability::brier_score(y, score, Some(pos), None).ok(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_as_rfc3339() {
        // date -u -d @0 / @951782400 (2000-02-29) / @1700000000
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    fn selection_json() -> String {
        // Two candidates, binary, 6 rows, 2 folds.
        r#"{
          "format": "mosel.selection", "format_version": 1, "mosel_version": "0.1.0", "kind": "select",
          "created_unix_s": 1700000000, "command": ["mosel", "select", "--dataset", "toy"], "seed": 7,
          "data": {"source": "toy", "target": "y", "task": "binary", "n_rows": 6, "feature_columns": ["a", "b"],
                   "classes": ["no", "yes"], "warnings": ["a warning"]},
          "y_true": {"classes": [0, 1, 0, 1, 1, 0]},
          "validation": "2-fold", "metrics": [{"name": "accuracy", "greater_is_better": true}, {"name": "f1", "greater_is_better": true}],
          "candidates": [
            {"index": 0, "name": "logistic", "description": "lr", "folds": [{"test": [0.9, 0.8]}, {"test": [null, 0.7]}],
             "mean_fit_seconds": 0.01,
             "curves": [{"fold": 0, "validation": "test_fold", "epochs": [{"train_loss": 0.7, "val_loss": 0.8}, {"train_loss": 0.5, "val_loss": 0.6}],
                         "best_epoch": 2, "stop": "early_stopping", "standardized_target": false}],
             "oof": {"rows": [0,1,2,3,4,5], "fold": [0,0,0,1,1,1], "proba": [[0.9,0.1],[0.2,0.8],[0.6,0.4],[0.3,0.7],[0.55,0.45],[0.8,0.2]]}},
            {"index": 1, "name": "mlp", "description": "", "folds": [{"test": [0.7, 0.6]}, {"test": [0.6, 0.5]}],
             "curves": [{"fold": 0, "validation": "none", "epochs": [{"train_loss": 0.9}, {"train_loss": 0.8}, {"train_loss": 0.75}], "stop": "max_epochs"}],
             "oof": {"rows": [0,1,2,3,4,5], "proba": [[0.5,0.5],[0.4,0.6],[0.5,0.5],[0.6,0.4],[0.3,0.7],[0.7,0.3]]}}
          ],
          "leaderboard": {"metric": "accuracy", "greater_is_better": true, "rule": "best", "alpha": 0.05, "confidence": 0.95,
            "rows": [
              {"candidate": 0, "name": "logistic", "description": "lr", "metrics": [{"mean": 0.9, "std": 0.0, "ci_low": 0.8, "ci_high": 1.0}, {"mean": 0.75}], "fit_seconds": 0.01},
              {"candidate": 1, "name": "mlp", "description": "", "metrics": [{"mean": 0.65, "std": 0.07, "ci_low": null, "ci_high": null}, {"mean": 0.55}],
               "p_value": 0.01, "p_adjusted": 0.02}
            ], "best": 0, "selected": 0},
          "timing": {"total_seconds": 1.5},
          "some_future_field": {"ignored": true}
        }"#
        .into()
    }

    #[test]
    fn converts_selection_results() {
        let input = from_text(&selection_json(), 3).unwrap();
        assert_eq!(input.header.dataset, "toy");
        assert_eq!(
            input.header.started_at.as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        let lb = input.leaderboard.as_ref().unwrap();
        assert_eq!(
            lb.rows[0].significance.as_ref().unwrap().verdict,
            Verdict::Best
        );
        let mlp = &lb.rows[1];
        assert_eq!(
            mlp.significance.as_ref().unwrap().verdict,
            Verdict::SignificantlyWorse
        );
        assert_eq!(mlp.significance.as_ref().unwrap().p_value, Some(0.02));
        assert!(mlp.ci_low.is_nan());
        assert_eq!(lb.rows[0].fold_scores.len(), 2);
        assert!(lb.rows[0].fold_scores[1].is_nan());
        assert_eq!(lb.rows[0].other_metrics[0].name, "f1");
        // Argmax confusion of the best candidate: predictions [0,1,0,1,0,0] vs truth [0,1,0,1,1,0].
        let cm = input.confusion.as_ref().unwrap();
        assert_eq!(cm.counts, vec![vec![3.0, 0.0], vec![1.0, 2.0]]);
        assert_eq!(cm.labels, ["no", "yes"]);
        assert_eq!(input.roc_curves.len(), 2);
        // AUC of the best: positives score {0.8, 0.7, 0.45}, negatives {0.1, 0.4, 0.2} -> 1.0
        assert_eq!(input.roc_curves[0].auc, Some(1.0));
        assert_eq!(input.pr_curves[0].prevalence, Some(0.5));
        assert_eq!(input.calibration.len(), 2);
        assert_eq!(input.learning_curves.len(), 2);
        assert_eq!(input.learning_curves[0].best_epoch, Some(2));
        assert_eq!(input.learning_curves[0].stopped_epoch, Some(2));
        assert!(input.learning_curves[1].val_loss.is_empty());
        assert_eq!(input.optimizer_comparison.as_ref().unwrap().series.len(), 2);
        assert_eq!(input.notes, ["a warning"]);
        let html = mosel_report::render_html(&input);
        assert!(html.contains("data-plot=\"roc\""));
    }

    #[test]
    fn multiclass_gets_one_vs_rest_curves_and_top_label_calibration() {
        let text = r#"{
          "format": "mosel.selection", "format_version": 1,
          "data": {"source": "toy3", "task": "multiclass", "classes": ["a", "b", "c"]},
          "y_true": {"classes": [0, 1, 2, 0, 1, 2]},
          "candidates": [{"name": "softmax", "folds": [],
            "oof": {"rows": [0,1,2,3,4,5], "proba": [[0.8,0.1,0.1],[0.1,0.7,0.2],[0.2,0.2,0.6],[0.3,0.6,0.1],[0.2,0.5,0.3],[0.1,0.1,0.8]]}}],
          "leaderboard": {"metric": "accuracy", "greater_is_better": true, "rows": [{"candidate": 0, "name": "softmax"}], "best": 0}
        }"#;
        let input = from_text(text, 3).unwrap();
        // Argmax predictions [0,1,2,1,1,2] vs truth [0,1,2,0,1,2].
        assert_eq!(
            input.confusion.as_ref().unwrap().counts,
            vec![
                vec![1.0, 1.0, 0.0],
                vec![0.0, 2.0, 0.0],
                vec![0.0, 0.0, 2.0]
            ]
        );
        let names: Vec<&str> = input.roc_curves.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "softmax — a vs rest",
                "softmax — b vs rest",
                "softmax — c vs rest"
            ]
        );
        // Class c vs rest: scores of c rows {0.6, 0.8} above all others {0.1,0.2,0.1,0.3} -> AUC 1.
        assert_eq!(input.roc_curves[2].auc, Some(1.0));
        assert_eq!(
            input.calibration.last().unwrap().name,
            "softmax (top label)"
        );
    }

    #[test]
    fn rejects_other_versions_and_formats() {
        let e = from_text(
            &selection_json().replace("\"format_version\": 1", "\"format_version\": 9"),
            3,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("version 9"), "{e:#}");
        let e = from_text(r#"{"format": "something-else"}"#, 3).unwrap_err();
        assert!(e.to_string().contains("\"something-else\""), "{e}");
        let e = from_text(&selection_json()[..200], 3).unwrap_err();
        assert!(format!("{e:#}").contains("truncated"), "{e:#}");
    }
}
