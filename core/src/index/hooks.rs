//! Hooks for the durable store: write observation (WAL), replay and read-only mode.
//! Checkpoint and restore live in `persist.rs`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{validate, Record, VectorIndex};
use crate::Result;

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

#[allow(dead_code)]
impl VectorIndex {
    /// Installs (or removes) the write observer.
    pub(crate) fn set_observer(&self, obs: Option<Arc<dyn WriteObserver>>) {
        let _order = self.inner.write_order.lock();
        *self.inner.observer.write() = obs;
    }

    /// Closes the index for good (the catalog that opened it was closed): writes and
    /// searches fail with `CLOSED` from now on, the observer is removed, and a
    /// background rebuild in flight stops at its next chunk. Waits for a write in
    /// progress to finish.
    pub(crate) fn close(&self) {
        let _order = self.inner.write_order.lock();
        self.inner.closed.store(true, Ordering::Release);
        *self.inner.observer.write() = None;
    }

    /// `CLOSED` once [`VectorIndex::close`] was called.
    pub(crate) fn check_open(&self) -> crate::Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(crate::Error::Closed(format!(
                "index '{}' was closed with its catalog",
                self.name()
            )));
        }
        Ok(())
    }

    /// Whether [`VectorIndex::close`] was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
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
}
