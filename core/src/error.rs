//! The one error type of the crate.
//!
//! Every variant has a stable [`Error::code`] string and machine-readable
//! [`Error::details`] (the values involved, as JSON). The Python binding maps codes to
//! an exception hierarchy rooted at `lakehouse.LakehouseError`; the Node binding sets
//! `Error.code` to the same string. Once published, a code never changes meaning.
//!
//! `Error` is `Clone` (I/O and callback sources are shared through `Arc`), so a binding
//! or a scheduler can keep an error and hand out copies. An error raised by user code
//! (an embedder, chat model, transform or progress callback written in Python or JS)
//! travels as [`Error::Callback`] with the original error as its
//! [`source`](std::error::Error::source), so a binding can recover the original
//! exception with [`Error::callback_source`] and a downcast.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The original error of a failed callback, shared so that [`Error`] stays `Clone`.
///
/// It dereferences to the boxed error, so `cause.downcast_ref::<MyError>()` recovers a
/// binding's own error type (a Python exception, a JS error).
#[derive(Clone)]
pub struct CallbackCause(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl CallbackCause {
    /// Wraps any error.
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        CallbackCause(Arc::from(err.into()))
    }
}

impl std::ops::Deref for CallbackCause {
    type Target = dyn std::error::Error + Send + Sync + 'static;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for CallbackCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for CallbackCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Everything that can go wrong in `lakehouse`.
///
/// Messages name the offending value, e.g. "vector for id 'w-17' has 384 values,
/// index 'workers' expects 768"; [`Error::details`] gives the same values as JSON.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector's length differs from the index dimension.
    #[error("vector for id '{id}' has {got} values, index '{index}' expects {expected}")]
    DimensionMismatch {
        /// Name of the index.
        index: String,
        /// Id of the record whose vector was wrong.
        id: String,
        /// The index dimension.
        expected: usize,
        /// The vector's length.
        got: usize,
    },
    /// An argument failed validation (bad id, NaN, k = 0, bad name, bad config value…).
    #[error("{0}")]
    InvalidInput(String),
    /// A configuration or options value is unknown, out of range or inconsistent.
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    /// A named thing (index, id, stream, case…) does not exist.
    #[error("{what} '{name}' not found")]
    NotFound {
        /// Kind of thing looked up (`index`, `stream`, …).
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// A named thing already exists where a new one was asked for.
    #[error("{what} '{name}' already exists")]
    AlreadyExists {
        /// Kind of thing (`index`, …).
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// Another writer holds the lock on a directory.
    #[error("'{path}' is locked by another writer")]
    Locked {
        /// The locked directory.
        path: PathBuf,
    },
    /// A file failed a checksum or could not be decoded.
    #[error("corrupt file '{path}': {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The handle was opened read-only and a write was attempted.
    #[error("'{0}' is opened read-only")]
    ReadOnly(String),
    /// An operating-system I/O error, with the path it concerned.
    #[error("I/O error on '{path}': {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating-system error (shared, so the error stays `Clone`).
        #[source]
        source: Arc<std::io::Error>,
    },
    /// Parquet / Arrow encoding or decoding failed.
    #[error("parquet error on '{path}': {reason}")]
    Parquet {
        /// The file concerned.
        path: PathBuf,
        /// The decoder's or encoder's message.
        reason: String,
    },
    /// JSON encoding or decoding failed.
    #[error("JSON error: {0}")]
    Json(String),
    /// An HTTP peer (embedding or chat server) failed or answered badly.
    #[error("HTTP error from {url}: {reason}")]
    Http {
        /// The URL called.
        url: String,
        /// The HTTP status, when the server answered.
        status: Option<u16>,
        /// What went wrong.
        reason: String,
    },
    /// An operation ran past its deadline.
    #[error("timed out after {ms} ms: {what}")]
    Timeout {
        /// The operation.
        what: String,
        /// The deadline that passed, in milliseconds.
        ms: u64,
    },
    /// An operation was cancelled through its [`CancelToken`](crate::CancelToken) or
    /// its progress callback.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// User code (embedder, chat model, transform, progress callback) failed or
    /// panicked. The original error, when there is one, is the `source`.
    #[error("callback failed: {message}")]
    Callback {
        /// Which callback failed and how.
        message: String,
        /// The error the callback returned (a binding's Python exception or JS error);
        /// `None` for a panic or a broken contract (e.g. wrong number of vectors).
        #[source]
        source: Option<CallbackCause>,
    },
    /// The handle (or the [`Lakehouse`](crate::Lakehouse) it came from) was closed.
    #[error("{0} is closed")]
    Closed(String),
    /// An internal invariant broke; a bug, reported instead of panicking.
    #[error("internal error: {0}")]
    Internal(String),
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
            Error::Callback { .. } => "CALLBACK",
            Error::Closed(_) => "CLOSED",
            Error::Internal(_) => "INTERNAL",
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
        "CLOSED",
        "INTERNAL",
    ];

    /// The values involved, as a JSON object (always an object; `message` holds the
    /// text for variants that carry only a message).
    ///
    /// ```
    /// let e = lakehouse::Error::DimensionMismatch {
    ///     index: "workers".into(), id: "w-17".into(), expected: 768, got: 384,
    /// };
    /// assert_eq!(e.details()["expected"], 768);
    /// assert_eq!(e.details()["id"], "w-17");
    /// ```
    pub fn details(&self) -> Value {
        match self {
            Error::DimensionMismatch {
                index,
                id,
                expected,
                got,
            } => json!({"index": index, "id": id, "expected": expected, "got": got}),
            Error::InvalidInput(m)
            | Error::InvalidConfig(m)
            | Error::Json(m)
            | Error::Cancelled(m)
            | Error::Internal(m) => json!({ "message": m }),
            Error::NotFound { what, name } | Error::AlreadyExists { what, name } => {
                json!({"what": what, "name": name})
            }
            Error::Locked { path } => json!({ "path": path.to_string_lossy() }),
            Error::Corrupt { path, reason } | Error::Parquet { path, reason } => {
                json!({"path": path.to_string_lossy(), "reason": reason})
            }
            Error::ReadOnly(name) => json!({ "name": name }),
            Error::Closed(what) => json!({ "what": what }),
            Error::Io { path, source } => json!({
                "path": path.to_string_lossy(),
                "kind": format!("{:?}", source.kind()),
                "os_error": source.raw_os_error(),
                "message": source.to_string(),
            }),
            Error::Http {
                url,
                status,
                reason,
            } => json!({"url": url, "status": status, "reason": reason}),
            Error::Timeout { what, ms } => json!({"what": what, "ms": ms}),
            Error::Callback { message, source } => json!({
                "message": message,
                "source": source.as_ref().map(ToString::to_string),
            }),
        }
    }

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

    /// A [`Error::Callback`] without an original error (a broken contract or a panic).
    pub fn callback(msg: impl Into<String>) -> Self {
        Error::Callback {
            message: msg.into(),
            source: None,
        }
    }

    /// A [`Error::Callback`] carrying the error user code returned. Bindings wrap a
    /// Python exception or a JS error this way and get it back with
    /// [`Error::callback_source`].
    ///
    /// ```
    /// #[derive(Debug)]
    /// struct PyErr(&'static str);
    /// impl std::fmt::Display for PyErr {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.0) }
    /// }
    /// impl std::error::Error for PyErr {}
    /// let e = lakehouse::Error::callback_with_source("embedder 'py'", PyErr("ValueError: boom"));
    /// assert_eq!(e.code(), "CALLBACK");
    /// let cause = e.callback_source().and_then(|s| s.downcast_ref::<PyErr>());
    /// assert_eq!(cause.map(|p| p.0), Some("ValueError: boom"));
    /// // The same object is the standard `source()`.
    /// let src = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<PyErr>());
    /// assert!(src.is_some());
    /// ```
    pub fn callback_with_source(
        msg: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Callback {
            message: msg.into(),
            source: Some(CallbackCause::new(source)),
        }
    }

    /// The original error of a [`Error::Callback`], for downcasting to a binding's
    /// own error type; `None` for every other variant.
    pub fn callback_source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            Error::Callback {
                source: Some(c), ..
            } => Some(&**c),
            _ => None,
        }
    }

    /// A [`Error::Callback`] for a panic caught at a seam that runs user code.
    pub(crate) fn from_panic(what: &str, payload: &(dyn std::any::Any + Send)) -> Self {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        Error::callback(format!("{what} panicked: {msg}"))
    }
}

/// Runs user code, turning a panic into [`Error::Callback`] naming `what`.
pub(crate) fn guard<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(Error::from_panic(what, &*p)))
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
            Error::callback("x"),
            Error::Closed("x".into()),
            Error::Internal("x".into()),
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
