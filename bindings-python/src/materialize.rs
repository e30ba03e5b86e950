//! `Materializer`: journals → day-partitioned Parquet evidence index.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lakehouse::materialize::{
    read_evidence as core_read_evidence, MaterializeConfig, MaterializeProgress,
};
use lakehouse::Materializer;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::callbacks::{PyControl, PyTransform};
use crate::error::{raise, IntoPy};
use crate::json::{kwargs_object, options, ser};

/// Turns journal streams into evidence records with the built-in transforms and any
/// Python ones you `register`. Keyword arguments are `MaterializeConfig` fields.
#[pyclass(name = "Materializer", module = "lakehouse._lakehouse", frozen)]
pub struct PyMaterializer {
    inner: Mutex<Materializer>,
}

impl PyMaterializer {
    fn snapshot(&self, py: Python<'_>) -> PyResult<Materializer> {
        self.inner.lock().map(|m| m.clone()).map_err(|_| {
            raise(
                py,
                "INTERNAL",
                "materializer lock poisoned",
                &serde_json::json!({}),
            )
        })
    }
}

#[pymethods]
impl PyMaterializer {
    #[new]
    #[pyo3(signature = (kb_dir, out_dir, **config))]
    fn new(
        kb_dir: PathBuf,
        out_dir: PathBuf,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let cfg: MaterializeConfig = options(kwargs_object(None, config)?)?;
        let mut m = Materializer::new(kb_dir, out_dir).py()?;
        m.set_config(cfg);
        Ok(PyMaterializer {
            inner: Mutex::new(m),
        })
    }

    /// Registers `transform(line: str) -> dict` (the `Evidence` shape: `source_key`,
    /// `ts`, `kind`, `task`, optional `input`, `output`, `label`, …) under `name`,
    /// reading `stream` (default: `name`). Raising sends the line to quarantine.
    #[pyo3(signature = (name, transform, *, stream = None))]
    fn register(
        &self,
        py: Python<'_>,
        name: String,
        transform: Py<PyAny>,
        stream: Option<String>,
    ) -> PyResult<()> {
        let t = Arc::new(PyTransform::new(name, stream, transform));
        let mut m = self.inner.lock().map_err(|_| {
            raise(
                py,
                "INTERNAL",
                "materializer lock poisoned",
                &serde_json::json!({}),
            )
        })?;
        m.register(t).py()
    }

    /// Names of the registered transforms.
    fn transform_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.snapshot(py)?.transform_names())
    }

    /// Runs once and returns the receipt. `progress(p)` gets `{"run_id", "transform",
    /// "lines_read", "written"}` every `progress_every` lines; returning False cancels
    /// (CancelledError, nothing committed). Ctrl-C cancels the same way and raises
    /// KeyboardInterrupt.
    #[pyo3(signature = (progress = None))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = self.snapshot(py)?;
        let control = PyControl::<MaterializeProgress>::new(progress);
        let receipt = control.run(py, |c| m.run_with(c))?;
        ser(py, &receipt)
    }
}

/// Every evidence record under `out_dir`, as dicts (`evidence_record.v1` shape).
#[pyfunction]
pub fn read_evidence<'py>(py: Python<'py>, out_dir: PathBuf) -> PyResult<Bound<'py, PyList>> {
    let records = py.detach(|| core_read_evidence(&out_dir)).py()?;
    let list = PyList::empty(py);
    for r in &records {
        list.append(ser(py, r)?)?;
    }
    Ok(list)
}
