use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::super::bits::SlotBits;
use super::super::super::config::{EngineKind, Metric};
use super::super::super::vectors::VectorChunks;
use super::super::{GraphEngine, GraphParams, SaveContext, SlotFilter, Traversal};
use super::persist::decode;
use super::FlatGraph;

fn params(metric: Metric, m: usize) -> GraphParams {
    GraphParams {
        kind: EngineKind::Flat,
        metric,
        m,
        ef_construction: 100,
        capacity: 0,
        seed: 7,
    }
}

fn random_rows(n: usize, dim: usize, seed: u64) -> VectorChunks {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = VectorChunks::new(dim);
    for _ in 0..n {
        let mut v: Vec<f32> = (0..dim).map(|_| rng.random::<f32>() - 0.5).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        rows.push(&v);
    }
    rows
}

fn knn(
    g: &FlatGraph,
    view: super::super::super::vectors::VectorView<'_>,
    q: &[f32],
    k: usize,
    ef: usize,
) -> Vec<(u32, f32)> {
    g.search(view, q, k, ef, SlotFilter::All, Traversal::Gated)
        .0
}

fn build(rows: &VectorChunks, p: &GraphParams) -> FlatGraph {
    let g = FlatGraph::new(p);
    let slots: Vec<u32> = (0..rows.len() as u32).collect();
    g.insert(rows.view(), &slots);
    g
}

fn exact(rows: &VectorChunks, metric: Metric, q: &[f32], k: usize) -> Vec<u32> {
    let view = rows.view();
    let mut all: Vec<(f32, u32)> = (0..rows.len() as u32)
        .map(|s| {
            (
                super::super::super::distance::graph_distance(metric, q, view.row(s)),
                s,
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|x| x.1).collect()
}

#[test]
fn finds_itself_and_is_sound_for_each_metric() {
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let rows = random_rows(2000, 16, 1);
        let g = build(&rows, &params(metric, 8));
        assert_eq!(g.len(), 2000);
        let check = g.check().unwrap();
        assert!(check.is_sound(0.999), "{metric:?}: {check:?}");
        let view = rows.view();
        let mut hits = 0;
        for s in (0..2000u32).step_by(7) {
            let found = knn(&g, view, view.row(s), 1, 64);
            if metric == Metric::Dot {
                // Under raw inner product a vector need not be its own best match.
                hits += usize::from(found[0].0 == exact(&rows, metric, view.row(s), 1)[0]);
            } else {
                hits += usize::from(found[0].0 == s);
            }
        }
        assert!(hits >= 280, "{metric:?}: {hits} of 286");
    }
}

#[test]
fn recall_against_exact_search() {
    let rows = random_rows(5000, 24, 2);
    let g = build(&rows, &params(Metric::Cosine, 12));
    let queries = random_rows(100, 24, 3);
    let (mut found_total, k) = (0, 10);
    for i in 0..100u32 {
        let q = queries.view().row(i);
        let truth = exact(&rows, Metric::Cosine, q, k);
        let got: Vec<u32> = g
            .search(rows.view(), q, k, 128, SlotFilter::All, Traversal::Gated)
            .0
            .iter()
            .map(|x| x.0)
            .collect();
        found_total += truth.iter().filter(|t| got.contains(t)).count();
    }
    let recall = found_total as f64 / 1000.0;
    assert!(recall >= 0.97, "recall {recall}");
}

#[test]
fn filter_gates_results_not_the_walk() {
    let rows = random_rows(3000, 8, 4);
    let g = build(&rows, &params(Metric::L2, 8));
    let some: Vec<u32> = (0..3000).filter(|s| s % 7 == 3).collect();
    let bits = SlotBits::from_slots(3000, &some);
    let q = rows.view().row(0);
    for traversal in [Traversal::Gated, Traversal::Acorn] {
        let (got, counters) = g.search(rows.view(), q, 10, 200, SlotFilter::Bits(&bits), traversal);
        assert_eq!(got.len(), 10, "{traversal:?}");
        assert!(got.iter().all(|h| h.0 % 7 == 3));
        assert!(got.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(counters.distances > 0 && counters.visited >= counters.distances / 2);
        let none = SlotBits::zeros(3000);
        assert!(g
            .search(rows.view(), q, 10, 50, SlotFilter::Bits(&none), traversal)
            .0
            .is_empty());
    }
}

#[test]
fn concurrent_inserts_and_searches_keep_the_graph_sound() {
    let rows = random_rows(6000, 12, 5);
    let g = FlatGraph::new(&params(Metric::Cosine, 8));
    let view = rows.view();
    let first: Vec<u32> = (0..1000).collect();
    g.insert(view, &first);
    std::thread::scope(|sc| {
        for t in 0..4u32 {
            let g = &g;
            sc.spawn(move || {
                let mine: Vec<u32> = (1000 + t..6000).step_by(4).collect();
                for chunk in mine.chunks(50) {
                    for &s in chunk {
                        g.insert_one(view, s);
                    }
                    let hits = knn(g, view, view.row(chunk[0]), 5, 32);
                    assert!(!hits.is_empty());
                }
            });
        }
    });
    assert_eq!(g.len(), 6000);
    let check = g.check().unwrap();
    assert!(check.is_sound(0.999), "{check:?}");
    let self_found = (0..6000u32)
        .step_by(11)
        .filter(|&s| knn(&g, view, view.row(s), 1, 64)[0].0 == s)
        .count();
    assert!(self_found * 1000 >= 546 * 995, "{self_found} of 546");
}

#[test]
fn levels_are_deterministic_and_geometric() {
    let g = FlatGraph::new(&params(Metric::Cosine, 16));
    let h = FlatGraph::new(&params(Metric::Cosine, 16));
    let levels: Vec<u8> = (0..100_000).map(|s| g.level_for(s)).collect();
    assert!((0..1000).all(|s| h.level_for(s) == levels[s as usize]));
    let above0 = levels.iter().filter(|&&l| l > 0).count() as f64 / 1e5;
    assert!((0.05..0.08).contains(&above0), "{above0}");
}

fn saved(g: &FlatGraph, rows: &VectorChunks, dead: &[u32], dir: &Path) -> Vec<u8> {
    g.save(
        dir,
        &SaveContext {
            view: rows.view(),
            dead,
            fingerprint: 42,
        },
    )
    .unwrap();
    std::fs::read(dir.join(super::FILE_NAME)).unwrap()
}

#[test]
fn save_and_load_round_trip() {
    let rows = random_rows(700, 6, 6);
    let p = params(Metric::Cosine, 6);
    let g = build(&rows, &p);
    let dir = tempfile::tempdir().unwrap();
    let dead = [3u32, 500];
    let bytes = saved(&g, &rows, &dead, dir.path());
    let live = |s: u32| !dead.contains(&s);
    let (h, dead_rows, fp) = decode(&bytes, &p, 6, 700, &live, dir.path()).unwrap();
    assert_eq!(fp, 42);
    assert_eq!(dead_rows[&500], rows.view().row(500));
    assert_eq!(h.len(), 700);
    assert_eq!(h.check(), g.check());
    for s in (0..700u32).step_by(13) {
        let q = rows.view().row(s);
        assert_eq!(
            knn(&g, rows.view(), q, 5, 40),
            knn(&h, rows.view(), q, 5, 40)
        );
    }
    // Shape mismatches are refused.
    assert!(decode(&bytes, &params(Metric::L2, 6), 6, 700, &live, dir.path()).is_err());
    assert!(decode(&bytes, &p, 6, 699, &live, dir.path()).is_err());
    assert!(decode(&bytes, &p, 6, 700, &|_| true, dir.path()).is_err());
}

#[test]
fn every_truncation_and_sampled_bit_flips_are_errors() {
    let rows = random_rows(120, 4, 8);
    let p = params(Metric::Cosine, 4);
    let g = build(&rows, &p);
    let dir = tempfile::tempdir().unwrap();
    let bytes = saved(&g, &rows, &[7], dir.path());
    let live = |s: u32| s != 7;
    for cut in 0..bytes.len() {
        let r = decode(&bytes[..cut], &p, 4, 120, &live, dir.path());
        assert_eq!(r.err().map(|e| e.code()), Some("CORRUPT"), "cut at {cut}");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..2000 {
        let mut b = bytes.clone();
        let at = rng.random_range(0..b.len());
        b[at] ^= 1 << rng.random_range(0..8);
        let r = decode(&b, &p, 4, 120, &live, dir.path());
        assert_eq!(r.err().map(|e| e.code()), Some("CORRUPT"), "flip at {at}");
    }
}

/// A file whose checksum is right but whose content lies is still refused: the loader
/// checks every count, id and level, not only the checksum.
#[test]
fn forged_files_with_valid_checksums_are_errors() {
    let rows = random_rows(64, 4, 10);
    let p = params(Metric::Cosine, 4);
    let g = build(&rows, &p);
    let dir = tempfile::tempdir().unwrap();
    let bytes = saved(&g, &rows, &[], dir.path());
    let reseal = |mut b: Vec<u8>| {
        let n = b.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&b[..n]);
        b[n..].copy_from_slice(&sum.to_le_bytes());
        b
    };
    let header = 8 + 4 + 4 + 4 * 5 + 8 + 8 + 8 + 4;
    let l0 = header + 64;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..500 {
        let mut b = bytes.clone();
        // Overwrite one word of the header or the lists with a random value.
        let at = rng.random_range(8..(b.len() - 12)) & !3;
        let v: u32 = if rng.random_bool(0.5) {
            rng.random_range(0..200)
        } else {
            rng.random()
        };
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let b = reseal(b);
        // Whatever it decodes to must be a sound graph or an error, never a panic.
        if let Ok((h, _, _)) = decode(&b, &p, 4, 64, &|_| true, dir.path()) {
            let c = h.check().unwrap();
            assert!(
                c.dangling_links == 0 && c.self_links == 0 && c.bad_lists == 0,
                "word at {at} (lists from {l0}) := {v}: {c:?}"
            );
            for s in 0..64u32 {
                knn(&h, rows.view(), rows.view().row(s), 3, 16);
            }
        }
    }
}
