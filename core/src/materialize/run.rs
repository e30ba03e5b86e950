//! One materializer run: read new journal lines, write new evidence, commit a receipt.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::layout::{
    committed_runs, copy_into_hasher, latest_receipt, list_dir, list_parts, ms, rel, sync_dir,
    write_atomic,
};
use super::parquet_io::PartWriter;
use super::receipt::{
    InputState, MaterializeConfig, MaterializeProgress, Receipt, Timings, TransformCounts,
};
use super::{builtin_transforms, hex, EvidenceRecord, Transform};
use crate::control::Control;
use crate::{Error, Name, Result};

const IDS_FILE: &str = "ids.bin";
const ID_LEN: u64 = 32;

/// Turns journals under `kb_dir` into the evidence index under `out_dir`.
///
/// ```
/// use lakehouse::journal::{Journal, events::PlacementOutcome};
/// use lakehouse::materialize::Materializer;
/// # let kb = tempfile::tempdir().unwrap(); let out = tempfile::tempdir().unwrap();
/// let journal = Journal::open(kb.path()).unwrap();
/// journal.append_value("placement_outcome", &serde_json::json!({
///     "event_id": "e1", "ts": "2026-11-25T14:00:00Z", "order_id": "o-7",
///     "worker_id": "w-17", "outcome": "showed_up"})).unwrap();
/// let m = Materializer::new(kb.path(), out.path()).unwrap();
/// assert_eq!(m.run().unwrap().written, 1);
/// assert_eq!(m.run().unwrap().written, 0); // idempotent
/// ```
#[derive(Clone)]
pub struct Materializer {
    kb: PathBuf,
    out: PathBuf,
    transforms: BTreeMap<String, Arc<dyn Transform>>,
    config: MaterializeConfig,
}

impl Materializer {
    /// A materializer with the 12 built-in transforms and the default config.
    pub fn new(kb_dir: impl AsRef<Path>, out_dir: impl AsRef<Path>) -> Result<Materializer> {
        let mut m = Materializer {
            kb: kb_dir.as_ref().to_path_buf(),
            out: out_dir.as_ref().to_path_buf(),
            transforms: BTreeMap::new(),
            config: MaterializeConfig::default(),
        };
        for t in builtin_transforms() {
            m.register(t)?;
        }
        Ok(m)
    }

    /// Adds a transform (replacing one with the same name). Names and streams must be
    /// valid [`Name`]s.
    pub fn register(&mut self, transform: Arc<dyn Transform>) -> Result<()> {
        Name::parse(transform.name())?;
        Name::parse(transform.stream())?;
        self.transforms
            .insert(transform.name().to_owned(), transform);
        Ok(())
    }

    /// Names of the registered transforms.
    pub fn transform_names(&self) -> Vec<String> {
        self.transforms.keys().cloned().collect()
    }

    /// Replaces the config.
    pub fn set_config(&mut self, config: MaterializeConfig) {
        self.config = config;
    }

    /// Runs once.
    ///
    /// Protocol: take `_state/lock` (another running materializer → `Error::Locked`);
    /// remove leftovers of runs without a receipt (parts, quarantine files, temp files)
    /// and cut `_state/ids.bin` back to the length the last receipt committed; read
    /// each input from the offset of the last receipt after checking the SHA-256 of the
    /// consumed prefix (a truncated or rewritten file is read again from 0 — record ids
    /// make that safe); write parts and quarantine under temp names, fsync, rename;
    /// append new ids; write the receipt last (temp + rename). A crash anywhere before
    /// the receipt leaves a run that "did not happen".
    pub fn run(&self) -> Result<Receipt> {
        self.run_with(&Control::default())
    }

    /// [`Materializer::run`] watched by a [`Control`]: the progress callback gets a
    /// [`MaterializeProgress`] every `progress_every` lines, and a cancelled token
    /// stops the run with `CANCELLED` at the next line. A cancelled (or failed) run
    /// commits nothing: its temporary files are removed and the next run starts from
    /// the last receipt. A panicking transform sends its line to quarantine; a
    /// panicking progress callback stops the run with `CALLBACK`.
    pub fn run_with(&self, control: &Control<MaterializeProgress>) -> Result<Receipt> {
        self.config.validate()?;
        let started = Instant::now();
        let started_at = Utc::now();
        for d in ["evidence", "receipts", "_quarantine", "_state"] {
            let p = self.out.join(d);
            fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        }
        let lock_path = self.out.join("_state").join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked { path: lock_path })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let _guard = LockGuard(lock);
        let prev = latest_receipt(&self.out)?;
        let (cleaned, ids_len) = self.cleanup(prev.as_ref().map_or(0, |r| r.ids_len))?;
        let seq = prev.as_ref().map_or(0, |r| r.seq) + 1;
        let run_id = format!("{seq:08}-{}", started_at.format("%Y%m%dT%H%M%SZ"));
        let cleanup_ms = ms(started);

        let mut st = RunState {
            run_id: run_id.clone(),
            known: None,
            ids_len,
            new_ids: Vec::new(),
            days: HashMap::new(),
            quarantine: Vec::new(),
            lines_read: 0,
            written: 0,
            load_ids_ms: 0,
            control: control.clone(),
        };
        let result = self.read_inputs(&mut st, prev.as_ref());
        let (inputs, counts) = match result {
            Ok(v) => v,
            Err(e) => {
                st.abandon();
                return Err(e);
            }
        };
        let t_commit = Instant::now();
        let transform_ms = ms(started).saturating_sub(cleanup_ms + st.load_ids_ms);
        let committed = self.commit_files(&mut st);
        let (parts, quarantine_file) = match committed {
            Ok(v) => v,
            Err(e) => {
                st.abandon();
                return Err(e);
            }
        };
        let sum = |f: fn(&TransformCounts) -> u64| counts.values().map(f).sum::<u64>();
        let mut receipt = Receipt {
            schema: "materialize_receipt.v1".into(),
            run_id: run_id.clone(),
            seq,
            started_at,
            finished_at: Utc::now(),
            inputs,
            written: sum(|c| c.written),
            duplicates_skipped: sum(|c| c.duplicates),
            quarantined: sum(|c| c.quarantined),
            transforms: counts,
            parts,
            quarantine_file,
            cleaned_leftovers: cleaned,
            ids_len: st.ids_len,
            timings: Timings {
                cleanup_ms,
                load_ids_ms: st.load_ids_ms,
                transform_ms,
                commit_ms: 0,
                total_ms: 0,
            },
        };
        receipt.timings.commit_ms = ms(t_commit);
        receipt.timings.total_ms = ms(started);
        let dir = self.out.join("receipts");
        let body = serde_json::to_vec_pretty(&receipt)?;
        write_atomic(&dir, &format!("{run_id}.json"), &body)?;
        Ok(receipt)
    }

    /// Removes leftovers; returns them and the committed length of the id file.
    fn cleanup(&self, ids_len: u64) -> Result<(Vec<String>, u64)> {
        let committed: HashSet<String> = committed_runs(&self.out)?.into_iter().collect();
        let mut cleaned = Vec::new();
        let mut remove = |p: &Path| -> Result<()> {
            fs::remove_file(p).map_err(|e| Error::io(p, e))?;
            cleaned.push(rel(&self.out, p));
            Ok(())
        };
        for (_, run_id, path) in list_parts(&self.out)? {
            if !committed.contains(&run_id) {
                remove(&path)?;
            }
        }
        for dir in [self.out.join("_quarantine"), self.out.join("receipts")] {
            for (name, path) in list_dir(&dir)? {
                let stale_q = name
                    .strip_suffix(".jsonl")
                    .is_some_and(|r| !committed.contains(r));
                if name.starts_with('.') || stale_q {
                    remove(&path)?;
                }
            }
        }
        for (_, day_dir) in list_dir(&self.out.join("evidence"))? {
            for (name, path) in list_dir(&day_dir)? {
                if name.starts_with('.') {
                    remove(&path)?;
                }
            }
        }
        let ids = self.out.join("_state").join(IDS_FILE);
        let actual = fs::metadata(&ids).map(|m| m.len()).unwrap_or(0);
        if actual < ids_len {
            // Lost or damaged id file: the committed parts are the truth, rebuild it.
            let mut bytes = Vec::new();
            for rec in super::read_evidence(&self.out)? {
                let d = unhex32(&rec.id).ok_or_else(|| Error::Corrupt {
                    path: self.out.join("evidence"),
                    reason: format!("record id {:?} is not 64 hex digits", rec.id),
                })?;
                bytes.extend_from_slice(&d);
            }
            write_atomic(&self.out.join("_state"), IDS_FILE, &bytes)?;
            cleaned.push(format!(
                "_state/{IDS_FILE} (rebuilt from parts: held {actual} bytes, receipt said {ids_len})"
            ));
            return Ok((cleaned, bytes.len() as u64));
        }
        if actual > ids_len {
            let f = OpenOptions::new()
                .write(true)
                .open(&ids)
                .map_err(|e| Error::io(&ids, e))?;
            f.set_len(ids_len).map_err(|e| Error::io(&ids, e))?;
            f.sync_all().map_err(|e| Error::io(&ids, e))?;
            cleaned.push(format!(
                "_state/{IDS_FILE} (cut {} uncommitted bytes)",
                actual - ids_len
            ));
        }
        Ok((cleaned, ids_len))
    }

    #[allow(clippy::type_complexity)]
    fn read_inputs(
        &self,
        st: &mut RunState,
        prev: Option<&Receipt>,
    ) -> Result<(
        BTreeMap<String, InputState>,
        BTreeMap<String, TransformCounts>,
    )> {
        let mut inputs = BTreeMap::new();
        let mut counts = BTreeMap::new();
        for (name, t) in &self.transforms {
            let path = self.kb.join(format!("{}.jsonl", t.stream()));
            let mut c = TransformCounts::default();
            if path.exists() {
                let p = prev
                    .and_then(|r| r.inputs.get(name))
                    .filter(|p| p.file == path);
                let input = self.read_one(st, t.as_ref(), &path, p, &mut c)?;
                inputs.insert(name.clone(), input);
            }
            counts.insert(name.clone(), c);
        }
        Ok((inputs, counts))
    }

    fn read_one(
        &self,
        st: &mut RunState,
        t: &dyn Transform,
        path: &Path,
        prev: Option<&InputState>,
        c: &mut TransformCounts,
    ) -> Result<InputState> {
        let io = |e| Error::io(path, e);
        let mut file = File::open(path).map_err(io)?;
        // Lines appended after this point belong to the next run.
        let len = file.metadata().map_err(io)?.len();
        let mut hasher = Sha256::new();
        let (mut offset, mut lines, mut rewritten) = (0u64, 0u64, false);
        if let Some(p) = prev {
            if p.offset <= len {
                copy_into_hasher(&mut file, p.offset, &mut hasher).map_err(io)?;
            }
            if p.offset <= len && hex(&hasher.clone().finalize()) == p.sha256 {
                offset = p.offset;
                lines = p.lines;
            } else {
                hasher = Sha256::new();
                rewritten = true;
            }
        }
        let start_offset = offset;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut reader = BufReader::with_capacity(1 << 20, file.take(len - offset));
        let mut buf = Vec::with_capacity(4096);
        let mut pending_bytes = 0;
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            if buf.last() != Some(&b'\n') {
                pending_bytes = n as u64;
                st.quarantine_line(
                    path,
                    lines + 1,
                    "partial last line (no newline yet): not consumed, read again once complete",
                    &buf,
                    self.config.quarantine_text_max,
                );
                c.quarantined += 1;
                break;
            }
            hasher.update(&buf);
            offset += n as u64;
            lines += 1;
            c.lines_read += 1;
            st.lines_read += 1;
            self.process_line(st, t, path, lines, &buf, c)?;
            st.control
                .check(|| format!("materializer run {}", st.run_id))?;
            if self.config.progress_every > 0
                && st.lines_read.is_multiple_of(self.config.progress_every)
            {
                st.control.report(&MaterializeProgress {
                    run_id: st.run_id.clone(),
                    transform: t.name().to_owned(),
                    lines_read: st.lines_read,
                    written: st.written,
                })?;
            }
        }
        Ok(InputState {
            stream: t.stream().to_owned(),
            file: path.to_path_buf(),
            start_offset,
            offset,
            lines,
            sha256: hex(&hasher.finalize()),
            rewritten,
            pending_bytes,
        })
    }

    fn process_line(
        &self,
        st: &mut RunState,
        t: &dyn Transform,
        path: &Path,
        line_no: u64,
        raw: &[u8],
        c: &mut TransformCounts,
    ) -> Result<()> {
        let max = self.config.quarantine_text_max;
        let body = raw.strip_suffix(b"\n").unwrap_or(raw);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        let text = match std::str::from_utf8(body) {
            Ok(s) if s.trim().is_empty() => Err("empty line".to_owned()),
            Ok(s) => Ok(s),
            Err(e) => Err(format!("not UTF-8: {e}")),
        };
        let rec = text.and_then(|s| {
            crate::error::guard(&format!("transform '{}'", t.name()), || t.apply(s))
                .and_then(|ev| EvidenceRecord::from_evidence(t.name(), t.stream(), line_no, ev))
                .map_err(|e| e.to_string())
        });
        let rec = match rec {
            Ok(r) => r,
            Err(reason) => {
                st.quarantine_line(path, line_no, &reason, body, max);
                c.quarantined += 1;
                return Ok(());
            }
        };
        let digest =
            unhex32(&rec.id).ok_or_else(|| Error::Internal(format!("bad record id {}", rec.id)))?;
        let known = st.known(&self.out)?;
        if !known.insert(digest) {
            c.duplicates += 1;
            return Ok(());
        }
        st.new_ids.extend_from_slice(&digest);
        c.written += 1;
        st.written += 1;
        let day = rec.day.clone();
        let buf = st.days.entry(day.clone()).or_default();
        buf.rows.push(rec);
        if buf.rows.len() >= self.config.batch_rows {
            self.flush_day(st, &day)?;
        }
        Ok(())
    }

    fn flush_day(&self, st: &mut RunState, day: &str) -> Result<()> {
        let Some(buf) = st.days.get_mut(day) else {
            return Ok(());
        };
        if buf.rows.is_empty() {
            return Ok(());
        }
        if buf.writer.is_none() {
            let dir = self.out.join("evidence").join(format!("day={day}"));
            fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let name = format!("part-{}.parquet", st.run_id);
            let tmp = dir.join(format!(".{name}.tmp"));
            buf.writer = Some(PartWriter::create(
                tmp,
                dir.join(name),
                self.config.row_group_rows,
                self.config.row_group_bytes,
            )?);
        }
        if let Some(w) = buf.writer.as_mut() {
            w.write(&buf.rows)?;
        }
        buf.rows.clear();
        Ok(())
    }

    fn commit_files(&self, st: &mut RunState) -> Result<(Vec<String>, Option<String>)> {
        let days: Vec<String> = st.days.keys().cloned().collect();
        for d in &days {
            self.flush_day(st, d)?;
        }
        let mut parts = Vec::new();
        let mut writers: Vec<(String, PartWriter)> = st
            .days
            .iter_mut()
            .filter_map(|(d, b)| b.writer.take().map(|w| (d.clone(), w)))
            .collect();
        writers.sort_by(|a, b| a.0.cmp(&b.0));
        let mut finished = Vec::new();
        for (_, w) in writers {
            finished.push(w.finish()?);
        }
        for (tmp, dest, _) in &finished {
            fs::rename(tmp, dest).map_err(|e| Error::io(dest, e))?;
            if let Some(dir) = dest.parent() {
                sync_dir(dir)?;
            }
            parts.push(rel(&self.out, dest));
        }
        let quarantine_file = if st.quarantine.is_empty() {
            None
        } else {
            let mut body = Vec::new();
            for q in &st.quarantine {
                serde_json::to_writer(&mut body, q)?;
                body.push(b'\n');
            }
            let name = format!("{}.jsonl", st.run_id);
            write_atomic(&self.out.join("_quarantine"), &name, &body)?;
            Some(format!("_quarantine/{name}"))
        };
        if !st.new_ids.is_empty() {
            let p = self.out.join("_state").join(IDS_FILE);
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&p)
                .map_err(|e| Error::io(&p, e))?;
            f.write_all(&st.new_ids).map_err(|e| Error::io(&p, e))?;
            f.sync_all().map_err(|e| Error::io(&p, e))?;
            st.ids_len += st.new_ids.len() as u64;
        }
        Ok((parts, quarantine_file))
    }
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nib(b[2 * i])? << 4 | nib(b[2 * i + 1])?;
    }
    Some(out)
}

/// Releases the run lock explicitly: a child process forked meanwhile by another thread
/// shares the open file description until it execs, so closing alone would not unlock.
struct LockGuard(File);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

#[derive(Default)]
struct DayBuf {
    rows: Vec<EvidenceRecord>,
    writer: Option<PartWriter>,
}

#[derive(Serialize)]
struct QuarantineEntry {
    file: String,
    line: u64,
    reason: String,
    text: String,
}

struct RunState {
    run_id: String,
    known: Option<HashSet<[u8; 32]>>,
    ids_len: u64,
    new_ids: Vec<u8>,
    days: HashMap<String, DayBuf>,
    quarantine: Vec<QuarantineEntry>,
    lines_read: u64,
    written: u64,
    load_ids_ms: u64,
    control: Control<MaterializeProgress>,
}

impl RunState {
    /// Known ids, loaded on first need so a run with nothing new never reads them.
    fn known(&mut self, out: &Path) -> Result<&mut HashSet<[u8; 32]>> {
        if self.known.is_none() {
            let t = Instant::now();
            let p = out.join("_state").join(IDS_FILE);
            let mut bytes = Vec::new();
            if self.ids_len > 0 {
                let f = File::open(&p).map_err(|e| Error::io(&p, e))?;
                f.take(self.ids_len)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(&p, e))?;
            }
            let mut set = HashSet::with_capacity(bytes.len() / ID_LEN as usize + 1024);
            for chunk in bytes.chunks_exact(ID_LEN as usize) {
                let mut d = [0u8; 32];
                d.copy_from_slice(chunk);
                set.insert(d);
            }
            self.known = Some(set);
            self.load_ids_ms = ms(t);
        }
        self.known
            .as_mut()
            .ok_or_else(|| Error::Internal("id set not loaded".into()))
    }

    fn quarantine_line(&mut self, path: &Path, line: u64, reason: &str, raw: &[u8], max: usize) {
        let raw = &raw[..raw.len().min(max)];
        self.quarantine.push(QuarantineEntry {
            file: path.display().to_string(),
            line,
            reason: reason.to_owned(),
            text: String::from_utf8_lossy(raw).into_owned(),
        });
    }

    /// Drops temp parts of a failed run (the next run would remove them anyway).
    fn abandon(&mut self) {
        for (_, b) in self.days.drain() {
            if let Some(w) = b.writer {
                if let Ok((tmp, _, _)) = w.finish() {
                    let _ = fs::remove_file(tmp);
                }
            }
        }
    }
}
