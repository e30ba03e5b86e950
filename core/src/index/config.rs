//! Index configuration and the distance metric.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Largest accepted vector dimension.
pub const MAX_DIM: usize = 65_536;
/// Largest accepted `m`: hnsw_rs terminates the process above 256 connections.
pub const MAX_M: usize = 256;

/// How similarity is measured. Scores are "higher is better" for every metric.
///
/// ```
/// use lakehouse::index::Metric;
/// let m: Metric = serde_json::from_str("\"l2\"").unwrap();
/// assert_eq!(m, Metric::L2);
/// ```
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Cosine similarity: vectors are normalised on the way in; score = dot product.
    #[default]
    Cosine,
    /// Raw inner product (vectors stored as given); score = dot product.
    Dot,
    /// Euclidean distance; score = negative squared distance.
    L2,
}

/// Which graph engine an index uses. Recorded in the store's manifest: an index saved by
/// the other engine is rebuilt on open.
///
/// ```
/// use lakehouse::index::EngineKind;
/// let e: EngineKind = serde_json::from_str("\"hnsw_rs\"").unwrap();
/// assert_eq!(e, EngineKind::HnswRs);
/// assert_eq!(EngineKind::default(), EngineKind::Flat);
/// ```
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// The project's own HNSW on flat arrays; reads vectors from the side store.
    #[default]
    Flat,
    /// The hnsw_rs crate (keeps its own copy of the vectors).
    HnswRs,
}

/// Tuning and shape of one [`VectorIndex`](super::VectorIndex).
///
/// Every field has a default except `dim`; JSON configs may omit any other field.
///
/// ```
/// use lakehouse::index::IndexConfig;
/// let c: IndexConfig = serde_json::from_str(r#"{"dim": 768, "m": 24}"#).unwrap();
/// assert_eq!(c.ef_search, 64);
/// assert!(c.validate().is_ok());
/// assert_eq!(IndexConfig { m: 300, ..c }.validate().unwrap_err().code(), "INVALID_CONFIG");
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct IndexConfig {
    /// Vector length, 1..=65536 (required).
    pub dim: usize,
    /// Similarity metric.
    pub metric: Metric,
    /// HNSW links per node and layer, 2..=256.
    pub m: usize,
    /// Candidate list size while building the graph.
    pub ef_construction: usize,
    /// Default candidate list size while searching (`SearchOptions::ef` overrides).
    pub ef_search: usize,
    /// Below this many live records the index answers by exact scan and keeps no graph.
    pub small_index_threshold: usize,
    /// Compaction rebuild once tombstones exceed this fraction of all slots, in (0, 1].
    pub tombstone_ratio: f32,
    /// Filters matching at most this many records are answered exactly over the matches.
    pub exact_filter_max: usize,
    /// Graph rebuilds of at least this many records run on a background thread.
    pub background_rebuild_min: usize,
    /// The graph engine.
    pub engine: EngineKind,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            dim: 0,
            metric: Metric::Cosine,
            m: 16,
            ef_construction: 200,
            ef_search: 64,
            small_index_threshold: 32,
            tombstone_ratio: 0.2,
            exact_filter_max: 2048,
            background_rebuild_min: 4096,
            engine: EngineKind::Flat,
        }
    }
}

impl IndexConfig {
    /// Defaults with the given dimension.
    pub fn new(dim: usize) -> Self {
        IndexConfig {
            dim,
            ..Default::default()
        }
    }

    /// Checks every value; nothing that hnsw_rs would abort on gets through.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::InvalidConfig(msg));
        if !(1..=MAX_DIM).contains(&self.dim) {
            return bad(format!("dim is {}, must be 1..={MAX_DIM}", self.dim));
        }
        if !(2..=MAX_M).contains(&self.m) {
            return bad(format!("m is {}, must be 2..={MAX_M}", self.m));
        }
        if self.ef_construction == 0 {
            return bad("ef_construction must be at least 1".into());
        }
        if self.ef_search == 0 {
            return bad("ef_search must be at least 1".into());
        }
        if !(self.tombstone_ratio > 0.0 && self.tombstone_ratio <= 1.0) {
            return bad(format!(
                "tombstone_ratio is {}, must be in (0, 1]",
                self.tombstone_ratio
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_ranges() {
        assert!(IndexConfig::new(1).validate().is_ok());
        assert!(IndexConfig::new(65_536).validate().is_ok());
        let base = IndexConfig::new(8);
        let cases = [
            IndexConfig::new(0),
            IndexConfig::new(65_537),
            IndexConfig {
                m: 1,
                ..base.clone()
            },
            IndexConfig {
                m: 257,
                ..base.clone()
            },
            IndexConfig {
                ef_construction: 0,
                ..base.clone()
            },
            IndexConfig {
                ef_search: 0,
                ..base.clone()
            },
            IndexConfig {
                tombstone_ratio: 0.0,
                ..base.clone()
            },
            IndexConfig {
                tombstone_ratio: 1.5,
                ..base.clone()
            },
            IndexConfig {
                tombstone_ratio: f32::NAN,
                ..base.clone()
            },
        ];
        for c in cases {
            assert_eq!(c.validate().unwrap_err().code(), "INVALID_CONFIG", "{c:?}");
        }
        assert!(IndexConfig { m: 256, ..base }.validate().is_ok());
    }

    #[test]
    fn serde_defaults() {
        let c: IndexConfig = serde_json::from_str(r#"{"dim":3,"metric":"dot"}"#).unwrap();
        assert_eq!(c.metric, Metric::Dot);
        assert_eq!(c.m, 16);
        assert_eq!(c.small_index_threshold, 32);
    }
}
