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

use hnsw_rs::prelude::{AnnT, Distance, FilterT, Hnsw, HnswIo};

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

fn guarded_insert<D: Distance<f32> + Send + Sync>(
    hnsw: &Hnsw<'_, f32, D>,
    fault: Option<&FaultHook>,
    items: &[(u32, &[f32])],
) -> Result<(), GraphPanic> {
    catch_unwind(AssertUnwindSafe(|| {
        if let Some(hook) = fault {
            hook();
        }
        if let [(slot, v)] = items {
            hnsw.insert_slice((v, *slot as usize));
        } else {
            let data: Vec<(&[f32], usize)> = items.iter().map(|&(s, v)| (v, s as usize)).collect();
            hnsw.parallel_insert_slice(&data);
        }
    }))
    .map_err(|p| GraphPanic(panic_message(p)))
}

fn guarded_search<D: Distance<f32> + Send + Sync>(
    hnsw: &Hnsw<'_, f32, D>,
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
                hnsw.search_filter(query, k, ef, Some(&adapter as &dyn FilterT))
            }
            None => hnsw.search(query, k, ef),
        };
        found
            .into_iter()
            .filter_map(|n| u32::try_from(n.d_id).ok().map(|s| (s, n.distance)))
            .collect()
    }))
    .map_err(|p| GraphPanic(panic_message(p)))
}

fn guarded_dump<D: Distance<f32> + Send + Sync>(hnsw: &Hnsw<'_, f32, D>, dir: &Path) -> Result<()> {
    let res = catch_unwind(AssertUnwindSafe(|| hnsw.file_dump(dir, DUMP_BASENAME)));
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

impl<D: Distance<f32> + Send + Sync + 'static> GraphEngine for HnswGraph<D> {
    fn insert_batch(&self, items: &[(u32, &[f32])]) -> Result<(), GraphPanic> {
        guarded_insert(&self.hnsw, self.fault.as_ref(), items)
    }
    fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: Option<&(dyn Fn(u32) -> bool + Sync)>,
    ) -> Result<Vec<(u32, f32)>, GraphPanic> {
        guarded_search(&self.hnsw, query, k, ef, filter)
    }
    fn len(&self) -> usize {
        self.hnsw.get_nb_point()
    }
    fn dump(&self, dir: &Path) -> Result<()> {
        guarded_dump(&self.hnsw, dir)
    }
}

// A graph reloaded by hnsw_rs borrows the `HnswIo` that loaded it (`load_hnsw*` return
// `Hnsw<'b>` with the loader outliving `'b`). self_cell keeps both in one owned value,
// without unsafe code here and without leaking the loader.
macro_rules! loaded_graph {
    ($cell:ident, $dep:ident, $engine:ident, $dist:ty) => {
        type $dep<'a> = Hnsw<'a, f32, $dist>;
        self_cell::self_cell!(
            struct $cell {
                owner: HnswIo,
                #[not_covariant]
                dependent: $dep,
            }
        );
        struct $engine {
            cell: $cell,
            fault: Option<FaultHook>,
        }
        impl $engine {
            fn load(io: HnswIo, fault: Option<FaultHook>) -> std::result::Result<Self, String> {
                $cell::try_new(io, |io| io.load_hnsw_with_dist(<$dist>::default()))
                    .map(|cell| $engine { cell, fault })
                    .map_err(|e| e.to_string())
            }
        }
        impl GraphEngine for $engine {
            fn insert_batch(&self, items: &[(u32, &[f32])]) -> Result<(), GraphPanic> {
                self.cell
                    .with_dependent(|_, h| guarded_insert(h, self.fault.as_ref(), items))
            }
            fn search(
                &self,
                query: &[f32],
                k: usize,
                ef: usize,
                filter: Option<&(dyn Fn(u32) -> bool + Sync)>,
            ) -> Result<Vec<(u32, f32)>, GraphPanic> {
                self.cell
                    .with_dependent(|_, h| guarded_search(h, query, k, ef, filter))
            }
            fn len(&self) -> usize {
                self.cell.with_dependent(|_, h| h.get_nb_point())
            }
            fn dump(&self, dir: &Path) -> Result<()> {
                self.cell.with_dependent(|_, h| guarded_dump(h, dir))
            }
        }
    };
}
loaded_graph!(
    LoadedUnitDotCell,
    LoadedUnitDot,
    LoadedUnitDotGraph,
    UnitDotDist
);
loaded_graph!(LoadedMipsCell, LoadedMips, LoadedMipsGraph, MipsDist);
loaded_graph!(LoadedSqL2Cell, LoadedSqL2, LoadedSqL2Graph, SqL2Dist);

/// hnsw_rs's description magic for the format its `file_dump` writes (format 4).
const MAGIC_DESCR_4: u32 = 0x002a_6779;
/// hnsw_rs's per-point and header magic in the data file.
const MAGIC_DATA: u32 = 0xa67f_0000;
const WORD: usize = std::mem::size_of::<usize>();

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

struct ByteReader<R> {
    inner: R,
    path: std::path::PathBuf,
}

impl<R: std::io::Read> ByteReader<R> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.inner
            .read_exact(&mut b)
            .map_err(|e| corrupt(&self.path, format!("truncated: {e}")))?;
        Ok(b)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_ne_bytes(self.bytes()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_ne_bytes(self.bytes()?))
    }
    fn word(&mut self) -> Result<usize> {
        Ok(usize::from_ne_bytes(self.bytes()?))
    }
    fn skip(&mut self, n: usize) -> Result<()> {
        let mut buf = vec![0u8; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| corrupt(&self.path, format!("truncated: {e}")))
    }
}

fn open_reader(path: &Path) -> Result<(ByteReader<std::io::BufReader<std::fs::File>>, u64)> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    Ok((
        ByteReader {
            inner: std::io::BufReader::with_capacity(1 << 20, f),
            path: path.to_path_buf(),
        },
        len,
    ))
}

/// Checks the graph file's description against what we expect, so hnsw_rs's loader never
/// meets a header it would abort on (it exits the process on unknown format versions).
fn check_description(path: &Path, p: &GraphParams, dim: usize, nodes: usize) -> Result<()> {
    let (mut r, _) = open_reader(path)?;
    if r.u32()? != MAGIC_DESCR_4 {
        return Err(corrupt(path, "not an hnsw_rs format-4 graph dump"));
    }
    let _mode = r.u8()?;
    let m = r.u8()?;
    let _level_scale = r.u64()?;
    let layers = r.u8()?;
    let _ef = r.word()?;
    let nb_point = r.word()?;
    let dimension = r.word()?;
    // hnsw_rs stores m as u8, so m = 256 cannot round-trip: such graphs are rebuilt.
    if usize::from(m) != p.m || usize::from(layers) != MAX_LAYERS {
        return Err(corrupt(
            path,
            format!("graph has m={m}, {layers} layers; expected m={}", p.m),
        ));
    }
    if nb_point != nodes || dimension != dim {
        return Err(corrupt(
            path,
            format!(
                "graph has {nb_point} points of dim {dimension}; expected {nodes} of dim {dim}"
            ),
        ));
    }
    for _ in 0..2 {
        let len = r.word()?;
        if len > 4096 {
            return Err(corrupt(path, "type name too long"));
        }
        r.skip(len)?;
    }
    Ok(())
}

/// Walks the data file exactly as hnsw_rs will (its loader exits the process on a short
/// read and trusts every length field), checking sizes, ids and each vector.
fn check_data(
    path: &Path,
    dim: usize,
    nodes: usize,
    check_vector: &mut dyn FnMut(u32, &[f32]) -> bool,
) -> Result<()> {
    let (mut r, len) = open_reader(path)?;
    let point_bytes = 4 + 8 + 8 + dim * 4;
    let expected = (4 + WORD + nodes * point_bytes) as u64;
    if len != expected {
        return Err(corrupt(path, format!("{len} bytes, expected {expected}")));
    }
    if r.u32()? != MAGIC_DATA || r.word()? != dim {
        return Err(corrupt(path, "bad data header"));
    }
    let mut seen = vec![false; nodes];
    let mut v = vec![0f32; dim];
    for _ in 0..nodes {
        if r.u32()? != MAGIC_DATA {
            return Err(corrupt(path, "bad point magic"));
        }
        let id = r.u64()?;
        if r.u64()? != (dim * 4) as u64 {
            return Err(corrupt(path, "bad vector length"));
        }
        let slot = usize::try_from(id).ok().filter(|&s| s < nodes && !seen[s]);
        let Some(slot) = slot else {
            return Err(corrupt(
                path,
                format!("unexpected or repeated data id {id}"),
            ));
        };
        seen[slot] = true;
        for x in v.iter_mut() {
            *x = f32::from_ne_bytes(r.bytes()?);
        }
        if !check_vector(slot as u32, &v) {
            return Err(corrupt(
                path,
                format!("vector of slot {slot} differs from the records"),
            ));
        }
    }
    Ok(())
}

/// Loads a graph written by [`GraphEngine::dump`] from `dir`, after checking that it has
/// exactly `nodes` nodes (data ids 0..nodes) of dimension `dim` and that every stored
/// vector passes `check_vector(slot, v)`. Never trusts the files beyond that: any
/// mismatch, load error or panic is an `Err`, and the caller rebuilds.
pub(crate) fn load_graph(
    params: GraphParams,
    dim: usize,
    nodes: usize,
    dir: &Path,
    fault: Option<FaultHook>,
    check_vector: &mut dyn FnMut(u32, &[f32]) -> bool,
) -> Result<Arc<dyn GraphEngine>> {
    let graph_path = dir.join(format!("{DUMP_BASENAME}.hnsw.graph"));
    let data_path = dir.join(format!("{DUMP_BASENAME}.hnsw.data"));
    check_description(&graph_path, &params, dim, nodes)?;
    check_data(&data_path, dim, nodes, check_vector)?;
    let io = HnswIo::new(dir, DUMP_BASENAME);
    let loaded = catch_unwind(AssertUnwindSafe(
        || -> std::result::Result<Arc<dyn GraphEngine>, String> {
            Ok(match params.metric {
                Metric::Cosine => Arc::new(LoadedUnitDotGraph::load(io, fault)?),
                Metric::Dot => Arc::new(LoadedMipsGraph::load(io, fault)?),
                Metric::L2 => Arc::new(LoadedSqL2Graph::load(io, fault)?),
            })
        },
    ));
    let engine = match loaded {
        Ok(Ok(engine)) => engine,
        Ok(Err(e)) => {
            return Err(corrupt(
                &graph_path,
                format!("hnsw_rs could not load it: {e}"),
            ))
        }
        Err(p) => {
            return Err(corrupt(
                &graph_path,
                format!("hnsw_rs panicked loading it: {}", panic_message(p)),
            ))
        }
    };
    if engine.len() != nodes {
        return Err(corrupt(
            &graph_path,
            format!("loaded {} nodes, expected {nodes}", engine.len()),
        ));
    }
    Ok(engine)
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
