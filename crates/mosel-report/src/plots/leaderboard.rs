//! The leaderboard table (with interval bars and significance marks) and the
//! per-candidate fold-score distribution.

use std::fmt::Write as _;

use super::{figure_html, note, quantile, sorted_finite};
use crate::chart::{Axis, Chart, Ids, LegendItem, Swatch};
use crate::input::{Leaderboard, LeaderboardRow, Verdict};
use crate::scale::{self, Scale, extent, fmt, nice_domain};
use crate::svg::{Svg, escape, short_html, truncate};

/// Most candidates drawn in the fold-score plot.
pub const MAX_BOX_ROWS: usize = 40;
/// Longest candidate name shown before it is cut.
pub const NAME_CHARS: usize = 36;

/// The mark and its CSS class for a verdict.
pub fn mark(v: Option<Verdict>) -> (&'static str, &'static str, &'static str) {
    match v {
        Some(Verdict::Best) => ("★", "best", "best"),
        Some(Verdict::NotSignificant) => ("≈", "ns", "not significantly different"),
        Some(Verdict::SignificantlyWorse) => ("▼", "worse", "significantly worse"),
        Some(Verdict::SignificantlyBetter) => ("▲", "better", "significantly better"),
        Some(Verdict::Untested) | None => ("·", "untested", "not tested"),
    }
}

fn significance_cell(row: &LeaderboardRow) -> String {
    let v = row.significance.as_ref().map(|s| s.verdict);
    let (sym, class, text) = mark(v);
    let short = match v {
        Some(Verdict::Best) => "best",
        Some(Verdict::NotSignificant) => "n.s.",
        Some(Verdict::SignificantlyWorse) => "worse",
        Some(Verdict::SignificantlyBetter) => "better",
        Some(Verdict::Untested) | None => "untested",
    };
    let p = row
        .significance
        .as_ref()
        .and_then(|s| s.p_value)
        .filter(|p| p.is_finite())
        .map(|p| {
            if p < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {}", fmt_p(p))
            }
        });
    match (v, p) {
        (Some(Verdict::Best), _) | (_, None) => {
            format!("<span class=\"mk {class}\" title=\"{text}\">{sym} {short}</span>")
        }
        (_, Some(p)) => format!(
            "<span class=\"mk {class}\" title=\"{text}\">{sym} {short}</span> <span class=\"pv\">{p}</span>"
        ),
    }
}

fn fmt_p(p: f64) -> String {
    if p >= 0.01 {
        format!("{p:.2}")
    } else {
        format!("{p:.3}")
    }
}

/// A small inline interval graphic for one leaderboard row on a shared scale.
fn ci_bar(row: &LeaderboardRow, sc: &Scale, best_mean: f64, w: f64) -> String {
    let mut s = Svg::with_class(w, 18.0, "mini", "ci", &format!("interval of {}", row.name));
    let bm = sc.map(best_mean);
    if bm.is_finite() {
        s.elem(
            "line",
            &[
                ("x1", bm.into()),
                ("x2", bm.into()),
                ("y1", 1.0.into()),
                ("y2", 17.0.into()),
                ("class", "ref".into()),
            ],
        );
    }
    let (a, b) = (sc.map_clamped(row.ci_low), sc.map_clamped(row.ci_high));
    if a.is_finite() && b.is_finite() {
        s.elem(
            "line",
            &[
                ("x1", a.into()),
                ("x2", b.into()),
                ("y1", 9.0.into()),
                ("y2", 9.0.into()),
                ("class", "ci".into()),
            ],
        );
        for x in [a, b] {
            s.elem(
                "line",
                &[
                    ("x1", x.into()),
                    ("x2", x.into()),
                    ("y1", 5.0.into()),
                    ("y2", 13.0.into()),
                    ("class", "ci".into()),
                ],
            );
        }
    }
    let m = sc.map_clamped(row.mean);
    if m.is_finite() {
        s.elem(
            "circle",
            &[
                ("cx", m.into()),
                ("cy", 9.0.into()),
                ("r", 3.5.into()),
                ("class", "mean".into()),
            ],
        );
    }
    s.finish()
}

/// The leaderboard as an HTML table.
pub fn table(lb: &Leaderboard) -> String {
    if lb.rows.is_empty() {
        return note("The leaderboard has no candidates.");
    }
    let level = lb.interval_level.filter(|l| *l > 0.0 && *l < 1.0);
    let ci_head = match level {
        Some(l) => format!("{}% CI", fmt(l * 100.0)),
        None => "Interval".into(),
    };
    // Shared scale for the interval bars.
    let vals: Vec<f64> = lb
        .rows
        .iter()
        .flat_map(|r| [r.mean, r.ci_low, r.ci_high])
        .collect();
    let dom = extent(&vals)
        .map(|d| nice_domain(d, 0.02, 4))
        .unwrap_or((0.0, 1.0));
    let w = 150.0;
    let sc = Scale::linear(dom, (6.0, w - 6.0));
    let best_mean = lb
        .rows
        .iter()
        .find(|r| r.significance.as_ref().map(|s| s.verdict) == Some(Verdict::Best))
        .unwrap_or(&lb.rows[0])
        .mean;
    // Extra metric columns: union of names in first-seen order.
    let mut extra: Vec<&str> = vec![];
    for r in &lb.rows {
        for m in &r.other_metrics {
            if !extra.contains(&m.name.as_str()) {
                extra.push(&m.name);
            }
        }
    }
    let has_time = lb.rows.iter().any(|r| r.fit_time_s.is_some());
    let has_sig = lb.rows.iter().any(|r| r.significance.is_some());
    let mut h = String::new();
    h.push_str(
        "<div class=\"tablewrap\"><table class=\"lb\"><thead><tr><th>#</th><th>Candidate</th>",
    );
    let _ = write!(
        h,
        "<th class=\"num\">{} <span class=\"dir\">{}</span></th>",
        short_html(&lb.metric, 24),
        if lb.greater_is_better { "↑" } else { "↓" }
    );
    let _ = write!(
        h,
        "<th class=\"num\">± std</th><th class=\"num\">{}</th>",
        escape(&ci_head)
    );
    let _ = write!(
        h,
        "<th class=\"cibar\" title=\"mean (dot) and interval on a shared scale from {} to {}; the dashed line is the best mean\"></th>",
        escape(&scale::format_tick(dom.0, (dom.1 - dom.0) / 4.0)),
        escape(&scale::format_tick(dom.1, (dom.1 - dom.0) / 4.0))
    );
    if has_sig {
        h.push_str("<th>vs best</th>");
    }
    for e in &extra {
        // Break long metric names at underscores rather than widening the table.
        let _ = write!(
            h,
            "<th class=\"num m\">{}</th>",
            short_html(e, 20).replace('_', "_<wbr>")
        );
    }
    if has_time {
        h.push_str("<th class=\"num\">fit time</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for (i, r) in lb.rows.iter().enumerate() {
        let best = r.significance.as_ref().map(|s| s.verdict) == Some(Verdict::Best);
        let _ = write!(
            h,
            "<tr{}><td class=\"num\">{}</td>",
            if best { " class=\"top\"" } else { "" },
            i + 1
        );
        let (shown, cut) = truncate(&r.name, NAME_CHARS);
        let tip = match (&r.description, cut) {
            (Some(d), _) => format!("{}\n{}", r.name, d),
            (None, true) => r.name.clone(),
            (None, false) => String::new(),
        };
        let _ = write!(
            h,
            "<td class=\"name\"{}>{}",
            if tip.is_empty() {
                String::new()
            } else {
                format!(" title=\"{}\"", escape(&tip))
            },
            escape(&shown)
        );
        if let Some(d) = &r.description {
            let (ds, _) = truncate(d, 56);
            let _ = write!(h, "<div class=\"desc\">{}</div>", escape(&ds));
        }
        h.push_str("</td>");
        let nan_folds = r.fold_scores.iter().filter(|v| !v.is_finite()).count();
        let _ = write!(
            h,
            "<td class=\"num strong\">{}{}</td>",
            fmt(r.mean),
            if nan_folds > 0 {
                format!(
                    " <span class=\"warn\" title=\"{nan_folds} fold(s) had no defined score\">⚠</span>"
                )
            } else {
                String::new()
            }
        );
        let _ = write!(h, "<td class=\"num\">{}</td>", fmt(r.std));
        let ci = if r.ci_low.is_finite() && r.ci_high.is_finite() {
            format!("[{}, {}]", fmt(r.ci_low), fmt(r.ci_high))
        } else {
            "–".into()
        };
        let _ = write!(
            h,
            "<td class=\"num\">{ci}</td><td class=\"cibar\">{}</td>",
            ci_bar(r, &sc, best_mean, w)
        );
        if has_sig {
            let _ = write!(h, "<td class=\"sig\">{}</td>", significance_cell(r));
        }
        for e in &extra {
            let v = r
                .other_metrics
                .iter()
                .find(|m| m.name == *e)
                .map(|m| m.value)
                .unwrap_or(f64::NAN);
            let _ = write!(h, "<td class=\"num\">{}</td>", fmt(v));
        }
        if has_time {
            let _ = write!(
                h,
                "<td class=\"num\">{}</td>",
                r.fit_time_s.map(fmt_seconds).unwrap_or_else(|| "–".into())
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    let mut legend = vec![];
    if let Some(t) = &lb.test {
        let alpha = lb
            .alpha
            .map(|a| format!(" at α = {}", fmt(a)))
            .unwrap_or_default();
        legend.push(format!("“vs best” compares each candidate with the best using the {}{alpha}: ★ best, ≈ n.s. = not significantly different (within noise), ▼ significantly worse, ▲ significantly better.", escape(t)));
    }
    if let Some(m) = &lb.interval_method {
        legend.push(format!("Intervals: {}.", escape(m)));
    }
    if !legend.is_empty() {
        let _ = write!(h, "<p class=\"cap\">{}</p>", legend.join(" "));
    }
    h
}

/// Formats a duration in seconds.
pub fn fmt_seconds(s: f64) -> String {
    if !s.is_finite() {
        "–".into()
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// Box-and-strip plot of every candidate's fold scores.
pub fn fold_scores(ids: &Ids, lb: &Leaderboard) -> String {
    let rows: Vec<&LeaderboardRow> = lb
        .rows
        .iter()
        .filter(|r| r.fold_scores.iter().any(|v| v.is_finite()))
        .take(MAX_BOX_ROWS)
        .collect();
    if rows.is_empty() {
        return note(
            "No fold scores in the leaderboard, so there is no score distribution to show.",
        );
    }
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.fold_scores.iter().copied())
        .collect();
    let dom = nice_domain(extent(&all).unwrap_or((0.0, 1.0)), 0.04, 6);
    let n = rows.len() as f64;
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let band = 30.0;
    let height = 20.0 + 46.0 + 18.0 + n * band;
    let width = 1100.0;
    // y: candidate index 0 at top.
    let custom: Vec<(f64, String)> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (i as f64, s.clone()))
        .collect();
    let mut y = Axis::linear("", (n - 0.5, -0.5)).custom(custom);
    y.max_label_chars = 34;
    let legend = [
        LegendItem::with("fold score", scale::colour(0), Swatch::Dot),
        LegendItem::with("mean", scale::colour(1), Swatch::Box),
        LegendItem::with("box: quartiles, whiskers: 1.5 IQR", "#9aa5b1", Swatch::Box),
    ];
    let mut c = Chart::new(
        ids,
        "fold-scores",
        "fold score distribution per candidate",
        width,
        height,
        Axis::linear(&lb.metric, dom),
        y,
        &legend,
    );
    let yscale = c.y;
    for (i, r) in rows.iter().enumerate() {
        let s = sorted_finite(&r.fold_scores);
        let yi = i as f64;
        let (q1, med, q3) = (quantile(&s, 0.25), quantile(&s, 0.5), quantile(&s, 0.75));
        let iqr = q3 - q1;
        let lo = s
            .iter()
            .copied()
            .find(|v| *v >= q1 - 1.5 * iqr)
            .unwrap_or(q1);
        let hi = s
            .iter()
            .rev()
            .copied()
            .find(|v| *v <= q3 + 1.5 * iqr)
            .unwrap_or(q3);
        let (py, half) = (yscale.map(yi), band * 0.3);
        let (x1, x3) = (c.x.map(q1), c.x.map(q3));
        c.svg.elem(
            "line",
            &[
                ("x1", c.x.map(lo).into()),
                ("x2", c.x.map(hi).into()),
                ("y1", py.into()),
                ("y2", py.into()),
                ("class", "whisker".into()),
            ],
        );
        for v in [lo, hi] {
            let px = c.x.map(v);
            c.svg.elem(
                "line",
                &[
                    ("x1", px.into()),
                    ("x2", px.into()),
                    ("y1", (py - half * 0.6).into()),
                    ("y2", (py + half * 0.6).into()),
                    ("class", "whisker".into()),
                ],
            );
        }
        c.svg.elem_titled(
            "rect",
            &[
                ("x", x1.into()),
                ("y", (py - half).into()),
                ("width", (x3 - x1).max(1.0).into()),
                ("height", (2.0 * half).into()),
                ("class", "box".into()),
            ],
            &format!(
                "{}\nmedian {}\nquartiles {} – {}\n{} folds",
                r.name,
                fmt(med),
                fmt(q1),
                fmt(q3),
                s.len()
            ),
        );
        let pm = c.x.map(med);
        c.svg.elem(
            "line",
            &[
                ("x1", pm.into()),
                ("x2", pm.into()),
                ("y1", (py - half).into()),
                ("y2", (py + half).into()),
                ("class", "median".into()),
            ],
        );
        // Strip: deterministic jitter by fold index.
        let k = r.fold_scores.len().max(1) as f64;
        for (j, &v) in r.fold_scores.iter().enumerate() {
            let px = c.x.map(v);
            if !px.is_finite() {
                continue;
            }
            let jit = ((j as f64 + 0.5) / k - 0.5) * band * 0.5;
            c.svg.elem_titled(
                "circle",
                &[
                    ("cx", px.into()),
                    ("cy", (py + jit).into()),
                    ("r", 3.0.into()),
                    ("fill", scale::colour(0).into()),
                    ("fill-opacity", 0.75.into()),
                ],
                &format!("{} fold {}: {}", r.name, j + 1, fmt(v)),
            );
        }
        let pmean = c.x.map(r.mean);
        if pmean.is_finite() {
            c.svg.elem_titled(
                "rect",
                &[
                    ("x", (pmean - 4.0).into()),
                    ("y", (py - 4.0).into()),
                    ("width", 8.0.into()),
                    ("height", 8.0.into()),
                    ("fill", scale::colour(1).into()),
                    (
                        "transform",
                        format!(
                            "rotate(45 {} {})",
                            crate::svg::num(pmean),
                            crate::svg::num(py)
                        )
                        .into(),
                    ),
                ],
                &format!("{} mean: {}", r.name, fmt(r.mean)),
            );
        }
    }
    let svg = c.finish();
    let mut cap = format!(
        "Each dot is one fold's {} ({}); boxes span the quartiles with the median line, the diamond is the mean. Overlapping boxes mean the ranking may be noise.",
        short_html(&lb.metric, 40),
        if lb.greater_is_better {
            "higher is better"
        } else {
            "lower is better"
        }
    );
    let hidden = lb.rows.len() - rows.len();
    if hidden > 0 {
        let _ = write!(
            cap,
            " {hidden} candidate(s) without fold scores or beyond the first {MAX_BOX_ROWS} are not drawn."
        );
    }
    figure_html("Fold scores per candidate", &cap, &svg)
}
