//! Rust side of the peers benchmark (`benches/peers/run.sh` calls it): builds
//! `lakehouse::index` or raw hnsw_rs over a dataset written by `peers_data`, then
//! measures recall@10 and single-thread QPS across an ef sweep, and optionally the
//! filtered case. One library per process, so resident-memory growth is that library's.
//! Writes the JSON result that `benches/peers/report.py` merges with the Python side.
//!
//! Raw hnsw_rs uses the index's own inner-product kernel (`1 - lakehouse::index::dot`,
//! AVX2/SSE4.1 chosen at run time): hnsw_rs's own `DistDot` without its optional SIMD
//! feature is a serial scalar loop, and the point of this row is the wrapper's overhead,
//! not kernels.
//!
//! ```text
//! cargo run --release --example peers_bench -- --data benches/peers/data/quick \
//!     --dataset clustered --lib lakehouse --out /tmp/lakehouse.json --filtered
//! ```

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "peers/dataset.rs"]
mod dataset;

use clap::Parser;
use dataset::{Meta, K};
use hnsw_rs::prelude::{Distance, FilterT, Hnsw};
use lakehouse::index::{
    dot, EngineKind, Filter, IndexConfig, Record, SearchOptions, VectorIndex,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// hnsw_rs's max_nb_connection (M) and ef_construction: the same for every library.
const M: usize = 16;
const EF_CONSTRUCTION: usize = 200;
/// hnsw_rs's layer cap.
const MAX_LAYERS: usize = 16;
/// Records per `upsert_batch` call: a realistic ingest chunk, not one giant call.
const UPSERT_CHUNK: usize = 10_000;

#[derive(Parser, Debug)]
#[command(about = "Benchmark lakehouse::index or raw hnsw_rs on a peers dataset")]
struct Args {
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    dataset: String,
    /// `lakehouse` (the default `flat` engine), `lakehouse_hnsw_rs` (the index on its
    /// hnsw_rs engine) or `hnsw_rs` (the raw crate).
    #[arg(long)]
    lib: String,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "10,16,32,64,128,256")]
    efs: Vec<usize>,
    #[arg(long, default_value_t = 2)]
    build_threads: usize,
    /// Also run the filtered case (bucket filters keeping ~1% and ~10%).
    #[arg(long)]
    filtered: bool,
    #[arg(long, default_value_t = 200)]
    filtered_nq: usize,
    #[arg(long, value_delimiter = ',', default_value = "16,64,256")]
    filtered_efs: Vec<usize>,
}

/// `1 - dot` for unit vectors, clamped like the index's graph distance.
#[derive(Default, Clone, Copy)]
struct UnitDot;
impl Distance<f32> for UnitDot {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let d = 1.0 - dot(a, b);
        if d.is_nan() {
            f32::MAX
        } else {
            d.max(0.0)
        }
    }
}

/// What the measurements need from either library.
trait Bench {
    /// Top-k base rows for `q`, best first.
    fn search(&self, q: &[f32], ef: usize) -> BoxResult<Vec<u32>>;
    /// Top-k among rows with `bucket < below`.
    fn search_filtered(&self, q: &[f32], ef: usize, below: u8) -> BoxResult<Vec<u32>>;
    fn notes(&self) -> Value;
}

struct Lakehouse {
    index: VectorIndex,
}

impl Lakehouse {
    fn build(base: &[f32], dim: usize, bucket: &[u8], engine: EngineKind) -> BoxResult<Self> {
        let config = IndexConfig {
            engine,
            m: M,
            ef_construction: EF_CONSTRUCTION,
            ..IndexConfig::new(dim)
        };
        let index = VectorIndex::new("peers", config)?;
        for (c, chunk) in base.chunks(dim * UPSERT_CHUNK).enumerate() {
            let records = chunk
                .chunks(dim)
                .enumerate()
                .map(|(j, v)| {
                    let row = c * UPSERT_CHUNK + j;
                    Record {
                        id: row.to_string(),
                        vector: v.to_vec(),
                        metadata: json!({ "bucket": bucket.get(row).copied().unwrap_or(0) }),
                    }
                })
                .collect();
            index.upsert_batch(records)?;
        }
        index.wait_idle();
        Ok(Lakehouse { index })
    }

    fn run(&self, q: &[f32], opts: &SearchOptions) -> BoxResult<Vec<u32>> {
        let hits = self.index.search(q, K, opts)?;
        Ok(hits.iter().filter_map(|h| h.id.parse().ok()).collect())
    }
}

impl Bench for Lakehouse {
    fn search(&self, q: &[f32], ef: usize) -> BoxResult<Vec<u32>> {
        let opts = SearchOptions {
            ef: Some(ef),
            ..Default::default()
        };
        self.run(q, &opts)
    }

    fn search_filtered(&self, q: &[f32], ef: usize, below: u8) -> BoxResult<Vec<u32>> {
        let filter = if below == 1 {
            Filter::eq("bucket", 0)
        } else {
            Filter::is_in("bucket", (0..below).map(|b| json!(b)).collect())
        };
        let opts = SearchOptions {
            ef: Some(ef),
            filter: Some(filter),
            ..Default::default()
        };
        self.run(q, &opts)
    }

    fn notes(&self) -> Value {
        serde_json::to_value(self.index.stats()).unwrap_or(Value::Null)
    }
}

struct RawHnsw {
    hnsw: Hnsw<'static, f32, UnitDot>,
    bucket: Vec<u8>,
}

impl RawHnsw {
    fn build(base: &[f32], dim: usize, bucket: &[u8]) -> Self {
        let n = base.len() / dim;
        let hnsw = Hnsw::new(M, n, MAX_LAYERS, EF_CONSTRUCTION, UnitDot);
        let items: Vec<(&[f32], usize)> = base.chunks(dim).zip(0..).collect();
        hnsw.parallel_insert_slice(&items);
        RawHnsw {
            hnsw,
            bucket: bucket.to_vec(),
        }
    }
}

impl Bench for RawHnsw {
    fn search(&self, q: &[f32], ef: usize) -> BoxResult<Vec<u32>> {
        Ok(self
            .hnsw
            .search(q, K, ef.max(K))
            .iter()
            .map(|n| n.d_id as u32)
            .collect())
    }

    fn search_filtered(&self, q: &[f32], ef: usize, below: u8) -> BoxResult<Vec<u32>> {
        let keep = |id: &usize| self.bucket.get(*id).is_some_and(|&b| b < below);
        Ok(self
            .hnsw
            .search_filter(q, K, ef.max(K), Some(&keep as &dyn FilterT))
            .iter()
            .map(|n| n.d_id as u32)
            .collect())
    }

    fn notes(&self) -> Value {
        json!({ "distance": "1 - dot, same kernel as lakehouse::index" })
    }
}

/// Returns freed heap to the OS so RSS growth counts live memory only.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free heap pages; no pointers change.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// CPU seconds used by this process (all threads). The machine is shared, so wall time
/// measures the neighbours' load as much as ours; the CPU time of a single query
/// thread does not. Falls back to wall time where the clock is unavailable.
fn cpu_seconds() -> f64 {
    #[cfg(target_os = "linux")]
    {
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        extern "C" {
            fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
        }
        const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
        let mut ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec (64-bit fields on 64-bit Linux) to a
        // valid, exclusively borrowed location.
        if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    START.with(|s| s.elapsed().as_secs_f64())
}

thread_local! {
    static START: Instant = Instant::now();
}

/// Output, wall seconds and CPU seconds of `f`.
fn clocked<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), cpu_seconds());
    let out = f();
    (out, t.elapsed().as_secs_f64(), cpu_seconds() - c)
}

/// Runs `f` over every query on the current thread: (results, QPS by CPU time, QPS by
/// wall time).
fn timed(
    queries: &[f32],
    dim: usize,
    mut f: impl FnMut(&[f32]) -> BoxResult<Vec<u32>>,
) -> BoxResult<(Vec<Vec<u32>>, f64, f64)> {
    let (found, wall, cpu) = clocked(|| {
        queries
            .chunks(dim)
            .map(&mut f)
            .collect::<BoxResult<Vec<_>>>()
    });
    let found = found?;
    let n = found.len() as f64;
    Ok((found, n / cpu.max(1e-9), n / wall.max(1e-9)))
}

fn main() -> BoxResult<()> {
    let args = Args::parse();
    let meta: Meta = dataset::read_meta(&args.data, &args.dataset)?;
    let (dir, name, dim) = (&args.data, args.dataset.as_str(), meta.dim);
    let base = dataset::read_f32(dir, name, "base")?;
    let queries = dataset::read_f32(dir, name, "query")?;
    let gt = dataset::read_u32_rows(dir, name, "gt", K)?;
    let bucket = dataset::read_u8(dir, name, "bucket")?;

    let build_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.build_threads)
        .build()?;
    // Searches run on one thread; anything the index parallelises internally stays on it.
    let query_pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;

    trim();
    let (rss_before, _) = common::rss_bytes();
    type Built = (Box<dyn Bench + Send + Sync>, &'static str);
    let (built, build_s, build_cpu_s) = clocked(|| -> BoxResult<Built> {
        Ok(match args.lib.as_str() {
            "lakehouse" => (
                Box::new(build_pool.install(|| {
                    Lakehouse::build(&base, dim, &bucket, EngineKind::Flat)
                })?),
                env!("CARGO_PKG_VERSION"),
            ),
            "lakehouse_hnsw_rs" => (
                Box::new(build_pool.install(|| {
                    Lakehouse::build(&base, dim, &bucket, EngineKind::HnswRs)
                })?),
                env!("CARGO_PKG_VERSION"),
            ),
            "hnsw_rs" => (
                Box::new(build_pool.install(|| RawHnsw::build(&base, dim, &bucket))),
                "0.3.5",
            ),
            other => return Err(format!("unknown --lib {other:?} (lakehouse|lakehouse_hnsw_rs|hnsw_rs)").into()),
        })
    });
    let (bench, version) = built?;
    trim();
    let (rss_after, peak) = common::rss_bytes();
    eprintln!(
        "[peers_bench] {} {name}: built in {build_s:.1}s ({build_cpu_s:.1} CPU s)",
        args.lib
    );

    let (sweep, filtered) = query_pool.install(|| -> BoxResult<(Vec<Value>, Vec<Value>)> {
        let first = args.efs.first().copied().unwrap_or(64);
        for q in queries.chunks(dim).take(50) {
            bench.search(q, first)?;
        }
        let mut sweep = Vec::new();
        for &ef in &args.efs {
            let (found, qps, wall_qps) = timed(&queries, dim, |q| bench.search(q, ef))?;
            let recall = common::recall_at_k(&found, &gt, K);
            eprintln!(
                "[peers_bench] {} ef={ef}: recall {recall:.4} {qps:.0} qps ({wall_qps:.0} wall)",
                args.lib
            );
            sweep.push(json!({ "ef": ef, "recall": recall, "qps": qps, "wall_qps": wall_qps }));
        }
        let mut filtered = Vec::new();
        if args.filtered {
            let fq = &queries[..args.filtered_nq.min(meta.nq) * dim];
            for spec in &meta.filters {
                let fgt = dataset::read_u32_rows(dir, name, &format!("gt_{}", spec.name), K)?;
                for &ef in &args.filtered_efs {
                    let (found, qps, wall_qps) =
                        timed(fq, dim, |q| bench.search_filtered(q, ef, spec.bucket_below))?;
                    let recall = common::recall_at_k(&found, &fgt[..found.len()], K);
                    eprintln!(
                        "[peers_bench] {} {} ef={ef}: recall {recall:.4} {qps:.0} qps",
                        args.lib, spec.name
                    );
                    filtered.push(json!({
                        "filter": spec.name, "selectivity": spec.selectivity, "ef": ef,
                        "nq": found.len(), "recall": recall, "qps": qps, "wall_qps": wall_qps,
                    }));
                }
            }
        }
        Ok((sweep, filtered))
    })?;

    let result = json!({
        "library": args.lib,
        "version": version,
        "dataset": name,
        "n": meta.n,
        "dim": dim,
        "nq": meta.nq,
        "m": M,
        "ef_construction": EF_CONSTRUCTION,
        "build_threads": args.build_threads,
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "rss_before_bytes": rss_before,
        "rss_after_bytes": rss_after,
        "index_mem_bytes": rss_after.saturating_sub(rss_before),
        "peak_rss_bytes": peak,
        "modes": { "loop": sweep },
        "filtered": filtered,
        "notes": bench.notes(),
    });
    std::fs::write(&args.out, serde_json::to_string_pretty(&result)?)?;
    Ok(())
}
