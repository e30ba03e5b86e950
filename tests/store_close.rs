//! `Lakehouse::close()`: idempotent, releases every index lock at once (a reopen in the
//! same process right after it succeeds), refuses later use with `CLOSED`, and neither
//! a background graph rebuild nor a snapshot in progress keeps a lock, after `close()`
//! or after the last handle is dropped.

mod store_common;

use lakehouse::index::{IndexConfig, Record, SearchOptions, VectorIndex};
use lakehouse::store::{Durability, Lakehouse, StoreOptions};
use lakehouse::Result;
use serde_json::json;

const DIM: usize = 16;

fn code<T>(r: Result<T>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn vector(i: usize) -> Vec<f32> {
    store_common::vector(i, DIM)
}

fn records(range: std::ops::Range<usize>) -> Vec<Record> {
    store_common::records(range, DIM)
}

fn config() -> IndexConfig {
    store_common::l2_config(DIM)
}

/// Rebuilds of this index run in the background from 64 records on.
fn background_config() -> IndexConfig {
    let mut c = config();
    c.background_rebuild_min = 64;
    c.ef_construction = 200;
    c
}

fn opts(durability: Durability) -> StoreOptions {
    StoreOptions {
        durability,
        snapshot_every: 0,
        ..StoreOptions::default()
    }
}

#[test]
fn reopen_right_after_close_succeeds_and_old_handles_are_closed() {
    let d = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(
        d.path(),
        opts(Durability::Buffered {
            interval_ms: 60_000,
        }),
    )
    .unwrap();
    let a = lake.create_index("a", config()).unwrap();
    let b = lake.create_index("b", config()).unwrap();
    a.upsert_batch(records(0..50)).unwrap();
    b.upsert("only", &vector(7), json!({})).unwrap();
    let clone = lake.clone();
    assert!(!lake.is_closed());
    lake.close().unwrap();
    assert!(clone.is_closed());
    // Idempotent, from any clone.
    lake.close().unwrap();
    clone.close().unwrap();

    // Same process, at once: no LOCKED, and the Buffered writes were flushed.
    let again = Lakehouse::open(d.path()).unwrap();
    let a2 = again.index("a").unwrap();
    assert_eq!(a2.len(), 50);
    assert!(again.index("b").unwrap().contains("only"));
    a2.upsert("new", &vector(99), json!({})).unwrap();

    // Every use of the closed handles is CLOSED; in-memory reads still answer.
    assert_eq!(code(a.upsert("x", &vector(1), json!({}))), "CLOSED");
    assert_eq!(code(a.upsert_batch(records(60..61))), "CLOSED");
    assert_eq!(code(a.delete("w-1")), "CLOSED");
    assert_eq!(
        code(a.search(&vector(1), 3, &SearchOptions::default())),
        "CLOSED"
    );
    assert_eq!(a.len(), 50);
    assert_eq!(code(lake.index("a")), "CLOSED");
    assert_eq!(code(lake.create_index("c", config())), "CLOSED");
    assert_eq!(code(lake.open_or_create("a", config())), "CLOSED");
    assert_eq!(code(lake.drop_index("a")), "CLOSED");
    assert_eq!(code(lake.flush()), "CLOSED");
    assert_eq!(code(lake.snapshot("a")), "CLOSED");
    assert_eq!(code(lake.store_stats("a")), "CLOSED");
    // The new writer is unaffected by the old handles.
    assert_eq!(a2.len(), 51);
}

#[test]
fn read_only_catalogs_close_too() {
    let d = tempfile::tempdir().unwrap();
    {
        let lake = Lakehouse::open(d.path()).unwrap();
        lake.create_index("w", config())
            .unwrap()
            .upsert_batch(records(0..5))
            .unwrap();
        lake.close().unwrap();
    }
    let ro = Lakehouse::open_read_only(d.path()).unwrap();
    let ix = ro.index("w").unwrap();
    assert_eq!(ix.len(), 5);
    ro.close().unwrap();
    assert_eq!(
        code(ix.search(&vector(0), 1, &SearchOptions::default())),
        "CLOSED"
    );
    assert_eq!(code(ro.index("w")), "CLOSED");
}

/// Starts a graph rebuild of `ix` that runs in the background (deletes past the
/// tombstone ratio trigger a compaction).
fn start_background_rebuild(ix: &VectorIndex) {
    ix.upsert_batch(records(0..2_000)).unwrap();
    ix.wait_idle();
    let ids: Vec<String> = (0..500).map(|i| format!("w-{i}")).collect();
    ix.delete_batch(&ids).unwrap();
}

#[test]
fn close_does_not_wait_for_a_background_rebuild_nor_keep_its_lock() {
    let d = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(d.path(), opts(Durability::Sync)).unwrap();
    let ix = lake.create_index("w", background_config()).unwrap();
    start_background_rebuild(&ix);
    lake.close().unwrap();
    // The handle keeps the index in memory (and the rebuild thread may still run),
    // but the directory is free.
    let again = Lakehouse::open(d.path()).unwrap();
    let ix2 = again.index("w").unwrap();
    assert_eq!(ix2.len(), 1_500);
    assert_eq!(code(ix.upsert("x", &vector(1), json!({}))), "CLOSED");
    // The closed index's rebuild stops early and never swaps in behind the new writer.
    ix.wait_idle();
    ix2.upsert("after", &vector(3), json!({})).unwrap();
    assert_eq!(ix2.len(), 1_501);
}

#[test]
fn dropping_every_handle_releases_the_lock_while_a_rebuild_runs() {
    let d = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(d.path(), opts(Durability::Sync)).unwrap();
    let ix = lake.create_index("w", background_config()).unwrap();
    start_background_rebuild(&ix);
    // No close(): the last handles go away while the rebuild thread works.
    drop(ix);
    drop(lake);
    let again = Lakehouse::open(d.path()).unwrap();
    assert_eq!(again.index("w").unwrap().len(), 1_500);
}

#[test]
fn close_stops_a_snapshot_in_progress_and_keeps_a_consistent_generation() {
    let d = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(d.path(), opts(Durability::Sync)).unwrap();
    let ix = lake.create_index("w", config()).unwrap();
    ix.upsert_batch(records(0..2_000)).unwrap();
    ix.wait_idle();
    let waiter = {
        let lake = lake.clone();
        std::thread::spawn(move || lake.snapshot("w"))
    };
    lake.close().unwrap();
    // The snapshot either finished first or was stopped by the close.
    let res = waiter.join().unwrap();
    assert!(
        matches!(code(res), "OK" | "CLOSED"),
        "snapshot ended with an unexpected error"
    );
    let again = Lakehouse::open(d.path()).unwrap();
    let ix2 = again.index("w").unwrap();
    assert_eq!(ix2.len(), 2_000);
    assert_eq!(ix2.get("w-1999").unwrap().metadata, json!({"i": 1_999}));
    // No temp file of the stopped snapshot is left once the new writer snapshots.
    again.snapshot("w").unwrap();
    let tmp: Vec<_> = std::fs::read_dir(d.path().join("w"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
}
