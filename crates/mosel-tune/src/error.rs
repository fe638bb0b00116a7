//! Typed errors of the tuning engine.

use thiserror::Error;

/// Everything that can go wrong in `mosel-tune`.
#[derive(Debug, Error)]
pub enum TuneError {
    /// The search space is invalid (bad TOML, empty range, unknown key, ...).
    #[error("search space: {}{msg}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Space {
        /// What is wrong.
        msg: String,
        /// 1-based line in the TOML source, when known.
        line: Option<usize>,
    },
    /// A parameter was asked for that the space does not define, or with the wrong type.
    #[error("parameter: {0}")]
    Param(String),
    /// A storage URL could not be parsed.
    #[error("storage URL `{url}`: {msg}")]
    StorageUrl {
        /// The URL given (password removed).
        url: String,
        /// What is wrong with it.
        msg: String,
    },
    /// Connecting to / opening the storage failed.
    #[error("could not open storage at {location}: {msg}")]
    Connect {
        /// Where we tried (file path, or host:port/db).
        location: String,
        /// The driver's message.
        msg: String,
    },
    /// The database exists but is not a mosel study database.
    #[error("{location} is not a mosel study database: {msg}")]
    NotAStudyDatabase {
        /// Where.
        location: String,
        /// Why we think so.
        msg: String,
    },
    /// The database was written by an incompatible schema version.
    #[error("{location}: study database schema version {found}, this mosel supports {expected}")]
    SchemaVersion {
        /// Where.
        location: String,
        /// Version found in the database.
        found: i64,
        /// Version this build understands.
        expected: i64,
    },
    /// A storage operation failed.
    #[error("storage: {0}")]
    Storage(String),
    /// The named study does not exist.
    #[error("no study named `{0}` in this storage")]
    StudyNotFound(String),
    /// A study of that name exists with another search space.
    #[error(
        "study `{name}` already exists with a different search space; use a new study name, or \
         ask to continue it with the new space (stored space:\n{stored}\ngiven space:\n{given})"
    )]
    SpaceMismatch {
        /// Study name.
        name: String,
        /// Space stored with the study (TOML).
        stored: String,
        /// Space given now (TOML).
        given: String,
    },
    /// A study of that name exists with other optimisation directions.
    #[error("study `{name}` already exists with directions {stored}, not {given}")]
    DirectionsMismatch {
        /// Study name.
        name: String,
        /// Stored directions.
        stored: String,
        /// Given directions.
        given: String,
    },
    /// Invalid argument to an API call.
    #[error("{0}")]
    Invalid(String),
    /// The study has no completed trial yet.
    #[error("study has no completed trial")]
    NoCompletedTrials,
    /// A grid sampler has run every point of its grid.
    #[error("every point of the grid has been evaluated")]
    GridExhausted,
}

/// Result alias for this crate.
pub type Result<T, E = TuneError> = std::result::Result<T, E>;

impl TuneError {
    pub(crate) fn space(msg: impl Into<String>, line: Option<usize>) -> Self {
        TuneError::Space {
            msg: msg.into(),
            line,
        }
    }
}
