//! On-disk layout of the peers benchmark datasets, shared by the generator
//! (`peers_data`) and the Rust benchmark (`peers_bench`); `benches/peers/peers.py`
//! reads the same files.
//!
//! A dataset `NAME` in the data directory is:
//!
//! | file                    | content                                                   |
//! |-------------------------|-----------------------------------------------------------|
//! | `NAME.base.f32`/`.npy`  | `n × dim` little-endian f32, row-major, L2-normalised     |
//! | `NAME.query.f32`/`.npy` | `nq × dim`, held out of the base set                      |
//! | `NAME.gt.u32`/`.npy`    | `nq × k` exact top-k base rows by inner product, best first |
//! | `NAME.bucket.u8`/`.npy` | `n` values in `0..100`: the metadata the filtered case uses |
//! | `NAME.gt_FILTER.u32`    | `nq × k` exact top-k among the rows the filter keeps      |
//! | `NAME.meta.json`        | [`Meta`]; written last, so its presence means "complete"  |
//!
//! The `.npy` files hold the same bytes as the raw files behind a NumPy v1.0 header.
//! A base row's index is its id everywhere (`"123"` in lakehouse).

#![allow(dead_code)]

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Neighbours per query in the ground truth and in every recall figure.
pub const K: usize = 10;

/// A metadata filter of the filtered case: keeps rows whose `bucket < bucket_below`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FilterSpec {
    /// `f01` (keeps ~1%) or `f10` (keeps ~10%).
    pub name: String,
    pub bucket_below: u8,
    /// Fraction of base rows kept, as measured.
    pub selectivity: f64,
}

/// Base vectors and held-out queries of a dataset, row-major and L2-normalised.
pub struct Vectors {
    pub base: Vec<f32>,
    pub queries: Vec<f32>,
    /// How the vectors were made, for the report.
    pub source: String,
}

/// `NAME.meta.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    pub n: usize,
    pub nq: usize,
    pub dim: usize,
    pub k: usize,
    pub seed: u64,
    /// How the vectors were made, for the report.
    pub source: String,
    pub filters: Vec<FilterSpec>,
}

pub fn path(dir: &Path, name: &str, part: &str, ext: &str) -> PathBuf {
    dir.join(format!("{name}.{part}.{ext}"))
}

pub fn read_meta(dir: &Path, name: &str) -> std::io::Result<Meta> {
    let text = std::fs::read_to_string(path(dir, name, "meta", "json"))?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

pub fn write_meta(dir: &Path, meta: &Meta) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(meta).map_err(std::io::Error::other)?;
    std::fs::write(path(dir, &meta.name, "meta", "json"), text)
}

/// NumPy v1.0 header for a C-order array of `descr` (e.g. `<f4`) and `shape`.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + dict + '\n' must be a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes `bytes` as `stem.raw_ext` and as `stem.npy`.
fn write_both(
    dir: &Path,
    name: &str,
    part: &str,
    raw_ext: &str,
    descr: &str,
    shape: &[usize],
    bytes: &[u8],
) -> std::io::Result<()> {
    std::fs::write(path(dir, name, part, raw_ext), bytes)?;
    let mut npy = npy_header(descr, shape);
    npy.extend_from_slice(bytes);
    std::fs::write(path(dir, name, part, "npy"), npy)
}

pub fn write_f32(
    dir: &Path,
    name: &str,
    part: &str,
    rows: usize,
    data: &[f32],
) -> std::io::Result<()> {
    let cols = data.len() / rows.max(1);
    let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
    write_both(dir, name, part, "f32", "<f4", &[rows, cols], &bytes)
}

pub fn write_u32(dir: &Path, name: &str, part: &str, rows: &[Vec<u32>]) -> std::io::Result<()> {
    let cols = rows.first().map_or(0, Vec::len);
    let bytes: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write_both(dir, name, part, "u32", "<u4", &[rows.len(), cols], &bytes)
}

pub fn write_u8(dir: &Path, name: &str, part: &str, data: &[u8]) -> std::io::Result<()> {
    write_both(dir, name, part, "u8", "|u1", &[data.len()], data)
}

pub fn read_f32(dir: &Path, name: &str, part: &str) -> std::io::Result<Vec<f32>> {
    let bytes = std::fs::read(path(dir, name, part, "f32"))?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

pub fn read_u32_rows(
    dir: &Path,
    name: &str,
    part: &str,
    cols: usize,
) -> std::io::Result<Vec<Vec<u32>>> {
    let bytes = std::fs::read(path(dir, name, part, "u32"))?;
    let flat: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(flat.chunks(cols.max(1)).map(<[u32]>::to_vec).collect())
}

pub fn read_u8(dir: &Path, name: &str, part: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(path(dir, name, part, "u8"))
}

/// Inner product with eight independent accumulators: a plain `zip().sum()` is one
/// serial chain of float adds (no reordering allowed), which the compiler cannot
/// vectorise; this form it can, which makes brute-force ground truth ~8× faster.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, ra) = a.split_at(a.len() - a.len() % 8);
    let (cb, rb) = b.split_at(ca.len().min(b.len()));
    for (x, y) in ca.chunks_exact(8).zip(cb.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// Exact top-`k` of `rows` (base row indices; all rows when `None`) for each query by
/// inner product, best first; ties broken by the lower row index. Parallel over queries.
pub fn ground_truth(
    base: &[f32],
    queries: &[f32],
    dim: usize,
    k: usize,
    rows: Option<&[u32]>,
) -> Vec<Vec<u32>> {
    let all: Vec<u32>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..(base.len() / dim) as u32).collect();
            &all
        }
    };
    queries
        .par_chunks(dim)
        .map(|q| {
            let mut scored: Vec<(f32, u32)> = rows
                .iter()
                .map(|&i| {
                    let s = i as usize * dim;
                    (dot(q, &base[s..s + dim]), i)
                })
                .collect();
            let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            let kk = k.min(scored.len());
            if kk > 0 && kk < scored.len() {
                scored.select_nth_unstable_by(kk - 1, order);
            }
            scored.truncate(kk);
            scored.sort_by(order);
            scored.into_iter().map(|(_, i)| i).collect()
        })
        .collect()
}
