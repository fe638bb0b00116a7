//! The report's plots, one module per section. Each function returns HTML (a
//! `<figure>` holding an inline SVG) or a short note when its data is unusable.

pub mod classification;
pub mod leaderboard;
pub mod regression;
pub mod training;
pub mod tuning;

use std::fmt::Write as _;

use crate::svg::escape;

/// Most series drawn on one chart (the palette's size).
pub const MAX_SERIES: usize = 8;

/// A figure: a heading, a one-line explanation of how to read it, and the plot.
pub fn figure(title: &str, caption: &str, body: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure><h3>{}</h3><p class=\"cap\">{}</p>{}</figure>",
        escape(title),
        escape(caption),
        body
    );
    s
}

/// A figure whose caption contains trusted HTML.
pub fn figure_html(title: &str, caption_html: &str, body: &str) -> String {
    format!(
        "<figure><h3>{}</h3><p class=\"cap\">{}</p>{}</figure>",
        escape(title),
        caption_html,
        body
    )
}

/// A short note shown in place of a missing or unusable plot.
pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>", escape(text))
}

/// Points (x, y) from two slices, keeping pairs where both are finite; caps the number
/// of points at `max` by keeping every k-th (and the last), so huge inputs stay drawable.
pub fn thin_pairs(xs: &[f64], ys: &[f64], max: usize) -> (Vec<f64>, Vec<f64>) {
    let n = xs.len().min(ys.len());
    let step = n.div_ceil(max.max(1)).max(1);
    let mut a = Vec::with_capacity(n / step + 1);
    let mut b = Vec::with_capacity(n / step + 1);
    for i in (0..n)
        .step_by(step)
        .chain((n > 0 && !(n - 1).is_multiple_of(step)).then_some(n - 1))
    {
        a.push(xs[i]);
        b.push(ys[i]);
    }
    (a, b)
}

/// Linear-interpolation quantile of sorted finite values (numpy's default method).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let f = pos - i as f64;
    if i + 1 < sorted.len() {
        sorted[i] + (sorted[i + 1] - sorted[i]) * f
    } else {
        sorted[i]
    }
}

/// The finite values of a slice, sorted.
pub fn sorted_finite(v: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) -> [1.75, 2.5, 3.25]
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&s, 0.25), 1.75);
        assert_eq!(quantile(&s, 0.5), 2.5);
        assert_eq!(quantile(&s, 0.75), 3.25);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn thinning_keeps_the_ends() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let (a, _) = thin_pairs(&x, &x, 4);
        assert_eq!(a, [0.0, 3.0, 6.0, 9.0]);
        let (a, _) = thin_pairs(&x, &x, 100);
        assert_eq!(a.len(), 10);
        let (a, _) = thin_pairs(&x, &x, 3);
        assert_eq!(a, [0.0, 4.0, 8.0, 9.0]);
    }
}
