//! [`Lakehouse`]: the catalog of named, durable indexes in one directory.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::durable::IndexStore;
use super::fsio;
use super::ix::{IndexConfig, VectorIndex, WriteObserver};
use super::lock::DirLock;
use super::manifest::{Manifest, MANIFEST};
use super::recover::recover;
use super::wal::WalWriter;
use super::{OpenReport, StoreOptions, StoreStats};
use crate::{Error, Name, Result};

/// Distinguishes temp directories of concurrent creates in one process.
static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

struct OpenIndex {
    index: VectorIndex,
    /// `None` for read-only handles.
    store: Option<Arc<IndexStore>>,
}

struct Inner {
    root: PathBuf,
    options: StoreOptions,
    read_only: bool,
    /// Set by [`Lakehouse::close`].
    closed: AtomicBool,
    open: Mutex<HashMap<String, OpenIndex>>,
    reports: Mutex<HashMap<String, OpenReport>>,
}

/// A directory of named, durable vector indexes.
///
/// Cheap to clone (`Arc`), `Send + Sync`. Each index is opened once per `Lakehouse`;
/// [`Lakehouse::index`] hands out clones of the same [`VectorIndex`] handle. Writes
/// through that handle are logged (see [`super::Durability`]) before they are applied
/// and acknowledged. When the last clone of the `Lakehouse` is dropped the background
/// snapshot and flush threads stop and the logs are fsynced; index handles still held
/// keep logging their writes.
///
/// A writable open of an index holds an exclusive OS lock on its directory: a second
/// writer (another `Lakehouse` on the same directory, here or in another process)
/// gets `LOCKED`. The lock is released by [`Lakehouse::close`] at once, or else when
/// the `Lakehouse` and every handle to the index are dropped; a background graph
/// rebuild still running never keeps it. [`Lakehouse::open_read_only`] takes no lock
/// and sees the index as of its open.
#[derive(Clone)]
pub struct Lakehouse {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Lakehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lakehouse")
            .field("root", &self.inner.root)
            .field("read_only", &self.inner.read_only)
            .finish()
    }
}

impl Lakehouse {
    /// Opens (creating it if needed) the catalog directory `dir` for reading and
    /// writing with default [`StoreOptions`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Lakehouse> {
        Lakehouse::open_with(dir, StoreOptions::default())
    }

    /// Like [`Lakehouse::open`] with explicit options.
    pub fn open_with(dir: impl AsRef<Path>, options: StoreOptions) -> Result<Lakehouse> {
        let root = dir.as_ref().to_path_buf();
        fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        let lake = Lakehouse::new(root, options, false)?;
        lake.remove_leftovers();
        Ok(lake)
    }

    /// Best effort: removes what an interrupted create or drop left in the root.
    /// A create in progress elsewhere holds the lock of its temp directory, so only
    /// abandoned ones are removed.
    fn remove_leftovers(&self) {
        let Ok(entries) = fs::read_dir(&self.inner.root) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if name.starts_with(".trash-") {
                let _ = fsio::remove_if_exists(&path);
            } else if name.starts_with(".tmp-create-") {
                let abandoned = match DirLock::acquire(&path) {
                    Ok(_) => true,
                    // No LOCK could even be created: the creator died before taking it.
                    Err(Error::Io { .. }) => !path.join(super::lock::LOCK_FILE).exists(),
                    Err(_) => false,
                };
                if abandoned {
                    let _ = fsio::remove_if_exists(&path);
                }
            }
        }
    }

    /// Opens an existing catalog without taking any lock. Index handles refuse writes
    /// with `READ_ONLY`; a writer may keep working on the same directory meanwhile.
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Lakehouse> {
        let root = dir.as_ref().to_path_buf();
        Lakehouse::new(root, StoreOptions::default(), true)
    }

    fn new(root: PathBuf, options: StoreOptions, read_only: bool) -> Result<Lakehouse> {
        let meta = fs::metadata(&root).map_err(|e| Error::io(&root, e))?;
        if !meta.is_dir() {
            return Err(Error::io(
                &root,
                io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        Ok(Lakehouse {
            inner: Arc::new(Inner {
                root,
                options,
                read_only,
                closed: AtomicBool::new(false),
                open: Mutex::new(HashMap::new()),
                reports: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The catalog directory.
    pub fn path(&self) -> PathBuf {
        self.inner.root.clone()
    }

    /// Whether this catalog was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// `CLOSED` after [`Lakehouse::close`].
    fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed(format!(
                "catalog '{}' was closed",
                self.inner.root.display()
            )));
        }
        Ok(())
    }

    /// Whether [`Lakehouse::close`] was called (on this handle or a clone).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// Closes the catalog now: stops the background work of every open index (a
    /// snapshot in progress stops at its next step, leaving the previous generation
    /// current; the flush timer stops), fsyncs the logs, and releases every index
    /// lock before returning, so the same directory can be opened again at once, in
    /// this process or another. A graph rebuild still running in the background does
    /// not delay it and never keeps a lock.
    ///
    /// Afterwards this `Lakehouse` (and its clones) and every [`VectorIndex`] it handed
    /// out fail with `CLOSED` on writes, searches and catalog calls; calls that cannot
    /// fail (`len`, `get`, `records`, `stats`) keep answering from memory. Idempotent:
    /// closing again is `Ok(())`. Returns the first error met while flushing (every
    /// lock is released regardless).
    ///
    /// ```
    /// use lakehouse::index::IndexConfig;
    /// use lakehouse::store::Lakehouse;
    /// # fn main() -> lakehouse::Result<()> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let lake = Lakehouse::open(dir.path())?;
    /// let idx = lake.create_index("workers", IndexConfig::new(3))?;
    /// idx.upsert("w-1", &[1.0, 0.0, 0.0], serde_json::json!({}))?;
    /// lake.close()?;
    /// assert_eq!(idx.upsert("w-2", &[0.0, 1.0, 0.0], serde_json::json!({})).unwrap_err().code(), "CLOSED");
    /// // No LOCKED: the directory is free again.
    /// let again = Lakehouse::open(dir.path())?;
    /// assert!(again.index("workers")?.contains("w-1"));
    /// # Ok(()) }
    /// ```
    pub fn close(&self) -> Result<()> {
        let entries: Vec<OpenIndex> = {
            // Under the catalog lock, so no index is opened past this point.
            let mut open = self.inner.open.lock();
            if self.inner.closed.swap(true, Ordering::SeqCst) {
                return Ok(());
            }
            open.drain().map(|(_, o)| o).collect()
        };
        // Stop every writer first, then every store: no write lands in a log after it
        // was flushed, and the locks go together at the end.
        for o in &entries {
            o.index.close();
        }
        let mut first_err = None;
        for o in &entries {
            if let Some(store) = &o.store {
                if let Err(e) = store.close() {
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    fn check_writable(&self) -> Result<()> {
        self.check_open()?;
        if self.inner.read_only {
            return Err(Error::ReadOnly(self.inner.root.display().to_string()));
        }
        Ok(())
    }

    /// Creates a new, empty index. `ALREADY_EXISTS` if the name is taken,
    /// `INVALID_INPUT` for a bad name, `INVALID_CONFIG` for a bad config.
    pub fn create_index(&self, name: &str, config: IndexConfig) -> Result<VectorIndex> {
        let name = Name::parse(name)?;
        config.validate()?;
        self.check_writable()?;
        let mut open = self.inner.open.lock();
        self.check_open()?;
        let dir = self.inner.root.join(name.as_str());
        if open.contains_key(name.as_str()) || dir.join(MANIFEST).exists() {
            return Err(already(&name));
        }
        // Build the directory under a temp name and rename it into place, so a crash
        // never leaves a half-created index behind a valid name.
        let tmp = self.inner.root.join(format!(
            ".tmp-create-{}-{}-{}",
            name,
            std::process::id(),
            TMP_SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let built = (|| {
            fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let lock = DirLock::acquire(&tmp)?;
            let manifest = Manifest::new(name.as_str(), config.clone());
            manifest.store(&tmp)?;
            let wal = WalWriter::create(&tmp, 0)?;
            Ok::<_, Error>((lock, manifest, wal))
        })();
        let (lock, manifest, _) = match built {
            Ok(v) => v,
            Err(e) => {
                let _ = fsio::remove_if_exists(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = fs::rename(&tmp, &dir) {
            let _ = fsio::remove_if_exists(&tmp);
            return Err(if dir.exists() {
                already(&name)
            } else {
                Error::io(&dir, e)
            });
        }
        fsio::fsync_dir(&self.inner.root)?;
        // The segment moved with the directory; reopen it under its final path.
        let wal = WalWriter::reopen(
            &dir.join(super::wal::segment_name(0)),
            0,
            super::wal::MAGIC.len() as u64,
        )?;
        let index = VectorIndex::new(name.as_str(), config)?;
        let store = Arc::new(IndexStore::new(
            &dir,
            manifest,
            wal,
            self.inner.options.clone(),
            lock,
        ));
        self.attach(&index, &store)?;
        open.insert(
            name.to_string(),
            OpenIndex {
                index: index.clone(),
                store: Some(store),
            },
        );
        self.inner
            .reports
            .lock()
            .insert(name.to_string(), OpenReport::default());
        Ok(index)
    }

    fn attach(&self, index: &VectorIndex, store: &Arc<IndexStore>) -> Result<()> {
        store.start(index.clone())?;
        let obs: Arc<dyn WriteObserver> = store.clone();
        index.set_observer(Some(obs));
        Ok(())
    }

    /// Opens an existing index (or returns the handle already open in this catalog).
    /// `NOT_FOUND` if there is none; `LOCKED` if another writer holds it; `CORRUPT`
    /// if its manifest or snapshot fails its checksum.
    pub fn index(&self, name: &str) -> Result<VectorIndex> {
        let name = Name::parse(name)?;
        let mut open = self.inner.open.lock();
        self.check_open()?;
        if let Some(o) = open.get(name.as_str()) {
            return Ok(o.index.clone());
        }
        let dir = self.inner.root.join(name.as_str());
        if !dir.join(MANIFEST).exists() {
            return Err(not_found(&name));
        }
        let entry = if self.inner.read_only {
            let rec = recover_read_only(&dir, name.as_str())?;
            rec.index.set_read_only(true);
            self.inner
                .reports
                .lock()
                .insert(name.to_string(), rec.report);
            OpenIndex {
                index: rec.index,
                store: None,
            }
        } else {
            let lock = DirLock::acquire(&dir)?;
            let rec = recover(&dir, name.as_str(), true)?;
            let wal = rec
                .wal
                .ok_or_else(|| Error::Internal("writable recovery returned no log".into()))?;
            let store = Arc::new(IndexStore::new(
                &dir,
                rec.manifest,
                wal,
                self.inner.options.clone(),
                lock,
            ));
            self.attach(&rec.index, &store)?;
            self.inner
                .reports
                .lock()
                .insert(name.to_string(), rec.report);
            OpenIndex {
                index: rec.index,
                store: Some(store),
            }
        };
        let index = entry.index.clone();
        open.insert(name.to_string(), entry);
        Ok(index)
    }

    /// Opens the index `name`, creating it with `config` if it does not exist. An
    /// existing index must have the same `dim` and `metric` (`INVALID_CONFIG`).
    pub fn open_or_create(&self, name: &str, config: IndexConfig) -> Result<VectorIndex> {
        match self.index(name) {
            Ok(ix) => {
                let have = ix.config();
                if have.dim != config.dim || have.metric != config.metric {
                    return Err(Error::InvalidConfig(format!(
                        "index '{name}' exists with dim {} and metric {:?}, asked for dim {} and metric {:?}",
                        have.dim, have.metric, config.dim, config.metric
                    )));
                }
                Ok(ix)
            }
            Err(Error::NotFound { .. }) => match self.create_index(name, config.clone()) {
                Err(Error::AlreadyExists { .. }) => self.index(name),
                other => other,
            },
            Err(e) => Err(e),
        }
    }

    /// Names of the indexes in the catalog, sorted.
    pub fn list(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.inner.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|n| Name::parse(n).is_ok())
            .filter(|n| self.inner.root.join(n).join(MANIFEST).is_file())
            .collect();
        names.sort();
        names
    }

    /// Deletes an index and its files. Handles to it that are still held become
    /// read-only. `NOT_FOUND` if absent, `LOCKED` if another writer holds it.
    pub fn drop_index(&self, name: &str) -> Result<()> {
        let name = Name::parse(name)?;
        self.check_writable()?;
        let mut open = self.inner.open.lock();
        self.check_open()?;
        let dir = self.inner.root.join(name.as_str());
        // Keep the writer lock (held by the store or taken here) until the directory
        // is gone from its name, so no other writer opens it meanwhile.
        let _held: (Option<Arc<IndexStore>>, Option<DirLock>) = match open.remove(name.as_str()) {
            Some(o) => {
                o.index.set_read_only(true);
                o.index.set_observer(None);
                if let Some(store) = &o.store {
                    store.shutdown()?;
                }
                (o.store, None)
            }
            None => {
                if !dir.join(MANIFEST).exists() {
                    return Err(not_found(&name));
                }
                (None, Some(DirLock::acquire(&dir)?))
            }
        };
        self.inner.reports.lock().remove(name.as_str());
        let trash = self.inner.root.join(format!(
            ".trash-{}-{}-{}",
            name,
            std::process::id(),
            TMP_SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        fsio::rename_durable(&dir, &trash)?;
        fsio::remove_if_exists(&trash)
    }

    /// fsyncs the log of every open index (a no-op for `Sync` durability).
    pub fn flush(&self) -> Result<()> {
        self.check_open()?;
        let stores: Vec<_> = self
            .inner
            .open
            .lock()
            .values()
            .filter_map(|o| o.store.clone())
            .collect();
        for s in stores {
            s.flush()?;
        }
        Ok(())
    }

    fn store_of(&self, name: &str) -> Result<Arc<IndexStore>> {
        let name = Name::parse(name)?;
        self.check_open()?;
        let open = self.inner.open.lock();
        match open.get(name.as_str()) {
            Some(o) => o
                .store
                .clone()
                .ok_or_else(|| Error::ReadOnly(name.to_string())),
            None => Err(Error::NotFound {
                what: "open index",
                name: name.to_string(),
            }),
        }
    }

    /// Takes a snapshot of an open index now and waits for it (coalesced with any
    /// snapshot already pending). `NOT_FOUND` if the index is not open here,
    /// `READ_ONLY` on a read-only catalog.
    /// A failed snapshot returns its own error (`IO` for a full disk or a failed
    /// write, `CLOSED` when the catalog is closed first); the index stays writable and
    /// the log keeps every write.
    pub fn snapshot(&self, name: &str) -> Result<()> {
        let store = self.store_of(name)?;
        let ticket = store.sched.request();
        store.sched.wait(ticket)
    }

    /// The error of the last failed snapshot of an open index, typed (`None` if none
    /// failed since it was opened).
    pub fn last_snapshot_error(&self, name: &str) -> Result<Option<Error>> {
        Ok(self.store_of(name)?.last_snapshot_error())
    }

    /// Test hook: the next `times` snapshots of `name` fail at `at` with an injected
    /// I/O error (a full disk for [`super::SnapshotFault::Snapshot`]).
    #[cfg(feature = "fault-injection")]
    pub fn inject_snapshot_faults(
        &self,
        name: &str,
        at: super::SnapshotFault,
        times: u32,
    ) -> Result<()> {
        self.store_of(name)?.inject_snapshot_faults(at, times);
        Ok(())
    }

    /// What opening `name` found (replayed log records, dropped bytes, graph).
    pub fn last_open_report(&self, name: &str) -> Option<OpenReport> {
        self.inner.reports.lock().get(name).cloned()
    }

    /// Storage counters of an open index.
    pub fn store_stats(&self, name: &str) -> Result<StoreStats> {
        Ok(self.store_of(name)?.stats())
    }

    /// Blocks until the index has no snapshot running or pending.
    pub fn wait_idle(&self, name: &str) -> Result<()> {
        self.store_of(name)?.sched.wait_idle();
        Ok(())
    }

    /// Test hook: hold automatic and explicit snapshots back (`true`) or release them.
    #[doc(hidden)]
    pub fn pause_snapshots(&self, name: &str, paused: bool) -> Result<()> {
        self.store_of(name)?.sched.set_paused(paused);
        Ok(())
    }
}

/// Read-only opens race with a writer deleting superseded files: retry from the
/// manifest when a file vanished under us.
fn recover_read_only(dir: &Path, name: &str) -> Result<super::recover::Recovered> {
    let mut attempt = 0;
    loop {
        match recover(dir, name, false) {
            Err(Error::Io { source, .. })
                if source.kind() == io::ErrorKind::NotFound && attempt < 20 =>
            {
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn not_found(name: &Name) -> Error {
    Error::NotFound {
        what: "index",
        name: name.to_string(),
    }
}

fn already(name: &Name) -> Error {
    Error::AlreadyExists {
        what: "index",
        name: name.to_string(),
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for (_, o) in self.open.get_mut().drain() {
            if let Some(s) = o.store {
                let _ = s.shutdown();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Durability;
    use serde_json::json;

    fn code<T>(r: Result<T>) -> &'static str {
        match r {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    fn v(i: usize) -> Vec<f32> {
        vec![1.0 + i as f32, 2.0, -3.5, 0.25]
    }

    #[test]
    fn create_write_snapshot_reopen() {
        let d = tempfile::tempdir().unwrap();
        let opts = StoreOptions {
            snapshot_every: 40,
            durability: Durability::Buffered { interval_ms: 5 },
            ..StoreOptions::default()
        };
        {
            let lake = Lakehouse::open_with(d.path(), opts.clone()).unwrap();
            let ix = lake.create_index("w", IndexConfig::new(4)).unwrap();
            assert_eq!(
                code(lake.create_index("w", IndexConfig::new(4))),
                "ALREADY_EXISTS"
            );
            for i in 0..100 {
                ix.upsert(&format!("r{i}"), &v(i), json!({"i": i})).unwrap();
            }
            ix.delete("r3").unwrap();
            lake.wait_idle("w").unwrap();
            let st = lake.store_stats("w").unwrap();
            assert!(st.snapshots_taken >= 1, "{st:?}");
            // Second writer on the same directory in this process.
            let other = Lakehouse::open(d.path()).unwrap();
            assert_eq!(code(other.index("w")), "LOCKED");
            let ro = Lakehouse::open_read_only(d.path()).unwrap();
            let rix = ro.index("w").unwrap();
            assert_eq!(rix.len(), 99);
            assert_eq!(code(rix.upsert("x", &v(0), json!({}))), "READ_ONLY");
        }
        let lake = Lakehouse::open_with(d.path(), opts).unwrap();
        assert_eq!(lake.list(), vec!["w".to_string()]);
        let ix = lake.index("w").unwrap();
        assert_eq!(ix.len(), 99);
        assert!(!ix.contains("r3"));
        assert_eq!(ix.get("r7").unwrap().metadata, json!({"i": 7}));
        let rep = lake.last_open_report("w").unwrap();
        assert!(rep.generation >= 1, "{rep:?}");
        lake.snapshot("w").unwrap();
        lake.drop_index("w").unwrap();
        assert!(lake.list().is_empty());
        assert_eq!(code(lake.index("w")), "NOT_FOUND");
        assert_eq!(code(ix.upsert("y", &v(0), json!({}))), "READ_ONLY");
        assert_eq!(code(lake.index("../w")), "INVALID_INPUT");
    }
}
