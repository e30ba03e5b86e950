//! The Python binding of lakehouse: the extension module `lakehouse._lakehouse`.
//!
//! One file per core module, each holding thin wrappers that convert arguments, call
//! the core and convert the result (STYLE: core holds every decision). Errors map in
//! `error.rs`, JSON-shaped data in `json.rs`, vectors in `vectors.rs`, Arrow in
//! `arrow.rs`, user callbacks and Ctrl-C handling in `callbacks.rs`. The pure-Python
//! package `lakehouse` re-exports everything and defines the exception classes.

mod arrow;
mod callbacks;
mod corpus;
mod embed;
mod error;
mod index;
mod journal;
mod json;
mod materialize;
mod replay;
mod retrieve;
mod store;
mod validate;
mod vectors;

use pyo3::prelude::*;

#[pymodule]
fn _lakehouse(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ERROR_CODES", lakehouse::Error::CODES.to_vec())?;
    m.add_class::<store::PyLakehouse>()?;
    m.add_class::<index::PyVectorIndex>()?;
    m.add_class::<embed::PyHashingEmbedder>()?;
    m.add_class::<embed::PyHttpEmbedder>()?;
    m.add_class::<embed::PyCachedEmbedder>()?;
    m.add_class::<retrieve::PyRetriever>()?;
    m.add_class::<validate::PyEmailValidator>()?;
    m.add_class::<validate::PyFillValidator>()?;
    m.add_class::<journal::PyJournal>()?;
    m.add_class::<materialize::PyMaterializer>()?;
    m.add_class::<replay::PyOpenAiChat>()?;
    m.add_class::<replay::PyReplayRunner>()?;
    m.add_function(wrap_pyfunction!(validate::sms_segments, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::generate_workers, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::generate_workers_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::write_workers_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::read_workers, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::worker_text, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::worker_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::ingest, m)?)?;
    m.add_function(wrap_pyfunction!(materialize::read_evidence, m)?)?;
    m.add_function(wrap_pyfunction!(replay::load_cases_jsonl, m)?)?;
    Ok(())
}
