//! Recall against exact search, for both graph engines, on seeded clustered data
//! (a Gaussian mixture, 20k × 64): the flat engine must reach 0.95 at ef 64 and 0.99 at
//! ef 256, and never fall more than 0.005 below hnsw_rs at any ef.

use lakehouse::index::{EngineKind, IndexConfig, Record, SearchOptions, VectorIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde_json::json;

const N: usize = 20_000;
const DIM: usize = 64;
const CLUSTERS: usize = 64;
const QUERIES: usize = 200;
const K: usize = 10;
const EFS: [usize; 5] = [16, 32, 64, 128, 256];

/// Points around `CLUSTERS` random centres; queries are drawn the same way.
fn clustered(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let centres: Vec<Vec<f32>> = (0..CLUSTERS)
        .map(|_| (0..DIM).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0f32, 0.35).expect("valid normal");
    (0..n)
        .map(|_| {
            let c = &centres[rng.random_range(0..CLUSTERS)];
            c.iter().map(|x| x + noise.sample(&mut rng)).collect()
        })
        .collect()
}

fn exact_top(data: &[Vec<f32>], q: &[f32]) -> Vec<usize> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let qn = norm(q);
    let mut scored: Vec<(f32, usize)> = data
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let dot: f32 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            (dot / (norm(v) * qn), i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(K).map(|x| x.1).collect()
}

fn recall_by_ef(engine: EngineKind, data: &[Vec<f32>], queries: &[Vec<f32>], truth: &[Vec<usize>]) -> Vec<f64> {
    let cfg = IndexConfig {
        engine,
        m: 16,
        ef_construction: 200,
        ..IndexConfig::new(DIM)
    };
    let idx = VectorIndex::new("recall", cfg).expect("valid config");
    let records = data
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            id: i.to_string(),
            vector: v.clone(),
            metadata: json!({}),
        })
        .collect();
    idx.upsert_batch(records).expect("valid records");
    idx.wait_idle();
    if let Some(check) = idx.check_graph() {
        assert!(check.is_sound(0.999), "{engine:?}: {check:?}");
    }
    EFS.iter()
        .map(|&ef| {
            let opts = SearchOptions {
                ef: Some(ef),
                ..Default::default()
            };
            let found: usize = queries
                .iter()
                .zip(truth)
                .map(|(q, t)| {
                    let hits = idx.search(q, K, &opts).expect("valid query");
                    t.iter()
                        .filter(|i| hits.iter().any(|h| h.id == i.to_string()))
                        .count()
                })
                .sum();
            found as f64 / (QUERIES * K) as f64
        })
        .collect()
}

#[test]
fn flat_recall_against_exact_and_hnsw_rs() {
    let data = clustered(N, 1);
    let queries = clustered(QUERIES, 2);
    let truth: Vec<Vec<usize>> = queries.iter().map(|q| exact_top(&data, q)).collect();
    let flat = recall_by_ef(EngineKind::Flat, &data, &queries, &truth);
    let hnsw = recall_by_ef(EngineKind::HnswRs, &data, &queries, &truth);
    println!("ef:      {EFS:?}\nflat:    {flat:.4?}\nhnsw_rs: {hnsw:.4?}");
    assert!(flat[2] >= 0.95, "flat recall at ef 64: {}", flat[2]);
    assert!(flat[4] >= 0.99, "flat recall at ef 256: {}", flat[4]);
    for (i, ef) in EFS.iter().enumerate() {
        assert!(
            flat[i] >= hnsw[i] - 0.005,
            "ef {ef}: flat {} below hnsw_rs {}",
            flat[i],
            hnsw[i]
        );
    }
}
