//! Store benchmark: cold open of a large index with its saved graph vs. a rebuild,
//! snapshot time, and write throughput under `Sync` vs `Buffered` durability.
//!
//! ```bash
//! nice -n 10 cargo run --release --example store_bench -- --n 100000 --dim 768
//! ```
//!
//! Prints a table on stdout and one JSON object on stderr. "Cold" means a fresh
//! `Lakehouse` in a fresh process state; the files may still be in the OS page cache.

use std::time::Instant;

use clap::Parser;
use lakehouse::index::{IndexConfig, Record};
use lakehouse::store::{Durability, Lakehouse, StoreOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// Records in the large index.
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Vector dimension.
    #[arg(long, default_value_t = 768)]
    dim: usize,
    /// Single-record writes measured under Sync.
    #[arg(long, default_value_t = 500)]
    sync_writes: usize,
    /// Single-record writes measured under Buffered.
    #[arg(long, default_value_t = 20_000)]
    buffered_writes: usize,
    /// Skip waiting for the background graph rebuild (its cost is about `build`).
    #[arg(long)]
    no_rebuild_wait: bool,
    /// Reuse the "big" index already in `--dir` (skips building it).
    #[arg(long)]
    reuse: bool,
    /// Work directory (default: a temp dir, removed afterwards).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

fn vector(rng: &mut ChaCha8Rng, dim: usize) -> Vec<f32> {
    (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

fn record(rng: &mut ChaCha8Rng, i: usize, dim: usize) -> Record {
    Record {
        id: format!("w-{i}"),
        vector: vector(rng, dim),
        metadata: json!({"city": "Chicago", "role": "welder", "i": i}),
    }
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn write_rate(lake: &Lakehouse, name: &str, dim: usize, n: usize) -> lakehouse::Result<f64> {
    let ix = lake.create_index(name, IndexConfig::new(dim))?;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let recs: Vec<Record> = (0..n).map(|i| record(&mut rng, i, dim)).collect();
    let t = Instant::now();
    for r in recs {
        ix.upsert(&r.id, &r.vector, r.metadata)?;
    }
    lake.flush()?;
    Ok(n as f64 / secs(t))
}

fn main() -> lakehouse::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir().map_err(|e| lakehouse::Error::io("tempdir", e))?;
    let root = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let quiet = StoreOptions {
        durability: Durability::Buffered { interval_ms: 200 },
        snapshot_every: 0,
        save_graph: true,
    };

    // 1. Build the large index and snapshot it (records + graph).
    let t = Instant::now();
    let (mut build_s, mut snapshot_s) = (f64::NAN, f64::NAN);
    if !args.reuse {
        let lake = Lakehouse::open_with(&root, quiet.clone())?;
        let ix = lake.create_index("big", IndexConfig::new(args.dim))?;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut i = 0;
        while i < args.n {
            let m = (args.n - i).min(10_000);
            ix.upsert_batch((i..i + m).map(|k| record(&mut rng, k, args.dim)).collect())?;
            i += m;
            eprintln!("  built {i}/{} ({:.0} s)", args.n, secs(t));
        }
        ix.wait_idle();
        build_s = secs(t);
        let t = Instant::now();
        lake.snapshot("big")?;
        snapshot_s = secs(t);
    }
    let dir = root.join("big");
    let size_of = |prefix: &str| -> u64 {
        walk(&dir)
            .into_iter()
            .filter(|(p, _)| p.contains(prefix))
            .map(|(_, s)| s)
            .sum()
    };
    let (snap_bytes, graph_bytes) = (size_of("snap-"), size_of("graph-"));

    // 2. Cold open with the saved graph.
    let t = Instant::now();
    let report_loaded = {
        let lake = Lakehouse::open_with(&root, quiet.clone())?;
        let ix = lake.index("big")?;
        assert_eq!(ix.len(), args.n);
        lake.last_open_report("big")
    };
    let open_loaded_s = secs(t);

    // 3. Writes while a snapshot of the big index runs: how long do writers stall?
    let (stall_max_ms, stall_writes) = {
        let lake = Lakehouse::open_with(&root, quiet.clone())?;
        let ix = lake.index("big")?;
        let done = std::sync::atomic::AtomicBool::new(false);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let recs: Vec<Record> = (0..2_000)
            .map(|i| record(&mut rng, args.n + i, args.dim))
            .collect();
        std::thread::scope(|s| {
            let w = s.spawn(|| {
                let (mut max, mut n) = (0f64, 0usize);
                for r in recs.iter().cycle() {
                    if done.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let t = Instant::now();
                    let _ = ix.upsert(&r.id, &r.vector, r.metadata.clone());
                    max = max.max(secs(t) * 1e3);
                    n += 1;
                }
                (max, n)
            });
            let _ = lake.snapshot("big");
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            w.join().unwrap_or((f64::NAN, 0))
        })
    };

    // 4. Cold open without it: the graph is rebuilt from the snapshot. (Last use of
    // "big": a background rebuild keeps the index, and its lock, until it finishes.)
    let graph_dir = std::fs::read_dir(root.join("big"))
        .map_err(|e| lakehouse::Error::io(&root, e))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("graph-"))
        });
    let aside = root.join("graph.aside");
    if let Some(g) = &graph_dir {
        std::fs::rename(g, &aside).map_err(|e| lakehouse::Error::io(g, e))?;
    }
    let t = Instant::now();
    let (report_rebuilt, open_exact_s) = {
        let lake = Lakehouse::open_with(&root, quiet.clone())?;
        let ix = lake.index("big")?;
        // Large graphs rebuild in the background; exact search answers meanwhile.
        let first_query = secs(t);
        if !args.no_rebuild_wait {
            ix.wait_idle();
        }
        (lake.last_open_report("big"), first_query)
    };
    let open_rebuild_s = secs(t);
    if let Some(g) = &graph_dir {
        std::fs::rename(&aside, g).map_err(|e| lakehouse::Error::io(g, e))?;
    }

    // 5. Write throughput.
    let sync = Lakehouse::open_with(
        root.join("tp"),
        StoreOptions {
            durability: Durability::Sync,
            ..quiet.clone()
        },
    )?;
    let sync_rate = write_rate(&sync, "sync", args.dim, args.sync_writes)?;
    let buffered = Lakehouse::open_with(
        root.join("tp"),
        StoreOptions {
            durability: Durability::Buffered { interval_ms: 100 },
            ..quiet
        },
    )?;
    let buffered_rate = write_rate(&buffered, "buffered", args.dim, args.buffered_writes)?;

    println!("store_bench: n = {}, dim = {}", args.n, args.dim);
    println!("  build (upsert_batch 10k)        {build_s:>9.2} s");
    println!(
        "  snapshot (parquet + graph)      {snapshot_s:>9.2} s   snapshot {:.0} MB, graph {:.0} MB",
        snap_bytes as f64 / 1e6,
        graph_bytes as f64 / 1e6
    );
    println!("  open with saved graph           {open_loaded_s:>9.2} s   {report_loaded:?}");
    println!("  open without graph (exact)      {open_exact_s:>9.2} s   {report_rebuilt:?}");
    println!("  open + graph rebuild            {open_rebuild_s:>9.2} s");
    println!(
        "  write stall during a snapshot   {stall_max_ms:>9.1} ms max over {stall_writes} writes"
    );
    println!("  writes, Sync (1 per fsync)      {sync_rate:>9.0} /s");
    println!("  writes, Buffered(100 ms)        {buffered_rate:>9.0} /s");
    eprintln!(
        "{}",
        json!({"n": args.n, "dim": args.dim, "build_s": build_s, "snapshot_s": snapshot_s,
               "snapshot_bytes": snap_bytes, "graph_bytes": graph_bytes,
               "open_with_graph_s": open_loaded_s, "open_rebuild_s": open_rebuild_s,
               "open_without_graph_first_query_s": open_exact_s, "write_stall_max_ms": stall_max_ms,
               "sync_writes_per_s": sync_rate, "buffered_writes_per_s": buffered_rate})
    );
    Ok(())
}

/// (path, size) of every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if let Ok(m) = e.metadata() {
            out.push((p.to_string_lossy().into_owned(), m.len()));
        }
    }
    out
}
