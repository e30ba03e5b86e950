//! Brute-force top-k: the answer for small indexes, selective filters, and the fallback
//! while a graph is being rebuilt.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::config::Metric;
use super::distance::score;
use super::side_store::SideStore;

/// Scans above this many scalar multiply-adds are split across rayon workers.
const PARALLEL_WORK: usize = 1 << 22;
const CHUNK_SLOTS: usize = 4096;

#[derive(Clone, Copy, Debug)]
struct Entry {
    score: f32,
    slot: u32,
}

// "Greater" means "worse" so the max-heap's top is the entry to evict.
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        o.score.total_cmp(&self.score).then(self.slot.cmp(&o.slot))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}

/// The k best (score, slot) pairs seen so far.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Entry>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.min(4096) + 1),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, slot: u32, score: f32) {
        let e = Entry { score, slot };
        if self.heap.len() < self.k {
            self.heap.push(e);
        } else if let Some(mut top) = self.heap.peek_mut() {
            if e < *top {
                *top = e;
            }
        }
    }

    fn merge(mut self, other: TopK) -> TopK {
        for e in other.heap {
            self.push(e.slot, e.score);
        }
        self
    }

    /// Best first.
    pub(crate) fn into_sorted(self) -> Vec<(u32, f32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| (e.slot, e.score))
            .collect()
    }
}

/// Top-k over `candidates` (ascending slots) or, when `None`, over every slot; only live
/// slots for which `keep` holds are scored.
pub(crate) fn scan(
    store: &SideStore,
    metric: Metric,
    query: &[f32],
    k: usize,
    candidates: Option<&[u32]>,
    keep: &(dyn Fn(u32) -> bool + Sync),
) -> Vec<(u32, f32)> {
    let visit = |top: &mut TopK, slot: u32| {
        if store.is_live(slot) && keep(slot) {
            top.push(slot, score(metric, query, store.vector(slot)));
        }
    };
    let n = candidates.map_or(store.slots(), <[u32]>::len);
    if n.saturating_mul(store.dim()) < PARALLEL_WORK {
        let mut top = TopK::new(k);
        match candidates {
            Some(c) => c.iter().for_each(|&s| visit(&mut top, s)),
            None => (0..n as u32).for_each(|s| visit(&mut top, s)),
        }
        return top.into_sorted();
    }
    let chunk_top = |range: std::ops::Range<usize>| {
        let mut top = TopK::new(k);
        match candidates {
            Some(c) => c[range].iter().for_each(|&s| visit(&mut top, s)),
            None => range.for_each(|s| visit(&mut top, s as u32)),
        }
        top
    };
    (0..n.div_ceil(CHUNK_SLOTS))
        .into_par_iter()
        .map(|i| chunk_top(i * CHUNK_SLOTS..((i + 1) * CHUNK_SLOTS).min(n)))
        .reduce(|| TopK::new(k), TopK::merge)
        .into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topk_keeps_best_in_order() {
        let mut t = TopK::new(3);
        for (s, v) in [(0, 0.1), (1, 0.9), (2, 0.5), (3, 0.7), (4, -1.0), (5, 0.9)] {
            t.push(s, v);
        }
        assert_eq!(t.into_sorted(), vec![(1, 0.9), (5, 0.9), (3, 0.7)]);
    }

    #[test]
    fn scan_skips_dead_and_filtered() {
        let mut st = SideStore::new(2);
        for i in 0..10u32 {
            st.upsert(&format!("r{i}"), &[i as f32, 1.0], json!({"i": i}));
        }
        st.delete("r9");
        let all = scan(&st, Metric::Dot, &[1.0, 0.0], 3, None, &|_| true);
        assert_eq!(all.iter().map(|h| h.0).collect::<Vec<_>>(), vec![8, 7, 6]);
        let odd = scan(&st, Metric::Dot, &[1.0, 0.0], 2, Some(&[1, 3, 5]), &|s| {
            s != 5
        });
        assert_eq!(odd.iter().map(|h| h.0).collect::<Vec<_>>(), vec![3, 1]);
    }

    #[test]
    fn parallel_scan_equals_serial() {
        let dim = 64;
        let mut st = SideStore::new(dim);
        for i in 0..(PARALLEL_WORK / dim + 100) {
            let v: Vec<f32> = (0..dim).map(|j| ((i * 31 + j * 7) % 97) as f32).collect();
            st.upsert(&format!("r{i}"), &v, json!(null));
        }
        let q: Vec<f32> = (0..dim).map(|j| (j % 5) as f32).collect();
        let par = scan(&st, Metric::L2, &q, 10, None, &|_| true);
        let mut top = TopK::new(10);
        for s in 0..st.slots() as u32 {
            top.push(s, score(Metric::L2, &q, st.vector(s)));
        }
        assert_eq!(par, top.into_sorted());
    }
}
