//! Arrow interop through the Arrow C data interface (arrow-rs `arrow-pyarrow`): index
//! records out as a `pyarrow.Table`, `upsert_batch` in from a `pyarrow.Table`, a pandas
//! `DataFrame` or any object with `__arrow_c_stream__`, without a copy through Python
//! objects for the vectors.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table};
use arrow_schema::{DataType, Field, Schema};
use lakehouse::index::Record;
use pyo3::prelude::*;

use crate::error::invalid;
use crate::json::to_value;

/// Records as a `pyarrow.Table` with columns `id`, `vector`, `metadata` (JSON text).
pub fn records_to_table<'py>(
    py: Python<'py>,
    records: &[Record],
    dim: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let ids = StringArray::from_iter_values(records.iter().map(|r| r.id.as_str()));
    let flat =
        Float32Array::from_iter_values(records.iter().flat_map(|r| r.vector.iter().copied()));
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let dim_i32 = i32::try_from(dim).map_err(|_| invalid(py, "dimension too large for Arrow"))?;
    let vectors = FixedSizeListArray::try_new(item.clone(), dim_i32, Arc::new(flat), None)
        .map_err(|e| invalid(py, e.to_string()))?;
    let meta = StringArray::from_iter_values(records.iter().map(|r| r.metadata.to_string()));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("vector", DataType::FixedSizeList(item, dim_i32), false),
        Field::new("metadata", DataType::Utf8, false),
    ]));
    let columns: Vec<ArrayRef> = vec![Arc::new(ids), Arc::new(vectors), Arc::new(meta)];
    let batch =
        RecordBatch::try_new(schema.clone(), columns).map_err(|e| invalid(py, e.to_string()))?;
    Table::try_new(vec![batch], schema)
        .map_err(|e| invalid(py, e.to_string()))?
        .into_pyarrow(py)
}

fn is_dataframe(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let t = obj.get_type();
    Ok(t.module()?.to_str()?.starts_with("pandas") && t.name()?.to_str()? == "DataFrame")
}

/// Records from a table with `id` (str), `vector` (list of floats) and optional
/// `metadata` (dicts, structs or JSON text) columns.
pub fn records_from_table(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Record>> {
    let py = obj.py();
    let dataframe = is_dataframe(obj)?;
    let source = if dataframe {
        py.import("pyarrow")?
            .getattr("Table")?
            .call_method1("from_pandas", (obj,))?
    } else {
        obj.clone()
    };
    if !source.hasattr("__arrow_c_stream__")? && !source.hasattr("_export_to_c")? {
        return Err(invalid(
            py,
            "upsert_batch takes ids with a vectors matrix, or a pyarrow.Table / pandas.DataFrame",
        ));
    }
    let table = Table::from_pyarrow_bound(&source)?;
    let mut ids = Vec::new();
    let mut vectors = Vec::new();
    let mut json_meta: Option<Vec<serde_json::Value>> = Some(Vec::new());
    for batch in table.record_batches() {
        let id_col = batch
            .column_by_name("id")
            .ok_or_else(|| invalid(py, "the table has no 'id' column"))?;
        let id_strings: Vec<Option<&str>> = if let Some(a) = id_col.as_string_opt::<i32>() {
            a.iter().collect()
        } else if let Some(a) = id_col.as_string_opt::<i64>() {
            a.iter().collect()
        } else {
            return Err(invalid(
                py,
                format!("column 'id' must be strings, is {}", id_col.data_type()),
            ));
        };
        for id in id_strings {
            let id = id.ok_or_else(|| invalid(py, format!("row {}: id is null", ids.len())))?;
            ids.push(id.to_owned());
        }
        let vec_col = batch
            .column_by_name("vector")
            .ok_or_else(|| invalid(py, "the table has no 'vector' column"))?;
        push_vectors(py, vec_col, &mut vectors)?;
        match (batch.column_by_name("metadata"), json_meta.as_mut()) {
            (Some(m), Some(out)) if matches!(m.data_type(), DataType::Utf8) => {
                let m = m.as_string::<i32>();
                for i in 0..m.len() {
                    out.push(if m.is_null(i) {
                        serde_json::Value::Null
                    } else {
                        serde_json::from_str(m.value(i))
                            .map_err(|e| invalid(py, format!("metadata row {i}: {e}")))?
                    });
                }
            }
            (Some(_), _) => json_meta = None,
            (None, Some(out)) => out.extend(std::iter::repeat_n(
                serde_json::Value::Null,
                batch.num_rows(),
            )),
            (None, None) => {}
        }
    }
    // Non-text metadata (dicts in a DataFrame, Arrow structs) goes through Python objects.
    let metas = match json_meta {
        Some(m) => m,
        None => {
            let list = if dataframe {
                obj.get_item("metadata")?.call_method0("tolist")?
            } else {
                source
                    .call_method1("column", ("metadata",))?
                    .call_method0("to_pylist")?
            };
            list.try_iter()?
                .map(|v| v.and_then(|v| to_value(&v)))
                .collect::<PyResult<Vec<_>>>()?
        }
    };
    Ok(ids
        .into_iter()
        .zip(vectors)
        .zip(metas)
        .map(|((id, vector), metadata)| Record {
            id,
            vector,
            metadata,
        })
        .collect())
}

fn floats(py: Python<'_>, values: &dyn Array) -> PyResult<Vec<f32>> {
    if values.null_count() > 0 {
        return Err(invalid(py, "vectors contain nulls"));
    }
    match values.data_type() {
        DataType::Float32 => Ok(values.as_primitive::<Float32Type>().values().to_vec()),
        DataType::Float64 => Ok(values
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| v as f32)
            .collect()),
        other => Err(invalid(
            py,
            format!("vector values must be float32 or float64, are {other}"),
        )),
    }
}

fn push_vectors(py: Python<'_>, col: &ArrayRef, out: &mut Vec<Vec<f32>>) -> PyResult<()> {
    if col.null_count() > 0 {
        return Err(invalid(py, "column 'vector' has nulls"));
    }
    match col.data_type() {
        DataType::FixedSizeList(_, _) => {
            let l = col.as_fixed_size_list();
            for i in 0..l.len() {
                out.push(floats(py, l.value(i).as_ref())?);
            }
        }
        DataType::List(_) => {
            let l = col.as_list::<i32>();
            for i in 0..l.len() {
                out.push(floats(py, l.value(i).as_ref())?);
            }
        }
        DataType::LargeList(_) => {
            let l = col.as_list::<i64>();
            for i in 0..l.len() {
                out.push(floats(py, l.value(i).as_ref())?);
            }
        }
        other => {
            return Err(invalid(
                py,
                format!("column 'vector' must be a list of floats, is {other}"),
            ))
        }
    }
    Ok(())
}
