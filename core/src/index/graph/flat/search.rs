//! Searching the flat graph: a greedy walk down the upper levels, then a beam search of
//! width `ef` on level 0. Monomorphised over the gate, so the unfiltered path has no
//! per-node check at all.

use std::cmp::Reverse;

use super::super::super::bits::SlotBits;
use super::super::super::vectors::VectorView;
use super::super::SearchCounters;
use super::visited::{Near, Scratch};
use super::FlatGraph;

/// Entry points an ACORN search adds from the matching set.
const ACORN_SEEDS: usize = 32;

/// Which nodes may be returned. The walk goes through every node either way (hnswlib's
/// rule: a filter gates results, not connectivity).
pub(crate) trait Gate {
    /// True when every node passes (the bare path: no checks, earlier stop).
    const ALL: bool;
    fn pass(&self, slot: u32) -> bool;
}

/// Every node passes.
pub(crate) struct All;
impl Gate for All {
    const ALL: bool = true;
    #[inline]
    fn pass(&self, _: u32) -> bool {
        true
    }
}

/// Nodes in the set.
pub(crate) struct ByBits<'a>(pub &'a SlotBits);
impl Gate for ByBits<'_> {
    const ALL: bool = false;
    #[inline]
    fn pass(&self, slot: u32) -> bool {
        self.0.contains(slot)
    }
}

impl FlatGraph {
    /// Up to `k` nearest passing nodes, nearest first.
    pub(super) fn knn<G: Gate>(
        &self,
        view: VectorView<'_>,
        q: &[f32],
        k: usize,
        ef: usize,
        gate: &G,
    ) -> (Vec<(u32, f32)>, SearchCounters) {
        let Some((entry, top)) = self.entry() else {
            return (Vec::new(), SearchCounters::default());
        };
        self.scratch.with(|s| {
            s.start_counting();
            let ep = self.descend(view, q, entry, top, 0, s);
            s.reset(view.len());
            self.search_layer(view, q, ep, ef.max(k), 0, gate, s);
            Self::results(s, k)
        })
    }

    /// ACORN-1 on level 0 (after the usual greedy descent): candidates are expanded to
    /// their matching neighbours and, through each non-matching neighbour, to that
    /// neighbour's matching neighbours. Only matching nodes are scored, so a selective
    /// filter neither wastes distances on the rest nor strands the walk in a region
    /// where no neighbour matches.
    pub(super) fn knn_acorn(
        &self,
        view: VectorView<'_>,
        q: &[f32],
        k: usize,
        ef: usize,
        bits: &SlotBits,
    ) -> (Vec<(u32, f32)>, SearchCounters) {
        let Some((entry, top)) = self.entry() else {
            return (Vec::new(), SearchCounters::default());
        };
        self.scratch.with(|s| {
            s.start_counting();
            let ep = self.descend(view, q, entry, top, 0, s);
            s.reset(view.len());
            let ef = ef.max(k);
            s.visit(ep.slot);
            let mut bound = f32::INFINITY;
            if bits.contains(ep.slot) {
                s.top.push(ep);
                bound = ep.d;
            }
            s.candidates.push(Reverse(ep));
            // Extra entry points spread over the matching set: when the filter is
            // correlated with the vectors (a city, a role), the query's own region may
            // hold no match at all, and two hops from it do not reach the regions that do.
            let matching = bits.count();
            let step = matching.div_ceil(ACORN_SEEDS).max(1);
            for seed in bits.iter().step_by(step).take(ACORN_SEEDS) {
                self.consider(view, q, seed, ef, &mut bound, s);
            }
            let mut links = std::mem::take(&mut s.links);
            let mut hop = std::mem::take(&mut s.hop);
            while let Some(Reverse(c)) = s.candidates.pop() {
                if c.d > bound && s.top.len() >= ef {
                    break;
                }
                self.nodes.read(c.slot, 0, &mut links);
                for &n in &links {
                    if bits.contains(n) {
                        self.consider(view, q, n, ef, &mut bound, s);
                    } else if s.visit(n) {
                        self.nodes.read(n, 0, &mut hop);
                        for &n2 in &hop {
                            if bits.contains(n2) {
                                self.consider(view, q, n2, ef, &mut bound, s);
                            }
                        }
                    }
                }
            }
            s.links = links;
            s.hop = hop;
            Self::results(s, k)
        })
    }

    /// Scores `n` (if not yet visited) and keeps it when it beats the current bound.
    #[inline]
    fn consider(
        &self,
        view: VectorView<'_>,
        q: &[f32],
        n: u32,
        ef: usize,
        bound: &mut f32,
        s: &mut Scratch,
    ) {
        if !s.visit(n) {
            return;
        }
        let d = self.dist(q, view.row(n));
        s.dists += 1;
        if s.top.len() < ef || d < *bound {
            let near = Near { d, slot: n };
            s.candidates.push(Reverse(near));
            s.top.push(near);
            if s.top.len() > ef {
                s.top.pop();
            }
            if let Some(worst) = s.top.peek() {
                *bound = worst.d;
            }
        }
    }

    /// The best `k` of `s.top`, nearest first, and the counters.
    fn results(s: &mut Scratch, k: usize) -> (Vec<(u32, f32)>, SearchCounters) {
        let mut found: Vec<Near> = s.top.drain().collect();
        found.sort_unstable();
        found.truncate(k);
        let hits = found.into_iter().map(|n| (n.slot, n.d)).collect();
        let counters = SearchCounters {
            distances: s.dists,
            visited: s.visits,
        };
        (hits, counters)
    }

    /// Greedy walk from `entry` at level `top` down to level `stop + 1`: at each level,
    /// move to the closest neighbour until none is closer. Returns the node reached.
    pub(super) fn descend(
        &self,
        view: VectorView<'_>,
        q: &[f32],
        entry: u32,
        top: usize,
        stop: usize,
        s: &mut Scratch,
    ) -> Near {
        let mut cur = Near {
            d: self.dist(q, view.row(entry)),
            slot: entry,
        };
        s.dists += 1;
        for level in (stop + 1..=top).rev() {
            loop {
                let mut moved = false;
                self.nodes.read(cur.slot, level, &mut s.links);
                s.dists += s.links.len();
                for &n in &s.links {
                    let d = self.dist(q, view.row(n));
                    if d < cur.d {
                        cur = Near { d, slot: n };
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        cur
    }

    /// Beam search of width `ef` on `level` from `ep`; leaves the (at most `ef`) best
    /// passing nodes in `s.top`. The caller has reset `s`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn search_layer<G: Gate>(
        &self,
        view: VectorView<'_>,
        q: &[f32],
        ep: Near,
        ef: usize,
        level: usize,
        gate: &G,
        s: &mut Scratch,
    ) {
        s.visit(ep.slot);
        let mut bound = f32::INFINITY;
        if G::ALL || gate.pass(ep.slot) {
            s.top.push(ep);
            bound = ep.d;
        }
        s.candidates.push(Reverse(ep));
        let mut links = std::mem::take(&mut s.links);
        while let Some(Reverse(c)) = s.candidates.pop() {
            // Without a gate a full result set is not needed to stop: nothing past the
            // bound can enter it.
            if c.d > bound && (s.top.len() >= ef || G::ALL) {
                break;
            }
            self.nodes.read(c.slot, level, &mut links);
            for &n in &links {
                if !s.visit(n) {
                    continue;
                }
                let d = self.dist(q, view.row(n));
                s.dists += 1;
                if s.top.len() < ef || d < bound {
                    let near = Near { d, slot: n };
                    s.candidates.push(Reverse(near));
                    if G::ALL || gate.pass(n) {
                        s.top.push(near);
                        if s.top.len() > ef {
                            s.top.pop();
                        }
                        if let Some(worst) = s.top.peek() {
                            bound = worst.d;
                        }
                    }
                }
            }
        }
        s.links = links;
    }
}
