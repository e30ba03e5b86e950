//! Vector storage by slot: the one copy of every vector an index holds.
//!
//! Rows live in fixed-size chunks. Full chunks are frozen into `Arc<[f32]>` and never
//! change again, so a background rebuild can hold on to them without a lock and without a
//! copy; only the partly filled tail is copied when a rebuild takes a snapshot. Graph
//! engines read rows through a borrowed [`VectorView`] and keep no vectors of their own.

use std::sync::Arc;

/// Rows per chunk (a power of two, so a slot splits into chunk and row by shifting).
pub(crate) const CHUNK_ROWS: usize = 4096;
const CHUNK_SHIFT: u32 = CHUNK_ROWS.trailing_zeros();

/// Append-only rows of `dim` floats, in frozen chunks plus a tail.
#[derive(Debug, Clone)]
pub(crate) struct VectorChunks {
    dim: usize,
    frozen: Vec<Arc<[f32]>>,
    tail: Vec<f32>,
}

impl VectorChunks {
    pub(crate) fn new(dim: usize) -> Self {
        VectorChunks {
            dim,
            frozen: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.frozen.len() * CHUNK_ROWS + self.tail.len() / self.dim.max(1)
    }

    /// Bytes of stored floats.
    pub(crate) fn bytes(&self) -> usize {
        self.len() * self.dim * std::mem::size_of::<f32>()
    }

    /// Appends one row; the caller guarantees `row.len() == dim`.
    pub(crate) fn push(&mut self, row: &[f32]) {
        debug_assert_eq!(row.len(), self.dim);
        if self.tail.is_empty() {
            self.tail.reserve_exact(CHUNK_ROWS.min(64) * self.dim);
        }
        self.tail.extend_from_slice(row);
        if self.tail.len() == CHUNK_ROWS * self.dim {
            let full = std::mem::take(&mut self.tail);
            self.frozen.push(Arc::from(full));
        }
    }

    /// A borrowed view of every row.
    pub(crate) fn view(&self) -> VectorView<'_> {
        VectorView {
            dim: self.dim,
            frozen: &self.frozen,
            tail: &self.tail,
        }
    }

    /// An owned copy that shares the frozen chunks (only the tail is copied).
    pub(crate) fn snapshot(&self) -> VectorChunks {
        self.clone()
    }
}

/// Read access to rows by slot, borrowed from a [`VectorChunks`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct VectorView<'a> {
    dim: usize,
    frozen: &'a [Arc<[f32]>],
    tail: &'a [f32],
}

impl<'a> VectorView<'a> {
    /// Vector length.
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.frozen.len() * CHUNK_ROWS + self.tail.len() / self.dim.max(1)
    }

    /// The row of `slot`. Panics when `slot` is out of range: engines only call it inside
    /// their guarded region, where a panic discards the graph, never the process.
    #[inline]
    pub(crate) fn row(&self, slot: u32) -> &'a [f32] {
        let chunk = (slot >> CHUNK_SHIFT) as usize;
        let start = (slot as usize & (CHUNK_ROWS - 1)) * self.dim;
        let rows: &'a [f32] = match self.frozen.get(chunk) {
            Some(c) => c,
            None if chunk == self.frozen.len() => self.tail,
            None => &[],
        };
        &rows[start..start + self.dim]
    }

    /// The row of `slot`, or `None` when out of range.
    #[inline]
    pub(crate) fn get(&self, slot: u32) -> Option<&'a [f32]> {
        ((slot as usize) < self.len()).then(|| self.row(slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_freezing_and_snapshots_share_chunks() {
        let dim = 3;
        let mut v = VectorChunks::new(dim);
        let n = CHUNK_ROWS * 2 + 5;
        for i in 0..n {
            v.push(&[i as f32, 0.5, -(i as f32)]);
        }
        assert_eq!(v.len(), n);
        assert_eq!(v.bytes(), n * dim * 4);
        let snap = v.snapshot();
        assert!(Arc::ptr_eq(&snap.frozen[1], &v.frozen[1]));
        let view = snap.view();
        for i in [0, 1, CHUNK_ROWS - 1, CHUNK_ROWS, 2 * CHUNK_ROWS + 4] {
            assert_eq!(view.row(i as u32), &[i as f32, 0.5, -(i as f32)]);
        }
        assert!(view.get(n as u32).is_none());
        v.push(&[9.0, 9.0, 9.0]);
        assert_eq!(snap.len(), n, "a snapshot does not see later rows");
        assert_eq!(v.view().row(n as u32), &[9.0, 9.0, 9.0]);
    }
}
