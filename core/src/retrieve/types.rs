//! Requests, responses and settings of the retriever (serde: these cross the bindings).

use serde::{Deserialize, Serialize};

use crate::index::Filter;
use crate::{Error, Result};

/// Settings of a [`super::Retriever`]. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetrieverConfig {
    /// Query embeddings kept in the LRU cache (0 disables it).
    pub cache_capacity: usize,
    /// Playbooks whose query is at least this similar (cosine) to the search query
    /// contribute boosts.
    pub playbook_threshold: f32,
    /// Boost of a worker chosen by a playbook identical to the query. A playbook at
    /// similarity `s ≥ threshold` gives `weight × (s − threshold) / (1 − threshold)`,
    /// so the boost fades to 0 at the threshold and the closest precedent wins.
    pub playbook_weight: f32,
    /// Nearest successful playbooks examined per warm search.
    pub playbook_k: usize,
    /// Search breadth of the playbook lookup. Generous by default: the memory is small,
    /// and a precedent the approximate search misses is a recorded fill that fails to
    /// come back on top.
    pub playbook_ef: usize,
    /// Successful playbooks recorded through this retriever that are also kept in a
    /// small buffer scanned exactly, so a fill recorded a moment ago is never missed by
    /// the approximate graph search (0 turns it off).
    pub recent_playbooks: usize,
}

impl Default for RetrieverConfig {
    fn default() -> Self {
        RetrieverConfig {
            cache_capacity: 10_000,
            playbook_threshold: 0.9,
            playbook_weight: 1.0,
            playbook_k: 16,
            playbook_ef: 256,
            recent_playbooks: 1024,
        }
    }
}

impl RetrieverConfig {
    /// Checks ranges: threshold in `[-1, 1)`, weight finite and ≥ 0, `playbook_k` and
    /// `playbook_ef` ≥ 1.
    pub fn validate(&self) -> Result<()> {
        let t = self.playbook_threshold;
        if !(-1.0..1.0).contains(&t) {
            return Err(Error::InvalidConfig(format!(
                "playbook_threshold {t} must be in [-1, 1)"
            )));
        }
        let w = self.playbook_weight;
        if !w.is_finite() || w < 0.0 {
            return Err(Error::InvalidConfig(format!(
                "playbook_weight {w} must be a finite number ≥ 0"
            )));
        }
        if self.playbook_k == 0 {
            return Err(Error::InvalidConfig("playbook_k must be at least 1".into()));
        }
        if self.playbook_ef == 0 {
            return Err(Error::InvalidConfig(
                "playbook_ef must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One search.
///
/// JSON: `{"query": "forklift operator Chicago", "k": 10, "filter": {"field": "city",
/// "eq": "Chicago"}, "exclude_ids": [], "use_playbook": true}` (all but `query` optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    /// Free-text query.
    pub query: String,
    /// Results wanted (1 to 10,000).
    pub k: usize,
    /// Metadata predicate every hit must satisfy (boosted ones too).
    pub filter: Option<Filter>,
    /// Worker ids that must not be returned (profile swap).
    pub exclude_ids: Vec<String>,
    /// Boost workers chosen by similar successful playbooks.
    pub use_playbook: bool,
    /// HNSW search breadth; `None` = the index default.
    pub ef: Option<usize>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest::new("", 10)
    }
}

impl SearchRequest {
    /// A plain search for `k` workers: no filter, no exclusions, no playbooks.
    pub fn new(query: impl Into<String>, k: usize) -> Self {
        SearchRequest {
            query: query.into(),
            k,
            filter: None,
            exclude_ids: Vec::new(),
            use_playbook: false,
            ef: None,
        }
    }
}

/// One retrieved worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievedHit {
    /// Worker id.
    pub id: String,
    /// Similarity of the worker to the query (the index score).
    pub base_score: f32,
    /// Added by playbooks (0 without).
    pub boost: f32,
    /// `base_score + boost`; hits are sorted by it, best first.
    pub score: f32,
    /// The worker's index metadata.
    pub metadata: serde_json::Value,
}

/// Result of [`super::Retriever::search`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// Best first, at most `k`.
    pub hits: Vec<RetrievedHit>,
    /// Whether the query embedding came from the cache.
    pub cached: bool,
    /// Ids of the playbooks that contributed boosts.
    pub playbooks_used: Vec<String>,
}
