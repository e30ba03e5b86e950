//! TEMPORARY stand-in for the index contract (coord/INDEX_API.md) so the store can be
//! built and tested before the real index lands. Replaced by a re-export of
//! `crate::index` at merge time; nothing here is public.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use crate::{Error, Name, Result};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    #[default]
    Cosine,
    Dot,
    L2,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct IndexConfig {
    pub dim: usize,
    pub metric: Metric,
    pub small_index_threshold: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            dim: 0,
            metric: Metric::Cosine,
            small_index_threshold: 32,
        }
    }
}

impl IndexConfig {
    pub fn new(dim: usize) -> Self {
        IndexConfig {
            dim,
            ..Default::default()
        }
    }
    pub fn validate(&self) -> Result<()> {
        if self.dim == 0 || self.dim > 65536 {
            return Err(Error::InvalidConfig(format!(
                "dim {} out of range",
                self.dim
            )));
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    pub id: String,
    pub vector: Vec<f32>,
    pub metadata: serde_json::Value,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GraphState {
    Exact,
    Ready,
    Rebuilding,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IndexStats {
    pub live: usize,
    pub graph_state: GraphState,
    pub rebuilds: u64,
}

pub(crate) enum WriteOp<'a> {
    Upsert(&'a [Record]),
    Delete(&'a [String]),
}

#[derive(Debug)]
pub(crate) enum ReplayOp {
    Upsert(Vec<Record>),
    Delete(Vec<String>),
}

pub(crate) trait WriteObserver: Send + Sync {
    fn before_apply(&self, op: &WriteOp<'_>) -> Result<()>;
    fn after_apply(&self, stats_live: usize, stats_tombstones: usize);
}

struct Inner {
    name: String,
    config: IndexConfig,
    records: RwLock<BTreeMap<String, Record>>,
    write: Mutex<()>,
    observer: RwLock<Option<Arc<dyn WriteObserver>>>,
    ro: AtomicBool,
    graph_loaded: AtomicBool,
}

#[derive(Clone)]
pub struct VectorIndex {
    inner: Arc<Inner>,
}

impl VectorIndex {
    pub fn new(name: &str, config: IndexConfig) -> Result<Self> {
        Name::parse(name)?;
        config.validate()?;
        Ok(VectorIndex {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                config,
                records: RwLock::new(BTreeMap::new()),
                write: Mutex::new(()),
                observer: RwLock::new(None),
                ro: AtomicBool::new(false),
                graph_loaded: AtomicBool::new(false),
            }),
        })
    }
    pub fn name(&self) -> &str {
        &self.inner.name
    }
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }
    pub fn len(&self) -> usize {
        self.inner.records.read().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn stats(&self) -> IndexStats {
        let live = self.len();
        IndexStats {
            live,
            graph_state: if live < self.inner.config.small_index_threshold {
                GraphState::Exact
            } else {
                GraphState::Ready
            },
            rebuilds: u64::from(!self.inner.graph_loaded.load(Ordering::SeqCst)),
        }
    }
    fn check(&self, r: &Record) -> Result<()> {
        if r.vector.len() != self.inner.config.dim {
            return Err(Error::DimensionMismatch {
                index: self.inner.name.clone(),
                id: r.id.clone(),
                expected: self.inner.config.dim,
                got: r.vector.len(),
            });
        }
        if r.id.is_empty() || r.vector.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid("bad record"));
        }
        Ok(())
    }
    pub fn upsert(&self, id: &str, vector: &[f32], metadata: serde_json::Value) -> Result<()> {
        self.upsert_batch(vec![Record {
            id: id.to_owned(),
            vector: vector.to_vec(),
            metadata,
        }])
    }
    pub fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        if self.inner.ro.load(Ordering::SeqCst) {
            return Err(Error::ReadOnly(self.inner.name.clone()));
        }
        for r in &records {
            self.check(r)?;
        }
        let _g = self.inner.write.lock();
        let obs = self.inner.observer.read().clone();
        if let Some(o) = &obs {
            o.before_apply(&WriteOp::Upsert(&records))?;
        }
        {
            let mut m = self.inner.records.write();
            for r in records {
                m.insert(r.id.clone(), r);
            }
        }
        if let Some(o) = &obs {
            o.after_apply(self.len(), 0);
        }
        Ok(())
    }
    pub fn delete(&self, id: &str) -> Result<bool> {
        Ok(self.delete_batch(&[id.to_owned()])? > 0)
    }
    pub fn delete_batch(&self, ids: &[String]) -> Result<usize> {
        if self.inner.ro.load(Ordering::SeqCst) {
            return Err(Error::ReadOnly(self.inner.name.clone()));
        }
        let _g = self.inner.write.lock();
        let obs = self.inner.observer.read().clone();
        if let Some(o) = &obs {
            o.before_apply(&WriteOp::Delete(ids))?;
        }
        let n = {
            let mut m = self.inner.records.write();
            ids.iter().filter(|id| m.remove(*id).is_some()).count()
        };
        if let Some(o) = &obs {
            o.after_apply(self.len(), 0);
        }
        Ok(n)
    }
    pub fn get(&self, id: &str) -> Option<Record> {
        self.inner.records.read().get(id).cloned()
    }
    pub fn contains(&self, id: &str) -> bool {
        self.inner.records.read().contains_key(id)
    }
    pub fn records(&self) -> Vec<Record> {
        self.inner.records.read().values().cloned().collect()
    }
    pub fn wait_idle(&self) {}

    pub(crate) fn set_observer(&self, obs: Option<Arc<dyn WriteObserver>>) {
        *self.inner.observer.write() = obs;
    }
    pub(crate) fn set_read_only(&self, ro: bool) {
        self.inner.ro.store(ro, Ordering::SeqCst);
    }
    pub(crate) fn apply_replayed(&self, op: ReplayOp) -> Result<()> {
        let mut m = self.inner.records.write();
        match op {
            ReplayOp::Upsert(rs) => {
                for r in rs {
                    m.insert(r.id.clone(), r);
                }
            }
            ReplayOp::Delete(ids) => {
                for id in ids {
                    m.remove(&id);
                }
            }
        }
        Ok(())
    }
    pub(crate) fn checkpoint(&self, graph_dir: &Path) -> Result<(Vec<Record>, bool)> {
        let _g = self.inner.write.lock();
        let recs = self.records();
        if recs.len() < self.inner.config.small_index_threshold {
            return Ok((recs, false));
        }
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        let p = graph_dir.join("ids.txt");
        std::fs::write(&p, ids.join("\n")).map_err(|e| Error::io(&p, e))?;
        let p2 = graph_dir.join("graph.bin");
        std::fs::write(&p2, vec![7u8; 64]).map_err(|e| Error::io(&p2, e))?;
        Ok((recs, true))
    }
    pub(crate) fn restore(
        name: &str,
        config: IndexConfig,
        records: Vec<Record>,
        graph_dir: Option<&Path>,
    ) -> Result<VectorIndex> {
        let ix = VectorIndex::new(name, config)?;
        let want: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        ix.apply_replayed(ReplayOp::Upsert(records))?;
        if let Some(d) = graph_dir {
            let ok = std::fs::read_to_string(d.join("ids.txt"))
                .map(|s| s == want.join("\n"))
                .unwrap_or(false);
            ix.inner.graph_loaded.store(ok, Ordering::SeqCst);
        }
        Ok(ix)
    }
}
