//! Embedders: the built-in ones, and any Python object with `dim`, `model_id` and
//! `embed(texts)` as a custom embedder.

use std::sync::Arc;

use lakehouse::embed::{
    CachedEmbedder, Embedder, HashingEmbedder, HttpEmbedder, HttpEmbedderConfig,
};
use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::callbacks::PyEmbedder;
use crate::error::IntoPy;
use crate::json::{kwargs_object, options, ser};
use crate::vectors::{rows_to_numpy, to_numpy};

/// The core embedder behind a Python object: a built-in one, or a custom object wrapped.
pub fn embedder_from(obj: &Bound<'_, PyAny>) -> PyResult<Arc<dyn Embedder>> {
    if let Ok(e) = obj.cast::<PyHashingEmbedder>() {
        return Ok(Arc::new(e.get().inner.clone()));
    }
    if let Ok(e) = obj.cast::<PyHttpEmbedder>() {
        return Ok(Arc::new(e.get().inner.clone()));
    }
    if let Ok(e) = obj.cast::<PyCachedEmbedder>() {
        return Ok(Arc::new(e.get().inner.clone()));
    }
    Ok(Arc::new(PyEmbedder::new(obj)?))
}

fn embed_texts<'py>(
    py: Python<'py>,
    e: &(dyn Embedder + Sync),
    texts: Vec<String>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let rows = py
        .detach(|| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            e.embed(&refs)
        })
        .py()?;
    rows_to_numpy(py, rows, e.dim())
}

/// Deterministic feature-hashing embedder (no model, no network): for tests, demos and
/// as a fast baseline.
#[pyclass(name = "HashingEmbedder", module = "lakehouse._lakehouse", frozen)]
pub struct PyHashingEmbedder {
    inner: HashingEmbedder,
}

#[pymethods]
impl PyHashingEmbedder {
    #[new]
    fn new(dim: usize) -> PyResult<Self> {
        Ok(PyHashingEmbedder {
            inner: HashingEmbedder::new(dim).py()?,
        })
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Model identifier (cache key).
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id()
    }

    /// Embeds `texts` as an `(n, dim)` float32 array.
    fn embed<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        embed_texts(py, &self.inner, texts)
    }

    /// Embeds one text as a `(dim,)` float32 array.
    fn embed_one<'py>(&self, py: Python<'py>, text: &str) -> Bound<'py, numpy::PyArray1<f32>> {
        to_numpy(py, self.inner.embed_one(text))
    }

    fn __repr__(&self) -> String {
        format!("HashingEmbedder(dim={})", self.inner.dim())
    }
}

/// An embedding server over HTTP (Ollama or OpenAI-compatible). Keyword arguments are
/// `HttpEmbedderConfig` fields (`url`, `api`, `model`, `dim`, `http` = {`timeout_ms`, …}, …).
#[pyclass(name = "HttpEmbedder", module = "lakehouse._lakehouse", frozen)]
pub struct PyHttpEmbedder {
    inner: HttpEmbedder,
}

#[pymethods]
impl PyHttpEmbedder {
    #[new]
    #[pyo3(signature = (**config))]
    fn new(config: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let cfg: HttpEmbedderConfig = options(kwargs_object(None, config)?)?;
        Ok(PyHttpEmbedder {
            inner: HttpEmbedder::new(cfg).py()?,
        })
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Model identifier (cache key).
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id()
    }

    /// The full endpoint URL.
    #[getter]
    fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    /// The configuration (`HttpEmbedderConfig` shape).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, self.inner.config())
    }

    /// Embeds `texts` as an `(n, dim)` float32 array (releases the GIL).
    fn embed<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        embed_texts(py, &self.inner, texts)
    }
}

/// An LRU cache of `capacity` embeddings in front of another embedder (built-in or
/// custom).
#[pyclass(name = "CachedEmbedder", module = "lakehouse._lakehouse", frozen)]
pub struct PyCachedEmbedder {
    inner: CachedEmbedder,
}

#[pymethods]
impl PyCachedEmbedder {
    #[new]
    #[pyo3(signature = (inner, capacity = 10_000))]
    fn new(inner: &Bound<'_, PyAny>, capacity: usize) -> PyResult<Self> {
        Ok(PyCachedEmbedder {
            inner: CachedEmbedder::new(embedder_from(inner)?, capacity),
        })
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Model identifier of the inner embedder.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id()
    }

    /// Embeds `texts` as an `(n, dim)` float32 array, from the cache where possible.
    fn embed<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        embed_texts(py, &self.inner, texts)
    }

    /// Embeds one text: `(vector, cache_hit)`.
    fn embed_one<'py>(
        &self,
        py: Python<'py>,
        text: &str,
    ) -> PyResult<(Bound<'py, numpy::PyArray1<f32>>, bool)> {
        let (v, hit) = py.detach(|| self.inner.embed_one(text)).py()?;
        Ok((to_numpy(py, v), hit))
    }

    /// Counters (`CacheStats` shape: hits, misses, len, capacity).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, &self.inner.stats())
    }

    /// Empties the cache.
    fn clear(&self) {
        self.inner.clear()
    }
}
