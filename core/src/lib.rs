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
//! [`replay`]. Dependencies only point down this list. Beside them, the conventions
//! every module follows: [`error`] (one [`Error`] with stable codes and JSON details),
//! [`control`] (cancellation and progress of long calls), [`options`] (strict options
//! parsed from JSON) and [`json`] (canonical JSON numbers). `docs/ARCHITECTURE.md` in
//! the repository maps data flow, invariants and where each file format is defined.

#![warn(missing_docs)]

pub mod control;
pub mod corpus;
pub mod embed;
pub mod error;
pub mod http;
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

// The root re-exports, chosen on purpose: the handles a program opens, the traits it
// implements to plug its own code in, the types that cross the bindings in most calls,
// and the surface conventions (errors, cancellation, options). Everything else is
// reached through its module (`lakehouse::replay::StageMs`, …).
pub use control::{CancelToken, Control, ProgressFn};
pub use corpus::{Certification, Worker, WorkerStatus};
pub use embed::{Embedder, HashingEmbedder, HttpEmbedder, HttpEmbedderConfig};
pub use error::{Error, Result};
pub use http::HttpOptions;
pub use index::{Filter, Hit, IndexConfig, Metric, Record, SearchOptions, VectorIndex};
pub use journal::Journal;
pub use materialize::{EvidenceRecord, MaterializeConfig, Materializer, Transform};
pub use name::{Name, MAX_NAME_LEN};
pub use options::Options;
pub use replay::{ChatModel, ReplayOptions, ReplayRun, ReplayRunner};
pub use retrieve::{Retriever, RetrieverConfig, SearchRequest};
pub use store::{Durability, Lakehouse, OpenReport, StoreOptions};
pub use validate::{EmailValidator, FillValidator, Span, ValidatorConfig, Verdict, Violation};

// The README's Rust example is compiled and run as a doc test, so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
