//! ROC and precision–recall curves, confusion-matrix heatmaps and the calibration
//! (reliability) diagram.

use std::fmt::Write as _;

use super::{MAX_SERIES, figure_html, note, thin_pairs};
use crate::chart::{Axis, Chart, Ids, LegendItem, Swatch};
use crate::input::{CalibrationCurve, ConfusionMatrix, PrCurve, RocCurve};
use crate::scale::{self, blues, fmt};
use crate::svg::{Svg, escape, num, text_width, truncate};

/// Most points drawn per curve (curves are thinned beyond this).
pub const MAX_CURVE_POINTS: usize = 2000;

fn check_lengths(what: &str, name: &str, a: usize, b: usize, notes: &mut Vec<String>) -> bool {
    if a != b {
        notes.push(format!(
            "{what} “{name}” skipped: its two coordinate lists differ in length ({a} vs {b})."
        ));
        false
    } else if a == 0 {
        notes.push(format!("{what} “{name}” skipped: it has no points."));
        false
    } else {
        true
    }
}

/// The curves that can be drawn: those whose two coordinate lists (lengths from
/// `lengths`) agree and are not empty, at most [`MAX_SERIES`]; a note for each one left
/// out. `what` names one curve ("ROC curve"), `plural` several ("ROC curves").
fn drawable<'a, T>(
    curves: &'a [T],
    what: &str,
    plural: &str,
    lengths: impl Fn(&T) -> (&str, usize, usize),
    notes: &mut Vec<String>,
) -> Vec<&'a T> {
    let usable = curves
        .iter()
        .filter(|c| {
            let (name, a, b) = lengths(c);
            check_lengths(what, name, a, b, notes)
        })
        .take(MAX_SERIES)
        .collect();
    if curves.len() > MAX_SERIES {
        notes.push(format!(
            "Only the first {MAX_SERIES} of {} {plural} are drawn.",
            curves.len()
        ));
    }
    usable
}

fn notes_html(notes: &[String]) -> String {
    notes.iter().map(|n| note(n)).collect()
}

/// ROC curves of the best candidates on one chart.
pub fn roc(ids: &Ids, curves: &[RocCurve]) -> String {
    let mut notes = vec![];
    let usable = drawable(
        curves,
        "ROC curve",
        "ROC curves",
        |c: &RocCurve| (&c.name, c.fpr.len(), c.tpr.len()),
        &mut notes,
    );
    if usable.is_empty() {
        return notes_html(&notes);
    }
    let legend: Vec<LegendItem> = usable
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let l = match c.auc.filter(|a| a.is_finite()) {
                Some(a) => format!("{} (AUC {})", truncate(&c.name, 40).0, fmt(a)),
                None => c.name.clone(),
            };
            LegendItem::line(l, scale::colour(i), scale::dash(i))
        })
        .chain([LegendItem::line("chance", "#888888", "4 4")])
        .collect();
    let mut ch = Chart::new(
        ids,
        "roc",
        "ROC curves",
        480.0,
        440.0,
        Axis::linear("False positive rate", (0.0, 1.0)).ticks(5),
        Axis::linear("True positive rate", (0.0, 1.0)).ticks(5),
        &legend,
    );
    ch.diagonal("#888888", "4 4");
    for (i, c) in usable.iter().enumerate() {
        let (x, y) = thin_pairs(&c.fpr, &c.tpr, MAX_CURVE_POINTS);
        ch.line(&x, &y, scale::colour(i), scale::dash(i), 2.0);
    }
    let svg = ch.finish();
    figure_html(
        "ROC curves",
        "True-positive rate against false-positive rate over all thresholds, from out-of-fold predictions. Closer to the top-left corner is better; the diagonal is a random classifier.",
        &(svg + &notes_html(&notes)),
    )
}

/// Precision–recall curves (step functions, as average precision integrates them).
pub fn pr(ids: &Ids, curves: &[PrCurve]) -> String {
    let mut notes = vec![];
    let usable = drawable(
        curves,
        "Precision–recall curve",
        "precision–recall curves",
        |c: &PrCurve| (&c.name, c.recall.len(), c.precision.len()),
        &mut notes,
    );
    if usable.is_empty() {
        return notes_html(&notes);
    }
    let mut legend: Vec<LegendItem> = usable
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let l = match c.average_precision.filter(|a| a.is_finite()) {
                Some(a) => format!("{} (AP {})", truncate(&c.name, 40).0, fmt(a)),
                None => c.name.clone(),
            };
            LegendItem::line(l, scale::colour(i), scale::dash(i))
        })
        .collect();
    // One chance line when every curve has the same prevalence (one-vs-rest curves of
    // different classes do not).
    let prevs: Vec<f64> = usable
        .iter()
        .filter_map(|c| c.prevalence.filter(|p| p.is_finite()))
        .collect();
    let prevalence = prevs
        .first()
        .copied()
        .filter(|p| prevs.iter().all(|q| (q - p).abs() < 1e-9));
    if let Some(p) = prevalence {
        legend.push(LegendItem::line(
            format!("chance (prevalence {})", fmt(p)),
            "#888888",
            "4 4",
        ));
    }
    let mut ch = Chart::new(
        ids,
        "pr",
        "precision-recall curves",
        480.0,
        440.0,
        Axis::linear("Recall", (0.0, 1.0)).ticks(5),
        Axis::linear("Precision", (0.0, 1.0)).ticks(5),
        &legend,
    );
    if let Some(p) = prevalence {
        ch.hline(p, "#888888", "4 4");
    }
    for (i, c) in usable.iter().enumerate() {
        let (x, y) = thin_pairs(&c.recall, &c.precision, MAX_CURVE_POINTS);
        ch.step_post(&x, &y, scale::colour(i), scale::dash(i), 2.0);
    }
    let svg = ch.finish();
    figure_html(
        "Precision–recall curves",
        "Precision against recall over all thresholds (out-of-fold). Closer to the top-right corner is better; the dashed line is the precision of a random classifier.",
        &(svg + &notes_html(&notes)),
    )
}

/// Both confusion-matrix heatmaps (counts and row-normalised), or a note.
pub fn confusion(cm: &ConfusionMatrix) -> String {
    let n = cm.labels.len();
    if n == 0 {
        return note("The confusion matrix has no classes.");
    }
    if cm.counts.len() != n || cm.counts.iter().any(|r| r.len() != n) {
        return note(&format!(
            "Confusion matrix of “{}” skipped: it should be {n} × {n} for {n} labels but has {} rows of lengths {}.",
            cm.name,
            cm.counts.len(),
            cm.counts
                .iter()
                .map(|r| r.len().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let row_sums: Vec<f64> = cm
        .counts
        .iter()
        .map(|r| r.iter().filter(|v| v.is_finite()).sum())
        .collect();
    let max = cm
        .counts
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let counts = heatmap(
        cm,
        "confusion-counts",
        "confusion matrix, counts",
        |t, p| {
            let v = cm.counts[t][p];
            let shown = if v.is_finite() {
                fmt_count(v)
            } else {
                "–".into()
            };
            (if max > 0.0 { v / max } else { 0.0 }, shown, v)
        },
    );
    let normed = heatmap(
        cm,
        "confusion-normalized",
        "confusion matrix, normalised over true classes",
        |t, p| {
            let v = cm.counts[t][p];
            let f = if row_sums[t] > 0.0 {
                v / row_sums[t]
            } else {
                f64::NAN
            };
            let shown = if f.is_finite() {
                format!("{:.0}%", f * 100.0)
            } else {
                "–".into()
            };
            (f, shown, v)
        },
    );
    let total: f64 = row_sums.iter().sum();
    let correct: f64 = (0..n)
        .map(|i| cm.counts[i][i])
        .filter(|v| v.is_finite())
        .sum();
    let acc = if total > 0.0 {
        format!(
            " Accuracy {} ({} of {}).",
            fmt(correct / total),
            fmt_count(correct),
            fmt_count(total)
        )
    } else {
        String::new()
    };
    let cap_counts = format!(
        "Rows are the true class, columns the prediction, for {} (out-of-fold).{} Hover a cell for details.",
        escape(&cm.name),
        escape(&acc)
    );
    let mut h = figure_html("Confusion matrix — counts", &cap_counts, &counts);
    h.push_str(&figure_html(
        "Confusion matrix — normalised",
        "Each row divided by its total: the diagonal is each class's recall; off-diagonal cells show where that class goes wrong.",
        &normed,
    ));
    h
}

fn fmt_count(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v.round() as i64)
    } else {
        fmt(v)
    }
}

fn heatmap(
    cm: &ConfusionMatrix,
    plot: &str,
    aria: &str,
    cell: impl Fn(usize, usize) -> (f64, String, f64),
) -> String {
    let n = cm.labels.len();
    let size = (440.0 / n as f64).clamp(4.0, 64.0);
    let label_chars = if size >= 14.0 { 16 } else { 12 };
    let every = (12.0 / size).ceil().max(1.0) as usize;
    let shown: Vec<(String, bool)> = cm.labels.iter().map(|l| truncate(l, label_chars)).collect();
    let lw = shown
        .iter()
        .map(|(s, _)| text_width(s, 11.0))
        .fold(0.0, f64::max);
    let left = 22.0 + lw + 8.0;
    let top = 10.0;
    let grid = size * n as f64;
    let bottom_labels = lw * 0.75 + 14.0;
    let bar_w = 14.0;
    let width = left + grid + 18.0 + bar_w + 40.0;
    let height = top + grid + bottom_labels + 22.0;
    let mut s = Svg::new(width, height, plot, aria);
    // Zero-valued cells share one background rectangle; only non-zero cells are drawn.
    s.elem(
        "rect",
        &[
            ("x", left.into()),
            ("y", top.into()),
            ("width", grid.into()),
            ("height", grid.into()),
            ("fill", blues(0.0).0.into()),
        ],
    );
    let show_text = size >= 26.0;
    let font = (size * 0.3).clamp(9.0, 13.0);
    for t in 0..n {
        for p in 0..n {
            let (f, text, raw) = cell(t, p);
            let (x, y) = (left + p as f64 * size, top + t as f64 * size);
            let tip = format!(
                "true: {}\npredicted: {}\n{} (count {})",
                cm.labels[t],
                cm.labels[p],
                text,
                fmt_count(raw)
            );
            let (fill, white) = blues(f);
            if raw != 0.0 || !f.is_finite() {
                s.elem_titled(
                    "rect",
                    &[
                        ("x", x.into()),
                        ("y", y.into()),
                        ("width", size.into()),
                        ("height", size.into()),
                        ("fill", fill.into()),
                    ],
                    &tip,
                );
            } else if show_text {
                // Give zero cells a tooltip too when cells are big enough to point at.
                s.elem_titled(
                    "rect",
                    &[
                        ("x", x.into()),
                        ("y", y.into()),
                        ("width", size.into()),
                        ("height", size.into()),
                        ("fill", "none".into()),
                        ("pointer-events", "all".into()),
                    ],
                    &tip,
                );
            }
            if show_text {
                s.text(
                    x + size / 2.0,
                    y + size / 2.0 + font * 0.35,
                    &text,
                    &[
                        ("text-anchor", "middle".into()),
                        ("font-size", font.into()),
                        ("fill", if white { "#ffffff" } else { "#1d2733" }.into()),
                        ("class", "cell".into()),
                    ],
                    None,
                );
            }
        }
    }
    // Diagonal outline helps find the correct predictions.
    if n <= 60 {
        for i in 0..n {
            let (x, y) = (left + i as f64 * size, top + i as f64 * size);
            s.elem(
                "rect",
                &[
                    ("x", x.into()),
                    ("y", y.into()),
                    ("width", size.into()),
                    ("height", size.into()),
                    ("class", "diag".into()),
                ],
            );
        }
    }
    s.elem(
        "rect",
        &[
            ("x", left.into()),
            ("y", top.into()),
            ("width", grid.into()),
            ("height", grid.into()),
            ("class", "hmframe".into()),
        ],
    );
    for (i, (lab, cut)) in shown.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let c = top + (i as f64 + 0.5) * size;
        s.text(
            left - 6.0,
            c + 4.0,
            lab,
            &[("text-anchor", "end".into())],
            cut.then_some(cm.labels[i].as_str()),
        );
        let cx = left + (i as f64 + 0.5) * size;
        s.text(
            0.0,
            0.0,
            lab,
            &[
                ("text-anchor", "end".into()),
                (
                    "transform",
                    format!(
                        "translate({} {}) rotate(-40)",
                        num(cx + 3.0),
                        num(top + grid + 12.0)
                    )
                    .into(),
                ),
            ],
            cut.then_some(cm.labels[i].as_str()),
        );
    }
    s.text(
        12.0,
        top + grid / 2.0,
        "True class",
        &[
            ("class", "al".into()),
            ("text-anchor", "middle".into()),
            (
                "transform",
                format!("rotate(-90 12 {})", num(top + grid / 2.0)).into(),
            ),
        ],
        None,
    );
    s.text(
        left + grid / 2.0,
        height - 6.0,
        "Predicted class",
        &[("class", "al".into()), ("text-anchor", "middle".into())],
        None,
    );
    // Colour bar.
    let bx = left + grid + 18.0;
    for k in 0..20 {
        let f = 1.0 - k as f64 / 19.0;
        s.elem(
            "rect",
            &[
                ("x", bx.into()),
                ("y", (top + grid * k as f64 / 20.0).into()),
                ("width", bar_w.into()),
                ("height", (grid / 20.0 + 0.5).into()),
                ("fill", blues(f).0.into()),
            ],
        );
    }
    s.elem(
        "rect",
        &[
            ("x", bx.into()),
            ("y", top.into()),
            ("width", bar_w.into()),
            ("height", grid.into()),
            ("class", "hmframe".into()),
        ],
    );
    let (hi, lo) = if plot.ends_with("normalized") {
        ("100%".to_string(), "0%".to_string())
    } else {
        let max = cm
            .counts
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        (fmt_count(max), "0".to_string())
    };
    s.text(bx + bar_w + 4.0, top + 9.0, &hi, &[], None);
    s.text(bx + bar_w + 4.0, top + grid, &lo, &[], None);
    let mut out = s.finish();
    if every > 1 {
        let _ = write!(
            out,
            "<p class=\"cap\">Every {}{} label shown; hover cells for class names.</p>",
            every,
            ordinal(every)
        );
    }
    out
}

fn ordinal(n: usize) -> &'static str {
    match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    }
}

/// Reliability diagram over a histogram of predicted probabilities.
pub fn calibration(ids: &Ids, curves: &[CalibrationCurve]) -> String {
    let mut notes = vec![];
    let usable = drawable(
        curves,
        "Calibration curve",
        "calibration curves",
        |c: &CalibrationCurve| (&c.name, c.prob_pred.len(), c.prob_true.len()),
        &mut notes,
    );
    if usable.is_empty() {
        return notes_html(&notes);
    }
    let legend: Vec<LegendItem> = usable
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut extra = vec![];
            if let Some(e) = c.ece.filter(|v| v.is_finite()) {
                extra.push(format!("ECE {}", fmt(e)));
            }
            if let Some(b) = c.brier.filter(|v| v.is_finite()) {
                extra.push(format!("Brier {}", fmt(b)));
            }
            let l = if extra.is_empty() {
                c.name.clone()
            } else {
                format!("{} ({})", truncate(&c.name, 30).0, extra.join(", "))
            };
            LegendItem::line(l, scale::colour(i), scale::dash(i))
        })
        .chain([LegendItem::line("perfectly calibrated", "#888888", "4 4")])
        .collect();
    let mut ch = Chart::new(
        ids,
        "calibration",
        "calibration curve",
        480.0,
        420.0,
        Axis::linear("Mean predicted probability", (0.0, 1.0)).ticks(5),
        Axis::linear("Fraction of positives", (0.0, 1.0)).ticks(5),
        &legend,
    );
    ch.diagonal("#888888", "4 4");
    for (i, c) in usable.iter().enumerate() {
        ch.line(
            &c.prob_pred,
            &c.prob_true,
            scale::colour(i),
            scale::dash(i),
            2.0,
        );
        let name = c.name.clone();
        let (pp, pt) = (c.prob_pred.clone(), c.prob_true.clone());
        let tip = move |k: usize| {
            format!(
                "{name}\nmean predicted {}\nobserved {}",
                fmt(pp[k]),
                fmt(pt[k])
            )
        };
        ch.dots(
            &c.prob_pred,
            &c.prob_true,
            scale::colour(i),
            3.5,
            false,
            1.0,
            Some(&tip),
        );
    }
    let svg = ch.finish();
    // Histogram panel: one step outline per curve that has a histogram.
    let hists: Vec<(usize, &crate::input::Histogram)> = usable
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.histogram.as_ref().map(|h| (i, h)))
        .filter(|(_, h)| h.edges.len() == h.counts.len() + 1 && !h.counts.is_empty())
        .collect();
    let bad_hist = usable
        .iter()
        .filter(|c| {
            c.histogram
                .as_ref()
                .is_some_and(|h| h.edges.len() != h.counts.len() + 1)
        })
        .count();
    if bad_hist > 0 {
        notes.push(format!(
            "{bad_hist} histogram(s) skipped: edges must be one more than counts."
        ));
    }
    let mut hist_svg = String::new();
    if !hists.is_empty() {
        let maxc = hists
            .iter()
            .flat_map(|(_, h)| h.counts.iter())
            .copied()
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let x0 = hists
            .iter()
            .map(|(_, h)| h.edges[0])
            .fold(f64::INFINITY, f64::min)
            .min(0.0);
        let x1 = hists
            .iter()
            .map(|(_, h)| *h.edges.last().unwrap())
            .fold(f64::NEG_INFINITY, f64::max)
            .max(1.0);
        let single = hists.len() == 1;
        let legend: Vec<LegendItem> = if single {
            vec![]
        } else {
            hists
                .iter()
                .map(|(i, _)| {
                    LegendItem::with(usable[*i].name.clone(), scale::colour(*i), Swatch::Line)
                })
                .collect()
        };
        let mut hc = Chart::new(
            ids,
            "calibration-histogram",
            "histogram of predicted probabilities",
            480.0,
            300.0,
            Axis::linear("Predicted probability", (x0, x1)).ticks(5),
            Axis::linear("Count", (0.0, maxc * 1.05)).ticks(3),
            &legend,
        );
        for (i, h) in &hists {
            let col = scale::colour(*i);
            if single {
                for (k, &cnt) in h.counts.iter().enumerate() {
                    let (a, b) = (hc.x.map(h.edges[k]), hc.x.map(h.edges[k + 1]));
                    let (y0, y1) = (hc.y.map(0.0), hc.y.map(cnt as f64));
                    if a.is_finite() && b.is_finite() && cnt > 0 {
                        hc.svg.elem_titled(
                            "rect",
                            &[
                                ("x", (a + 0.5).into()),
                                ("y", y1.into()),
                                ("width", (b - a - 1.0).max(0.5).into()),
                                ("height", (y0 - y1).into()),
                                ("fill", col.into()),
                                ("fill-opacity", 0.55.into()),
                            ],
                            &format!(
                                "[{}, {}): {} predictions",
                                fmt(h.edges[k]),
                                fmt(h.edges[k + 1]),
                                cnt
                            ),
                        );
                    }
                }
            } else {
                let mut xs = vec![h.edges[0]];
                let mut ys = vec![0.0];
                for (k, &cnt) in h.counts.iter().enumerate() {
                    xs.extend([h.edges[k], h.edges[k + 1]]);
                    ys.extend([cnt as f64, cnt as f64]);
                }
                xs.push(*h.edges.last().unwrap());
                ys.push(0.0);
                hc.line(&xs, &ys, col, scale::dash(*i), 1.6);
            }
        }
        hist_svg = hc.finish();
    } else {
        notes.push("No histogram of predicted probabilities in the results.".into());
    }
    let mut out = figure_html(
        "Calibration",
        "Observed fraction of positives against the mean predicted probability per bin: on the diagonal, a predicted 70% happens 70% of the time.",
        &(svg + &notes_html(&notes)),
    );
    if !hist_svg.is_empty() {
        out.push_str(&figure_html(
            "Predicted probabilities",
            "How the out-of-fold predicted probabilities are distributed: mass near 0 and 1 means confident predictions; the calibration curve says whether that confidence is earned.",
            &hist_svg,
        ));
    }
    out
}
