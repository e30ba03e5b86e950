//! Shared pieces of the benchmarks and examples: deterministic clustered data, exact
//! ground truth, recall and resident-memory readings.
//!
//! Included with `#[path = "common/mod.rs"] mod common;` (or `../benches/common/mod.rs`
//! from examples) so every harness measures on the same data the same way.

#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

/// `n` vectors of `dim` values, drawn as a Gaussian mixture around `centres` random
/// centres and L2-normalised, row-major. The same `(n, dim, centres, seed)` gives the
/// same bytes on every platform (ChaCha8 stream, per-row seeding).
pub fn clustered(n: usize, dim: usize, centres: usize, seed: u64) -> Vec<f32> {
    clustered_with_spread(n, dim, centres, 0.6, seed)
}

/// [`clustered`] with the within-cluster spread given: the norm of a point's offset
/// from its centre relative to the (unit) centre. Larger spreads make the top-10 less
/// separated from the rest of the cluster, so graph search needs a larger ef.
pub fn clustered_with_spread(
    n: usize,
    dim: usize,
    centres: usize,
    spread: f32,
    seed: u64,
) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let unit = Normal::new(0.0f32, 1.0).expect("valid normal");
    let centre_vecs: Vec<Vec<f32>> = (0..centres)
        .map(|_| normalised((0..dim).map(|_| unit.sample(&mut rng)).collect()))
        .collect();
    // Spread inside a cluster: small enough that clusters are meaningful, large enough
    // that neighbours within a cluster are not trivially ordered.
    let spread = Normal::new(0.0f32, spread / (dim as f32).sqrt()).expect("valid normal");
    let mut out = vec![0f32; n * dim];
    out.par_chunks_mut(dim).enumerate().for_each(|(i, row)| {
        let mut r =
            ChaCha8Rng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let c = &centre_vecs[r.random_range(0..centres)];
        for (x, cv) in row.iter_mut().zip(c) {
            *x = cv + spread.sample(&mut r);
        }
        let norm = row
            .iter()
            .map(|x| x * x)
            .sum::<f32>()
            .sqrt()
            .max(f32::MIN_POSITIVE);
        row.iter_mut().for_each(|x| *x /= norm);
    });
    out
}

fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Exact top-`k` row indices of `base` for each query by inner product (cosine on
/// normalised data), best first. Parallel over queries.
pub fn ground_truth(base: &[f32], queries: &[f32], dim: usize, k: usize) -> Vec<Vec<u32>> {
    queries
        .par_chunks(dim)
        .map(|q| {
            let mut scored: Vec<(f32, u32)> = base
                .chunks(dim)
                .enumerate()
                .map(|(i, v)| (dot(q, v), i as u32))
                .collect();
            let kk = k.min(scored.len());
            scored.select_nth_unstable_by(kk.saturating_sub(1), |a, b| b.0.total_cmp(&a.0));
            scored.truncate(kk);
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.into_iter().map(|(_, i)| i).collect()
        })
        .collect()
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Mean recall@k of `found` against `truth` (row indices).
pub fn recall_at_k(found: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> f64 {
    let mut hit = 0usize;
    let mut total = 0usize;
    for (f, t) in found.iter().zip(truth) {
        let t: std::collections::HashSet<u32> = t.iter().take(k).copied().collect();
        hit += f.iter().take(k).filter(|i| t.contains(i)).count();
        total += t.len();
    }
    if total == 0 {
        1.0
    } else {
        hit as f64 / total as f64
    }
}

/// Current and peak resident set size in bytes, from `/proc/self/status` (Linux).
pub fn rss_bytes() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Writes `data` as raw little-endian f32.
pub fn write_f32_le(path: &std::path::Path, data: &[f32]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(data.len() * 4);
    for x in data {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, bytes)
}

/// Reads raw little-endian f32 written by [`write_f32_le`].
pub fn read_f32_le(path: &std::path::Path) -> std::io::Result<Vec<f32>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
