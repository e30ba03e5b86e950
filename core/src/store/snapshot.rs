//! Snapshots: every live record of an index as one Parquet file.
//!
//! # Schema (the only place it is defined)
//!
//! | column     | Arrow type                          | content                              |
//! |------------|-------------------------------------|--------------------------------------|
//! | `id`       | `Utf8`, not null                    | record id                            |
//! | `vector`   | `FixedSizeList<Float32>[dim]`, not null | stored vector (normalised for cosine) |
//! | `metadata` | `Utf8`, not null                    | metadata as compact JSON             |
//!
//! File-level key/value metadata: `lakehouse.index` (name), `lakehouse.dim`,
//! `lakehouse.format` = `lakehouse.snapshot.v1`. pandas, polars, DuckDB and pyarrow
//! read the file as is. Files are named `snap-<generation>.parquet`, written to a temp
//! name, fsynced and renamed; their size and CRC32 go into the manifest and are
//! verified before a single byte is decoded.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::fsio::{self, CrcWriter};
use super::ix::Record;
use super::manifest::FileEntry;
use crate::{Error, Result};

/// Rows per record batch and per Parquet row group unit.
const BATCH_ROWS: usize = 8192;
/// Value of the `lakehouse.format` key.
pub(crate) const FORMAT: &str = "lakehouse.snapshot.v1";

/// File name of the snapshot of generation `gen`.
pub(crate) fn snapshot_name(gen: u64) -> String {
    format!("snap-{gen:020}.parquet")
}

/// The Arrow schema of a snapshot of dimension `dim`.
pub(crate) fn schema(dim: usize) -> Result<SchemaRef> {
    let dim = i32::try_from(dim).map_err(|_| Error::invalid(format!("dim {dim} too large")))?;
    Ok(Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, false)), dim),
            false,
        ),
        Field::new("metadata", DataType::Utf8, false),
    ])))
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn batch(schema: &SchemaRef, dim: usize, rows: &[Record], path: &Path) -> Result<RecordBatch> {
    let ids = StringArray::from_iter_values(rows.iter().map(|r| r.id.as_str()));
    let mut values = Vec::with_capacity(rows.len() * dim);
    let mut metas = Vec::with_capacity(rows.len());
    for r in rows {
        if r.vector.len() != dim {
            return Err(Error::Internal(format!(
                "record '{}' has {} values in an index of dim {dim}",
                r.id,
                r.vector.len()
            )));
        }
        values.extend_from_slice(&r.vector);
        metas.push(serde_json::to_string(&r.metadata)?);
    }
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let vectors =
        FixedSizeListArray::try_new(item, dim as i32, Arc::new(Float32Array::from(values)), None)
            .map_err(|e| parquet_err(path, e))?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(vectors),
        Arc::new(StringArray::from(metas)),
    ];
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| parquet_err(path, e))
}

/// Writes `records` as the snapshot file `dir/<file_name>`: temp file, fsync, rename,
/// fsync of the directory. Returns the manifest entry (size + CRC32). `stop` is asked
/// between record batches; when it answers with an error the write is abandoned (the
/// temp file removed) and that error returned.
pub(crate) fn write(
    dir: &Path,
    file_name: &str,
    index_name: &str,
    dim: usize,
    records: &[Record],
    stop: &dyn Fn() -> Result<()>,
) -> Result<FileEntry> {
    let path = dir.join(file_name);
    let tmp = fsio::tmp_path(&path);
    let res = write_file(&tmp, index_name, dim, records, stop);
    let (size, crc32) = match res {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    fsio::rename_durable(&tmp, &path)?;
    Ok(FileEntry {
        path: file_name.to_owned(),
        size,
        crc32,
    })
}

fn write_file(
    path: &Path,
    index_name: &str,
    dim: usize,
    records: &[Record],
    stop: &dyn Fn() -> Result<()>,
) -> Result<(u64, u32)> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let schema = schema(dim)?;
    // Ids are unique and vectors are noise to a dictionary: plain encoding throughout;
    // snappy still shrinks the metadata JSON and costs little on incompressible floats.
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_max_row_group_row_count(Some(BATCH_ROWS * 8))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("lakehouse.format".into(), FORMAT.to_owned()),
            KeyValue::new("lakehouse.index".into(), index_name.to_owned()),
            KeyValue::new("lakehouse.dim".into(), dim.to_string()),
        ]))
        .build();
    let mut w = ArrowWriter::try_new(CrcWriter::new(file), schema.clone(), Some(props))
        .map_err(|e| parquet_err(path, e))?;
    for chunk in records.chunks(BATCH_ROWS) {
        stop()?;
        let b = batch(&schema, dim, chunk, path)?;
        w.write(&b).map_err(|e| parquet_err(path, e))?;
    }
    let crc_writer = w.into_inner().map_err(|e| parquet_err(path, e))?;
    let (file, size, crc) = crc_writer.finish();
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok((size, crc))
}

/// Checks a file against its manifest entry; `Err(reason)` when it does not match.
pub(crate) fn verify(path: &Path, entry: &FileEntry) -> std::result::Result<(), String> {
    match fsio::crc32_file(path) {
        Ok((size, _)) if size != entry.size => Err(format!(
            "size is {size} bytes, the manifest says {}",
            entry.size
        )),
        Ok((_, crc)) if crc != entry.crc32 => Err(format!(
            "CRC32 is {crc:08x}, the manifest says {:08x}",
            entry.crc32
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads a snapshot after verifying it against its manifest entry. Any mismatch or
/// decoding failure is `Corrupt` naming the file; a missing file is `Io` (NotFound).
pub(crate) fn read(dir: &Path, entry: &FileEntry, dim: usize) -> Result<Vec<Record>> {
    let path = dir.join(&entry.path);
    if let Err(e) = std::fs::metadata(&path) {
        return Err(Error::io(&path, e));
    }
    let corrupt = |reason: String| Error::Corrupt {
        path: path.clone(),
        reason,
    };
    verify(&path, entry).map_err(corrupt)?;
    let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut out = Vec::new();
    for_each_batch(file, dim, |batch| {
        out.extend(batch);
        Ok(())
    })
    .map_err(corrupt)?;
    Ok(out)
}

/// Streams the records of a snapshot file batch by batch.
fn for_each_batch(
    file: File,
    dim: usize,
    mut f: impl FnMut(Vec<Record>) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| e.to_string())?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| e.to_string())?;
    for b in reader {
        let b = b.map_err(|e| e.to_string())?;
        f(decode_batch(&b, dim)?)?;
    }
    Ok(())
}

fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> std::result::Result<&'a T, String> {
    let col = b
        .column_by_name(name)
        .ok_or_else(|| format!("column '{name}' missing"))?;
    if col.null_count() > 0 {
        return Err(format!("column '{name}' has nulls"));
    }
    col.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("column '{name}' has type {}", col.data_type()))
}

fn decode_batch(b: &RecordBatch, dim: usize) -> std::result::Result<Vec<Record>, String> {
    let ids: &StringArray = column(b, "id")?;
    let vectors: &FixedSizeListArray = column(b, "vector")?;
    let metas: &StringArray = column(b, "metadata")?;
    if vectors.value_length() as usize != dim {
        return Err(format!(
            "vectors have {} values, the index has dim {dim}",
            vectors.value_length()
        ));
    }
    let values = vectors
        .values()
        .as_any()
        .downcast_ref::<Float32Array>()
        .ok_or("vector items are not Float32")?;
    if values.null_count() > 0 {
        return Err("vector values have nulls".into());
    }
    let values = values.values();
    let base = vectors.offset() * dim;
    let mut out = Vec::with_capacity(b.num_rows());
    for i in 0..b.num_rows() {
        let start = base + i * dim;
        let vector = values
            .get(start..start + dim)
            .ok_or("vector column shorter than its rows")?
            .to_vec();
        let metadata = serde_json::from_str(metas.value(i))
            .map_err(|e| format!("metadata of row {i} is not JSON: {e}"))?;
        out.push(Record {
            id: ids.value(i).to_owned(),
            vector,
            metadata,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn recs(n: usize, dim: usize) -> Vec<Record> {
        (0..n)
            .map(|i| Record {
                id: format!("r{i}"),
                vector: (0..dim).map(|j| (i * dim + j) as f32 * 0.5).collect(),
                metadata: json!({"i": i, "tags": ["a", "b"]}),
            })
            .collect()
    }

    #[test]
    fn round_trip_including_empty() {
        let d = tempfile::tempdir().unwrap();
        for n in [0, 1, BATCH_ROWS + 3] {
            let rs = recs(n, 3);
            let e = write(d.path(), &snapshot_name(n as u64), "w", 3, &rs, &|| Ok(())).unwrap();
            assert_eq!(read(d.path(), &e, 3).unwrap(), rs);
            assert!(!fsio::tmp_path(&d.path().join(&e.path)).exists());
        }
    }

    #[test]
    fn flipped_byte_is_corrupt_naming_the_file() {
        let d = tempfile::tempdir().unwrap();
        let e = write(d.path(), "s.parquet", "w", 4, &recs(10, 4), &|| Ok(())).unwrap();
        let p = d.path().join("s.parquet");
        let mut bytes = std::fs::read(&p).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x40;
        std::fs::write(&p, &bytes).unwrap();
        let err = read(d.path(), &e, 4).unwrap_err();
        assert_eq!(err.code(), "CORRUPT");
        assert!(err.to_string().contains("s.parquet"), "{err}");
        // Wrong dimension in the manifest: decodes but is refused.
        bytes[mid] ^= 0x40;
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(read(d.path(), &e, 5).unwrap_err().code(), "CORRUPT");
    }
}
