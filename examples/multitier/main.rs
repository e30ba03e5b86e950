//! The main job: the seed's six-scenario multitier load test, in process.
//!
//! On first run it generates `data/workers_100k.parquet`, ingests it into a persistent
//! lakehouse directory (`data/lakehouse`, reused later: open, not rebuild), loads the
//! validator roster from the same corpus, then runs the six scenarios (docs/ARCHITECTURE.md, "The main job") from
//! `--concurrency` threads for `--duration` seconds and prints the seed report's table.
//!
//! ```text
//! cargo run --release --example multitier                       # 100k workers, dim 768, 60 s
//! cargo run --release --example multitier -- --workers 2000 --duration 10 --json run.json
//! cargo run --release --features fault-injection --example multitier -- --fault-rate 0.01
//! ```

mod workload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Six-scenario multitier workload over a workers corpus (docs/ARCHITECTURE.md, "The main job").
#[derive(Parser, Debug)]
#[command(name = "multitier")]
struct Args {
    /// Corpus size (workers).
    #[arg(long, default_value_t = 100_000)]
    workers: usize,
    /// Embedding dimension.
    #[arg(long, default_value_t = 768)]
    dim: usize,
    /// Seconds to run the scenario mix.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Seed of the scenario mix.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// HNSW search breadth.
    #[arg(long, default_value_t = 64)]
    ef: usize,
    /// Where the corpus and the lakehouse directory live.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Rate of injected graph panics (needs `--features fault-injection`).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) || args.duration == 0 || args.ef == 0 {
        eprintln!("error: --fault-rate must be in [0, 1], --duration and --ef at least 1");
        return ExitCode::from(2);
    }
    let config = workload::Config {
        workers: args.workers,
        dim: args.dim,
        duration: Duration::from_secs(args.duration),
        concurrency: args
            .concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        seed: args.seed,
        ef: args.ef,
        data_dir: args.data_dir,
        fault_rate: args.fault_rate,
        progress: true,
    };
    let log = |m: &str| eprintln!("{m}");
    let (env, setup) = match workload::setup(&config, &log) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "running 6 scenarios for {}s on {} threads (seed {})",
        args.duration, config.concurrency, config.seed
    );
    let report = workload::run(&config, &env, &setup);
    println!("{}", report.render(&workload::scenario_order()));
    if let Some(path) = &args.json {
        if let Err(e) = workload::write_json(&report, path) {
            eprintln!("error [{}]: {e}", e.code());
            return ExitCode::FAILURE;
        }
    }
    if report.total_failures > 0 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
