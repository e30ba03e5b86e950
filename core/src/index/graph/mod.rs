//! The graph engines behind one seam, and the one place that fences them.
//!
//! A graph is a disposable accelerator over side-store slots: it never owns the truth and
//! may be thrown away at any time. Two engines implement [`GraphEngine`]:
//! - `flat` ([`flat`]), the default: our own HNSW on flat `u32` link arrays that reads
//!   vectors from the side store through a [`VectorView`] and keeps no copy;
//! - `hnsw_rs` ([`hnsw_rs`]), the hnsw_rs crate (the only file that names it).
//!
//! Every call into an engine goes through [`Graph`], which runs it under `catch_unwind`:
//! a panic comes back as [`GraphPanic`] and the caller discards the whole graph (a panic
//! mid-insert may leave links half-written), then rebuilds it from the side store.

pub(crate) mod flat;
mod hnsw_rs;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use super::config::{EngineKind, Metric};
use super::vectors::VectorView;
use crate::{Error, Result};

pub use flat::GraphCheck;

/// A panic caught inside the graph engine (the message is for `Debug` output).
#[derive(Debug, Clone)]
pub(crate) struct GraphPanic(#[allow(dead_code)] pub String);

/// Called inside the guarded region before each insert call (fault injection).
pub(crate) type FaultHook = Arc<dyn Fn() + Send + Sync>;

/// A predicate over slots applied during traversal (`None`: every node passes).
pub(crate) type SlotFilter<'a> = Option<&'a (dyn Fn(u32) -> bool + Sync)>;

/// Shape of a graph to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GraphParams {
    pub kind: EngineKind,
    pub metric: Metric,
    pub m: usize,
    pub ef_construction: usize,
    /// Expected node count (a sizing hint; graphs grow past it).
    pub capacity: usize,
    pub seed: u64,
}

/// What a saved graph carries besides its links, for the loader to check.
pub(crate) struct SaveContext<'a> {
    /// Rows of every node (dead slots' rows are saved by engines that keep no vectors).
    pub view: VectorView<'a>,
    /// Slots that are tombstoned: their rows are not in the snapshot.
    pub dead: &'a [u32],
    /// Fingerprint of the id layout and live vectors the graph was built over.
    pub fingerprint: u64,
}

/// A graph read back from disk.
pub(crate) struct Loaded {
    pub graph: Arc<Graph>,
    /// Rows of the dead slots, which the snapshot does not hold.
    pub dead: HashMap<u32, Vec<f32>>,
    /// The fingerprint saved with the graph, when the engine records one.
    pub fingerprint: Option<u64>,
}

/// The internal seam between the index and an ANN graph implementation. Nodes are
/// side-store slots; vectors are read from `view`, which covers every node's slot.
/// Implementations may panic: [`Graph`] catches it.
pub(crate) trait GraphEngine: Send + Sync {
    /// Inserts the given slots (in parallel when there are many).
    fn insert(&self, view: VectorView<'_>, slots: &[u32]);
    /// Up to `k` nearest `(slot, distance)` pairs, nearest first, only slots passing
    /// `filter` (applied during traversal).
    fn search(
        &self,
        view: VectorView<'_>,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: SlotFilter<'_>,
    ) -> Vec<(u32, f32)>;
    /// Number of nodes (live or not).
    fn len(&self) -> usize;
    /// Approximate heap bytes of the graph itself (vectors excluded when not owned).
    fn memory_bytes(&self) -> usize;
    /// Writes the graph into the existing empty directory `dir`.
    fn save(&self, dir: &Path, ctx: &SaveContext<'_>) -> Result<()>;
    /// Structural invariants, for engines that can inspect their own links.
    fn check(&self) -> Option<GraphCheck>;
}

/// A graph engine behind the panic fence.
pub(crate) struct Graph {
    kind: EngineKind,
    engine: Box<dyn GraphEngine>,
    fault: Option<FaultHook>,
}

impl Graph {
    /// Which engine this is.
    pub(crate) fn kind(&self) -> EngineKind {
        self.kind
    }

    /// Inserts `slots` (rows from `view`).
    pub(crate) fn insert_batch(
        &self,
        view: VectorView<'_>,
        slots: &[u32],
    ) -> Result<(), GraphPanic> {
        catch_unwind(AssertUnwindSafe(|| {
            if let Some(hook) = &self.fault {
                hook();
            }
            if !slots.is_empty() {
                self.engine.insert(view, slots);
            }
        }))
        .map_err(|p| GraphPanic(panic_message(p)))
    }

    /// See [`GraphEngine::search`].
    pub(crate) fn search(
        &self,
        view: VectorView<'_>,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: SlotFilter<'_>,
    ) -> Result<Vec<(u32, f32)>, GraphPanic> {
        catch_unwind(AssertUnwindSafe(|| {
            self.engine.search(view, query, k, ef.max(k), filter)
        }))
        .map_err(|p| GraphPanic(panic_message(p)))
    }

    /// Number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.engine.len()
    }

    /// Approximate bytes the graph holds.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.engine.memory_bytes()
    }

    /// Saves into the empty directory `dir`; a panic is an error, not a crash.
    pub(crate) fn save(&self, dir: &Path, ctx: &SaveContext<'_>) -> Result<()> {
        catch_unwind(AssertUnwindSafe(|| self.engine.save(dir, ctx))).unwrap_or_else(|p| {
            Err(Error::Internal(format!(
                "saving the graph in '{}' panicked: {}",
                dir.display(),
                panic_message(p)
            )))
        })
    }

    /// Structural invariants (`None` for engines that cannot inspect their links).
    pub(crate) fn check(&self) -> Option<GraphCheck> {
        catch_unwind(AssertUnwindSafe(|| self.engine.check()))
            .ok()
            .flatten()
    }
}

/// Builds an empty graph.
pub(crate) fn new_graph(params: GraphParams, fault: Option<FaultHook>) -> Arc<Graph> {
    let engine: Box<dyn GraphEngine> = match params.kind {
        EngineKind::Flat => Box::new(flat::FlatGraph::new(&params)),
        EngineKind::HnswRs => hnsw_rs::new_engine(&params),
    };
    Arc::new(Graph {
        kind: params.kind,
        engine,
        fault,
    })
}

/// Loads a graph saved by [`Graph::save`] from `dir`, after checking that it has exactly
/// `nodes` nodes of dimension `dim` built with `params`. `check_vector(slot, row)` vets
/// every row an engine stored for a live slot. Never trusts the files beyond that: any
/// mismatch, load error or panic is an `Err`, and the caller rebuilds.
pub(crate) fn load_graph(
    params: GraphParams,
    dim: usize,
    nodes: usize,
    dir: &Path,
    fault: Option<FaultHook>,
    is_live: &dyn Fn(u32) -> bool,
    check_vector: &mut dyn FnMut(u32, &[f32]) -> bool,
) -> Result<Loaded> {
    let loaded = catch_unwind(AssertUnwindSafe(|| -> Result<_> {
        Ok(match params.kind {
            EngineKind::Flat => {
                let (g, dead, fp) = flat::load(&params, dim, nodes, dir, is_live)?;
                (Box::new(g) as Box<dyn GraphEngine>, dead, Some(fp))
            }
            EngineKind::HnswRs => {
                let (g, dead) = hnsw_rs::load(&params, dim, nodes, dir, is_live, check_vector)?;
                (g, dead, None)
            }
        })
    }));
    let (engine, dead, fingerprint) = match loaded {
        Ok(r) => r?,
        Err(p) => {
            return Err(Error::Corrupt {
                path: dir.to_path_buf(),
                reason: format!("loading the graph panicked: {}", panic_message(p)),
            })
        }
    };
    if engine.len() != nodes {
        return Err(Error::Corrupt {
            path: dir.to_path_buf(),
            reason: format!("loaded {} nodes, expected {nodes}", engine.len()),
        });
    }
    Ok(Loaded {
        graph: Arc::new(Graph {
            kind: params.kind,
            engine,
            fault,
        }),
        dead,
        fingerprint,
    })
}

pub(crate) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
