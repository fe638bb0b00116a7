//! mosel-report: a self-contained HTML report (inline CSS and SVG plots, no scripts,
//! no network) from plain result data, plus terminal table helpers.
//!
//! The report is rendered from a [`ReportInput`], a serde data structure of its own so
//! this crate depends on no other mosel crate: selection, tuning and training convert
//! their results into it. Curves are taken precomputed (their semantics live in
//! `mosel-metrics`).
//!
//! ```
//! use mosel_report::{Header, ReportInput, render_html};
//!
//! let mut input = ReportInput::new(Header {
//!     dataset: "iris".into(),
//!     task: "multiclass".into(),
//!     mosel_version: "0.1.0".into(),
//!     ..Header::default()
//! });
//! input.notes.push("an example".into());
//! let html = render_html(&input);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! // Round trip through JSON:
//! let json = mosel_report::to_json(&input);
//! assert_eq!(mosel_report::from_json_str(&json).unwrap(), input);
//! ```

pub mod chart;
pub mod error;
mod html;
pub mod input;
pub mod plots;
pub mod scale;
pub mod svg;
pub mod terminal;

use std::path::Path;

use serde::Deserialize;

pub use error::{ReportError, Result};
pub use html::shell_join;
pub use input::*;

/// The `format`, `format_version` and writer version of a JSON document, read without
/// parsing the rest (other than checking that it is well-formed JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatTag {
    /// The `format` field, if present and a string.
    pub format: Option<String>,
    /// The `format_version` field, if present and a non-negative integer.
    pub format_version: Option<u64>,
    /// `header.mosel_version` or a top-level `mosel_version`, if present.
    pub mosel_version: Option<String>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    format_version: Option<serde_json::Value>,
    #[serde(default)]
    mosel_version: Option<serde_json::Value>,
    #[serde(default)]
    header: Option<ProbeHeader>,
}

#[derive(Deserialize)]
struct ProbeHeader {
    #[serde(default)]
    mosel_version: Option<serde_json::Value>,
}

/// Reads the format tag of a JSON document; errors only when the text is not a JSON
/// object (truncated, invalid, or another JSON type).
pub fn peek_format(text: &str) -> Result<FormatTag> {
    let probe: Probe = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(ReportError::NotAReport {
                found: None,
                expected: FORMAT,
            });
        }
        Err(e) => return Err(ReportError::from_json(e)),
    };
    let as_str = |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_string));
    let header_version = probe.header.and_then(|h| as_str(h.mosel_version));
    Ok(FormatTag {
        format: as_str(probe.format),
        format_version: probe.format_version.and_then(|v| v.as_u64()),
        mosel_version: header_version.or_else(|| as_str(probe.mosel_version)),
    })
}

/// Parses a report input from JSON, checking its format tag and version first so a
/// document from another mosel version gets a clear error rather than a field error.
pub fn from_json_str(text: &str) -> Result<ReportInput> {
    let tag = peek_format(text)?;
    if tag.format.as_deref() != Some(FORMAT) {
        return Err(ReportError::NotAReport {
            found: tag.format,
            expected: FORMAT,
        });
    }
    match tag.format_version {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(ReportError::UnsupportedVersion {
                found: v,
                supported: FORMAT_VERSION,
                written_by: tag.mosel_version,
            });
        }
        None => {
            return Err(ReportError::Schema {
                message: "missing or non-integer \"format_version\"".into(),
                line: 1,
                column: 1,
            });
        }
    }
    serde_json::from_str(text).map_err(ReportError::from_json)
}

/// Reads and parses a report input file.
pub fn read_input(path: &Path) -> Result<ReportInput> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_json_str(&text)
}

/// Serialises a report input as pretty JSON (NaN as `null`).
pub fn to_json(input: &ReportInput) -> String {
    // Serialising these plain structs (string keys, no custom failing impls) cannot fail.
    serde_json::to_string_pretty(input).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Renders the report as one self-contained HTML document.
pub fn render_html(input: &ReportInput) -> String {
    html::render(input)
}

/// Renders the report and writes it to `path`.
pub fn write_html(input: &ReportInput, path: &Path) -> Result<()> {
    std::fs::write(path, render_html(input)).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
