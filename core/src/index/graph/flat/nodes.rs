//! Node storage of the flat engine: levels, neighbour lists and per-node locks by slot.
//!
//! Nodes live in chunks of [`CHUNK_NODES`] reached through a two-level directory of
//! `OnceLock`s, so the graph grows without a capacity limit, without moving anything a
//! reader may be looking at, and without `unsafe`. A neighbour list is a run of
//! `AtomicU32`: the count, then the ids. Readers load it with plain atomic loads and no
//! lock (a list being rewritten may be read half old, half new, but only ever holds valid
//! slots); writers hold the node's mutex.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::OnceLock;

use parking_lot::{Mutex, MutexGuard};

/// Nodes per chunk.
pub(crate) const CHUNK_NODES: usize = 1024;
const CHUNK_BITS: u32 = CHUNK_NODES.trailing_zeros();
/// Chunks per directory page.
const PAGE_CHUNKS: usize = 1024;
const PAGE_BITS: u32 = PAGE_CHUNKS.trailing_zeros();
/// Directory pages: 1024 × 1024 × 1024 nodes, past any slot count an index reaches.
const PAGES: usize = 1024;
/// Level of a slot that is not (yet) a node.
pub(crate) const ABSENT: u8 = u8::MAX;

type Page = Box<[OnceLock<Box<Chunk>>]>;

struct Chunk {
    levels: Box<[AtomicU8]>,
    /// `CHUNK_NODES` level-0 lists of `1 + m0` words each.
    l0: Box<[AtomicU32]>,
    /// Levels 1.. of each node: `level` lists of `1 + m` words, set once before the node
    /// becomes reachable.
    upper: Box<[OnceLock<Box<[AtomicU32]>>]>,
    locks: Box<[Mutex<()>]>,
}

fn atomics32(n: usize) -> Box<[AtomicU32]> {
    (0..n).map(|_| AtomicU32::new(0)).collect()
}

/// Every node's links.
pub(crate) struct Nodes {
    m: usize,
    m0: usize,
    pages: Box<[OnceLock<Page>]>,
}

impl Nodes {
    pub(crate) fn new(m: usize, m0: usize) -> Self {
        Nodes {
            m,
            m0,
            pages: (0..PAGES).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Links per upper-level list.
    pub(crate) fn m(&self) -> usize {
        self.m
    }

    /// Links per level-0 list.
    pub(crate) fn m0(&self) -> usize {
        self.m0
    }

    #[inline]
    fn split(slot: u32) -> (usize, usize, usize) {
        let s = slot as usize;
        (
            s >> (CHUNK_BITS + PAGE_BITS),
            (s >> CHUNK_BITS) & (PAGE_CHUNKS - 1),
            s & (CHUNK_NODES - 1),
        )
    }

    #[inline]
    fn chunk(&self, slot: u32) -> Option<(&Chunk, usize)> {
        let (p, c, row) = Self::split(slot);
        let chunk = self.pages.get(p)?.get()?[c].get()?;
        Some((chunk, row))
    }

    fn chunk_or_init(&self, slot: u32) -> (&Chunk, usize) {
        let (p, c, row) = Self::split(slot);
        let page = self.pages[p].get_or_init(|| (0..PAGE_CHUNKS).map(|_| OnceLock::new()).collect());
        let chunk = page[c].get_or_init(|| {
            Box::new(Chunk {
                levels: (0..CHUNK_NODES).map(|_| AtomicU8::new(ABSENT)).collect(),
                l0: atomics32(CHUNK_NODES * (1 + self.m0)),
                upper: (0..CHUNK_NODES).map(|_| OnceLock::new()).collect(),
                locks: (0..CHUNK_NODES).map(|_| Mutex::new(())).collect(),
            })
        });
        (chunk, row)
    }

    /// The node's top level, or [`ABSENT`].
    #[inline]
    pub(crate) fn level(&self, slot: u32) -> u8 {
        self.chunk(slot)
            .map_or(ABSENT, |(c, row)| c.levels[row].load(Ordering::Acquire))
    }

    /// Makes `slot` a node of `level` with empty lists; false if it already was one.
    pub(crate) fn claim(&self, slot: u32, level: u8) -> bool {
        let (c, row) = self.chunk_or_init(slot);
        if level > 0 {
            c.upper[row].get_or_init(|| atomics32(usize::from(level) * (1 + self.m)));
        }
        c.levels[row]
            .compare_exchange(ABSENT, level, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The list of `slot` at `level` (count word first); empty when there is none.
    #[inline]
    pub(crate) fn list(&self, slot: u32, level: usize) -> &[AtomicU32] {
        let Some((c, row)) = self.chunk(slot) else {
            return &[];
        };
        if level == 0 {
            let w = 1 + self.m0;
            &c.l0[row * w..(row + 1) * w]
        } else {
            let w = 1 + self.m;
            c.upper[row]
                .get()
                .and_then(|u| u.get((level - 1) * w..level * w))
                .unwrap_or(&[])
        }
    }

    /// Copies the neighbours of `slot` at `level` into `out` (cleared first).
    #[inline]
    pub(crate) fn read(&self, slot: u32, level: usize, out: &mut Vec<u32>) {
        out.clear();
        let list = self.list(slot, level);
        if let Some((count, ids)) = list.split_first() {
            let n = (count.load(Ordering::Acquire) as usize).min(ids.len());
            out.extend(ids[..n].iter().map(|a| a.load(Ordering::Relaxed)));
        }
    }

    /// Replaces the neighbours of `slot` at `level`; the caller holds the node's lock.
    pub(crate) fn write(&self, slot: u32, level: usize, ids: &[u32]) {
        let list = self.list(slot, level);
        if let Some((count, dst)) = list.split_first() {
            let n = ids.len().min(dst.len());
            for (d, &s) in dst.iter().zip(&ids[..n]) {
                d.store(s, Ordering::Relaxed);
            }
            count.store(n as u32, Ordering::Release);
        }
    }

    /// The writer lock of `slot` (which must be a claimed node).
    pub(crate) fn lock(&self, slot: u32) -> MutexGuard<'_, ()> {
        let (c, row) = self.chunk_or_init(slot);
        c.locks[row].lock()
    }

    /// Approximate heap bytes.
    pub(crate) fn memory_bytes(&self, nodes: usize, upper_lists: usize) -> usize {
        let chunks = nodes.div_ceil(CHUNK_NODES);
        let per_chunk = CHUNK_NODES * ((1 + self.m0) * 4 + 1 + 1 + 24);
        let pages = chunks.div_ceil(PAGE_CHUNKS);
        PAGES * 24 + pages * PAGE_CHUNKS * 16 + chunks * per_chunk + upper_lists * (1 + self.m) * 4
    }
}
