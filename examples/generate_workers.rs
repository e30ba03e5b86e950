//! Generates the synthetic workers corpus as Parquet.
//!
//! ```text
//! cargo run --release --example generate_workers                       # data/workers_100k.parquet
//! cargo run --release --example generate_workers -- --n 1000 --out tests/fixtures/workers_1k.parquet
//! ```
//!
//! The same `--seed` always produces the same file, byte for byte. Open it with DuckDB:
//! `SELECT role, count(*) FROM 'data/workers_100k.parquet' GROUP BY role ORDER BY 2 DESC;`

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use lakehouse::corpus::{generate_workers, WorkerWriter};

#[derive(Parser)]
#[command(about = "Write a deterministic synthetic workers corpus to Parquet")]
struct Args {
    /// Number of workers.
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output file.
    #[arg(long, default_value = "data/workers_100k.parquet")]
    out: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let start = Instant::now();
    let bar = indicatif::ProgressBar::new(args.n as u64);
    let mut writer = WorkerWriter::create(&args.out)?;
    for (i, w) in generate_workers(args.n, args.seed).enumerate() {
        writer.write(&w)?;
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
    }
    let rows = writer.finish()?;
    bar.finish_and_clear();
    let bytes = std::fs::metadata(&args.out)?.len();
    println!(
        "wrote {rows} workers (seed {}) to {} — {:.1} MiB in {:.2}s",
        args.seed,
        args.out.display(),
        bytes as f64 / (1024.0 * 1024.0),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
