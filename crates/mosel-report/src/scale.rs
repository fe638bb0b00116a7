//! Scales (data → pixels), "nice" tick positions and tick labels, and colour maps.

/// Okabe–Ito colour-blind-safe palette, ordered for lines on a white background, with
/// its yellow replaced by a dark wine so every colour reads on white.
pub const PALETTE: [&str; 8] = [
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#009E73", // bluish green
    "#E69F00", // orange
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#000000", // black
    "#882255", // wine (from Paul Tol's muted scheme; Okabe–Ito's yellow is unreadable on white)
];

/// Dash patterns that, with [`PALETTE`], keep series apart in greyscale print.
pub const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The dash pattern of series `i` (solid for the first [`PALETTE`] entries' first pass).
pub fn dash(i: usize) -> &'static str {
    DASHES[(i / 2) % DASHES.len()]
}

/// Viridis (perceptually uniform, colour-blind safe) sampled at 9 points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Viridis colour at `t` in [0, 1] (clamped; NaN gives a neutral grey).
pub fn viridis(t: f64) -> String {
    if !t.is_finite() {
        return "#bbbbbb".into();
    }
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// A white-to-blue sequential ramp for heatmaps, with whether text on it should be white.
pub fn blues(t: f64) -> (String, bool) {
    if !t.is_finite() {
        return ("#f2f2f2".into(), false);
    }
    let t = t.clamp(0.0, 1.0);
    // From #f7fbff to #08306b (ColorBrewer Blues end points) through #4292c6.
    let stops = [
        (247.0, 251.0, 255.0),
        (66.0, 146.0, 198.0),
        (8.0, 48.0, 107.0),
    ];
    let (a, b, f) = if t < 0.5 {
        (stops[0], stops[1], t * 2.0)
    } else {
        (stops[1], stops[2], (t - 0.5) * 2.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    (
        format!(
            "#{:02x}{:02x}{:02x}",
            mix(a.0, b.0),
            mix(a.1, b.1),
            mix(a.2, b.2)
        ),
        t > 0.45,
    )
}

/// A linear or logarithmic mapping from a data interval to a pixel interval.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
    log: bool,
}

impl Scale {
    /// A linear scale; a degenerate or non-finite domain is widened to something usable.
    pub fn linear(domain: (f64, f64), range: (f64, f64)) -> Self {
        let (d0, d1) = sane_domain(domain);
        // A reversed domain (e.g. categories listed top-down) flips the range.
        if domain.0 > domain.1 {
            Scale {
                d0,
                d1,
                r0: range.1,
                r1: range.0,
                log: false,
            }
        } else {
            Scale {
                d0,
                d1,
                r0: range.0,
                r1: range.1,
                log: false,
            }
        }
    }

    /// A base-10 logarithmic scale over a positive domain.
    pub fn log(domain: (f64, f64), range: (f64, f64)) -> Self {
        let lo = if domain.0.is_finite() && domain.0 > 0.0 {
            domain.0
        } else {
            1e-3
        };
        let hi = if domain.1.is_finite() && domain.1 > lo {
            domain.1
        } else {
            lo * 10.0
        };
        Scale {
            d0: lo.log10(),
            d1: hi.log10(),
            r0: range.0,
            r1: range.1,
            log: true,
        }
    }

    /// Whether the scale is logarithmic.
    pub fn is_log(&self) -> bool {
        self.log
    }

    /// The data domain (in data units).
    pub fn domain(&self) -> (f64, f64) {
        if self.log {
            (10f64.powf(self.d0), 10f64.powf(self.d1))
        } else {
            (self.d0, self.d1)
        }
    }

    /// The pixel range.
    pub fn range(&self) -> (f64, f64) {
        (self.r0, self.r1)
    }

    /// Maps a data value to pixels (NaN for non-finite input or non-positive input on a
    /// log scale).
    pub fn map(&self, v: f64) -> f64 {
        let v = if self.log {
            if v > 0.0 { v.log10() } else { return f64::NAN }
        } else {
            v
        };
        if !v.is_finite() {
            return f64::NAN;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }

    /// Like [`Scale::map`] but clamped to the pixel range.
    pub fn map_clamped(&self, v: f64) -> f64 {
        let p = self.map(v);
        let (a, b) = if self.r0 < self.r1 {
            (self.r0, self.r1)
        } else {
            (self.r1, self.r0)
        };
        if p.is_nan() { p } else { p.clamp(a, b) }
    }

    /// Tick positions and labels, about `target` of them.
    pub fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        if self.log {
            log_ticks(self.d0, self.d1)
        } else {
            let (t, step) = nice_ticks(self.d0, self.d1, target);
            t.into_iter().map(|v| (v, format_tick(v, step))).collect()
        }
    }
}

fn sane_domain((a, b): (f64, f64)) -> (f64, f64) {
    let (a, b) = match (a.is_finite(), b.is_finite()) {
        (true, true) => (a.min(b), a.max(b)),
        (true, false) => (a, a),
        (false, true) => (b, b),
        (false, false) => (0.0, 1.0),
    };
    if b - a > f64::EPSILON * a.abs().max(b.abs()).max(1e-300) * 8.0 {
        (a, b)
    } else {
        let pad = if a == 0.0 { 1.0 } else { a.abs() * 0.1 };
        (a - pad, b + pad)
    }
}

/// The finite min and max of some values, if any.
pub fn extent<'a>(values: impl IntoIterator<Item = &'a f64>) -> Option<(f64, f64)> {
    let mut r: Option<(f64, f64)> = None;
    for &v in values {
        if v.is_finite() {
            r = Some(match r {
                None => (v, v),
                Some((a, b)) => (a.min(v), b.max(v)),
            });
        }
    }
    r
}

/// Widens `(lo, hi)` outwards to multiples of a nice step (for axis ends), with an
/// optional fractional padding first.
pub fn nice_domain((lo, hi): (f64, f64), pad: f64, target: usize) -> (f64, f64) {
    let (lo, hi) = sane_domain((lo, hi));
    let p = (hi - lo) * pad;
    let (lo, hi) = (lo - p, hi + p);
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let (mut a, mut b) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    // Padding never pushes an all-positive (all-negative) range across zero.
    if lo + p >= 0.0 && a < 0.0 {
        a = 0.0;
    }
    if hi - p <= 0.0 && b > 0.0 {
        b = 0.0;
    }
    (a, b)
}

/// A "nice" step (1, 2, 2.5 or 5 × 10^k) close to `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let e = raw.log10().floor();
    let base = 10f64.powf(e);
    let f = raw / base;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * base
}

/// Tick values inside `[lo, hi]` at a nice step giving about `target` ticks.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let start = (lo / step - 1e-9).ceil();
    let mut out = vec![];
    let mut k = start;
    while k * step <= hi + step * 1e-9 && out.len() < 200 {
        let v = k * step;
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    (out, step)
}

/// A tick label with as many decimals as the step needs.
pub fn format_tick(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize + usize::from(frac_digit(step))
    };
    format!("{v:.*}", decimals.min(6))
}

// A step such as 0.25 needs one more decimal than its order of magnitude suggests.
fn frac_digit(step: f64) -> bool {
    let e = 10f64.powf(-step.log10().floor());
    let m = step * e;
    (m - m.round()).abs() > 1e-6
}

fn log_ticks(l0: f64, l1: f64) -> Vec<(f64, String)> {
    let (a, b) = (l0.floor() as i32, l1.ceil() as i32);
    let decades = (b - a).max(1);
    let mults: &[f64] = if decades <= 3 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let every = ((decades as f64) / 8.0).ceil().max(1.0) as i32;
    let mut out = vec![];
    for e in a..=b {
        if (e - a) % every != 0 {
            continue;
        }
        for &m in mults {
            let v = m * 10f64.powi(e);
            let lv = v.log10();
            if lv >= l0 - 1e-9 && lv <= l1 + 1e-9 {
                out.push((v, format_log(v)));
            }
        }
    }
    out
}

fn format_log(v: f64) -> String {
    if (1e-3..1e5).contains(&v) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

/// Formats a value for tables and annotations: 4 significant decimals for ordinary
/// magnitudes, scientific notation otherwise, `–` for NaN.
pub fn fmt(v: f64) -> String {
    if v.is_nan() {
        return "–".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_domains_do_not_cross_zero() {
        assert_eq!(nice_domain((0.01, 0.2), 0.05, 5), (0.0, 0.25));
        assert_eq!(nice_domain((60.0, 3300.0), 0.05, 5), (0.0, 4000.0));
        assert_eq!(nice_domain((-3.0, -1.0), 0.05, 4), (-4.0, 0.0));
        assert_eq!(nice_domain((-1.0, 1.0), 0.0, 4), (-1.0, 1.0));
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.17), 0.2);
        assert_eq!(nice_step(0.23), 0.25);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(1.0), 1.0);
    }

    #[test]
    fn ticks_cover_the_domain_with_round_labels() {
        let s = Scale::linear((0.0, 1.0), (0.0, 100.0));
        let t: Vec<String> = s.ticks(5).into_iter().map(|t| t.1).collect();
        assert_eq!(t, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let s = Scale::linear((0.9, 1.0), (0.0, 100.0));
        let t: Vec<String> = s.ticks(4).into_iter().map(|t| t.1).collect();
        assert_eq!(t, ["0.900", "0.925", "0.950", "0.975", "1.000"]);
    }

    #[test]
    fn degenerate_domains_are_widened() {
        let s = Scale::linear((5.0, 5.0), (0.0, 10.0));
        assert_eq!(s.domain(), (4.5, 5.5));
        let s = Scale::linear((1.0, 0.0), (0.0, 10.0));
        assert_eq!(s.map(1.0), 0.0);
        assert_eq!(s.map(0.25), 7.5);
        let s = Scale::linear((f64::NAN, f64::NAN), (0.0, 10.0));
        assert_eq!(s.domain(), (0.0, 1.0));
        assert!(s.map(f64::NAN).is_nan());
        assert_eq!(s.map(0.5), 5.0);
    }

    #[test]
    fn log_scale_maps_decades_evenly() {
        let s = Scale::log((0.01, 10.0), (0.0, 300.0));
        assert!((s.map(0.1) - 100.0).abs() < 1e-9);
        assert!(s.map(-1.0).is_nan());
        let labels: Vec<String> = s.ticks(5).into_iter().map(|t| t.1).collect();
        assert_eq!(
            labels,
            [
                "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10"
            ]
        );
        let s = Scale::log((1e-6, 0.1), (0.0, 300.0));
        let labels: Vec<String> = s.ticks(5).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1"]);
    }

    #[test]
    fn colour_maps_are_clamped() {
        assert_eq!(viridis(0.0), "#440154");
        assert_eq!(viridis(1.0), "#fde725");
        assert_eq!(viridis(7.0), "#fde725");
        assert_eq!(blues(0.0).0, "#f7fbff");
    }

    #[test]
    fn formats_values() {
        assert_eq!(fmt(0.97123456), "0.9712");
        assert_eq!(fmt(f64::NAN), "–");
        assert_eq!(fmt(1.5e-5), "1.500e-5");
        assert_eq!(fmt(2.0), "2");
    }
}
