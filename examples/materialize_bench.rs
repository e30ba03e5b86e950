//! Materializer benchmark: journal N synthetic staffing events (default 1,000,000 over
//! 30 days), materialize them into the Parquet evidence index, then time a no-op
//! re-run and an incremental run. Prints events/s and peak RSS (VmHWM).
//!
//! ```bash
//! cargo run --release --example materialize_bench -- --events 1000000
//! cargo run --release --example materialize_bench -- --events 2000 --days 1   # a realistic day
//! ```

#[path = "staffing_day/mod.rs"]
mod staffing_day;

use std::time::Instant;

use clap::Parser;
use lakehouse::journal::Journal;
use lakehouse::materialize::{read_evidence, Materializer};

#[derive(Parser)]
struct Args {
    /// Events to journal.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Days the events are spread over (one Parquet partition each).
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Working directory (default: a fresh temp dir, removed at the end).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// Also read the whole evidence index back and count rows.
    #[arg(long)]
    read_back: bool,
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> lakehouse::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir().map_err(|e| lakehouse::Error::io("tempdir", e))?;
    let base = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let (kb, out) = (base.join("kb"), base.join("out"));
    let journal = Journal::open(&kb)?;

    let t = Instant::now();
    staffing_day::journal_events(&journal, "ev-", args.events, args.days, 42)?;
    let gen_s = t.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(&kb)
        .map_err(|e| lakehouse::Error::io(&kb, e))?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let hwm_before = vm_hwm_kb();
    println!(
        "journaled {} events ({:.1} MB) in {gen_s:.2}s ({:.0} appends/s)",
        args.events,
        bytes as f64 / 1e6,
        args.events as f64 / gen_s
    );

    let m = Materializer::new(&kb, &out)?;
    let t = Instant::now();
    let r1 = m.run()?;
    let run_s = t.elapsed().as_secs_f64();
    let hwm = vm_hwm_kb();
    println!(
        "materialized: written {} quarantined {} parts {} in {run_s:.2}s => {:.0} events/s; peak RSS {:.1} MB (before run {:.1} MB)",
        r1.written, r1.quarantined, r1.parts.len(), args.events as f64 / run_s, hwm as f64 / 1024.0, hwm_before as f64 / 1024.0
    );
    println!("timings {:?}", r1.timings);

    let t = Instant::now();
    let r2 = m.run()?;
    println!(
        "no-op re-run: written {} in {:.3}s ({:?})",
        r2.written,
        t.elapsed().as_secs_f64(),
        r2.timings
    );

    let extra = (args.events / 100).max(1);
    let j2 = Journal::open(&kb)?;
    staffing_day::journal_events(&j2, "more-", extra, 1, 7)?;
    let t = Instant::now();
    let r3 = m.run()?;
    println!(
        "incremental run after {extra} appended events: written {} duplicates {} in {:.3}s",
        r3.written,
        r3.duplicates_skipped,
        t.elapsed().as_secs_f64()
    );
    if args.read_back {
        let t = Instant::now();
        let n = read_evidence(&out)?.len();
        println!("read back {n} records in {:.2}s", t.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        serde_json::json!({"events": args.events, "journal_bytes": bytes, "append_s": gen_s, "materialize_s": run_s,
            "events_per_s": args.events as f64 / run_s, "peak_rss_mb": hwm as f64 / 1024.0,
            "noop_rerun_ms": r2.timings.total_ms, "incremental_written": r3.written})
    );
    Ok(())
}
