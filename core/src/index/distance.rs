//! Distance kernels shared by the exact scan and the graph.
//!
//! Written as fixed-width chunks with independent accumulators so LLVM emits packed SIMD
//! without `unsafe` or target-specific code.

use super::config::Metric;

const LANES: usize = 16;

/// Inner product, with the kernel the index itself uses (AVX2+FMA, SSE4.1 or NEON,
/// chosen at run time). Extra elements of the longer slice are ignored.
///
/// ```
/// assert_eq!(lakehouse::index::dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
/// ```
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1", "aarch64+neon"))]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0f32; LANES];
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Squared euclidean distance, with the index's kernel (see [`dot`]).
///
/// ```
/// assert_eq!(lakehouse::index::l2_sq(&[1.0, 2.0], &[3.0, 5.0]), 13.0);
/// ```
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1", "aarch64+neon"))]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let mut acc = [0f32; LANES];
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Score of a stored vector for a query: higher is better.
#[inline]
pub(crate) fn score(metric: Metric, query: &[f32], v: &[f32]) -> f32 {
    match metric {
        Metric::Cosine | Metric::Dot => dot(query, v),
        Metric::L2 => -l2_sq(query, v),
    }
}

/// Non-negative, never-NaN distance for the graph (hnsw_rs asserts `dist >= 0`).
///
/// Cosine: vectors are unit length, so `1 - dot` is in [0, 2] up to rounding.
/// Dot: raw inner products can be any sign; `g(d) = 1/(1+d)` for `d >= 0` and `1 - d`
/// below is continuous, strictly decreasing and positive, so the ranking by distance is
/// the ranking by inner product.
#[inline]
pub(crate) fn graph_distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    let d = match metric {
        Metric::Cosine => 1.0 - dot(a, b),
        Metric::Dot => {
            let p = dot(a, b);
            if p >= 0.0 {
                1.0 / (1.0 + p)
            } else {
                1.0 - p
            }
        }
        Metric::L2 => l2_sq(a, b),
    };
    sanitize(d)
}

#[inline]
fn sanitize(d: f32) -> f32 {
    if d.is_nan() {
        f32::MAX
    } else {
        d.clamp(0.0, f32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn kernels_match_naive() {
        for n in [1, 7, 16, 17, 33, 768] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            assert!((dot(&a, &b) - naive_dot(&a, &b)).abs() < 1e-3);
            let l: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
            assert!((l2_sq(&a, &b) - l).abs() < 1e-3);
        }
    }

    #[test]
    fn graph_distance_is_monotone_and_non_negative() {
        let q = [1.0f32, 0.0];
        let mut last = -1.0f32;
        for p in [-1e30f32, -5.0, -1.0, 0.0, 0.5, 1.0, 5.0, 1e30] {
            let d = graph_distance(Metric::Dot, &q, &[p, 0.0]);
            assert!(d >= 0.0 && !d.is_nan());
            if last >= 0.0 {
                assert!(d <= last, "{p}");
            }
            last = d;
        }
        assert_eq!(graph_distance(Metric::Cosine, &[1.0], &[1.0000001]), 0.0);
        assert_eq!(
            graph_distance(Metric::L2, &[f32::MAX], &[-f32::MAX]),
            f32::MAX
        );
    }
}
