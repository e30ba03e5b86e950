//! The workers corpus: the [`Worker`] record, its Parquet form, a deterministic
//! synthetic generator, and ingest into a vector index.
//!
//! The Parquet columns are documented in [`schema`].

mod generator;
mod ingest;
mod reader;
pub mod schema;
mod tables;
mod text;
mod worker;
mod writer;

pub use generator::{generate_workers, WorkerGenerator, REFERENCE_DATE};
pub use ingest::{ingest, ingest_with, IngestOptions, IngestProgress, IngestReport, RejectedRow};
pub use reader::{read_workers, RowResult, WorkerReader, DEFAULT_READ_BATCH};
pub use schema::{worker_schema, REQUIRED_COLUMNS};
pub use text::{worker_metadata, worker_metadata_as_of, worker_text};
pub use worker::{Certification, Worker, WorkerStatus};
pub use writer::{write_workers_parquet, WorkerWriter};
