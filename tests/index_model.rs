//! Model-based property tests: random upsert/delete/search sequences against a
//! brute-force reference model.
//!
//! Exact mode (graph never built): results equal the model's. Graph mode: mean
//! recall@10 >= 0.95. Both: never a deleted or excluded id, never more than k, filter
//! respected, best first, contents equal to the model at the end.

use std::collections::BTreeMap;

use lakehouse::index::{EngineKind, Filter, IndexConfig, Metric, SearchOptions, VectorIndex};
use proptest::prelude::*;
use serde_json::{json, Value};

const DIM: usize = 8;
/// Every property runs the same operations on each engine.
const ENGINES: [EngineKind; 2] = [EngineKind::Flat, EngineKind::HnswRs];

#[derive(Debug, Clone)]
enum Op {
    Upsert {
        id: u16,
        seed: u64,
    },
    Delete {
        id: u16,
    },
    Search {
        seed: u64,
        k: usize,
        exclude: Vec<u16>,
        group: Option<u8>,
    },
}

fn op(ids: u16) -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..ids, any::<u64>()).prop_map(|(id, seed)| Op::Upsert { id, seed }),
        2 => (0..ids).prop_map(|id| Op::Delete { id }),
        2 => (any::<u64>(), 1usize..16, prop::collection::vec(0..ids, 0..4), prop::option::of(0u8..10))
            .prop_map(|(seed, k, exclude, group)| Op::Search { seed, k, exclude, group }),
    ]
}

fn metric() -> impl Strategy<Value = Metric> {
    prop_oneof![Just(Metric::Cosine), Just(Metric::Dot), Just(Metric::L2)]
}

/// Deterministic pseudo-random vector in [-1, 1)^DIM (splitmix64).
fn vector(seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..DIM)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn metadata(id: u16, seed: u64) -> Value {
    json!({"group": id % 5, "tags": [seed % 3, "t"], "seed": seed.to_string()})
}

/// The reference: id -> (vector as given, metadata).
#[derive(Default)]
struct Model {
    live: BTreeMap<String, (Vec<f32>, Value)>,
}

fn model_score(metric: Metric, q: &[f32], v: &[f32]) -> f64 {
    let dot = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum::<f64>()
    };
    match metric {
        Metric::Cosine => dot(q, v) / (dot(q, q).sqrt() * dot(v, v).sqrt()),
        Metric::Dot => dot(q, v),
        Metric::L2 => -q
            .iter()
            .zip(v)
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum::<f64>(),
    }
}

impl Model {
    fn search(
        &self,
        metric: Metric,
        q: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Vec<(String, f64)> {
        let mut all: Vec<(String, f64)> = self
            .live
            .iter()
            .filter(|(id, (_, m))| {
                !opts.exclude_ids.contains(id) && opts.filter.as_ref().is_none_or(|f| f.matches(m))
            })
            .map(|(id, (v, _))| (id.clone(), model_score(metric, q, v)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }
}

fn opts_for(exclude: &[u16], group: Option<u8>) -> SearchOptions {
    SearchOptions {
        exclude_ids: exclude.iter().map(|i| format!("id{i}")).collect(),
        // 0..5: one group (a fifth of the ids); 5..10: every group but one.
        filter: group.map(|g| {
            if g < 5 {
                Filter::eq("group", g)
            } else {
                Filter::not(Filter::eq("group", g - 5))
            }
        }),
        ef: None,
    }
}

/// Runs `ops` on index and model; returns recall@k of each search with at least one
/// expected hit. Checks every invariant along the way.
fn run(
    idx: &VectorIndex,
    metric: Metric,
    ops: &[Op],
    exact: bool,
) -> Result<Vec<f64>, TestCaseError> {
    let mut model = Model::default();
    let mut recalls = Vec::new();
    for op in ops {
        match op {
            Op::Upsert { id, seed } => {
                let (v, m) = (vector(*seed), metadata(*id, *seed));
                idx.upsert(&format!("id{id}"), &v, m.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                model.live.insert(format!("id{id}"), (v, m));
            }
            Op::Delete { id } => {
                let key = format!("id{id}");
                let got = idx
                    .delete(&key)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(got, model.live.remove(&key).is_some());
            }
            Op::Search {
                seed,
                k,
                exclude,
                group,
            } => {
                let q = vector(*seed);
                let opts = opts_for(exclude, *group);
                let hits = idx
                    .search(&q, *k, &opts)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let want = model.search(metric, &q, *k, &opts);
                prop_assert!(hits.len() <= *k);
                for h in &hits {
                    let (v, m) = model
                        .live
                        .get(&h.id)
                        .ok_or_else(|| TestCaseError::fail(format!("dead id {}", h.id)))?;
                    prop_assert!(!opts.exclude_ids.contains(&h.id), "excluded id {}", h.id);
                    prop_assert!(opts.filter.as_ref().is_none_or(|f| f.matches(m)));
                    prop_assert_eq!(&h.metadata, m);
                    let s = model_score(metric, &q, v);
                    prop_assert!(
                        (f64::from(h.score) - s).abs() <= 1e-4 * (1.0 + s.abs()),
                        "score {} vs {}",
                        h.score,
                        s
                    );
                }
                for w in hits.windows(2) {
                    prop_assert!(w[0].score >= w[1].score);
                }
                if exact {
                    prop_assert_eq!(hits.len(), want.len());
                    for (h, (id, s)) in hits.iter().zip(&want) {
                        // Equal ids, unless two records tie within float rounding.
                        prop_assert!(
                            h.id == *id || (f64::from(h.score) - s).abs() <= 1e-5,
                            "{} vs {}",
                            h.id,
                            id
                        );
                    }
                } else if !want.is_empty() {
                    // Fewer than k only when fewer match.
                    prop_assert_eq!(hits.len(), want.len());
                    let found = want
                        .iter()
                        .filter(|(id, _)| hits.iter().any(|h| &h.id == id))
                        .count();
                    recalls.push(found as f64 / want.len() as f64);
                }
            }
        }
    }
    let mut got: Vec<(String, Value)> = idx
        .records()
        .into_iter()
        .map(|r| (r.id, r.metadata))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let want: Vec<(String, Value)> = model
        .live
        .iter()
        .map(|(id, (_, m))| (id.clone(), m.clone()))
        .collect();
    prop_assert_eq!(got, want);
    prop_assert_eq!(idx.len(), model.live.len());
    Ok(recalls)
}

/// After a run: the flat graph's structure is sound (hnsw_rs cannot be inspected).
fn assert_graph_sound(idx: &VectorIndex) -> Result<(), TestCaseError> {
    idx.wait_idle();
    if let Some(check) = idx.check_graph() {
        prop_assert!(check.is_sound(0.999), "{:?}", check);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn exact_mode_equals_model(metric in metric(), ops in prop::collection::vec(op(40), 1..150)) {
        for engine in ENGINES {
            let cfg = IndexConfig { metric, engine, small_index_threshold: usize::MAX, ..IndexConfig::new(DIM) };
            let idx = VectorIndex::new("model", cfg).unwrap();
            run(&idx, metric, &ops, true)?;
            prop_assert_eq!(idx.stats().graph_nodes, 0);
        }
    }

    #[test]
    fn small_threshold_transitions_equal_model(metric in metric(), ops in prop::collection::vec(op(24), 1..200)) {
        // Threshold 8 with 24 ids: the index crosses 0 -> small -> graph -> small often.
        // With at most 24 live records the graph search is exact enough to compare fully.
        for engine in ENGINES {
            let cfg = IndexConfig { metric, engine, small_index_threshold: 8, ef_search: 64, ..IndexConfig::new(DIM) };
            let idx = VectorIndex::new("model", cfg).unwrap();
            run(&idx, metric, &ops, true)?;
            assert_graph_sound(&idx)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn graph_mode_recall(metric in metric(), ops in prop::collection::vec(op(400), 300..600)) {
        for engine in ENGINES {
            let cfg = IndexConfig {
                metric,
                engine,
                small_index_threshold: 16,
                exact_filter_max: 8,
                m: 12,
                ef_construction: 100,
                ..IndexConfig::new(DIM)
            };
            let idx = VectorIndex::new("model", cfg).unwrap();
            let recalls = run(&idx, metric, &ops, false)?;
            assert_graph_sound(&idx)?;
            if !recalls.is_empty() {
                let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
                prop_assert!(mean >= 0.95, "{:?}: mean recall {} over {} searches", engine, mean, recalls.len());
            }
        }
    }
}
