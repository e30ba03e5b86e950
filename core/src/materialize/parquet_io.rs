//! The one place evidence records meet Arrow and Parquet.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{
    Array, ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::{EvidenceKind, EvidenceRecord};
use crate::{Error, Result};

/// Arrow schema of evidence Parquet files.
///
/// Columns, in order: `schema`, `id`, `transform`, `source_stream` (Utf8),
/// `source_line` (Int64), `ts` (Timestamp µs, UTC), `kind`, `task` (Utf8), `input`,
/// `output` (Utf8 holding JSON text: shapes differ per transform, so one structured
/// type cannot fit them all; DuckDB reads them with `input->>'query'`), `label`,
/// `model` (nullable Utf8), `prompt_tokens`, `completion_tokens`, `latency_ms`
/// (nullable Int64), `worker_ids` (`List<Utf8>`), `order_id` (nullable Utf8),
/// `metadata` (Utf8, JSON object text). `day` is not a column: it is the Hive
/// partition directory `day=YYYY-MM-DD`, which readers turn back into a column.
pub fn parquet_schema() -> SchemaRef {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let i = |n: &str| Field::new(n, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        s("schema", false),
        s("id", false),
        s("transform", false),
        s("source_stream", false),
        Field::new("source_line", DataType::Int64, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        s("kind", false),
        s("task", false),
        s("input", false),
        s("output", false),
        s("label", true),
        s("model", true),
        i("prompt_tokens"),
        i("completion_tokens"),
        i("latency_ms"),
        Field::new(
            "worker_ids",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        s("order_id", true),
        s("metadata", false),
    ]))
}

fn perr(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn to_i64(v: Option<u64>) -> Option<i64> {
    v.and_then(|v| i64::try_from(v).ok())
}

/// Converts records (already checked by `EvidenceRecord::from_evidence`) to a batch.
pub(crate) fn to_batch(rows: &[EvidenceRecord]) -> std::result::Result<RecordBatch, String> {
    let n = rows.len();
    let mut cols: Vec<StringBuilder> = (0..4)
        .map(|_| StringBuilder::with_capacity(n, n * 24))
        .collect();
    let mut line = Int64Builder::with_capacity(n);
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut text: Vec<StringBuilder> = (0..7)
        .map(|_| StringBuilder::with_capacity(n, n * 32))
        .collect();
    let mut ints: Vec<Int64Builder> = (0..3).map(|_| Int64Builder::with_capacity(n)).collect();
    let mut workers = ListBuilder::new(StringBuilder::new());
    let mut order = StringBuilder::new();
    for r in rows {
        cols[0].append_value(&r.schema);
        cols[1].append_value(&r.id);
        cols[2].append_value(&r.transform);
        cols[3].append_value(&r.source_stream);
        line.append_value(r.source_line as i64);
        ts.append_value(r.ts.timestamp_micros());
        text[0].append_value(r.kind.as_str());
        text[1].append_value(&r.task);
        text[2].append_value(r.input.to_string());
        text[3].append_value(r.output.to_string());
        text[4].append_option(r.label.as_deref());
        text[5].append_option(r.model.as_deref());
        text[6].append_value(r.metadata.to_string());
        ints[0].append_option(to_i64(r.prompt_tokens));
        ints[1].append_option(to_i64(r.completion_tokens));
        ints[2].append_option(to_i64(r.latency_ms));
        for w in &r.worker_ids {
            workers.values().append_value(w);
        }
        workers.append(true);
        order.append_option(r.order_id.as_deref());
    }
    let [schema, id, transform, stream] = cols.try_into().map_err(|_| "columns")?;
    let [kind, task, input, output, label, model, metadata] =
        text.try_into().map_err(|_| "columns")?;
    let [pt, ct, lat] = ints.try_into().map_err(|_| "columns")?;
    let f = |mut b: StringBuilder| Arc::new(b.finish()) as ArrayRef;
    let g = |mut b: Int64Builder| Arc::new(b.finish()) as ArrayRef;
    let arrays: Vec<ArrayRef> = vec![
        f(schema),
        f(id),
        f(transform),
        f(stream),
        g(line),
        Arc::new(ts.finish()),
        f(kind),
        f(task),
        f(input),
        f(output),
        f(label),
        f(model),
        g(pt),
        g(ct),
        g(lat),
        Arc::new(workers.finish()),
        f(order),
        f(metadata),
    ];
    RecordBatch::try_new(parquet_schema(), arrays).map_err(|e| e.to_string())
}

/// An open Parquet part being written under a temporary name.
pub(crate) struct PartWriter {
    pub tmp: PathBuf,
    pub dest: PathBuf,
    writer: ArrowWriter<File>,
    pub rows: u64,
}

impl PartWriter {
    pub fn create(
        tmp: PathBuf,
        dest: PathBuf,
        row_group_rows: usize,
        row_group_bytes: usize,
    ) -> Result<Self> {
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        // One writer per day is open during a run, so per-writer buffers are kept
        // small: modest pages, and dictionaries only where values repeat.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_data_page_size_limit(128 << 10)
            .set_dictionary_page_size_limit(128 << 10);
        for c in [
            "schema",
            "transform",
            "source_stream",
            "kind",
            "task",
            "label",
            "model",
        ] {
            props = props.set_column_dictionary_enabled(ColumnPath::from(c), true);
        }
        let props = props
            .set_max_row_group_row_count(Some(row_group_rows.max(1)))
            .set_max_row_group_bytes(Some(row_group_bytes.max(1)))
            .build();
        let writer =
            ArrowWriter::try_new(file, parquet_schema(), Some(props)).map_err(|e| perr(&tmp, e))?;
        Ok(PartWriter {
            tmp,
            dest,
            writer,
            rows: 0,
        })
    }

    pub fn write(&mut self, rows: &[EvidenceRecord]) -> Result<()> {
        let batch = to_batch(rows).map_err(|e| perr(&self.tmp, e))?;
        self.writer.write(&batch).map_err(|e| perr(&self.tmp, e))?;
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// Finishes the file and makes it durable under its temporary name.
    pub fn finish(self) -> Result<(PathBuf, PathBuf, u64)> {
        let file = self.writer.into_inner().map_err(|e| perr(&self.tmp, e))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        Ok((self.tmp, self.dest, self.rows))
    }
}

fn col<'a, T: 'static>(batch: &'a RecordBatch, name: &str, path: &Path) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| {
            perr(
                path,
                format!("column '{name}' missing or of the wrong type"),
            )
        })
}

fn json(s: &str, path: &Path) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| perr(path, format!("bad JSON in column: {e}")))
}

/// Reads one evidence part into records; `day` comes from the partition directory.
pub(crate) fn read_part(path: &Path, day: &str) -> Result<Vec<EvidenceRecord>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| perr(path, e))?;
    let mut out = Vec::new();
    for batch in reader {
        let b = batch.map_err(|e| perr(path, e))?;
        let s = |n: &str| col::<StringArray>(&b, n, path);
        let i = |n: &str| col::<Int64Array>(&b, n, path);
        let (schema, id, transform, stream) =
            (s("schema")?, s("id")?, s("transform")?, s("source_stream")?);
        let (kind, task, input, output) = (s("kind")?, s("task")?, s("input")?, s("output")?);
        let (label, model, order, meta) =
            (s("label")?, s("model")?, s("order_id")?, s("metadata")?);
        let (line, pt, ct, lat) = (
            i("source_line")?,
            i("prompt_tokens")?,
            i("completion_tokens")?,
            i("latency_ms")?,
        );
        let ts = col::<TimestampMicrosecondArray>(&b, "ts", path)?;
        let workers = col::<ListArray>(&b, "worker_ids", path)?;
        let opt_s = |a: &StringArray, r: usize| (!a.is_null(r)).then(|| a.value(r).to_owned());
        let opt_i = |a: &Int64Array, r: usize| (!a.is_null(r)).then(|| a.value(r).max(0) as u64);
        for r in 0..b.num_rows() {
            let wl = workers.value(r);
            let wl = wl
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| perr(path, "worker_ids items are not strings"))?;
            let ts = DateTime::<Utc>::from_timestamp_micros(ts.value(r))
                .ok_or_else(|| perr(path, "ts out of range"))?;
            out.push(EvidenceRecord {
                schema: schema.value(r).to_owned(),
                id: id.value(r).to_owned(),
                transform: transform.value(r).to_owned(),
                source_stream: stream.value(r).to_owned(),
                source_line: line.value(r).max(0) as u64,
                ts,
                day: day.to_owned(),
                kind: EvidenceKind::parse(kind.value(r)).map_err(|e| perr(path, e))?,
                task: task.value(r).to_owned(),
                input: json(input.value(r), path)?,
                output: json(output.value(r), path)?,
                label: opt_s(label, r),
                model: opt_s(model, r),
                prompt_tokens: opt_i(pt, r),
                completion_tokens: opt_i(ct, r),
                latency_ms: opt_i(lat, r),
                worker_ids: (0..wl.len()).map(|k| wl.value(k).to_owned()).collect(),
                order_id: opt_s(order, r),
                metadata: json(meta.value(r), path)?,
            });
        }
    }
    Ok(out)
}

/// Reads every committed record of the evidence index under `out_dir` (parts of runs
/// without a receipt are ignored), ordered by day, then part, then row.
pub fn read_evidence(out_dir: impl AsRef<Path>) -> Result<Vec<EvidenceRecord>> {
    let out = out_dir.as_ref();
    let committed: HashSet<String> = super::layout::committed_runs(out)?.into_iter().collect();
    let mut out_rows = Vec::new();
    for (day, run_id, path) in super::layout::list_parts(out)? {
        if committed.contains(&run_id) {
            out_rows.extend(read_part(&path, &day)?);
        }
    }
    Ok(out_rows)
}
