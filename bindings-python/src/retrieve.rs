//! `Retriever`: worker search with playbook memory.

use lakehouse::retrieve::{PlaybookOutcome, Retriever, RetrieverConfig, SearchRequest};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::embed::embedder_from;
use crate::error::IntoPy;
use crate::index::PyVectorIndex;
use crate::json::{kwargs_object, options, ser, to_value};

/// Searches a workers index, boosting workers that similar successful playbooks chose.
/// Keyword arguments are `RetrieverConfig` fields (`cache_capacity`,
/// `playbook_threshold`, `playbook_weight`, …).
#[pyclass(name = "Retriever", module = "lakehouse._lakehouse", frozen)]
pub struct PyRetriever {
    pub(crate) inner: Retriever,
}

#[pymethods]
impl PyRetriever {
    #[new]
    #[pyo3(signature = (embedder, workers, playbooks, **config))]
    fn new(
        embedder: &Bound<'_, PyAny>,
        workers: &Bound<'_, PyVectorIndex>,
        playbooks: &Bound<'_, PyVectorIndex>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let cfg: RetrieverConfig = options(kwargs_object(None, config)?)?;
        let inner = Retriever::new(
            embedder_from(embedder)?,
            workers.get().inner.clone(),
            playbooks.get().inner.clone(),
            cfg,
        )
        .py()?;
        Ok(PyRetriever { inner })
    }

    /// Searches for workers: `{"hits": [{"id", "base_score", "boost", "score",
    /// "metadata"}], "cached", "playbooks_used"}`.
    #[pyo3(signature = (query, k = 10, *, filter = None, exclude_ids = None, use_playbook = false, ef = None))]
    #[allow(clippy::too_many_arguments)]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: String,
        k: usize,
        filter: Option<&Bound<'py, PyAny>>,
        exclude_ids: Option<Vec<String>>,
        use_playbook: bool,
        ef: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut map = serde_json::Map::new();
        map.insert("query".into(), query.into());
        map.insert("k".into(), k.into());
        map.insert("use_playbook".into(), use_playbook.into());
        if let Some(f) = filter.filter(|f| !f.is_none()) {
            map.insert("filter".into(), to_value(f)?);
        }
        if let Some(ids) = exclude_ids {
            map.insert("exclude_ids".into(), ids.into());
        }
        if let Some(ef) = ef {
            map.insert("ef".into(), ef.into());
        }
        let req: SearchRequest = options(map)?;
        let resp = py.detach(|| self.inner.search(&req)).py()?;
        ser(py, &resp)
    }

    /// Records that `worker_ids` were chosen for `query` (`outcome` "success" or
    /// "failure"); returns the playbook id.
    #[pyo3(signature = (query, worker_ids, outcome = "success"))]
    fn record(
        &self,
        py: Python<'_>,
        query: &str,
        worker_ids: Vec<String>,
        outcome: &str,
    ) -> PyResult<String> {
        let outcome: PlaybookOutcome =
            serde_json::from_value(serde_json::Value::String(outcome.to_owned()))
                .map_err(|e| crate::error::invalid(py, format!("bad outcome '{outcome}': {e}")))?;
        py.detach(|| self.inner.record(query, &worker_ids, outcome))
            .py()
    }

    /// Query-embedding cache counters (`CacheStats` shape).
    fn cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, &self.inner.cache_stats())
    }

    /// The configuration (`RetrieverConfig` shape).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, self.inner.config())
    }

    /// The workers index.
    #[getter]
    fn workers(&self) -> PyVectorIndex {
        PyVectorIndex {
            inner: self.inner.workers().clone(),
        }
    }

    /// The playbooks index.
    #[getter]
    fn playbooks(&self) -> PyVectorIndex {
        PyVectorIndex {
            inner: self.inner.playbooks().clone(),
        }
    }
}
