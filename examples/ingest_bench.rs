//! Benchmark: generate + ingest a workers corpus, then time `Retriever::search`.
//!
//! ```text
//! nice -n 10 cargo run --release --example ingest_bench                 # 100k workers, dim 768
//! cargo run --release --example ingest_bench -- --n 10000 --dim 256     # quick look
//! ```
//!
//! Prints generation and ingest times, then p50 / p99 / max latency of unfiltered and
//! filtered searches, cold (query embedding not cached) and cached (same query again),
//! warm searches with playbooks, and two-thread throughput.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use hdrhistogram::Histogram;
use lakehouse::corpus::{
    generate_workers, ingest_with, IngestOptions, IngestProgress, WorkerWriter,
};
use lakehouse::embed::{Embedder, HashingEmbedder};
use lakehouse::index::{Filter, IndexConfig, VectorIndex};
use lakehouse::retrieve::{Outcome, Retriever, RetrieverConfig, SearchRequest};

#[derive(Parser)]
#[command(about = "Generate + ingest workers, then measure retrieval latency")]
struct Args {
    /// Workers to generate.
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Embedding dimension.
    #[arg(long, default_value_t = 768)]
    dim: usize,
    /// Corpus seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Distinct queries per measurement.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Where the Parquet corpus is written.
    #[arg(long, default_value = "data/workers_100k.parquet")]
    out: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    println!("rayon threads: {}", rayon::current_num_threads());

    let t = Instant::now();
    let mut writer = WorkerWriter::create(&args.out)?;
    let mut specs = Vec::new();
    for w in generate_workers(args.n, args.seed) {
        if specs.len() < args.queries && w.status == lakehouse::WorkerStatus::Active {
            specs.push((w.role.clone(), w.city.clone(), w.state.clone()));
        }
        writer.write(&w)?;
    }
    writer.finish()?;
    let generate_s = t.elapsed().as_secs_f64();
    println!(
        "generate {} workers → {}: {generate_s:.2}s",
        args.n,
        args.out.display()
    );

    let emb = HashingEmbedder::new(args.dim)?;
    let texts: Vec<String> = generate_workers(2_000.min(args.n), args.seed)
        .map(|w| lakehouse::corpus::worker_text(&w))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let t = Instant::now();
    emb.embed(&refs)?;
    let per_text_us = t.elapsed().as_secs_f64() * 1e6 / refs.len() as f64;
    println!(
        "hashing embedder, dim {}: {per_text_us:.1} µs per worker text (1 thread)",
        args.dim
    );

    let workers = VectorIndex::new("workers", IndexConfig::new(args.dim))?;
    let bar = indicatif::ProgressBar::new(args.n as u64);
    let b2 = bar.clone();
    let progress = lakehouse::Control::new()
        .on_progress(move |p: &IngestProgress| b2.set_position(p.indexed as u64));
    let (t, cpu0) = (Instant::now(), cpu_seconds());
    let report = ingest_with(
        &args.out,
        &emb,
        &workers,
        IngestOptions::default(),
        &progress,
    )?;
    let ingest_s = t.elapsed().as_secs_f64();
    workers.wait_idle();
    let idle_s = t.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        // On a shared machine wall time mostly measures the neighbours; CPU time does not.
        println!(
            "ingest process CPU time: {:.1}s (user + system, all threads)",
            b - a
        );
    }
    println!(
        "ingest: {} rows read, {} indexed, {} rejected in {ingest_s:.1}s ({:.0} rows/s); graph idle after {idle_s:.1}s; total generate+ingest {:.1}s",
        report.rows_read,
        report.indexed,
        report.rejected.len(),
        report.indexed as f64 / ingest_s,
        generate_s + idle_s
    );
    let st = workers.stats();
    println!(
        "index: live {}, graph {:?}, vectors {} MiB, metadata {} MiB",
        st.live,
        st.graph_state,
        st.vector_bytes >> 20,
        st.metadata_bytes >> 20
    );

    let playbooks = VectorIndex::new("playbook_memory", IndexConfig::new(args.dim))?;
    let r = Retriever::new(
        Arc::new(emb),
        workers,
        playbooks,
        RetrieverConfig::default(),
    )?;
    let queries: Vec<String> = specs
        .iter()
        .map(|(role, city, st)| format!("{role} in {city}, {st}"))
        .collect();
    let filters: Vec<Filter> = specs
        .iter()
        .map(|(role, city, st)| {
            Filter::and(vec![
                Filter::eq("role", role.as_str()),
                Filter::eq("city", city.as_str()),
                Filter::eq("state", st.as_str()),
                Filter::eq("status", "active"),
            ])
        })
        .collect();

    println!(
        "\n{:<34} {:>8} {:>9} {:>9} {:>9}",
        "search (k=10)", "runs", "p50 µs", "p99 µs", "max µs"
    );
    let run = |label: &str,
               suffix: &str,
               filtered: bool,
               playbook: bool|
     -> Result<(), lakehouse::Error> {
        let mut h =
            Histogram::<u64>::new(3).map_err(|e| lakehouse::Error::Internal(e.to_string()))?;
        let mut cached = 0;
        for (i, q) in queries.iter().enumerate() {
            let mut req = SearchRequest::new(format!("{q}{suffix}"), 10);
            if filtered {
                req.filter = Some(filters[i].clone());
            }
            req.use_playbook = playbook;
            let t = Instant::now();
            let res = r.search(&req)?;
            let _ = h.record(t.elapsed().as_micros() as u64);
            cached += usize::from(res.cached);
        }
        println!(
            "{:<34} {:>8} {:>9} {:>9} {:>9}   (embedding cached {cached}/{})",
            label,
            h.len(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.max(),
            queries.len()
        );
        Ok(())
    };
    run("unfiltered, cold", "", false, false)?;
    run("unfiltered, cached", "", false, false)?;
    run("filtered, cold", " (filtered)", true, false)?;
    run("filtered, cached", " (filtered)", true, false)?;

    // Playbook memory: one recorded fill per query, then warm searches.
    for q in queries.iter() {
        let hits = r.search(&SearchRequest::new(q.clone(), 10))?.hits;
        let chosen: Vec<String> = hits.iter().rev().take(2).map(|h| h.id.clone()).collect();
        r.record(q, &chosen, Outcome::Success)?;
    }
    run("warm (playbooks), unfiltered", "", false, true)?;
    run("warm (playbooks), filtered", " (filtered)", true, true)?;

    // Two threads hammering cached queries, like the multitier job.
    let t = Instant::now();
    let per_thread = 5_000;
    std::thread::scope(|s| {
        for th in 0..2 {
            let (r, queries) = (r.clone(), &queries);
            s.spawn(move || {
                for i in 0..per_thread {
                    let q = &queries[(i * 7 + th) % queries.len()];
                    let _ = r.search(&SearchRequest::new(q.clone(), 10));
                }
            });
        }
    });
    println!(
        "\n2 threads, cached unfiltered: {:.0} searches/s",
        (2 * per_thread) as f64 / t.elapsed().as_secs_f64()
    );
    let c = r.cache_stats();
    println!(
        "embedding cache: {} hits, {} misses, {} entries",
        c.hits, c.misses, c.len
    );
    Ok(())
}

/// User + system CPU seconds of this process (Linux `/proc`; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and
    // 13th of them, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
