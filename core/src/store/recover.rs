//! Opening an index directory: manifest → snapshot → graph (or rebuild) → log replay.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::durable::remove_superseded;
use super::ix::{GraphState, VectorIndex};
use super::manifest::{GraphEntry, Manifest};
use super::snapshot;
use super::wal::{self, WalWriter};
use super::OpenReport;
use crate::{Error, Result};

/// An index rebuilt from its files.
pub(crate) struct Recovered {
    pub index: VectorIndex,
    pub manifest: Manifest,
    pub report: OpenReport,
    /// The log positioned for appending (writable opens only).
    pub wal: Option<WalWriter>,
}

/// Checks every graph file against the manifest; the directory to load, or why not.
fn verified_graph(dir: &Path, g: &GraphEntry) -> std::result::Result<PathBuf, String> {
    let gdir = dir.join(&g.dir);
    if g.files.is_empty() {
        return Err("the manifest lists no graph files".into());
    }
    for f in &g.files {
        let p = gdir.join(&f.path);
        snapshot::verify(&p, f).map_err(|why| format!("graph file '{}': {why}", p.display()))?;
    }
    Ok(gdir)
}

/// Opens the index stored in `dir`. Writable opens cut a torn log tail and delete
/// segments an earlier snapshot superseded; read-only opens change nothing.
pub(crate) fn recover(dir: &Path, name: &str, writable: bool) -> Result<Recovered> {
    let t0 = Instant::now();
    let manifest = Manifest::load(dir).map_err(|e| match e {
        Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => Error::NotFound {
            what: "index",
            name: name.to_owned(),
        },
        other => other,
    })?;
    let config = manifest.config.clone();
    let records = match &manifest.snapshot {
        Some(entry) => snapshot::read(dir, entry, config.dim)?,
        None => Vec::new(),
    };
    let snapshot_records = records.len();
    let graph = match &manifest.graph {
        None => Err("no graph was saved with the snapshot".to_owned()),
        Some(g) => verified_graph(dir, g),
    };
    let (graph_dir, mut reason) = match graph {
        Ok(d) => (Some(d), None),
        Err(why) => (None, Some(why)),
    };
    let index = VectorIndex::restore(name, config, records, graph_dir.as_deref())?;
    let stats = index.stats();
    let graph_loaded =
        graph_dir.is_some() && stats.graph_state == GraphState::Ready && stats.rebuilds == 0;
    if graph_dir.is_some() && !graph_loaded && stats.graph_state != GraphState::Exact {
        reason = Some("the index rebuilt the graph instead of loading the saved one".into());
    }
    if stats.graph_state == GraphState::Exact {
        reason = None;
    }

    let mut report = OpenReport {
        generation: manifest.generation,
        snapshot_records,
        graph_loaded,
        graph_rebuilt_reason: reason,
        ..OpenReport::default()
    };
    let segments: Vec<(u64, PathBuf)> = wal::list_segments(dir)?;
    let (stale, live): (Vec<_>, Vec<_>) = segments
        .into_iter()
        .partition(|(g, _)| *g < manifest.generation);
    if writable {
        // A crash between a manifest and its cleanup leaves the previous generation.
        drop(stale);
        remove_superseded(dir, manifest.generation);
    }
    if live.first().is_some_and(|(g, _)| *g != manifest.generation) {
        // The segment that starts this generation is gone. For a reader that means a
        // writer published a newer generation meanwhile (the caller retries); for the
        // writer itself it means lost history.
        let missing = dir.join(wal::segment_name(manifest.generation));
        if !writable {
            return Err(Error::io(missing, io::ErrorKind::NotFound.into()));
        }
        return Err(Error::Corrupt {
            path: missing,
            reason: "log segment of the manifest's generation is missing".into(),
        });
    }
    let mut writer = None;
    for (i, (gen, path)) in live.iter().enumerate() {
        let res = wal::scan(path, |op| {
            index.apply_replayed(op).map_err(|e| Error::Corrupt {
                path: path.clone(),
                reason: format!("a logged write does not apply: {e}"),
            })
        })?;
        report.wal_records_replayed += res.frames;
        let last = i + 1 == live.len();
        if !last && res.dropped() > 0 {
            // Older segments were fsynced before the next one began: damage here is
            // not a torn write, and skipping it would reorder history.
            return Err(Error::Corrupt {
                path: path.clone(),
                reason: res
                    .stop_reason
                    .unwrap_or_else(|| "damaged log segment".into()),
            });
        }
        if last {
            report.wal_bytes_dropped = res.dropped();
            if writable {
                writer = Some(WalWriter::reopen(path, *gen, res.good_len)?);
            }
        }
    }
    if writable && writer.is_none() {
        writer = Some(WalWriter::create(dir, manifest.generation)?);
    }
    report.open_ms = t0.elapsed().as_millis() as u64;
    Ok(Recovered {
        index,
        manifest,
        report,
        wal: writer,
    })
}
