//! The source of truth: ids, vectors, metadata and liveness by slot.
//!
//! Slots are append-only between compactions: an upsert of an existing id tombstones the
//! old slot and appends a new one, so the graph (which cannot delete or deduplicate) only
//! ever sees each slot once.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::filter::Postings;
use super::vectors::{VectorChunks, VectorView};
use super::Record;

#[derive(Debug)]
pub(crate) struct SideStore {
    dim: usize,
    ids: Vec<Arc<str>>,
    id_to_slot: HashMap<Arc<str>, u32>,
    vectors: VectorChunks,
    metadata: Vec<Value>,
    live: Vec<bool>,
    live_count: usize,
    metadata_bytes: usize,
    postings: Postings,
}

impl SideStore {
    pub(crate) fn new(dim: usize) -> Self {
        SideStore {
            dim,
            ids: Vec::new(),
            id_to_slot: HashMap::new(),
            vectors: VectorChunks::new(dim),
            metadata: Vec::new(),
            live: Vec::new(),
            live_count: 0,
            metadata_bytes: 0,
            postings: Postings::default(),
        }
    }

    pub(crate) fn dim(&self) -> usize {
        self.dim
    }
    /// Slots ever assigned since the last compaction (live + tombstones).
    pub(crate) fn slots(&self) -> usize {
        self.live.len()
    }
    pub(crate) fn live_count(&self) -> usize {
        self.live_count
    }
    pub(crate) fn tombstones(&self) -> usize {
        self.live.len() - self.live_count
    }
    pub(crate) fn vector_bytes(&self) -> usize {
        self.vectors.bytes()
    }
    /// Borrowed rows for the graph engines.
    pub(crate) fn view(&self) -> VectorView<'_> {
        self.vectors.view()
    }
    /// The rows as they are now, sharing frozen chunks (for a background rebuild).
    pub(crate) fn vector_snapshot(&self) -> VectorChunks {
        self.vectors.snapshot()
    }
    pub(crate) fn metadata_bytes(&self) -> usize {
        self.metadata_bytes
    }
    pub(crate) fn postings(&self) -> &Postings {
        &self.postings
    }

    #[inline]
    pub(crate) fn is_live(&self, slot: u32) -> bool {
        self.live.get(slot as usize).copied().unwrap_or(false)
    }
    #[inline]
    pub(crate) fn vector(&self, slot: u32) -> &[f32] {
        self.vectors.view().row(slot)
    }
    #[inline]
    pub(crate) fn metadata(&self, slot: u32) -> &Value {
        &self.metadata[slot as usize]
    }
    pub(crate) fn id(&self, slot: u32) -> &str {
        &self.ids[slot as usize]
    }
    pub(crate) fn slot_of(&self, id: &str) -> Option<u32> {
        self.id_to_slot.get(id).copied()
    }

    /// Appends a live slot for `id` (tombstoning its previous slot); returns the new slot.
    /// The caller has validated the vector's length and values.
    pub(crate) fn upsert(&mut self, id: &str, vector: &[f32], metadata: Value) -> u32 {
        self.delete(id);
        let slot = self.live.len() as u32;
        let id: Arc<str> = Arc::from(id);
        self.ids.push(id.clone());
        self.id_to_slot.insert(id, slot);
        self.vectors.push(vector);
        self.postings.add(slot, &metadata);
        self.metadata_bytes += json_size(&metadata);
        self.metadata.push(metadata);
        self.live.push(true);
        self.live_count += 1;
        slot
    }

    /// Appends a dead slot (restore of a graph that still holds a tombstoned node).
    pub(crate) fn push_dead(&mut self, vector: &[f32]) {
        self.ids.push(Arc::from(""));
        self.vectors.push(vector);
        self.metadata.push(Value::Null);
        self.live.push(false);
    }

    /// Tombstones `id`; false if it was not live.
    pub(crate) fn delete(&mut self, id: &str) -> bool {
        let Some(slot) = self.id_to_slot.remove(id) else {
            return false;
        };
        let s = slot as usize;
        self.live[s] = false;
        self.live_count -= 1;
        // Free the metadata now; the vector stays until compaction because the graph
        // may still hold (and compare against) a node for this slot.
        let old = std::mem::take(&mut self.metadata[s]);
        self.metadata_bytes -= json_size(&old).min(self.metadata_bytes);
        true
    }

    /// A hash of every slot's liveness and id and every live row: what a saved graph was
    /// built over, so a graph is never loaded against other records.
    pub(crate) fn fingerprint(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let view = self.view();
        let mut bytes = Vec::with_capacity(self.dim * 4);
        for slot in 0..self.slots() as u32 {
            if self.is_live(slot) {
                let id = self.id(slot).as_bytes();
                h.update(&[1]);
                h.update(&(id.len() as u64).to_le_bytes());
                h.update(id);
                bytes.clear();
                view.row(slot)
                    .iter()
                    .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
                h.update(&bytes);
            } else {
                h.update(&[0]);
            }
        }
        h.digest()
    }

    pub(crate) fn record(&self, slot: u32) -> Record {
        Record {
            id: self.id(slot).to_owned(),
            vector: self.vector(slot).to_vec(),
            metadata: self.metadata(slot).clone(),
        }
    }

    pub(crate) fn live_slots(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.live.len() as u32).filter(|&s| self.live[s as usize])
    }

    /// A new store holding the given old slots, in that order, renumbered 0..; slots that
    /// are dead here stay dead there.
    pub(crate) fn compacted(&self, order: &[u32]) -> SideStore {
        self.compacted_onto(order, VectorChunks::new(self.dim))
    }

    /// Like [`SideStore::compacted`], with the rows of the first `prebuilt.len()` entries
    /// of `order` already copied into `prebuilt` (by a background rebuild, off the lock).
    pub(crate) fn compacted_onto(&self, order: &[u32], prebuilt: VectorChunks) -> SideStore {
        let mut out = SideStore::new(self.dim);
        let done = prebuilt.len().min(order.len());
        out.vectors = prebuilt;
        for (i, &old) in order.iter().enumerate() {
            let slot = i as u32;
            if i >= done {
                out.vectors.push(self.vector(old));
            }
            if self.is_live(old) {
                let id: Arc<str> = self.ids[old as usize].clone();
                out.id_to_slot.insert(id.clone(), slot);
                out.ids.push(id);
                let metadata = self.metadata(old).clone();
                out.postings.add(slot, &metadata);
                out.metadata_bytes += json_size(&metadata);
                out.metadata.push(metadata);
                out.live.push(true);
                out.live_count += 1;
            } else {
                out.ids.push(self.ids[old as usize].clone());
                out.metadata.push(Value::Null);
                out.live.push(false);
            }
        }
        out
    }
}

/// Approximate serialized size, without serializing.
fn json_size(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.iter().map(|x| json_size(x) + 1).sum::<usize>(),
        Value::Object(m) => {
            2 + m
                .iter()
                .map(|(k, x)| k.len() + 4 + json_size(x))
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn upsert_replaces_and_delete_tombstones() {
        let mut st = SideStore::new(2);
        assert_eq!(st.upsert("a", &[1.0, 0.0], json!({"x": 1})), 0);
        assert_eq!(st.upsert("b", &[0.0, 1.0], json!({})), 1);
        assert_eq!(st.upsert("a", &[2.0, 0.0], json!({"x": 2})), 2);
        assert_eq!((st.live_count(), st.tombstones()), (2, 1));
        assert_eq!(st.slot_of("a"), Some(2));
        assert!(!st.is_live(0));
        assert!(st.delete("b"));
        assert!(!st.delete("b"));
        assert_eq!(st.live_slots().collect::<Vec<_>>(), vec![2]);
        let c = st.compacted(&[2]);
        assert_eq!((c.slots(), c.live_count()), (1, 1));
        assert_eq!(c.record(0).vector, vec![2.0, 0.0]);
        assert_eq!(c.metadata(0), &json!({"x": 2}));
    }
}
