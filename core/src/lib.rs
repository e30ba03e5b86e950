//! # lakehouse
//!
//! One embeddable library for the staffing platform: named, panic-safe HNSW vector
//! indexes with crash-safe persistence, retrieval over a workers corpus with a learning
//! playbook memory, validators for outreach drafts and fill proposals, a materializer
//! that turns event journals into a day-partitioned Parquet evidence index, and a replay
//! runner. Rust services link it directly; Python and Node reach the same core through
//! thin bindings.
//!
//! Modules, lowest layer first: [`index`] (vectors), [`store`] (durability),
//! [`embed`], [`corpus`], [`retrieve`], [`validate`], [`journal`], [`materialize`],
//! [`replay`]. Dependencies only point down this list.

pub mod control;
pub mod corpus;
pub mod embed;
pub mod error;
mod http;
pub mod index;
pub mod journal;
pub mod json;
pub mod materialize;
mod name;
pub mod options;
pub mod replay;
pub mod retrieve;
pub mod store;
pub mod validate;

pub use control::{CancelToken, Control};
pub use corpus::{Certification, Worker, WorkerStatus};
pub use error::{Error, Result};
pub use journal::Journal;
pub use materialize::{EvidenceRecord, Materializer, Transform};
pub use name::{Name, MAX_NAME_LEN};
pub use options::Options;
pub use store::{Durability, Lakehouse, OpenReport, StoreOptions};

// The README's Rust example is compiled and run as a doc test, so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
