//! On-disk layout of the output directory: listing parts and receipts, atomic writes.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::receipt::Receipt;
use crate::{Error, Result};

pub(crate) fn ms(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

pub(crate) fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

pub(crate) fn list_dir(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut v = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        v.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ));
    }
    v.sort();
    Ok(v)
}

/// Run ids that have a receipt, oldest first.
pub(crate) fn committed_runs(out: &Path) -> Result<Vec<String>> {
    Ok(list_dir(&out.join("receipts"))?
        .into_iter()
        .filter(|(n, _)| !n.starts_with('.'))
        .filter_map(|(n, _)| n.strip_suffix(".json").map(str::to_owned))
        .collect())
}

/// Every `evidence/day=*/part-<run>.parquet`: (day, run id, path), sorted.
pub(crate) fn list_parts(out: &Path) -> Result<Vec<(String, String, PathBuf)>> {
    let mut v = Vec::new();
    for (dname, ddir) in list_dir(&out.join("evidence"))? {
        let Some(day) = dname.strip_prefix("day=") else {
            continue;
        };
        for (name, path) in list_dir(&ddir)? {
            if let Some(run) = name
                .strip_prefix("part-")
                .and_then(|n| n.strip_suffix(".parquet"))
            {
                v.push((day.to_owned(), run.to_owned(), path));
            }
        }
    }
    Ok(v)
}

pub(crate) fn latest_receipt(out: &Path) -> Result<Option<Receipt>> {
    let Some(run) = committed_runs(out)?.pop() else {
        return Ok(None);
    };
    let p = out.join("receipts").join(format!("{run}.json"));
    let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Corrupt {
            path: p,
            reason: e.to_string(),
        })
}

pub(crate) fn copy_into_hasher(r: &mut impl Read, n: u64, h: &mut Sha256) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let got = r.read(&mut buf[..want])?;
        if got == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        h.update(&buf[..got]);
        left -= got as u64;
    }
    Ok(())
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Writes `dir/name` through `dir/.name.tmp`, fsync, rename, fsync of the directory.
pub(crate) fn write_atomic(dir: &Path, name: &str, body: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let dest = dir.join(name);
    let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(body)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    sync_dir(dir)
}
