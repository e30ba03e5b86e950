//! The flat engine's graph file, `graph.flat`. All integers little-endian.
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `LHFLATG\0` |
//! | 4 | format version (1) |
//! | 1 | metric (0 cosine, 1 dot, 2 l2) |
//! | 3 | zero |
//! | 4 × 5 | dim, m, m0, ef_construction, node count `n` |
//! | 8 | level seed |
//! | 4 + 4 | entry slot (`u32::MAX` when empty), top level |
//! | 8 | fingerprint of the id layout and live vectors (checked by the index) |
//! | 4 | dead slot count `d` |
//! | n | level of each node 0..n |
//! | n × 4(1+m0) | level-0 lists: count, then m0 slots (unused ones zero) |
//! | Σ level × 4(1+m) | upper lists of each node with level > 0, in slot order |
//! | d × (4 + 4·dim) | each dead slot and its vector (the snapshot does not hold them) |
//! | 8 | xxh3-64 of every byte before |
//!
//! No live vectors: the snapshot holds them, so the file is about 14 MB at 100k nodes
//! with m = 16. Loading checks the checksum, then every count, level and id against the
//! header; anything off is `Error::Corrupt` (the index then rebuilds), never a panic.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::Ordering;

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::super::super::config::Metric;
use super::super::{GraphParams, SaveContext};
use super::nodes::ABSENT;
use super::super::GraphEngine;
use super::{FlatGraph, MAX_LEVEL};
use crate::{Error, Result};

/// File name of the flat graph inside a checkpoint's graph directory.
pub(crate) const FILE_NAME: &str = "graph.flat";
const MAGIC: &[u8; 8] = b"LHFLATG\0";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 4 + 4 * 5 + 8 + 8 + 8 + 4;

fn metric_tag(m: Metric) -> u8 {
    match m {
        Metric::Cosine => 0,
        Metric::Dot => 1,
        Metric::L2 => 2,
    }
}

/// Hashes everything written through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Xxh3,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub(super) fn save(g: &FlatGraph, dir: &Path, ctx: &SaveContext<'_>) -> Result<()> {
    let path = dir.join(FILE_NAME);
    let io = |e: std::io::Error| Error::io(&path, e);
    let n = g.len();
    let (m, m0) = (g.nodes.m(), g.nodes.m0());
    let dim = ctx.view.dim();
    let levels: Vec<u8> = (0..n as u32).map(|s| g.nodes.level(s)).collect();
    if let Some(s) = levels.iter().position(|&l| l == ABSENT) {
        return Err(Error::Internal(format!(
            "graph of {n} nodes has no node for slot {s}; not saved"
        )));
    }
    let (entry, top) = g.entry().map_or((u32::MAX, 0), |(e, t)| (e, t as u32));
    let file = std::fs::File::create(&path).map_err(io)?;
    let mut w = Hashing {
        inner: BufWriter::with_capacity(1 << 20, file),
        hash: Xxh3::new(),
    };
    let u32s = |w: &mut Hashing<_>, v: &[u32]| -> std::io::Result<()> {
        v.iter().try_for_each(|x| w.write_all(&x.to_le_bytes()))
    };
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&VERSION.to_le_bytes()).map_err(io)?;
    w.write_all(&[metric_tag(g.metric), 0, 0, 0]).map_err(io)?;
    let ints = [dim, m, m0, g.ef_construction, n].map(|x| x as u32);
    u32s(&mut w, &ints).map_err(io)?;
    w.write_all(&g.seed.to_le_bytes()).map_err(io)?;
    u32s(&mut w, &[entry, top]).map_err(io)?;
    w.write_all(&ctx.fingerprint.to_le_bytes()).map_err(io)?;
    u32s(&mut w, &[ctx.dead.len() as u32]).map_err(io)?;
    w.write_all(&levels).map_err(io)?;
    let mut list = Vec::new();
    let mut padded = Vec::with_capacity(1 + m0.max(m));
    let mut write_list = |w: &mut Hashing<_>, slot: u32, level: usize, cap: usize| {
        g.nodes.read(slot, level, &mut list);
        padded.clear();
        padded.push(list.len() as u32);
        padded.extend_from_slice(&list);
        padded.resize(1 + cap, 0);
        u32s(w, &padded)
    };
    for s in 0..n as u32 {
        write_list(&mut w, s, 0, m0).map_err(io)?;
    }
    for (s, &level) in levels.iter().enumerate() {
        for l in 1..=usize::from(level) {
            write_list(&mut w, s as u32, l, m).map_err(io)?;
        }
    }
    for &s in ctx.dead {
        u32s(&mut w, &[s]).map_err(io)?;
        ctx.view
            .row(s)
            .iter()
            .try_for_each(|x| w.write_all(&x.to_le_bytes()))
            .map_err(io)?;
    }
    let sum = w.hash.digest();
    let mut file = w.inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.write_all(&sum.to_le_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Reads little-endian values off a byte slice; running short is `Corrupt`.
struct Cursor<'a> {
    bytes: &'a [u8],
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(corrupt(self.path, "truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Loads `graph.flat` from `dir`, checked against the expected shape, node count and
/// which slots are live. Returns the graph, the dead slots' rows and the fingerprint.
#[allow(clippy::type_complexity)]
pub(crate) fn load(
    p: &GraphParams,
    dim: usize,
    nodes: usize,
    dir: &Path,
    is_live: &dyn Fn(u32) -> bool,
) -> Result<(FlatGraph, HashMap<u32, Vec<f32>>, u64)> {
    let path = dir.join(FILE_NAME);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    decode(&bytes, p, dim, nodes, is_live, &path)
}

#[allow(clippy::type_complexity)]
pub(super) fn decode(
    bytes: &[u8],
    p: &GraphParams,
    dim: usize,
    nodes: usize,
    is_live: &dyn Fn(u32) -> bool,
    path: &Path,
) -> Result<(FlatGraph, HashMap<u32, Vec<f32>>, u64)> {
    if bytes.len() < HEADER + 8 {
        return Err(corrupt(path, format!("{} bytes is too short", bytes.len())));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    let mut expected = [0u8; 8];
    expected.copy_from_slice(sum);
    if xxh3_64(body) != u64::from_le_bytes(expected) {
        return Err(corrupt(path, "checksum mismatch"));
    }
    let mut c = Cursor { bytes: body, path };
    if c.take(8)? != MAGIC {
        return Err(corrupt(path, "not a flat graph file"));
    }
    let version = c.u32()?;
    if version != VERSION {
        return Err(corrupt(path, format!("format version {version}")));
    }
    let tags = c.take(4)?;
    let (m, m0) = (p.m.max(2), 2 * p.m.max(2));
    let want = [dim, m, m0, p.ef_construction.max(1), nodes];
    let mut got = [0usize; 5];
    for g in got.iter_mut() {
        *g = c.u32()? as usize;
    }
    if tags[0] != metric_tag(p.metric) || got != want {
        return Err(corrupt(
            path,
            format!(
                "graph has metric tag {}, (dim, m, m0, ef_construction, nodes) = {got:?}; \
                 expected {}, {want:?}",
                tags[0],
                metric_tag(p.metric)
            ),
        ));
    }
    let seed = c.u64()?;
    let (entry, top) = (c.u32()?, c.u32()?);
    let fingerprint = c.u64()?;
    let dead_count = c.u32()? as usize;
    let levels = c.take(nodes)?.to_vec();
    if let Some(l) = levels.iter().find(|&&l| l > MAX_LEVEL) {
        return Err(corrupt(path, format!("level {l} above {MAX_LEVEL}")));
    }
    let max_level = levels.iter().copied().max();
    match max_level {
        None if entry != u32::MAX => return Err(corrupt(path, "entry point in an empty graph")),
        Some(ml) if entry as usize >= nodes || levels[entry as usize] != ml || top != u32::from(ml) => {
            return Err(corrupt(path, format!("entry point {entry} at level {top} is not a top node")))
        }
        _ => {}
    }

    let g = FlatGraph::with_shape(p.metric, m, p.ef_construction, seed);
    let mut list = Vec::with_capacity(1 + m0);
    let mut read_list = |c: &mut Cursor<'_>, slot: u32, cap: usize| -> Result<Vec<u32>> {
        list.clear();
        for _ in 0..=cap {
            list.push(c.u32()?);
        }
        let count = list[0] as usize;
        if count > cap {
            return Err(corrupt(path, format!("slot {slot}: {count} links, at most {cap}")));
        }
        let ids = &list[1..=count];
        if let Some(&bad) = ids.iter().find(|&&id| id as usize >= nodes || id == slot) {
            return Err(corrupt(path, format!("slot {slot} links to {bad}")));
        }
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != count {
            return Err(corrupt(path, format!("slot {slot} repeats a link")));
        }
        Ok(ids.to_vec())
    };
    for (slot, &level) in levels.iter().enumerate() {
        g.nodes.claim(slot as u32, level);
    }
    for slot in 0..nodes as u32 {
        let ids = read_list(&mut c, slot, m0)?;
        g.nodes.write(slot, 0, &ids);
    }
    let mut upper = 0usize;
    for (slot, &level) in levels.iter().enumerate() {
        for l in 1..=usize::from(level) {
            let ids = read_list(&mut c, slot as u32, m)?;
            // A link at level l must point at a node that has level l.
            if let Some(&bad) = ids.iter().find(|&&id| usize::from(levels[id as usize]) < l) {
                return Err(corrupt(path, format!("slot {slot} links to {bad} above its level")));
            }
            g.nodes.write(slot as u32, l, &ids);
        }
        upper += usize::from(level);
    }
    let expected_dead = (0..nodes as u32).filter(|&s| !is_live(s)).count();
    if dead_count != expected_dead {
        return Err(corrupt(
            path,
            format!("{dead_count} dead slots saved, the layout has {expected_dead}"),
        ));
    }
    let mut dead = HashMap::with_capacity(dead_count);
    for _ in 0..dead_count {
        let slot = c.u32()?;
        if slot as usize >= nodes || is_live(slot) || dead.contains_key(&slot) {
            return Err(corrupt(path, format!("dead slot {slot} is live, repeated or out of range")));
        }
        let raw = c.take(dim * 4)?;
        let row: Vec<f32> = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if row.iter().any(|x| !x.is_finite()) {
            return Err(corrupt(path, format!("dead slot {slot} has a non-finite value")));
        }
        dead.insert(slot, row);
    }
    if !c.bytes.is_empty() {
        return Err(corrupt(path, format!("{} trailing bytes", c.bytes.len())));
    }
    if let Some(l) = max_level {
        g.set_entry(entry, l);
    }
    g.count.store(nodes, Ordering::Release);
    g.upper_lists.store(upper, Ordering::Relaxed);
    Ok((g, dead, fingerprint))
}
