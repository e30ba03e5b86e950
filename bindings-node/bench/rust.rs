//! The Rust side of the binding benchmark (bench/run.sh): builds the shared 100k × 768
//! lakehouse once, then measures single-query search QPS and validator calls/s through
//! the Rust API, exactly as bench/search.mjs does through Node and Bun.
//!
//!     cargo run --release -p lakehouse-node --example node_bench -- DIR [N] [DIM] [QUERIES]
//!
//! Vectors come from the same xorshift32 stream as search.mjs (u32 → f64 in [-1, 1) →
//! f32), so every runtime searches the same graph with the same queries. Prints one
//! JSON line.

use std::time::Instant;

use lakehouse::index::{IndexConfig, Record, SearchOptions};
use lakehouse::validate::{Draft, EmailValidator, ValidatorConfig};
use lakehouse::Lakehouse;

/// The generator search.mjs uses too.
struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    fn vector(&mut self, dim: usize) -> Vec<f32> {
        (0..dim)
            .map(|_| (f64::from(self.next()) / 4_294_967_296.0 * 2.0 - 1.0) as f32)
            .collect()
    }
}

/// CPU seconds this process used so far (all threads, from /proc/self/stat): on a
/// shared machine, queries per CPU second compare runtimes better than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_comm = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the comm), in
    // clock ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: node_bench DIR [N] [DIM] [QUERIES]")?;
    let (n, dim, queries) = (arg(2, 100_000), arg(3, 768), arg(4, 2_000));

    let lake = Lakehouse::open(&dir)?;
    if !lake.list().iter().any(|x| x == "bench") {
        let t = Instant::now();
        let index = lake.create_index("bench", IndexConfig::new(dim))?;
        let mut rng = XorShift(0x9E37_79B9);
        for start in (0..n).step_by(10_000) {
            let batch = (start..(start + 10_000).min(n))
                .map(|i| Record {
                    id: format!("v-{i}"),
                    vector: rng.vector(dim),
                    metadata: serde_json::json!({}),
                })
                .collect();
            index.upsert_batch(batch)?;
        }
        index.wait_idle();
        lake.snapshot("bench")?;
        lake.wait_idle("bench")?;
        eprintln!("built {n} × {dim} in {:.1} s", t.elapsed().as_secs_f64());
    }
    lake.close()?;

    let lake = Lakehouse::open_read_only(&dir)?;
    let index = lake.index("bench")?;
    index.wait_idle();
    let mut rng = XorShift(0x0BAD_5EED);
    let qs: Vec<Vec<f32>> = (0..queries).map(|_| rng.vector(dim)).collect();
    let opts = SearchOptions::default();
    for q in qs.iter().take(200) {
        index.search(q, 10, &opts)?;
    }
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let mut found = 0usize;
    for q in &qs {
        found += index.search(q, 10, &opts)?.len();
    }
    let search_qps = queries as f64 / t.elapsed().as_secs_f64();
    let search_qps_cpu = queries as f64 / (cpu_seconds() - cpu).max(0.01);

    let draft: Draft = serde_json::from_str(include_str!("draft.json"))?;
    let validator = EmailValidator::new(ValidatorConfig::default())?;
    let calls = 20_000;
    let t = Instant::now();
    let mut ok = 0usize;
    for _ in 0..calls {
        ok += usize::from(validator.validate(&draft).ok);
    }
    let validate_per_s = calls as f64 / t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "runtime": "rust", "n": index.len(), "dim": dim, "queries": queries,
            "search_qps": search_qps.round(), "search_qps_cpu": search_qps_cpu.round(), "hits": found,
            "validate_per_s": validate_per_s.round(), "valid": ok,
        })
    );
    Ok(())
}
