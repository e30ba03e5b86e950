//! Inserting into the flat graph, with hnswlib's neighbour-selection heuristic on both
//! the new node's links and the reverse links of an overflowing neighbour.

use std::sync::atomic::Ordering;

use super::super::super::vectors::VectorView;
use super::nodes::ABSENT;
use super::search::All;
use super::visited::Near;
use super::FlatGraph;

impl FlatGraph {
    /// Inserts `slot` (a no-op if it is already a node).
    pub(super) fn insert_one(&self, view: VectorView<'_>, slot: u32) {
        if self.nodes.level(slot) != ABSENT {
            return;
        }
        let level = self.level_for(slot);
        if !self.nodes.claim(slot, level) {
            return; // another thread is inserting the same slot
        }
        if level > 0 {
            self.upper_lists
                .fetch_add(usize::from(level), Ordering::Relaxed);
        }
        let _own = self.nodes.lock(slot);
        let q = view.row(slot);

        // A node that may raise the top level keeps the entry lock for the whole insert,
        // so no other insert can start from an entry point that is about to change.
        let mut entry_guard = None;
        let (entry, top) = match self.entry() {
            Some((e, t)) if usize::from(level) <= t => (e, t),
            _ => {
                let guard = self.entry_lock.lock();
                match self.entry() {
                    None => {
                        self.set_entry(slot, level);
                        self.count.fetch_add(1, Ordering::AcqRel);
                        return;
                    }
                    Some((e, t)) => {
                        if usize::from(level) > t {
                            entry_guard = Some(guard);
                        }
                        (e, t)
                    }
                }
            }
        };

        self.scratch.with(|s| {
            let level = usize::from(level);
            let mut ep = self.descend(view, q, entry, top, level, s);
            for l in (0..=level.min(top)).rev() {
                s.reset(view.len());
                self.search_layer(view, q, ep, self.ef_construction, l, &All, s);
                let mut found: Vec<Near> = s.top.drain().filter(|n| n.slot != slot).collect();
                found.sort_unstable();
                if let Some(&closest) = found.first() {
                    ep = closest;
                }
                self.connect(view, slot, found, l);
            }
        });
        if entry_guard.is_some() {
            self.set_entry(slot, level);
        }
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    /// Links `slot` at `level` to the heuristic's pick among `found` (nearest first) and
    /// links each pick back, re-pruning its list when full. The caller holds `slot`'s lock.
    fn connect(&self, view: VectorView<'_>, slot: u32, mut found: Vec<Near>, level: usize) {
        let m = self.nodes.m();
        self.select(view, &mut found, m);
        let picked: Vec<u32> = found.iter().map(|n| n.slot).collect();
        self.nodes.write(slot, level, &picked);
        let cap = if level == 0 {
            self.nodes.m0()
        } else {
            self.nodes.m()
        };
        let mut current = Vec::with_capacity(cap + 1);
        for &n in &picked {
            let _lock = self.nodes.lock(n);
            self.nodes.read(n, level, &mut current);
            if current.contains(&slot) {
                continue;
            }
            if current.len() < cap {
                current.push(slot);
                self.nodes.write(n, level, &current);
                continue;
            }
            let base = view.row(n);
            let mut cands: Vec<Near> = current
                .iter()
                .chain(std::iter::once(&slot))
                .map(|&c| Near {
                    d: self.dist(base, view.row(c)),
                    slot: c,
                })
                .collect();
            cands.sort_unstable();
            self.select(view, &mut cands, cap);
            current.clear();
            current.extend(cands.iter().map(|c| c.slot));
            self.nodes.write(n, level, &current);
        }
    }

    /// hnswlib's `getNeighborsByHeuristic2`: walking `cands` nearest first, keep a
    /// candidate only if it is closer to the base than to every one already kept, up to
    /// `m`. This keeps links pointing in different directions.
    fn select(&self, view: VectorView<'_>, cands: &mut Vec<Near>, m: usize) {
        if cands.len() <= m {
            return;
        }
        let mut kept: Vec<Near> = Vec::with_capacity(m);
        for &c in cands.iter() {
            if kept.len() >= m {
                break;
            }
            let row = view.row(c.slot);
            if kept
                .iter()
                .all(|k| self.dist(row, view.row(k.slot)) >= c.d)
            {
                kept.push(c);
            }
        }
        *cands = kept;
    }
}
