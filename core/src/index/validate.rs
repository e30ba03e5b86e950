//! Input validation: everything the graph could choke on is refused here, before any
//! state changes.

use super::{Inner, Metric, Record};
use crate::{Error, Result};

/// Longest accepted id, in bytes.
pub(crate) const MAX_ID_LEN: usize = 256;
/// Vectors longer than this are refused so no dot product or squared distance between
/// two accepted vectors can overflow `f32`.
const MAX_NORM: f64 = 1e18;

pub(crate) fn id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("id is empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::invalid(format!(
            "id '{}…' is {} bytes, at most {MAX_ID_LEN} allowed",
            id.chars().take(32).collect::<String>(),
            id.len()
        )));
    }
    Ok(())
}

/// Validates a vector for `id` and returns it as stored (unit length under cosine).
pub(crate) fn vector(inner: &Inner, id: &str, v: &[f32]) -> Result<Vec<f32>> {
    let dim = inner.config.dim;
    if v.len() != dim {
        return Err(Error::DimensionMismatch {
            index: inner.name.to_string(),
            id: id.to_owned(),
            expected: dim,
            got: v.len(),
        });
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::invalid(format!(
            "vector for id '{id}' has a non-finite value ({}) at position {i}",
            v[i]
        )));
    }
    let norm_sq: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    let norm = norm_sq.sqrt();
    if norm > MAX_NORM {
        return Err(Error::invalid(format!(
            "vector for id '{id}' has norm {norm:e}, at most {MAX_NORM:e} allowed"
        )));
    }
    if inner.config.metric != Metric::Cosine {
        return Ok(v.to_vec());
    }
    if norm == 0.0 {
        return Err(Error::invalid(format!(
            "vector for id '{id}' is all zeros, which has no direction under cosine"
        )));
    }
    // Already-unit vectors (e.g. replayed from the log) are kept bit-exact.
    if (norm_sq - 1.0).abs() <= 1e-6 {
        return Ok(v.to_vec());
    }
    Ok(v.iter().map(|&x| (f64::from(x) / norm) as f32).collect())
}

pub(crate) fn record(
    inner: &Inner,
    rid: &str,
    v: &[f32],
    mut metadata: serde_json::Value,
) -> Result<Record> {
    id(rid)?;
    let vector = vector(inner, rid, v)?;
    crate::json::canonicalize_numbers(&mut metadata); // 1.0 is stored as 1 (crate::json)
    Ok(Record {
        id: rid.to_owned(),
        vector,
        metadata,
    })
}
