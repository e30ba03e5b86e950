//! The `Lakehouse` catalog and its files, through the public API: create / open /
//! list / drop, name validation, locking, read-only opens, every error code, snapshot
//! coalescing, Parquet snapshots readable by the `parquet` crate, corrupt snapshots
//! and manifests, corrupt or missing graphs (rebuilt, never trusted), empty indexes.

use std::path::{Path, PathBuf};

use lakehouse::index::{IndexConfig, Metric, Record, SearchOptions, VectorIndex};
use lakehouse::store::{Durability, Lakehouse, StoreOptions};
use lakehouse::Result;
use serde_json::json;

const DIM: usize = 8;

fn code<T>(r: Result<T>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn config() -> IndexConfig {
    let mut c = IndexConfig::new(DIM);
    c.metric = Metric::Dot;
    c
}

/// A distinct pseudo-random vector per `i`.
fn vector(i: usize) -> Vec<f32> {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..DIM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

fn records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            id: format!("w-{i}"),
            vector: vector(i),
            metadata: json!({"i": i, "city": if i % 2 == 0 { "Chicago" } else { "Austin" }}),
        })
        .collect()
}

fn quick() -> StoreOptions {
    StoreOptions {
        durability: Durability::Buffered { interval_ms: 10 },
        snapshot_every: 0,
        save_graph: true,
        ..StoreOptions::default()
    }
}

fn sorted(ix: &VectorIndex) -> Vec<Record> {
    let mut v = ix.records();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

fn files_with(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    v
}

fn flip_byte(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    let at = at.min(b.len() - 1);
    b[at] ^= 0x5a;
    std::fs::write(path, b).unwrap();
}

#[test]
fn lifecycle_create_list_open_drop() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("lake");
    let lake = Lakehouse::open(&root).unwrap();
    assert!(lake.list().is_empty());
    let a = lake.create_index("workers", config()).unwrap();
    lake.create_index("playbook_memory", IndexConfig::new(4))
        .unwrap();
    assert_eq!(
        code(lake.create_index("workers", config())),
        "ALREADY_EXISTS"
    );
    assert_eq!(lake.list(), vec!["playbook_memory", "workers"]);
    a.upsert_batch(records(50)).unwrap();
    // The same catalog hands out the same index.
    assert_eq!(lake.index("workers").unwrap().len(), 50);
    let same = lake.open_or_create("workers", config()).unwrap();
    assert_eq!(same.len(), 50);
    assert_eq!(
        code(lake.open_or_create("workers", IndexConfig::new(3))),
        "INVALID_CONFIG"
    );
    let fresh = lake.open_or_create("fresh", config()).unwrap();
    assert!(fresh.is_empty());
    lake.drop_index("fresh").unwrap();
    assert_eq!(code(fresh.upsert("x", &vector(0), json!({}))), "READ_ONLY");
    assert_eq!(lake.list(), vec!["playbook_memory", "workers"]);
    assert_eq!(code(lake.drop_index("fresh")), "NOT_FOUND");
    lake.flush().unwrap();
    drop((a, same, lake));

    let lake = Lakehouse::open(&root).unwrap();
    let a = lake.index("workers").unwrap();
    assert_eq!(sorted(&a), {
        let mut r = records(50);
        r.sort_by(|x, y| x.id.cmp(&y.id));
        r
    });
    let rep = lake.last_open_report("workers").unwrap();
    assert_eq!(rep.wal_records_replayed, 1);
    assert_eq!(rep.wal_bytes_dropped, 0);
    // Drop of an index that is not open here but exists on disk.
    lake.drop_index("playbook_memory").unwrap();
    assert_eq!(lake.list(), vec!["workers"]);
    assert_eq!(code(lake.index("playbook_memory")), "NOT_FOUND");
    // Leftovers of an interrupted create and drop are cleaned at the next open.
    drop(lake);
    std::fs::create_dir(root.join(".tmp-create-x-1-1")).unwrap();
    std::fs::write(root.join(".tmp-create-x-1-1/LOCK"), b"").unwrap();
    std::fs::create_dir(root.join(".trash-y-1-1")).unwrap();
    let lake = Lakehouse::open(&root).unwrap();
    assert_eq!(lake.list(), vec!["workers"]);
    // Nothing but the index directories is left in the root.
    let left: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["workers"]);
}

#[test]
fn names_are_validated_before_touching_the_filesystem() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("lake");
    let lake = Lakehouse::open(&root).unwrap();
    std::fs::create_dir(tmp.path().join("outside")).unwrap();
    for bad in [
        "",
        ".",
        "..",
        "../outside",
        "a/b",
        "/tmp/x",
        "A",
        "Workers",
        "-x",
        "_x",
        "a\0b",
        "a b",
        "é",
        "a.b",
        "..\\x",
        "x/../../outside",
    ] {
        assert_eq!(
            code(lake.create_index(bad, config())),
            "INVALID_INPUT",
            "{bad:?}"
        );
        assert_eq!(code(lake.index(bad)), "INVALID_INPUT", "{bad:?}");
        assert_eq!(
            code(lake.open_or_create(bad, config())),
            "INVALID_INPUT",
            "{bad:?}"
        );
        assert_eq!(code(lake.drop_index(bad)), "INVALID_INPUT", "{bad:?}");
        assert_eq!(code(lake.snapshot(bad)), "INVALID_INPUT", "{bad:?}");
    }
    let long = "x".repeat(65);
    assert_eq!(code(lake.create_index(&long, config())), "INVALID_INPUT");
    lake.create_index(&"x".repeat(64), config()).unwrap();
    // Nothing was created for the refused names.
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_dir(tmp.path().join("outside"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn error_paths() {
    let tmp = tempfile::tempdir().unwrap();
    // Root that is a file.
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    assert_eq!(code(Lakehouse::open(&file)), "IO");
    assert_eq!(
        code(Lakehouse::open_read_only(tmp.path().join("missing"))),
        "IO"
    );

    let root = tmp.path().join("lake");
    let lake = Lakehouse::open_with(&root, quick()).unwrap();
    assert_eq!(
        code(lake.create_index("z", IndexConfig::new(0))),
        "INVALID_CONFIG"
    );
    assert!(lake.list().is_empty());
    assert_eq!(code(lake.index("nope")), "NOT_FOUND");
    assert_eq!(code(lake.snapshot("nope")), "NOT_FOUND");
    assert_eq!(code(lake.store_stats("nope")), "NOT_FOUND");
    let ix = lake.create_index("w", config()).unwrap();
    ix.upsert("a", &vector(1), json!({"k": 1})).unwrap();
    let before = lake.store_stats("w").unwrap().wal_bytes;
    // Bad writes are refused before they reach the log.
    assert_eq!(
        code(ix.upsert("b", &[1.0; 3], json!({}))),
        "DIMENSION_MISMATCH"
    );
    assert_eq!(code(ix.upsert("", &vector(1), json!({}))), "INVALID_INPUT");
    assert_eq!(
        code(ix.upsert("c", &[f32::NAN; DIM], json!({}))),
        "INVALID_INPUT"
    );
    assert_eq!(lake.store_stats("w").unwrap().wal_bytes, before);

    // Read-only catalog: every mutation is refused, reads work.
    let ro = Lakehouse::open_read_only(&root).unwrap();
    assert!(ro.is_read_only());
    assert_eq!(code(ro.create_index("v", config())), "READ_ONLY");
    assert_eq!(code(ro.drop_index("w")), "READ_ONLY");
    let rix = ro.index("w").unwrap();
    assert_eq!(rix.len(), 1);
    assert_eq!(code(ro.snapshot("w")), "READ_ONLY");
    assert_eq!(code(rix.upsert("b", &vector(2), json!({}))), "READ_ONLY");
    assert_eq!(code(rix.delete("a")), "READ_ONLY");
    assert_eq!(code(ro.index("nope")), "NOT_FOUND");

    // A second writer in the same process is locked out, also from dropping.
    let other = Lakehouse::open(&root).unwrap();
    assert_eq!(code(other.index("w")), "LOCKED");
    assert_eq!(code(other.drop_index("w")), "LOCKED");
    assert_eq!(code(other.open_or_create("w", config())), "LOCKED");
    drop((ix, lake));
    assert_eq!(other.index("w").unwrap().len(), 1);
}

#[test]
fn corrupt_manifest_snapshot_and_log_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("w");
    {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        let ix = lake.create_index("w", config()).unwrap();
        ix.upsert_batch(records(100)).unwrap();
        lake.snapshot("w").unwrap();
        ix.upsert("late", &vector(7), json!({})).unwrap();
    }
    let snap = files_with(&dir, "snap-").pop().unwrap();
    let original = std::fs::read(&snap).unwrap();
    flip_byte(&snap, original.len() / 3);
    for lake in [
        Lakehouse::open(tmp.path()).unwrap(),
        Lakehouse::open_read_only(tmp.path()).unwrap(),
    ] {
        let e = lake.index("w").err().unwrap();
        assert_eq!(e.code(), "CORRUPT");
        let name = snap.file_name().unwrap().to_string_lossy().into_owned();
        assert!(e.to_string().contains(&name), "{e}");
    }
    // Truncated snapshot: also corrupt, never a panic.
    std::fs::write(&snap, &original[..original.len() / 2]).unwrap();
    assert_eq!(
        code(Lakehouse::open(tmp.path()).unwrap().index("w")),
        "CORRUPT"
    );
    std::fs::write(&snap, &original).unwrap();
    // Files of an older generation and temp files (a crash before cleanup) are removed.
    for junk in [
        "snap-00000000000000000000.parquet",
        "wal-00000000000000000000.log",
        "x.tmp",
    ] {
        std::fs::write(dir.join(junk), b"junk").unwrap();
    }
    assert_eq!(
        Lakehouse::open(tmp.path())
            .unwrap()
            .index("w")
            .unwrap()
            .len(),
        101
    );

    assert!(!dir.join("x.tmp").exists());
    assert!(!dir.join("snap-00000000000000000000.parquet").exists());

    // Corrupt manifest.
    let manifest = dir.join("MANIFEST.json");
    let good = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &good[..good.len() / 2]).unwrap();
    let e = Lakehouse::open(tmp.path())
        .unwrap()
        .index("w")
        .err()
        .unwrap();
    assert_eq!(e.code(), "CORRUPT");
    assert!(e.to_string().contains("MANIFEST.json"), "{e}");
    std::fs::write(&manifest, &good).unwrap();

    // A damaged log segment that is not the last one is not a torn tail.
    let wal = files_with(&dir, "wal-").pop().unwrap();
    let name = wal.file_name().unwrap().to_string_lossy().into_owned();
    let gen: u64 = name[4..name.len() - 4].parse().unwrap();
    let next = dir.join(format!("wal-{:020}.log", gen + 1));
    std::fs::copy(&wal, &next).unwrap();
    assert_eq!(
        Lakehouse::open(tmp.path())
            .unwrap()
            .index("w")
            .unwrap()
            .len(),
        101
    );
    flip_byte(&wal, 12);
    let e = Lakehouse::open(tmp.path())
        .unwrap()
        .index("w")
        .err()
        .unwrap();
    assert_eq!(e.code(), "CORRUPT");
    assert!(e.to_string().contains(&name), "{e}");
    // A file that is not a log segment at all.
    std::fs::write(&next, b"garbage!garbage!").unwrap();
    std::fs::remove_file(&wal).unwrap();
    assert_eq!(
        code(Lakehouse::open(tmp.path()).unwrap().index("w")),
        "CORRUPT"
    );
}

fn graph_files(dir: &Path) -> Vec<PathBuf> {
    let g = files_with(dir, "graph-").pop().expect("no graph saved");
    files_with(&g, "")
}

#[test]
fn saved_graph_is_loaded_and_a_damaged_one_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("w");
    let recs = records(120);
    let query = vector(5);
    let expect;
    {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        // Cosine: the query's own record is the best hit, exact or approximate.
        let ix = lake.create_index("w", IndexConfig::new(DIM)).unwrap();
        ix.upsert_batch(recs.clone()).unwrap();
        ix.wait_idle();
        lake.snapshot("w").unwrap();
        expect = ix.search(&query, 5, &SearchOptions::default()).unwrap();
    }
    assert!(!graph_files(&dir).is_empty());
    let open = || {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        let ix = lake.index("w").unwrap();
        assert_eq!(ix.len(), 120);
        let hits = ix.search(&query, 5, &SearchOptions::default()).unwrap();
        assert_eq!(hits[0].id, expect[0].id);
        assert_eq!(hits[0].id, "w-5");
        lake.last_open_report("w").unwrap()
    };
    let rep = open();
    assert!(rep.graph_loaded, "{rep:?}");
    assert_eq!(rep.graph_rebuilt_reason, None);

    // Every graph file, flipped or truncated or missing: rebuilt, the process lives on.
    // (Truncation is what makes hnsw_rs's loader exit the process; it is done to every
    // file. Flips and removal alternate to keep the test short.)
    for (i, f) in graph_files(&dir).into_iter().enumerate() {
        let original = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for damage in [i % 2 * 2, 1] {
            match damage {
                0 => flip_byte(&f, original.len() / 2),
                1 => std::fs::write(&f, &original[..original.len() / 2]).unwrap(),
                _ => std::fs::remove_file(&f).unwrap(),
            }
            let rep = open();
            assert!(!rep.graph_loaded, "{rep:?}");
            let why = rep.graph_rebuilt_reason.unwrap();
            assert!(why.contains(&name), "{why}");
            std::fs::write(&f, &original).unwrap();
        }
    }
    std::fs::remove_dir_all(files_with(&dir, "graph-").pop().unwrap()).unwrap();
    let rep = open();
    assert!(
        !rep.graph_loaded && rep.graph_rebuilt_reason.is_some(),
        "{rep:?}"
    );
    // save_graph = false: nothing saved, rebuilt on open with a reason.
    {
        let lake = Lakehouse::open_with(
            tmp.path(),
            StoreOptions {
                save_graph: false,
                ..quick()
            },
        )
        .unwrap();
        lake.index("w").unwrap();
        lake.snapshot("w").unwrap();
    }
    assert!(files_with(&dir, "graph-").is_empty());
    let rep = open();
    assert!(
        !rep.graph_loaded && rep.graph_rebuilt_reason.is_some(),
        "{rep:?}"
    );
}

#[test]
fn a_graph_with_valid_checksums_but_foreign_content_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        for (name, offset) in [("a", 0), ("b", 10_000)] {
            let ix = lake.create_index(name, IndexConfig::new(DIM)).unwrap();
            let recs: Vec<Record> = (0..200)
                .map(|i| Record {
                    id: format!("w-{i}"),
                    vector: vector(i + offset),
                    metadata: json!({}),
                })
                .collect();
            ix.upsert_batch(recs).unwrap();
            ix.wait_idle();
            lake.snapshot(name).unwrap();
        }
    }
    // Give "a" the graph of "b" (same ids, other vectors) with matching checksums.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let ga = files_with(&a, "graph-").pop().unwrap();
    let gb = files_with(&b, "graph-").pop().unwrap();
    for f in files_with(&gb, "") {
        std::fs::copy(&f, ga.join(f.file_name().unwrap())).unwrap();
    }
    let read = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("MANIFEST.json")).unwrap()).unwrap()
    };
    let mut ma = read(&a);
    ma["graph"]["files"] = read(&b)["graph"]["files"].clone();
    std::fs::write(a.join("MANIFEST.json"), serde_json::to_vec(&ma).unwrap()).unwrap();

    let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
    let ix = lake.index("a").unwrap();
    let rep = lake.last_open_report("a").unwrap();
    assert!(!rep.graph_loaded, "{rep:?}");
    assert!(rep.graph_rebuilt_reason.is_some(), "{rep:?}");
    ix.wait_idle();
    let hits = ix.search(&vector(5), 1, &SearchOptions::default()).unwrap();
    assert_eq!(hits[0].id, "w-5");
}

#[test]
fn snapshot_is_plain_parquet() {
    use arrow_array::RecordBatchReader;
    use arrow_array::{Array, FixedSizeListArray, Float32Array, StringArray};
    use arrow_schema::DataType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let tmp = tempfile::tempdir().unwrap();
    let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
    let ix = lake.create_index("w", config()).unwrap();
    let recs = records(20_000);
    ix.upsert_batch(recs.clone()).unwrap();
    lake.snapshot("w").unwrap();
    let snap = files_with(&tmp.path().join("w"), "snap-").pop().unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&snap).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let schema = reader.schema();
    assert_eq!(
        schema.field_with_name("id").unwrap().data_type(),
        &DataType::Utf8
    );
    assert_eq!(
        schema.field_with_name("metadata").unwrap().data_type(),
        &DataType::Utf8
    );
    match schema
        .field_with_name("vector")
        .unwrap()
        .data_type()
        .clone()
    {
        DataType::FixedSizeList(item, n) => {
            assert_eq!((item.data_type(), n), (&DataType::Float32, DIM as i32))
        }
        other => panic!("vector column is {other}"),
    }
    let mut by_id = std::collections::HashMap::new();
    for b in reader {
        let b = b.unwrap();
        let ids = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        let vs = b
            .column(1)
            .as_any()
            .downcast_ref::<FixedSizeListArray>()
            .unwrap();
        let ms = b.column(2).as_any().downcast_ref::<StringArray>().unwrap();
        for i in 0..b.num_rows() {
            let v = vs.value(i);
            let v = v.as_any().downcast_ref::<Float32Array>().unwrap();
            let meta: serde_json::Value = serde_json::from_str(ms.value(i)).unwrap();
            by_id.insert(ids.value(i).to_owned(), (v.values().to_vec(), meta));
        }
    }
    assert_eq!(by_id.len(), recs.len());
    for r in &recs {
        assert_eq!(
            by_id[&r.id],
            (r.vector.clone(), r.metadata.clone()),
            "{}",
            r.id
        );
    }
}

#[test]
fn burst_of_writes_makes_a_bounded_number_of_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        snapshot_every: 1,
        ..quick()
    };
    let lake = Lakehouse::open_with(tmp.path(), opts.clone()).unwrap();
    // No graph: this test is about snapshots, and graph inserts are slow in debug builds.
    let mut cfg = config();
    cfg.small_index_threshold = 1_000_000;
    let ix = lake.create_index("w", cfg).unwrap();
    let t0 = std::time::Instant::now();
    // Held back: 10,000 requests must collapse into one pending snapshot.
    lake.pause_snapshots("w", true).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let ix = ix.clone();
            s.spawn(move || {
                for i in 0..2_500 {
                    ix.upsert(&format!("a{t}-{i}"), &vector(i), json!({"t": t}))
                        .unwrap();
                }
            });
        }
    });
    let st = lake.store_stats("w").unwrap();
    eprintln!("paused burst done: {st:?} {:?}", t0.elapsed());
    assert_eq!((st.snapshot_requests, st.snapshots_taken), (10_000, 0));
    lake.pause_snapshots("w", false).unwrap();
    lake.wait_idle("w").unwrap();
    let st = lake.store_stats("w").unwrap();
    eprintln!("one snapshot: {:?}", t0.elapsed());
    assert_eq!(st.snapshots_taken, 1, "{st:?}");

    // Free running: one in flight, one pending, whatever the write rate. Writes take
    // microseconds and a snapshot several fsyncs, so most requests coalesce.
    for i in 0..10_000 {
        ix.upsert(&format!("b{i}"), &vector(i), json!({})).unwrap();
    }
    lake.wait_idle("w").unwrap();
    let st = lake.store_stats("w").unwrap();
    eprintln!("free burst done: {st:?} {:?}", t0.elapsed());
    assert_eq!(st.snapshot_requests, 20_000);
    assert!(st.snapshots_taken < 500, "{st:?}");
    assert_eq!(st.snapshot_failures, 0, "{st:?}");
    // Old generations are gone; exactly one snapshot and one log segment remain.
    let dir = tmp.path().join("w");
    assert_eq!(files_with(&dir, "snap-").len(), 1);
    assert_eq!(files_with(&dir, "wal-").len(), 1);
    drop((ix, lake));
    let lake = Lakehouse::open_with(tmp.path(), opts).unwrap();
    assert_eq!(lake.index("w").unwrap().len(), 20_000);
}

#[test]
fn empty_and_small_indexes_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        lake.create_index("empty", config()).unwrap();
        lake.snapshot("empty").unwrap();
        let small = lake.create_index("small", config()).unwrap();
        small.upsert_batch(records(3)).unwrap();
        lake.snapshot("small").unwrap();
        small.delete("w-1").unwrap();
    }
    let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
    let empty = lake.index("empty").unwrap();
    assert!(empty.is_empty());
    let rep = lake.last_open_report("empty").unwrap();
    assert_eq!((rep.generation, rep.snapshot_records), (1, 0));
    assert_eq!(rep.graph_rebuilt_reason, None);
    let small = lake.index("small").unwrap();
    assert_eq!(small.len(), 2);
    assert!(!small.contains("w-1"));
    let rep = lake.last_open_report("small").unwrap();
    assert_eq!((rep.snapshot_records, rep.wal_records_replayed), (3, 1));
    // Search works on the reopened small index (exact path).
    let hits = small
        .search(&vector(0), 1, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].id, "w-0");
}

#[test]
fn read_only_open_alongside_a_working_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        snapshot_every: 50,
        ..quick()
    };
    let lake = Lakehouse::open_with(tmp.path(), opts).unwrap();
    // Exact path only: graph work in debug builds would dominate the test's time.
    let mut cfg = config();
    cfg.small_index_threshold = 1_000_000;
    let ix = lake.create_index("w", cfg).unwrap();
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for (i, r) in records(2_000).into_iter().enumerate() {
                ix.upsert(&r.id, &r.vector, r.metadata).unwrap();
                if i % 100 == 0 {
                    lake.flush().unwrap();
                }
            }
        });
        let mut last = 0;
        while !writer.is_finished() {
            let ro = Lakehouse::open_read_only(tmp.path()).unwrap();
            let n = ro.index("w").unwrap().len();
            assert!(n >= last, "{n} < {last}");
            last = n;
        }
    });
    lake.flush().unwrap();
    let ro = Lakehouse::open_read_only(tmp.path()).unwrap();
    assert_eq!(ro.index("w").unwrap().len(), 2_000);
}
