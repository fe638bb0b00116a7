//! The HTML page: header, summary, sections, inline CSS (screen and print).

use std::fmt::Write as _;

use crate::chart::Ids;
use crate::input::{ReportInput, Verdict};
use crate::plots::{classification, leaderboard, note, regression, training, tuning};
use crate::scale::fmt;
use crate::svg::{escape, short_html};

const CSS: &str = r#"
:root{--fg:#1d2733;--muted:#5b6675;--line:#d9dee5;--panel:#f5f7f9;--accent:#0072B2}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:28px 28px 56px}
header h1{font-size:26px;line-height:1.2;margin:0 0 4px;overflow-wrap:anywhere}
.sub{color:var(--muted);margin:0 0 16px}
dl.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px 22px;background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:0}
dl.meta div{min-width:0}
dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
dl.meta .wide{grid-column:1/-1}
code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px}
pre.cmd{margin:2px 0 0;white-space:pre-wrap;word-break:break-all;font-weight:400;background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 9px}
nav.toc{margin:18px 0 0;display:flex;flex-wrap:wrap;gap:6px 8px}
nav.toc a{font-size:13.5px;color:var(--accent);text-decoration:none;border:1px solid var(--line);border-radius:999px;padding:3px 11px;background:#fff}
nav.toc a:hover{background:var(--panel)}
section{margin-top:36px}
h2{font-size:20px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:0 0 3px}
.summary{border-left:4px solid var(--accent);background:var(--panel);border-radius:6px;padding:10px 16px;margin-top:20px}
.summary ul{margin:4px 0;padding-left:20px}
.summary li{margin:3px 0;overflow-wrap:anywhere}
.sub,h1,p.cap,p.note{overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(430px,1fr));gap:18px;margin:0 0 18px}
figure{margin:0 0 18px;border:1px solid var(--line);border-radius:10px;padding:14px 16px 10px;background:#fff;min-width:0}
.charts>figure{margin:0}
p.cap{font-size:13px;color:var(--muted);margin:0 0 8px}
p.note{font-size:13.5px;color:var(--muted);font-style:italic;margin:6px 0 12px;padding:8px 12px;border:1px dashed var(--line);border-radius:8px}
svg.plot{display:block;width:100%;height:auto;max-width:100%;margin:0 auto;overflow:visible}
svg.plot text{font-size:11px}
svg.plot text:not([fill]){fill:#333}
svg.plot .al{font-size:12px;font-weight:600}
svg.plot .ann,svg.plot .pcl{font-size:10.5px}
svg.plot .lg{font-size:11.5px}
svg.plot .gl{stroke:#e9ecf0;stroke-width:1}
svg.plot .tick{stroke:#8a939e;stroke-width:1}
svg.plot .frame{stroke:#6b7580;stroke-width:1;fill:none}
svg.plot .box{fill:#dfe5ec;stroke:#6b7580;stroke-width:1}
svg.plot .whisker{stroke:#6b7580;stroke-width:1.2}
svg.plot .median{stroke:#1d2733;stroke-width:2}
svg.plot .diag{fill:none;stroke:#E69F00;stroke-width:1.2}
svg.plot .hmframe{fill:none;stroke:#6b7580;stroke-width:1}
svg.plot .cell{font-variant-numeric:tabular-nums}
.slices{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:8px}
svg.mini{display:block;width:104px;height:18px}
svg.mini .ci{stroke:#0072B2;stroke-width:2}
svg.mini .mean{fill:#0072B2}
svg.mini .ref{stroke:#999;stroke-width:1;stroke-dasharray:3 2}
.tablewrap{overflow-x:auto;margin:0 0 6px}
table.lb{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
table.lb th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);text-align:left;border-bottom:2px solid var(--line);padding:6px 7px;white-space:nowrap}
table.lb td{border-bottom:1px solid var(--line);padding:6px 7px;vertical-align:middle}
table.lb.small{font-size:13px;margin-top:10px}
table.lb .num{text-align:right;white-space:nowrap}
table.lb .strong{font-weight:700}
table.lb td.sig{white-space:nowrap}
table.lb th.m{white-space:normal;max-width:8em}
table.lb tr.top td{background:#eef6fc}
table.lb td.name{font-weight:600;min-width:13em}
.desc{font-weight:400;font-size:12px;color:var(--muted);white-space:normal;max-width:300px}
th .dir{font-size:11px}
.mk{display:inline-block;font-size:12.5px;font-weight:600;border-radius:5px;padding:1px 7px;white-space:nowrap}
.mk.best{background:#0072B2;color:#fff}
.mk.ns{background:#fff3d6;color:#7a4d00}
.mk.worse{background:#f1f3f5;color:#5b6675}
.mk.better{background:#d6f2e8;color:#00573f}
.mk.untested{color:var(--muted)}
.pv{font-size:12px;color:var(--muted);white-space:nowrap}
.warn{color:#b34700;font-weight:600}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.na{font-size:13px;color:var(--muted);margin-top:40px}
footer{margin-top:40px;padding-top:10px;border-top:1px solid var(--line);font-size:12.5px;color:var(--muted)}
@media (max-width:720px){main{padding:16px}.charts{grid-template-columns:1fr}}
@page{size:A4;margin:12mm}
@media print{
 body{font-size:11px}
 main{max-width:none;padding:0}
 nav.toc{display:none}
 section{margin-top:18px}
 h2{break-after:avoid;font-size:16px}
 figure,.summary,table.lb tr,dl.meta{break-inside:avoid}
 figure{border-color:#bbb;padding:8px}
 .charts{grid-template-columns:1fr 1fr;gap:10px}
 .tablewrap{overflow:visible}
 table.lb{font-size:9px}
 table.lb th{font-size:8px;padding:3px 4px}
 table.lb td{padding:3px 4px}
 table.lb td.name{min-width:0}
 .mk,.pv{font-size:8px}
 p.cap{font-size:9px}
 .desc{display:none}
 svg.mini{width:90px}
 a{color:inherit;text-decoration:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

/// Quotes argv for display as a POSIX shell command line.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn meta(h: &mut String, label: &str, value: &str) {
    let _ = write!(
        h,
        "<div><dt>{}</dt><dd>{}</dd></div>",
        escape(label),
        escape(value)
    );
}

struct Section {
    id: &'static str,
    title: &'static str,
    body: String,
}

/// Renders the whole report page.
pub fn render(input: &ReportInput) -> String {
    let ids = Ids::default();
    let hd = &input.header;
    let task = hd.task.to_ascii_lowercase();
    let is_regression = task == "regression";
    let title = hd
        .title
        .clone()
        .unwrap_or_else(|| format!("mosel report — {}", hd.dataset));
    let mut h = String::with_capacity(256 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"mosel {}\"><title>{}</title><style>{}</style></head><body><main>",
        escape(env!("CARGO_PKG_VERSION")),
        escape(&title),
        CSS
    );

    // Header.
    let _ = write!(h, "<header><h1>{}</h1>", escape(&title));
    let mut sub = vec![format!("{} task", hd.task)];
    if let Some(v) = &hd.validation {
        sub.push(v.clone());
    }
    if let Some(lb) = &input.leaderboard {
        sub.push(format!(
            "selected by {}",
            crate::svg::truncate(&lb.metric, 40).0
        ));
    }
    let _ = write!(
        h,
        "<p class=\"sub\">{}</p><dl class=\"meta\">",
        escape(&sub.join(" · "))
    );
    meta(&mut h, "Dataset", &hd.dataset);
    meta(&mut h, "Task", &hd.task);
    if let Some(t) = &hd.target {
        meta(&mut h, "Target", t);
    }
    match (hd.n_rows, hd.n_features) {
        (Some(r), Some(f)) => meta(&mut h, "Rows × features", &format!("{r} × {f}")),
        (Some(r), None) => meta(&mut h, "Rows", &r.to_string()),
        (None, Some(f)) => meta(&mut h, "Features", &f.to_string()),
        (None, None) => {}
    }
    if let Some(v) = &hd.validation {
        meta(&mut h, "Validation", v);
    }
    meta(
        &mut h,
        "Seed",
        &hd.seed
            .map(|s| s.to_string())
            .unwrap_or_else(|| "not set".into()),
    );
    meta(&mut h, "mosel version", &hd.mosel_version);
    if let Some(s) = &hd.started_at {
        meta(&mut h, "Started", s);
    }
    if let Some(d) = hd.duration_s.filter(|d| d.is_finite()) {
        meta(&mut h, "Run time", &leaderboard::fmt_seconds(d));
    }
    for (k, v) in &hd.extra {
        meta(&mut h, k, v);
    }
    if !hd.command.is_empty() {
        let _ = write!(
            h,
            "<div class=\"wide\"><dt>Command (reproduce with)</dt><dd><pre class=\"cmd\">{}</pre></dd></div>",
            escape(&shell_join(&hd.command))
        );
    }
    h.push_str("</dl></header>");

    let mut sections: Vec<Section> = vec![];
    let mut not_applicable: Vec<&str> = vec![];

    // Leaderboard.
    match &input.leaderboard {
        Some(lb) => {
            let mut b = leaderboard::table(lb);
            b.push_str(&leaderboard::fold_scores(&ids, lb));
            sections.push(Section {
                id: "leaderboard",
                title: "Leaderboard",
                body: b,
            });
        }
        None => sections.push(Section {
            id: "leaderboard",
            title: "Leaderboard",
            body: note("No leaderboard in these results (they come from a single fit, not a model selection run)."),
        }),
    }

    // Classification diagnostics.
    let has_cls = !input.roc_curves.is_empty()
        || !input.pr_curves.is_empty()
        || input.confusion.is_some()
        || !input.calibration.is_empty();
    if has_cls || !is_regression {
        // Figures share one grid; notes go below it.
        let mut figs = String::new();
        let mut notes = String::new();
        let mut add = |html: String| {
            if html.starts_with("<figure") {
                figs.push_str(&html);
            } else {
                notes.push_str(&html);
            }
        };
        if input.roc_curves.is_empty() && input.pr_curves.is_empty() {
            add(note(
                "No ROC or precision–recall curves: the results contain no out-of-fold probabilities for the best candidates.",
            ));
        }
        if !input.roc_curves.is_empty() {
            add(classification::roc(&ids, &input.roc_curves));
        }
        if !input.pr_curves.is_empty() {
            add(classification::pr(&ids, &input.pr_curves));
        }
        match &input.confusion {
            Some(cm) => add(classification::confusion(cm)),
            None => add(note("No confusion matrix in these results.")),
        }
        if input.calibration.is_empty() {
            add(note(
                "No calibration curve: the results contain no predicted probabilities.",
            ));
        } else {
            add(classification::calibration(&ids, &input.calibration));
        }
        let b = format!("<div class=\"charts\">{figs}</div>{notes}");
        sections.push(Section {
            id: "classification",
            title: "Classification diagnostics",
            body: b,
        });
    } else {
        not_applicable
            .push("ROC, precision–recall, confusion matrix and calibration (classification only)");
    }

    // Regression.
    match &input.regression {
        Some(r) => sections.push(Section {
            id: "regression",
            title: "Regression diagnostics",
            body: regression::regression(&ids, r),
        }),
        None if is_regression => sections.push(Section {
            id: "regression",
            title: "Regression diagnostics",
            body: note(
                "No out-of-fold predictions in these results, so there are no residual plots.",
            ),
        }),
        None => not_applicable.push("residuals and predicted-vs-actual (regression only)"),
    }

    // Training.
    {
        let mut b = String::new();
        if input.learning_curves.is_empty() {
            b.push_str(&note(
                "No learning curves: none of the candidates was trained by epochs with a recorded history (linear models solved in closed form have none).",
            ));
        } else {
            b.push_str(&training::learning_curves(&ids, &input.learning_curves));
        }
        match &input.optimizer_comparison {
            Some(oc) => b.push_str(&training::optimizers(&ids, oc)),
            None => b.push_str(&note("No optimizer comparison in these results.")),
        }
        sections.push(Section {
            id: "training",
            title: "Training",
            body: b,
        });
    }

    // Tuning.
    match &input.tuning {
        Some(t) => {
            let mut b = String::new();
            let mut facts = vec![format!("Study “{}”", t.study)];
            if let Some(s) = &t.sampler {
                facts.push(format!("sampler {s}"));
            }
            if let Some(p) = &t.pruner {
                facts.push(format!("pruner {p}"));
            }
            let objs = t
                .objectives
                .iter()
                .map(|o| {
                    format!(
                        "{} ({})",
                        o.name,
                        if o.direction == crate::input::Direction::Minimize {
                            "minimise"
                        } else {
                            "maximise"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if !objs.is_empty() {
                facts.push(format!("objective {objs}"));
            }
            let _ = write!(b, "<p class=\"cap\">{}.</p>", escape(&facts.join(" · ")));
            if t.trials.is_empty() {
                b.push_str(&note("The study has no trials yet."));
            } else {
                b.push_str(&tuning::history(&ids, t));
                let imp = tuning::importance(t);
                let pareto = tuning::pareto(&ids, t);
                b.push_str("<div class=\"charts\">");
                b.push_str(&imp);
                b.push_str(&pareto);
                b.push_str("</div>");
                b.push_str(&tuning::parallel(t));
                b.push_str(&tuning::slices(&ids, t));
            }
            sections.push(Section {
                id: "tuning",
                title: "Tuning",
                body: b,
            });
        }
        None => not_applicable.push("tuning plots (run `mosel tune` for a study)"),
    }

    // Navigation.
    h.push_str("<nav class=\"toc\">");
    h.push_str("<a href=\"#summary\">Summary</a>");
    for s in &sections {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", s.id, escape(s.title));
    }
    h.push_str("</nav>");

    // Summary.
    h.push_str(&summary(input));

    for s in &sections {
        let _ = write!(
            h,
            "<section id=\"{}\"><h2>{}</h2>{}</section>",
            s.id,
            escape(s.title),
            s.body
        );
    }
    if !not_applicable.is_empty() {
        let _ = write!(
            h,
            "<p class=\"na\">Not part of this report: {}.</p>",
            escape(&not_applicable.join("; "))
        );
    }
    let _ = writeln!(
        h,
        "<footer>Generated by mosel {} from results written by mosel {}. Self-contained: no scripts, fonts or network access.</footer></main></body></html>",
        escape(env!("CARGO_PKG_VERSION")),
        escape(&hd.mosel_version)
    );
    h
}

fn summary(input: &ReportInput) -> String {
    let mut items: Vec<String> = vec![];
    if let Some(lb) = &input.leaderboard
        && let Some(best) = lb
            .rows
            .iter()
            .find(|r| r.significance.as_ref().map(|s| s.verdict) == Some(Verdict::Best))
            .or(lb.rows.first())
    {
        let ci = if best.ci_low.is_finite() && best.ci_high.is_finite() {
            let lvl = lb
                .interval_level
                .map(|l| format!("{}% ", fmt(l * 100.0)))
                .unwrap_or_default();
            format!(" ({lvl}CI {} – {})", fmt(best.ci_low), fmt(best.ci_high))
        } else {
            String::new()
        };
        items.push(format!(
            "<b>Best: {}</b> with {} {}{}.",
            short_html(&best.name, 60),
            short_html(&lb.metric, 40),
            fmt(best.mean),
            escape(&ci)
        ));
        let ties: Vec<&str> = lb
            .rows
            .iter()
            .filter(|r| r.significance.as_ref().map(|s| s.verdict) == Some(Verdict::NotSignificant))
            .map(|r| r.name.as_str())
            .collect();
        let tested = lb.rows.iter().any(|r| {
            r.significance
                .as_ref()
                .is_some_and(|s| s.verdict != Verdict::Best && s.verdict != Verdict::Untested)
        });
        let test = lb.test.clone().unwrap_or_else(|| "paired test".into());
        if !ties.is_empty() {
            let shown: Vec<String> = ties
                .iter()
                .take(4)
                .map(|s| format!("“{}”", short_html(s, 40)))
                .collect();
            let more = if ties.len() > 4 {
                format!(" and {} more", ties.len() - 4)
            } else {
                String::new()
            };
            items.push(format!(
                "Not significantly better than {}{more} ({}): the ranking between them is within noise; prefer the simpler or faster one.",
                shown.join(", "),
                escape(&test)
            ));
        } else if tested {
            items.push(format!(
                "Significantly better than every other candidate ({}).",
                escape(&test)
            ));
        }
    }
    let gaps: Vec<(String, training::Gap)> = input
        .learning_curves
        .iter()
        .filter_map(|lc| training::gap(lc).map(|g| (lc.name.clone(), g)))
        .collect();
    match gaps.first() {
        Some((name, g)) => items.push(format!(
            "{} — {}.",
            short_html(name, 60),
            escape(&g.sentence())
        )),
        None => items.push(
            "Overfitting gap: not stated, these results have no train/validation learning curve."
                .into(),
        ),
    }
    if let Some(t) = &input.tuning {
        let n = t.trials.len();
        let counts = tuning::state_counts(t);
        let c = counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        let best = tuning::best_trial(t)
            .and_then(|b| {
                Some(format!(
                    "; best {} {} at trial {}",
                    t.objectives.first()?.name,
                    fmt(*b.values.first()?),
                    b.number
                ))
            })
            .unwrap_or_default();
        items.push(format!(
            "Tuning study “{}”: {n} trials ({c}){}.",
            short_html(&t.study, 60),
            escape(&best)
        ));
    }
    for n in &input.notes {
        items.push(format!("<span class=\"warn\">Note:</span> {}", escape(n)));
    }
    let mut s = String::from("<section id=\"summary\" class=\"summary\"><h3>Summary</h3><ul>");
    for i in items {
        let _ = write!(s, "<li>{i}</li>");
    }
    s.push_str("</ul></section>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        let argv: Vec<String> = ["mosel", "select", "--data", "my file.csv", "--name", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_join(&argv),
            "mosel select --data 'my file.csv' --name 'it'\\''s'"
        );
    }
}
