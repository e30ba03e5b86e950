//! The hnsw_rs engine. THE ONLY FILE THAT NAMES `hnsw_rs`.
//!
//! hnsw_rs keeps its own copy of every vector (copied from the view on insert) and dumps
//! them with the graph. Calls are fenced by [`super::Graph`].
//!
//! Hazards of hnsw_rs 0.3.5 fenced here or before reaching here: `max_nb_connection > 256`
//! exits the process (config validation caps `m`); its own distances assert on
//! dimension/normalisation (we use our own [`Distance`] impls, fed only validated vectors
//! of the index dimension, never NaN); its search asserts `dist >= 0` (our distances are
//! clamped non-negative and never NaN); its loader exits the process on truncated files
//! (sizes are checked before loading).

use std::collections::HashMap;
use std::path::Path;

use hnsw_rs::prelude::{AnnT, Distance, FilterT, Hnsw, HnswIo};

use super::super::config::Metric;
use super::super::distance::graph_distance;
use super::super::vectors::VectorView;
use super::{GraphCheck, GraphEngine, GraphParams, SaveContext, SlotFilter};
use crate::{Error, Result};

/// hnsw_rs's layer cap (NB_LAYER_MAX).
const MAX_LAYERS: usize = 16;
/// Basename of the hnsw_rs dump files inside a checkpoint's graph directory.
pub(crate) const DUMP_BASENAME: &str = "graph";

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
struct HnswGraph<D: Distance<f32> + Send + Sync + 'static> {
    hnsw: Hnsw<'static, f32, D>,
}

/// Builds an empty hnsw_rs graph for `params.metric`.
pub(super) fn new_engine(params: &GraphParams) -> Box<dyn GraphEngine> {
    fn make<D: Distance<f32> + Default + Send + Sync + 'static>(
        p: &GraphParams,
    ) -> Box<dyn GraphEngine> {
        // `m` is validated to 2..=256 by IndexConfig::validate; hnsw_rs exits above 256.
        let m = p.m.min(crate::index::config::MAX_M);
        let hnsw = Hnsw::new(
            m,
            p.capacity.max(1),
            MAX_LAYERS,
            p.ef_construction.max(1),
            D::default(),
        );
        Box::new(HnswGraph { hnsw })
    }
    match params.metric {
        Metric::Cosine => make::<UnitDotDist>(params),
        Metric::Dot => make::<MipsDist>(params),
        Metric::L2 => make::<SqL2Dist>(params),
    }
}

fn insert<D: Distance<f32> + Send + Sync>(
    hnsw: &Hnsw<'_, f32, D>,
    view: VectorView<'_>,
    slots: &[u32],
) {
    if let [slot] = slots {
        hnsw.insert_slice((view.row(*slot), *slot as usize));
    } else {
        let data: Vec<(&[f32], usize)> = slots
            .iter()
            .map(|&s| (view.row(s), s as usize))
            .collect();
        hnsw.parallel_insert_slice(&data);
    }
}

fn search<D: Distance<f32> + Send + Sync>(
    hnsw: &Hnsw<'_, f32, D>,
    query: &[f32],
    k: usize,
    ef: usize,
    filter: SlotFilter<'_>,
) -> Vec<(u32, f32)> {
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
}

fn dump<D: Distance<f32> + Send + Sync>(hnsw: &Hnsw<'_, f32, D>, dir: &Path) -> Result<()> {
    match hnsw.file_dump(dir, DUMP_BASENAME) {
        Ok(name) if name == DUMP_BASENAME => Ok(()),
        // hnsw_rs silently picks another basename when files exist; the directory
        // must be empty, so this means someone else wrote into it.
        Ok(name) => Err(Error::Internal(format!(
            "graph dump in '{}' used basename '{name}', directory was not empty",
            dir.display()
        ))),
        Err(e) => Err(Error::Internal(format!(
            "graph dump in '{}' failed: {e}",
            dir.display()
        ))),
    }
}

/// hnsw_rs's heap use: its own copy of the vectors plus about two `Arc`ed points and the
/// neighbour lists per node (an estimate; hnsw_rs does not report it).
fn estimate_bytes(nodes: usize, dim: usize, m: usize) -> usize {
    nodes * (dim * 4 + 2 * m * 16 + 96)
}

impl<D: Distance<f32> + Send + Sync + 'static> GraphEngine for HnswGraph<D> {
    fn insert(&self, view: VectorView<'_>, slots: &[u32]) {
        insert(&self.hnsw, view, slots)
    }
    fn search(
        &self,
        _view: VectorView<'_>,
        query: &[f32],
        k: usize,
        ef: usize,
        filter: SlotFilter<'_>,
    ) -> Vec<(u32, f32)> {
        search(&self.hnsw, query, k, ef, filter)
    }
    fn len(&self) -> usize {
        self.hnsw.get_nb_point()
    }
    fn memory_bytes(&self) -> usize {
        estimate_bytes(
            self.hnsw.get_nb_point(),
            self.hnsw.get_point_indexation().get_data_dimension(),
            self.hnsw.get_max_nb_connection() as usize,
        )
    }
    fn save(&self, dir: &Path, _ctx: &SaveContext<'_>) -> Result<()> {
        dump(&self.hnsw, dir)
    }
    fn check(&self) -> Option<GraphCheck> {
        None
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
        }
        impl $engine {
            fn load(io: HnswIo) -> std::result::Result<Self, String> {
                $cell::try_new(io, |io| io.load_hnsw_with_dist(<$dist>::default()))
                    .map(|cell| $engine { cell })
                    .map_err(|e| e.to_string())
            }
        }
        impl GraphEngine for $engine {
            fn insert(&self, view: VectorView<'_>, slots: &[u32]) {
                self.cell.with_dependent(|_, h| insert(h, view, slots))
            }
            fn search(
                &self,
                _view: VectorView<'_>,
                query: &[f32],
                k: usize,
                ef: usize,
                filter: SlotFilter<'_>,
            ) -> Vec<(u32, f32)> {
                self.cell
                    .with_dependent(|_, h| search(h, query, k, ef, filter))
            }
            fn len(&self) -> usize {
                self.cell.with_dependent(|_, h| h.get_nb_point())
            }
            fn memory_bytes(&self) -> usize {
                self.cell.with_dependent(|_, h| {
                    estimate_bytes(
                        h.get_nb_point(),
                        h.get_point_indexation().get_data_dimension(),
                        h.get_max_nb_connection() as usize,
                    )
                })
            }
            fn save(&self, dir: &Path, _ctx: &SaveContext<'_>) -> Result<()> {
                self.cell.with_dependent(|_, h| dump(h, dir))
            }
            fn check(&self) -> Option<GraphCheck> {
                None
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

/// Loads an hnsw_rs dump from `dir` after checking that it has exactly `nodes` nodes
/// (data ids 0..nodes) of dimension `dim` and that every stored vector of a live slot
/// passes `check_vector(slot, v)`; the rows of dead slots are returned.
#[allow(clippy::type_complexity)]
pub(super) fn load(
    params: &GraphParams,
    dim: usize,
    nodes: usize,
    dir: &Path,
    is_live: &dyn Fn(u32) -> bool,
    check_vector: &mut dyn FnMut(u32, &[f32]) -> bool,
) -> Result<(Box<dyn GraphEngine>, HashMap<u32, Vec<f32>>)> {
    let graph_path = dir.join(format!("{DUMP_BASENAME}.hnsw.graph"));
    let data_path = dir.join(format!("{DUMP_BASENAME}.hnsw.data"));
    check_description(&graph_path, params, dim, nodes)?;
    let mut dead = HashMap::new();
    let mut check = |slot: u32, v: &[f32]| {
        if is_live(slot) {
            check_vector(slot, v)
        } else {
            dead.insert(slot, v.to_vec());
            true
        }
    };
    check_data(&data_path, dim, nodes, &mut check)?;
    let io = HnswIo::new(dir, DUMP_BASENAME);
    let engine: Box<dyn GraphEngine> = match params.metric {
        Metric::Cosine => Box::new(LoadedUnitDotGraph::load(io).map_err(|e| load_err(&graph_path, e))?),
        Metric::Dot => Box::new(LoadedMipsGraph::load(io).map_err(|e| load_err(&graph_path, e))?),
        Metric::L2 => Box::new(LoadedSqL2Graph::load(io).map_err(|e| load_err(&graph_path, e))?),
    };
    Ok((engine, dead))
}

fn load_err(path: &Path, e: String) -> Error {
    corrupt(path, format!("hnsw_rs could not load it: {e}"))
}
