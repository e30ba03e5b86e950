//! Data crosses the binding in its serde JSON shape (SPEC §8): Python dicts, lists and
//! scalars in, the same shapes out. Conversion goes object by object (no text round
//! trip) and accepts what pandas and numpy rows are full of: numpy scalars and arrays,
//! tuples, any mapping, dates (as ISO 8601 text).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::error::invalid;

/// Nesting deeper than this is refused (a cycle would otherwise recurse forever).
const MAX_DEPTH: usize = 128;

/// A Python object as a JSON value.
pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    convert(obj, 0)
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(invalid(py, "JSON value nested more than 128 levels deep"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int(obj);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float(py, f.value());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            map.insert(key(&k)?, convert(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().map(|v| convert(&v, depth + 1)).collect();
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|v| convert(&v, depth + 1)).collect();
    }
    // numpy scalars (np.int64, np.float32, np.bool_) and 0-d arrays: `.item()` gives
    // the Python scalar; arrays: `.tolist()`.
    if obj.hasattr("dtype")? {
        if obj.hasattr("tolist")? && obj.getattr("ndim")?.extract::<usize>().unwrap_or(0) > 0 {
            return convert(&obj.call_method0("tolist")?, depth + 1);
        }
        if obj.hasattr("item")? {
            return convert(&obj.call_method0("item")?, depth + 1);
        }
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            map.insert(key(&k)?, convert(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.hasattr("isoformat")? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if obj.hasattr("__index__")? {
        return int(&obj.call_method0("__index__")?);
    }
    if obj.hasattr("__float__")? {
        return float(py, obj.call_method0("__float__")?.extract()?);
    }
    if let Ok(iter) = obj.try_iter() {
        return iter.map(|v| convert(&v?, depth + 1)).collect();
    }
    Err(invalid(
        py,
        format!(
            "a {} is not a JSON value (use dict, list, str, int, float, bool or None)",
            obj.get_type().name()?
        ),
    ))
}

fn key(k: &Bound<'_, PyAny>) -> PyResult<String> {
    match k.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(invalid(
            k.py(),
            format!("JSON object keys must be str, got {}", k.get_type().name()?),
        )),
    }
}

fn int(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Ok(Value::Number(u.into()));
    }
    Err(invalid(
        obj.py(),
        format!("integer {obj} does not fit in 64 bits"),
    ))
}

fn float(py: Python<'_>, f: f64) -> PyResult<Value> {
    Number::from_f64(f).map(Value::Number).ok_or_else(|| {
        invalid(
            py,
            format!("{f} is not a finite number (JSON has no NaN or infinity)"),
        )
    })
}

/// A JSON value as a Python object.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serde value of the core as its Python shape.
pub fn ser<'py, T: Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v).map_err(|e| crate::error::err(e.into()))?;
    to_py(py, &value)
}

/// A Python object read as a serde value of the core; a shape mismatch is
/// `INVALID_INPUT` naming `what`.
pub fn de<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let value = to_value(obj)?;
    serde_json::from_value(value).map_err(|e| invalid(obj.py(), format!("bad {what}: {e}")))
}

/// An optional Python object (None = absent) read as a serde value.
pub fn de_opt<T: DeserializeOwned>(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<T>> {
    match obj {
        Some(o) if !o.is_none() => de(o, what).map(Some),
        _ => Ok(None),
    }
}

/// Keyword arguments (and an optional dict of the same) as one JSON object.
pub fn kwargs_object(
    base: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Map<String, Value>> {
    let mut map = match base {
        Some(b) if !b.is_none() => match to_value(b)? {
            Value::Object(m) => m,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "options must be a dict, got {other}"
                )))
            }
        },
        _ => Map::new(),
    };
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            map.insert(key(&k)?, to_value(&v)?);
        }
    }
    Ok(map)
}

/// An options or config object of the core from a JSON object (unknown keys and bad
/// values are `INVALID_CONFIG`).
pub fn options<T: lakehouse::Options>(map: Map<String, Value>) -> PyResult<T> {
    T::from_value(&Value::Object(map)).map_err(crate::error::err)
}
