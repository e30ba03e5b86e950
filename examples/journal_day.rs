//! A day at a staffing agency, journaled and materialized.
//!
//! Journals 2,000 realistic events (searches, drafts, proposals, outcomes, edits…) for
//! one day into `<dir>/kb/*.jsonl`, materializes them into the Parquet evidence index
//! `<dir>/out/evidence/day=YYYY-MM-DD/part-<run>.parquet`, and prints the receipt's
//! counts, a sample record and how to query the result with DuckDB.
//!
//! ```bash
//! cargo run --example journal_day -- /tmp/lakehouse-day
//! ```

#[path = "staffing_day/mod.rs"]
mod staffing_day;

use lakehouse::journal::Journal;
use lakehouse::materialize::{read_evidence, Materializer};

fn main() -> lakehouse::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/lakehouse-day".into());
    let dir = std::path::PathBuf::from(dir);
    let journal = Journal::open(dir.join("kb"))?;
    staffing_day::journal_events(&journal, "day1-", 2_000, 1, 1)?;

    let materializer = Materializer::new(dir.join("kb"), dir.join("out"))?;
    let receipt = materializer.run()?;
    println!(
        "run {}: {} records written, {} duplicates, {} quarantined",
        receipt.run_id, receipt.written, receipt.duplicates_skipped, receipt.quarantined
    );
    for (transform, c) in &receipt.transforms {
        println!(
            "  {transform:<20} {:>5} lines -> {:>5} records",
            c.lines_read, c.written
        );
    }
    // Running again is a no-op: every record id is already in the index.
    println!("second run wrote {} records", materializer.run()?.written);

    if let Some(r) = read_evidence(dir.join("out"))?
        .into_iter()
        .find(|r| r.transform == "placement_outcome")
    {
        println!("sample record:\n{}", serde_json::to_string_pretty(&r)?);
    }
    println!(
        "query it:\n  duckdb -c \"SELECT day, transform, label, count(*) FROM read_parquet('{}/out/evidence/**/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL\"",
        dir.display()
    );
    Ok(())
}
