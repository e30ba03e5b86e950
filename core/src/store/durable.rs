//! The durable side of one open, writable index: the write observer that logs every
//! write before it is applied, the background snapshot (with log rotation) and the
//! periodic fsync of `Buffered` durability.
//!
//! Writers are never held up by the disk work of a snapshot or of the fsync timer:
//! the log is rotated under its lock in O(1) and the old segment is fsynced outside
//! it; the index's write lock is held only while the checkpoint copies the records and
//! dumps the graph into the page cache (no fsync); writing the Parquet file, fsyncing
//! the graph files and publishing the manifest happen after it is released. A failed
//! snapshot (full disk, I/O error) leaves the index writable (the log keeps every
//! write) and is retried by the worker with a doubling backoff.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::fsio;
use super::ix::{VectorIndex, WriteObserver, WriteOp};
use super::lock::DirLock;
use super::manifest::{plain_file_name, FileEntry, GraphEntry, Manifest};
use super::sched::Scheduler;
use super::snapshot;
use super::wal::{self, WalWriter};
use super::{Durability, StoreOptions, StoreStats};
use crate::{Error, Result};

/// How long a snapshot waits for writes logged before the rotation to be applied.
const APPLY_WAIT: Duration = Duration::from_secs(60);

/// Directory name of the graph of generation `gen`.
pub(crate) fn graph_dir_name(gen: u64) -> String {
    format!("graph-{gen:020}")
}

#[derive(Default)]
struct Seq {
    /// Frames appended to the log.
    logged: u64,
    /// Frames whose write the index has applied.
    applied: u64,
}

/// Where an injected snapshot failure strikes (`fault-injection` builds only).
#[cfg(feature = "fault-injection")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotFault {
    /// Writing the Parquet snapshot fails with a full disk (after the temp file was
    /// created).
    Snapshot,
    /// Writing the graph files fails with an I/O error (after the checkpoint dumped
    /// them).
    Graph,
}

/// Injected failures still to strike, per stage.
#[cfg(feature = "fault-injection")]
#[derive(Default)]
struct Faults {
    snapshot: u32,
    graph: u32,
}

/// Storage state of one writable index. Attached to the index as its write observer.
pub(crate) struct IndexStore {
    name: String,
    dir: PathBuf,
    options: StoreOptions,
    wal: Mutex<WalWriter>,
    seq: Mutex<Seq>,
    seq_cv: Condvar,
    ops_since_snapshot: AtomicUsize,
    pub(crate) sched: Scheduler,
    manifest: Mutex<Manifest>,
    last_snapshot_ms: Mutex<u64>,
    stop: Mutex<bool>,
    stop_cv: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Set by [`IndexStore::close`]: writes fail with `CLOSED`.
    closed: AtomicBool,
    /// The writer lock of the directory; released by [`IndexStore::close`] at once,
    /// otherwise when the store is dropped.
    lock: Mutex<Option<DirLock>>,
    #[cfg(feature = "fault-injection")]
    faults: Mutex<Faults>,
}

impl IndexStore {
    pub(crate) fn new(
        dir: &Path,
        manifest: Manifest,
        wal: WalWriter,
        options: StoreOptions,
        lock: DirLock,
    ) -> IndexStore {
        let retry = Duration::from_millis(options.snapshot_retry_ms);
        IndexStore {
            name: manifest.name.clone(),
            dir: dir.to_path_buf(),
            options,
            wal: Mutex::new(wal),
            seq: Mutex::new(Seq::default()),
            seq_cv: Condvar::new(),
            ops_since_snapshot: AtomicUsize::new(0),
            sched: Scheduler::new(Some(retry)),
            manifest: Mutex::new(manifest),
            last_snapshot_ms: Mutex::new(0),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
            threads: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            lock: Mutex::new(Some(lock)),
            #[cfg(feature = "fault-injection")]
            faults: Mutex::new(Faults::default()),
        }
    }

    /// Starts the snapshot worker (and the flusher for `Buffered`). The threads hold
    /// the index until [`IndexStore::shutdown`].
    pub(crate) fn start(self: &Arc<Self>, index: VectorIndex) -> Result<()> {
        let mut threads = self.threads.lock();
        let store = Arc::clone(self);
        let h = std::thread::Builder::new()
            .name(format!("lakehouse-snapshot-{}", self.name))
            .spawn(move || {
                while let Some(job) = store.sched.next_job() {
                    let res = store.take_snapshot(&index);
                    store.sched.done(job, res);
                }
            })
            .map_err(|e| Error::io(&self.dir, e))?;
        threads.push(h);
        if let Durability::Buffered { interval_ms } = self.options.durability {
            let store = Arc::clone(self);
            let every = Duration::from_millis(interval_ms.max(1));
            let h = std::thread::Builder::new()
                .name(format!("lakehouse-flush-{}", self.name))
                .spawn(move || loop {
                    {
                        let mut stop = store.stop.lock();
                        if !*stop {
                            store.stop_cv.wait_for(&mut stop, every);
                        }
                        if *stop {
                            return;
                        }
                    }
                    // A failed fsync poisons the log; the next write reports it.
                    let _ = store.flush();
                })
                .map_err(|e| Error::io(&self.dir, e))?;
            threads.push(h);
        }
        Ok(())
    }

    /// Stops the background threads (a running snapshot stops at its next step and
    /// leaves the previous generation in place) and makes the log durable. Writes
    /// through outstanding handles keep being logged until [`IndexStore::close`].
    pub(crate) fn shutdown(&self) -> Result<()> {
        self.sched.shutdown();
        *self.stop.lock() = true;
        self.stop_cv.notify_all();
        let threads: Vec<_> = self.threads.lock().drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
        self.flush()
    }

    /// [`IndexStore::shutdown`], then refuses further writes with `CLOSED` and
    /// releases the directory lock, even if other owners keep the store alive.
    pub(crate) fn close(&self) -> Result<()> {
        let res = self.shutdown();
        {
            // Under the log lock: no append is in progress once the flag is set.
            let _w = self.wal.lock();
            self.closed.store(true, Ordering::SeqCst);
        }
        drop(self.lock.lock().take());
        res
    }

    /// fsyncs the log. The fsync itself runs without the log's lock, so writers keep
    /// appending meanwhile.
    pub(crate) fn flush(&self) -> Result<()> {
        let Some(pending) = self.wal.lock().begin_sync()? else {
            return Ok(());
        };
        let res = pending.run();
        self.wal.lock().finish_sync(&pending, res)
    }

    pub(crate) fn stats(&self) -> StoreStats {
        let c = self.sched.counts();
        StoreStats {
            generation: self.manifest.lock().generation,
            snapshot_requests: c.requests,
            snapshots_taken: c.taken,
            snapshot_failures: c.failures,
            last_snapshot_error: c.last_error.as_ref().map(ToString::to_string),
            last_snapshot_error_code: c.last_error.as_ref().map(|e| e.code().to_owned()),
            wal_bytes: self.wal.lock().len(),
            last_snapshot_ms: *self.last_snapshot_ms.lock(),
        }
    }

    /// The typed error of the last failed snapshot, if any.
    pub(crate) fn last_snapshot_error(&self) -> Option<Error> {
        self.sched.counts().last_error
    }

    /// Makes the next `times` snapshots fail at `at` (test seam).
    #[cfg(feature = "fault-injection")]
    pub(crate) fn inject_snapshot_faults(&self, at: SnapshotFault, times: u32) {
        let mut f = self.faults.lock();
        match at {
            SnapshotFault::Snapshot => f.snapshot = times,
            SnapshotFault::Graph => f.graph = times,
        }
    }

    /// An injected failure at `at`, if one is due.
    #[allow(unused_variables)]
    fn fault(&self, at: &str, path: &Path) -> Result<()> {
        #[cfg(feature = "fault-injection")]
        {
            let mut f = self.faults.lock();
            let (left, kind) = match at {
                "snapshot" => (&mut f.snapshot, std::io::ErrorKind::StorageFull),
                _ => (&mut f.graph, std::io::ErrorKind::Other),
            };
            if *left > 0 {
                *left -= 1;
                return Err(Error::io(
                    path,
                    std::io::Error::new(kind, format!("injected {at} write failure")),
                ));
            }
        }
        Ok(())
    }

    /// `CLOSED` once the store is shutting down: a running snapshot stops early.
    fn check_running(&self) -> Result<()> {
        if self.sched.is_shutdown() {
            return Err(Error::Closed(format!(
                "snapshot of '{}' stopped: the index is closing",
                self.name
            )));
        }
        Ok(())
    }

    /// Rotates the log, checkpoints the index, writes snapshot + graph, publishes
    /// them with a new manifest, then deletes the previous generation. On failure the
    /// previous generation stays current and every write since it stays in the log
    /// segments, which recovery replays in order.
    fn take_snapshot(&self, index: &VectorIndex) -> Result<()> {
        let t0 = Instant::now();
        self.check_running()?;
        // Only this thread rotates, so the generation cannot change under us; the new
        // segment is created (and fsynced) before writers are held up by the swap.
        let gen = self.wal.lock().generation() + 1;
        let fresh = WalWriter::create(&self.dir, gen)?;
        let (old, rotated_at) = {
            let mut w = self.wal.lock();
            let old = std::mem::replace(&mut *w, fresh);
            let logged = self.seq.lock().logged;
            (old, logged)
        };
        // The old segment is complete: make it durable without holding anyone up. If
        // that fails, what it holds is in doubt; the snapshot fails and its retry
        // writes every record again.
        if let Some(pending) = old.begin_sync()? {
            let res = pending.run();
            if let Err(e) = res {
                return Err(Error::io(pending.path(), e));
            }
        }
        drop(old);
        // A write logged in the old segment may still be on its way into the index;
        // the checkpoint must contain it, since that segment will be deleted.
        {
            let deadline = Instant::now() + APPLY_WAIT;
            let mut s = self.seq.lock();
            while s.applied < rotated_at {
                if self.seq_cv.wait_until(&mut s, deadline).timed_out() {
                    return Err(Error::Internal(format!(
                        "snapshot of '{}' gave up waiting for logged writes to apply",
                        self.name
                    )));
                }
            }
        }
        let res = self.write_generation(index, gen);
        if res.is_err() {
            let _ = fsio::remove_if_exists(&self.dir.join(format!("{}.tmp", graph_dir_name(gen))));
        }
        res?;
        remove_superseded(&self.dir, gen);
        *self.last_snapshot_ms.lock() = t0.elapsed().as_millis() as u64;
        Ok(())
    }

    fn write_generation(&self, index: &VectorIndex, gen: u64) -> Result<()> {
        let graph_name = graph_dir_name(gen);
        let graph_tmp = self.dir.join(format!("{graph_name}.tmp"));
        fsio::remove_if_exists(&graph_tmp)?;
        fs::create_dir(&graph_tmp).map_err(|e| Error::io(&graph_tmp, e))?;
        self.check_running()?;
        // The only step under the index's write lock: records copied, graph dumped into
        // the page cache. Everything durable happens below, with writers running.
        let (records, has_graph) = if self.options.save_graph {
            index.checkpoint(&graph_tmp)?
        } else {
            (index.records(), false)
        };
        let config = index.config().clone();
        let snap_path = self.dir.join(snapshot::snapshot_name(gen));
        let stop = || {
            self.check_running()?;
            self.fault("snapshot", &snap_path)
        };
        let snap = snapshot::write(
            &self.dir,
            &snapshot::snapshot_name(gen),
            &self.name,
            config.dim,
            &records,
            &stop,
        )?;
        let count = records.len() as u64;
        drop(records);
        let graph = if has_graph {
            self.check_running()?;
            self.fault("graph", &graph_tmp)?;
            let files = checksum_and_sync_dir(&graph_tmp)?;
            fsio::fsync_dir(&graph_tmp)?;
            let dest = self.dir.join(&graph_name);
            fsio::remove_if_exists(&dest)?;
            fsio::rename_durable(&graph_tmp, &dest)?;
            Some(GraphEntry {
                dir: graph_name,
                files,
            })
        } else {
            fsio::remove_if_exists(&graph_tmp)?;
            None
        };
        self.check_running()?;
        let mut m = self.manifest.lock().clone();
        m.generation = gen;
        m.records = count;
        m.written_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        m.snapshot = Some(snap);
        m.graph = graph;
        m.store(&self.dir)?;
        *self.manifest.lock() = m;
        Ok(())
    }
}

/// Deletes what generation `gen` superseded, and temp files of interrupted writes.
/// Only for the lock holder with no snapshot running. Best effort: leftovers are
/// retried at the next snapshot or open, and ignored meanwhile.
pub(crate) fn remove_superseded(dir: &Path, gen: u64) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(".tmp") || generation_of(name).is_some_and(|g| g < gen) {
            let _ = fsio::remove_if_exists(&e.path());
        }
    }
    let _ = fsio::fsync_dir(dir);
}

/// The generation in a store file name (`wal-`, `snap-`, `graph-`), if it is one.
pub(crate) fn generation_of(name: &str) -> Option<u64> {
    if let Some(g) = wal::parse_segment_name(name) {
        return Some(g);
    }
    let digits = name
        .strip_prefix("snap-")
        .and_then(|s| s.strip_suffix(".parquet"))
        .or_else(|| name.strip_prefix("graph-"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Size and CRC32 of every file the checkpoint wrote, for the manifest; each file is
/// fsynced too (the checkpoint only wrote them into the page cache).
fn checksum_and_sync_dir(dir: &Path) -> Result<Vec<FileEntry>> {
    let mut files = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().map_err(|e| Error::io(&path, e))?.is_file();
        if !is_file || !plain_file_name(&name) {
            return Err(Error::Internal(format!(
                "graph checkpoint wrote an unexpected entry {name:?}"
            )));
        }
        let (size, crc32) = fsio::crc32_file(&path).map_err(|e| Error::io(&path, e))?;
        fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(&path, e))?;
        files.push(FileEntry {
            path: name,
            size,
            crc32,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

impl WriteObserver for IndexStore {
    fn before_apply(&self, op: &WriteOp<'_>) -> Result<()> {
        let sync = matches!(self.options.durability, Durability::Sync);
        let mut w = self.wal.lock();
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed(format!("index '{}' is closed", self.name)));
        }
        w.append(op, sync)?;
        // Counted under the log lock so a rotation sees exactly the frames before it.
        self.seq.lock().logged += 1;
        Ok(())
    }

    fn after_apply(&self, _live: usize, _tombstones: usize) {
        self.seq.lock().applied += 1;
        self.seq_cv.notify_all();
        let every = self.options.snapshot_every;
        if every > 0 && self.ops_since_snapshot.fetch_add(1, Ordering::SeqCst) + 1 >= every {
            self.ops_since_snapshot.store(0, Ordering::SeqCst);
            self.sched.request();
        }
    }
}

impl Drop for IndexStore {
    fn drop(&mut self) {
        // Buffered writes become durable at close at the latest.
        let _ = self.wal.get_mut().sync();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_in_names() {
        assert_eq!(generation_of(&wal::segment_name(4)), Some(4));
        assert_eq!(generation_of(&snapshot::snapshot_name(5)), Some(5));
        assert_eq!(generation_of(&graph_dir_name(6)), Some(6));
        for other in [
            "MANIFEST.json",
            "LOCK",
            "snap-x.parquet",
            "graph-",
            "graph-1.tmp",
        ] {
            assert_eq!(generation_of(other), None, "{other}");
        }
    }
}
