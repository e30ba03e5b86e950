//! The HNSW graph engine. THE ONLY FILE THAT NAMES `hnsw_rs`.
//!
//! Everything else talks to [`GraphEngine`], an accelerator over slots of the side store.
//! Every call into hnsw_rs runs under `catch_unwind`; a caught panic is reported as
//! [`GraphPanic`] and the caller discards the whole graph (a panic mid-insert may leave
//! hnsw_rs's internal links half-written).
//!
//! Hazards of hnsw_rs 0.3.5 fenced here or before reaching here: `max_nb_connection > 256`
//! exits the process (config validation caps `m`); its own distances assert on
//! dimension/normalisation (we use our own [`Distance`] impls, fed only validated vectors
//! of the index dimension, never NaN); its search asserts `dist >= 0` (our distances are
//! clamped non-negative and never NaN); its loader exits the process on truncated files
//! (sizes are checked before loading).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use hnsw_rs::prelude::{AnnT, Distance, FilterT, Hnsw};

use super::config::Metric;
use super::distance::graph_distance;
use crate::{Error, Result};

/// hnsw_rs's layer cap (NB_LAYER_MAX).
const MAX_LAYERS: usize = 16;
/// Basename of the hnsw_rs dump files inside a checkpoint's graph directory.
pub(crate) const DUMP_BASENAME: &str = "graph";

/// A panic caught inside the graph engine (the message is for `Debug` output).
#[derive(Debug, Clone)]
pub(crate) struct GraphPanic(#[allow(dead_code)] pub String);

/// Called inside the guarded region before each insert call (fault injection).
pub(crate) type FaultHook = Arc<dyn Fn() + Send + Sync>;

/// Shape of a graph to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GraphParams {
    pub metric: Metric,
    pub m: usize,
    pub ef_construction: usize,
    pub capacity: usize,
}

/// The internal seam between the index and an ANN graph implementation. Nodes are
/// identified by side-store slot.
pub(crate) trait GraphEngine: Send + Sync {
    /// Inserts `(slot, vector)` pairs (in parallel when there are many).
    fn insert_batch(&self, items: &[(u32, &[f32])]) -> Result<(), GraphPanic>;
    /// Up to `k` nearest `(slot, distance)` pairs, nearest first, only slots passing
    /// `filter` (applied during traversal).
    fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: Option<&(dyn Fn(u32) -> bool + Sync)>,
    ) -> Result<Vec<(u32, f32)>, GraphPanic>;
    /// Number of nodes (live or not).
    fn len(&self) -> usize;
    /// Writes the graph into the existing empty directory `dir`.
    fn dump(&self, dir: &Path) -> Result<()>;
}

macro_rules! distance_type {
    ($name:ident, $metric:expr) => {
        /// hnsw_rs distance adapter (see `distance::graph_distance`).
        #[derive(Default, Clone, Copy)]
        pub(crate) struct $name;
        impl Distance<f32> for $name {
            #[inline]
            fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
                graph_distance($metric, a, b)
            }
        }
    };
}
distance_type!(UnitDotDist, Metric::Cosine);
distance_type!(MipsDist, Metric::Dot);
distance_type!(SqL2Dist, Metric::L2);

/// hnsw_rs-backed engine.
pub(crate) struct HnswGraph<D: Distance<f32> + Send + Sync + 'static> {
    hnsw: Hnsw<'static, f32, D>,
    fault: Option<FaultHook>,
}

/// Builds an empty graph for `params.metric`.
pub(crate) fn new_graph(params: GraphParams, fault: Option<FaultHook>) -> Arc<dyn GraphEngine> {
    fn make<D: Distance<f32> + Default + Send + Sync + 'static>(
        p: GraphParams,
        fault: Option<FaultHook>,
    ) -> Arc<dyn GraphEngine> {
        // `m` is validated to 2..=256 by IndexConfig::validate; hnsw_rs exits above 256.
        let m = p.m.min(crate::index::config::MAX_M);
        let hnsw = Hnsw::new(
            m,
            p.capacity.max(1),
            MAX_LAYERS,
            p.ef_construction.max(1),
            D::default(),
        );
        Arc::new(HnswGraph { hnsw, fault })
    }
    match params.metric {
        Metric::Cosine => make::<UnitDotDist>(params, fault),
        Metric::Dot => make::<MipsDist>(params, fault),
        Metric::L2 => make::<SqL2Dist>(params, fault),
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

impl<D: Distance<f32> + Send + Sync + 'static> GraphEngine for HnswGraph<D> {
    fn insert_batch(&self, items: &[(u32, &[f32])]) -> Result<(), GraphPanic> {
        catch_unwind(AssertUnwindSafe(|| {
            if let Some(hook) = &self.fault {
                hook();
            }
            if let [(slot, v)] = items {
                self.hnsw.insert_slice((v, *slot as usize));
            } else {
                let data: Vec<(&[f32], usize)> =
                    items.iter().map(|&(s, v)| (v, s as usize)).collect();
                self.hnsw.parallel_insert_slice(&data);
            }
        }))
        .map_err(|p| GraphPanic(panic_message(p)))
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: Option<&(dyn Fn(u32) -> bool + Sync)>,
    ) -> Result<Vec<(u32, f32)>, GraphPanic> {
        catch_unwind(AssertUnwindSafe(|| {
            let ef = ef.max(k);
            let found = match filter {
                Some(f) => {
                    let adapter = |id: &usize| u32::try_from(*id).is_ok_and(f);
                    self.hnsw
                        .search_filter(query, k, ef, Some(&adapter as &dyn FilterT))
                }
                None => self.hnsw.search(query, k, ef),
            };
            found
                .into_iter()
                .filter_map(|n| u32::try_from(n.d_id).ok().map(|s| (s, n.distance)))
                .collect()
        }))
        .map_err(|p| GraphPanic(panic_message(p)))
    }

    fn len(&self) -> usize {
        self.hnsw.get_nb_point()
    }

    fn dump(&self, dir: &Path) -> Result<()> {
        let res = catch_unwind(AssertUnwindSafe(|| self.hnsw.file_dump(dir, DUMP_BASENAME)));
        match res {
            Ok(Ok(name)) if name == DUMP_BASENAME => Ok(()),
            // hnsw_rs silently picks another basename when files exist; the directory
            // must be empty, so this means someone else wrote into it.
            Ok(Ok(name)) => Err(Error::Internal(format!(
                "graph dump in '{}' used basename '{name}', directory was not empty",
                dir.display()
            ))),
            Ok(Err(e)) => Err(Error::Internal(format!(
                "graph dump in '{}' failed: {e}",
                dir.display()
            ))),
            Err(p) => Err(Error::Internal(format!(
                "graph dump in '{}' panicked: {}",
                dir.display(),
                panic_message(p)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(metric: Metric) -> GraphParams {
        GraphParams {
            metric,
            m: 8,
            ef_construction: 64,
            capacity: 100,
        }
    }

    #[test]
    fn insert_and_search_each_metric() {
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let g = new_graph(params(metric), None);
            let vecs: Vec<Vec<f32>> = (0..50)
                .map(|i| {
                    let a = i as f32 * 0.1;
                    vec![a.cos(), a.sin()]
                })
                .collect();
            let items: Vec<(u32, &[f32])> = vecs
                .iter()
                .enumerate()
                .map(|(i, v)| (i as u32, v.as_slice()))
                .collect();
            g.insert_batch(&items).unwrap();
            g.insert_batch(&[]).unwrap();
            assert_eq!(g.len(), 50);
            let hits = g.search(&vecs[10], 3, 32, None).unwrap();
            assert_eq!(hits[0].0, 10, "{metric:?}");
            let odd = |s: u32| s % 2 == 1;
            let hits = g.search(&vecs[10], 3, 32, Some(&odd)).unwrap();
            assert!(!hits.is_empty() && hits.iter().all(|h| h.0 % 2 == 1));
        }
    }

    #[test]
    fn panics_are_caught() {
        let hook: FaultHook = Arc::new(|| panic!("injected"));
        let g = new_graph(params(Metric::L2), Some(hook));
        let e = g.insert_batch(&[(0, &[1.0, 2.0][..])]).unwrap_err();
        assert!(e.0.contains("injected"));
    }
}
