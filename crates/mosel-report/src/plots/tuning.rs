//! Tuning study plots: optimisation history, parameter importance, parallel
//! coordinates, and the Pareto front of a multi-objective study.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{figure_html, note};
use crate::chart::{Axis, Chart, Ids, LegendItem, Swatch, integer_ticks};
use crate::input::{Direction, ParamInfo, ParamKind, ParamValue, TrialRecord, TrialState, Tuning};
use crate::scale::{self, Scale, extent, fmt, nice_domain, viridis};
use crate::svg::{PathData, Svg, escape, text_width, truncate};

/// Most trials drawn as lines in the parallel-coordinates plot.
pub const MAX_PARALLEL_LINES: usize = 600;
/// Most parameters shown as axes in the parallel-coordinates plot.
pub const MAX_PARALLEL_AXES: usize = 10;

/// Counts of trials by state.
pub fn state_counts(t: &Tuning) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for tr in &t.trials {
        let k = match tr.state {
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Fail => "failed",
            TrialState::Running => "running",
            TrialState::Waiting => "waiting",
        };
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn value0(t: &TrialRecord) -> f64 {
    t.values.first().copied().unwrap_or(f64::NAN)
}

/// The best complete trial on the first objective.
pub fn best_trial(t: &Tuning) -> Option<&TrialRecord> {
    let dir = t.objectives.first()?.direction;
    t.trials
        .iter()
        .filter(|tr| tr.state == TrialState::Complete && value0(tr).is_finite())
        .fold(None, |b: Option<&TrialRecord>, tr| match b {
            Some(b) if !dir.better(value0(tr), value0(b)) => Some(b),
            _ => Some(tr),
        })
}

fn sorted_trials(t: &Tuning) -> Vec<&TrialRecord> {
    let mut v: Vec<&TrialRecord> = t.trials.iter().collect();
    v.sort_by_key(|tr| tr.number);
    v
}

/// Objective value per trial with the best-so-far line.
pub fn history(ids: &Ids, t: &Tuning) -> String {
    let Some(obj) = t.objectives.first() else {
        return note("The study names no objective.");
    };
    let trials = sorted_trials(t);
    let vals: Vec<f64> = trials
        .iter()
        .filter(|tr| matches!(tr.state, TrialState::Complete | TrialState::Pruned))
        .map(|tr| value0(tr))
        .collect();
    if extent(&vals).is_none() {
        return note("No trial of the study has a finite objective value yet.");
    }
    let (n0, n1) = (
        trials.first().unwrap().number as f64,
        trials.last().unwrap().number as f64,
    );
    let (x0, x1) = if n1 > n0 {
        (n0, n1)
    } else {
        (n0 - 0.5, n0 + 0.5)
    };
    let ydom = nice_domain(extent(&vals).unwrap(), 0.03, 5);
    let legend = [
        LegendItem::with("complete", scale::colour(0), Swatch::Dot),
        LegendItem::with("pruned (last reported value)", "#999999", Swatch::Ring),
        LegendItem::line("best so far", scale::colour(1), ""),
    ];
    let mut ch = Chart::new(
        ids,
        "tuning-history",
        "optimisation history",
        1100.0,
        360.0,
        Axis::linear("Trial", (x0, x1)).custom(integer_ticks(n0, n1, 10)),
        Axis::linear(&format!("{} ({})", obj.name, dir_word(obj.direction)), ydom).ticks(5),
        &legend,
    );
    // Best so far over complete trials.
    let (mut bx, mut by) = (vec![], vec![]);
    let mut best = f64::NAN;
    for tr in &trials {
        if tr.state == TrialState::Complete {
            let v = value0(tr);
            if v.is_finite() && (best.is_nan() || obj.direction.better(v, best)) {
                best = v;
            }
        }
        if best.is_finite() {
            bx.push(tr.number as f64);
            by.push(best);
        }
    }
    let pr: Vec<&&TrialRecord> = trials
        .iter()
        .filter(|tr| tr.state == TrialState::Pruned)
        .collect();
    let px: Vec<f64> = pr.iter().map(|tr| tr.number as f64).collect();
    let py: Vec<f64> = pr.iter().map(|tr| value0(tr)).collect();
    ch.dots(
        &px,
        &py,
        "#999999",
        3.0,
        true,
        1.0,
        Some(&|i| format!("trial {} (pruned): {}", pr[i].number, fmt(py[i]))),
    );
    let co: Vec<&&TrialRecord> = trials
        .iter()
        .filter(|tr| tr.state == TrialState::Complete)
        .collect();
    let cx: Vec<f64> = co.iter().map(|tr| tr.number as f64).collect();
    let cy: Vec<f64> = co.iter().map(|tr| value0(tr)).collect();
    ch.dots(
        &cx,
        &cy,
        scale::colour(0),
        3.2,
        false,
        0.8,
        Some(&|i| trial_tip(co[i], &t.objectives)),
    );
    ch.step_post(&bx, &by, scale::colour(1), "", 2.2);
    let svg = ch.finish();
    let counts = state_counts(t);
    let summary = counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut cap = format!("{} trials ({summary}).", t.trials.len());
    if let Some(b) = best_trial(t) {
        let _ = write!(
            cap,
            " Best {} = {} at trial {}.",
            obj.name,
            fmt(value0(b)),
            b.number
        );
    }
    figure_html("Optimisation history", &escape(&cap), &svg)
}

fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Minimize => "minimise",
        Direction::Maximize => "maximise",
    }
}

fn trial_tip(tr: &TrialRecord, objectives: &[crate::input::Objective]) -> String {
    let mut s = format!("trial {}", tr.number);
    for (o, v) in objectives.iter().zip(&tr.values) {
        let _ = write!(s, "\n{} = {}", o.name, fmt(*v));
    }
    for (k, v) in &tr.params {
        let _ = write!(s, "\n{k} = {}", v.display());
    }
    s
}

/// Horizontal bars of parameter importance.
pub fn importance(t: &Tuning) -> String {
    let mut imp: Vec<(&str, f64)> = t
        .importances
        .iter()
        .map(|i| (i.param.as_str(), i.importance))
        .collect();
    if imp.is_empty() {
        return note("No parameter importances in the results (they need enough complete trials).");
    }
    imp.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let n = imp.len().min(30);
    let max = imp
        .iter()
        .map(|i| i.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-12);
    let shown: Vec<(String, bool)> = imp[..n].iter().map(|(p, _)| truncate(p, 28)).collect();
    let lw = shown
        .iter()
        .map(|(s, _)| text_width(s, 11.0))
        .fold(0.0, f64::max);
    let (left, right, width) = (lw + 16.0, 60.0, 520.0);
    let bar_h = 30.0;
    let top = 8.0;
    let height = top + n as f64 * bar_h + 34.0;
    let sc = Scale::linear((0.0, max), (left, width - right));
    let mut s = Svg::new(width, height, "param-importance", "parameter importance");
    let axis_y = top + n as f64 * bar_h + 4.0;
    for (v, lab) in sc.ticks(4) {
        let px = sc.map(v);
        s.elem(
            "line",
            &[
                ("class", "gl".into()),
                ("x1", px.into()),
                ("x2", px.into()),
                ("y1", top.into()),
                ("y2", axis_y.into()),
            ],
        );
        s.text(
            px,
            axis_y + 14.0,
            &lab,
            &[("text-anchor", "middle".into())],
            None,
        );
    }
    for (i, ((p, v), (lab, cut))) in imp[..n].iter().zip(&shown).enumerate() {
        let y = top + i as f64 * bar_h;
        let w = if v.is_finite() {
            (sc.map(*v) - left).max(0.0)
        } else {
            0.0
        };
        s.text(
            left - 6.0,
            y + bar_h / 2.0 + 4.0,
            lab,
            &[("text-anchor", "end".into())],
            cut.then_some(*p),
        );
        s.elem_titled(
            "rect",
            &[
                ("x", left.into()),
                ("y", (y + 3.0).into()),
                ("width", w.max(0.5).into()),
                ("height", (bar_h - 6.0).into()),
                ("fill", scale::colour(0).into()),
            ],
            &format!("{p}: {}", fmt(*v)),
        );
        s.text(
            left + w + 5.0,
            y + bar_h / 2.0 + 4.0,
            &fmt(*v),
            &[("class", "ann".into())],
            None,
        );
    }
    s.elem(
        "line",
        &[
            ("class", "frame".into()),
            ("x1", left.into()),
            ("x2", left.into()),
            ("y1", top.into()),
            ("y2", axis_y.into()),
        ],
    );
    s.text(
        (left + width - right) / 2.0,
        height - 3.0,
        "Importance",
        &[("class", "al".into()), ("text-anchor", "middle".into())],
        None,
    );
    let svg = s.finish();
    let mut cap =
        String::from("How much of the variation of the objective each parameter explains");
    if let Some(m) = &t.importance_method {
        let _ = write!(cap, " ({m})");
    }
    cap.push_str(". Tune the top parameters first; near-zero ones can usually be fixed.");
    if imp.len() > n {
        let _ = write!(cap, " Showing the top {n} of {}.", imp.len());
    }
    figure_html("Parameter importance", &escape(&cap), &svg)
}

/// An axis of the parallel-coordinates plot.
struct PAxis {
    name: String,
    categories: Vec<String>,
    scale: Scale,
    log: bool,
}

fn param_infos(t: &Tuning) -> Vec<ParamInfo> {
    if !t.params.is_empty() {
        return t.params.clone();
    }
    // Infer from the trials: numbers → float, anything else → categorical (sorted).
    let mut seen: BTreeMap<&str, (bool, Vec<String>)> = BTreeMap::new();
    for tr in &t.trials {
        for (k, v) in &tr.params {
            let e = seen.entry(k.as_str()).or_insert((true, vec![]));
            match v {
                ParamValue::Number(_) => {}
                other => {
                    e.0 = false;
                    let d = other.display();
                    if !e.1.contains(&d) {
                        e.1.push(d);
                    }
                }
            }
        }
    }
    seen.into_iter()
        .map(|(k, (numeric, mut choices))| {
            choices.sort();
            ParamInfo {
                name: k.to_string(),
                kind: if numeric {
                    ParamKind::Float
                } else {
                    ParamKind::Categorical
                },
                log: false,
                choices,
            }
        })
        .collect()
}

fn position(ax: &PAxis, v: &ParamValue) -> f64 {
    if !ax.categories.is_empty() {
        let d = v.display();
        return match ax.categories.iter().position(|c| *c == d) {
            Some(i) => ax.scale.map(i as f64),
            None => f64::NAN,
        };
    }
    match v {
        ParamValue::Number(x) => ax.scale.map(*x),
        _ => f64::NAN,
    }
}

/// Parallel coordinates: one line per complete trial through its parameter values and
/// its objective value, coloured by the objective.
pub fn parallel(t: &Tuning) -> String {
    let Some(obj) = t.objectives.first() else {
        return note("The study names no objective.");
    };
    let mut complete: Vec<&TrialRecord> = t
        .trials
        .iter()
        .filter(|tr| tr.state == TrialState::Complete && value0(tr).is_finite())
        .collect();
    if complete.len() < 2 {
        return note("The parallel-coordinates view needs at least two complete trials.");
    }
    let mut infos = param_infos(t);
    // Order by importance when known.
    if !t.importances.is_empty() {
        let rank = |n: &str| {
            t.importances
                .iter()
                .position(|i| i.param == n)
                .unwrap_or(usize::MAX)
        };
        let mut imp = t.importances.clone();
        imp.sort_by(|a, b| b.importance.total_cmp(&a.importance));
        let order: Vec<String> = imp.into_iter().map(|i| i.param).collect();
        infos.sort_by_key(|p| {
            (
                order
                    .iter()
                    .position(|o| *o == p.name)
                    .unwrap_or(usize::MAX),
                rank(&p.name),
            )
        });
    }
    infos.retain(|p| complete.iter().any(|tr| tr.params.contains_key(&p.name)));
    let hidden_axes = infos.len().saturating_sub(MAX_PARALLEL_AXES);
    infos.truncate(MAX_PARALLEL_AXES);
    if infos.is_empty() {
        return note("The trials record no parameter values.");
    }
    // Keep the best lines when there are too many: sort best-first, draw worst-first.
    complete.sort_by(|a, b| {
        let (x, y) = (value0(a), value0(b));
        match obj.direction {
            Direction::Minimize => x.total_cmp(&y),
            Direction::Maximize => y.total_cmp(&x),
        }
        .then(a.number.cmp(&b.number))
    });
    let dropped = complete.len().saturating_sub(MAX_PARALLEL_LINES);
    complete.truncate(MAX_PARALLEL_LINES);
    let k = infos.len() + 1;
    let width = if k >= 4 { 1100.0 } else { 700.0 };
    let (top, bottom_pad, height) = (40.0, 40.0, 380.0);
    let (x0, x1) = (80.0, width - 90.0);
    let bottom = height - bottom_pad;
    let axis_x = |i: usize| {
        if k == 1 {
            (x0 + x1) / 2.0
        } else {
            x0 + (x1 - x0) * i as f64 / (k - 1) as f64
        }
    };
    let mut axes: Vec<PAxis> = vec![];
    for p in &infos {
        let vals: Vec<&ParamValue> = complete
            .iter()
            .filter_map(|tr| tr.params.get(&p.name))
            .collect();
        let numeric: Vec<f64> = vals
            .iter()
            .filter_map(|v| {
                if let ParamValue::Number(x) = v {
                    Some(*x)
                } else {
                    None
                }
            })
            .collect();
        if p.kind == ParamKind::Categorical || numeric.len() < vals.len() {
            let mut cats = p.choices.clone();
            for v in &vals {
                let d = v.display();
                if !cats.contains(&d) {
                    cats.push(d);
                }
            }
            let m = cats.len().max(1) as f64;
            axes.push(PAxis {
                name: p.name.clone(),
                categories: cats,
                scale: Scale::linear((-0.5, m - 0.5), (bottom, top)),
                log: false,
            });
        } else {
            let (lo, hi) = extent(&numeric).unwrap_or((0.0, 1.0));
            let log = lo > 0.0 && (p.log || hi / lo > 100.0);
            let scale = if log {
                Scale::log((lo, hi), (bottom, top))
            } else {
                Scale::linear((lo, hi), (bottom, top))
            };
            axes.push(PAxis {
                name: p.name.clone(),
                categories: vec![],
                scale,
                log,
            });
        }
    }
    let objv: Vec<f64> = complete.iter().map(|tr| value0(tr)).collect();
    let (olo, ohi) = extent(&objv).unwrap();
    axes.push(PAxis {
        name: obj.name.clone(),
        categories: vec![],
        scale: Scale::linear((olo, ohi), (bottom, top)),
        log: false,
    });
    // Colour by rank (1 = best), robust to outlying values. `complete` is sorted best
    // first; ties share a colour.
    let m = complete.len();
    let rank_colour: Vec<String> = (0..m)
        .map(|i| {
            let first = (0..=i)
                .find(|&j| value0(complete[j]) == value0(complete[i]))
                .unwrap_or(i);
            viridis(if m > 1 {
                1.0 - first as f64 / (m - 1) as f64
            } else {
                1.0
            })
        })
        .collect();
    let mut s = Svg::new(
        width,
        height,
        "parallel-coordinates",
        "parallel coordinates of the trials",
    );
    s.open(
        "g",
        &[
            ("class", "pc".into()),
            ("fill", "none".into()),
            ("stroke-width", 1.3.into()),
            ("stroke-opacity", 0.7.into()),
        ],
    );
    for (ri, tr) in complete.iter().enumerate().rev() {
        let mut d = PathData::new();
        for (i, ax) in axes.iter().enumerate() {
            let y = if i + 1 == axes.len() {
                ax.scale.map(value0(tr))
            } else {
                tr.params
                    .get(&ax.name)
                    .map(|v| position(ax, v))
                    .unwrap_or(f64::NAN)
            };
            d.line_to(axis_x(i), y);
        }
        s.path(&d, &[("stroke", rank_colour[ri].as_str().into())]);
    }
    s.close();
    // Tooltips on invisible wide strokes would double the size; instead the best 30
    // lines get tooltips.
    s.open(
        "g",
        &[
            ("fill", "none".into()),
            ("stroke", "transparent".into()),
            ("stroke-width", 6.0.into()),
        ],
    );
    for tr in complete.iter().take(30) {
        let mut d = PathData::new();
        for (i, ax) in axes.iter().enumerate() {
            let y = if i + 1 == axes.len() {
                ax.scale.map(value0(tr))
            } else {
                tr.params
                    .get(&ax.name)
                    .map(|v| position(ax, v))
                    .unwrap_or(f64::NAN)
            };
            d.line_to(axis_x(i), y);
        }
        if !d.is_empty() {
            s.elem_titled(
                "path",
                &[("d", d.as_str().into())],
                &trial_tip(tr, &t.objectives),
            );
        }
    }
    s.close();
    for (i, ax) in axes.iter().enumerate() {
        let x = axis_x(i);
        s.elem(
            "line",
            &[
                ("x1", x.into()),
                ("x2", x.into()),
                ("y1", top.into()),
                ("y2", bottom.into()),
                ("class", "frame".into()),
            ],
        );
        let spacing = if k > 1 {
            (x1 - x0) / (k - 1) as f64
        } else {
            x1 - x0
        };
        let max_chars = (spacing.min(2.0 * x0) / 7.5) as usize;
        let title = if i + 1 == axes.len() {
            format!("{} ({})", ax.name, dir_word(obj.direction))
        } else {
            ax.name.clone()
        };
        s.label(
            x,
            top - 14.0,
            &title,
            max_chars.max(6),
            &[("class", "al".into()), ("text-anchor", "middle".into())],
        );
        let ticks: Vec<(f64, String)> = if ax.categories.is_empty() {
            ax.scale.ticks(5)
        } else {
            let every = (ax.categories.len() as f64 / 12.0).ceil().max(1.0) as usize;
            ax.categories
                .iter()
                .enumerate()
                .filter(|(j, _)| j % every == 0)
                .map(|(j, c)| (j as f64, c.clone()))
                .collect()
        };
        for (v, lab) in ticks {
            let y = ax.scale.map(v);
            if !y.is_finite() || y < top - 0.5 || y > bottom + 0.5 {
                continue;
            }
            s.elem(
                "line",
                &[
                    ("x1", (x - 3.0).into()),
                    ("x2", (x + 3.0).into()),
                    ("y1", y.into()),
                    ("y2", y.into()),
                    ("class", "tick".into()),
                ],
            );
            let (shown, cut) = truncate(&lab, 14);
            s.text(
                x + 5.0,
                y + 4.0,
                &shown,
                &[("class", "pcl".into())],
                cut.then_some(lab.as_str()),
            );
        }
        if ax.log {
            s.text(
                x + 5.0,
                bottom + 14.0,
                "log",
                &[("class", "ann".into())],
                None,
            );
        }
    }
    // Colour legend.
    let lx = x0;
    let ly = height - 16.0;
    for j in 0..40 {
        let f = j as f64 / 39.0;
        s.elem(
            "rect",
            &[
                ("x", (lx + 60.0 + j as f64 * 4.0).into()),
                ("y", (ly - 8.0).into()),
                ("width", 4.5.into()),
                ("height", 9.0.into()),
                ("fill", viridis(f).into()),
            ],
        );
    }
    s.text(
        lx + 54.0,
        ly,
        "worst",
        &[("text-anchor", "end".into()), ("class", "ann".into())],
        None,
    );
    s.text(
        lx + 60.0 + 164.0,
        ly,
        &format!("best {} (colour = rank)", obj.name),
        &[("class", "ann".into())],
        None,
    );
    let svg = s.finish();
    let mut cap = format!(
        "Each line is a complete trial passing through its parameter values (left) to its {} (right); brighter lines rank better. Bands of bright lines show the good region of each parameter.",
        obj.name
    );
    if dropped > 0 {
        let _ = write!(
            cap,
            " Showing the best {MAX_PARALLEL_LINES} of {} trials.",
            dropped + MAX_PARALLEL_LINES
        );
    }
    if hidden_axes > 0 {
        let _ = write!(cap, " {hidden_axes} less important parameter(s) not shown.");
    }
    figure_html("Parallel coordinates", &escape(&cap), &svg)
}

/// Indices (into `points`) of the non-dominated points, all objectives given as
/// "smaller is better".
pub fn non_dominated(points: &[Vec<f64>]) -> Vec<usize> {
    let dominates = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    (0..points.len())
        .filter(|&i| !(0..points.len()).any(|j| j != i && dominates(&points[j], &points[i])))
        .collect()
}

/// Scatter of the first two objectives with the Pareto front highlighted.
pub fn pareto(ids: &Ids, t: &Tuning) -> String {
    if t.objectives.len() < 2 {
        return String::new();
    }
    let (o0, o1) = (&t.objectives[0], &t.objectives[1]);
    let complete: Vec<&TrialRecord> = t
        .trials
        .iter()
        .filter(|tr| {
            tr.state == TrialState::Complete
                && tr.values.len() >= 2
                && tr.values[..2].iter().all(|v| v.is_finite())
        })
        .collect();
    if complete.is_empty() {
        return note(
            "No complete trial with both objective values yet, so there is no Pareto front.",
        );
    }
    let front: Vec<usize> = match &t.pareto_front {
        Some(nums) => complete
            .iter()
            .enumerate()
            .filter(|(_, tr)| nums.contains(&tr.number))
            .map(|(i, _)| i)
            .collect(),
        None => {
            let sign = |d: Direction| if d == Direction::Minimize { 1.0 } else { -1.0 };
            let pts: Vec<Vec<f64>> = complete
                .iter()
                .map(|tr| {
                    tr.values
                        .iter()
                        .zip(&t.objectives)
                        .map(|(v, o)| v * sign(o.direction))
                        .collect()
                })
                .collect();
            non_dominated(&pts)
        }
    };
    let xs: Vec<f64> = complete.iter().map(|tr| tr.values[0]).collect();
    let ys: Vec<f64> = complete.iter().map(|tr| tr.values[1]).collect();
    let legend = [
        LegendItem::with("trial", "#9aa5b1", Swatch::Dot),
        LegendItem::with("Pareto front", scale::colour(1), Swatch::Dot),
    ];
    let axis = |name: String, v: &[f64]| {
        let (lo, hi) = extent(v).unwrap();
        if lo > 0.0 && hi / lo > 20.0 {
            Axis::log(&name, (lo / 1.3, hi * 1.3))
        } else {
            Axis::linear(&name, nice_domain((lo, hi), 0.04, 5)).ticks(5)
        }
    };
    let mut ch = Chart::new(
        ids,
        "pareto-front",
        "Pareto front",
        560.0,
        420.0,
        axis(format!("{} ({})", o0.name, dir_word(o0.direction)), &xs),
        axis(format!("{} ({})", o1.name, dir_word(o1.direction)), &ys),
        &legend,
    );
    let rest: Vec<usize> = (0..complete.len()).filter(|i| !front.contains(i)).collect();
    let rx: Vec<f64> = rest.iter().map(|&i| xs[i]).collect();
    let ry: Vec<f64> = rest.iter().map(|&i| ys[i]).collect();
    ch.dots(
        &rx,
        &ry,
        "#9aa5b1",
        3.2,
        false,
        0.7,
        Some(&|k| trial_tip(complete[rest[k]], &t.objectives)),
    );
    let mut f: Vec<usize> = front.clone();
    f.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]).then(ys[a].total_cmp(&ys[b])));
    let fx: Vec<f64> = f.iter().map(|&i| xs[i]).collect();
    let fy: Vec<f64> = f.iter().map(|&i| ys[i]).collect();
    ch.line(&fx, &fy, scale::colour(1), "", 1.6);
    ch.dots(
        &fx,
        &fy,
        scale::colour(1),
        4.5,
        false,
        1.0,
        Some(&|k| trial_tip(complete[f[k]], &t.objectives)),
    );
    let svg = ch.finish();
    let mut cap = format!(
        "Every complete trial by its {} and {}; the {} highlighted trials are Pareto-optimal: no other trial is at least as good on both and better on one.",
        o0.name,
        o1.name,
        front.len()
    );
    if t.objectives.len() > 2 {
        let _ = write!(
            cap,
            " Only the first two of {} objectives are plotted.",
            t.objectives.len()
        );
    }
    figure_html("Pareto front", &escape(&cap), &svg)
}

/// Slice plots: the objective against each parameter, one small chart per parameter.
pub fn slices(ids: &Ids, t: &Tuning) -> String {
    let Some(obj) = t.objectives.first() else {
        return String::new();
    };
    let complete: Vec<&TrialRecord> = t
        .trials
        .iter()
        .filter(|tr| tr.state == TrialState::Complete && value0(tr).is_finite())
        .collect();
    if complete.len() < 2 {
        return String::new();
    }
    let mut infos = param_infos(t);
    infos.retain(|p| complete.iter().any(|tr| tr.params.contains_key(&p.name)));
    if !t.importances.is_empty() {
        let mut imp = t.importances.clone();
        imp.sort_by(|a, b| b.importance.total_cmp(&a.importance));
        infos.sort_by_key(|p| {
            imp.iter()
                .position(|i| i.param == p.name)
                .unwrap_or(usize::MAX)
        });
    }
    let shown = infos.len().min(6);
    let yv: Vec<f64> = complete.iter().map(|tr| value0(tr)).collect();
    let ydom = nice_domain(extent(&yv).unwrap(), 0.04, 4);
    let n = complete.len().max(2) as f64;
    let mut h = String::from("<div class=\"slices\">");
    for p in &infos[..shown] {
        let pts: Vec<(usize, &ParamValue)> = complete
            .iter()
            .enumerate()
            .filter_map(|(i, tr)| tr.params.get(&p.name).map(|v| (i, v)))
            .collect();
        let numeric = p.kind != ParamKind::Categorical
            && pts.iter().all(|(_, v)| matches!(v, ParamValue::Number(_)));
        let (xaxis, xs): (Axis, Vec<f64>) = if numeric {
            let xs: Vec<f64> = pts
                .iter()
                .map(|(_, v)| {
                    if let ParamValue::Number(x) = v {
                        *x
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let (lo, hi) = extent(&xs).unwrap_or((0.0, 1.0));
            if (p.log || hi / lo > 100.0) && lo > 0.0 {
                (Axis::log(&p.name, (lo / 1.2, hi * 1.2)), xs)
            } else {
                (
                    Axis::linear(&p.name, nice_domain((lo, hi), 0.05, 4)).ticks(4),
                    xs,
                )
            }
        } else {
            let mut cats = p.choices.clone();
            for (_, v) in &pts {
                let d = v.display();
                if !cats.contains(&d) {
                    cats.push(d);
                }
            }
            let xs = pts
                .iter()
                .map(|(_, v)| cats.iter().position(|c| *c == v.display()).unwrap_or(0) as f64)
                .collect();
            let ticks = cats
                .iter()
                .enumerate()
                .map(|(i, c)| (i as f64, c.clone()))
                .collect();
            let mut ax = Axis::linear(&p.name, (-0.5, cats.len() as f64 - 0.5)).custom(ticks);
            ax.max_label_chars = 10;
            (ax, xs)
        };
        let ys: Vec<f64> = pts.iter().map(|(i, _)| yv[*i]).collect();
        let mut ch = Chart::new(
            ids,
            "slice",
            &format!("{} against {}", obj.name, p.name),
            300.0,
            230.0,
            xaxis,
            Axis::linear(&obj.name, ydom).ticks(4),
            &[],
        );
        for (k, (i, _)) in pts.iter().enumerate() {
            let col = viridis(complete[*i].number as f64 / n);
            ch.dots(&xs[k..k + 1], &ys[k..k + 1], &col, 3.0, false, 0.8, None);
        }
        h.push_str(&ch.finish());
    }
    h.push_str("</div>");
    let mut cap = format!(
        "{} against each parameter, one dot per complete trial, darker = earlier trial.",
        obj.name
    );
    if infos.len() > shown {
        let _ = write!(
            cap,
            " The {shown} most important of {} parameters are shown.",
            infos.len()
        );
    }
    figure_html("Slice plots", &escape(&cap), &h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_dominated_points() {
        let pts = vec![
            vec![1.0, 5.0],
            vec![2.0, 2.0],
            vec![3.0, 3.0],
            vec![5.0, 1.0],
            vec![2.0, 2.0],
        ];
        // (3,3) is dominated by (2,2); duplicates do not dominate each other.
        assert_eq!(non_dominated(&pts), [0, 1, 3, 4]);
    }
}
