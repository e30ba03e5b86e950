//! What a run records: its config, progress reports, input state and the receipt.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Tunables of a run (serde, all fields defaulted).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct MaterializeConfig {
    /// Records buffered per day before they are encoded into the part (one part per
    /// day is open during a run, so memory grows with days × this).
    pub batch_rows: usize,
    /// Parquet row-group size limit in rows.
    pub row_group_rows: usize,
    /// Parquet row-group size limit in (estimated encoded) bytes. One part per day is
    /// open during a run, so this bounds memory to about days × this.
    pub row_group_bytes: usize,
    /// Lines between progress callbacks.
    pub progress_every: u64,
    /// Longest raw text kept in a quarantine entry (bytes).
    pub quarantine_text_max: usize,
}

impl Default for MaterializeConfig {
    fn default() -> Self {
        MaterializeConfig {
            batch_rows: 256,
            row_group_rows: 65_536,
            row_group_bytes: 512 << 10,
            progress_every: 10_000,
            quarantine_text_max: 4096,
        }
    }
}

impl MaterializeConfig {
    /// Rejects zero sizes with `INVALID_CONFIG` (`progress_every` may be 0: no
    /// callbacks).
    pub fn validate(&self) -> crate::Result<()> {
        for (name, v) in [
            ("batch_rows", self.batch_rows),
            ("row_group_rows", self.row_group_rows),
            ("row_group_bytes", self.row_group_bytes),
        ] {
            if v == 0 {
                return Err(crate::Error::InvalidConfig(format!(
                    "materializer {name} must be at least 1"
                )));
            }
        }
        Ok(())
    }
}

/// Progress of a running materialization, passed to the progress callback of
/// [`Materializer::run_with`](super::Materializer::run_with).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MaterializeProgress {
    /// Run being executed.
    pub run_id: String,
    /// Transform currently reading.
    pub transform: String,
    /// Lines read so far in this run (all transforms).
    pub lines_read: u64,
    /// Records accepted so far.
    pub written: u64,
}

/// What a run knows about one input file (the incremental state).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct InputState {
    /// Stream read.
    pub stream: String,
    /// Journal file.
    pub file: PathBuf,
    /// Byte offset this run started reading at.
    pub start_offset: u64,
    /// Bytes consumed (always at a line end).
    pub offset: u64,
    /// Lines consumed.
    pub lines: u64,
    /// Hex SHA-256 of the consumed prefix `[0, offset)`.
    pub sha256: String,
    /// The file no longer matched the previous receipt and was read again from 0.
    pub rewritten: bool,
    /// Bytes of an unfinished last line left for a later run.
    pub pending_bytes: u64,
}

/// Per-transform counts of one run.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct TransformCounts {
    /// Complete lines read.
    pub lines_read: u64,
    /// New records written.
    pub written: u64,
    /// Records whose id was already in the index.
    pub duplicates: u64,
    /// Lines sent to quarantine.
    pub quarantined: u64,
}

/// Wall times of a run's phases, in milliseconds.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Timings {
    /// Leftover detection and cleanup.
    pub cleanup_ms: u64,
    /// Loading known ids.
    pub load_ids_ms: u64,
    /// Reading, hashing and transforming lines.
    pub transform_ms: u64,
    /// Finishing parts, quarantine and id file.
    pub commit_ms: u64,
    /// Whole run.
    pub total_ms: u64,
}

/// The receipt `receipts/<run_id>.json`: written last, its presence commits the run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Receipt {
    /// Always `materialize_receipt.v1`.
    pub schema: String,
    /// This run.
    pub run_id: String,
    /// Run sequence number (1, 2, …).
    pub seq: u64,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// Commit time.
    pub finished_at: DateTime<Utc>,
    /// Per transform: the input file state after this run.
    pub inputs: BTreeMap<String, InputState>,
    /// Per transform counts.
    pub transforms: BTreeMap<String, TransformCounts>,
    /// New records written.
    pub written: u64,
    /// Records skipped because their id was known.
    pub duplicates_skipped: u64,
    /// Lines quarantined.
    pub quarantined: u64,
    /// Parts written, relative to the output directory.
    pub parts: Vec<String>,
    /// Quarantine file, relative, if any line was quarantined.
    pub quarantine_file: Option<String>,
    /// Leftovers of interrupted runs removed at start, relative paths.
    pub cleaned_leftovers: Vec<String>,
    /// Committed length of `_state/ids.bin` (32 bytes per known id).
    pub ids_len: u64,
    /// Phase timings.
    pub timings: Timings,
}
