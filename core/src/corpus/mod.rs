//! The workers corpus: the [`Worker`] record, its Parquet form and a synthetic generator.

mod worker;

pub use worker::{Certification, Worker, WorkerStatus};
