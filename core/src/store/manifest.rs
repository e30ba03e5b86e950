//! The per-index manifest, `MANIFEST.json`: the one file that says which snapshot,
//! graph and log generation make up the index.
//!
//! ```json
//! {
//!   "format": "lakehouse.index-manifest",
//!   "version": 1,
//!   "name": "workers",
//!   "generation": 7,
//!   "config": { "dim": 768, "metric": "cosine", ... },
//!   "records": 100000,
//!   "written_at": "2026-11-25T10:00:00Z",
//!   "snapshot": { "path": "snap-00000000000000000007.parquet", "size": 321, "crc32": 123 },
//!   "graph": { "dir": "graph-00000000000000000007",
//!              "files": [ { "path": "graph.hnsw.graph", "size": 42, "crc32": 456 } ] }
//! }
//! ```
//!
//! Generation `g` means: the snapshot holds every write logged before segment
//! `wal-<g>.log` was started (and possibly some after), so opening replays the
//! segments `g, g+1, …` over it. Replaying a write the snapshot already holds is
//! harmless: upserts and deletes are last-writer-wins. `snapshot` is null until the
//! first snapshot; `graph` is null when the index had no graph (small or empty index)
//! or graph saving is off. The manifest is replaced atomically (temp file, fsync,
//! rename, fsync of the directory).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fsio;
use super::ix::IndexConfig;
use crate::{Error, Result};

/// File name of the manifest inside an index directory.
pub(crate) const MANIFEST: &str = "MANIFEST.json";
/// Value of the `format` field.
pub(crate) const FORMAT: &str = "lakehouse.index-manifest";
/// The manifest version this code writes and reads.
pub(crate) const VERSION: u32 = 1;

/// One checksummed file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileEntry {
    /// Plain file name relative to the directory that holds it (no separators).
    pub path: String,
    pub size: u64,
    pub crc32: u32,
}

/// The saved graph: a directory of checksummed files.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct GraphEntry {
    pub dir: String,
    pub files: Vec<FileEntry>,
}

/// Contents of `MANIFEST.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Manifest {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub generation: u64,
    pub config: IndexConfig,
    pub records: u64,
    pub written_at: String,
    pub snapshot: Option<FileEntry>,
    pub graph: Option<GraphEntry>,
}

impl Manifest {
    /// The manifest of a new, empty index.
    pub(crate) fn new(name: &str, config: IndexConfig) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            name: name.into(),
            generation: 0,
            config,
            records: 0,
            written_at: now(),
            snapshot: None,
            graph: None,
        }
    }

    /// Writes the manifest durably into `dir`.
    pub(crate) fn store(&self, dir: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        fsio::write_atomic(&dir.join(MANIFEST), &bytes)
    }

    /// Reads and checks the manifest of `dir`. A missing file is `NotFound` (io kind);
    /// anything unreadable or inconsistent is `Corrupt` naming the file.
    pub(crate) fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let corrupt = |reason: String| Error::Corrupt {
            path: path.clone(),
            reason,
        };
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if m.format != FORMAT {
            return Err(corrupt(format!(
                "format is {:?}, expected {FORMAT:?}",
                m.format
            )));
        }
        if m.version != VERSION {
            return Err(corrupt(format!(
                "manifest version {} is not supported (this build reads {VERSION})",
                m.version
            )));
        }
        m.config
            .validate()
            .map_err(|e| corrupt(format!("config: {e}")))?;
        let mut names: Vec<&str> = Vec::new();
        if let Some(s) = &m.snapshot {
            names.push(&s.path);
        }
        if let Some(g) = &m.graph {
            names.push(&g.dir);
            names.extend(g.files.iter().map(|f| f.path.as_str()));
        }
        // Names come from a file on disk: never let one point outside the directory.
        if let Some(bad) = names.iter().find(|n| !plain_file_name(n)) {
            return Err(corrupt(format!("entry {bad:?} is not a plain file name")));
        }
        Ok(m)
    }
}

/// True for a single normal path component (no separators, not `.`/`..`).
pub(crate) fn plain_file_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0']) && !s.contains(':')
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checks() {
        let d = tempfile::tempdir().unwrap();
        let mut m = Manifest::new("w", IndexConfig::new(4));
        m.generation = 3;
        m.snapshot = Some(FileEntry {
            path: "snap-3.parquet".into(),
            size: 10,
            crc32: 5,
        });
        m.store(d.path()).unwrap();
        assert_eq!(Manifest::load(d.path()).unwrap(), m);

        m.snapshot.as_mut().unwrap().path = "../evil".into();
        m.store(d.path()).unwrap();
        assert_eq!(Manifest::load(d.path()).unwrap_err().code(), "CORRUPT");

        std::fs::write(d.path().join(MANIFEST), b"{not json").unwrap();
        let e = Manifest::load(d.path()).unwrap_err();
        assert_eq!(e.code(), "CORRUPT");
        assert!(e.to_string().contains(MANIFEST), "{e}");

        std::fs::remove_file(d.path().join(MANIFEST)).unwrap();
        assert_eq!(Manifest::load(d.path()).unwrap_err().code(), "IO");
    }

    #[test]
    fn plain_names() {
        assert!(plain_file_name("graph.hnsw.data"));
        for bad in ["", ".", "..", "a/b", "a\\b", "/x", "c:x"] {
            assert!(!plain_file_name(bad), "{bad}");
        }
    }
}
