//! One writer per index directory: an exclusive OS lock on `<index dir>/LOCK`.
//!
//! The lock is taken with `File::try_lock` (flock on Unix, LockFileEx on Windows), so it
//! is held by an open file description: a second handle in the same process conflicts
//! just like another process does, and the OS releases it when the holder dies, even
//! by `kill -9`. Read-only opens take no lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File name of the lock file inside an index directory.
pub(crate) const LOCK_FILE: &str = "LOCK";

/// Extra attempts, and the pause between them, before a held lock is reported.
const LOCK_RETRIES: u32 = 20;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// A held exclusive lock; released when dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    /// Takes the writer lock of `dir` or fails with `Locked` at once (never waits).
    pub(crate) fn acquire(dir: &Path) -> Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        // A lock released a moment ago can still be held by a duplicate of its
        // descriptor in a child this process is spawning (between fork and exec, before
        // close-on-exec drops it). Retry briefly so a writer reopening right after
        // closing does not see its own ghost; a real second writer still gets Locked.
        for attempt in 0..=LOCK_RETRIES {
            match file.try_lock() {
                Ok(()) => return Ok(DirLock { _file: file, path }),
                Err(TryLockError::WouldBlock) if attempt < LOCK_RETRIES => {
                    std::thread::sleep(LOCK_RETRY_PAUSE);
                }
                Err(TryLockError::WouldBlock) => break,
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Locked {
            path: dir.to_path_buf(),
        })
    }

    /// The lock file.
    #[allow(dead_code)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_locked_until_release() {
        let d = tempfile::tempdir().unwrap();
        let a = DirLock::acquire(d.path()).unwrap();
        let e = DirLock::acquire(d.path()).unwrap_err();
        assert_eq!(e.code(), "LOCKED");
        drop(a);
        let _b = DirLock::acquire(d.path()).unwrap();
    }

    #[test]
    fn missing_dir_is_io() {
        let d = tempfile::tempdir().unwrap();
        let e = DirLock::acquire(&d.path().join("nope")).unwrap_err();
        assert_eq!(e.code(), "IO");
    }
}
