//! Unit tests of the index as a whole (black-box behaviour lives in tests/index_*.rs).

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::json;

use super::*;

fn cfg(dim: usize) -> IndexConfig {
    IndexConfig {
        small_index_threshold: 8,
        ef_construction: 64,
        m: 8,
        ..IndexConfig::new(dim)
    }
}

fn vec_for(i: usize, dim: usize) -> Vec<f32> {
    // Distinct directions for distinct i (a cheap integer hash per component).
    (0..dim)
        .map(|j| {
            let h = ((i * 131 + j * 7919) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((h >> 40) % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

#[test]
fn small_then_graph_then_small() {
    let idx = VectorIndex::new("t", cfg(4)).unwrap();
    assert!(idx.is_empty());
    assert!(idx
        .search(&[1.0, 0.0, 0.0, 0.0], 3, &SearchOptions::default())
        .unwrap()
        .is_empty());
    for i in 0..20 {
        idx.upsert(&format!("r{i}"), &vec_for(i, 4), json!({"i": i}))
            .unwrap();
    }
    let s = idx.stats();
    assert_eq!(s.graph_state, GraphState::Ready);
    assert_eq!(s.graph_nodes, 20);
    let q = vec_for(3, 4);
    let hits = idx.search(&q, 1, &SearchOptions::default()).unwrap();
    assert_eq!(hits[0].id, "r3");
    assert!((hits[0].score - 1.0).abs() < 1e-5);
    for i in 0..15 {
        assert!(idx.delete(&format!("r{i}")).unwrap());
    }
    let s = idx.stats();
    assert_eq!(s.graph_state, GraphState::Exact);
    assert_eq!(s.live, 5);
    assert!(!idx.delete("r0").unwrap());
    let hits = idx.search(&q, 10, &SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 5);
}

#[test]
fn upsert_replaces_and_excludes() {
    let idx = VectorIndex::new("t", cfg(2)).unwrap();
    for i in 0..30 {
        idx.upsert(&format!("r{i}"), &[1.0, i as f32 / 30.0], json!({}))
            .unwrap();
    }
    idx.upsert("r5", &[0.0, 1.0], json!({"new": true})).unwrap();
    assert_eq!(idx.len(), 30);
    let r = idx.get("r5").unwrap();
    assert_eq!(r.vector, vec![0.0, 1.0]);
    assert_eq!(r.metadata, json!({"new": true}));
    let opts = SearchOptions {
        exclude_ids: vec!["r5".into(), "nope".into()],
        ..Default::default()
    };
    let hits = idx.search(&[0.0, 1.0], 30, &opts).unwrap();
    assert_eq!(hits.len(), 29);
    assert!(hits.iter().all(|h| h.id != "r5"));
    for w in hits.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn filters_selective_and_broad() {
    let c = IndexConfig {
        exact_filter_max: 10,
        ..cfg(4)
    };
    let idx = VectorIndex::new("t", c).unwrap();
    let recs: Vec<Record> = (0..200)
        .map(|i| Record {
            id: format!("r{i}"),
            vector: vec_for(i, 4),
            metadata: json!({"city": if i % 50 == 0 { "rare" } else { "common" }, "tags": [i % 3, "x"]}),
        })
        .collect();
    idx.upsert_batch(recs).unwrap();
    let q = vec_for(1, 4);
    let rare = SearchOptions {
        filter: Some(Filter::eq("city", "rare")),
        ..Default::default()
    };
    let hits = idx.search(&q, 10, &rare).unwrap();
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| h.metadata["city"] == "rare"));
    let broad = SearchOptions {
        filter: Some(Filter::eq("tags", 1)),
        ..Default::default()
    };
    let hits = idx.search(&q, 10, &broad).unwrap();
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|h| h.metadata["tags"][0] == 1));
    let none = SearchOptions {
        filter: Some(Filter::eq("city", "nowhere")),
        ..Default::default()
    };
    assert!(idx.search(&q, 10, &none).unwrap().is_empty());
    let not = SearchOptions {
        filter: Some(Filter::not(Filter::eq("city", "common"))),
        ..Default::default()
    };
    assert_eq!(idx.search(&q, 10, &not).unwrap().len(), 4);
}

#[test]
fn compaction_rebuilds_and_keeps_contents() {
    let idx = VectorIndex::new("t", cfg(4)).unwrap();
    for i in 0..100 {
        idx.upsert(&format!("r{i}"), &vec_for(i, 4), json!({}))
            .unwrap();
    }
    let before = idx.stats().rebuilds;
    for i in 0..40 {
        idx.delete(&format!("r{i}")).unwrap();
    }
    idx.wait_idle();
    let s = idx.stats();
    assert!(s.rebuilds > before);
    assert!(s.tombstones * 5 <= s.live + s.tombstones, "{s:?}");
    assert_eq!(s.live, 60);
    assert_eq!(s.graph_state, GraphState::Ready);
    let hits = idx
        .search(&vec_for(50, 4), 1, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].id, "r50");
}

#[test]
fn metrics_scores() {
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let idx = VectorIndex::new("t", IndexConfig { metric, ..cfg(2) }).unwrap();
        idx.upsert("a", &[3.0, 4.0], json!(null)).unwrap();
        idx.upsert("b", &[-1.0, 0.0], json!(null)).unwrap();
        let hits = idx
            .search(&[3.0, 4.0], 2, &SearchOptions::default())
            .unwrap();
        assert_eq!(hits[0].id, "a");
        let want = match metric {
            Metric::Cosine => 1.0,
            Metric::Dot => 25.0,
            Metric::L2 => 0.0,
        };
        assert!(
            (hits[0].score - want).abs() < 1e-5,
            "{metric:?} {}",
            hits[0].score
        );
    }
}

#[derive(Default)]
struct Log {
    ops: Mutex<Vec<String>>,
    fail: std::sync::atomic::AtomicBool,
}
impl WriteObserver for Log {
    fn before_apply(&self, op: &WriteOp<'_>) -> crate::Result<()> {
        if self.fail.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(crate::Error::Internal("log full".into()));
        }
        self.ops.lock().push(match op {
            WriteOp::Upsert(r) => format!("u{}", r.len()),
            WriteOp::Delete(d) => format!("d{}", d.len()),
        });
        Ok(())
    }
    fn after_apply(&self, live: usize, _t: usize) {
        self.ops.lock().push(format!("a{live}"));
    }
}

#[test]
fn observer_read_only_and_replay() {
    let idx = VectorIndex::new("t", cfg(2)).unwrap();
    let log = Arc::new(Log::default());
    idx.set_observer(Some(log.clone()));
    idx.upsert("a", &[1.0, 0.0], json!({})).unwrap();
    assert!(!idx.delete("zz").unwrap());
    idx.delete("a").unwrap();
    assert_eq!(*log.ops.lock(), vec!["u1", "a1", "d1", "a0"]);
    log.fail.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        idx.upsert("b", &[1.0, 0.0], json!({})).unwrap_err().code(),
        "INTERNAL"
    );
    assert!(idx.is_empty());
    idx.set_read_only(true);
    assert_eq!(
        idx.upsert("b", &[1.0, 0.0], json!({})).unwrap_err().code(),
        "READ_ONLY"
    );
    idx.apply_replayed(ReplayOp::Upsert(vec![Record {
        id: "c".into(),
        vector: vec![0.6, 0.8],
        metadata: json!(1),
    }]))
    .unwrap();
    assert_eq!(idx.get("c").unwrap().vector, vec![0.6, 0.8]);
    idx.apply_replayed(ReplayOp::Delete(vec!["c".into()]))
        .unwrap();
    assert!(idx.is_empty());
}

fn checkpointed(metric: Metric) -> (VectorIndex, tempfile::TempDir, Vec<Record>) {
    checkpointed_on(metric, EngineKind::Flat)
}

fn checkpointed_on(
    metric: Metric,
    engine: EngineKind,
) -> (VectorIndex, tempfile::TempDir, Vec<Record>) {
    let idx = VectorIndex::new(
        "t",
        IndexConfig {
            metric,
            engine,
            ..cfg(4)
        },
    )
    .unwrap();
    for i in 0..50 {
        idx.upsert(&format!("r{i}"), &vec_for(i, 4), json!({"i": i}))
            .unwrap();
    }
    idx.delete("r7").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (records, graph) = idx.checkpoint(dir.path()).unwrap();
    assert!(graph);
    assert_eq!(records.len(), 49);
    assert!(dir.path().join(persist::IDS_FILE).exists());
    (idx, dir, records)
}

#[test]
fn checkpoint_and_restore_loads_the_graph() {
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let (idx, dir, records) = checkpointed(metric);
        assert!(
            idx.checkpoint(dir.path()).is_err(),
            "non-empty dir must be refused"
        );
        let c = IndexConfig { metric, ..cfg(4) };
        let back = VectorIndex::restore("t", c.clone(), records.clone(), Some(dir.path())).unwrap();
        let s = back.stats();
        assert_eq!(
            (
                s.rebuilds,
                s.graph_state,
                s.graph_nodes,
                s.live,
                s.tombstones
            ),
            (0, GraphState::Ready, 50, 49, 1)
        );
        assert_eq!(back.records(), records);
        let hits = back
            .search(&vec_for(9, 4), 3, &SearchOptions::default())
            .unwrap();
        // Under raw dot product a longer vector can beat the query's own record.
        assert!(metric == Metric::Dot || hits[0].id == "r9", "{metric:?}");
        assert_eq!(
            hits,
            idx.search(&vec_for(9, 4), 3, &SearchOptions::default())
                .unwrap()
        );
        // The loaded graph keeps accepting inserts.
        back.upsert("new", &vec_for(777, 4), json!({})).unwrap();
        let top = back
            .search(&vec_for(777, 4), 1, &SearchOptions::default())
            .unwrap();
        assert!(metric == Metric::Dot || top[0].id == "new");
        assert_eq!(back.stats().graph_nodes, 51);
        // A loaded graph checkpoints and loads again.
        let dir2 = tempfile::tempdir().unwrap();
        let (records2, graph2) = back.checkpoint(dir2.path()).unwrap();
        assert!(graph2);
        let again =
            VectorIndex::restore("t", c.clone(), records2.clone(), Some(dir2.path())).unwrap();
        assert_eq!((again.stats().rebuilds, again.stats().graph_nodes), (0, 51));
        assert_eq!(again.records(), records2);
        // Without a graph directory: rebuilt from the records.
        let rebuilt = VectorIndex::restore("t", c, records.clone(), None).unwrap();
        assert_eq!(rebuilt.stats().rebuilds, 1);
        assert_eq!(rebuilt.records(), records);
    }
    let small = VectorIndex::new("s", cfg(4)).unwrap();
    small.upsert("x", &vec_for(1, 4), json!({})).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    assert!(!small.checkpoint(dir2.path()).unwrap().1);
}

#[test]
fn restore_never_trusts_a_mismatching_graph() {
    for engine in [EngineKind::Flat, EngineKind::HnswRs] {
        restore_never_trusts_a_mismatching_graph_on(engine);
    }
}

fn restore_never_trusts_a_mismatching_graph_on(engine: EngineKind) {
    let (_idx, dir, records) = checkpointed_on(Metric::Cosine, engine);
    let config = IndexConfig { engine, ..cfg(4) };
    // The engine's graph files, and the ids map.
    let files: Vec<std::path::PathBuf> = match engine {
        EngineKind::Flat => vec![dir.path().join("graph.flat")],
        EngineKind::HnswRs => vec![
            dir.path().join("graph.hnsw.data"),
            dir.path().join("graph.hnsw.graph"),
        ],
    };
    let ids = dir.path().join(persist::IDS_FILE);
    let restore_with = |config: &IndexConfig, recs: Vec<Record>| {
        let back = VectorIndex::restore("t", config.clone(), recs.clone(), Some(dir.path())).unwrap();
        back.wait_idle();
        assert_eq!(back.records(), recs);
        assert_eq!(back.stats().graph_state, GraphState::Ready);
        assert_eq!(
            back.search(&vec_for(9, 4), 1, &SearchOptions::default())
                .unwrap()[0]
                .id,
            "r9"
        );
        back.stats().rebuilds
    };
    let restore = |recs: Vec<Record>| restore_with(&config, recs);
    assert_eq!(restore(records.clone()), 0, "{engine:?}");
    // The other engine never loads this one's files.
    let other = match engine {
        EngineKind::Flat => EngineKind::HnswRs,
        EngineKind::HnswRs => EngineKind::Flat,
    };
    let other_cfg = IndexConfig { engine: other, ..cfg(4) };
    assert_eq!(restore_with(&other_cfg, records.clone()), 1, "{engine:?}");
    // Records that differ from the graph: one vector changed, one record missing.
    let mut changed = records.clone();
    changed[3].vector = vec_for(999, 4);
    let changed = VectorIndex::new("v", cfg(4))
        .and_then(|v| v.upsert_batch(changed).map(|_| v.records()))
        .unwrap();
    assert_eq!(restore(changed), 1, "{engine:?}");
    assert_eq!(restore(records[1..].to_vec()), 1, "{engine:?}");
    // Damaged files: truncated, garbage, half; then a bad id map.
    let keep = |p: &std::path::Path| std::fs::read(p).unwrap();
    for f in &files {
        let orig = keep(f);
        std::fs::write(f, &orig[..orig.len() - 7]).unwrap();
        assert_eq!(restore(records.clone()), 1, "{engine:?} {f:?}");
        std::fs::write(f, b"not a graph").unwrap();
        assert_eq!(restore(records.clone()), 1, "{engine:?} {f:?}");
        std::fs::write(f, &orig[..orig.len() / 2]).unwrap();
        assert_eq!(restore(records.clone()), 1, "{engine:?} {f:?}");
        std::fs::write(f, &orig).unwrap();
    }
    let i0 = keep(&ids);
    std::fs::write(&ids, br#"{"slots": 2, "ids": ["r0", null]}"#).unwrap();
    assert_eq!(restore(records.clone()), 1);
    std::fs::write(&ids, b"{").unwrap();
    assert_eq!(restore(records.clone()), 1);
    std::fs::write(&ids, &i0).unwrap();
    assert_eq!(restore(records), 0);
}

#[test]
fn background_rebuild_path() {
    let c = IndexConfig {
        background_rebuild_min: 50,
        ..cfg(4)
    };
    let idx = VectorIndex::new("t", c).unwrap();
    let recs: Vec<Record> = (0..120)
        .map(|i| Record {
            id: format!("r{i}"),
            vector: vec_for(i, 4),
            metadata: json!({}),
        })
        .collect();
    idx.upsert_batch(recs).unwrap();
    idx.wait_idle();
    for i in 0..60 {
        idx.delete(&format!("r{i}")).unwrap();
        idx.upsert(&format!("n{i}"), &vec_for(i + 500, 4), json!({}))
            .unwrap();
    }
    idx.wait_idle();
    let s = idx.stats();
    assert_eq!(s.live, 120);
    assert_eq!(s.graph_state, GraphState::Ready);
    assert!(s.graph_nodes >= 120);
    let hits = idx
        .search(&vec_for(510, 4), 1, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].id, "n10");
}

#[cfg(feature = "fault-injection")]
#[test]
fn injected_panics_are_recovered() {
    let idx = VectorIndex::new("t", cfg(4)).unwrap();
    idx.set_fault_rate(0.3, 7);
    for i in 0..100 {
        idx.upsert(&format!("r{i}"), &vec_for(i, 4), json!({}))
            .unwrap();
    }
    idx.set_fault_rate(0.0, 0);
    idx.upsert("last", &vec_for(1000, 4), json!({})).unwrap();
    idx.wait_idle();
    let s = idx.stats();
    assert!(s.recovered_panics > 0);
    assert_eq!(s.live, 101);
    assert_eq!(s.graph_state, GraphState::Ready);
    for i in [0, 42, 99] {
        let hits = idx
            .search(&vec_for(i, 4), 1, &SearchOptions::default())
            .unwrap();
        assert_eq!(hits[0].id, format!("r{i}"));
    }
}

#[test]
fn every_filter_strategy_gives_correct_results() {
    // exact_filter_max 1: 20 matches of 1000 (2%) go through hnsw_rs's filtered
    // traversal; 1 match: postings scan; a third: over-fetch; not(...): over-fetch, then
    // fallbacks.
    let idx = VectorIndex::new(
        "t",
        IndexConfig {
            exact_filter_max: 1,
            ..cfg(8)
        },
    )
    .unwrap();
    let recs: Vec<Record> = (0..1000)
        .map(|i| Record {
            id: format!("r{i}"),
            vector: vec_for(i, 8),
            metadata: json!({"rare": i % 50 == 0, "one": i == 500, "third": i % 3}),
        })
        .collect();
    idx.upsert_batch(recs).unwrap();
    idx.wait_idle();
    for f in [
        Filter::eq("rare", true),
        Filter::eq("one", true),
        Filter::eq("third", 1),
        Filter::not(Filter::eq("rare", false)),
        Filter::and(vec![Filter::eq("third", 1), Filter::eq("rare", true)]),
    ] {
        let want = (0..1000)
            .filter(|&i| f.matches(&idx.get(&format!("r{i}")).unwrap().metadata))
            .count();
        for q in 0..5 {
            let opts = SearchOptions {
                filter: Some(f.clone()),
                ..Default::default()
            };
            let hits = idx.search(&vec_for(q * 97, 8), 10, &opts).unwrap();
            assert_eq!(hits.len(), want.min(10), "{f:?}");
            assert!(hits.iter().all(|h| f.matches(&h.metadata)));
        }
    }
    assert_eq!(idx.stats().recovered_panics, 0);
}

#[test]
fn short_overfetch_is_settled_by_a_scan_of_the_postings() {
    // 100 of 1000 match (10%), so the search over-fetches ~150 unfiltered results; the
    // matches all point away from the query, so none come back and the answer must come
    // from the scan of the 100 postings (within 16 × exact_filter_max), exactly.
    let idx = VectorIndex::new(
        "t",
        IndexConfig {
            exact_filter_max: 10,
            ..cfg(8)
        },
    )
    .unwrap();
    let recs: Vec<Record> = (0..1000)
        .map(|i| {
            let mut v: Vec<f32> = vec_for(i, 8).iter().map(|x| x * 0.2).collect();
            let far = i % 10 == 0;
            v[0] = if far { -1.0 } else { 1.0 };
            Record {
                id: format!("r{i}"),
                vector: v,
                metadata: json!({"far": far}),
            }
        })
        .collect();
    idx.upsert_batch(recs).unwrap();
    idx.wait_idle();
    let f = Filter::eq("far", true);
    for q in 0..10 {
        let mut query: Vec<f32> = vec_for(q * 37 + 1, 8).iter().map(|x| x * 0.2).collect();
        query[0] = 1.0;
        let norm = query.iter().map(|x| x * x).sum::<f32>().sqrt();
        let mut want: Vec<(f32, String)> = (0..1000)
            .step_by(10)
            .map(|i| {
                let r = idx.get(&format!("r{i}")).unwrap();
                let s: f32 = r.vector.iter().zip(&query).map(|(a, b)| a * b / norm).sum();
                (s, r.id)
            })
            .collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0));
        let opts = SearchOptions {
            ef: Some(16),
            filter: Some(f.clone()),
            ..Default::default()
        };
        let got: Vec<String> = idx
            .search(&query, 10, &opts)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        let want: Vec<String> = want.into_iter().take(10).map(|(_, id)| id).collect();
        assert_eq!(got, want, "query {q}");
    }
}
