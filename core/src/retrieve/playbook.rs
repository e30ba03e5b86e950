//! Playbook memory: past fills, keyed by the embedding of the query that led to them.
//!
//! A playbook is one record of the `playbook_memory` index: id `pb-<16 hex>`, vector =
//! the query embedding, metadata `{"query", "worker_ids": [..], "outcome":
//! "success"|"failure", "recorded_at"}`.

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::RetrieverConfig;
use crate::index::{dot, Filter, SearchOptions, VectorIndex};
use crate::{Error, Result};

/// How a recorded fill turned out. Only successes boost later searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaybookOutcome {
    /// The workers were placed and the client was satisfied.
    Success,
    /// The fill did not work out; kept for the record, never boosts.
    Failure,
}

impl PlaybookOutcome {
    /// `"success"` or `"failure"`, as stored in playbook metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaybookOutcome::Success => "success",
            PlaybookOutcome::Failure => "failure",
        }
    }
}

/// Checks a record() call and builds its id and metadata.
///
/// The id hashes (query, workers, outcome): recording the same fill twice replaces one
/// playbook instead of piling up duplicates that would all vote for the same workers.
pub(super) fn playbook_record(
    query: &str,
    worker_ids: &[String],
    outcome: PlaybookOutcome,
) -> Result<(String, Value)> {
    if query.trim().is_empty() {
        return Err(Error::invalid("playbook query is empty"));
    }
    if worker_ids.is_empty() {
        return Err(Error::invalid(format!(
            "playbook for query {query:?} names no workers"
        )));
    }
    if let Some(bad) = worker_ids.iter().find(|w| w.is_empty() || w.len() > 256) {
        return Err(Error::invalid(format!(
            "playbook worker id {bad:?} must be 1 to 256 bytes"
        )));
    }
    let mut key = Vec::with_capacity(query.len() + worker_ids.len() * 12 + 8);
    key.extend_from_slice(query.as_bytes());
    for w in worker_ids {
        key.push(0);
        key.extend_from_slice(w.as_bytes());
    }
    key.push(0);
    key.extend_from_slice(outcome.as_str().as_bytes());
    let id = format!("pb-{:016x}", xxh3_64(&key));
    let metadata = json!({
        "query": query,
        "worker_ids": worker_ids,
        "outcome": outcome.as_str(),
        "recorded_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    Ok((id, metadata))
}

/// The last successful playbooks recorded through this retriever, scanned exactly on
/// every warm search. The graph search over thousands of near-identical queries is
/// approximate and can miss the precedent recorded a moment ago; a coordinator expects
/// that fill to come back on top, so recent ones never depend on the graph.
pub(super) struct RecentPlaybooks {
    capacity: usize,
    items: Mutex<VecDeque<Recent>>,
}

struct Recent {
    id: String,
    /// Unit length, so a dot product is the cosine.
    vector: Vec<f32>,
    worker_ids: Vec<String>,
}

impl RecentPlaybooks {
    pub(super) fn new(capacity: usize) -> Self {
        RecentPlaybooks {
            capacity,
            items: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub(super) fn push(&self, id: &str, vector: &[f32], worker_ids: &[String]) {
        if self.capacity == 0 {
            return;
        }
        let Some(vector) = unit(vector) else { return };
        let mut items = self.items.lock();
        items.retain(|r| r.id != id);
        if items.len() >= self.capacity {
            items.pop_front();
        }
        items.push_back(Recent {
            id: id.to_string(),
            vector,
            worker_ids: worker_ids.to_vec(),
        });
    }

    /// (playbook id, cosine, worker ids) of recent playbooks at least `threshold` similar.
    fn similar(&self, query: &[f32], threshold: f32) -> Vec<(String, f32, Vec<String>)> {
        let Some(q) = unit(query) else {
            return Vec::new();
        };
        self.items
            .lock()
            .iter()
            .filter_map(|r| {
                let sim = dot(&r.vector, &q);
                (sim >= threshold).then(|| (r.id.clone(), sim, r.worker_ids.clone()))
            })
            .collect()
    }
}

fn unit(v: &[f32]) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    (norm.is_finite() && norm > 0.0).then(|| v.iter().map(|x| x / norm).collect())
}

/// Boost per worker from the successful playbooks similar to `query`, and the ids of
/// the playbooks that contributed.
pub(super) fn boosts(
    playbooks: &VectorIndex,
    recent: &RecentPlaybooks,
    query: &[f32],
    config: &RetrieverConfig,
) -> Result<(HashMap<String, f32>, Vec<String>)> {
    let mut out: HashMap<String, f32> = HashMap::new();
    let mut used = Vec::new();
    if playbooks.is_empty() || config.playbook_weight == 0.0 {
        return Ok((out, used));
    }
    let opts = SearchOptions {
        filter: Some(Filter::eq("outcome", PlaybookOutcome::Success.as_str())),
        ef: Some(config.playbook_ef.max(config.playbook_k)),
        ..SearchOptions::default()
    };
    let t = config.playbook_threshold;
    let mut found: Vec<(String, f32, Vec<String>)> = Vec::new();
    for pb in playbooks.search(query, config.playbook_k, &opts)? {
        if pb.score < t {
            continue;
        }
        let Some(ids) = pb.metadata.get("worker_ids").and_then(Value::as_array) else {
            continue;
        };
        let ids = ids.iter().filter_map(Value::as_str).map(str::to_string);
        found.push((pb.id, pb.score, ids.collect()));
    }
    for r in recent.similar(query, t) {
        if !found.iter().any(|(id, _, _)| *id == r.0) {
            found.push(r);
        }
    }
    for (id, score, workers) in found {
        // Rescaled so a playbook at the threshold adds nothing and an identical query
        // adds the full weight: the closest precedent dominates near-duplicates.
        let strength = ((score - t) / (1.0 - t)).clamp(0.0, 1.0);
        let boost = config.playbook_weight * strength;
        for w in workers {
            let e = out.entry(w).or_insert(0.0);
            // Max, not sum: many similar playbooks naming one worker should not push
            // that worker past an identical precedent.
            if boost > *e {
                *e = boost;
            }
        }
        used.push(id);
    }
    Ok((out, used))
}

#[cfg(test)]
mod recent_tests {
    use super::RecentPlaybooks;

    #[test]
    fn recent_buffer_finds_similar_evicts_oldest_and_replaces_by_id() {
        let recent = RecentPlaybooks::new(2);
        let w = |s: &str| vec![s.to_string()];
        recent.push("pb-a", &[2.0, 0.0], &w("a"));
        recent.push("pb-b", &[0.0, 3.0], &w("b"));
        // Cosine, not raw dot: lengths do not matter.
        let hits = recent.similar(&[5.0, 0.0], 0.9);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].0.as_str(), hits[0].2.clone()), ("pb-a", w("a")));
        assert!((hits[0].1 - 1.0).abs() < 1e-6);
        // Capacity 2: a third playbook evicts the oldest.
        recent.push("pb-c", &[1.0, 1.0], &w("c"));
        assert!(recent.similar(&[1.0, 0.0], 0.9).is_empty());
        // Re-recording an id replaces it instead of duplicating it.
        recent.push("pb-c", &[1.0, 1.0], &w("c"));
        assert_eq!(recent.similar(&[1.0, 1.0], 0.99).len(), 1);
        // Zero and non-finite vectors are ignored, never a panic.
        recent.push("pb-z", &[0.0, 0.0], &w("z"));
        assert!(recent.similar(&[0.0, 0.0], -1.0).is_empty());
        assert!(RecentPlaybooks::new(0).similar(&[1.0, 0.0], 0.0).is_empty());
    }
}
