//! Learning curves (train/validation loss per epoch with early stopping and the
//! overfitting gap) and the optimizer comparison chart.

use std::fmt::Write as _;

use super::{MAX_SERIES, figure_html, note};
use crate::chart::{Axis, Chart, Ids, LegendItem, Swatch, integer_ticks};
use crate::input::{LearningCurve, OptimizerComparison};
use crate::plots::leaderboard::fmt_seconds;
use crate::scale::{self, extent, fmt, nice_domain};
use crate::svg::{escape, truncate};

/// Most learning curves drawn (small multiples).
pub const MAX_LEARNING_CURVES: usize = 6;

/// The overfitting gap of a learning curve: validation minus training loss at the kept
/// epoch (the best epoch, else the last epoch with both losses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Training loss at that epoch.
    pub train: f64,
    /// Validation loss at that epoch.
    pub val: f64,
}

impl Gap {
    /// Validation minus training loss.
    pub fn gap(&self) -> f64 {
        self.val - self.train
    }

    /// One sentence describing the gap.
    pub fn sentence(&self) -> String {
        let rel = if self.train.abs() > 1e-12 {
            format!(
                " ({:+.0}% of the training loss)",
                self.gap() / self.train.abs() * 100.0
            )
        } else {
            String::new()
        };
        format!(
            "overfitting gap at epoch {}: validation {} − training {} = {}{rel}",
            self.epoch,
            fmt(self.val),
            fmt(self.train),
            fmt(self.gap())
        )
    }
}

/// The overfitting gap of `lc`, if it has a validation loss.
pub fn gap(lc: &LearningCurve) -> Option<Gap> {
    let both = |e: usize| {
        let (t, v) = (
            *lc.train_loss.get(e.checked_sub(1)?)?,
            *lc.val_loss.get(e.checked_sub(1)?)?,
        );
        (t.is_finite() && v.is_finite()).then_some(Gap {
            epoch: e,
            train: t,
            val: v,
        })
    };
    if let Some(g) = lc.best_epoch.and_then(both) {
        return Some(g);
    }
    (1..=lc.train_loss.len().min(lc.val_loss.len()))
        .rev()
        .find_map(both)
}

/// Use a log y axis when all values are positive and span more than `ratio`.
fn want_log(values: &[f64], ratio: f64) -> bool {
    let pos: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    !pos.is_empty() && pos.iter().all(|v| *v > 0.0) && {
        let (lo, hi) = extent(&pos).unwrap();
        hi / lo > ratio
    }
}

fn y_axis(label: &str, values: &[f64], log_ratio: f64) -> Axis {
    if want_log(values, log_ratio) {
        let (lo, hi) = extent(values).unwrap();
        Axis::log(label, (lo * 0.9, hi * 1.1))
    } else {
        let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
        let lo = if lo >= 0.0 && lo < (hi - lo) * 0.5 {
            0.0
        } else {
            lo
        };
        Axis::linear(label, nice_domain((lo, hi), 0.03, 5)).ticks(5)
    }
}

fn one_curve(ids: &Ids, lc: &LearningCurve) -> String {
    let n = lc.train_loss.len().max(lc.val_loss.len());
    if n == 0 {
        return figure_html(
            &format!("Learning curve — {}", truncate(&lc.name, 60).0),
            "",
            &note(
                "No epochs were recorded for this fit (it stopped before the first epoch ended, or it is not trained by epochs).",
            ),
        );
    }
    let xs: Vec<f64> = (1..=n).map(|e| e as f64).collect();
    let all: Vec<f64> = lc.train_loss.iter().chain(&lc.val_loss).copied().collect();
    if extent(&all).is_none() {
        return figure_html(
            &format!("Learning curve — {}", truncate(&lc.name, 60).0),
            "",
            &note("Every recorded loss is NaN or infinite: the fit diverged."),
        );
    }
    let has_val = lc.val_loss.iter().any(|v| v.is_finite());
    let mut legend = vec![LegendItem::line("training", scale::colour(0), "")];
    if has_val {
        legend.push(LegendItem::line("validation", scale::colour(1), "6 3"));
        legend.push(LegendItem::with(
            "overfitting gap",
            "#D55E0033",
            Swatch::Box,
        ));
    }
    if lc.best_epoch.is_some() {
        legend.push(LegendItem::with(
            "kept (best) epoch",
            scale::colour(2),
            Swatch::Dot,
        ));
    }
    if lc.stopped_epoch.is_some() {
        legend.push(LegendItem::line("early stop", "#555555", "2 3"));
    }
    let loss = lc.loss.clone().unwrap_or_else(|| "loss".into());
    let (x0, x1) = if n == 1 { (0.5, 1.5) } else { (1.0, n as f64) };
    let xaxis = Axis::linear("Epoch", (x0, x1)).custom(integer_ticks(1.0, n as f64, 6));
    let mut ch = Chart::new(
        ids,
        "learning-curve",
        &format!("learning curve of {}", lc.name),
        540.0,
        340.0,
        xaxis,
        y_axis(&loss, &all, 8.0),
        &legend,
    );
    if has_val {
        let m = lc.train_loss.len().min(lc.val_loss.len());
        // f64::min/max would silently drop a NaN side; a missing loss must break the band.
        let both = |i: usize| lc.train_loss[i].is_finite() && lc.val_loss[i].is_finite();
        let lo: Vec<f64> = (0..m)
            .map(|i| {
                if both(i) {
                    lc.train_loss[i].min(lc.val_loss[i])
                } else {
                    f64::NAN
                }
            })
            .collect();
        let hi: Vec<f64> = (0..m)
            .map(|i| {
                if both(i) {
                    lc.train_loss[i].max(lc.val_loss[i])
                } else {
                    f64::NAN
                }
            })
            .collect();
        ch.band(&xs[..m], &lo, &hi, scale::colour(1), 0.12);
    }
    ch.line(
        &xs[..lc.train_loss.len()],
        &lc.train_loss,
        scale::colour(0),
        "",
        2.0,
    );
    if n == 1 || lc.train_loss.len() == 1 {
        ch.dots(
            &xs[..lc.train_loss.len()],
            &lc.train_loss,
            scale::colour(0),
            3.0,
            false,
            1.0,
            None,
        );
    }
    if has_val {
        ch.line(
            &xs[..lc.val_loss.len()],
            &lc.val_loss,
            scale::colour(1),
            "6 3",
            2.0,
        );
        if lc.val_loss.len() == 1 {
            ch.dots(
                &xs[..1],
                &lc.val_loss,
                scale::colour(1),
                3.0,
                false,
                1.0,
                None,
            );
        }
    }
    if let Some(s) = lc.stopped_epoch.filter(|s| *s >= 1) {
        let label = match lc.patience {
            Some(p) => format!("stopped (patience {p})"),
            None => "stopped".into(),
        };
        ch.vline(s as f64, "#555555", "2 3", None, true);
        // Second text line so it never collides with the "best" label.
        let px = ch.x.map(s as f64);
        let y = ch.top + 26.0;
        ch.svg.text(
            px - 4.0,
            y,
            &label,
            &[
                ("class", "ann".into()),
                ("fill", "#555555".into()),
                ("text-anchor", "end".into()),
            ],
            None,
        );
    }
    let g = gap(lc);
    if let Some(b) = lc.best_epoch.filter(|b| *b >= 1 && *b <= n) {
        ch.vline(
            b as f64,
            scale::colour(2),
            "",
            Some(&format!("best epoch {b}")),
            false,
        );
        if let Some(g) = g.filter(|g| g.epoch == b) {
            ch.dots(
                &[b as f64, b as f64],
                &[g.train, g.val],
                scale::colour(2),
                4.5,
                false,
                1.0,
                Some(&|k| {
                    if k == 0 {
                        format!("epoch {b}: training {}", fmt(g.train))
                    } else {
                        format!("epoch {b}: validation {}", fmt(g.val))
                    }
                }),
            );
        }
    }
    let svg = ch.finish();
    let mut cap = String::new();
    match g {
        Some(g) => {
            let _ = write!(
                cap,
                "Training and validation {} per epoch; the shaded band is the gap between them. {}.",
                escape(&loss),
                escape(&capitalise(&g.sentence()))
            );
        }
        None if !has_val => {
            let _ = write!(
                cap,
                "Training {} per epoch. No validation split was recorded, so the overfitting gap cannot be stated.",
                escape(&loss)
            );
        }
        None => {
            let _ = write!(cap, "Training and validation {} per epoch.", escape(&loss));
        }
    }
    if let (Some(s), Some(b)) = (lc.stopped_epoch, lc.best_epoch) {
        let _ = write!(
            cap,
            " Early stopping stopped at epoch {s} and restored the weights of epoch {b}."
        );
    } else if let Some(s) = lc.stopped_epoch {
        let _ = write!(cap, " Early stopping stopped at epoch {s}.");
    }
    figure_html(
        &format!("Learning curve — {}", truncate(&lc.name, 60).0),
        &cap,
        &svg,
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Learning curves as small multiples.
pub fn learning_curves(ids: &Ids, curves: &[LearningCurve]) -> String {
    let mut h = String::from("<div class=\"charts\">");
    for lc in curves.iter().take(MAX_LEARNING_CURVES) {
        h.push_str(&one_curve(ids, lc));
    }
    h.push_str("</div>");
    if curves.len() > MAX_LEARNING_CURVES {
        h.push_str(&note(&format!(
            "Only the first {MAX_LEARNING_CURVES} of {} learning curves are drawn.",
            curves.len()
        )));
    }
    h
}

/// Loss per epoch of several optimizers on one chart, and a summary table.
pub fn optimizers(ids: &Ids, oc: &OptimizerComparison) -> String {
    let series: Vec<_> = oc.series.iter().take(MAX_SERIES).collect();
    let n = series.iter().map(|s| s.loss.len()).max().unwrap_or(0);
    let all: Vec<f64> = series.iter().flat_map(|s| s.loss.iter().copied()).collect();
    if series.is_empty() || n == 0 || extent(&all).is_none() {
        return note("The optimizer comparison has no recorded losses.");
    }
    let legend: Vec<LegendItem> = series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendItem::line(s.name.clone(), scale::colour(i), scale::dash(i)))
        .collect();
    let loss = oc.loss.clone().unwrap_or_else(|| "loss".into());
    let (x0, x1) = if n == 1 { (0.5, 1.5) } else { (1.0, n as f64) };
    let mut ch = Chart::new(
        ids,
        "optimizer-comparison",
        "loss per epoch for several optimizers",
        1100.0,
        420.0,
        Axis::linear("Epoch", (x0, x1)).custom(integer_ticks(1.0, n as f64, 10)),
        y_axis(&loss, &all, 5.0),
        &legend,
    );
    for (i, s) in series.iter().enumerate() {
        let xs: Vec<f64> = (1..=s.loss.len()).map(|e| e as f64).collect();
        ch.line(&xs, &s.loss, scale::colour(i), scale::dash(i), 2.0);
        // End marker with the final value as a tooltip.
        if let Some((k, &v)) = s.loss.iter().enumerate().rev().find(|(_, v)| v.is_finite()) {
            let name = s.name.clone();
            ch.dots(
                &[(k + 1) as f64],
                &[v],
                scale::colour(i),
                3.5,
                false,
                1.0,
                Some(&|_| format!("{name}: {} after epoch {}", fmt(v), k + 1)),
            );
        }
    }
    let log = ch.y.is_log();
    let svg = ch.finish();
    let mut t = String::from(
        "<div class=\"tablewrap\"><table class=\"lb small\"><thead><tr><th>Optimizer</th><th>Settings</th><th class=\"num\">Final loss</th><th class=\"num\">Best loss</th><th class=\"num\">Epochs</th><th class=\"num\">Time</th></tr></thead><tbody>",
    );
    let best_final = series
        .iter()
        .filter_map(|s| s.loss.last().copied().filter(|v| v.is_finite()))
        .fold(f64::INFINITY, f64::min);
    for (i, s) in series.iter().enumerate() {
        let last = s.loss.last().copied().unwrap_or(f64::NAN);
        let best = s
            .loss
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let diverged = s.loss.iter().any(|v| !v.is_finite());
        let _ = write!(
            t,
            "<tr{}><td><span class=\"sw\" style=\"background:{}\"></span>{}</td><td class=\"desc\">{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if last == best_final {
                " class=\"top\""
            } else {
                ""
            },
            scale::colour(i),
            escape(&truncate(&s.name, 30).0),
            escape(s.settings.as_deref().unwrap_or("")),
            fmt(last),
            if diverged {
                " <span class=\"warn\" title=\"the loss was NaN or infinite at some epoch (diverged)\">⚠ diverged</span>"
            } else {
                ""
            },
            if best.is_finite() {
                fmt(best)
            } else {
                "–".into()
            },
            s.loss.len(),
            s.time_s.map(fmt_seconds).unwrap_or_else(|| "–".into())
        );
    }
    t.push_str("</tbody></table></div>");
    let mut cap = format!(
        "{} per epoch for each optimizer on {}",
        escape(&capitalise(&loss)),
        escape(&oc.model)
    );
    if log {
        cap.push_str(" (log scale)");
    }
    cap.push_str(". Lower is better; a curve that ends early stopped on its tolerance; gaps mean the loss was NaN (diverged).");
    if oc.series.len() > MAX_SERIES {
        let _ = write!(
            cap,
            " Only the first {MAX_SERIES} of {} optimizers are drawn.",
            oc.series.len()
        );
    }
    figure_html("Optimizer comparison", &cap, &(svg + &t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(train: Vec<f64>, val: Vec<f64>, best: Option<usize>) -> LearningCurve {
        LearningCurve {
            name: "m".into(),
            loss: None,
            train_loss: train,
            val_loss: val,
            best_epoch: best,
            stopped_epoch: None,
            patience: None,
        }
    }

    #[test]
    fn gap_is_taken_at_the_best_epoch() {
        let g = gap(&lc(vec![1.0, 0.5, 0.3], vec![1.1, 0.7, 0.8], Some(2))).unwrap();
        assert_eq!((g.epoch, g.train, g.val), (2, 0.5, 0.7));
        assert!((g.gap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn gap_falls_back_to_the_last_finite_epoch() {
        let g = gap(&lc(vec![1.0, 0.5, 0.3], vec![1.1, 0.7, f64::NAN], None)).unwrap();
        assert_eq!(g.epoch, 2);
        assert!(gap(&lc(vec![1.0], vec![], None)).is_none());
        assert!(gap(&lc(vec![], vec![], Some(3))).is_none());
    }
}
