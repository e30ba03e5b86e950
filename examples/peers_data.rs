//! Generates the datasets of the peers benchmark (`benches/peers/run.sh` calls it):
//! base vectors, held-out queries, exact top-10 ground truth (brute force, rayon), and
//! the `bucket` metadata plus filtered ground truth for the filtered case. File layout:
//! `examples/peers/dataset.rs`. Deterministic by seed.
//!
//! ```text
//! cargo run --release --example peers_data -- --out benches/peers/data --dataset clustered --n 20000
//! ```

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "peers/dataset.rs"]
mod dataset;
#[path = "peers/workers.rs"]
mod workers;

use clap::Parser;
use dataset::{FilterSpec, Meta, K};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Generate a peers-benchmark dataset")]
struct Args {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// `clustered` (Gaussian mixture) or `workers` (corpus + hashing embedder).
    #[arg(long)]
    dataset: String,
    /// Base vectors.
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Held-out queries.
    #[arg(long, default_value_t = 1_000)]
    nq: usize,
    #[arg(long, default_value_t = 768)]
    dim: usize,
    /// Mixture centres (clustered only).
    #[arg(long, default_value_t = 1_000)]
    centres: usize,
    /// Within-cluster spread relative to the unit centre (clustered only); chosen so
    /// recall@10 moves across the ef sweep instead of saturating at the first ef.
    #[arg(long, default_value_t = 1.5)]
    spread: f32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Filters of the filtered case: bucket < 1 keeps ~1%, bucket < 10 keeps ~10%.
const FILTERS: [(&str, u8); 2] = [("f01", 1), ("f10", 10)];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let name = args.dataset.as_str();
    let t = Instant::now();
    let dataset::Vectors {
        base,
        queries,
        source,
    } = match name {
        "clustered" => {
            // One draw, split: queries come from the same mixture but are not in the base.
            let mut all = common::clustered_with_spread(
                args.n + args.nq,
                args.dim,
                args.centres,
                args.spread,
                args.seed,
            );
            let queries = all.split_off(args.n * args.dim);
            let source = format!(
                "Gaussian mixture, {} centres, spread {}, L2-normalised, seed {}",
                args.centres, args.spread, args.seed
            );
            dataset::Vectors {
                base: all,
                queries,
                source,
            }
        }
        "workers" => workers::embed(args.n, args.nq, args.dim, args.seed)?,
        other => return Err(format!("unknown dataset {other:?} (clustered|workers)").into()),
    };
    eprintln!(
        "[peers_data] {name}: vectors in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    let dim = args.dim;
    let t = Instant::now();
    let gt = dataset::ground_truth(&base, &queries, dim, K, None);
    eprintln!(
        "[peers_data] {name}: ground truth in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    // Metadata independent of the vectors, so a filter's matches are spread over all
    // clusters the way a real attribute (state, status) would be.
    let bucket: Vec<u8> = (0..args.n as u64)
        .map(|i| (xxhash_rust::xxh3::xxh3_64_with_seed(&i.to_le_bytes(), args.seed) % 100) as u8)
        .collect();
    let mut filters = Vec::new();
    for (fname, below) in FILTERS {
        let rows: Vec<u32> = (0..args.n as u32)
            .filter(|&i| bucket[i as usize] < below)
            .collect();
        let fgt = dataset::ground_truth(&base, &queries, dim, K, Some(&rows));
        dataset::write_u32(&args.out, name, &format!("gt_{fname}"), &fgt)?;
        filters.push(FilterSpec {
            name: fname.to_string(),
            bucket_below: below,
            selectivity: rows.len() as f64 / args.n as f64,
        });
    }

    dataset::write_f32(&args.out, name, "base", args.n, &base)?;
    dataset::write_f32(&args.out, name, "query", args.nq, &queries)?;
    dataset::write_u32(&args.out, name, "gt", &gt)?;
    dataset::write_u8(&args.out, name, "bucket", &bucket)?;
    let meta = Meta {
        name: name.to_string(),
        n: args.n,
        nq: args.nq,
        dim,
        k: K,
        seed: args.seed,
        source,
        filters,
    };
    dataset::write_meta(&args.out, &meta)?;
    println!("{}", serde_json::to_string(&meta)?);
    Ok(())
}
