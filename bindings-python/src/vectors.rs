//! Vectors in and out: numpy `float32` arrays, with any array-like accepted (float64,
//! lists, non-contiguous views) and its shape checked against the index dimension.

use numpy::{
    AllowTypeChange, PyArray1, PyArray2, PyArrayLikeDyn, PyArrayMethods, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use crate::error::raise;

fn shape_error(
    py: Python<'_>,
    what: &str,
    expected: &str,
    shape: &[usize],
    dim: usize,
    got: usize,
) -> PyErr {
    let msg = format!("{what} has shape {shape:?}, expected {expected}");
    raise(
        py,
        "DIMENSION_MISMATCH",
        &msg,
        &serde_json::json!({"what": what, "expected": dim, "got": got, "shape": shape}),
    )
}

fn as_array<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<PyArrayLikeDyn<'py, f32, AllowTypeChange>> {
    obj.extract::<PyArrayLikeDyn<'py, f32, AllowTypeChange>>()
        .map_err(|e| {
            crate::error::invalid(obj.py(), format!("{what} is not an array of numbers: {e}"))
        })
}

/// One vector of `dim` values (`dim == 0`: any length).
pub fn vector(obj: &Bound<'_, PyAny>, dim: usize, what: &str) -> PyResult<Vec<f32>> {
    let py = obj.py();
    let arr = as_array(obj, what)?;
    let shape = arr.shape().to_vec();
    match shape.as_slice() {
        [n] if dim == 0 || *n == dim => {}
        [1, n] if dim == 0 || *n == dim => {}
        [n] => return Err(shape_error(py, what, &format!("({dim},)"), &shape, dim, *n)),
        _ => {
            let got = shape.last().copied().unwrap_or(0);
            return Err(shape_error(
                py,
                what,
                &format!("({dim},)"),
                &shape,
                dim,
                got,
            ));
        }
    }
    Ok(match arr.as_slice() {
        Ok(s) if arr.is_c_contiguous() => s.to_vec(),
        _ => arr.as_array().iter().copied().collect(),
    })
}

/// An `(n, dim)` matrix as `n` row vectors (`dim == 0`: any width). A 1-D input is
/// one row.
pub fn matrix(obj: &Bound<'_, PyAny>, dim: usize, what: &str) -> PyResult<Vec<Vec<f32>>> {
    let py = obj.py();
    let arr = as_array(obj, what)?;
    let shape = arr.shape().to_vec();
    let (rows, cols) = match shape.as_slice() {
        [n, d] => (*n, *d),
        [d] => (1, *d),
        _ => {
            let got = shape.last().copied().unwrap_or(0);
            return Err(shape_error(
                py,
                what,
                &format!("(n, {dim})"),
                &shape,
                dim,
                got,
            ));
        }
    };
    if dim != 0 && cols != dim && rows > 0 {
        return Err(shape_error(
            py,
            what,
            &format!("(n, {dim})"),
            &shape,
            dim,
            cols,
        ));
    }
    // `as_slice` also accepts Fortran order, whose rows are not contiguous.
    let view = arr.as_array();
    if let (true, Ok(flat)) = (arr.is_c_contiguous(), arr.as_slice()) {
        return Ok(flat
            .chunks(cols.max(1))
            .take(rows)
            .map(<[f32]>::to_vec)
            .collect());
    }
    let flat: Vec<f32> = view.iter().copied().collect();
    Ok(flat
        .chunks(cols.max(1))
        .take(rows)
        .map(<[f32]>::to_vec)
        .collect())
}

/// A vector as a numpy `float32` array.
pub fn to_numpy(py: Python<'_>, v: Vec<f32>) -> Bound<'_, PyArray1<f32>> {
    PyArray1::from_vec(py, v)
}

/// Row vectors of equal length `dim` as an `(n, dim)` numpy `float32` array.
pub fn rows_to_numpy(
    py: Python<'_>,
    rows: Vec<Vec<f32>>,
    dim: usize,
) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let n = rows.len();
    let flat: Vec<f32> = rows.into_iter().flatten().collect();
    if flat.len() != n * dim {
        return Err(raise(
            py,
            "DIMENSION_MISMATCH",
            &format!("{n} vectors do not all have {dim} values"),
            &serde_json::json!({"expected": dim, "got": flat.len()}),
        ));
    }
    PyArray1::from_vec(py, flat).reshape([n, dim])
}
