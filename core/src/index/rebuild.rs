//! Graph upkeep: incremental inserts after writes, and the rebuild coordinator used for
//! the first build (crossing the small-index threshold), panic recovery and compaction.
//!
//! At most one rebuild is in flight and at most one is pending (a request while one runs
//! only sets a flag that is re-evaluated when it finishes), so a burst of deletes or
//! panics costs one rebuild. Small rebuilds run inline on the writer's thread; large ones
//! on a background thread, while the old graph (if any) keeps serving. A rebuild reads a
//! snapshot of the vector chunks (frozen chunks are shared, only the tail is copied), so
//! it holds no lock while it builds; a compacting rebuild copies the kept rows into new
//! chunks first, and the compacted side store adopts them. Slots are append-only, so writes that land during a background build are
//! exactly the slots past the snapshot; they are inserted into the new graph before it is
//! swapped in under the write-order lock.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use super::graph::{new_graph, FaultHook, Graph, GraphParams};
use super::vectors::VectorChunks;
use super::{GraphState, Inner, VectorIndex};

/// Attempts per rebuild before giving up until the next write (each attempt is one
/// guarded batch insert; only a panic inside the engine makes one fail).
const BUILD_ATTEMPTS: usize = 3;
/// Below this many tombstones a small exact-mode index is not worth compacting.
const MIN_SMALL_COMPACTION: usize = 32;
/// Level seed of every graph: levels depend on the slot only, so a rebuild over the same
/// slots gives the same layer structure.
pub(super) const GRAPH_SEED: u64 = 0x6c61_6b65_686f_7573;
/// A background build inserts this many slots per call, checking in between whether the
/// store moved on (then the build is abandoned).
const BUILD_STEP: usize = 16_384;

/// What a rebuild starts from.
pub(super) struct Snapshot {
    generation: u64,
    /// Slots in the store when the snapshot was taken.
    len: usize,
    /// Old slots to keep, in new-slot order; `None` keeps the numbering (all slots).
    order: Option<Vec<u32>>,
    /// The rows as they were (frozen chunks shared with the store).
    rows: VectorChunks,
}

impl VectorIndex {
    pub(super) fn fault_hook(&self) -> Option<FaultHook> {
        #[cfg(feature = "fault-injection")]
        {
            let f = self.inner.fault.clone();
            Some(Arc::new(move || f.maybe_panic()))
        }
        #[cfg(not(feature = "fault-injection"))]
        None
    }

    pub(super) fn graph_params(&self, capacity: usize) -> GraphParams {
        let c = &self.inner.config;
        GraphParams {
            kind: c.engine,
            metric: c.metric,
            m: c.m,
            ef_construction: c.ef_construction,
            capacity: capacity + capacity / 4 + 16,
            seed: GRAPH_SEED,
        }
    }

    fn new_engine(&self, capacity: usize) -> Arc<Graph> {
        new_graph(self.graph_params(capacity), self.fault_hook())
    }

    fn needs_compaction(&self, slots: usize, tombstones: usize) -> bool {
        tombstones > 0
            && tombstones as f64 > f64::from(self.inner.config.tombstone_ratio) * slots as f64
    }

    /// Graph upkeep after a write; caller holds the write-order lock.
    pub(super) fn after_write(&self, new_slots: &[u32]) {
        let inner = &self.inner;
        let (live, slots, tombstones) = {
            let side = inner.side.read();
            (side.live_count(), side.slots(), side.tombstones())
        };
        if live < inner.config.small_index_threshold {
            self.drop_to_exact(slots, tombstones);
            return;
        }
        let (state, engine, generation) = {
            let g = inner.graph.read();
            (g.state, g.engine.clone(), g.generation)
        };
        match (state, engine) {
            (GraphState::Ready, Some(engine)) => {
                if !new_slots.is_empty() {
                    let res = {
                        let side = inner.side.read();
                        engine.insert_batch(side.view(), new_slots)
                    };
                    if res.is_err() {
                        self.poison(generation);
                        self.schedule_rebuild();
                        return;
                    }
                }
                if self.needs_compaction(slots, tombstones) {
                    self.schedule_rebuild();
                }
            }
            // No graph yet (threshold crossed), or a failed rebuild waiting for a retry, or
            // a background build in flight (then this only marks it pending).
            _ => self.schedule_rebuild(),
        }
    }

    /// Below the threshold: no graph; compact the store itself when churn left it sparse.
    fn drop_to_exact(&self, slots: usize, tombstones: usize) {
        let inner = &self.inner;
        let compact =
            tombstones >= MIN_SMALL_COMPACTION && self.needs_compaction(slots, tombstones);
        let mut side = compact.then(|| inner.side.write());
        let mut g = inner.graph.write();
        if g.engine.is_some() || g.state != GraphState::Exact || compact {
            g.engine = None;
            g.state = GraphState::Exact;
            g.generation += 1;
        }
        if let Some(side) = side.as_mut() {
            let order: Vec<u32> = side.live_slots().collect();
            **side = side.compacted(&order);
        }
    }

    /// Discards the graph after a caught panic (if it is still the one that panicked).
    pub(super) fn poison(&self, generation: u64) {
        self.inner.recovered_panics.fetch_add(1, Ordering::Relaxed);
        let mut g = self.inner.graph.write();
        if g.generation == generation && g.engine.is_some() {
            g.engine = None;
            g.state = GraphState::Rebuilding;
        }
    }

    /// Starts (inline or in the background) or marks pending a rebuild; caller holds the
    /// write-order lock.
    pub(super) fn schedule_rebuild(&self) {
        {
            let mut bg = self.inner.bg.lock();
            if bg.in_flight {
                bg.pending = true;
                return;
            }
        }
        self.start_rebuild(false);
    }

    /// Runs a rebuild inline or hands it to a background thread. `claimed`: the caller
    /// (a finishing background rebuild) still holds the in-flight flag, so `wait_idle`
    /// never observes a gap between two consecutive rebuilds. Caller holds write-order.
    fn start_rebuild(&self, claimed: bool) {
        let inner = &self.inner;
        let release = || {
            if claimed {
                inner.bg.lock().in_flight = false;
                inner.bg_done.notify_all();
            }
        };
        let live = inner.side.read().live_count();
        if live < inner.config.small_index_threshold {
            release();
            return;
        }
        {
            let mut g = inner.graph.write();
            if g.engine.is_none() {
                g.state = GraphState::Rebuilding;
            }
        }
        if live < inner.config.background_rebuild_min {
            self.rebuild_inline();
            release();
            return;
        }
        let snap = self.snapshot();
        inner.bg.lock().in_flight = true;
        // The thread holds the index only to check in between build steps or to swap
        // the graph in, so dropping the last handle (and with it the store's directory
        // lock) never waits for a rebuild.
        let weak = Arc::downgrade(&self.inner);
        let spawned = std::thread::Builder::new()
            .name(format!("lakehouse-rebuild-{}", self.name()))
            .spawn(move || VectorIndex::run_background(&weak, snap));
        if spawned.is_err() {
            inner.bg.lock().in_flight = false;
            inner.bg_done.notify_all();
            self.rebuild_inline();
        }
    }

    fn snapshot(&self) -> Snapshot {
        let side = self.inner.side.read();
        let generation = self.inner.graph.read().generation;
        let len = side.slots();
        // Renumber (compact) only when enough is dead to pay for copying the store at
        // swap time; otherwise dead nodes stay in the graph and are filtered out.
        let order = (side.tombstones() * 10 > len).then(|| side.live_slots().collect::<Vec<u32>>());
        Snapshot {
            generation,
            len,
            order,
            rows: side.vector_snapshot(),
        }
    }

    /// The rows the new graph is built over, numbered as the new slots will be.
    fn build_rows(snap: &mut Snapshot) -> VectorChunks {
        let dim = snap.rows.dim();
        let rows = std::mem::replace(&mut snap.rows, VectorChunks::new(dim));
        match &snap.order {
            None => rows,
            Some(order) => {
                let view = rows.view();
                let mut out = VectorChunks::new(dim);
                order.iter().for_each(|&old| out.push(view.row(old)));
                out
            }
        }
    }

    /// Builds a graph over every row of `rows` (slots 0..len), a step at a time. The
    /// rows are the builder's own, so no lock and no handle is held while inserting; in
    /// between steps it gives up when the index was dropped or closed, or when the
    /// store's generation moved past `generation` (the build would be stale).
    fn build(weak: &Weak<Inner>, rows: &VectorChunks, generation: u64) -> Option<Arc<Graph>> {
        let live = || {
            weak.upgrade()
                .map(|inner| VectorIndex { inner })
                .filter(|idx| !idx.is_closed())
        };
        let count = rows.len();
        let slots: Vec<u32> = (0..count as u32).collect();
        'attempt: for _ in 0..BUILD_ATTEMPTS {
            let engine = live()?.new_engine(count);
            for step in slots.chunks(BUILD_STEP) {
                if live()?.inner.graph.read().generation != generation {
                    return None;
                }
                if engine.insert_batch(rows.view(), step).is_err() {
                    if let Some(idx) = live() {
                        idx.inner.recovered_panics.fetch_add(1, Ordering::Relaxed);
                    }
                    continue 'attempt;
                }
            }
            return Some(engine);
        }
        None
    }

    fn rebuild_inline(&self) {
        let mut snap = self.snapshot();
        let rows = Self::build_rows(&mut snap);
        let engine = Self::build(&Arc::downgrade(&self.inner), &rows, snap.generation);
        self.finish(snap, rows, engine);
    }

    fn run_background(weak: &Weak<Inner>, mut snap: Snapshot) {
        let rows = Self::build_rows(&mut snap);
        let engine = Self::build(weak, &rows, snap.generation);
        // Dropped meanwhile: nothing left to swap the graph into.
        let Some(inner) = weak.upgrade() else { return };
        let this = VectorIndex { inner };
        this.finish_background(snap, rows, engine);
    }

    fn finish_background(&self, snap: Snapshot, rows: VectorChunks, engine: Option<Arc<Graph>>) {
        let _order = self.inner.write_order.lock();
        self.finish(snap, rows, engine);
        let pending = std::mem::take(&mut self.inner.bg.lock().pending);
        let retry = self.inner.graph.read().state != GraphState::Ready;
        let (slots, tombstones) = {
            let side = self.inner.side.read();
            (side.slots(), side.tombstones())
        };
        // A failed build without newer writes waits for the next write to retry, so a
        // persistently panicking engine cannot spin rebuild threads.
        if pending && (retry || self.needs_compaction(slots, tombstones)) {
            self.start_rebuild(true);
        } else {
            self.inner.bg.lock().in_flight = false;
            self.inner.bg_done.notify_all();
        }
    }

    /// Swaps a freshly built graph in (after inserting slots appended since the
    /// snapshot); caller holds the write-order lock.
    fn finish(&self, snap: Snapshot, rows: VectorChunks, engine: Option<Arc<Graph>>) {
        let inner = &self.inner;
        let mut side = inner.side.write();
        let mut g = inner.graph.write();
        if g.generation != snap.generation {
            return; // the index dropped below the threshold (or was rebuilt) meanwhile
        }
        let Some(engine) = engine else {
            g.state = GraphState::Rebuilding;
            return;
        };
        let appended: Vec<u32> = (snap.len as u32..side.slots() as u32)
            .filter(|&s| side.is_live(s))
            .collect();
        let new_slots: Vec<u32> = match snap.order {
            None => appended,
            Some(mut order) => {
                let base = order.len() as u32;
                order.extend_from_slice(&appended);
                *side = side.compacted_onto(&order, rows);
                (base..order.len() as u32).collect()
            }
        };
        g.generation += 1;
        if !new_slots.is_empty() && engine.insert_batch(side.view(), &new_slots).is_err() {
            inner.recovered_panics.fetch_add(1, Ordering::Relaxed);
            g.engine = None;
            g.state = GraphState::Rebuilding;
            return;
        }
        g.engine = Some(engine);
        g.state = GraphState::Ready;
        inner.rebuilds.fetch_add(1, Ordering::Relaxed);
    }
}
