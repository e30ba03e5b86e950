//! Bad input gets the documented error code and changes nothing (SPEC §2.1, §6).

use lakehouse::index::{
    EngineKind, Filter, IndexConfig, Metric, Record, SearchOptions, VectorIndex,
};
use serde_json::json;

const DIM: usize = 4;

fn rec(id: &str, v: Vec<f32>) -> Record {
    Record {
        id: id.into(),
        vector: v,
        metadata: json!({"k": "v"}),
    }
}

fn unit(i: usize) -> Vec<f32> {
    let mut v = vec![0.1; DIM];
    v[i % DIM] = 1.0 + i as f32;
    v
}

/// (live ids with vectors, live, tombstones) — what must not change.
fn fingerprint(idx: &VectorIndex) -> (Vec<Record>, usize, usize) {
    let s = idx.stats();
    (idx.records(), s.live, s.tombstones)
}

fn index_with(n: usize, metric: Metric) -> VectorIndex {
    index_on(n, metric, EngineKind::default())
}

fn index_on(n: usize, metric: Metric, engine: EngineKind) -> VectorIndex {
    let cfg = IndexConfig {
        metric,
        engine,
        small_index_threshold: 8,
        ..IndexConfig::new(DIM)
    };
    let idx = VectorIndex::new("errors", cfg).unwrap();
    for i in 0..n {
        idx.upsert(&format!("r{i}"), &unit(i), json!({"i": i}))
            .unwrap();
    }
    idx
}

type Case = (
    &'static str,
    &'static str,
    Box<dyn Fn(&VectorIndex) -> lakehouse::Result<()>>,
);

fn cases() -> Vec<Case> {
    let long_id = "x".repeat(257);
    let q = unit(1);
    let q2 = q.clone();
    let q3 = q.clone();
    let q4 = q.clone();
    let q5 = q.clone();
    vec![
        (
            "upsert wrong dim",
            "DIMENSION_MISMATCH",
            Box::new(|i| i.upsert("a", &[1.0; 3], json!({}))),
        ),
        (
            "upsert NaN",
            "INVALID_INPUT",
            Box::new(|i| i.upsert("a", &[1.0, f32::NAN, 0.0, 0.0], json!({}))),
        ),
        (
            "upsert +inf",
            "INVALID_INPUT",
            Box::new(|i| i.upsert("a", &[f32::INFINITY, 0.0, 0.0, 0.0], json!({}))),
        ),
        (
            "upsert huge norm",
            "INVALID_INPUT",
            Box::new(|i| i.upsert("a", &[1e30, 0.0, 0.0, 0.0], json!({}))),
        ),
        (
            "upsert empty id",
            "INVALID_INPUT",
            Box::new(|i| i.upsert("", &unit(0), json!({}))),
        ),
        (
            "upsert 257-byte id",
            "INVALID_INPUT",
            Box::new(move |i| i.upsert(&long_id, &unit(0), json!({}))),
        ),
        (
            "batch with one bad record",
            "DIMENSION_MISMATCH",
            Box::new(|i| {
                i.upsert_batch(vec![
                    rec("new1", unit(0)),
                    rec("r0", unit(1)),
                    rec("new2", vec![1.0]),
                ])
            }),
        ),
        (
            "batch with one NaN",
            "INVALID_INPUT",
            Box::new(|i| {
                i.upsert_batch(vec![rec("new1", unit(0)), rec("new2", vec![f32::NAN; DIM])])
            }),
        ),
        (
            "delete empty id",
            "INVALID_INPUT",
            Box::new(|i| i.delete("").map(|_| ())),
        ),
        (
            "delete_batch with an empty id",
            "INVALID_INPUT",
            Box::new(|i| i.delete_batch(&["r0".into(), String::new()]).map(|_| ())),
        ),
        (
            "search k = 0",
            "INVALID_INPUT",
            Box::new(move |i| i.search(&q, 0, &SearchOptions::default()).map(|_| ())),
        ),
        (
            "search wrong dim",
            "DIMENSION_MISMATCH",
            Box::new(|i| {
                i.search(&[1.0; 5], 3, &SearchOptions::default())
                    .map(|_| ())
            }),
        ),
        (
            "search NaN query",
            "INVALID_INPUT",
            Box::new(|i| {
                i.search(&[f32::NAN; DIM], 3, &SearchOptions::default())
                    .map(|_| ())
            }),
        ),
        (
            "search ef = 0",
            "INVALID_INPUT",
            Box::new(move |i| {
                i.search(
                    &q2,
                    3,
                    &SearchOptions {
                        ef: Some(0),
                        ..Default::default()
                    },
                )
                .map(|_| ())
            }),
        ),
        (
            "filter with array value",
            "INVALID_INPUT",
            Box::new(move |i| {
                let opts = SearchOptions {
                    filter: Some(Filter::eq("k", json!(["v"]))),
                    ..Default::default()
                };
                i.search(&q3, 3, &opts).map(|_| ())
            }),
        ),
        (
            "filter with empty field",
            "INVALID_INPUT",
            Box::new(move |i| {
                let opts = SearchOptions {
                    filter: Some(Filter::is_in("", vec![json!(1)])),
                    ..Default::default()
                };
                i.search(&q4, 3, &opts).map(|_| ())
            }),
        ),
        (
            "filter with object inside not/and",
            "INVALID_INPUT",
            Box::new(move |i| {
                let f = Filter::not(Filter::and(vec![Filter::eq("k", json!({"a": 1}))]));
                i.search(
                    &q5,
                    3,
                    &SearchOptions {
                        filter: Some(f),
                        ..Default::default()
                    },
                )
                .map(|_| ())
            }),
        ),
    ]
}

#[test]
fn bad_input_table_every_state_and_metric() {
    for (metric, engine) in [Metric::Cosine, Metric::Dot, Metric::L2]
        .into_iter()
        .flat_map(|m| [EngineKind::Flat, EngineKind::HnswRs].map(|e| (m, e)))
    {
        // 0: empty, 3: exact small-index path, 40: graph path.
        for n in [0, 3, 40] {
            let idx = index_on(n, metric, engine);
            let before = fingerprint(&idx);
            for (name, code, case) in cases() {
                let err = case(&idx).expect_err(name);
                assert_eq!(
                    err.code(),
                    code,
                    "{name} ({metric:?}, {engine:?}, n={n}): {err}"
                );
                assert_eq!(fingerprint(&idx), before, "{name} changed the index");
            }
        }
    }
}

#[test]
fn zero_vector_only_invalid_under_cosine() {
    let idx = index_with(3, Metric::Cosine);
    let before = fingerprint(&idx);
    let e = idx.upsert("z", &[0.0; DIM], json!({})).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let e = idx
        .search(&[0.0; DIM], 1, &SearchOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    assert_eq!(fingerprint(&idx), before);
    for metric in [Metric::Dot, Metric::L2] {
        let idx = index_with(3, metric);
        idx.upsert("z", &[0.0; DIM], json!({})).unwrap();
        assert_eq!(
            idx.search(&[0.0; DIM], 1, &SearchOptions::default())
                .unwrap()
                .len(),
            1
        );
    }
}

#[test]
fn messages_name_the_values() {
    let idx = index_with(0, Metric::Cosine);
    let e = idx.upsert("w-17", &[1.0; 3], json!({})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "vector for id 'w-17' has 3 values, index 'errors' expects 4"
    );
}

#[test]
fn bad_names_and_configs() {
    for name in ["", "../x", "A", "a/b", &"x".repeat(65)] {
        assert_eq!(
            VectorIndex::new(name, IndexConfig::new(4))
                .unwrap_err()
                .code(),
            "INVALID_INPUT",
            "{name}"
        );
    }
    let bad = [
        IndexConfig::new(0),
        IndexConfig::new(65_537),
        IndexConfig {
            m: 257,
            ..IndexConfig::new(4)
        },
        IndexConfig {
            m: 1,
            ..IndexConfig::new(4)
        },
        IndexConfig {
            ef_search: 0,
            ..IndexConfig::new(4)
        },
        IndexConfig {
            ef_construction: 0,
            ..IndexConfig::new(4)
        },
        IndexConfig {
            tombstone_ratio: 0.0,
            ..IndexConfig::new(4)
        },
    ];
    for c in bad {
        assert_eq!(
            VectorIndex::new("ok", c.clone()).unwrap_err().code(),
            "INVALID_CONFIG",
            "{c:?}"
        );
    }
}

#[test]
fn valid_edge_inputs_are_accepted() {
    let idx = index_with(0, Metric::Cosine);
    let id256 = "é".repeat(128);
    assert_eq!(id256.len(), 256);
    idx.upsert(&id256, &unit(0), json!(null)).unwrap();
    assert!(idx.contains(&id256));
    assert!(!idx.delete("never-there").unwrap());
    assert_eq!(idx.delete_batch(&[]).unwrap(), 0);
    idx.upsert_batch(vec![]).unwrap();
    let hits = idx
        .search(
            &unit(0),
            1000,
            &SearchOptions {
                ef: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(hits.len(), 1);
}

#[test]
fn huge_k_and_ef_are_bounded_not_fatal() {
    let idx = index_with(40, Metric::Cosine);
    idx.delete("r3").unwrap();
    for (k, ef) in [
        (usize::MAX, Some(usize::MAX)),
        (5, Some(usize::MAX)),
        (5, Some(1 << 40)),
        (39, None),
        (37, Some(1)),
    ] {
        let opts = SearchOptions {
            ef,
            exclude_ids: vec!["r1".into()],
            ..Default::default()
        };
        let hits = idx.search(&unit(2), k, &opts).unwrap();
        assert_eq!(hits.len(), k.min(38), "k={k} ef={ef:?}");
        assert!(hits.iter().all(|h| h.id != "r1" && h.id != "r3"));
    }
    assert_eq!(idx.stats().recovered_panics, 0);
}
