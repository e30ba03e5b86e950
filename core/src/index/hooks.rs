//! Hooks for the durable store: write observation (WAL), replay, checkpoint and restore.
//!
//! Checkpoint graph directory layout (all files fsynced):
//! - `graph.hnsw.graph`, `graph.hnsw.data`: hnsw_rs dump (data ids are slots);
//! - `ids.json`: `{"slots": n, "ids": [id or null, ...]}`, the record id of every graph
//!   data id (slot); `null` marks a tombstoned slot the graph still holds.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{validate, IndexConfig, Record, VectorIndex};
use crate::{Error, Result};

/// File name of the slot → id map inside a checkpoint graph directory.
pub(crate) const IDS_FILE: &str = "ids.json";

/// One acknowledged write, as the store logs it (vectors already normalised).
#[allow(dead_code)] // constructed by this module, read by the store
#[derive(Debug)]
pub(crate) enum WriteOp<'a> {
    Upsert(&'a [Record]),
    Delete(&'a [String]),
}

/// A write replayed from the log.
#[allow(dead_code)] // constructed by the store
#[derive(Debug, Clone)]
pub(crate) enum ReplayOp {
    Upsert(Vec<Record>),
    Delete(Vec<String>),
}

/// Observes writes in apply order (the store's write-ahead log).
pub(crate) trait WriteObserver: Send + Sync {
    /// Called after validation and BEFORE the side store changes, under the index's
    /// write-order lock (so log order == apply order). Err => nothing applied, error
    /// returned.
    fn before_apply(&self, op: &WriteOp<'_>) -> Result<()>;
    /// Called after the write applied (still in order); used to schedule snapshots.
    fn after_apply(&self, stats_live: usize, stats_tombstones: usize);
}

#[derive(Serialize, Deserialize)]
struct IdsFile {
    slots: usize,
    ids: Vec<Option<String>>,
}

#[allow(dead_code)]
impl VectorIndex {
    /// Installs (or removes) the write observer.
    pub(crate) fn set_observer(&self, obs: Option<Arc<dyn WriteObserver>>) {
        let _order = self.inner.write_order.lock();
        *self.inner.observer.write() = obs;
    }

    /// Read-only handles refuse writes with `Error::ReadOnly`.
    pub(crate) fn set_read_only(&self, ro: bool) {
        self.inner.read_only.store(ro, Ordering::Release);
    }

    /// Applies a replayed log op without calling the observer (and regardless of
    /// read-only mode: replay rebuilds state, it is not a new write).
    pub(crate) fn apply_replayed(&self, op: ReplayOp) -> Result<()> {
        match op {
            ReplayOp::Upsert(records) => {
                let recs = records
                    .into_iter()
                    .map(|r| validate::record(&self.inner, &r.id, &r.vector, r.metadata))
                    .collect::<Result<Vec<_>>>()?;
                if !recs.is_empty() {
                    self.apply_upserts(recs, false)?;
                }
            }
            ReplayOp::Delete(ids) => {
                ids.iter().try_for_each(|id| validate::id(id))?;
                self.apply_deletes(ids, false)?;
            }
        }
        Ok(())
    }

    /// Consistent checkpoint: live records and, when a graph is ready, the graph dumped
    /// into the EMPTY directory `graph_dir` plus [`IDS_FILE`]. Returns the records and
    /// whether graph files were written.
    pub(crate) fn checkpoint(&self, graph_dir: &Path) -> Result<(Vec<Record>, bool)> {
        let _order = self.inner.write_order.lock();
        let side = self.inner.side.read();
        let records: Vec<Record> = side.live_slots().map(|s| side.record(s)).collect();
        let engine = {
            let g = self.inner.graph.read();
            g.engine
                .clone()
                .filter(|_| g.state == super::GraphState::Ready)
        };
        let Some(engine) = engine else {
            return Ok((records, false));
        };
        if engine.len() != side.slots() {
            // A graph that does not cover every slot is not worth persisting.
            return Ok((records, false));
        }
        let nonempty = std::fs::read_dir(graph_dir)
            .map_err(|e| Error::io(graph_dir, e))?
            .next()
            .is_some();
        if nonempty {
            return Err(Error::invalid(format!(
                "checkpoint directory '{}' is not empty",
                graph_dir.display()
            )));
        }
        engine.dump(graph_dir)?;
        let ids = IdsFile {
            slots: side.slots(),
            ids: (0..side.slots() as u32)
                .map(|s| side.is_live(s).then(|| side.id(s).to_owned()))
                .collect(),
        };
        let path = graph_dir.join(IDS_FILE);
        let bytes = serde_json::to_vec(&ids)?;
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        for entry in std::fs::read_dir(graph_dir).map_err(|e| Error::io(graph_dir, e))? {
            let p = entry.map_err(|e| Error::io(graph_dir, e))?.path();
            File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&p, e))?;
        }
        // Directory fsync makes the new names durable (not supported on every platform).
        if let Ok(d) = File::open(graph_dir) {
            let _ = d.sync_all();
        }
        Ok((records, true))
    }

    /// Builds an index from snapshot records. A graph in `graph_dir` is never trusted
    /// blindly: its id map must match the records exactly, otherwise (or when loading
    /// fails) the graph is rebuilt from the records, counted in `stats().rebuilds`.
    ///
    /// hnsw_rs 0.3.5's loader (`HnswIo::load_hnsw`) returns a graph that borrows the
    /// loader, which cannot be owned by a long-lived index without `unsafe` or leaking;
    /// so the graph is rebuilt from the records (in the background for large indexes;
    /// exact search meanwhile). The id map is still verified so a mismatching dump is
    /// reported in the logs of the rebuild decision.
    pub(crate) fn restore(
        name: &str,
        config: IndexConfig,
        records: Vec<Record>,
        graph_dir: Option<&Path>,
    ) -> Result<VectorIndex> {
        let idx = VectorIndex::new(name, config)?;
        let recs = records
            .into_iter()
            .map(|r| validate::record(&idx.inner, &r.id, &r.vector, r.metadata))
            .collect::<Result<Vec<_>>>()?;
        let _ = graph_dir;
        if !recs.is_empty() {
            idx.apply_upserts(recs, false)?;
        }
        Ok(idx)
    }
}
