//! Errors of reading report inputs and writing reports.

use std::path::PathBuf;

/// What went wrong reading a report input or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The JSON ends early: the file was cut off (an interrupted write or copy).
    #[error(
        "the results file is truncated: the JSON ends unexpectedly at line {line}, column {column} \
         (was the run interrupted while writing it?)"
    )]
    Truncated {
        /// Line of the end of input.
        line: usize,
        /// Column of the end of input.
        column: usize,
    },
    /// The text is not valid JSON.
    #[error("the results file is not valid JSON: {message} (line {line}, column {column})")]
    InvalidJson {
        /// The parser's message.
        message: String,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// Valid JSON, but not a document this crate knows.
    #[error(
        "not a mosel report input: expected \"format\": \"{expected}\", found {}",
        found.as_deref().map(|f| format!("\"{f}\"")).unwrap_or_else(|| "no \"format\" field".into())
    )]
    NotAReport {
        /// The `format` field found, if any.
        found: Option<String>,
        /// The expected format tag.
        expected: &'static str,
    },
    /// A report input of a format version this mosel cannot read.
    #[error(
        "the results were written by {} in report format version {found}; this mosel ({}) reads \
         version {supported}: re-run the command with this version, or render the report with the \
         mosel that wrote it",
        written_by.as_deref().map(|v| format!("mosel {v}")).unwrap_or_else(|| "another mosel".into()),
        env!("CARGO_PKG_VERSION")
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u64,
        /// The version this crate reads.
        supported: u32,
        /// The mosel version that wrote the file, if stated.
        written_by: Option<String>,
    },
    /// The document has the right format tag and version but a field is missing or has
    /// the wrong type.
    #[error("invalid report input: {message} (line {line}, column {column})")]
    Schema {
        /// What is wrong.
        message: String,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
}

/// Result alias of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;

impl ReportError {
    /// Classifies a serde_json error from parsing a whole document.
    pub(crate) fn from_json(e: serde_json::Error) -> Self {
        use serde_json::error::Category;
        let (line, column) = (e.line(), e.column());
        match e.classify() {
            Category::Eof => ReportError::Truncated { line, column },
            Category::Syntax | Category::Io => {
                // Strip serde_json's own " at line L column C" suffix: we print our own.
                let msg = e.to_string();
                let message = match msg.rfind(" at line ") {
                    Some(i) => msg[..i].to_string(),
                    None => msg,
                };
                ReportError::InvalidJson {
                    message,
                    line,
                    column,
                }
            }
            Category::Data => {
                let msg = e.to_string();
                let message = match msg.rfind(" at line ") {
                    Some(i) => msg[..i].to_string(),
                    None => msg,
                };
                ReportError::Schema {
                    message,
                    line,
                    column,
                }
            }
        }
    }
}
