//! `Lakehouse`: a directory of durable, named vector indexes.

use std::sync::RwLock;

use lakehouse::{Lakehouse, StoreOptions};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::error::{raise, IntoPy};
use crate::index::{index_config, PyVectorIndex};
use crate::json::{kwargs_object, ser};

/// A lakehouse directory. Use it as a context manager (`with Lakehouse.open(path) as
/// lake:`) or call `close()`: closing releases the directory lock at once.
#[pyclass(name = "Lakehouse", module = "lakehouse._lakehouse", frozen)]
pub struct PyLakehouse {
    inner: RwLock<Option<Lakehouse>>,
    path: String,
}

impl PyLakehouse {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Lakehouse) -> lakehouse::Result<T> + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        let guard = self.inner.read().map_err(|_| poisoned(py))?;
        match guard.as_ref() {
            Some(lake) => py.detach(|| f(lake)).py(),
            None => Err(closed(py, &self.path)),
        }
    }
}

fn poisoned(py: Python<'_>) -> PyErr {
    raise(
        py,
        "INTERNAL",
        "lakehouse handle lock poisoned",
        &serde_json::json!({}),
    )
}

fn closed(py: Python<'_>, path: &str) -> PyErr {
    let msg = format!("lakehouse '{path}' is closed");
    raise(py, "CLOSED", &msg, &serde_json::json!({ "what": msg }))
}

#[pymethods]
impl PyLakehouse {
    /// Opens (creating if needed) the lakehouse at `path` for writing. Keyword
    /// arguments are `StoreOptions` (`durability`, `snapshot_every`, `save_graph`).
    #[classmethod]
    #[pyo3(signature = (path, **options))]
    fn open(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let opts: StoreOptions = crate::json::options(kwargs_object(None, options)?)?;
        let lake = py.detach(|| Lakehouse::open_with(&path, opts)).py()?;
        Ok(PyLakehouse {
            inner: RwLock::new(Some(lake)),
            path: path.display().to_string(),
        })
    }

    /// Opens the lakehouse at `path` read-only (no lock; writes raise ReadOnlyError).
    #[classmethod]
    fn open_read_only(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<Self> {
        let lake = py.detach(|| Lakehouse::open_read_only(&path)).py()?;
        Ok(PyLakehouse {
            inner: RwLock::new(Some(lake)),
            path: path.display().to_string(),
        })
    }

    /// The directory.
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// Whether writes are refused.
    #[getter]
    fn read_only(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |l| Ok(l.is_read_only()))
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Creates a durable index (AlreadyExistsError if it exists).
    #[pyo3(signature = (name, dim, metric = "cosine", **config))]
    fn create_index(
        &self,
        py: Python<'_>,
        name: &str,
        dim: usize,
        metric: &str,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyVectorIndex> {
        let cfg = index_config(dim, metric, config)?;
        let inner = self.with(py, |l| l.create_index(name, cfg))?;
        Ok(PyVectorIndex { inner })
    }

    /// Opens an existing index (NotFoundError if there is none).
    fn index(&self, py: Python<'_>, name: &str) -> PyResult<PyVectorIndex> {
        let inner = self.with(py, |l| l.index(name))?;
        Ok(PyVectorIndex { inner })
    }

    /// Opens the index, creating it with this configuration when missing.
    #[pyo3(signature = (name, dim, metric = "cosine", **config))]
    fn open_or_create(
        &self,
        py: Python<'_>,
        name: &str,
        dim: usize,
        metric: &str,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyVectorIndex> {
        let cfg = index_config(dim, metric, config)?;
        let inner = self.with(py, |l| l.open_or_create(name, cfg))?;
        Ok(PyVectorIndex { inner })
    }

    /// Names of the indexes, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with(py, |l| Ok(l.list()))
    }

    /// Deletes an index and its files.
    fn drop_index(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.with(py, |l| l.drop_index(name))
    }

    /// Makes every acknowledged write durable (fsync).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |l| l.flush())
    }

    /// Writes a snapshot of `name` now.
    fn snapshot(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.with(py, |l| l.snapshot(name))
    }

    /// Waits until background work (snapshots, rebuilds) of `name` is done.
    fn wait_idle(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.with(py, |l| l.wait_idle(name))
    }

    /// What opening `name` found and did (`OpenReport` shape), or None.
    fn last_open_report<'py>(
        &self,
        py: Python<'py>,
        name: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let report = self.with(py, |l| Ok(l.last_open_report(name)))?;
        report.map(|r| ser(py, &r)).transpose()
    }

    /// Storage counters of `name` (`StoreStats` shape).
    fn store_stats<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let stats = self.with(py, |l| l.store_stats(name))?;
        ser(py, &stats)
    }

    /// Flushes, stops background work and releases the directory lock. Idempotent;
    /// later calls on this handle (and its indexes) raise ClosedError.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let lake = self.inner.write().map_err(|_| poisoned(py))?.take();
        match lake {
            Some(lake) => py.detach(|| lake.close()).py(),
            None => Ok(()),
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Lakehouse({:?}{})",
            self.path,
            if self.closed() { ", closed" } else { "" }
        )
    }
}
