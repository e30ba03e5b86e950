//! The workers corpus: generate, write, read and ingest into an index.

use std::path::PathBuf;

use lakehouse::corpus::{self, IngestOptions, IngestProgress};
use lakehouse::Worker;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::callbacks::PyControl;
use crate::embed::embedder_from;
use crate::error::IntoPy;
use crate::index::PyVectorIndex;
use crate::json::{de, options, ser, to_value};

fn workers_list<'py>(py: Python<'py>, workers: &[Worker]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for w in workers {
        list.append(ser(py, w)?)?;
    }
    Ok(list)
}

/// `n` synthetic workers (deterministic for a seed), as dicts.
#[pyfunction]
#[pyo3(signature = (n, seed = 42))]
pub fn generate_workers<'py>(py: Python<'py>, n: usize, seed: u64) -> PyResult<Bound<'py, PyList>> {
    let workers: Vec<Worker> = py.detach(|| corpus::generate_workers(n, seed).collect());
    workers_list(py, &workers)
}

/// Writes `n` synthetic workers straight to a Parquet file; returns the row count.
#[pyfunction]
#[pyo3(signature = (path, n, seed = 42))]
pub fn generate_workers_parquet(
    py: Python<'_>,
    path: PathBuf,
    n: usize,
    seed: u64,
) -> PyResult<u64> {
    py.detach(|| corpus::write_workers_parquet(&path, corpus::generate_workers(n, seed)))
        .py()
}

/// Writes worker dicts to a Parquet file; returns the row count.
#[pyfunction]
pub fn write_workers_parquet(
    py: Python<'_>,
    path: PathBuf,
    workers: &Bound<'_, PyAny>,
) -> PyResult<u64> {
    let workers: Vec<Worker> = workers
        .try_iter()?
        .map(|w| w.and_then(|w| de::<Worker>(&w, "worker")))
        .collect::<PyResult<_>>()?;
    py.detach(|| corpus::write_workers_parquet(&path, workers))
        .py()
}

/// Every valid worker of a Parquet file, as dicts.
#[pyfunction]
pub fn read_workers<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyList>> {
    let workers = py.detach(|| corpus::read_workers(&path)).py()?;
    workers_list(py, &workers)
}

/// The text a worker is embedded from.
#[pyfunction]
pub fn worker_text(worker: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(corpus::worker_text(&de::<Worker>(worker, "worker")?))
}

/// The filterable index metadata of a worker.
#[pyfunction]
pub fn worker_metadata<'py>(
    py: Python<'py>,
    worker: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    ser(
        py,
        &corpus::worker_metadata(&de::<Worker>(worker, "worker")?),
    )
}

/// Reads a workers Parquet file, embeds every valid row and upserts it into `index`.
///
/// `progress(p)` is called after every batch with `{"rows_read", "indexed",
/// "rejected", "total_rows"}` (drive a tqdm bar with it). Ctrl-C stops the ingest
/// between batches with KeyboardInterrupt; batches already upserted stay.
#[pyfunction]
#[pyo3(signature = (path, embedder, index, *, batch_size = 1024, as_of = None, parallel_batches = 0, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn ingest<'py>(
    py: Python<'py>,
    path: PathBuf,
    embedder: &Bound<'py, PyAny>,
    index: &Bound<'py, PyVectorIndex>,
    batch_size: usize,
    as_of: Option<&Bound<'py, PyAny>>,
    parallel_batches: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let emb = embedder_from(embedder)?;
    let mut map = serde_json::Map::new();
    map.insert("batch_size".into(), batch_size.into());
    map.insert("parallel_batches".into(), parallel_batches.into());
    if let Some(d) = as_of.filter(|d| !d.is_none()) {
        map.insert("as_of".into(), to_value(d)?);
    }
    let opts: IngestOptions = options(map)?;
    let idx = index.get().inner.clone();
    let control = PyControl::<IngestProgress>::new(progress);
    let report = control.run(py, |c| {
        corpus::ingest_with(&path, emb.as_ref(), &idx, opts, c)
    })?;
    ser(py, &report)
}
