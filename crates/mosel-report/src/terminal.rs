//! Terminal output shared by the commands: the leaderboard as an aligned table with the
//! same significance marks as the HTML report, coloured only when asked (pass
//! `std::io::stdout().is_terminal()` and `NO_COLOR` handling from the CLI).

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use crate::input::{Leaderboard, Verdict};
use crate::plots::leaderboard::{fmt_seconds, mark};
use crate::scale::fmt;
use crate::svg::truncate;

/// Whether colour should be used: `is_terminal` and the `NO_COLOR` convention
/// (<https://no-color.org>: any non-empty value disables colour).
pub fn use_colour(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The leaderboard as a table: rank, candidate, mean ± std, interval, mark vs best,
/// other metrics, fit time. `colour` adds ANSI colours (best row bold, marks coloured).
pub fn leaderboard_table(lb: &Leaderboard, colour: bool) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !colour {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    let level = lb
        .interval_level
        .map(|l| format!("{}% CI", fmt(l * 100.0)))
        .unwrap_or_else(|| "interval".into());
    let mut extra: Vec<&str> = vec![];
    for r in &lb.rows {
        for m in &r.other_metrics {
            if !extra.contains(&m.name.as_str()) {
                extra.push(&m.name);
            }
        }
    }
    let has_sig = lb.rows.iter().any(|r| r.significance.is_some());
    let has_time = lb.rows.iter().any(|r| r.fit_time_s.is_some());
    let mut header: Vec<Cell> = vec![
        Cell::new("#"),
        Cell::new("candidate"),
        Cell::new(format!(
            "{} {}",
            lb.metric,
            if lb.greater_is_better { "↑" } else { "↓" }
        )),
        Cell::new("± std"),
        Cell::new(level),
    ];
    if has_sig {
        header.push(Cell::new("vs best"));
    }
    header.extend(extra.iter().map(|e| Cell::new(*e)));
    if has_time {
        header.push(Cell::new("fit time"));
    }
    t.set_header(header);
    for (i, r) in lb.rows.iter().enumerate() {
        let verdict = r.significance.as_ref().map(|s| s.verdict);
        let best = verdict == Some(Verdict::Best);
        let style = |c: Cell| {
            if colour && best {
                c.add_attribute(Attribute::Bold)
            } else {
                c
            }
        };
        let mut row = vec![
            style(Cell::new(i + 1).set_alignment(CellAlignment::Right)),
            style(Cell::new(truncate(&r.name, 40).0)),
            style(Cell::new(fmt(r.mean)).set_alignment(CellAlignment::Right)),
            Cell::new(fmt(r.std)).set_alignment(CellAlignment::Right),
            Cell::new(if r.ci_low.is_finite() && r.ci_high.is_finite() {
                format!("[{}, {}]", fmt(r.ci_low), fmt(r.ci_high))
            } else {
                "–".into()
            })
            .set_alignment(CellAlignment::Right),
        ];
        if has_sig {
            let (sym, _, text) = mark(verdict);
            let p = r
                .significance
                .as_ref()
                .and_then(|s| s.p_value)
                .filter(|p| p.is_finite());
            let label = match (verdict, p) {
                (Some(Verdict::Best), _) => format!("{sym} best"),
                (_, Some(p)) if p < 0.001 => format!("{sym} {text} (p < 0.001)"),
                (_, Some(p)) => format!(
                    "{sym} {text} (p = {})",
                    if p >= 0.01 {
                        format!("{p:.2}")
                    } else {
                        format!("{p:.3}")
                    }
                ),
                (_, None) => format!("{sym} {text}"),
            };
            let mut c = Cell::new(label);
            if colour {
                c = match verdict {
                    Some(Verdict::Best) => c.fg(Color::Blue).add_attribute(Attribute::Bold),
                    Some(Verdict::NotSignificant) => c.fg(Color::Yellow),
                    Some(Verdict::SignificantlyBetter) => c.fg(Color::Green),
                    _ => c.fg(Color::DarkGrey),
                };
            }
            row.push(c);
        }
        for e in &extra {
            let v = r
                .other_metrics
                .iter()
                .find(|m| m.name == *e)
                .map(|m| m.value)
                .unwrap_or(f64::NAN);
            row.push(Cell::new(fmt(v)).set_alignment(CellAlignment::Right));
        }
        if has_time {
            row.push(
                Cell::new(r.fit_time_s.map(fmt_seconds).unwrap_or_else(|| "–".into()))
                    .set_alignment(CellAlignment::Right),
            );
        }
        t.add_row(row);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{LeaderboardRow, Significance};

    fn row(name: &str, mean: f64, v: Verdict, p: Option<f64>) -> LeaderboardRow {
        LeaderboardRow {
            name: name.into(),
            description: None,
            mean,
            std: 0.01,
            ci_low: mean - 0.02,
            ci_high: mean + 0.02,
            fold_scores: vec![],
            significance: Some(Significance {
                verdict: v,
                p_value: p,
            }),
            fit_time_s: Some(0.25),
            other_metrics: vec![],
        }
    }

    #[test]
    fn plain_table_has_marks_and_no_escape_codes() {
        let lb = Leaderboard {
            metric: "accuracy".into(),
            greater_is_better: true,
            interval_level: Some(0.95),
            interval_method: None,
            test: None,
            alpha: None,
            rows: vec![
                row("logistic", 0.97, Verdict::Best, None),
                row("mlp", 0.965, Verdict::NotSignificant, Some(0.31)),
                row("tree", 0.91, Verdict::SignificantlyWorse, Some(0.0004)),
            ],
        };
        let s = leaderboard_table(&lb, false).to_string();
        assert!(!s.contains('\u{1b}'), "{s}");
        assert!(s.contains("95% CI"));
        assert!(s.contains("★ best"));
        assert!(s.contains("≈ not significantly different (p = 0.31)"));
        assert!(s.contains("▼ significantly worse (p < 0.001)"));
        assert!(s.contains("[0.95, 0.99]"));
        assert!(s.contains("250 ms"));
        let c = leaderboard_table(&lb, true).to_string();
        assert!(c.contains('\u{1b}'));
    }
}
