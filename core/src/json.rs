//! Canonical JSON numbers: the same input writes the same bytes from Rust, Python and
//! Node.
//!
//! JavaScript has one number type, so Node cannot tell `1` from `1.0`; Python and Rust
//! can. At every entry of user JSON (index metadata, journal events) a finite float
//! whose value is an integer within ±2^53 is therefore stored as that integer: `1.0`
//! becomes `1`, `-0.0` becomes `0`, `1.5` and `1e300` stay floats.
//!
//! ```
//! use serde_json::json;
//! let mut v = json!({"a": 1.0, "b": [2.0, 2.5], "c": {"d": -0.0}, "e": 1e300});
//! lakehouse::json::canonicalize_numbers(&mut v);
//! assert_eq!(v.to_string(), r#"{"a":1,"b":[2,2.5],"c":{"d":0},"e":1e300}"#);
//! ```

use std::io;

use serde::Serialize;
use serde_json::{Number, Value};

/// 2^53: integers up to this magnitude are exact in an IEEE double (and in JS).
pub const MAX_SAFE_INTEGER: i64 = 1 << 53;

/// The integer a float canonicalizes to, if it is one.
pub fn integral(f: f64) -> Option<i64> {
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
        // Exact: |f| ≤ 2^53 and integral.
        Some(f as i64)
    } else {
        None
    }
}

/// Rewrites, in place and at any depth, every float with an integral value within
/// ±2^53 as an integer.
pub fn canonicalize_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(i) = n.as_f64().and_then(integral) {
                *n = Number::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonicalize_numbers),
        Value::Object(map) => map.values_mut().for_each(canonicalize_numbers),
        _ => {}
    }
}

/// `serde_json` formatter writing integral floats (within ±2^53) as integers, so a
/// typed value serializes to the same bytes as its canonicalized [`Value`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CanonicalFormatter;

impl serde_json::ser::Formatter for CanonicalFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        match integral(value) {
            Some(i) => self.write_i64(writer, i),
            None => serde_json::ser::CompactFormatter.write_f64(writer, value),
        }
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        match integral(f64::from(value)) {
            Some(i) => self.write_i64(writer, i),
            None => serde_json::ser::CompactFormatter.write_f32(writer, value),
        }
    }
}

/// Serializes `value` as compact JSON with canonical numbers.
pub fn to_vec_canonical<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, CanonicalFormatter);
    value.serialize(&mut ser)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounds_and_specials() {
        let two53 = (1u64 << 53) as f64;
        assert_eq!(integral(two53), Some(1 << 53));
        assert_eq!(integral(-two53), Some(-(1 << 53)));
        assert_eq!(integral(two53 * 2.0), None);
        assert_eq!(integral(0.5), None);
        assert_eq!(integral(f64::NAN), None);
        assert_eq!(integral(f64::INFINITY), None);
        assert_eq!(integral(-0.0), Some(0));
    }

    #[test]
    fn formatter_matches_value_canonicalization() {
        #[derive(Serialize)]
        struct T {
            a: f64,
            b: f32,
            c: Vec<f64>,
            d: u64,
        }
        let t = T {
            a: 1.0,
            b: 3.0,
            c: vec![2.5, -4.0, 1e300],
            d: u64::MAX,
        };
        let bytes = to_vec_canonical(&t).unwrap();
        let mut v = serde_json::to_value(&t).unwrap();
        canonicalize_numbers(&mut v);
        assert_eq!(String::from_utf8(bytes).unwrap(), v.to_string());
        assert_eq!(
            v,
            json!({"a": 1, "b": 3, "c": [2.5, -4, 1e300], "d": u64::MAX})
        );
    }
}
