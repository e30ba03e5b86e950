//! The search path: choose exact scan or graph, apply exclusions and filters, and turn
//! slots into hits. Takes only read locks.

use super::distance::score;
use super::exact;
use super::filter::Postings;
use super::graph::{Graph, GraphPanic};
use super::side_store::SideStore;
use super::validate;
use super::{GraphState, Hit, SearchOptions, VectorIndex};
use crate::{Error, Result};

/// Graph searches that return fewer than `k` hits are retried with this much more `ef`
/// before falling back to an exact scan.
const EF_ESCALATION: usize = 4;
/// Filters matching at least this fraction of the slots are searched by over-fetching
/// from the unfiltered graph search and filtering afterwards.
const OVERFETCH_MIN_FRACTION: f64 = 0.05;
/// Matching sets up to this many times `exact_filter_max` are scanned exactly over their
/// postings when the graph cannot answer: below `OVERFETCH_MIN_FRACTION` always, above it
/// when the over-fetch came back short. Larger ones (huge indexes) use hnsw_rs's filtered
/// traversal, which gives up early termination and at 100k costs more than such a scan.
const MID_SCAN_FACTOR: usize = 16;

pub(super) fn search(
    idx: &VectorIndex,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
) -> Result<Vec<Hit>> {
    search_with(idx, query, k, opts, true)
}

fn search_with(
    idx: &VectorIndex,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
    allow_graph: bool,
) -> Result<Vec<Hit>> {
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
    let mut excluded: Vec<u32> = opts
        .exclude_ids
        .iter()
        .filter_map(|id| side.slot_of(id))
        .collect();
    excluded.sort_unstable();
    let filter = opts.filter.as_ref();
    let keep = |s: u32| {
        excluded.binary_search(&s).is_err() && filter.is_none_or(|f| f.matches(side.metadata(s)))
    };
    let (engine, generation) = {
        let g = inner.graph.read();
        let usable =
            g.state == GraphState::Ready && side.live_count() >= inner.config.small_index_threshold;
        (
            g.engine.clone().filter(|_| usable && allow_graph),
            g.generation,
        )
    };
    let total = side.slots();
    let candidates = filter.and_then(|f| side.postings().candidates(f));
    let estimate = candidates.as_ref().map_or(total, |c| c.len());
    let fraction = estimate as f64 / total.max(1) as f64;
    let live = side.live_count();
    // More than `live` results cannot exist; the cap also bounds every allocation sized
    // by k or ef (hnsw_rs allocates ef-sized heaps and aborts on absurd sizes).
    let k = k.min(live.max(1));
    // Small matching sets are answered exactly over their postings (recall 1.0). So are
    // mid-sized ones under OVERFETCH_MIN_FRACTION: hnsw_rs's filtered traversal gives up
    // early termination and costs about as much as scanning them. Above it the over-fetch
    // is tried first even where a scan might be cheaper: what one ef unit costs depends on
    // the data (on hashing-embedder vectors 3.6× less than on the clustered peers set),
    // and a scan-first rule tuned on the latter cost multitier 15% of its throughput.
    let exact_max = inner.config.exact_filter_max;
    let scannable = candidates.is_some() && estimate <= exact_max.saturating_mul(MID_SCAN_FACTOR);
    let selective = filter.is_some()
        && (estimate <= exact_max || (fraction < OVERFETCH_MIN_FRACTION && scannable));
    let found = match engine {
        Some(engine) if !selective && k < live => {
            let ef = opts
                .ef
                .unwrap_or(inner.config.ef_search)
                .clamp(k, engine.len().max(k));
            let pass = |s: u32| side.is_live(s) && keep(s);
            match graph_search(
                engine.as_ref(),
                &q,
                k,
                ef,
                fraction,
                !scannable,
                &excluded,
                &side,
                &pass,
            ) {
                Ok(found) => found,
                Err(_) => return recover(idx, side, generation, query, k, opts),
            }
        }
        _ => None,
    };
    let found = match found {
        Some(hits) => hits,
        // Whatever led here, a filter's postings bound the scan.
        None => match (filter, candidates.as_deref()) {
            (Some(f), Some(c)) if Postings::is_exact(f) => {
                // The candidates are the matching set: only exclusions remain to check,
                // which spares a JSON lookup per candidate on the hot path.
                let not_excluded = |s: u32| excluded.binary_search(&s).is_err();
                exact::scan(&side, metric, &q, k, Some(c), &not_excluded)
            }
            (_, c) => exact::scan(&side, metric, &q, k, c, &keep),
        },
    };
    let mut hits: Vec<Hit> = found
        .into_iter()
        .filter(|&(s, _)| side.is_live(s) && keep(s))
        .take(k)
        .map(|(s, _)| Hit {
            id: side.id(s).to_owned(),
            score: score(metric, &q, side.vector(s)),
            metadata: side.metadata(s).clone(),
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(hits)
}

/// Graph search; `None` when the graph found fewer than `k` passing records (maybe fewer
/// exist, maybe the graph missed some: the caller's exact scan settles it). Without
/// `traverse_filtered`, a short over-fetch goes straight to that scan.
#[allow(clippy::too_many_arguments)]
fn graph_search(
    engine: &Graph,
    q: &[f32],
    k: usize,
    ef: usize,
    fraction: f64,
    traverse_filtered: bool,
    excluded: &[u32],
    side: &SideStore,
    pass: &(dyn Fn(u32) -> bool + Sync),
) -> Result<Option<Vec<(u32, f32)>>, GraphPanic> {
    if fraction >= OVERFETCH_MIN_FRACTION {
        // Over-fetch and drop tombstones, exclusions and non-matches, rather than filter
        // inside hnsw_rs, whose filtered search gives up early termination and explores
        // far more of the graph.
        let needed = overfetch_want(k, fraction);
        let dead = side.tombstones();
        let slack = if dead == 0 {
            0
        } else {
            2 + (2 * k * dead).div_ceil(side.slots().max(1))
        };
        let want = needed
            .saturating_add(excluded.len() + slack)
            .min(engine.len());
        let plain = engine.search(side.view(), q, want, ef.max(want), None)?;
        let mut hits: Vec<(u32, f32)> = plain.into_iter().filter(|&(s, _)| pass(s)).collect();
        if hits.len() >= k {
            hits.truncate(k);
            return Ok(Some(hits));
        }
        if !traverse_filtered {
            return Ok(None);
        }
    }
    for ef in [ef, ef.saturating_mul(EF_ESCALATION)] {
        let hits = engine.search(side.view(), q, k, ef, Some(pass))?;
        if hits.len() >= k {
            return Ok(Some(hits));
        }
    }
    Ok(None)
}

/// How many unfiltered graph results should hold `k` matches of a filter that keeps
/// `fraction` of the slots, with margin.
fn overfetch_want(k: usize, fraction: f64) -> usize {
    if fraction >= 1.0 {
        k
    } else if fraction <= 0.0 {
        usize::MAX
    } else {
        (1.5 * k as f64 / fraction).ceil() as usize
    }
}

/// A search panicked inside the graph: discard it, schedule a rebuild, answer exactly.
fn recover(
    idx: &VectorIndex,
    side: parking_lot::RwLockReadGuard<'_, SideStore>,
    generation: u64,
    query: &[f32],
    k: usize,
    opts: &SearchOptions,
) -> Result<Vec<Hit>> {
    // Locks are re-taken in the documented order: write-order before side.
    drop(side);
    idx.poison(generation);
    {
        let _order = idx.inner.write_order.lock();
        idx.schedule_rebuild();
    }
    search_with(idx, query, k, opts, false)
}
