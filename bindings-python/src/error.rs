//! The one place where core errors become Python exceptions (SPEC §6).
//!
//! The classes live in `lakehouse/errors.py` (several builtin bases per class, which a
//! pyo3 exception type cannot have under abi3); this file looks them up by code and
//! raises them with the core's message and details. A callback's own exception travels
//! through the core as the `source` of `Error::Callback` and comes back here as the
//! `__cause__`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::json::to_py;

fn classes(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    static BY_CODE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
    let dict = BY_CODE.get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let module = py.import("lakehouse.errors")?;
        Ok(module.getattr("_BY_CODE")?.cast_into::<PyDict>()?.unbind())
    })?;
    Ok(dict.bind(py))
}

/// A Python exception of the class for `code`, with `message` and `details`.
pub fn raise(py: Python<'_>, code: &str, message: &str, details: &Value) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = match classes(py)?.get_item(code)? {
            Some(cls) => cls,
            None => py.import("lakehouse.errors")?.getattr("LakehouseError")?,
        };
        let kwargs = PyDict::new(py);
        kwargs.set_item("details", to_py(py, details)?)?;
        let exc = cls.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

/// The Python exception for a core error, with the callback's own exception (if any)
/// as `__cause__`.
pub fn to_pyerr(py: Python<'_>, e: &lakehouse::Error) -> PyErr {
    let err = raise(py, e.code(), &e.to_string(), &e.details());
    if let Some(original) = e.callback_source().and_then(|s| s.downcast_ref::<PyErr>()) {
        err.set_cause(py, Some(original.clone_ref(py)));
    }
    err
}

/// `map_err` helper for code that holds the GIL.
pub fn err(e: lakehouse::Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, &e))
}

/// Shorthand: the result type of core calls converted for Python.
pub trait IntoPy<T> {
    /// Maps a core error to its Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for lakehouse::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(err)
    }
}

/// An `INVALID_INPUT` exception raised by the binding itself (bad argument types).
pub fn invalid(py: Python<'_>, message: impl Into<String>) -> PyErr {
    let message = message.into();
    raise(
        py,
        "INVALID_INPUT",
        &message,
        &serde_json::json!({ "message": message }),
    )
}

/// Wraps a Python exception raised by user code as a core callback error, keeping it
/// as the source so it comes back as `__cause__`.
pub fn callback_error(what: &str, e: PyErr) -> lakehouse::Error {
    let message = Python::attach(|py| format!("{what} raised {}", describe(py, &e)));
    lakehouse::Error::callback_with_source(message, e)
}

fn describe(py: Python<'_>, e: &PyErr) -> String {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "exception".into());
    format!("{name}: {}", e.value(py))
}
