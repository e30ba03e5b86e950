//! Parquet → text → embeddings → batched upserts into a workers index.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{worker_metadata_as_of, worker_text, RowResult, Worker, WorkerReader, REFERENCE_DATE};
use crate::control::Control;
use crate::embed::Embedder;
use crate::index::{Record, VectorIndex};
use crate::{Error, Result};

/// Longest id the index accepts, in bytes.
const MAX_ID_BYTES: usize = 256;

/// Settings of [`ingest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestOptions {
    /// Rows per Parquet batch, per embedding call and per index upsert.
    pub batch_size: usize,
    /// Day on which certification expiry is judged for the `certifications` metadata;
    /// `None` = [`REFERENCE_DATE`] (the synthetic corpus' fixed "today").
    pub as_of: Option<NaiveDate>,
    /// Batches embedded in parallel (rayon); 0 = one per rayon thread. Memory use is
    /// about `parallel_batches × batch_size` rows.
    pub parallel_batches: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch_size: 1024,
            as_of: None,
            parallel_batches: 0,
        }
    }
}

impl IngestOptions {
    /// Largest accepted `batch_size`.
    pub const MAX_BATCH_SIZE: usize = 1 << 20;

    /// Rejects a `batch_size` outside `1..=MAX_BATCH_SIZE` and more than 1024
    /// `parallel_batches` with `INVALID_CONFIG`.
    pub fn validate(&self) -> Result<()> {
        if !(1..=Self::MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(Error::InvalidConfig(format!(
                "ingest batch_size is {}, must be 1..={}",
                self.batch_size,
                Self::MAX_BATCH_SIZE
            )));
        }
        if self.parallel_batches > 1024 {
            return Err(Error::InvalidConfig(format!(
                "ingest parallel_batches is {}, must be 0..=1024",
                self.parallel_batches
            )));
        }
        Ok(())
    }
}

/// Progress of a running [`ingest`], reported after every upserted batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestProgress {
    /// Rows read from the file so far.
    pub rows_read: usize,
    /// Rows upserted into the index so far.
    pub indexed: usize,
    /// Rows rejected so far.
    pub rejected: usize,
    /// Rows in the file (from its footer).
    pub total_rows: usize,
}

/// One row [`ingest`] refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// 0-based row number in the file.
    pub row: u64,
    /// The row's id when it had one.
    pub worker_id: Option<String>,
    /// Why, e.g. `column 'worker_id' is null`, `duplicate worker_id 'w-1'`.
    pub reason: String,
}

/// Outcome of [`ingest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// Rows read from the file.
    pub rows_read: usize,
    /// Rows embedded and upserted.
    pub indexed: usize,
    /// Rows refused, with reasons, in file order.
    pub rejected: Vec<RejectedRow>,
    /// Wall time of the whole ingest.
    pub elapsed_ms: u64,
}

/// Reads a workers Parquet file and upserts every valid row into `index`.
///
/// Each row becomes a record with id `worker_id`, the embedding of
/// [`worker_text`](super::worker_text) and [`worker_metadata`](super::worker_metadata)
/// (so searches can filter on city, state, role, status, certifications…). Batches of
/// `batch_size` rows are embedded in parallel and upserted in file order; memory stays
/// bounded by a few batches whatever the file size.
///
/// A missing required column fails before anything is written, with an error naming
/// the column. Bad rows (null or empty id, id longer than 256 bytes, duplicate id,
/// null required field, unknown status) are skipped and listed in the report. An
/// embedder or index failure stops the ingest with that error; batches already
/// upserted stay in the index (re-running is idempotent: ids are upserted).
///
/// ```
/// use lakehouse::corpus::{generate_workers, ingest, write_workers_parquet, IngestOptions};
/// use lakehouse::embed::HashingEmbedder;
/// use lakehouse::index::{IndexConfig, VectorIndex};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("w.parquet");
/// write_workers_parquet(&path, generate_workers(50, 1))?;
/// let index = VectorIndex::new("workers", IndexConfig::new(64))?;
/// let report = ingest(&path, &HashingEmbedder::new(64)?, &index, IngestOptions::default())?;
/// assert_eq!((report.rows_read, report.indexed, index.len()), (50, 50, 50));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ingest(
    path: impl AsRef<Path>,
    embedder: &dyn Embedder,
    index: &VectorIndex,
    options: IngestOptions,
) -> Result<IngestReport> {
    ingest_with(path, embedder, index, options, &Control::default())
}

/// [`ingest`] watched by a [`Control`]: the progress callback gets an
/// [`IngestProgress`] after every upserted batch, and a cancelled token stops the
/// ingest with `CANCELLED` before the next batch is embedded or upserted (so at most
/// the batch already being upserted lands after [`CancelToken::cancel`]). Batches
/// already upserted stay in the index, whole: the index stays consistent and a
/// re-run completes it (ids are upserted). A panicking embedder or progress callback
/// stops the ingest with `CALLBACK`.
///
/// [`CancelToken::cancel`]: crate::CancelToken::cancel
pub fn ingest_with(
    path: impl AsRef<Path>,
    embedder: &dyn Embedder,
    index: &VectorIndex,
    options: IngestOptions,
    control: &Control<IngestProgress>,
) -> Result<IngestReport> {
    let path = path.as_ref();
    let start = Instant::now();
    options.validate()?;
    if embedder.dim() != index.config().dim {
        return Err(Error::InvalidConfig(format!(
            "embedder '{}' produces {} values, index '{}' expects {}",
            embedder.model_id(),
            embedder.dim(),
            index.name(),
            index.config().dim
        )));
    }
    let as_of = options.as_of.unwrap_or(REFERENCE_DATE);
    let parallel = match options.parallel_batches {
        0 => rayon::current_num_threads().max(1),
        n => n,
    };
    let mut reader = WorkerReader::open_with_batch_size(path, options.batch_size)?;
    let mut p = IngestProgress {
        total_rows: usize::try_from(reader.total_rows()).unwrap_or(usize::MAX),
        ..IngestProgress::default()
    };
    let mut report = IngestReport::default();
    let mut seen: HashSet<String> = HashSet::new();
    let stopped = |p: &IngestProgress| {
        format!(
            "ingest of '{}' after {} rows ({} indexed)",
            path.display(),
            p.rows_read,
            p.indexed
        )
    };
    loop {
        control.check(|| stopped(&p))?;
        let mut group: Vec<Vec<Worker>> = Vec::with_capacity(parallel);
        while group.len() < parallel {
            let Some(rows) = reader.next_rows() else {
                break;
            };
            let rows = rows?;
            p.rows_read += rows.len();
            group.push(accept_rows(rows, &mut seen, &mut report.rejected));
        }
        if group.is_empty() {
            break;
        }
        let embedded: Vec<Result<Vec<Record>>> = group
            .par_iter()
            .map(|batch| {
                // Batches of a cancelled group are not embedded (the call is stopping).
                if control.is_cancelled() {
                    return Ok(Vec::new());
                }
                to_records(batch, embedder, as_of)
            })
            .collect();
        for records in embedded {
            control.check(|| stopped(&p))?;
            let records = records?;
            let n = records.len();
            if n > 0 {
                index.upsert_batch(records)?;
            }
            p.indexed += n;
            p.rejected = report.rejected.len();
            control.report(&p)?;
        }
    }
    report.rows_read = p.rows_read;
    report.indexed = p.indexed;
    report.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// Keeps the rows that can become records; records why the others cannot.
fn accept_rows(
    rows: Vec<RowResult>,
    seen: &mut HashSet<String>,
    rejected: &mut Vec<RejectedRow>,
) -> Vec<Worker> {
    let mut out = Vec::with_capacity(rows.len());
    for (row, r) in rows {
        let reject = |worker_id: Option<String>, reason: String| RejectedRow {
            row,
            worker_id,
            reason,
        };
        match r {
            Err(reason) => rejected.push(reject(None, reason)),
            Ok(w) if w.worker_id.len() > MAX_ID_BYTES => rejected.push(reject(
                None,
                format!(
                    "worker_id is {} bytes, more than {MAX_ID_BYTES}",
                    w.worker_id.len()
                ),
            )),
            Ok(w) if !seen.insert(w.worker_id.clone()) => {
                let reason = format!("duplicate worker_id '{}'", w.worker_id);
                rejected.push(reject(Some(w.worker_id), reason));
            }
            Ok(w) => out.push(w),
        }
    }
    out
}

fn to_records(batch: &[Worker], embedder: &dyn Embedder, as_of: NaiveDate) -> Result<Vec<Record>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let texts: Vec<String> = batch.iter().map(worker_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = crate::error::guard("embedder", || embedder.embed(&refs))?;
    if vectors.len() != batch.len() {
        return Err(Error::callback(format!(
            "embedder '{}' returned {} vectors for {} texts",
            embedder.model_id(),
            vectors.len(),
            batch.len()
        )));
    }
    Ok(batch
        .iter()
        .zip(vectors)
        .map(|(w, vector)| Record {
            id: w.worker_id.clone(),
            vector,
            metadata: worker_metadata_as_of(w, as_of),
        })
        .collect())
}
