//! Store benchmark: cold open of a large index with its saved graph vs. a rebuild,
//! snapshot time, write latency while snapshots run, and write throughput under `Sync`
//! vs `Buffered` durability.
//!
//! ```bash
//! nice -n 10 cargo run --release --example store_bench -- --n 100000 --dim 768
//! ```
//!
//! Prints a table on stdout and one JSON object on stderr. "Cold" means a fresh
//! `Lakehouse` in a fresh process state; the files may still be in the OS page cache.
//! Every phase says what runs in the background while it is measured (snapshot worker,
//! `Buffered` fsync timer, graph rebuild), read from the index and store counters.

use std::time::Instant;

use clap::Parser;
use hdrhistogram::Histogram;
use lakehouse::index::{IndexConfig, Record, VectorIndex};
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
    /// Single-record writes per durability setting in the throughput phase (the same
    /// number for each, into a fresh index each, so the graphs have the same size).
    #[arg(long, default_value_t = 3_000)]
    tp_writes: usize,
    /// Snapshots taken back to back while a writer measures its latency.
    #[arg(long, default_value_t = 3)]
    snapshots: usize,
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

/// Latency summary of single-record writes, in milliseconds.
#[derive(Clone, Copy, Default)]
struct Lat {
    n: u64,
    p50: f64,
    p99: f64,
    max: f64,
    per_s: f64,
}

impl Lat {
    fn of(h: &Histogram<u64>, wall_s: f64) -> Lat {
        let ms = |us: u64| us as f64 / 1e3;
        Lat {
            n: h.len(),
            p50: ms(h.value_at_quantile(0.5)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
            per_s: h.len() as f64 / wall_s.max(1e-9),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({"writes": self.n, "p50_ms": self.p50, "p99_ms": self.p99, "max_ms": self.max,
               "writes_per_s": self.per_s})
    }

    fn line(&self) -> String {
        format!(
            "{:>7.0} /s  p50 {:>6.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  ({} writes)",
            self.per_s, self.p50, self.p99, self.max, self.n
        )
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| {
        Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant digits is valid"))
    })
}

/// What runs in the background of an index right now, for the phase descriptions.
fn background(lake: &Lakehouse, name: &str, ix: &VectorIndex) -> String {
    let st = ix.stats();
    let store = lake.store_stats(name).ok();
    format!(
        "graph {:?} ({} rebuilds so far), snapshots taken {}",
        st.graph_state,
        st.rebuilds,
        store.map_or(0, |s| s.snapshots_taken)
    )
}

/// `n` single-record writes into a fresh index `name`.
fn write_rate(lake: &Lakehouse, name: &str, dim: usize, n: usize) -> lakehouse::Result<Lat> {
    let ix = lake.create_index(name, IndexConfig::new(dim))?;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let recs: Vec<Record> = (0..n).map(|i| record(&mut rng, i, dim)).collect();
    let mut h = histogram();
    let t = Instant::now();
    for r in recs {
        let w = Instant::now();
        ix.upsert(&r.id, &r.vector, r.metadata)?;
        let _ = h.record(w.elapsed().as_micros() as u64);
    }
    lake.flush()?;
    let lat = Lat::of(&h, secs(t));
    ix.wait_idle();
    Ok(lat)
}

fn main() -> lakehouse::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir().map_err(|e| lakehouse::Error::io("tempdir", e))?;
    let root = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let quiet = StoreOptions {
        durability: Durability::Buffered { interval_ms: 200 },
        snapshot_every: 0,
        save_graph: true,
        ..StoreOptions::default()
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
        eprintln!("  opened big: {} records", ix.len());
        lake.last_open_report("big")
    };
    let open_loaded_s = secs(t);

    // 3. Single writes under Sync durability, first with nothing in the background,
    // then while snapshots of the big index run back to back: how long do writers stall?
    let sync_opts = StoreOptions {
        durability: Durability::Sync,
        ..quiet.clone()
    };
    let (quiet_lat, snap_lat, bg_before, bg_after, snap_wall_s) = {
        let lake = Lakehouse::open_with(&root, sync_opts.clone())?;
        let ix = lake.index("big")?;
        ix.wait_idle();
        let bg_before = background(&lake, "big", &ix);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let recs: Vec<Record> = (0..2_000)
            .map(|i| record(&mut rng, args.n + i, args.dim))
            .collect();
        // Reference: the same writes with no snapshot running.
        let mut h = histogram();
        let t = Instant::now();
        for r in recs.iter().take(300) {
            let w = Instant::now();
            ix.upsert(&r.id, &r.vector, r.metadata.clone())?;
            let _ = h.record(w.elapsed().as_micros() as u64);
        }
        let quiet_lat = Lat::of(&h, secs(t));
        let done = std::sync::atomic::AtomicBool::new(false);
        let t = Instant::now();
        let (snap_lat, snap_wall_s) = std::thread::scope(|s| {
            let w = s.spawn(|| {
                let mut h = histogram();
                let t = Instant::now();
                for r in recs.iter().cycle() {
                    if done.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let w = Instant::now();
                    let _ = ix.upsert(&r.id, &r.vector, r.metadata.clone());
                    let _ = h.record(w.elapsed().as_micros() as u64);
                }
                Lat::of(&h, secs(t))
            });
            for _ in 0..args.snapshots {
                if let Err(e) = lake.snapshot("big") {
                    eprintln!("  snapshot failed: {e}");
                }
            }
            let wall = secs(t);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            (w.join().unwrap_or_default(), wall)
        });
        let bg_after = background(&lake, "big", &ix);
        (quiet_lat, snap_lat, bg_before, bg_after, snap_wall_s)
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

    // 5. Write throughput: the same number of single writes into a fresh index under
    // each setting. In the background: the Buffered fsync timer (Buffered only); the
    // graph is built inline below `background_rebuild_min` (4096) records and by a
    // background rebuild once, when the index crosses the small-index threshold.
    let tp = root.join("tp");
    let _ = std::fs::remove_dir_all(&tp);
    let sync = Lakehouse::open_with(&tp, sync_opts)?;
    let sync_lat = write_rate(&sync, "sync", args.dim, args.tp_writes)?;
    let buffered = Lakehouse::open_with(
        &tp,
        StoreOptions {
            durability: Durability::Buffered { interval_ms: 100 },
            ..quiet
        },
    )?;
    let buffered_lat = write_rate(&buffered, "buffered", args.dim, args.tp_writes)?;

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
    println!("  single writes, Sync, nothing in the background ({bg_before})");
    println!("      {}", quiet_lat.line());
    println!(
        "  single writes, Sync, while {} snapshots run ({snap_wall_s:.1} s; after: {bg_after})",
        args.snapshots
    );
    println!("      {}", snap_lat.line());
    println!(
        "  writes into a fresh index, {} each (background: graph build; Buffered: fsync timer)",
        args.tp_writes
    );
    println!("      Sync            {}", sync_lat.line());
    println!("      Buffered(100ms) {}", buffered_lat.line());
    eprintln!(
        "{}",
        json!({"n": args.n, "dim": args.dim, "build_s": build_s, "snapshot_s": snapshot_s,
               "snapshot_bytes": snap_bytes, "graph_bytes": graph_bytes,
               "open_with_graph_s": open_loaded_s, "open_rebuild_s": open_rebuild_s,
               "open_without_graph_first_query_s": open_exact_s,
               "sync_writes_quiet": quiet_lat.json(),
               "sync_writes_during_snapshots": snap_lat.json(), "snapshots": args.snapshots,
               "snapshots_wall_s": snap_wall_s,
               "tp_sync": sync_lat.json(), "tp_buffered_100ms": buffered_lat.json()})
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
