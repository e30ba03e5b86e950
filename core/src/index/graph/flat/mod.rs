//! `flat`: the project's own HNSW, on flat `u32` neighbour arrays.
//!
//! What makes it fast, after hnswlib: neighbour lists are contiguous `u32` runs read
//! without locks; a pooled visited list of epoch tags means nothing is allocated per
//! query; the diversity heuristic picks new links **and** re-prunes a neighbour's list
//! when it overflows (instead of dropping the farthest, which loses the long-range edges
//! text embeddings need); unfiltered searches take a bare path with no per-node checks.
//! Vectors are read from the side store through a [`VectorView`]: the graph keeps none.
//!
//! Concurrency follows hnswlib: an insert holds its own node's lock throughout and locks
//! each neighbour one at a time while it links back; a new top level takes the entry lock.
//! A node becomes reachable only through links added after its own lists are written,
//! level by level from the top, which is why this order cannot deadlock. Searches take no
//! lock at all. Levels come from a hash of (slot, seed), so they do not depend on thread
//! timing.

mod check;
mod insert;
mod nodes;
mod persist;
mod search;
mod visited;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;
use rayon::prelude::*;

use super::super::config::Metric;
use super::super::distance::graph_distance;
use super::super::vectors::VectorView;
use super::{GraphEngine, GraphParams, SaveContext, SlotFilter};
use crate::Result;
pub use check::GraphCheck;
pub(crate) use persist::load;
#[cfg(test)]
use persist::FILE_NAME;

use nodes::Nodes;
use visited::ScratchPool;

/// Highest level a node can get (hnswlib and hnsw_rs use 16 as well).
const MAX_LEVEL: u8 = 15;
/// No entry point yet.
const EMPTY: u64 = u64::MAX;
/// An empty graph takes this many nodes one at a time before inserting in parallel, so
/// the first levels are not built by threads racing over a handful of nodes.
const SERIAL_START: usize = 256;

/// The flat engine.
pub(crate) struct FlatGraph {
    metric: Metric,
    ef_construction: usize,
    seed: u64,
    level_mult: f64,
    nodes: Nodes,
    /// `(top level << 32) | entry slot`, or [`EMPTY`].
    entry: AtomicU64,
    /// Taken to change the entry point or the top level.
    entry_lock: Mutex<()>,
    count: AtomicUsize,
    upper_lists: AtomicUsize,
    scratch: ScratchPool,
}

impl FlatGraph {
    pub(crate) fn new(p: &GraphParams) -> Self {
        Self::with_shape(p.metric, p.m, p.ef_construction, p.seed)
    }

    fn with_shape(metric: Metric, m: usize, ef_construction: usize, seed: u64) -> Self {
        let m = m.max(2);
        FlatGraph {
            metric,
            ef_construction: ef_construction.max(1),
            seed,
            level_mult: 1.0 / (m as f64).ln(),
            nodes: Nodes::new(m, 2 * m),
            entry: AtomicU64::new(EMPTY),
            entry_lock: Mutex::new(()),
            count: AtomicUsize::new(0),
            upper_lists: AtomicUsize::new(0),
            scratch: ScratchPool::default(),
        }
    }

    #[inline]
    fn dist(&self, a: &[f32], b: &[f32]) -> f32 {
        graph_distance(self.metric, a, b)
    }

    /// The level of `slot`: `floor(-ln(u) / ln(m))` with `u` uniform in (0, 1] drawn from
    /// a hash of the slot and the graph's seed.
    fn level_for(&self, slot: u32) -> u8 {
        let mut key = [0u8; 12];
        key[..4].copy_from_slice(&slot.to_le_bytes());
        key[4..].copy_from_slice(&self.seed.to_le_bytes());
        let h = xxhash_rust::xxh3::xxh3_64(&key);
        let u = ((h >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let level = (-u.ln() * self.level_mult).floor();
        if level >= f64::from(MAX_LEVEL) {
            MAX_LEVEL
        } else {
            level as u8
        }
    }

    /// `(entry slot, top level)`, or `None` while the graph is empty.
    #[inline]
    fn entry(&self) -> Option<(u32, usize)> {
        let e = self.entry.load(Ordering::Acquire);
        (e != EMPTY).then_some((e as u32, (e >> 32) as usize))
    }

    fn set_entry(&self, slot: u32, level: u8) {
        self.entry
            .store((u64::from(level) << 32) | u64::from(slot), Ordering::Release);
    }
}

impl GraphEngine for FlatGraph {
    fn insert(&self, view: VectorView<'_>, slots: &[u32]) {
        let serial = if self.count.load(Ordering::Acquire) < SERIAL_START {
            SERIAL_START.min(slots.len())
        } else {
            0
        };
        let (first, rest) = slots.split_at(serial);
        for &s in first {
            self.insert_one(view, s);
        }
        if rest.len() < 8 {
            rest.iter().for_each(|&s| self.insert_one(view, s));
        } else {
            rest.par_iter().for_each(|&s| self.insert_one(view, s));
        }
    }

    fn search(
        &self,
        view: VectorView<'_>,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: SlotFilter<'_>,
    ) -> Vec<(u32, f32)> {
        match filter {
            None => self.knn(view, query, k, ef, &search::All),
            Some(f) => self.knn(view, query, k, ef, &search::ByFn(f)),
        }
    }

    fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    fn memory_bytes(&self) -> usize {
        self.nodes.memory_bytes(self.len(), self.upper_lists.load(Ordering::Relaxed))
            + self.scratch.memory_bytes()
    }

    fn save(&self, dir: &std::path::Path, ctx: &SaveContext<'_>) -> Result<()> {
        persist::save(self, dir, ctx)
    }

    fn check(&self) -> Option<GraphCheck> {
        Some(check::check(self))
    }
}

#[cfg(test)]
mod tests;
