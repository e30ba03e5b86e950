//! The one error type of the crate.
//!
//! Every variant has a stable [`Error::code`] string. The Python binding maps codes to
//! an exception hierarchy rooted at `lakehouse.LakehouseError`; the Node binding sets
//! `Error.code` to the same string. Once published, a code never changes meaning.

use std::path::PathBuf;
use std::sync::Arc;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `lakehouse`.
///
/// Messages name the offending value, e.g. "vector for id 'w-17' has 384 values,
/// index 'workers' expects 768".
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector's length differs from the index dimension.
    #[error("vector for id '{id}' has {got} values, index '{index}' expects {expected}")]
    DimensionMismatch {
        index: String,
        id: String,
        expected: usize,
        got: usize,
    },
    /// An argument failed validation (bad id, NaN, k = 0, bad name, bad config value…).
    #[error("{0}")]
    InvalidInput(String),
    /// A configuration value is out of range or inconsistent.
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    /// A named thing (index, id, stream, case…) does not exist.
    #[error("{what} '{name}' not found")]
    NotFound { what: &'static str, name: String },
    /// A named thing already exists where a new one was asked for.
    #[error("{what} '{name}' already exists")]
    AlreadyExists { what: &'static str, name: String },
    /// Another writer holds the lock on a directory.
    #[error("'{path}' is locked by another writer")]
    Locked { path: PathBuf },
    /// A file failed a checksum or could not be decoded.
    #[error("corrupt file '{path}': {reason}")]
    Corrupt { path: PathBuf, reason: String },
    /// The handle was opened read-only and a write was attempted.
    #[error("'{0}' is opened read-only")]
    ReadOnly(String),
    /// An operating-system I/O error, with the path it concerned.
    #[error("I/O error on '{path}': {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// Parquet / Arrow encoding or decoding failed.
    #[error("parquet error on '{path}': {reason}")]
    Parquet { path: PathBuf, reason: String },
    /// JSON encoding or decoding failed.
    #[error("JSON error: {0}")]
    Json(String),
    /// An HTTP peer (embedding or chat server) failed or answered badly.
    #[error("HTTP error from {url}: {reason}")]
    Http {
        url: String,
        status: Option<u16>,
        reason: String,
    },
    /// An operation ran past its deadline.
    #[error("timed out after {ms} ms: {what}")]
    Timeout { what: String, ms: u64 },
    /// An operation was cancelled through its cancellation token.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// A user-supplied callback or extension (embedder, chat model, transform) failed.
    #[error("callback failed: {0}")]
    Callback(String),
    /// An internal invariant broke; a bug, reported instead of panicking.
    #[error("internal error: {0}")]
    Internal(String),
    /// The handle was closed (its `Lakehouse` was closed) and cannot be used any more.
    #[error("closed: {0}")]
    Closed(String),
}

impl Error {
    /// The stable machine-readable code of this error.
    ///
    /// ```
    /// let e = lakehouse::Error::InvalidInput("k must be at least 1".into());
    /// assert_eq!(e.code(), "INVALID_INPUT");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::DimensionMismatch { .. } => "DIMENSION_MISMATCH",
            Error::InvalidInput(_) => "INVALID_INPUT",
            Error::InvalidConfig(_) => "INVALID_CONFIG",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::AlreadyExists { .. } => "ALREADY_EXISTS",
            Error::Locked { .. } => "LOCKED",
            Error::Corrupt { .. } => "CORRUPT",
            Error::ReadOnly(_) => "READ_ONLY",
            Error::Io { .. } => "IO",
            Error::Parquet { .. } => "PARQUET",
            Error::Json(_) => "JSON",
            Error::Http { .. } => "HTTP",
            Error::Timeout { .. } => "TIMEOUT",
            Error::Cancelled(_) => "CANCELLED",
            Error::Callback(_) => "CALLBACK",
            Error::Internal(_) => "INTERNAL",
            Error::Closed(_) => "CLOSED",
        }
    }

    /// Every code [`Error::code`] can return, for bindings and documentation.
    pub const CODES: &'static [&'static str] = &[
        "DIMENSION_MISMATCH",
        "INVALID_INPUT",
        "INVALID_CONFIG",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "LOCKED",
        "CORRUPT",
        "READ_ONLY",
        "IO",
        "PARQUET",
        "JSON",
        "HTTP",
        "TIMEOUT",
        "CANCELLED",
        "CALLBACK",
        "INTERNAL",
        "CLOSED",
    ];

    /// Wraps an I/O error with the path it concerned.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_table_lists_every_variant_once() {
        let samples = [
            Error::DimensionMismatch {
                index: "i".into(),
                id: "a".into(),
                expected: 2,
                got: 3,
            },
            Error::invalid("x"),
            Error::InvalidConfig("x".into()),
            Error::NotFound {
                what: "index",
                name: "x".into(),
            },
            Error::AlreadyExists {
                what: "index",
                name: "x".into(),
            },
            Error::Locked { path: "p".into() },
            Error::Corrupt {
                path: "p".into(),
                reason: "r".into(),
            },
            Error::ReadOnly("x".into()),
            Error::io("p", std::io::Error::other("x")),
            Error::Parquet {
                path: "p".into(),
                reason: "r".into(),
            },
            Error::Json("x".into()),
            Error::Http {
                url: "u".into(),
                status: None,
                reason: "r".into(),
            },
            Error::Timeout {
                what: "x".into(),
                ms: 1,
            },
            Error::Cancelled("x".into()),
            Error::Callback("x".into()),
            Error::Internal("x".into()),
            Error::Closed("x".into()),
        ];
        let codes: Vec<_> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }

    #[test]
    fn dimension_message_names_values() {
        let e = Error::DimensionMismatch {
            index: "workers".into(),
            id: "w-17".into(),
            expected: 768,
            got: 384,
        };
        assert_eq!(
            e.to_string(),
            "vector for id 'w-17' has 384 values, index 'workers' expects 768"
        );
    }
}
