//! A tiny, deterministic SVG writer with proper XML escaping.
//!
//! Coordinates are written with at most two decimals (trailing zeros trimmed), so the
//! same input always gives byte-identical output. Non-finite coordinates are never
//! written: callers skip them, and [`num`] maps them to `0` as a last line of defence so
//! the browser never sees `NaN` in an attribute.

use std::fmt::Write as _;

/// Escapes text for XML/HTML element content and attribute values, and drops
/// characters that are not allowed in XML (control characters other than tab and
/// newline).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formats a coordinate: two decimals at most, trailing zeros trimmed, `-0` as `0`;
/// non-finite values become `0`.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// An attribute value: text (escaped) or a number (formatted with [`num`]).
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// Text, escaped on output.
    S(&'a str),
    /// Owned text, escaped on output.
    O(String),
    /// A coordinate or length.
    N(f64),
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Self {
        Val::S(s)
    }
}
impl From<String> for Val<'_> {
    fn from(s: String) -> Self {
        Val::O(s)
    }
}
impl From<f64> for Val<'_> {
    fn from(v: f64) -> Self {
        Val::N(v)
    }
}

/// An SVG document being written.
#[derive(Debug)]
pub struct Svg {
    buf: String,
    open: Vec<&'static str>,
}

impl Svg {
    /// Starts an `<svg>` element of the given size (used as the `viewBox`; the element
    /// scales to its container's width through CSS). `plot` is written as
    /// `data-plot` so tests and styles can find the plot; `label` is the accessible name.
    pub fn new(width: f64, height: f64, plot: &str, label: &str) -> Self {
        Self::with_class(width, height, "plot", plot, label)
    }

    /// Like [`Svg::new`] with another CSS class (small inline graphics use `"mini"`).
    pub fn with_class(width: f64, height: f64, class: &str, plot: &str, label: &str) -> Self {
        let mut s = Svg {
            buf: String::with_capacity(4096),
            open: vec![],
        };
        let _ = write!(
            s.buf,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{}\" data-plot=\"{}\" \
             viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" style=\"max-width:{}px\" role=\"img\" aria-label=\"{}\">",
            escape(class),
            escape(plot),
            num(width),
            num(height),
            num(width),
            num(height),
            num(width),
            escape(label)
        );
        s.open.push("svg");
        s
    }

    fn attrs(&mut self, attrs: &[(&str, Val)]) {
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            match v {
                Val::S(s) => self.buf.push_str(&escape(s)),
                Val::O(s) => self.buf.push_str(&escape(s)),
                Val::N(n) => self.buf.push_str(&num(*n)),
            }
            self.buf.push('"');
        }
    }

    /// Writes an empty element such as `<rect .../>`.
    pub fn elem(&mut self, tag: &str, attrs: &[(&str, Val)]) {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.attrs(attrs);
        self.buf.push_str("/>");
    }

    /// Writes an element with a `<title>` child (a tooltip in browsers).
    pub fn elem_titled(&mut self, tag: &str, attrs: &[(&str, Val)], title: &str) {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.attrs(attrs);
        self.buf.push_str("><title>");
        self.buf.push_str(&escape(title));
        self.buf.push_str("</title></");
        self.buf.push_str(tag);
        self.buf.push('>');
    }

    /// Opens a container element (`g`, `clipPath`, ...); close it with [`Svg::close`].
    pub fn open(&mut self, tag: &'static str, attrs: &[(&str, Val)]) {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.attrs(attrs);
        self.buf.push('>');
        self.open.push(tag);
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) {
        if let Some(tag) = self.open.pop() {
            let _ = write!(self.buf, "</{tag}>");
        }
    }

    /// Writes a `<title>` for the innermost open element.
    pub fn title(&mut self, text: &str) {
        let _ = write!(self.buf, "<title>{}</title>", escape(text));
    }

    /// Writes a `<text>` element; `tooltip` adds a `<title>` (used for truncated labels).
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        attrs: &[(&str, Val)],
        tooltip: Option<&str>,
    ) {
        let _ = write!(self.buf, "<text x=\"{}\" y=\"{}\"", num(x), num(y));
        self.attrs(attrs);
        self.buf.push('>');
        if let Some(t) = tooltip {
            let _ = write!(self.buf, "<title>{}</title>", escape(t));
        }
        self.buf.push_str(&escape(text));
        self.buf.push_str("</text>");
    }

    /// Writes a label that is truncated to `max_chars` characters, with the full text as
    /// a tooltip when it was cut.
    pub fn label(&mut self, x: f64, y: f64, text: &str, max_chars: usize, attrs: &[(&str, Val)]) {
        let (shown, cut) = truncate(text, max_chars);
        self.text(x, y, &shown, attrs, cut.then_some(text));
    }

    /// Writes a `<path>` from a path-data string built with [`PathData`].
    pub fn path(&mut self, d: &PathData, attrs: &[(&str, Val)]) {
        if d.is_empty() {
            return;
        }
        let _ = write!(self.buf, "<path d=\"{}\"", d.0);
        self.attrs(attrs);
        self.buf.push_str("/>");
    }

    /// Appends raw, already valid SVG markup (used for shared `<defs>`).
    pub fn raw(&mut self, markup: &str) {
        self.buf.push_str(markup);
    }

    /// Closes every open element and returns the markup.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }
}

/// Path data (`d` attribute) built from finite points; non-finite points break the line.
#[derive(Debug, Default, Clone)]
pub struct PathData(String, bool);

impl PathData {
    /// An empty path.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path data text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether nothing has been drawn.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Moves to a point (starts a new sub-path).
    pub fn move_to(&mut self, x: f64, y: f64) {
        if x.is_finite() && y.is_finite() {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            let _ = write!(self.0, "M{} {}", num(x), num(y));
            self.1 = true;
        } else {
            self.1 = false;
        }
    }

    /// Draws a line to a point, or starts a new sub-path after a gap; a non-finite point
    /// makes a gap.
    pub fn line_to(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            self.1 = false;
            return;
        }
        if !self.1 {
            self.move_to(x, y);
            return;
        }
        let _ = write!(self.0, "L{} {}", num(x), num(y));
    }

    /// Closes the current sub-path.
    pub fn close(&mut self) {
        if self.1 {
            self.0.push('Z');
            self.1 = false;
        }
    }
}

/// Cuts `s` to at most `max_chars` characters, ending in `…` when cut; returns whether
/// it was cut.
pub fn truncate(s: &str, max_chars: usize) -> (String, bool) {
    let n = s.chars().count();
    if n <= max_chars.max(1) {
        return (s.to_string(), false);
    }
    let keep = max_chars.max(2) - 1;
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    (out, true)
}

/// HTML for `s` cut to `max_chars`, with the full text as a tooltip when cut (escaped).
pub fn short_html(s: &str, max_chars: usize) -> String {
    match truncate(s, max_chars) {
        (shown, true) => format!("<span title=\"{}\">{}</span>", escape(s), escape(&shown)),
        (shown, false) => escape(&shown),
    }
}

/// Estimated rendered width of `s` in pixels at `font_px` in a sans-serif font.
pub fn text_width(s: &str, font_px: f64) -> f64 {
    s.chars()
        .map(|c| {
            // Widths of DejaVu Sans / Liberation Sans (the widest common fallbacks), so
            // layouts computed here do not overlap in any system font.
            if c.is_ascii_uppercase() || c == 'm' || c == 'w' || c == '=' || c == '+' {
                0.78
            } else if c == 'i'
                || c == 'l'
                || c == 'j'
                || c == '.'
                || c == ','
                || c == ':'
                || c == '\''
            {
                0.3
            } else if c == ' '
                || c == 'f'
                || c == 't'
                || c == 'r'
                || c == '('
                || c == ')'
                || c == '['
                || c == ']'
            {
                0.4
            } else if c.is_ascii() {
                0.63
            } else {
                0.85
            }
        })
        .sum::<f64>()
        * font_px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{0}\u{1b}"),
            "a&lt;b&gt;&amp;&quot;c&#39;"
        );
    }

    #[test]
    fn numbers_are_short_and_never_nan() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.234567), "1.23");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(10.5), "10.5");
    }

    #[test]
    fn paths_break_at_non_finite_points() {
        let mut p = PathData::new();
        p.move_to(0.0, 0.0);
        p.line_to(1.0, 1.0);
        p.line_to(f64::NAN, 2.0);
        p.line_to(3.0, 3.0);
        p.line_to(4.0, 4.0);
        assert_eq!(p.0, "M0 0L1 1 M3 3L4 4");
    }

    #[test]
    fn truncation_marks_cut_text() {
        assert_eq!(truncate("short", 10), ("short".to_string(), false));
        assert_eq!(truncate("abcdefghij", 5), ("abcd…".to_string(), true));
        assert_eq!(truncate("ééééé", 5), ("ééééé".to_string(), false));
    }

    #[test]
    fn documents_are_closed_and_escaped() {
        let mut s = Svg::new(10.0, 10.0, "t", "a & b");
        s.open("g", &[("class", "x".into())]);
        s.text(1.0, 2.0, "<x>", &[], Some("full <x>"));
        let out = s.finish();
        assert!(out.ends_with("</g></svg>"));
        assert!(out.contains("aria-label=\"a &amp; b\""));
        assert!(out.contains("<title>full &lt;x&gt;</title>&lt;x&gt;</text>"));
    }
}
