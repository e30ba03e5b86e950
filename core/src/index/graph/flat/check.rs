//! Structural invariants of a flat graph, for tests and diagnostics.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::nodes::ABSENT;
use super::super::GraphEngine;
use super::FlatGraph;

/// What [`VectorIndex::check_graph`](crate::index::VectorIndex::check_graph) found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GraphCheck {
    /// Nodes in the graph.
    pub nodes: usize,
    /// Links to a slot that is not a node.
    pub dangling_links: usize,
    /// Links from a node to itself.
    pub self_links: usize,
    /// Lists holding more links than their capacity, or repeating a link.
    pub bad_lists: usize,
    /// Links at level `l` to a node whose top level is below `l`.
    pub level_violations: usize,
    /// Nodes reachable on level 0 from the entry point.
    pub reachable: usize,
}

impl GraphCheck {
    /// Fraction of nodes reachable on level 0 (1.0 for an empty graph).
    pub fn reachable_fraction(&self) -> f64 {
        if self.nodes == 0 {
            1.0
        } else {
            self.reachable as f64 / self.nodes as f64
        }
    }

    /// No broken link, list or level, and at least `min_reachable` of the nodes reachable.
    pub fn is_sound(&self, min_reachable: f64) -> bool {
        self.dangling_links == 0
            && self.self_links == 0
            && self.bad_lists == 0
            && self.level_violations == 0
            && self.reachable_fraction() >= min_reachable
    }
}

pub(super) fn check(g: &FlatGraph) -> GraphCheck {
    let n = g.len();
    let mut out = GraphCheck {
        nodes: n,
        ..Default::default()
    };
    // Nodes are slots 0..n in every graph the index builds; count what is there.
    let limit = n as u32;
    let mut links = Vec::new();
    for s in 0..limit {
        let level = g.nodes.level(s);
        if level == ABSENT {
            continue;
        }
        for l in 0..=usize::from(level) {
            g.nodes.read(s, l, &mut links);
            let cap = if l == 0 { g.nodes.m0() } else { g.nodes.m() };
            let mut sorted = links.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if links.len() > cap || sorted.len() != links.len() {
                out.bad_lists += 1;
            }
            for &t in &links {
                let tl = g.nodes.level(t);
                if t == s {
                    out.self_links += 1;
                } else if tl == ABSENT {
                    out.dangling_links += 1;
                } else if usize::from(tl) < l {
                    out.level_violations += 1;
                }
            }
        }
    }
    if let Some((entry, _)) = g.entry() {
        let mut seen = vec![false; n.max(entry as usize + 1)];
        let mut queue = VecDeque::from([entry]);
        seen[entry as usize] = true;
        while let Some(s) = queue.pop_front() {
            out.reachable += 1;
            g.nodes.read(s, 0, &mut links);
            for &t in &links {
                if let Some(flag) = seen.get_mut(t as usize) {
                    if !*flag {
                        *flag = true;
                        queue.push_back(t);
                    }
                }
            }
        }
    }
    out
}
