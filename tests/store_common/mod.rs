//! Records and configs shared by the store tests that need deterministic vectors.

use lakehouse::index::{IndexConfig, Metric, Record};
use serde_json::json;

/// A deterministic pseudo-random vector of `dim` values in [-1, 1] for record `i`.
pub fn vector(i: usize, dim: usize) -> Vec<f32> {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..dim)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// Records `w-<i>` for `i` in `range`, with `{"i": i}` metadata.
pub fn records(range: std::ops::Range<usize>, dim: usize) -> Vec<Record> {
    range
        .map(|i| Record {
            id: format!("w-{i}"),
            vector: vector(i, dim),
            metadata: json!({ "i": i }),
        })
        .collect()
}

/// An L2 index of `dim`, defaults otherwise.
pub fn l2_config(dim: usize) -> IndexConfig {
    let mut c = IndexConfig::new(dim);
    c.metric = Metric::L2;
    c
}
