//! Searching the flat graph: a greedy walk down the upper levels, then a beam search of
//! width `ef` on level 0. Monomorphised over the gate, so the unfiltered path has no
//! per-node check at all.

use std::cmp::Reverse;

use super::super::super::vectors::VectorView;
use super::visited::{Near, Scratch};
use super::FlatGraph;

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

/// Nodes for which the function holds.
pub(crate) struct ByFn<'a>(pub &'a (dyn Fn(u32) -> bool + Sync));
impl Gate for ByFn<'_> {
    const ALL: bool = false;
    #[inline]
    fn pass(&self, slot: u32) -> bool {
        (self.0)(slot)
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
    ) -> Vec<(u32, f32)> {
        let Some((entry, top)) = self.entry() else {
            return Vec::new();
        };
        self.scratch.with(|s| {
            let ep = self.descend(view, q, entry, top, 0, s);
            s.reset(view.len());
            self.search_layer(view, q, ep, ef.max(k), 0, gate, s);
            let mut found: Vec<Near> = s.top.drain().collect();
            found.sort_unstable();
            found.truncate(k);
            found.into_iter().map(|n| (n.slot, n.d)).collect()
        })
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
        for level in (stop + 1..=top).rev() {
            loop {
                let mut moved = false;
                self.nodes.read(cur.slot, level, &mut s.links);
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
