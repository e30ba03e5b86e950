//! `store` — durable storage for vector indexes (map: `docs/ARCHITECTURE.md`).
//!
//! A [`Lakehouse`] is a directory holding a catalog of named indexes:
//!
//! ```text
//! <root>/
//!   <index name>/                       name matches [a-z0-9][a-z0-9_-]{0,63}
//!     LOCK                              exclusive OS lock of the single writer
//!     MANIFEST.json                     generation, config, checksums (see `manifest`)
//!     snap-<generation>.parquet         all live records (see `snapshot` for the schema)
//!     graph-<generation>/               the saved HNSW graph, every file checksummed
//!     wal-<generation>.log              write-ahead log segments (see `wal`)
//! ```
//!
//! Every write is appended to the write-ahead log before the index applies it and
//! before the caller gets `Ok`. Every `snapshot_every` writes a background thread
//! rotates the log, writes a Parquet snapshot and the graph, publishes them with a new
//! manifest and only then deletes the old generation. Opening an index reads
//! manifest → snapshot → graph (or rebuilds it) → log replay, cutting a torn log tail.
//!
//! ```
//! use lakehouse::index::IndexConfig;
//! use lakehouse::store::Lakehouse;
//! # fn main() -> lakehouse::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let lake = Lakehouse::open(dir.path())?;
//! let idx = lake.create_index("workers", IndexConfig::new(3))?;
//! idx.upsert("w-1", &[1.0, 0.0, 0.0], serde_json::json!({"city": "Chicago"}))?;
//! drop((idx, lake));
//!
//! let lake = Lakehouse::open(dir.path())?;
//! assert_eq!(lake.list(), vec!["workers".to_string()]);
//! assert!(lake.index("workers")?.contains("w-1"));
//! # Ok(()) }
//! ```

mod catalog;
mod durable;
mod fsio;
mod ix;
mod lock;
mod manifest;
mod recover;
mod sched;
mod snapshot;
mod wal;

use serde::{Deserialize, Serialize};

pub use catalog::Lakehouse;
#[cfg(feature = "fault-injection")]
pub use durable::SnapshotFault;

/// When a logged write becomes durable.
///
/// ```
/// use lakehouse::store::Durability;
/// let d: Durability = serde_json::from_str(r#"{"buffered":{"interval_ms":50}}"#).unwrap();
/// assert_eq!(d, Durability::Buffered { interval_ms: 50 });
/// ```
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// fsync of the log before every write returns: an acknowledged write survives a
    /// crash of the process or the machine.
    #[default]
    Sync,
    /// The log is written before a write returns (it survives the process being
    /// killed) and fsynced every `interval_ms` and on [`Lakehouse::flush`] / close: a
    /// machine crash can lose the last interval.
    Buffered {
        /// fsync period in milliseconds.
        interval_ms: u64,
    },
}

/// Settings of a [`Lakehouse`] (serde, every field defaulted).
///
/// ```
/// use lakehouse::store::StoreOptions;
/// let o: StoreOptions = serde_json::from_str(r#"{"snapshot_every": 1000}"#).unwrap();
/// assert_eq!(o.snapshot_every, 1000);
/// assert!(o.save_graph);
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct StoreOptions {
    /// When writes become durable.
    pub durability: Durability,
    /// Writes (log records) between automatic snapshots; 0 = only explicit
    /// [`Lakehouse::snapshot`] calls.
    pub snapshot_every: usize,
    /// Save the HNSW graph with every snapshot so opening does not rebuild it.
    pub save_graph: bool,
    /// Delay before a failed snapshot (full disk, I/O error) is retried by itself, in
    /// milliseconds; it doubles with each consecutive failure, up to a minute. 0: only
    /// the next automatic or explicit request retries. The log keeps every write
    /// meanwhile, so nothing is lost either way.
    pub snapshot_retry_ms: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            durability: Durability::Sync,
            snapshot_every: 50_000,
            save_graph: true,
            snapshot_retry_ms: 1_000,
        }
    }
}

/// What opening an index found and did.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct OpenReport {
    /// Generation named by the manifest.
    pub generation: u64,
    /// Records loaded from the snapshot.
    pub snapshot_records: usize,
    /// Log records (one per acknowledged write or batch) replayed over the snapshot.
    pub wal_records_replayed: u64,
    /// Bytes of torn or corrupt log tail cut off.
    pub wal_bytes_dropped: u64,
    /// The saved graph passed its checksums and was loaded instead of rebuilt.
    pub graph_loaded: bool,
    /// Why the graph was rebuilt instead of loaded (`None` when it was loaded or the
    /// index is small enough to need none).
    pub graph_rebuilt_reason: Option<String>,
    /// Wall time of the open, in milliseconds.
    pub open_ms: u64,
}

/// Counters of one open index's storage.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct StoreStats {
    /// Current generation (manifest).
    pub generation: u64,
    /// Snapshots asked for (automatically or explicitly).
    pub snapshot_requests: u64,
    /// Snapshots completed since the index was opened.
    pub snapshots_taken: u64,
    /// Snapshots that failed (the log keeps everything; the next one retries).
    pub snapshot_failures: u64,
    /// The last snapshot failure, if any.
    pub last_snapshot_error: Option<String>,
    /// The [`crate::Error::code`] of that failure (`IO` for a full disk).
    pub last_snapshot_error_code: Option<String>,
    /// Bytes in the current log segment.
    pub wal_bytes: u64,
    /// Duration of the last snapshot in milliseconds.
    pub last_snapshot_ms: u64,
}
