//! Quick benchmark of `lakehouse::index` on clustered data: build time, single-thread
//! QPS and recall@10 per ef, filtered searches, RSS. (The head-to-head against raw
//! hnsw_rs lives in `benches/peers`.)
//!
//! Run: `cargo bench --bench index` (100k x 768). Smaller: `INDEX_BENCH_N=20000
//! INDEX_BENCH_DIM=128 cargo bench --bench index`.

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use lakehouse::index::{Filter, IndexConfig, Record, SearchOptions, VectorIndex};
use serde_json::json;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("INDEX_BENCH_N", 100_000);
    let dim = env("INDEX_BENCH_DIM", 768);
    let nq = env("INDEX_BENCH_QUERIES", 1000);
    let k = 10;
    let t = Instant::now();
    let base = common::clustered(n, dim, 100, 1);
    let queries = common::clustered(nq, dim, 100, 2);
    let truth = common::ground_truth(&base, &queries, dim, k);
    println!(
        "data: {n} x {dim}, {nq} queries, ground truth in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    let idx = VectorIndex::new("bench", IndexConfig::new(dim)).expect("config");
    let records: Vec<Record> = base
        .chunks(dim)
        .enumerate()
        .map(|(i, v)| Record {
            id: i.to_string(),
            vector: v.to_vec(),
            metadata: json!({"city": format!("c{}", i % 1000), "shift": i % 3}),
        })
        .collect();
    let t = Instant::now();
    idx.upsert_batch(records).expect("upsert");
    idx.wait_idle();
    let build = t.elapsed().as_secs_f64();
    let s = idx.stats();
    println!(
        "build: {build:.1}s ({:?}, {} nodes), rss {:?}",
        s.graph_state,
        s.graph_nodes,
        common::rss_bytes()
    );

    println!("| ef | QPS (1 thread) | recall@10 |");
    println!("|---:|---:|---:|");
    for ef in [16, 32, 64, 128] {
        let opts = SearchOptions {
            ef: Some(ef),
            ..Default::default()
        };
        let t = Instant::now();
        let found: Vec<Vec<u32>> = queries
            .chunks(dim)
            .map(|q| {
                idx.search(q, k, &opts)
                    .expect("search")
                    .iter()
                    .map(|h| h.id.parse().expect("numeric id"))
                    .collect()
            })
            .collect();
        let qps = nq as f64 / t.elapsed().as_secs_f64();
        println!(
            "| {ef} | {qps:.0} | {:.4} |",
            common::recall_at_k(&found, &truth, k)
        );
    }
    for (name, filter) in [
        ("selective (1 city of 1000)", Filter::eq("city", "c7")),
        ("broad (1 shift of 3)", Filter::eq("shift", 1)),
    ] {
        let opts = SearchOptions {
            filter: Some(filter),
            exclude_ids: vec!["0".into()],
            ef: None,
            ..Default::default()
        };
        let t = Instant::now();
        for q in queries.chunks(dim) {
            let hits = idx.search(q, k, &opts).expect("search");
            assert!(hits.len() == k || name.starts_with("selective"));
        }
        println!(
            "filtered {name}: {:.0} QPS",
            nq as f64 / t.elapsed().as_secs_f64()
        );
    }
    println!("final rss {:?}", common::rss_bytes());
    if std::env::var("INDEX_BENCH_RAW").is_ok() {
        raw(&base, &queries, &truth, dim, k);
    }
}

/// The same searches on raw hnsw_rs (DistDot, same m / ef_construction), for a quick
/// overhead ratio; the full comparison is `benches/peers`.
fn raw(base: &[f32], queries: &[f32], truth: &[Vec<u32>], dim: usize, k: usize) {
    use hnsw_rs::prelude::{DistDot, Hnsw};
    let n = base.len() / dim;
    let t = Instant::now();
    let h: Hnsw<f32, DistDot> = Hnsw::new(16, n, 16, 200, DistDot);
    let data: Vec<(&[f32], usize)> = base.chunks(dim).enumerate().map(|(i, v)| (v, i)).collect();
    h.parallel_insert_slice(&data);
    println!("raw hnsw_rs build: {:.1}s", t.elapsed().as_secs_f64());
    let nq = queries.len() / dim;
    for ef in [16, 32, 64, 128] {
        let t = Instant::now();
        let found: Vec<Vec<u32>> = queries
            .chunks(dim)
            .map(|q| h.search(q, k, ef).iter().map(|n| n.d_id as u32).collect())
            .collect();
        let qps = nq as f64 / t.elapsed().as_secs_f64();
        println!(
            "| raw ef {ef} | {qps:.0} | {:.4} |",
            common::recall_at_k(&found, truth, k)
        );
    }
}
