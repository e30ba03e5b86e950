//! Streaming Parquet writer for workers.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Float32Builder, Float64Builder, ListBuilder, StringBuilder, StructBuilder,
    UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use chrono::{NaiveDate, Weekday};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::schema::{certification_fields, certification_item, string_item, worker_schema};
use super::Worker;
use crate::{Error, Result};

/// Rows buffered in Arrow builders before they become one record batch.
const BATCH_ROWS: usize = 8192;
/// Rows per Parquet row group; also bounds what the Parquet writer buffers.
const ROW_GROUP_ROWS: usize = 65_536;

/// Writes workers to a Parquet file in bounded memory (see [`super::schema`] for the
/// columns).
///
/// Rows go straight into Arrow column builders and are flushed every 8,192 rows, so a
/// 100k corpus never exists as 100k intermediate copies. The file is written under a
/// temporary name and renamed into place by [`WorkerWriter::finish`]: readers never see
/// a half-written file, and a writer dropped without `finish` leaves nothing behind.
///
/// ```
/// use lakehouse::corpus::{generate_workers, read_workers, WorkerWriter};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("w.parquet");
/// let mut w = WorkerWriter::create(&path)?;
/// for worker in generate_workers(10, 7) {
///     w.write(&worker)?;
/// }
/// assert_eq!(w.finish()?, 10);
/// assert_eq!(read_workers(&path)?.len(), 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WorkerWriter {
    writer: Option<ArrowWriter<File>>,
    builders: Builders,
    path: PathBuf,
    tmp: PathBuf,
    rows: u64,
}

impl WorkerWriter {
    /// Starts writing `path` (replaced atomically on [`WorkerWriter::finish`]).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by("lakehouse".into())
            .build();
        let writer = ArrowWriter::try_new(file, worker_schema(), Some(props))
            .map_err(|e| parquet_err(&path, e))?;
        Ok(WorkerWriter {
            writer: Some(writer),
            builders: Builders::new(),
            path,
            tmp,
            rows: 0,
        })
    }

    /// Appends one worker.
    pub fn write(&mut self, w: &Worker) -> Result<()> {
        self.builders.append(w);
        self.rows += 1;
        if self.builders.len >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends every worker of `workers`.
    pub fn write_all<I>(&mut self, workers: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<Worker>,
    {
        for w in workers {
            self.write(std::borrow::Borrow::borrow(&w))?;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn flush(&mut self) -> Result<()> {
        if self.builders.len == 0 {
            return Ok(());
        }
        let batch = self.builders.finish().map_err(|e| Error::Parquet {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| Error::Internal("worker writer used after finish".into()))?;
        writer.write(&batch).map_err(|e| parquet_err(&self.path, e))
    }

    /// Writes the footer, syncs, renames the file into place and returns the row count.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        let writer = self
            .writer
            .take()
            .ok_or_else(|| Error::Internal("worker writer finished twice".into()))?;
        let file = writer
            .into_inner()
            .map_err(|e| parquet_err(&self.path, e))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.rows)
    }
}

impl Drop for WorkerWriter {
    fn drop(&mut self) {
        if self.writer.is_some() {
            // Not finished: the temporary file is incomplete and must not linger.
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `workers` to a new Parquet file at `path`; returns the row count.
///
/// Accepts owned workers or references (`&vec`, `generate_workers(..)`).
pub fn write_workers_parquet<I>(path: impl AsRef<Path>, workers: I) -> Result<u64>
where
    I: IntoIterator,
    I::Item: std::borrow::Borrow<Worker>,
{
    let mut w = WorkerWriter::create(path)?;
    w.write_all(workers)?;
    w.finish()
}

fn parquet_err(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

pub(crate) fn weekday_str(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("epoch is a valid date"),
};

pub(crate) fn date_to_days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

pub(crate) fn days_to_date(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

struct Builders {
    len: usize,
    strings: [StringBuilder; 9],
    skills: ListBuilder<StringBuilder>,
    certs: ListBuilder<StructBuilder>,
    years: UInt32Builder,
    rate: Float64Builder,
    availability: ListBuilder<StringBuilder>,
    status: StringBuilder,
    rating: Float32Builder,
    summary: StringBuilder,
}

impl Builders {
    fn new() -> Self {
        let list = || ListBuilder::new(StringBuilder::new()).with_field(string_item());
        let cert_struct = StructBuilder::new(
            certification_fields(),
            vec![
                Box::new(StringBuilder::new()),
                Box::new(Date32Builder::new()),
            ],
        );
        Builders {
            len: 0,
            strings: std::array::from_fn(|_| StringBuilder::new()),
            skills: list(),
            certs: ListBuilder::new(cert_struct).with_field(certification_item()),
            years: UInt32Builder::new(),
            rate: Float64Builder::new(),
            availability: list(),
            status: StringBuilder::new(),
            rating: Float32Builder::new(),
            summary: StringBuilder::new(),
        }
    }

    fn append(&mut self, w: &Worker) {
        let fixed = [
            &w.worker_id,
            &w.first_name,
            &w.last_name,
            &w.phone,
            &w.email,
            &w.city,
            &w.state,
            &w.zip,
            &w.role,
        ];
        for (b, v) in self.strings.iter_mut().zip(fixed) {
            b.append_value(v);
        }
        for s in &w.skills {
            self.skills.values().append_value(s);
        }
        self.skills.append(true);
        let items = self.certs.values();
        for c in &w.certifications {
            if let Some(b) = items.field_builder::<StringBuilder>(0) {
                b.append_value(&c.name);
            }
            if let Some(b) = items.field_builder::<Date32Builder>(1) {
                b.append_option(c.expires.map(date_to_days));
            }
            items.append(true);
        }
        self.certs.append(true);
        self.years.append_value(w.years_experience);
        self.rate.append_value(w.hourly_rate);
        for d in &w.availability {
            self.availability.values().append_value(weekday_str(*d));
        }
        self.availability.append(true);
        self.status.append_value(w.status.as_str());
        self.rating.append_value(w.rating);
        self.summary.append_value(&w.summary);
        self.len += 1;
    }

    fn finish(&mut self) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(17);
        for b in &mut self.strings {
            cols.push(Arc::new(b.finish()));
        }
        cols.push(Arc::new(self.skills.finish()));
        cols.push(Arc::new(self.certs.finish()));
        cols.push(Arc::new(self.years.finish()));
        cols.push(Arc::new(self.rate.finish()));
        cols.push(Arc::new(self.availability.finish()));
        cols.push(Arc::new(self.status.finish()));
        cols.push(Arc::new(self.rating.finish()));
        cols.push(Arc::new(self.summary.finish()));
        self.len = 0;
        RecordBatch::try_new(worker_schema(), cols)
    }
}
