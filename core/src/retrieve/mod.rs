//! Retrieval over the workers index, with a learning playbook memory.
//!
//! A [`Retriever`] embeds the query (through a cache), searches the workers index with
//! the caller's filter and exclusions and — when asked — boosts workers that similar,
//! successful past fills chose ([`Retriever::record`]).

mod playbook;
mod retriever;
mod types;

pub use crate::embed::CacheStats;
pub use playbook::PlaybookOutcome;
pub use retriever::Retriever;
pub use types::{RetrievedHit, RetrieverConfig, SearchRequest, SearchResponse};
