//! Choosing how to answer one search: exact scan of the matching slots, graph traversal
//! with the filter gating results (hnswlib's rule), or ACORN-1 traversal (expand through
//! non-matching neighbours to their neighbours, score only matching nodes).
//!
//! The choice compares predicted times from a cost model each index learns from its own
//! searches, because what one unit of graph work costs differs severalfold between
//! datasets (a fixed scan-vs-graph ratio tuned on one set lost 15% on another):
//! - exact scan: `scan_ns × matching rows`;
//! - graph traversal: `graph_ns × ef / selectivity` (to collect `ef` matches it expands
//!   about `1 / selectivity` times the nodes an unfiltered search does);
//! - ACORN-1: `acorn_ns × ef` (it scores only matching nodes), only below
//!   [`ACORN_MAX_SELECTIVITY`], where the plain rule loses connectivity and wastes
//!   distances on non-matching nodes.

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// ACORN-1 is considered only when at most this fraction of the live records match.
/// Above it the gated walk keeps recall better on filters correlated with the vectors
/// (tests/index_recall.rs, 30% of the clusters: gated 0.9915, ACORN-1 0.985 at ef 64).
pub(crate) const ACORN_MAX_SELECTIVITY: f64 = 0.2;
/// Weight of one new measurement in the running averages.
const ALPHA: f64 = 0.05;
/// Scans shorter than this are too noisy to learn from.
const MIN_SCAN_ROWS: usize = 256;

/// How a search is answered. `Auto` lets the planner choose; the others force a
/// strategy (for tests and benchmarks). A forced graph strategy on an index without a
/// usable graph (small, rebuilding) is answered exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchStrategy {
    /// The planner chooses from the filter's cardinality and the learnt cost model.
    #[default]
    Auto,
    /// Exact scan of the matching records.
    Exact,
    /// Graph traversal; a filter gates results while the walk goes through every node.
    Graph,
    /// ACORN-1 traversal: only matching nodes are scored, reached through up to two hops
    /// (flat engine; the hnsw_rs engine answers it as `graph`).
    Acorn,
}

/// The running averages of one index, in nanoseconds.
#[derive(Clone, Copy, Debug)]
struct Costs {
    scan_ns: f64,
    graph_ns: f64,
    acorn_ns: f64,
}

/// The learnt cost model of one index.
#[derive(Debug)]
pub(crate) struct Planner {
    costs: Mutex<Costs>,
}

impl Planner {
    /// Priors for vectors of `dim` floats, replaced by measurements as searches run.
    pub(crate) fn new(dim: usize) -> Self {
        let d = dim as f64;
        Planner {
            costs: Mutex::new(Costs {
                scan_ns: 5.0 + 0.06 * d,
                graph_ns: 25.0 * (20.0 + 0.1 * d),
                acorn_ns: 40.0 * (20.0 + 0.1 * d),
            }),
        }
    }

    /// The cheapest predicted strategy for `matching` of `live` records at `ef`.
    pub(crate) fn choose(
        &self,
        matching: usize,
        live: usize,
        ef: usize,
        acorn: bool,
    ) -> SearchStrategy {
        let c = *self.costs.lock();
        let s = selectivity(matching, live);
        let ef = ef as f64;
        let scan = c.scan_ns * matching as f64;
        let graph = c.graph_ns * ef / s;
        let acorn_t = if acorn && s <= ACORN_MAX_SELECTIVITY {
            c.acorn_ns * ef
        } else {
            f64::INFINITY
        };
        if scan <= graph && scan <= acorn_t {
            SearchStrategy::Exact
        } else if acorn_t < graph {
            SearchStrategy::Acorn
        } else {
            SearchStrategy::Graph
        }
    }

    /// Learns from a finished exact scan of `rows` rows.
    pub(crate) fn observe_scan(&self, rows: usize, elapsed_ns: f64) {
        if rows >= MIN_SCAN_ROWS {
            let mut c = self.costs.lock();
            c.scan_ns = ema(c.scan_ns, elapsed_ns / rows as f64);
        }
    }

    /// Learns from a finished graph search.
    pub(crate) fn observe_graph(
        &self,
        strategy: SearchStrategy,
        matching: usize,
        live: usize,
        ef: usize,
        elapsed_ns: f64,
    ) {
        let s = selectivity(matching, live);
        let ef = ef.max(1) as f64;
        let mut c = self.costs.lock();
        match strategy {
            SearchStrategy::Graph => c.graph_ns = ema(c.graph_ns, elapsed_ns * s / ef),
            SearchStrategy::Acorn => c.acorn_ns = ema(c.acorn_ns, elapsed_ns / ef),
            SearchStrategy::Auto | SearchStrategy::Exact => {}
        }
    }
}

fn selectivity(matching: usize, live: usize) -> f64 {
    (matching as f64 / live.max(1) as f64).clamp(1e-4, 1.0)
}

fn ema(old: f64, new: f64) -> f64 {
    if new.is_finite() && new > 0.0 {
        old + ALPHA * (new - old)
    } else {
        old
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sets_scan_broad_ones_walk_and_the_model_learns() {
        let p = Planner::new(768);
        assert_eq!(p.choose(100, 100_000, 64, true), SearchStrategy::Exact);
        assert_eq!(p.choose(100_000, 100_000, 64, true), SearchStrategy::Graph);
        assert_eq!(p.choose(60_000, 100_000, 64, true), SearchStrategy::Graph);
        let mid = p.choose(10_000, 100_000, 64, true);
        assert_ne!(mid, SearchStrategy::Graph, "the plain rule is dear at 10%");
        assert_ne!(p.choose(10_000, 100_000, 64, false), SearchStrategy::Acorn);
        // Scans turn out to be far slower here than the prior: the planner stops scanning.
        for _ in 0..200 {
            p.observe_scan(10_000, 10_000.0 * 10_000.0);
        }
        assert_ne!(p.choose(10_000, 100_000, 64, true), SearchStrategy::Exact);
        // Bad measurements are ignored.
        p.observe_graph(SearchStrategy::Graph, 1, 1, 64, f64::NAN);
        assert_eq!(p.choose(100_000, 100_000, 64, true), SearchStrategy::Graph);
    }
}
