//! Regression diagnostics: predicted against actual, and residuals against predicted.

use std::fmt::Write as _;

use super::{figure_html, note, thin_pairs};
use crate::chart::{Axis, Chart, Ids, LegendItem, Swatch};
use crate::input::RegressionDiagnostics;
use crate::scale::{self, extent, fmt, nice_domain};
use crate::svg::escape;

/// Most points drawn per scatter plot (thinned evenly beyond this).
pub const MAX_POINTS: usize = 4000;

/// Both regression plots side by side, or a note.
pub fn regression(ids: &Ids, r: &RegressionDiagnostics) -> String {
    if r.actual.len() != r.predicted.len() {
        return note(&format!(
            "Regression plots of “{}” skipped: {} actual values but {} predictions.",
            r.name,
            r.actual.len(),
            r.predicted.len()
        ));
    }
    let pairs: Vec<(f64, f64)> = r
        .actual
        .iter()
        .zip(&r.predicted)
        .map(|(&a, &p)| (a, p))
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .collect();
    if pairs.is_empty() {
        return note("The regression results have no finite (actual, predicted) pairs to plot.");
    }
    let dropped = r.actual.len() - pairs.len();
    let actual: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let pred: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let resid: Vec<f64> = pairs.iter().map(|(a, p)| a - p).collect();
    let (ta, tp) = thin_pairs(&actual, &pred, MAX_POINTS);
    let (tp2, tr) = thin_pairs(&pred, &resid, MAX_POINTS);
    let both: Vec<f64> = actual.iter().chain(&pred).copied().collect();
    let dom = nice_domain(extent(&both).unwrap(), 0.03, 5);
    let alpha = if ta.len() > 1000 { 0.35 } else { 0.6 };
    let mut c1 = Chart::new(
        ids,
        "predicted-vs-actual",
        "predicted against actual",
        480.0,
        440.0,
        Axis::linear("Actual", dom).ticks(5),
        Axis::linear("Predicted", dom).ticks(5),
        &[
            LegendItem::with("row (out-of-fold)", scale::colour(0), Swatch::Dot),
            LegendItem::line("perfect prediction", "#888888", "4 4"),
        ],
    );
    c1.diagonal("#888888", "4 4");
    c1.dots(&ta, &tp, scale::colour(0), 2.6, false, alpha, None);
    let s1 = c1.finish();

    let n = resid.len() as f64;
    let rmse = (resid.iter().map(|e| e * e).sum::<f64>() / n).sqrt();
    let rdom = {
        let (lo, hi) = extent(&resid).unwrap();
        let m = lo.abs().max(hi.abs());
        nice_domain((-m, m), 0.03, 5)
    };
    let mut c2 = Chart::new(
        ids,
        "residuals",
        "residuals against predicted",
        480.0,
        440.0,
        Axis::linear("Predicted", nice_domain(extent(&pred).unwrap(), 0.03, 5)).ticks(5),
        Axis::linear("Residual (actual − predicted)", rdom).ticks(5),
        &[
            LegendItem::with("row", scale::colour(0), Swatch::Dot),
            LegendItem::line("± RMSE", scale::colour(1), "6 3"),
        ],
    );
    c2.hline(0.0, "#555555", "");
    c2.hline(rmse, scale::colour(1), "6 3");
    c2.hline(-rmse, scale::colour(1), "6 3");
    c2.dots(&tp2, &tr, scale::colour(0), 2.6, false, alpha, None);
    let s2 = c2.finish();

    let mut metrics = r
        .metrics
        .iter()
        .map(|m| format!("{} {}", m.name, fmt(m.value)))
        .collect::<Vec<_>>()
        .join(", ");
    if metrics.is_empty() {
        metrics = format!("RMSE {}", fmt(rmse));
    }
    let mut extra = String::new();
    if dropped > 0 {
        let _ = write!(
            extra,
            " {dropped} row(s) with a NaN actual or predicted value are not drawn."
        );
    }
    if actual.len() > MAX_POINTS {
        let _ = write!(
            extra,
            " {} of {} rows drawn (evenly thinned).",
            ta.len(),
            actual.len()
        );
    }
    let mut h = String::from("<div class=\"charts\">");
    h.push_str(&figure_html(
        "Predicted vs actual",
        &escape(&format!(
            "Out-of-fold predictions of {} ({metrics}). Points on the diagonal are perfect predictions.{extra}",
            r.name
        )),
        &s1,
    ));
    h.push_str(&figure_html(
        "Residuals",
        "Actual minus predicted against the prediction. A shapeless band around zero is good; a funnel or a curve means the errors depend on the prediction.",
        &s2,
    ));
    h.push_str("</div>");
    h
}
