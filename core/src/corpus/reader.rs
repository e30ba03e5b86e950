//! Streaming Parquet reader for workers.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int32Type, Int64Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ListArray, RecordBatch, StringArray};
use arrow_schema::DataType;
use chrono::Weekday;
use parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use super::schema::{worker_schema, REQUIRED_COLUMNS};
use super::writer::days_to_date;
use super::{Certification, Worker, WorkerStatus};
use crate::{Error, Result};

/// Default rows per record batch.
pub const DEFAULT_READ_BATCH: usize = 4096;

/// One decoded row: its 0-based position in the file and the worker, or why the row
/// cannot be a worker (null id, unknown status, …).
pub type RowResult = (u64, std::result::Result<Worker, String>);

/// Reads a workers Parquet file one record batch at a time (bounded memory).
///
/// Iterating yields `Result<Vec<Worker>>` per batch and fails on the first bad row;
/// [`WorkerReader::next_rows`] instead reports bad rows individually (what ingest uses).
///
/// ```
/// use lakehouse::corpus::{generate_workers, write_workers_parquet, WorkerReader};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("w.parquet");
/// write_workers_parquet(&path, generate_workers(100, 1))?;
/// let reader = WorkerReader::open_with_batch_size(&path, 32)?;
/// assert_eq!(reader.total_rows(), 100);
/// let sizes: Vec<usize> = reader.map(|b| b.map(|b| b.len())).collect::<Result<_, _>>()?;
/// assert_eq!(sizes, vec![32, 32, 32, 4]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WorkerReader {
    batches: ParquetRecordBatchReader,
    path: PathBuf,
    /// File column index of each column of [`worker_schema`], in that order.
    columns: Vec<Option<usize>>,
    total_rows: u64,
    next_row: u64,
}

impl WorkerReader {
    /// Opens `path` with [`DEFAULT_READ_BATCH`] rows per batch.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_batch_size(path, DEFAULT_READ_BATCH)
    }

    /// Opens `path`, checking that required columns exist with the right types.
    pub fn open_with_batch_size(path: impl AsRef<Path>, batch_size: usize) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let perr = |reason: String| Error::Parquet {
            path: path.clone(),
            reason,
        };
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        // The embedded Arrow schema is only a hint; ignoring it makes strings written as
        // large_string / string_view / dictionary (pyarrow, polars) decode as Utf8.
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .map_err(|e| perr(e.to_string()))?;
        let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let file_schema = builder.schema().clone();
        let mut columns = Vec::new();
        for field in worker_schema().fields() {
            let name = field.name();
            match file_schema.index_of(name) {
                Ok(i) => {
                    let found = file_schema.field(i).data_type();
                    if !compatible(field.data_type(), found) {
                        return Err(perr(format!(
                            "column '{name}' has type {found}, expected {}",
                            field.data_type()
                        )));
                    }
                    columns.push(Some(i));
                }
                Err(_) if REQUIRED_COLUMNS.contains(&name.as_str()) => {
                    return Err(perr(format!("missing required column '{name}'")));
                }
                Err(_) => columns.push(None),
            }
        }
        let batches = builder
            .with_batch_size(batch_size.max(1))
            .build()
            .map_err(|e| perr(e.to_string()))?;
        Ok(WorkerReader {
            batches,
            path,
            columns,
            total_rows,
            next_row: 0,
        })
    }

    /// Rows in the file according to its footer.
    pub fn total_rows(&self) -> u64 {
        self.total_rows
    }

    /// The next batch with every row decoded independently, or `None` at the end.
    pub fn next_rows(&mut self) -> Option<Result<Vec<RowResult>>> {
        let batch = match self.batches.next()? {
            Ok(b) => b,
            Err(e) => {
                return Some(Err(Error::Parquet {
                    path: self.path.clone(),
                    reason: e.to_string(),
                }))
            }
        };
        let first = self.next_row;
        self.next_row += batch.num_rows() as u64;
        Some(Ok(decode_batch(&batch, &self.columns, first)))
    }
}

impl Iterator for WorkerReader {
    type Item = Result<Vec<Worker>>;

    fn next(&mut self) -> Option<Self::Item> {
        let rows = match self.next_rows()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let path = self.path.clone();
        Some(
            rows.into_iter()
                .map(|(row, r)| {
                    r.map_err(|reason| Error::Parquet {
                        path: path.clone(),
                        reason: format!("row {row}: {reason}"),
                    })
                })
                .collect(),
        )
    }
}

/// Reads every worker of `path` (fails on the first bad row).
pub fn read_workers(path: impl AsRef<Path>) -> Result<Vec<Worker>> {
    let mut out = Vec::new();
    for batch in WorkerReader::open(path)? {
        out.extend(batch?);
    }
    Ok(out)
}

fn compatible(expected: &DataType, found: &DataType) -> bool {
    match (expected, found) {
        // Numbers are converted: pandas writes float64 ratings and int64 years.
        (e, f) if is_number(e) && is_number(f) => true,
        (DataType::List(e), DataType::List(f)) => compatible(e.data_type(), f.data_type()),
        (DataType::Struct(e), DataType::Struct(f)) => e.iter().all(|ef| {
            f.iter()
                .any(|ff| ff.name() == ef.name() && compatible(ef.data_type(), ff.data_type()))
        }),
        _ => expected == found,
    }
}

fn is_number(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Float32
            | DataType::Float64
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// A numeric column of any of the accepted types, read as f64.
#[derive(Clone, Copy)]
enum Num<'a> {
    F32(&'a arrow_array::PrimitiveArray<Float32Type>),
    F64(&'a arrow_array::PrimitiveArray<Float64Type>),
    I32(&'a arrow_array::PrimitiveArray<Int32Type>),
    I64(&'a arrow_array::PrimitiveArray<Int64Type>),
    U32(&'a arrow_array::PrimitiveArray<UInt32Type>),
    U64(&'a arrow_array::PrimitiveArray<UInt64Type>),
}

impl<'a> Num<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Float32 => Num::F32(a.as_primitive_opt()?),
            DataType::Float64 => Num::F64(a.as_primitive_opt()?),
            DataType::Int32 => Num::I32(a.as_primitive_opt()?),
            DataType::Int64 => Num::I64(a.as_primitive_opt()?),
            DataType::UInt32 => Num::U32(a.as_primitive_opt()?),
            DataType::UInt64 => Num::U64(a.as_primitive_opt()?),
            _ => return None,
        })
    }

    fn get(self, row: usize) -> Option<f64> {
        macro_rules! v {
            ($a:expr) => {
                $a.is_valid(row).then(|| $a.value(row) as f64)
            };
        }
        match self {
            Num::F32(a) => v!(a),
            Num::F64(a) => v!(a),
            Num::I32(a) => v!(a),
            Num::I64(a) => v!(a),
            Num::U32(a) => v!(a),
            Num::U64(a) => v!(a),
        }
    }
}

/// Reads an optional numeric field: missing or null → 0; NaN, infinite or outside
/// `min..=max` rejects the row.
fn number(
    c: Option<Num<'_>>,
    row: usize,
    name: &str,
    min: f64,
    max: f64,
) -> std::result::Result<f64, String> {
    match c.and_then(|c| c.get(row)) {
        None => Ok(0.0),
        Some(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
        Some(v) => Err(format!(
            "column '{name}' has value {v} outside {min}..={max}"
        )),
    }
}

/// Typed views of one batch's columns, in [`worker_schema`] order.
struct Cols<'a> {
    strings: [Option<&'a StringArray>; 9],
    skills: Option<&'a ListArray>,
    certs: Option<&'a ListArray>,
    years: Option<Num<'a>>,
    rate: Option<Num<'a>>,
    availability: Option<&'a ListArray>,
    status: Option<&'a StringArray>,
    rating: Option<Num<'a>>,
    summary: Option<&'a StringArray>,
}

const STRING_NAMES: [&str; 9] = [
    "worker_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "city",
    "state",
    "zip",
    "role",
];

fn decode_batch(batch: &RecordBatch, columns: &[Option<usize>], first_row: u64) -> Vec<RowResult> {
    let col = |k: usize| columns.get(k).copied().flatten().map(|i| batch.column(i));
    let cols = Cols {
        strings: std::array::from_fn(|k| col(k).and_then(|c| c.as_string_opt::<i32>())),
        skills: col(9).and_then(|c| c.as_list_opt::<i32>()),
        certs: col(10).and_then(|c| c.as_list_opt::<i32>()),
        years: col(11).and_then(|c| Num::of(c.as_ref())),
        rate: col(12).and_then(|c| Num::of(c.as_ref())),
        availability: col(13).and_then(|c| c.as_list_opt::<i32>()),
        status: col(14).and_then(|c| c.as_string_opt::<i32>()),
        rating: col(15).and_then(|c| Num::of(c.as_ref())),
        summary: col(16).and_then(|c| c.as_string_opt::<i32>()),
    };
    (0..batch.num_rows())
        .map(|r| (first_row + r as u64, decode_row(&cols, r)))
        .collect()
}

fn opt_str(c: Option<&StringArray>, row: usize) -> Option<&str> {
    c.filter(|c| c.is_valid(row)).map(|c| c.value(row))
}

fn string_list(c: Option<&ListArray>, row: usize) -> Vec<String> {
    let Some(list) = c.filter(|c| c.is_valid(row)) else {
        return Vec::new();
    };
    let Some(values) = list.values().as_string_opt::<i32>() else {
        return Vec::new();
    };
    let offsets = list.value_offsets();
    let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
    (start..end)
        .filter(|&i| values.is_valid(i))
        .map(|i| values.value(i).to_string())
        .collect()
}

fn decode_row(c: &Cols<'_>, row: usize) -> std::result::Result<Worker, String> {
    let mut s: [String; 9] = Default::default();
    for (k, slot) in s.iter_mut().enumerate() {
        match opt_str(c.strings[k], row) {
            Some(v) => *slot = v.to_string(),
            None if REQUIRED_COLUMNS.contains(&STRING_NAMES[k]) => {
                return Err(format!("column '{}' is null", STRING_NAMES[k]));
            }
            None => {}
        }
    }
    if s[0].trim().is_empty() {
        return Err("column 'worker_id' is empty".into());
    }
    let status_str = opt_str(c.status, row).ok_or("column 'status' is null")?;
    let status = WorkerStatus::parse(status_str)
        .ok_or_else(|| format!("column 'status' has unknown value {status_str:?}"))?;
    let availability = string_list(c.availability, row)
        .iter()
        .map(|d| {
            parse_weekday(d).ok_or_else(|| format!("column 'availability' has unknown day {d:?}"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let years = number(c.years, row, "years_experience", 0.0, 100.0)? as u32;
    let hourly_rate = number(c.rate, row, "hourly_rate", 0.0, 1.0e6)?;
    let rating = number(c.rating, row, "rating", 0.0, 5.0)? as f32;
    let [worker_id, first_name, last_name, phone, email, city, state, zip, role] = s;
    Ok(Worker {
        worker_id,
        first_name,
        last_name,
        phone,
        email,
        city,
        state,
        zip,
        role,
        skills: string_list(c.skills, row),
        certifications: certifications(c.certs, row)?,
        years_experience: years,
        hourly_rate,
        availability,
        status,
        rating,
        summary: opt_str(c.summary, row).unwrap_or_default().to_string(),
    })
}

fn certifications(
    c: Option<&ListArray>,
    row: usize,
) -> std::result::Result<Vec<Certification>, String> {
    let Some(list) = c.filter(|c| c.is_valid(row)) else {
        return Ok(Vec::new());
    };
    let items = list.values().as_struct();
    let names = items
        .column_by_name("name")
        .and_then(|a| a.as_string_opt::<i32>())
        .ok_or("column 'certifications' has no string field 'name'")?;
    let expires = items
        .column_by_name("expires")
        .and_then(|a| a.as_primitive_opt::<Date32Type>())
        .ok_or("column 'certifications' has no date field 'expires'")?;
    let offsets = list.value_offsets();
    let mut out = Vec::new();
    for i in offsets[row] as usize..offsets[row + 1] as usize {
        if !names.is_valid(i) {
            continue;
        }
        let expires = if expires.is_valid(i) {
            Some(days_to_date(expires.value(i)).ok_or("certification expiry date out of range")?)
        } else {
            None
        };
        out.push(Certification {
            name: names.value(i).to_string(),
            expires,
        });
    }
    Ok(out)
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}
