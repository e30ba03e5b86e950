//! Append-only event journals: one JSON object per line in `<kb>/<stream>.jsonl`.
//!
//! The staffing stack (Rust services, Python notebooks, the Node frontend) records what
//! happened — searches, drafts, proposals, outcomes, human edits — by appending typed
//! events ([`events`]) to per-stream journal files. The materializer
//! ([`crate::materialize`]) later turns those lines into evidence records.
//!
//! # Concurrency contract
//!
//! Any number of threads and processes may append to the same stream at once. Each
//! event is serialised to one complete line *before* the file is touched, then written
//! with a single `write(2)` on a descriptor opened with `O_APPEND`, while holding an
//! exclusive advisory lock (`flock`, through std's [`File::lock`]) on the journal file
//! itself. Readers therefore only ever see whole lines, plus possibly one incomplete
//! last line while a write is in flight (the materializer never consumes a line without
//! its trailing newline).
//!
//! If a previous writer died mid-write and left a torn tail (a last line with no
//! newline), the next append first terminates that fragment with a newline in the same
//! write, so the fragment becomes one bad line (quarantined by the materializer) instead
//! of corrupting the new event.

pub mod events;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;

use crate::{Error, Name, Result};
use events::JournalEvent;

/// File extension of journal files.
pub const JOURNAL_EXT: &str = "jsonl";

/// A handle on a journal directory (`kb_dir`). Cheap to clone; `Send + Sync`.
///
/// ```
/// use lakehouse::journal::Journal;
/// # let dir = tempfile::tempdir().unwrap();
/// let journal = Journal::open(dir.path()).unwrap();
/// journal
///     .append_value("placement_outcome", &serde_json::json!({"any": "object"}))
///     .unwrap();
/// assert!(journal.append_value("../etc", &serde_json::json!({})).is_err());
/// assert_eq!(std::fs::read_to_string(journal.path("placement_outcome").unwrap()).unwrap(),
///            "{\"any\":\"object\"}\n");
/// ```
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    // One descriptor per stream, shared by all clones. The mutex serialises threads of
    // this process (flock is per open file description, so it cannot do that); the
    // flock serialises processes and other `Journal` handles.
    streams: Mutex<HashMap<Name, Arc<Mutex<File>>>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.inner.dir)
            .finish()
    }
}

impl Journal {
    /// Opens (creating it if needed) the journal directory `kb_dir`.
    pub fn open(kb_dir: impl AsRef<Path>) -> Result<Journal> {
        let dir = kb_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Journal {
            inner: Arc::new(Inner {
                dir,
                streams: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The file a stream is appended to: `<kb>/<stream>.jsonl`. Validates the name.
    pub fn path(&self, stream: &str) -> Result<PathBuf> {
        let name = Name::parse(stream)?;
        Ok(self.file_path(&name))
    }

    fn file_path(&self, name: &Name) -> PathBuf {
        self.inner.dir.join(format!("{name}.{JOURNAL_EXT}"))
    }

    /// Appends one event as one JSON line to `stream`.
    ///
    /// The event must serialise to a JSON object. Numbers are written canonically
    /// ([`crate::json`]: `1.0` is written `1`). On error nothing is written.
    pub fn append<E: Serialize + ?Sized>(&self, stream: &str, event: &E) -> Result<()> {
        let name = Name::parse(stream)?;
        let mut line = crate::json::to_vec_canonical(event)?;
        if line.first() != Some(&b'{') {
            return Err(Error::invalid(format!(
                "journal events must be JSON objects; stream '{name}' got {}",
                String::from_utf8_lossy(&line[..line.len().min(40)])
            )));
        }
        // serde_json escapes control characters, so the only newline is the terminator.
        line.push(b'\n');
        self.write_line(&name, line)
    }

    /// Appends a typed event to its own stream ([`JournalEvent::STREAM`]).
    pub fn record<E: JournalEvent>(&self, event: &E) -> Result<()> {
        self.append(E::STREAM, event)
    }

    /// Appends an untyped JSON object (what the Python and Node bindings pass), checked
    /// like a typed one first ([`events::check_event`]): an event of a typed stream
    /// that does not parse as its type is `INVALID_INPUT` and nothing is written.
    pub fn append_value(&self, stream: &str, event: &serde_json::Value) -> Result<()> {
        Name::parse(stream)?;
        events::check_event(stream, event)?;
        self.append(stream, event)
    }

    /// The streams that have a typed event ([`events::STREAMS`]).
    pub fn streams() -> &'static [&'static str] {
        events::STREAMS
    }

    /// Flushes every stream this handle has written to stable storage (`fsync`).
    pub fn sync_all(&self) -> Result<()> {
        let streams: Vec<(Name, Arc<Mutex<File>>)> = self
            .inner
            .streams
            .lock()
            .iter()
            .map(|(n, f)| (n.clone(), f.clone()))
            .collect();
        for (name, file) in streams {
            file.lock()
                .sync_data()
                .map_err(|e| Error::io(self.file_path(&name), e))?;
        }
        Ok(())
    }

    fn stream_file(&self, name: &Name) -> Result<Arc<Mutex<File>>> {
        let mut streams = self.inner.streams.lock();
        if let Some(f) = streams.get(name) {
            return Ok(f.clone());
        }
        let path = self.file_path(name);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let file = Arc::new(Mutex::new(file));
        streams.insert(name.clone(), file.clone());
        Ok(file)
    }

    fn write_line(&self, name: &Name, line: Vec<u8>) -> Result<()> {
        let path = self.file_path(name);
        let handle = self.stream_file(name)?;
        let file = handle.lock();
        file.lock().map_err(|e| Error::io(&path, e))?;
        let result = append_locked(&file, line).map_err(|e| Error::io(&path, e));
        let unlocked = file.unlock().map_err(|e| Error::io(&path, e));
        result.and(unlocked)
    }
}

/// Writes `line` at the end of `file`; the caller holds the exclusive lock.
fn append_locked(file: &File, mut line: Vec<u8>) -> std::io::Result<()> {
    let start = file.metadata()?.len();
    if start > 0 {
        let mut last = [0u8; 1];
        file.read_exact_at(&mut last, start - 1)?;
        if last[0] != b'\n' {
            line.insert(0, b'\n');
        }
    }
    let mut written = 0;
    let result = loop {
        // One write(2) in practice: a short write on a regular file only happens on a
        // full disk or a fatal signal; the lock keeps any continuation contiguous.
        match (&*file).write(&line[written..]) {
            Ok(0) => break Err(std::io::Error::from(std::io::ErrorKind::WriteZero)),
            Ok(n) => {
                written += n;
                if written == line.len() {
                    break Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    if result.is_err() && written > 0 {
        // Take back the torn tail so the journal keeps only whole lines.
        let _ = file.set_len(start);
    }
    result
}

pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Journal>();
        check::<crate::materialize::Materializer>();
    }

    #[test]
    fn torn_tail_is_terminated_before_next_event() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        let p = j.path("search").unwrap();
        std::fs::write(&p, b"{\"half\":").unwrap();
        j.append_value("search", &serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"half\":\n{\"a\":1}\n"
        );
    }

    #[test]
    fn refuses_non_objects_and_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        assert_eq!(
            j.append_value("s", &serde_json::json!([1]))
                .unwrap_err()
                .code(),
            "INVALID_INPUT"
        );
        assert_eq!(j.append("s", &5).unwrap_err().code(), "INVALID_INPUT");
        assert_eq!(
            j.append_value("A/b", &serde_json::json!({}))
                .unwrap_err()
                .code(),
            "INVALID_INPUT"
        );
        assert!(!j.path("s").unwrap().exists());
    }
}
