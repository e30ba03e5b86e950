//! JSON values and vectors across the boundary, converted by hand.
//!
//! Data crosses in its serde JSON shape (snake_case keys, SPEC §8). Numbers follow the
//! SPEC rule: a finite integral number within ±2^53 becomes a JSON integer, so Node
//! writes the same bytes as Rust and Python. `undefined` object fields are skipped (as
//! `JSON.stringify` does); `undefined` elsewhere, functions, symbols, NaN and ±Infinity
//! are `INVALID_INPUT`; a `Date` becomes its ISO-8601 string.

use lakehouse::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::js::{Js, Kind, Raw};

/// Largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;
/// Deepest nesting accepted (a cyclic object would otherwise recurse forever).
const MAX_DEPTH: usize = 128;

/// A napi failure while reading a value, reported like any other bad input.
fn napi_err(what: &str, e: napi::Error) -> Error {
    Error::invalid(format!("{what}: {}", e.reason))
}

/// Converts a JS value to JSON. `what` names the argument in error messages.
pub fn from_js(js: Js, v: Raw, what: &str) -> Result<Value, Error> {
    from_js_at(js, v, what, 0)
}

fn from_js_at(js: Js, v: Raw, what: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(format!(
            "{what} nests deeper than {MAX_DEPTH} levels (a cycle?)"
        )));
    }
    let kind = js.kind(v).map_err(|e| napi_err(what, e))?;
    match kind {
        Kind::Null => Ok(Value::Null),
        Kind::Boolean => js
            .get_bool(v)
            .map(Value::Bool)
            .map_err(|e| napi_err(what, e)),
        Kind::Number => number(js.get_f64(v).map_err(|e| napi_err(what, e))?, what),
        Kind::String => js
            .get_str(v)
            .map(Value::String)
            .map_err(|e| napi_err(what, e)),
        Kind::Object => object(js, v, what, depth),
        Kind::Undefined | Kind::Symbol | Kind::Function | Kind::Other => Err(Error::invalid(
            format!("{what} is {}, expected a JSON value", kind.name()),
        )),
    }
}

fn number(n: f64, what: &str) -> Result<Value, Error> {
    if !n.is_finite() {
        return Err(Error::invalid(format!(
            "{what} is {n}, expected a finite number"
        )));
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        return Ok(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n)
        .map(Value::Number)
        .ok_or_else(|| Error::invalid(format!("{what} is {n}, expected a finite number")))
}

fn object(js: Js, v: Raw, what: &str, depth: usize) -> Result<Value, Error> {
    let e = |err| napi_err(what, err);
    if js.is_array(v).map_err(e)? {
        let n = js.array_len(v).map_err(e)?;
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let item = js.element(v, i).map_err(e)?;
            out.push(from_js_at(js, item, &format!("{what}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Some(f) = js.float_typed_array(v).map_err(e)? {
        return f
            .into_iter()
            .enumerate()
            .map(|(i, x)| number(f64::from(x), &format!("{what}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if js.is_date(v).map_err(e)? {
        let ms = js.date_ms(v).map_err(e)?;
        let ts =
            chrono_iso(ms).ok_or_else(|| Error::invalid(format!("{what} is an invalid Date")))?;
        return Ok(Value::String(ts));
    }
    let mut map = Map::new();
    for key in js.keys(v).map_err(e)? {
        let item = js.get(v, &key).map_err(e)?;
        if js.kind(item).map_err(e)? == Kind::Undefined {
            continue;
        }
        let value = from_js_at(js, item, &format!("{what}.{key}"), depth + 1)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// A JS `Date` time value as RFC 3339 UTC with milliseconds, like `Date.toISOString`.
fn chrono_iso(ms: f64) -> Option<String> {
    if !ms.is_finite() {
        return None;
    }
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Converts a JS value to a serde type through its JSON shape.
pub fn parse<T: DeserializeOwned>(js: Js, v: Raw, what: &str) -> Result<T, Error> {
    let value = from_js(js, v, what)?;
    serde_json::from_value(value).map_err(|e| Error::invalid(format!("{what}: {e}")))
}

/// Like [`parse`], but `undefined`/`null` give the type's default.
pub fn parse_or_default<T: DeserializeOwned + Default>(
    js: Js,
    v: Option<Raw>,
    what: &str,
) -> Result<T, Error> {
    match v {
        None => Ok(T::default()),
        Some(v) => match js.kind(v).map_err(|e| napi_err(what, e))? {
            Kind::Undefined | Kind::Null => Ok(T::default()),
            _ => parse(js, v, what),
        },
    }
}

/// Converts JSON to a JS value.
pub fn to_js(js: Js, v: &Value) -> napi::Result<Raw> {
    match v {
        Value::Null => js.null(),
        Value::Bool(b) => js.boolean(*b),
        Value::Number(n) => js.number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => js.string(s),
        Value::Array(items) => {
            let arr = js.array(items.len())?;
            for (i, item) in items.iter().enumerate() {
                js.set_element(arr, i as u32, to_js(js, item)?)?;
            }
            Ok(arr)
        }
        Value::Object(map) => {
            let obj = js.object()?;
            for (k, item) in map {
                js.set(obj, k, to_js(js, item)?)?;
            }
            Ok(obj)
        }
    }
}

/// Converts a serde type to a JS value through its JSON shape.
pub fn ser<T: Serialize + ?Sized>(js: Js, v: &T) -> napi::Result<Raw> {
    let value = serde_json::to_value(v)
        .map_err(|e| napi::Error::from_reason(format!("cannot convert result to JSON: {e}")))?;
    to_js(js, &value)
}

/// Reads one vector: a `Float32Array`, a `Float64Array` or an array of numbers.
pub fn vector(js: Js, v: Raw, what: &str) -> Result<Vec<f32>, Error> {
    let e = |err| napi_err(what, err);
    if let Some(vec) = js.float_typed_array(v).map_err(e)? {
        return Ok(vec);
    }
    if js.kind(v).map_err(e)? == Kind::Object && js.is_array(v).map_err(e)? {
        let n = js.array_len(v).map_err(e)?;
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let x = js.element(v, i).map_err(e)?;
            let kind = js.kind(x).map_err(e)?;
            if kind != Kind::Number {
                return Err(Error::invalid(format!(
                    "{what}[{i}] is {}, expected a number",
                    kind.name()
                )));
            }
            out.push(js.get_f64(x).map_err(e)? as f32);
        }
        return Ok(out);
    }
    let kind = js.kind(v).map_err(e)?;
    Err(Error::invalid(format!(
        "{what} is {}, expected a Float32Array or an array of numbers",
        kind.name()
    )))
}

/// Reads an array of strings.
pub fn strings(js: Js, v: Raw, what: &str) -> Result<Vec<String>, Error> {
    let e = |err| napi_err(what, err);
    if !(js.kind(v).map_err(e)? == Kind::Object && js.is_array(v).map_err(e)?) {
        return Err(Error::invalid(format!(
            "{what} must be an array of strings"
        )));
    }
    let n = js.array_len(v).map_err(e)?;
    (0..n)
        .map(|i| {
            let x = js.element(v, i).map_err(e)?;
            let kind = js.kind(x).map_err(e)?;
            if kind != Kind::String {
                return Err(Error::invalid(format!(
                    "{what}[{i}] is {}, expected a string",
                    kind.name()
                )));
            }
            js.get_str(x).map_err(e)
        })
        .collect()
}

/// Reads a string.
pub fn string(js: Js, v: Raw, what: &str) -> Result<String, Error> {
    let e = |err| napi_err(what, err);
    let kind = js.kind(v).map_err(e)?;
    if kind != Kind::String {
        return Err(Error::invalid(format!(
            "{what} is {}, expected a string",
            kind.name()
        )));
    }
    js.get_str(v).map_err(e)
}

/// True when `v` is `undefined` or `null` (an omitted optional argument).
pub fn is_nullish(js: Js, v: Raw) -> napi::Result<bool> {
    Ok(matches!(js.kind(v)?, Kind::Undefined | Kind::Null))
}

/// Reads a non-negative integer (a count, `k`, a capacity, a seed).
pub fn count(js: Js, v: Raw, what: &str) -> Result<usize, Error> {
    let e = |err| napi_err(what, err);
    let kind = js.kind(v).map_err(e)?;
    if kind != Kind::Number {
        return Err(Error::invalid(format!(
            "{what} is {}, expected a non-negative integer",
            kind.name()
        )));
    }
    let n = js.get_f64(v).map_err(e)?;
    if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE) {
        return Err(Error::invalid(format!(
            "{what} is {n}, expected a non-negative integer"
        )));
    }
    Ok(n as usize)
}

/// Reads an object argument's optional property (`undefined`/`null` = absent).
pub fn field(js: Js, obj: Raw, key: &str, what: &str) -> Result<Option<Raw>, Error> {
    let e = |err| napi_err(what, err);
    let v = js.get(obj, key).map_err(e)?;
    Ok((!is_nullish(js, v).map_err(e)?).then_some(v))
}

/// Checks that an optional options argument is an object (or absent).
pub fn options_object(js: Js, v: Option<Raw>, what: &str) -> Result<Option<Raw>, Error> {
    let Some(v) = v else { return Ok(None) };
    match js.kind(v).map_err(|err| napi_err(what, err))? {
        Kind::Undefined | Kind::Null => Ok(None),
        Kind::Object => Ok(Some(v)),
        other => Err(Error::invalid(format!(
            "{what} is {}, expected an object",
            other.name()
        ))),
    }
}

/// Parses an options/config object strictly (unknown keys are `INVALID_CONFIG`);
/// absent gives the defaults.
pub fn options<T: lakehouse::Options>(js: Js, v: Option<Raw>, what: &str) -> Result<T, Error> {
    match options_object(js, v, what)? {
        None => T::from_value(&Value::Object(Map::new())),
        Some(v) => T::from_value(&from_js(js, v, what)?),
    }
}

/// Parses a required options/config object strictly.
pub fn options_required<T: lakehouse::Options>(js: Js, v: Raw, what: &str) -> Result<T, Error> {
    match js.kind(v).map_err(|err| napi_err(what, err))? {
        Kind::Object => T::from_value(&from_js(js, v, what)?),
        other => Err(Error::invalid(format!(
            "{what} is {}, expected an object",
            other.name()
        ))),
    }
}

/// The raw handle of an optional argument.
pub fn opt(v: &Option<napi::Unknown<'_>>) -> Option<Raw> {
    v.as_ref().map(napi::JsValue::raw)
}
