//! `index` — named, panic-safe HNSW vector indexes (SPEC §2.1).
//!
//! A [`VectorIndex`] keeps a side store (ids, vectors, metadata, liveness by slot) as the
//! source of truth and an HNSW graph as a disposable accelerator. The graph is built once
//! the index reaches `small_index_threshold` live records; below that every search is an
//! exact scan. A panic inside the graph engine discards the graph, never the write:
//! searches fall back to exact scan while the graph is rebuilt from the side store.
//!
//! ```
//! use lakehouse::index::{Filter, IndexConfig, SearchOptions, VectorIndex};
//! use serde_json::json;
//!
//! let idx = VectorIndex::new("workers", IndexConfig::new(3))?;
//! idx.upsert("w-1", &[1.0, 0.0, 0.0], json!({"city": "Chicago"}))?;
//! idx.upsert("w-2", &[0.9, 0.1, 0.0], json!({"city": "Gary"}))?;
//! let opts = SearchOptions { filter: Some(Filter::eq("city", "Gary")), ..Default::default() };
//! let hits = idx.search(&[1.0, 0.0, 0.0], 5, &opts)?;
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].id, "w-2");
//! # Ok::<(), lakehouse::Error>(())
//! ```

mod config;
mod distance;
mod exact;
#[cfg(feature = "fault-injection")]
mod fault;
mod filter;
mod graph;
mod hooks;
mod persist;
mod rebuild;
mod search;
mod side_store;
mod validate;
mod vectors;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex, RwLock};
use serde::{Deserialize, Serialize};

pub use config::{EngineKind, IndexConfig, Metric, MAX_DIM, MAX_M};
pub use graph::GraphCheck;
pub use distance::{dot, l2_sq};
pub use filter::Filter;
#[allow(unused_imports)]
pub(crate) use hooks::{ReplayOp, WriteObserver, WriteOp};

use crate::{Name, Result};
use graph::Graph;
use side_store::SideStore;

/// One stored record.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    /// Caller's id (1..=256 bytes).
    pub id: String,
    /// The stored vector (normalised under [`Metric::Cosine`]).
    pub vector: Vec<f32>,
    /// Free-form JSON metadata; top-level scalar fields (and scalar array elements) are
    /// filterable.
    pub metadata: serde_json::Value,
}

/// Per-search options.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchOptions {
    /// Ids that must not appear in the results (profile swap).
    pub exclude_ids: Vec<String>,
    /// Metadata predicate the results must satisfy.
    pub filter: Option<Filter>,
    /// Search breadth; `None` uses `IndexConfig::ef_search`. Raised to at least `k`.
    pub ef: Option<usize>,
}

/// One search result.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    /// Record id.
    pub id: String,
    /// Higher is better: dot product for cosine/dot, negative squared distance for L2.
    pub score: f32,
    /// The record's metadata.
    pub metadata: serde_json::Value,
}

/// What the graph is doing.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GraphState {
    /// Below the small-index threshold: no graph, exact scans.
    Exact,
    /// The graph answers searches.
    Ready,
    /// The graph is being (re)built; searches use exact scan meanwhile.
    Rebuilding,
}

/// A point-in-time view of an index's counters.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IndexStats {
    /// Index name.
    pub name: String,
    /// Vector dimension.
    pub dim: usize,
    /// Metric.
    pub metric: Metric,
    /// Live records.
    pub live: usize,
    /// Deleted or replaced slots not yet compacted away.
    pub tombstones: usize,
    /// Graph state.
    pub graph_state: GraphState,
    /// Nodes in the current graph (0 without one).
    pub graph_nodes: usize,
    /// Panics caught inside the graph engine.
    pub recovered_panics: u64,
    /// Completed graph (re)builds.
    pub rebuilds: u64,
    /// Bytes of stored vectors (live and tombstoned slots).
    pub vector_bytes: usize,
    /// Approximate bytes of live metadata.
    pub metadata_bytes: usize,
    /// The graph engine the index is configured with.
    pub engine: EngineKind,
    /// Approximate bytes of the current graph (links; vectors too for engines that keep
    /// their own copy).
    pub graph_bytes: usize,
}

/// The current graph, if any. Replaced as a whole; never mutated in place except by
/// inserting nodes.
struct GraphSlot {
    engine: Option<Arc<Graph>>,
    state: GraphState,
    /// Bumped whenever the slot numbering or the graph is replaced, so a background
    /// rebuild started before can tell it is stale.
    generation: u64,
}

#[derive(Default)]
struct BgState {
    in_flight: bool,
    pending: bool,
}

struct Inner {
    name: Name,
    config: IndexConfig,
    // Lock order: write_order, then side, then graph, then bg.
    write_order: Mutex<()>,
    side: RwLock<SideStore>,
    graph: RwLock<GraphSlot>,
    bg: Mutex<BgState>,
    bg_done: Condvar,
    observer: RwLock<Option<Arc<dyn WriteObserver>>>,
    read_only: AtomicBool,
    recovered_panics: AtomicU64,
    rebuilds: AtomicU64,
    #[cfg(feature = "fault-injection")]
    fault: Arc<fault::FaultInjector>,
}

/// A named vector index: cheap to clone, `Send + Sync`, safe to share across threads.
///
/// See the [module docs](self) for an example.
#[derive(Clone)]
pub struct VectorIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorIndex")
            .field("name", &self.name())
            .field("len", &self.len())
            .finish()
    }
}

impl VectorIndex {
    /// Creates an empty index. `name` must match `[a-z0-9][a-z0-9_-]{0,63}`.
    pub fn new(name: &str, config: IndexConfig) -> Result<Self> {
        let name = Name::parse(name)?;
        config.validate()?;
        let dim = config.dim;
        Ok(VectorIndex {
            inner: Arc::new(Inner {
                name,
                config,
                write_order: Mutex::new(()),
                side: RwLock::new(SideStore::new(dim)),
                graph: RwLock::new(GraphSlot {
                    engine: None,
                    state: GraphState::Exact,
                    generation: 0,
                }),
                bg: Mutex::new(BgState::default()),
                bg_done: Condvar::new(),
                observer: RwLock::new(None),
                read_only: AtomicBool::new(false),
                recovered_panics: AtomicU64::new(0),
                rebuilds: AtomicU64::new(0),
                #[cfg(feature = "fault-injection")]
                fault: Arc::new(fault::FaultInjector::default()),
            }),
        })
    }

    /// The index name.
    pub fn name(&self) -> &str {
        self.inner.name.as_str()
    }

    /// The configuration the index was created with.
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }

    /// Number of live records.
    pub fn len(&self) -> usize {
        self.inner.side.read().live_count()
    }

    /// Whether the index holds no live record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inserts or replaces `id`. The vector is validated (length, finite values, non-zero
    /// under cosine) and normalised under cosine; on error nothing changes.
    pub fn upsert(&self, id: &str, vector: &[f32], metadata: serde_json::Value) -> Result<()> {
        let rec = validate::record(&self.inner, id, vector, metadata)?;
        self.apply_upserts(vec![rec], true)
    }

    /// Inserts or replaces many records: all are validated first (all or nothing), then
    /// applied in order (a repeated id: the last one wins) and inserted into the graph in
    /// parallel.
    pub fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        let recs = records
            .into_iter()
            .map(|r| validate::record(&self.inner, &r.id, &r.vector, r.metadata))
            .collect::<Result<Vec<_>>>()?;
        if recs.is_empty() {
            return self.check_writable();
        }
        self.apply_upserts(recs, true)
    }

    /// Deletes `id`; `Ok(false)` if it was not present.
    pub fn delete(&self, id: &str) -> Result<bool> {
        validate::id(id)?;
        Ok(self.apply_deletes(vec![id.to_owned()], true)? == 1)
    }

    /// Deletes every present id; returns how many were deleted.
    pub fn delete_batch(&self, ids: &[String]) -> Result<usize> {
        ids.iter().try_for_each(|id| validate::id(id))?;
        self.apply_deletes(ids.to_vec(), true)
    }

    /// The stored record (vector as stored, i.e. normalised under cosine).
    pub fn get(&self, id: &str) -> Option<Record> {
        let side = self.inner.side.read();
        side.slot_of(id).map(|s| side.record(s))
    }

    /// Whether `id` is live.
    pub fn contains(&self, id: &str) -> bool {
        self.inner.side.read().slot_of(id).is_some()
    }

    /// Up to `k` best live records for `query`, best first, honouring
    /// `opts.exclude_ids` and `opts.filter`. Fewer than `k` only when fewer match.
    pub fn search(&self, query: &[f32], k: usize, opts: &SearchOptions) -> Result<Vec<Hit>> {
        search::search(self, query, k, opts)
    }

    /// Runs [`VectorIndex::search`] for every query, in parallel (rayon); results in query
    /// order. All queries are validated first: one bad query fails the call with nothing
    /// searched.
    ///
    /// ```
    /// use lakehouse::index::{IndexConfig, SearchOptions, VectorIndex};
    /// let idx = VectorIndex::new("v", IndexConfig::new(2))?;
    /// idx.upsert("a", &[1.0, 0.0], serde_json::json!({}))?;
    /// idx.upsert("b", &[0.0, 1.0], serde_json::json!({}))?;
    /// let hits = idx.search_batch(&[vec![1.0, 0.1], vec![0.1, 1.0]], 1, &SearchOptions::default())?;
    /// assert_eq!((hits[0][0].id.as_str(), hits[1][0].id.as_str()), ("a", "b"));
    /// # Ok::<(), lakehouse::Error>(())
    /// ```
    pub fn search_batch(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>> {
        use rayon::prelude::*;
        for q in queries {
            validate::vector(&self.inner, "<query>", q)?;
        }
        queries
            .par_iter()
            .map(|q| self.search(q, k, opts))
            .collect()
    }

    /// Current counters.
    pub fn stats(&self) -> IndexStats {
        let side = self.inner.side.read();
        let g = self.inner.graph.read();
        IndexStats {
            name: self.name().to_owned(),
            dim: self.inner.config.dim,
            metric: self.inner.config.metric,
            live: side.live_count(),
            tombstones: side.tombstones(),
            graph_state: g.state,
            graph_nodes: g.engine.as_ref().map_or(0, |e| e.len()),
            recovered_panics: self.inner.recovered_panics.load(Ordering::Relaxed),
            rebuilds: self.inner.rebuilds.load(Ordering::Relaxed),
            vector_bytes: side.vector_bytes(),
            metadata_bytes: side.metadata_bytes(),
            engine: self.inner.config.engine,
            graph_bytes: g.engine.as_ref().map_or(0, |e| e.memory_bytes()),
        }
    }

    /// Checks the current graph's structure: every link points at a node of a high enough
    /// level, no self links, no list over capacity, and how much of level 0 is reachable
    /// from the entry point. `None` without a graph, or for engines that cannot inspect
    /// their links (hnsw_rs). Walks the whole graph: a diagnostic, not for hot paths.
    ///
    /// ```
    /// use lakehouse::index::{IndexConfig, VectorIndex};
    /// let idx = VectorIndex::new("v", IndexConfig::new(2))?;
    /// for i in 0..100 {
    ///     let a = i as f32 / 10.0;
    ///     idx.upsert(&format!("r{i}"), &[a.cos(), a.sin()], serde_json::json!({}))?;
    /// }
    /// idx.wait_idle();
    /// let check = idx.check_graph().expect("a flat graph above the threshold");
    /// assert!(check.is_sound(0.999), "{check:?}");
    /// # Ok::<(), lakehouse::Error>(())
    /// ```
    pub fn check_graph(&self) -> Option<GraphCheck> {
        let engine = self.inner.graph.read().engine.clone();
        engine.and_then(|e| e.check())
    }

    /// Blocks until no background rebuild is running or pending.
    pub fn wait_idle(&self) {
        let mut bg = self.inner.bg.lock();
        while bg.in_flight {
            self.inner.bg_done.wait(&mut bg);
        }
    }

    /// Every live record (snapshot/export), in slot order.
    pub fn records(&self) -> Vec<Record> {
        let side = self.inner.side.read();
        side.live_slots().map(|s| side.record(s)).collect()
    }

    /// Makes graph inserts panic (inside the engine's guarded region) with probability
    /// `rate` per insert call, from a deterministic `seed`. Test/bench hook.
    #[cfg(feature = "fault-injection")]
    pub fn set_fault_rate(&self, rate: f64, seed: u64) {
        self.inner.fault.set(rate, seed);
    }

    fn check_writable(&self) -> Result<()> {
        if self.inner.read_only.load(Ordering::Acquire) {
            Err(crate::Error::ReadOnly(self.name().to_owned()))
        } else {
            Ok(())
        }
    }

    /// Applies validated records under the write-order lock: observer, side store, graph.
    fn apply_upserts(&self, recs: Vec<Record>, notify: bool) -> Result<()> {
        let _order = self.inner.write_order.lock();
        if notify {
            self.check_writable()?;
            if let Some(obs) = self.inner.observer.read().clone() {
                obs.before_apply(&WriteOp::Upsert(&recs))?;
            }
        }
        let new_slots: Vec<u32> = {
            let mut side = self.inner.side.write();
            recs.into_iter()
                .map(|r| side.upsert(&r.id, &r.vector, r.metadata))
                .collect()
        };
        self.after_write(&new_slots);
        if notify {
            self.notify_after();
        }
        Ok(())
    }

    fn apply_deletes(&self, ids: Vec<String>, notify: bool) -> Result<usize> {
        let _order = self.inner.write_order.lock();
        if notify {
            self.check_writable()?;
        }
        let mut present: Vec<String> = {
            let side = self.inner.side.read();
            ids.into_iter()
                .filter(|id| side.slot_of(id).is_some())
                .collect()
        };
        present.sort_unstable();
        present.dedup();
        if present.is_empty() {
            return Ok(0);
        }
        if notify {
            if let Some(obs) = self.inner.observer.read().clone() {
                obs.before_apply(&WriteOp::Delete(&present))?;
            }
        }
        {
            let mut side = self.inner.side.write();
            present.iter().for_each(|id| {
                side.delete(id);
            });
        }
        self.after_write(&[]);
        if notify {
            self.notify_after();
        }
        Ok(present.len())
    }

    fn notify_after(&self) {
        if let Some(obs) = self.inner.observer.read().clone() {
            let (live, tomb) = {
                let side = self.inner.side.read();
                (side.live_count(), side.tombstones())
            };
            obs.after_apply(live, tomb);
        }
    }
}

#[cfg(test)]
mod tests;
