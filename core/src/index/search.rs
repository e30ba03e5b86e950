//! The search path: compile the filter and exclusions into a set of slots, let the
//! planner pick exact scan, gated graph traversal or ACORN-1, and turn slots into hits.
//! Takes only read locks.
//!
//! Whatever the plan, results satisfy the filter and the exclusions, come best first,
//! and number exactly `min(k, matching)`: a graph walk that comes back short is settled
//! by an exact scan of the matching slots, which the compiled set bounds.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::bits::SlotBits;
use super::distance::score;
use super::exact;
use super::graph::{SearchCounters, SlotFilter, Traversal};
use super::planner::SearchStrategy;
use super::side_store::SideStore;
use super::validate;
use super::{EngineKind, GraphState, Hit, SearchOptions, VectorIndex};
use crate::{Error, Result};

/// Why a search was as fast or slow as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchStats {
    /// The strategy that answered (`exact`, `graph` or `acorn`; never `auto`).
    pub strategy: SearchStrategy,
    /// Live records passing the filter and the exclusions.
    pub matching: usize,
    /// Distances computed (graph searches on the flat engine and exact scans; 0 where
    /// the engine does not count, i.e. hnsw_rs).
    pub distances: usize,
    /// Graph nodes visited (0 for exact scans).
    pub visited: usize,
    /// The graph came back with fewer than `min(k, matching)` results and an exact scan
    /// answered instead.
    pub fell_back: bool,
}

/// Hits and the stats of the search that found them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Best first.
    pub hits: Vec<Hit>,
    /// How they were found.
    pub stats: SearchStats,
}

pub(super) fn search(
    idx: &VectorIndex,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    search_with(idx, query, k, opts, true)
}

fn search_with(
    idx: &VectorIndex,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
    allow_graph: bool,
) -> Result<SearchResult> {
    let inner = &idx.inner;
    if k == 0 {
        return Err(Error::invalid("k must be at least 1"));
    }
    if opts.ef == Some(0) {
        return Err(Error::invalid("ef must be at least 1"));
    }
    if let Some(f) = &opts.filter {
        f.validate()?;
    }
    let q = validate::vector(inner, "<query>", query)?;
    let metric = inner.config.metric;

    let side = inner.side.read();
    let live = side.live_count();
    let allowed = allowed_slots(&side, opts);
    let matching = allowed.as_ref().map_or(live, SlotBits::count);
    let mut stats = SearchStats {
        strategy: SearchStrategy::Exact,
        matching,
        ..Default::default()
    };
    if matching == 0 {
        return Ok(SearchResult {
            hits: Vec::new(),
            stats,
        });
    }
    let k = k.min(matching);
    let (engine, generation) = {
        let g = inner.graph.read();
        let usable = g.state == GraphState::Ready && live >= inner.config.small_index_threshold;
        (
            g.engine.clone().filter(|_| usable && allow_graph),
            g.generation,
        )
    };
    let ef = opts
        .ef
        .unwrap_or(inner.config.ef_search)
        .max(k)
        .min(side.slots().max(k));
    // A filter that keeps few records, and above all one correlated with the vectors,
    // leaves fewer good paths through the graph: widen the beam as selectivity falls.
    let selectivity = matching as f64 / live.max(1) as f64;
    let ef = if selectivity < 1.0 {
        let widened = (ef as f64 / selectivity.max(0.25)).ceil() as usize;
        widened.min(side.slots().max(k))
    } else {
        ef
    };
    let acorn_ok = inner.config.engine == EngineKind::Flat;
    let strategy = match (&engine, opts.strategy) {
        (None, _) | (_, SearchStrategy::Exact) => SearchStrategy::Exact,
        (Some(_), SearchStrategy::Auto) if matching <= k => SearchStrategy::Exact,
        (Some(_), SearchStrategy::Auto) => inner.planner.choose(matching, live, ef, acorn_ok),
        (Some(_), forced) => forced,
    };

    let mut found = None;
    if let (Some(engine), SearchStrategy::Graph | SearchStrategy::Acorn) = (&engine, strategy) {
        let filter = allowed.as_ref().map_or(SlotFilter::All, SlotFilter::Bits);
        let traversal = if strategy == SearchStrategy::Acorn {
            Traversal::Acorn
        } else {
            Traversal::Gated
        };
        let start = Instant::now();
        match engine.search(side.view(), &q, k, ef, filter, traversal) {
            Ok((hits, SearchCounters { distances, visited })) => {
                let elapsed = start.elapsed().as_nanos() as f64;
                inner
                    .planner
                    .observe_graph(strategy, matching, live, ef, elapsed);
                stats.strategy = strategy;
                stats.distances = distances;
                stats.visited = visited;
                if hits.len() >= k {
                    found = Some(hits);
                } else {
                    stats.fell_back = true;
                }
            }
            Err(_) => return recover(idx, side, generation, query, k, opts),
        }
    }
    let found = match found {
        Some(hits) => hits,
        None => {
            let start = Instant::now();
            let candidates: Option<Vec<u32>> = allowed.as_ref().map(|b| b.iter().collect());
            let hits = exact::scan(&side, metric, &q, k, candidates.as_deref(), &|_| true);
            let rows = candidates.as_ref().map_or(side.slots(), Vec::len);
            inner
                .planner
                .observe_scan(rows, start.elapsed().as_nanos() as f64);
            if !stats.fell_back {
                stats.strategy = SearchStrategy::Exact;
            }
            stats.distances += rows;
            hits
        }
    };
    let mut hits: Vec<Hit> = found
        .into_iter()
        .filter(|&(s, _)| allowed.as_ref().map_or(side.is_live(s), |b| b.contains(s)))
        .take(k)
        .map(|(s, _)| Hit {
            id: side.id(s).to_owned(),
            score: score(metric, &q, side.vector(s)),
            metadata: side.metadata(s).clone(),
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(SearchResult { hits, stats })
}

/// The slots a search may return: the compiled filter ∧ live ∧ ¬excluded; `None` when
/// that is simply every slot (no filter, no exclusion, no tombstone).
fn allowed_slots(side: &SideStore, opts: &SearchOptions) -> Option<SlotBits> {
    let excluded: Vec<u32> = opts
        .exclude_ids
        .iter()
        .filter_map(|id| side.slot_of(id))
        .collect();
    if opts.filter.is_none() && excluded.is_empty() && side.tombstones() == 0 {
        return None;
    }
    let mut bits = match &opts.filter {
        Some(f) => {
            let mut b = side.postings().compile(f, side.slots());
            b.and_with(side.live_bits());
            b
        }
        None => side.live_bits().clone(),
    };
    excluded.into_iter().for_each(|s| bits.remove(s));
    Some(bits)
}

/// A search panicked inside the graph: discard it, schedule a rebuild, answer exactly.
fn recover(
    idx: &VectorIndex,
    side: parking_lot::RwLockReadGuard<'_, SideStore>,
    generation: u64,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    // Locks are re-taken in the documented order: write-order before side.
    drop(side);
    idx.poison(generation);
    {
        let _order = idx.inner.write_order.lock();
        idx.schedule_rebuild();
    }
    search_with(idx, query, k, opts, false)
}
