//! `Journal`: append-only JSONL event streams under a knowledge-base directory.

use std::path::PathBuf;

use lakehouse::Journal;
use pyo3::prelude::*;

use crate::error::IntoPy;
use crate::json::to_value;

/// Appends events (dicts) to `<kb_dir>/<stream>.jsonl`, one JSON object per line.
#[pyclass(name = "Journal", module = "lakehouse._lakehouse", frozen)]
pub struct PyJournal {
    inner: Journal,
}

#[pymethods]
impl PyJournal {
    #[new]
    fn new(py: Python<'_>, kb_dir: PathBuf) -> PyResult<Self> {
        Ok(PyJournal {
            inner: py.detach(|| Journal::open(&kb_dir)).py()?,
        })
    }

    /// The knowledge-base directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.inner.dir().to_path_buf()
    }

    /// The file of `stream`.
    fn path(&self, stream: &str) -> PyResult<PathBuf> {
        self.inner.path(stream).py()
    }

    /// Appends one event (a dict) to `stream`.
    fn append(&self, py: Python<'_>, stream: &str, event: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = to_value(event)?;
        py.detach(|| self.inner.append_value(stream, &v)).py()
    }

    /// fsyncs every stream written through this journal.
    fn sync_all(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.sync_all()).py()
    }
}
