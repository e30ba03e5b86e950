//! Snapshots that fail (an injected full disk while the Parquet file is written, an
//! injected I/O error while the graph files are written) leave the index writable, are
//! reported with their own error code (`IO`, not `INTERNAL`), are retried by the store
//! itself, and lose nothing: the log keeps every write until a snapshot succeeds.
//! Needs `--features fault-injection`.

mod store_common;

use std::time::Duration;

use lakehouse::index::{IndexConfig, Record, SearchOptions};
use lakehouse::store::{Durability, Lakehouse, SnapshotFault, StoreOptions};
use serde_json::json;

const DIM: usize = 8;

fn vector(i: usize) -> Vec<f32> {
    store_common::vector(i, DIM)
}

fn records(range: std::ops::Range<usize>) -> Vec<Record> {
    store_common::records(range, DIM)
}

fn config() -> IndexConfig {
    store_common::l2_config(DIM)
}

fn options(snapshot_every: usize, snapshot_retry_ms: u64) -> StoreOptions {
    StoreOptions {
        durability: Durability::Buffered { interval_ms: 20 },
        snapshot_every,
        save_graph: true,
        snapshot_retry_ms,
    }
}

/// Waits (bounded) until `name` has taken at least `n` snapshots.
fn wait_for_snapshots(lake: &Lakehouse, name: &str, n: u64) -> u64 {
    for _ in 0..2_000 {
        let taken = lake.store_stats(name).unwrap().snapshots_taken;
        if taken >= n {
            return taken;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    lake.store_stats(name).unwrap().snapshots_taken
}

fn tmp_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn failed_snapshot_and_graph_writes_leave_writes_working_and_are_retried() {
    let d = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(d.path(), options(0, 5)).unwrap();
    let ix = lake.create_index("w", config()).unwrap();
    ix.upsert_batch(records(0..500)).unwrap();
    ix.wait_idle();

    // A full disk while the Parquet snapshot is written.
    lake.inject_snapshot_faults("w", SnapshotFault::Snapshot, 2)
        .unwrap();
    let err = lake.snapshot("w").unwrap_err();
    assert_eq!(err.code(), "IO", "{err}");
    assert_eq!(
        lake.last_snapshot_error("w").unwrap().map(|e| e.code()),
        Some("IO")
    );
    let st = lake.store_stats("w").unwrap();
    assert_eq!(st.last_snapshot_error_code.as_deref(), Some("IO"));
    assert!(st.snapshot_failures >= 1);
    // Writes go on while the snapshot keeps failing.
    for r in records(500..600) {
        ix.upsert(&r.id, &r.vector, r.metadata).unwrap();
    }
    ix.delete("w-3").unwrap();
    // The store retries by itself (second attempt fails too, the third succeeds).
    assert!(wait_for_snapshots(&lake, "w", 1) >= 1);
    assert!(lake.store_stats("w").unwrap().snapshot_failures >= 2);

    // An I/O error while the graph files are written.
    lake.inject_snapshot_faults("w", SnapshotFault::Graph, 1)
        .unwrap();
    let err = lake.snapshot("w").unwrap_err();
    assert_eq!(err.code(), "IO", "{err}");
    ix.upsert_batch(records(600..700)).unwrap();
    let hits = ix
        .search(&vector(650), 1, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].id, "w-650");
    assert!(wait_for_snapshots(&lake, "w", 2) >= 2);
    lake.snapshot("w").unwrap();
    assert!(tmp_files(&d.path().join("w")).is_empty());
    lake.close().unwrap();

    let again = Lakehouse::open(d.path()).unwrap();
    let ix = again.index("w").unwrap();
    assert_eq!(ix.len(), 699);
    assert!(!ix.contains("w-3"));
    assert_eq!(ix.get("w-699").unwrap().metadata, json!({"i": 699}));
}

#[test]
fn an_ingest_goes_on_while_every_snapshot_fails_and_nothing_is_lost() {
    let d = tempfile::tempdir().unwrap();
    // No automatic retry: only the writes' own snapshot requests (every 50 writes).
    let lake = Lakehouse::open_with(d.path(), options(50, 0)).unwrap();
    let ix = lake.create_index("w", config()).unwrap();
    lake.inject_snapshot_faults("w", SnapshotFault::Snapshot, u32::MAX)
        .unwrap();
    for start in (0..3_000).step_by(100) {
        ix.upsert_batch(records(start..start + 100)).unwrap();
        for i in start..start + 5 {
            let r = &records(i..i + 1)[0];
            ix.upsert(&r.id, &r.vector, json!({"i": i, "again": true}))
                .unwrap();
        }
    }
    lake.wait_idle("w").unwrap();
    let st = lake.store_stats("w").unwrap();
    assert!(st.snapshot_failures >= 1, "{st:?}");
    assert_eq!(st.snapshots_taken, 0);
    assert_eq!(st.last_snapshot_error_code.as_deref(), Some("IO"));
    // Nothing durable was lost: a crash now (drop without close) reopens everything
    // from the first generation's log.
    drop((ix, lake));
    let again = Lakehouse::open(d.path()).unwrap();
    let ix = again.index("w").unwrap();
    assert_eq!(ix.len(), 3_000);
    assert_eq!(
        ix.get("w-2904").unwrap().metadata,
        json!({"i": 2904, "again": true})
    );
    // With the disk back, the next snapshot succeeds.
    again.snapshot("w").unwrap();
    assert_eq!(again.store_stats("w").unwrap().snapshots_taken, 1);
}
