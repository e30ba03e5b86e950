//! Playbook memory: past fills, keyed by the embedding of the query that led to them.
//!
//! A playbook is one record of the `playbook_memory` index: id `pb-<16 hex>`, vector =
//! the query embedding, metadata `{"query", "worker_ids": [..], "outcome":
//! "success"|"failure", "recorded_at"}`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::RetrieverConfig;
use crate::index::{Filter, SearchOptions, VectorIndex};
use crate::{Error, Result};

/// How a recorded fill turned out. Only successes boost later searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The workers were placed and the client was satisfied.
    Success,
    /// The fill did not work out; kept for the record, never boosts.
    Failure,
}

impl Outcome {
    /// `"success"` or `"failure"`, as stored in playbook metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
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
    outcome: Outcome,
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

/// Boost per worker from the successful playbooks similar to `query`, and the ids of
/// the playbooks that contributed.
pub(super) fn boosts(
    playbooks: &VectorIndex,
    query: &[f32],
    config: &RetrieverConfig,
) -> Result<(HashMap<String, f32>, Vec<String>)> {
    let mut out: HashMap<String, f32> = HashMap::new();
    let mut used = Vec::new();
    if playbooks.is_empty() || config.playbook_weight == 0.0 {
        return Ok((out, used));
    }
    let opts = SearchOptions {
        filter: Some(Filter::eq("outcome", Outcome::Success.as_str())),
        ef: Some(config.playbook_ef.max(config.playbook_k)),
        ..SearchOptions::default()
    };
    let t = config.playbook_threshold;
    for pb in playbooks.search(query, config.playbook_k, &opts)? {
        if pb.score < t {
            continue;
        }
        // Rescaled so a playbook at the threshold adds nothing and an identical query
        // adds the full weight: the closest precedent dominates near-duplicates.
        let strength = ((pb.score - t) / (1.0 - t)).clamp(0.0, 1.0);
        let boost = config.playbook_weight * strength;
        let Some(ids) = pb.metadata.get("worker_ids").and_then(Value::as_array) else {
            continue;
        };
        for id in ids.iter().filter_map(Value::as_str) {
            let e = out.entry(id.to_string()).or_insert(0.0);
            // Max, not sum: many similar playbooks naming one worker should not push
            // that worker past an identical precedent.
            if boost > *e {
                *e = boost;
            }
        }
        used.push(pb.id);
    }
    Ok((out, used))
}
