//! `VectorIndex`: named HNSW index of string-keyed vectors with JSON metadata.

use lakehouse::index::{Hit, IndexConfig, Record, SearchOptions, VectorIndex};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrow;
use crate::error::{invalid, IntoPy};
use crate::json::{kwargs_object, options, ser, to_py, to_value};
use crate::vectors::{matrix, to_numpy, vector};

/// A named, thread-safe vector index. In memory when built directly; durable when it
/// comes from `Lakehouse.create_index` / `Lakehouse.index`.
#[pyclass(name = "VectorIndex", module = "lakehouse._lakehouse", frozen)]
pub struct PyVectorIndex {
    pub(crate) inner: VectorIndex,
}

/// The `IndexConfig` of `dim`, `metric` and keyword tunables.
pub fn index_config(
    dim: usize,
    metric: &str,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<IndexConfig> {
    let mut map = kwargs_object(None, config)?;
    map.insert("dim".into(), dim.into());
    map.insert("metric".into(), metric.into());
    options(map)
}

pub(crate) fn search_options(
    filter: Option<&Bound<'_, PyAny>>,
    exclude_ids: Option<Vec<String>>,
    ef: Option<usize>,
) -> PyResult<SearchOptions> {
    let mut map = serde_json::Map::new();
    if let Some(f) = filter {
        if !f.is_none() {
            map.insert("filter".into(), to_value(f)?);
        }
    }
    if let Some(ids) = exclude_ids {
        map.insert("exclude_ids".into(), ids.into());
    }
    if let Some(ef) = ef {
        map.insert("ef".into(), ef.into());
    }
    options(map)
}

fn hits<'py>(py: Python<'py>, hits: &[Hit]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for h in hits {
        let d = PyDict::new(py);
        d.set_item("id", &h.id)?;
        d.set_item("score", h.score as f64)?;
        d.set_item("metadata", to_py(py, &h.metadata)?)?;
        list.append(d)?;
    }
    Ok(list)
}

fn metadata_list(obj: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<serde_json::Value>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(vec![serde_json::Value::Null; n]);
    };
    let values: Vec<serde_json::Value> = obj
        .try_iter()?
        .map(|v| v.and_then(|v| to_value(&v)))
        .collect::<PyResult<_>>()?;
    if values.len() != n {
        return Err(invalid(
            obj.py(),
            format!("{} metadata values for {n} ids", values.len()),
        ));
    }
    Ok(values)
}

fn metadata(obj: Option<&Bound<'_, PyAny>>) -> PyResult<serde_json::Value> {
    match obj {
        Some(o) if !o.is_none() => to_value(o),
        _ => Ok(serde_json::Value::Null),
    }
}

#[pymethods]
impl PyVectorIndex {
    /// An in-memory index. `metric` is "cosine", "dot" or "l2"; keyword arguments are
    /// `IndexConfig` fields (`m`, `ef_construction`, `ef_search`, …).
    #[new]
    #[pyo3(signature = (name, dim, metric = "cosine", **config))]
    fn new(
        name: &str,
        dim: usize,
        metric: &str,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let cfg = index_config(dim, metric, config)?;
        Ok(PyVectorIndex {
            inner: VectorIndex::new(name, cfg).py()?,
        })
    }

    /// The index name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.config().dim
    }

    /// The index configuration (`IndexConfig` shape).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, self.inner.config())
    }

    /// Inserts or replaces one record.
    #[pyo3(signature = (id, vector, metadata = None))]
    fn upsert(
        &self,
        py: Python<'_>,
        id: &str,
        vector: &Bound<'_, PyAny>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let v = crate::vectors::vector(vector, 0, &format!("vector for id '{id}'"))?;
        let meta = self::metadata(metadata)?;
        py.detach(|| self.inner.upsert(id, &v, meta)).py()
    }

    /// Inserts or replaces many records at once: `ids` with an `(n, dim)` matrix and
    /// optional metadata dicts, or a `pyarrow.Table` / pandas `DataFrame` with `id`,
    /// `vector` and optional `metadata` columns.
    #[pyo3(signature = (ids, vectors = None, metadata = None))]
    fn upsert_batch(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        vectors: Option<&Bound<'_, PyAny>>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let records = match vectors {
            None => arrow::records_from_table(ids)?,
            Some(vectors) => {
                let ids: Vec<String> = ids.extract().map_err(|_| {
                    invalid(py, "ids must be a sequence of str (or pass a table alone)")
                })?;
                let rows = matrix(vectors, 0, "vectors")?;
                if rows.len() != ids.len() {
                    return Err(crate::error::raise(
                        py,
                        "DIMENSION_MISMATCH",
                        &format!("{} vectors for {} ids", rows.len(), ids.len()),
                        &serde_json::json!({"expected": ids.len(), "got": rows.len()}),
                    ));
                }
                let metas = metadata_list(metadata, ids.len())?;
                ids.into_iter()
                    .zip(rows)
                    .zip(metas)
                    .map(|((id, vector), metadata)| Record {
                        id,
                        vector,
                        metadata,
                    })
                    .collect()
            }
        };
        let n = records.len();
        py.detach(|| self.inner.upsert_batch(records)).py()?;
        Ok(n)
    }

    /// Removes `id`; True when it was there.
    fn delete(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        py.detach(|| self.inner.delete(id)).py()
    }

    /// Removes many ids; returns how many were there.
    fn delete_batch(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<usize> {
        py.detach(|| self.inner.delete_batch(&ids)).py()
    }

    /// The `k` records nearest to `query`, best first: `[{"id", "score", "metadata"}]`.
    #[pyo3(signature = (query, k = 10, *, filter = None, exclude_ids = None, ef = None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        k: usize,
        filter: Option<&Bound<'py, PyAny>>,
        exclude_ids: Option<Vec<String>>,
        ef: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let q = vector(query, 0, "query")?;
        let opts = search_options(filter, exclude_ids, ef)?;
        let found = py.detach(|| self.inner.search(&q, k, &opts)).py()?;
        hits(py, &found)
    }

    /// One search per row of an `(n, dim)` matrix; one hit list per query, in order.
    #[pyo3(signature = (queries, k = 10, *, filter = None, exclude_ids = None, ef = None))]
    fn search_batch<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        filter: Option<&Bound<'py, PyAny>>,
        exclude_ids: Option<Vec<String>>,
        ef: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let qs = matrix(queries, 0, "queries")?;
        let opts = search_options(filter, exclude_ids, ef)?;
        let found = py.detach(|| self.inner.search_batch(&qs, k, &opts)).py()?;
        let out = PyList::empty(py);
        for h in &found {
            out.append(hits(py, h)?)?;
        }
        Ok(out)
    }

    /// The record `{"id", "vector" (float32 array), "metadata"}` or None.
    fn get<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(r) = py.detach(|| self.inner.get(id)) else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("id", r.id)?;
        d.set_item("vector", to_numpy(py, r.vector))?;
        d.set_item("metadata", to_py(py, &r.metadata)?)?;
        Ok(Some(d))
    }

    fn __contains__(&self, id: &str) -> bool {
        self.inner.contains(id)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Counters (`IndexStats` shape).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, &self.inner.stats())
    }

    /// Waits until a background graph rebuild, if any, has finished.
    fn wait_idle(&self, py: Python<'_>) {
        py.detach(|| self.inner.wait_idle())
    }

    /// Every live record as a `pyarrow.Table` (`id`, `vector` as fixed-size float32
    /// lists, `metadata` as JSON text), handed over through the Arrow C data interface.
    fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let records = py.detach(|| self.inner.records());
        arrow::records_to_table(py, &records, self.inner.config().dim)
    }

    /// Benchmark hook: runs the same searches through the Rust API with no Python in
    /// the loop (one `search` per row, or one `search_batch`), returning the wall
    /// seconds and the hit ids. `benches/search_qps.py` compares it with the Python
    /// calls to measure the binding's overhead in one process, on one index.
    #[pyo3(signature = (queries, k = 10, ef = None, batch = false))]
    fn _rust_search_loop(
        &self,
        py: Python<'_>,
        queries: &Bound<'_, PyAny>,
        k: usize,
        ef: Option<usize>,
        batch: bool,
    ) -> PyResult<(f64, Vec<Vec<String>>)> {
        let qs = matrix(queries, 0, "queries")?;
        let opts = search_options(None, None, ef)?;
        let (secs, found) = py
            .detach(|| {
                let t = std::time::Instant::now();
                let found = if batch {
                    self.inner.search_batch(&qs, k, &opts)?
                } else {
                    qs.iter()
                        .map(|q| self.inner.search(q, k, &opts))
                        .collect::<lakehouse::Result<Vec<_>>>()?
                };
                Ok::<_, lakehouse::Error>((t.elapsed().as_secs_f64(), found))
            })
            .py()?;
        let ids = found
            .into_iter()
            .map(|hits| hits.into_iter().map(|h| h.id).collect())
            .collect();
        Ok((secs, ids))
    }

    fn __repr__(&self) -> String {
        format!(
            "VectorIndex(name={:?}, dim={}, len={})",
            self.inner.name(),
            self.inner.config().dim,
            self.inner.len()
        )
    }
}
