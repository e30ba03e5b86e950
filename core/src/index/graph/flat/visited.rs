//! Per-search scratch space, pooled: a visited set of `u16` epoch tags (cleared by bumping
//! the epoch, memset only when it wraps) and the two heaps of a layer search. Nothing is
//! allocated per query once the pool is warm.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use parking_lot::Mutex;

/// A node and its distance to the query; ordered by distance, then slot.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Near {
    pub d: f32,
    pub slot: u32,
}

impl Ord for Near {
    fn cmp(&self, o: &Self) -> Ordering {
        self.d.total_cmp(&o.d).then(self.slot.cmp(&o.slot))
    }
}
impl PartialOrd for Near {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Near {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Near {}

/// Reusable state of one search or insert.
pub(crate) struct Scratch {
    tags: Vec<u16>,
    epoch: u16,
    /// Max-heap: the worst of the current results on top.
    pub top: BinaryHeap<Near>,
    /// Min-heap (via `Reverse`): the next candidate to expand on top.
    pub candidates: BinaryHeap<std::cmp::Reverse<Near>>,
    /// Neighbour ids read from a list.
    pub links: Vec<u32>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            tags: Vec::new(),
            epoch: 0,
            top: BinaryHeap::new(),
            candidates: BinaryHeap::new(),
            links: Vec::new(),
        }
    }

    /// Starts a new search over slots `0..slots`: nothing visited.
    pub(crate) fn reset(&mut self, slots: usize) {
        if self.tags.len() < slots {
            self.tags.resize(slots.next_power_of_two(), 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.tags.fill(0);
            self.epoch = 1;
        }
        self.top.clear();
        self.candidates.clear();
    }

    /// Marks `slot` visited; false if it already was. Slots past the sized range are
    /// reported as visited, so they are never expanded.
    #[inline]
    pub(crate) fn visit(&mut self, slot: u32) -> bool {
        match self.tags.get_mut(slot as usize) {
            Some(t) if *t != self.epoch => {
                *t = self.epoch;
                true
            }
            _ => false,
        }
    }
}

/// A pool of [`Scratch`] shared by the searches and inserts of one graph.
#[derive(Default)]
pub(crate) struct ScratchPool {
    free: Mutex<Vec<Scratch>>,
}

impl ScratchPool {
    /// Runs `f` with a scratch from the pool (a new one when all are in use).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        let mut s = self.free.lock().pop().unwrap_or_else(Scratch::new);
        let r = f(&mut s);
        self.free.lock().push(s);
        r
    }

    /// Bytes held by pooled scratch spaces.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.free.lock().iter().map(|s| s.tags.len() * 2).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_clear_and_wrap() {
        let mut s = Scratch::new();
        s.reset(10);
        assert!(s.visit(3));
        assert!(!s.visit(3));
        assert!(!s.visit(10_000), "out of range counts as visited");
        for _ in 0..70_000 {
            s.reset(10);
            assert!(s.visit(3));
        }
        s.reset(10);
        assert!(s.visit(3) && s.visit(4) && !s.visit(4));
    }
}
