//! An x/y chart frame on top of [`Svg`]: axes with ticks and labels, grid lines, a
//! legend, a clipped plot area, and drawing helpers in data coordinates.

use std::cell::Cell;

use crate::scale::{Scale, format_tick};
use crate::svg::{PathData, Svg, Val, text_width, truncate};

/// Tick label font size in pixels.
pub const TICK_PX: f64 = 11.0;
/// Axis title font size in pixels.
pub const LABEL_PX: f64 = 12.0;
/// Longest label shown in a legend before it is cut (full text as a tooltip).
pub const LEGEND_CHARS: usize = 56;

/// Hands out document-unique ids (for clip paths).
#[derive(Debug, Default)]
pub struct Ids(Cell<usize>);

impl Ids {
    /// A new id with the given prefix.
    pub fn next(&self, prefix: &str) -> String {
        let n = self.0.get() + 1;
        self.0.set(n);
        format!("{prefix}-{n}")
    }
}

/// One axis of a chart.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The axis title.
    pub label: String,
    /// The data interval shown.
    pub domain: (f64, f64),
    /// Logarithmic scale.
    pub log: bool,
    /// About how many ticks.
    pub ticks: usize,
    /// Explicit ticks (position, label) instead of computed ones.
    pub custom: Option<Vec<(f64, String)>>,
    /// Longest custom tick label before it is cut.
    pub max_label_chars: usize,
}

impl Axis {
    /// A linear axis.
    pub fn linear(label: &str, domain: (f64, f64)) -> Self {
        Axis {
            label: label.into(),
            domain,
            log: false,
            ticks: 6,
            custom: None,
            max_label_chars: 24,
        }
    }

    /// A logarithmic axis.
    pub fn log(label: &str, domain: (f64, f64)) -> Self {
        Axis {
            log: true,
            ..Axis::linear(label, domain)
        }
    }

    /// Sets the target tick count.
    pub fn ticks(mut self, n: usize) -> Self {
        self.ticks = n;
        self
    }

    /// Uses explicit ticks.
    pub fn custom(mut self, ticks: Vec<(f64, String)>) -> Self {
        self.custom = Some(ticks);
        self
    }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A line (with the entry's dash pattern).
    Line,
    /// A filled square.
    Box,
    /// A filled dot.
    Dot,
    /// A hollow dot.
    Ring,
}

/// A legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    /// The text.
    pub label: String,
    /// The colour.
    pub colour: String,
    /// The dash pattern ("" for solid).
    pub dash: String,
    /// The swatch.
    pub swatch: Swatch,
}

impl LegendItem {
    /// A line entry.
    pub fn line(label: impl Into<String>, colour: &str, dash: &str) -> Self {
        LegendItem {
            label: label.into(),
            colour: colour.into(),
            dash: dash.into(),
            swatch: Swatch::Line,
        }
    }

    /// An entry with another swatch.
    pub fn with(label: impl Into<String>, colour: &str, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            colour: colour.into(),
            dash: String::new(),
            swatch,
        }
    }
}

/// A chart being drawn.
#[derive(Debug)]
pub struct Chart {
    /// The SVG written so far.
    pub svg: Svg,
    /// x scale (data → pixels).
    pub x: Scale,
    /// y scale (data → pixels).
    pub y: Scale,
    /// Plot area left edge.
    pub left: f64,
    /// Plot area right edge.
    pub right: f64,
    /// Plot area top edge.
    pub top: f64,
    /// Plot area bottom edge.
    pub bottom: f64,
}

/// Lays out a legend across `width` starting at `x0`; returns rows of (item index, x).
fn legend_rows(items: &[LegendItem], x0: f64, width: f64) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = vec![];
    let mut x = x0;
    for (i, it) in items.iter().enumerate() {
        let (shown, _) = truncate(&it.label, LEGEND_CHARS);
        let w = 24.0 + text_width(&shown, TICK_PX) + 18.0;
        if rows.is_empty() || (x + w > width - 4.0 && x > x0) {
            rows.push(vec![]);
            x = x0;
        }
        rows.last_mut().unwrap().push((i, x));
        x += w;
    }
    rows
}

/// Draws legend entries in rows starting at `y`; returns the height used.
pub fn draw_legend(svg: &mut Svg, items: &[LegendItem], x0: f64, y: f64, width: f64) -> f64 {
    let rows = legend_rows(items, x0, width);
    for (r, row) in rows.iter().enumerate() {
        let cy = y + 9.0 + r as f64 * 18.0;
        for &(i, x) in row {
            let it = &items[i];
            match it.swatch {
                Swatch::Line => svg.elem(
                    "line",
                    &[
                        ("x1", x.into()),
                        ("y1", cy.into()),
                        ("x2", (x + 20.0).into()),
                        ("y2", cy.into()),
                        ("stroke", it.colour.as_str().into()),
                        ("stroke-width", 2.5.into()),
                        (
                            "stroke-dasharray",
                            if it.dash.is_empty() { "none" } else { &it.dash }.into(),
                        ),
                    ],
                ),
                Swatch::Box => svg.elem(
                    "rect",
                    &[
                        ("x", (x + 4.0).into()),
                        ("y", (cy - 6.0).into()),
                        ("width", 12.0.into()),
                        ("height", 12.0.into()),
                        ("fill", it.colour.as_str().into()),
                    ],
                ),
                Swatch::Dot | Swatch::Ring => svg.elem(
                    "circle",
                    &[
                        ("cx", (x + 10.0).into()),
                        ("cy", cy.into()),
                        ("r", 4.0.into()),
                        (
                            "fill",
                            if it.swatch == Swatch::Dot {
                                it.colour.as_str()
                            } else {
                                "white"
                            }
                            .into(),
                        ),
                        ("stroke", it.colour.as_str().into()),
                        ("stroke-width", 1.5.into()),
                    ],
                ),
            }
            svg.label(
                x + 24.0,
                cy + 4.0,
                &it.label,
                LEGEND_CHARS,
                &[("class", "lg".into())],
            );
        }
    }
    if rows.is_empty() {
        0.0
    } else {
        rows.len() as f64 * 18.0 + 4.0
    }
}

fn tick_labels(axis: &Axis, scale: &Scale) -> Vec<(f64, String, bool)> {
    match &axis.custom {
        Some(t) => t
            .iter()
            .map(|(v, s)| {
                let (shown, cut) = truncate(s, axis.max_label_chars);
                (
                    *v,
                    if cut {
                        format!("{shown}\u{0}{s}")
                    } else {
                        shown
                    },
                    cut,
                )
            })
            .collect(),
        None => scale
            .ticks(axis.ticks)
            .into_iter()
            .map(|(v, s)| (v, s, false))
            .collect(),
    }
}

impl Chart {
    /// Starts a chart of `width` × `height` pixels: legend on top, axes, grid, and a
    /// clipped group for the data (closed by [`Chart::finish`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ids: &Ids,
        plot: &str,
        aria: &str,
        width: f64,
        height: f64,
        x: Axis,
        y: Axis,
        legend: &[LegendItem],
    ) -> Chart {
        let mut svg = Svg::new(width, height, plot, aria);
        // Left margin from the widest y tick label.
        let probe_y = if y.log {
            Scale::log(y.domain, (1.0, 0.0))
        } else {
            Scale::linear(y.domain, (1.0, 0.0))
        };
        let ylabels = tick_labels(&y, &probe_y);
        let ytick_w = ylabels
            .iter()
            .map(|(_, s, _)| text_width(s.split('\u{0}').next().unwrap_or(""), TICK_PX))
            .fold(0.0, f64::max);
        let left = 10.0 + if y.label.is_empty() { 0.0 } else { 16.0 } + ytick_w + 8.0;
        let right = width - 18.0;
        let legend_h = draw_legend(&mut svg, legend, left, 4.0, width);
        let top = 12.0 + legend_h;
        let bottom = height - if x.label.is_empty() { 26.0 } else { 42.0 };
        let xs = if x.log {
            Scale::log(x.domain, (left, right))
        } else {
            Scale::linear(x.domain, (left, right))
        };
        let ys = if y.log {
            Scale::log(y.domain, (bottom, top))
        } else {
            Scale::linear(y.domain, (bottom, top))
        };

        // Grid and ticks.
        svg.open("g", &[("class", "axis".into())]);
        let xlabels = tick_labels(&x, &xs);
        // Thin x labels that would overlap.
        let max_w = xlabels
            .iter()
            .map(|(_, s, _)| text_width(s.split('\u{0}').next().unwrap_or(""), TICK_PX))
            .fold(0.0, f64::max);
        let spacing = if xlabels.len() > 1 {
            (right - left) / (xlabels.len() - 1) as f64
        } else {
            right - left
        };
        let every = ((max_w + 6.0) / spacing.max(1.0)).ceil().max(1.0) as usize;
        for (k, (v, s, cut)) in xlabels.iter().enumerate() {
            let px = xs.map(*v);
            if !px.is_finite() || px < left - 0.5 || px > right + 0.5 {
                continue;
            }
            svg.elem(
                "line",
                &[
                    ("class", "gl".into()),
                    ("x1", px.into()),
                    ("x2", px.into()),
                    ("y1", top.into()),
                    ("y2", bottom.into()),
                ],
            );
            svg.elem(
                "line",
                &[
                    ("class", "tick".into()),
                    ("x1", px.into()),
                    ("x2", px.into()),
                    ("y1", bottom.into()),
                    ("y2", (bottom + 4.0).into()),
                ],
            );
            if k % every == 0 {
                let mut parts = s.split('\u{0}');
                let shown = parts.next().unwrap_or("");
                svg.text(
                    px,
                    bottom + 16.0,
                    shown,
                    &[("text-anchor", "middle".into())],
                    if *cut { parts.next() } else { None },
                );
            }
        }
        let ylab_every = {
            let n = ylabels.len().max(1);
            let spacing = (bottom - top) / n as f64;
            (14.0 / spacing.max(1.0)).ceil().max(1.0) as usize
        };
        for (k, (v, s, cut)) in ylabels.iter().enumerate() {
            let py = ys.map(*v);
            if !py.is_finite() || py < top - 0.5 || py > bottom + 0.5 {
                continue;
            }
            svg.elem(
                "line",
                &[
                    ("class", "gl".into()),
                    ("x1", left.into()),
                    ("x2", right.into()),
                    ("y1", py.into()),
                    ("y2", py.into()),
                ],
            );
            svg.elem(
                "line",
                &[
                    ("class", "tick".into()),
                    ("x1", (left - 4.0).into()),
                    ("x2", left.into()),
                    ("y1", py.into()),
                    ("y2", py.into()),
                ],
            );
            if k % ylab_every == 0 {
                let mut parts = s.split('\u{0}');
                let shown = parts.next().unwrap_or("");
                svg.text(
                    left - 7.0,
                    py + 4.0,
                    shown,
                    &[("text-anchor", "end".into())],
                    if *cut { parts.next() } else { None },
                );
            }
        }
        svg.elem(
            "path",
            &[
                ("class", "frame".into()),
                (
                    "d",
                    format!(
                        "M{} {}V{}H{}",
                        crate::svg::num(left),
                        crate::svg::num(top),
                        crate::svg::num(bottom),
                        crate::svg::num(right)
                    )
                    .into(),
                ),
            ],
        );
        if !x.label.is_empty() {
            svg.label(
                (left + right) / 2.0,
                height - 8.0,
                &x.label,
                80,
                &[("class", "al".into()), ("text-anchor", "middle".into())],
            );
        }
        if !y.label.is_empty() {
            let cy = (top + bottom) / 2.0;
            svg.label(
                0.0,
                0.0,
                &y.label,
                ((bottom - top) / 7.0) as usize,
                &[
                    ("class", "al".into()),
                    ("text-anchor", "middle".into()),
                    (
                        "transform",
                        format!("translate(14 {}) rotate(-90)", crate::svg::num(cy)).into(),
                    ),
                ],
            );
        }
        svg.close();

        let clip = ids.next("clip");
        svg.open("clipPath", &[("id", clip.as_str().into())]);
        svg.elem(
            "rect",
            &[
                ("x", (left - 4.0).into()),
                ("y", (top - 4.0).into()),
                ("width", (right - left + 8.0).into()),
                ("height", (bottom - top + 8.0).into()),
            ],
        );
        svg.close();
        svg.open(
            "g",
            &[
                ("clip-path", format!("url(#{clip})").into()),
                ("class", "data".into()),
            ],
        );
        Chart {
            svg,
            x: xs,
            y: ys,
            left,
            right,
            top,
            bottom,
        }
    }

    /// Draws a polyline through (x, y) points; non-finite points leave gaps.
    pub fn line(&mut self, xs: &[f64], ys: &[f64], colour: &str, dash: &str, width: f64) {
        let mut d = PathData::new();
        for (&x, &y) in xs.iter().zip(ys) {
            d.line_to(self.x.map(x), self.y.map(y));
        }
        self.stroke(&d, colour, dash, width);
    }

    /// Draws a step function that holds each y until the next x ("steps-post").
    pub fn step_post(&mut self, xs: &[f64], ys: &[f64], colour: &str, dash: &str, width: f64) {
        let mut d = PathData::new();
        let mut prev: Option<f64> = None;
        for (&x, &y) in xs.iter().zip(ys) {
            let (px, py) = (self.x.map(x), self.y.map(y));
            if let Some(pyy) = prev {
                d.line_to(px, pyy);
            }
            d.line_to(px, py);
            prev = if px.is_finite() && py.is_finite() {
                Some(py)
            } else {
                None
            };
        }
        self.stroke(&d, colour, dash, width);
    }

    fn stroke(&mut self, d: &PathData, colour: &str, dash: &str, width: f64) {
        let mut attrs: Vec<(&str, Val)> = vec![
            ("fill", "none".into()),
            ("stroke", colour.into()),
            ("stroke-width", width.into()),
            ("stroke-linejoin", "round".into()),
        ];
        if !dash.is_empty() {
            attrs.push(("stroke-dasharray", dash.into()));
        }
        self.svg.path(d, &attrs);
    }

    /// Fills the area between two curves over the same x values.
    pub fn band(&mut self, xs: &[f64], lo: &[f64], hi: &[f64], colour: &str, opacity: f64) {
        let mut d = PathData::new();
        // One polygon per run of finite points.
        let mut run: Vec<(f64, f64, f64)> = vec![];
        let flush = |run: &mut Vec<(f64, f64, f64)>, d: &mut PathData| {
            if run.len() >= 2 {
                d.move_to(run[0].0, run[0].1);
                for p in &run[1..] {
                    d.line_to(p.0, p.1);
                }
                for p in run.iter().rev() {
                    d.line_to(p.0, p.2);
                }
                d.close();
            }
            run.clear();
        };
        for ((&x, &a), &b) in xs.iter().zip(lo).zip(hi) {
            let (px, pa, pb) = (self.x.map(x), self.y.map(a), self.y.map(b));
            if px.is_finite() && pa.is_finite() && pb.is_finite() {
                run.push((px, pa, pb));
            } else {
                flush(&mut run, &mut d);
            }
        }
        flush(&mut run, &mut d);
        self.svg.path(
            &d,
            &[
                ("fill", colour.into()),
                ("fill-opacity", opacity.into()),
                ("stroke", "none".into()),
            ],
        );
    }

    /// Draws dots; `title(i)` gives each dot a tooltip.
    #[allow(clippy::too_many_arguments)]
    pub fn dots(
        &mut self,
        xs: &[f64],
        ys: &[f64],
        colour: &str,
        r: f64,
        hollow: bool,
        opacity: f64,
        title: Option<&dyn Fn(usize) -> String>,
    ) {
        for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            let (px, py) = (self.x.map(x), self.y.map(y));
            if !(px.is_finite() && py.is_finite()) {
                continue;
            }
            let mut attrs: Vec<(&str, Val)> =
                vec![("cx", px.into()), ("cy", py.into()), ("r", r.into())];
            if hollow {
                attrs.extend([
                    ("fill", "white".into()),
                    ("stroke", colour.into()),
                    ("stroke-width", 1.2.into()),
                ]);
            } else {
                attrs.push(("fill", colour.into()));
                if opacity < 1.0 {
                    attrs.push(("fill-opacity", opacity.into()));
                }
            }
            match title {
                Some(t) => self.svg.elem_titled("circle", &attrs, &t(i)),
                None => self.svg.elem("circle", &attrs),
            }
        }
    }

    /// A horizontal reference line at data y.
    pub fn hline(&mut self, y: f64, colour: &str, dash: &str) {
        let py = self.y.map(y);
        if py.is_finite() {
            self.svg.elem(
                "line",
                &[
                    ("x1", self.left.into()),
                    ("x2", self.right.into()),
                    ("y1", py.into()),
                    ("y2", py.into()),
                    ("stroke", colour.into()),
                    ("stroke-width", 1.2.into()),
                    (
                        "stroke-dasharray",
                        if dash.is_empty() { "none" } else { dash }.into(),
                    ),
                ],
            );
        }
    }

    /// A vertical reference line at data x with an optional label at the top.
    pub fn vline(
        &mut self,
        x: f64,
        colour: &str,
        dash: &str,
        label: Option<&str>,
        anchor_end: bool,
    ) {
        let px = self.x.map(x);
        if !px.is_finite() {
            return;
        }
        self.svg.elem(
            "line",
            &[
                ("x1", px.into()),
                ("x2", px.into()),
                ("y1", self.top.into()),
                ("y2", self.bottom.into()),
                ("stroke", colour.into()),
                ("stroke-width", 1.2.into()),
                (
                    "stroke-dasharray",
                    if dash.is_empty() { "none" } else { dash }.into(),
                ),
            ],
        );
        if let Some(l) = label {
            // Flip to the left of the line when the label would run past the plot.
            let anchor_end = anchor_end || px + 4.0 + text_width(l, 10.5) > self.right;
            let tx = if anchor_end { px - 4.0 } else { px + 4.0 };
            self.svg.text(
                tx,
                self.top + 12.0,
                l,
                &[
                    ("class", "ann".into()),
                    ("fill", colour.into()),
                    (
                        "text-anchor",
                        if anchor_end { "end" } else { "start" }.into(),
                    ),
                ],
                None,
            );
        }
    }

    /// The diagonal y = x across the visible domain.
    pub fn diagonal(&mut self, colour: &str, dash: &str) {
        let (a, b) = self.x.domain();
        let (c, d) = self.y.domain();
        let (lo, hi) = (a.max(c), b.min(d));
        if lo < hi {
            self.line(&[lo, hi], &[lo, hi], colour, dash, 1.2);
        }
    }

    /// Text at data coordinates.
    pub fn text(&mut self, x: f64, y: f64, text: &str, colour: &str, anchor: &str) {
        let (px, py) = (self.x.map(x), self.y.map(y));
        if px.is_finite() && py.is_finite() {
            self.svg.text(
                px,
                py,
                text,
                &[
                    ("class", "ann".into()),
                    ("fill", colour.into()),
                    ("text-anchor", anchor.into()),
                ],
                None,
            );
        }
    }

    /// Returns the finished SVG markup.
    pub fn finish(self) -> String {
        self.svg.finish()
    }
}

/// Custom tick labels for integer positions (e.g. epochs, trial numbers): nice integer
/// steps over `[lo, hi]`.
pub fn integer_ticks(lo: f64, hi: f64, target: usize) -> Vec<(f64, String)> {
    let (t, step) = crate::scale::nice_ticks(lo, hi, target);
    let step = step.max(1.0);
    t.into_iter()
        .filter(|v| (v / step).fract().abs() < 1e-9 && v.fract() == 0.0)
        .map(|v| (v, format_tick(v, 1.0)))
        .collect()
}
