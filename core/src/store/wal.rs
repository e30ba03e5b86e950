//! The write-ahead log.
//!
//! An index's log is a sequence of segment files `wal-<generation>.log`. A segment is
//! rotated when a snapshot starts; segments older than the generation named by the
//! manifest are deleted once that manifest is durable.
//!
//! # Segment format (version 1)
//!
//! ```text
//! segment  := magic frame*
//! magic    := "LKHWAL01"                      8 bytes
//! frame    := len:u32le crc:u32le payload     crc = CRC32 (IEEE) of payload, len = its bytes
//! payload  := tag:u8 count:u32le item{count}  one acknowledged write (a batch is one frame)
//!   tag 1 (upsert): item := id vector metadata
//!   tag 2 (delete): item := id
//! id       := n:u32le utf8{n}
//! vector   := n:u32le f32le{n}                the stored (normalised) vector, bit-exact
//! metadata := n:u32le utf8{n}                 compact JSON
//! ```
//!
//! A frame is appended with one `write` before the write is applied to the index. On
//! open, frames are read until the first one that is incomplete, fails its CRC or does
//! not decode; the segment is truncated there (a torn or corrupt tail) and the number
//! of dropped bytes is reported. Nothing before that point is lost.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fsio;
use super::ix::{Record, ReplayOp, WriteOp};
use crate::{Error, Result};

/// First bytes of every segment.
pub(crate) const MAGIC: &[u8; 8] = b"LKHWAL01";
/// Frames larger than this are treated as corruption (a torn length field could
/// otherwise ask for gigabytes).
pub(crate) const MAX_PAYLOAD: u32 = 1 << 30;
const TAG_UPSERT: u8 = 1;
const TAG_DELETE: u8 = 2;

/// File name of the segment of generation `gen`.
pub(crate) fn segment_name(gen: u64) -> String {
    format!("wal-{gen:020}.log")
}

/// The generation of a segment file name, if it is one.
pub(crate) fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("wal-")?.strip_suffix(".log")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Every segment in `dir`, sorted by generation.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if let Some(gen) = entry.file_name().to_str().and_then(parse_segment_name) {
            out.push((gen, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn put_u32(buf: &mut Vec<u8>, v: usize) -> Result<()> {
    let v = u32::try_from(v).map_err(|_| Error::invalid("value too large for the WAL"))?;
    buf.extend_from_slice(&v.to_le_bytes());
    Ok(())
}

fn put_str(buf: &mut Vec<u8>, s: &str) -> Result<()> {
    put_u32(buf, s.len())?;
    buf.extend_from_slice(s.as_bytes());
    Ok(())
}

/// Appends one complete frame (header + payload) for `op` to `buf`.
pub(crate) fn encode_frame(op: &WriteOp<'_>, buf: &mut Vec<u8>) -> Result<()> {
    let start = buf.len();
    buf.extend_from_slice(&[0u8; 8]);
    match op {
        WriteOp::Upsert(records) => {
            buf.push(TAG_UPSERT);
            put_u32(buf, records.len())?;
            for r in records.iter() {
                put_str(buf, &r.id)?;
                put_u32(buf, r.vector.len())?;
                buf.reserve(r.vector.len() * 4);
                for v in &r.vector {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
                let meta = serde_json::to_string(&r.metadata)?;
                put_str(buf, &meta)?;
            }
        }
        WriteOp::Delete(ids) => {
            buf.push(TAG_DELETE);
            put_u32(buf, ids.len())?;
            for id in ids.iter() {
                put_str(buf, id)?;
            }
        }
    }
    let payload_len = buf.len() - start - 8;
    let len = u32::try_from(payload_len)
        .ok()
        .filter(|&l| l <= MAX_PAYLOAD)
        .ok_or_else(|| Error::invalid(format!("write of {payload_len} bytes is too large")))?;
    let crc = crc32fast::hash(&buf[start + 8..]);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// A cursor over a payload that fails (instead of panicking) when it runs short.
struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        if n > self.buf.len() {
            return Err(format!(
                "needs {n} bytes, {} remain in the frame",
                self.buf.len()
            ));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    fn u32(&mut self) -> std::result::Result<usize, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn string(&mut self) -> std::result::Result<String, String> {
        let n = self.u32()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "string is not UTF-8".to_owned())
    }
}

/// Decodes a payload whose CRC already matched.
pub(crate) fn decode_payload(payload: &[u8]) -> std::result::Result<ReplayOp, String> {
    let mut c = Cursor { buf: payload };
    let tag = c.take(1)?[0];
    let count = c.u32()?;
    // Each item takes at least 4 bytes: a bogus count cannot make us allocate much.
    if count > c.buf.len() / 4 + 1 {
        return Err(format!("item count {count} exceeds the frame size"));
    }
    let op = match tag {
        TAG_UPSERT => {
            let mut records = Vec::with_capacity(count);
            for _ in 0..count {
                let id = c.string()?;
                let n = c.u32()?;
                let raw = c.take(n.checked_mul(4).ok_or("vector length overflows")?)?;
                let vector = raw
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                let meta = c.string()?;
                let metadata = serde_json::from_str(&meta)
                    .map_err(|e| format!("metadata of '{id}' is not JSON: {e}"))?;
                records.push(Record {
                    id,
                    vector,
                    metadata,
                });
            }
            ReplayOp::Upsert(records)
        }
        TAG_DELETE => {
            let mut ids = Vec::with_capacity(count);
            for _ in 0..count {
                ids.push(c.string()?);
            }
            ReplayOp::Delete(ids)
        }
        other => return Err(format!("unknown op tag {other}")),
    };
    if !c.buf.is_empty() {
        return Err(format!("{} trailing bytes after the op", c.buf.len()));
    }
    Ok(op)
}

/// What reading a segment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanResult {
    /// Complete, valid frames read (and handed to the callback).
    pub frames: u64,
    /// Byte length of the valid prefix (magic + good frames).
    pub good_len: u64,
    /// Length of the file as found.
    pub file_len: u64,
    /// Why reading stopped before the end of the file, if it did.
    pub stop_reason: Option<String>,
}

impl ScanResult {
    /// Bytes after the last good frame.
    pub(crate) fn dropped(&self) -> u64 {
        self.file_len - self.good_len
    }
}

/// Reads `len` bytes or reports how many were available (EOF is not an error here).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads the valid frames of a segment in order, handing each decoded op to `apply`.
/// Stops at the first incomplete or invalid frame. A wrong magic is `Corrupt` (the
/// file is not a segment); a file shorter than the magic but matching it is an empty
/// segment whose creation was interrupted.
pub(crate) fn scan(
    path: &Path,
    mut apply: impl FnMut(ReplayOp) -> Result<()>,
) -> Result<ScanResult> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut magic = [0u8; 8];
    let got = read_full(&mut r, &mut magic).map_err(|e| Error::io(path, e))?;
    if magic[..got] != MAGIC[..got] {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            reason: "not a WAL segment (bad magic)".into(),
        });
    }
    let mut res = ScanResult {
        frames: 0,
        good_len: 0,
        file_len,
        stop_reason: None,
    };
    if got < MAGIC.len() {
        res.stop_reason = Some("segment header incomplete".into());
        return Ok(res);
    }
    res.good_len = MAGIC.len() as u64;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; 8];
        let got = read_full(&mut r, &mut head).map_err(|e| Error::io(path, e))?;
        if got == 0 {
            return Ok(res);
        }
        let at = res.good_len;
        if got < 8 {
            res.stop_reason = Some(format!("frame header at byte {at} is torn"));
            return Ok(res);
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        // Bounded by the length seen at open: a reader racing a writer stops there.
        if len > MAX_PAYLOAD || u64::from(len) > file_len.saturating_sub(at + 8) {
            res.stop_reason = Some(format!(
                "frame at byte {at} claims {len} bytes, beyond the end of the file"
            ));
            return Ok(res);
        }
        payload.resize(len as usize, 0);
        let got = read_full(&mut r, &mut payload).map_err(|e| Error::io(path, e))?;
        if got < payload.len() {
            res.stop_reason = Some(format!("frame at byte {at} is torn"));
            return Ok(res);
        }
        if crc32fast::hash(&payload) != crc {
            res.stop_reason = Some(format!("frame at byte {at} fails its CRC"));
            return Ok(res);
        }
        let op = match decode_payload(&payload) {
            Ok(op) => op,
            Err(reason) => {
                res.stop_reason = Some(format!("frame at byte {at} does not decode: {reason}"));
                return Ok(res);
            }
        };
        apply(op)?;
        res.frames += 1;
        res.good_len = at + 8 + u64::from(len);
    }
}

/// Appends frames to the newest segment.
///
/// After a failed write or fsync the writer is poisoned: the file may hold a partial
/// frame, and later frames appended after it would be unreachable on replay, so every
/// further write fails until the index is reopened.
pub(crate) struct WalWriter {
    /// Shared with [`PendingSync`] so an fsync can run without the writer's lock.
    file: Arc<File>,
    path: PathBuf,
    generation: u64,
    len: u64,
    /// Bytes known to be durable.
    synced_len: u64,
    poisoned: Option<String>,
    buf: Vec<u8>,
}

/// An fsync of a segment prepared under the writer's lock and run outside it
/// ([`WalWriter::begin_sync`], then [`PendingSync::run`], then
/// [`WalWriter::finish_sync`]), so appends are not held up while the disk flushes.
pub(crate) struct PendingSync {
    file: Arc<File>,
    path: PathBuf,
    generation: u64,
    upto: u64,
}

impl PendingSync {
    /// The fsync itself; call it without holding the writer's lock.
    pub(crate) fn run(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// The segment this fsync covers.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl WalWriter {
    /// Creates a fresh segment (magic written and made durable).
    pub(crate) fn create(dir: &Path, generation: u64) -> Result<WalWriter> {
        let path = dir.join(segment_name(generation));
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.write_all(MAGIC).map_err(|e| Error::io(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        fsio::fsync_dir(dir)?;
        Ok(WalWriter {
            file: Arc::new(file),
            path,
            generation,
            len: MAGIC.len() as u64,
            synced_len: MAGIC.len() as u64,
            poisoned: None,
            buf: Vec::new(),
        })
    }

    /// Continues an existing segment whose valid prefix is `good_len` bytes; anything
    /// after it (a torn tail) is cut off first.
    pub(crate) fn reopen(path: &Path, generation: u64, good_len: u64) -> Result<WalWriter> {
        if good_len < MAGIC.len() as u64 {
            let dir = fsio::parent_of(path);
            return WalWriter::create(&dir, generation);
        }
        // O_APPEND: every frame lands at the end, also after a truncation.
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let cur = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if cur != good_len {
            file.set_len(good_len).map_err(|e| Error::io(path, e))?;
            file.sync_all().map_err(|e| Error::io(path, e))?;
        }
        Ok(WalWriter {
            file: Arc::new(file),
            path: path.to_path_buf(),
            generation,
            len: good_len,
            synced_len: good_len,
            poisoned: None,
            buf: Vec::new(),
        })
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Bytes in the segment.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    fn check_poison(&self) -> Result<()> {
        match &self.poisoned {
            Some(why) => Err(Error::io(
                &self.path,
                io::Error::other(format!(
                    "write-ahead log unusable after an earlier failure ({why}); reopen the index"
                )),
            )),
            None => Ok(()),
        }
    }

    /// Appends one frame; with `sync` it is durable when this returns.
    pub(crate) fn append(&mut self, op: &WriteOp<'_>, sync: bool) -> Result<()> {
        self.check_poison()?;
        self.buf.clear();
        encode_frame(op, &mut self.buf)?;
        if let Err(e) = (&*self.file).write_all(&self.buf) {
            // Cut the partial frame so the log stays a clean prefix; if even that
            // fails the log cannot be trusted for appends any more.
            if self.file.set_len(self.len).is_err() {
                self.poisoned = Some(e.to_string());
            }
            return Err(Error::io(&self.path, e));
        }
        self.len += self.buf.len() as u64;
        if self.buf.capacity() > (4 << 20) {
            self.buf = Vec::new();
        }
        if sync {
            self.sync()?;
        }
        Ok(())
    }

    /// Makes every appended frame durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        match self.begin_sync()? {
            None => Ok(()),
            Some(p) => {
                let res = p.run();
                self.finish_sync(&p, res)
            }
        }
    }

    /// Prepares an fsync of everything appended so far, to be run outside the lock
    /// that guards this writer; `None` when everything is durable already.
    pub(crate) fn begin_sync(&self) -> Result<Option<PendingSync>> {
        self.check_poison()?;
        if self.synced_len >= self.len {
            return Ok(None);
        }
        Ok(Some(PendingSync {
            file: Arc::clone(&self.file),
            path: self.path.clone(),
            generation: self.generation,
            upto: self.len,
        }))
    }

    /// Records the outcome of a [`PendingSync`] of this writer's segment.
    pub(crate) fn finish_sync(&mut self, p: &PendingSync, res: io::Result<()>) -> Result<()> {
        if p.generation != self.generation {
            // The segment was rotated away meanwhile; its own final fsync decides.
            return res.map_err(|e| Error::io(&p.path, e));
        }
        match res {
            Ok(()) => {
                self.synced_len = self.synced_len.max(p.upto);
                Ok(())
            }
            Err(e) => {
                // After a failed fsync the kernel may have dropped the dirty pages: what
                // the file holds is unknown (fsyncgate), so stop appending.
                self.poisoned = Some(e.to_string());
                Err(Error::io(&self.path, e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(id: &str, v: &[f32]) -> Record {
        Record {
            id: id.into(),
            vector: v.to_vec(),
            metadata: json!({"city": "Chicago", "n": 1}),
        }
    }

    #[test]
    fn frame_round_trip() {
        let recs = vec![
            rec("a", &[1.0, -0.0, f32::MIN_POSITIVE]),
            rec("b", &[0.5, 2.0, 3.0]),
        ];
        let mut buf = Vec::new();
        encode_frame(&WriteOp::Upsert(&recs), &mut buf).unwrap();
        let payload = &buf[8..];
        assert_eq!(
            u32::from_le_bytes(buf[4..8].try_into().unwrap()),
            crc32fast::hash(payload)
        );
        match decode_payload(payload).unwrap() {
            ReplayOp::Upsert(got) => {
                assert_eq!(got, recs);
                assert_eq!(got[0].vector[1].to_bits(), (-0.0f32).to_bits());
            }
            other => panic!("{other:?}"),
        }
        let ids = vec!["x".to_string(), "y".to_string()];
        buf.clear();
        encode_frame(&WriteOp::Delete(&ids), &mut buf).unwrap();
        assert!(matches!(decode_payload(&buf[8..]).unwrap(), ReplayOp::Delete(v) if v == ids));
    }

    #[test]
    fn bad_payloads_are_errors_not_panics() {
        for p in [
            &[][..],
            &[9, 0, 0, 0, 0],
            &[1, 255, 255, 255, 255],
            &[1, 1, 0, 0, 0, 5, 0, 0, 0, b'a'],
            &[2, 1, 0, 0, 0, 1, 0, 0, 0, 0xff],
            &[2, 0, 0, 0, 0, 7],
        ] {
            assert!(decode_payload(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn writer_then_scan_with_torn_tail() {
        let d = tempfile::tempdir().unwrap();
        let mut w = WalWriter::create(d.path(), 3).unwrap();
        for i in 0..5 {
            let r = [rec(&format!("r{i}"), &[i as f32, 1.0])];
            w.append(&WriteOp::Upsert(&r), i % 2 == 0).unwrap();
        }
        w.sync().unwrap();
        let full = w.len();
        let path = d.path().join(segment_name(3));
        assert_eq!(list_segments(d.path()).unwrap(), vec![(3, path.clone())]);
        let mut n = 0;
        let res = scan(&path, |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!((res.frames, res.good_len, res.dropped()), (5, full, 0));
        // Tear the last frame.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(full - 3).unwrap();
        let res = scan(&path, |_| Ok(())).unwrap();
        assert_eq!(res.frames, 4);
        assert!(res.dropped() > 0 && res.stop_reason.is_some());
        let mut w = WalWriter::reopen(&path, 3, res.good_len).unwrap();
        w.append(&WriteOp::Delete(&["r0".into()]), true).unwrap();
        let res = scan(&path, |_| Ok(())).unwrap();
        assert_eq!((res.frames, res.dropped()), (5, 0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn failed_append_poisons_the_writer() {
        // /dev/full fails every write with ENOSPC and cannot be truncated back.
        let file = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let mut w = WalWriter {
            file: Arc::new(file),
            path: "/dev/full".into(),
            generation: 0,
            len: 8,
            synced_len: 8,
            poisoned: None,
            buf: Vec::new(),
        };
        let r = [rec("a", &[1.0])];
        let e = w.append(&WriteOp::Upsert(&r), true).unwrap_err();
        assert_eq!(e.code(), "IO");
        let e = w.append(&WriteOp::Upsert(&r), true).unwrap_err();
        assert!(e.to_string().contains("unusable"), "{e}");
        assert!(w.sync().is_err());
    }

    #[test]
    fn segment_names() {
        assert_eq!(parse_segment_name(&segment_name(42)), Some(42));
        for bad in ["wal-.log", "wal-1x.log", "wal-1.log.tmp", "snap-1.parquet"] {
            assert_eq!(parse_segment_name(bad), None, "{bad}");
        }
    }
}
