//! Checkpoint and restore hooks for the durable store.
//!
//! Checkpoint graph directory layout (all files fsynced):
//! - the engine's own files: `graph.flat` for the flat engine (links only, plus the rows
//!   of dead slots; see `graph/flat/persist.rs`), or `graph.hnsw.graph` and
//!   `graph.hnsw.data` for hnsw_rs (graph data ids are slots);
//! - `ids.json`: `{"slots": n, "ids": [id or null, ...]}`, the record id of every slot the
//!   graph holds; `null` marks a tombstoned slot (still a node of the graph).

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::graph::{load_graph, Graph, SaveContext};
use super::side_store::SideStore;
use super::{validate, GraphState, IndexConfig, Record, VectorIndex};
use crate::{Error, Result};

/// File name of the slot → id map inside a checkpoint graph directory.
pub(crate) const IDS_FILE: &str = "ids.json";

#[derive(Serialize, Deserialize)]
struct IdsFile {
    slots: usize,
    ids: Vec<Option<String>>,
}

#[allow(dead_code)] // called by the store
impl VectorIndex {
    /// Consistent checkpoint: live records and, when a graph is ready, the graph dumped
    /// into the EMPTY directory `graph_dir` plus [`IDS_FILE`]. Returns the records and
    /// whether graph files were written. Writes wait for it; searches do not.
    pub(crate) fn checkpoint(&self, graph_dir: &Path) -> Result<(Vec<Record>, bool)> {
        let _order = self.inner.write_order.lock();
        let side = self.inner.side.read();
        let records: Vec<Record> = side.live_slots().map(|s| side.record(s)).collect();
        let engine = {
            let g = self.inner.graph.read();
            g.engine.clone().filter(|_| g.state == GraphState::Ready)
        };
        // A graph that does not cover every slot exactly is not worth persisting.
        let Some(engine) = engine.filter(|e| e.len() == side.slots()) else {
            return Ok((records, false));
        };
        let nonempty = std::fs::read_dir(graph_dir)
            .map_err(|e| Error::io(graph_dir, e))?
            .next()
            .is_some();
        if nonempty {
            return Err(Error::invalid(format!(
                "checkpoint directory '{}' is not empty",
                graph_dir.display()
            )));
        }
        let dead: Vec<u32> = (0..side.slots() as u32)
            .filter(|&s| !side.is_live(s))
            .collect();
        engine.save(
            graph_dir,
            &SaveContext {
                view: side.view(),
                dead: &dead,
                fingerprint: side.fingerprint(),
            },
        )?;
        let ids = IdsFile {
            slots: side.slots(),
            ids: (0..side.slots() as u32)
                .map(|s| side.is_live(s).then(|| side.id(s).to_owned()))
                .collect(),
        };
        let path = graph_dir.join(IDS_FILE);
        std::fs::write(&path, serde_json::to_vec(&ids)?).map_err(|e| Error::io(&path, e))?;
        for entry in std::fs::read_dir(graph_dir).map_err(|e| Error::io(graph_dir, e))? {
            let p = entry.map_err(|e| Error::io(graph_dir, e))?.path();
            File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&p, e))?;
        }
        // Makes the new names durable; not supported on every platform, hence ignored.
        if let Ok(d) = File::open(graph_dir) {
            let _ = d.sync_all();
        }
        Ok((records, true))
    }

    /// Builds an index from snapshot records. When `graph_dir` holds a checkpoint graph
    /// whose id map, size and every vector match the records, it is loaded instead of
    /// rebuilt; otherwise (mismatch, load error, panic) it is discarded and the graph is
    /// rebuilt from the records, which `stats().rebuilds` counts.
    pub(crate) fn restore(
        name: &str,
        config: IndexConfig,
        records: Vec<Record>,
        graph_dir: Option<&Path>,
    ) -> Result<VectorIndex> {
        let idx = VectorIndex::new(name, config)?;
        let recs = records
            .into_iter()
            .map(|r| validate::record(&idx.inner, &r.id, &r.vector, r.metadata))
            .collect::<Result<Vec<_>>>()?;
        if recs.is_empty() {
            return Ok(idx);
        }
        let loadable = graph_dir.filter(|_| recs.len() >= idx.inner.config.small_index_threshold);
        if let Some(dir) = loadable {
            // Any failure here only means "rebuild": the records are the truth.
            if let Ok((side, engine)) = idx.load_checkpoint_graph(dir, &recs) {
                {
                    let _order = idx.inner.write_order.lock();
                    *idx.inner.side.write() = side;
                    {
                        let mut g = idx.inner.graph.write();
                        g.engine = Some(engine);
                        g.state = GraphState::Ready;
                        g.generation += 1;
                    }
                    idx.after_write(&[]);
                }
                return Ok(idx);
            }
        }
        idx.apply_upserts(recs, false)?;
        Ok(idx)
    }

    fn load_checkpoint_graph(
        &self,
        dir: &Path,
        recs: &[Record],
    ) -> Result<(SideStore, Arc<Graph>)> {
        let path = dir.join(IDS_FILE);
        let corrupt = |reason: String| Error::Corrupt {
            path: path.clone(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let ids: IdsFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if ids.ids.len() != ids.slots {
            return Err(corrupt(format!(
                "{} ids for {} slots",
                ids.ids.len(),
                ids.slots
            )));
        }
        let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(recs.len());
        for (i, r) in recs.iter().enumerate() {
            if by_id.insert(r.id.as_str(), i).is_some() {
                return Err(corrupt(format!("record id '{}' repeated", r.id)));
            }
        }
        // slot -> index into recs (None: tombstoned node).
        let mut layout: Vec<Option<usize>> = Vec::with_capacity(ids.slots);
        for id in &ids.ids {
            match id {
                Some(id) => match by_id.remove(id.as_str()) {
                    Some(i) => layout.push(Some(i)),
                    None => {
                        return Err(corrupt(format!(
                            "graph id '{id}' is not a record (or repeats)"
                        )))
                    }
                },
                None => layout.push(None),
            }
        }
        if !by_id.is_empty() {
            return Err(corrupt(format!(
                "{} records are missing from the graph",
                by_id.len()
            )));
        }
        let c = &self.inner.config;
        let mut params = self.graph_params(ids.slots);
        params.capacity = ids.slots;
        let is_live = |slot: u32| layout.get(slot as usize).is_some_and(Option::is_some);
        let mut check = |slot: u32, v: &[f32]| {
            layout
                .get(slot as usize)
                .copied()
                .flatten()
                .is_some_and(|i| recs[i].vector == v)
        };
        let loaded = load_graph(
            params,
            c.dim,
            ids.slots,
            dir,
            self.fault_hook(),
            &is_live,
            &mut check,
        )?;
        let mut dead = loaded.dead;
        let mut side = SideStore::new(c.dim);
        for (slot, entry) in layout.iter().enumerate() {
            match entry {
                Some(i) => {
                    let r = &recs[*i];
                    side.upsert(&r.id, &r.vector, r.metadata.clone());
                }
                None => {
                    let Some(v) = dead.remove(&(slot as u32)) else {
                        return Err(corrupt(format!("no vector for dead slot {slot}")));
                    };
                    side.push_dead(&v);
                }
            }
        }
        if let Some(fp) = loaded.fingerprint {
            if fp != side.fingerprint() {
                return Err(corrupt(
                    "the graph was built over other ids or vectors than the snapshot's".into(),
                ));
            }
        }
        let engine = loaded.graph;
        Ok((side, engine))
    }
}
