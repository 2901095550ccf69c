//! Exclusion between processes that create and open the store of one data directory.
//!
//! `create` holds the lock exclusively from "is there a store?" to the database's final rename;
//! `status` and `unlock` hold it shared while they look at the files and open the database. So no
//! process ever sees a half-made store (key metadata written, database not yet in place), and two
//! creators cannot interleave their files. An open store does not keep the lock: the app may stay
//! open for days, and nothing it does needs creators kept out (they find a store and stop).
//!
//! It is an advisory lock (`flock` on Unix, `LockFileEx` on Windows) on `wadesk.lock`, released by
//! the OS when the holder exits or crashes, so a crash never leaves the directory locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The lock file in the data directory. Empty; only its lock matters.
pub const LOCK_FILE: &str = "wadesk.lock";
/// How long to wait for another process. Creating takes about a second (one Argon2id run); the
/// wait is bounded rather than blocking so a holder that hangs (a keychain dialog nobody answers)
/// gives a clear error instead of a hung command.
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);

/// A held lock; released on drop.
#[derive(Debug)]
pub(crate) struct CreationLock {
    _file: Option<File>,
}

impl CreationLock {
    /// For creating: no other process creates or opens while this is held.
    pub(crate) fn exclusive(dir: &Path) -> Result<CreationLock> {
        Self::acquire(dir, true)
    }

    /// For looking and opening: any number of these, but not while a store is being created.
    pub(crate) fn shared(dir: &Path) -> Result<CreationLock> {
        Self::acquire(dir, false)
    }

    fn acquire(dir: &Path, exclusive: bool) -> Result<CreationLock> {
        let file = match open_lock_file(dir) {
            Ok(f) => f,
            // A directory we cannot write to (a read-only backup, another user's) cannot be
            // created in by us either; and a creator with more rights made the lock file already.
            // Looking without the lock is then as safe as it gets, and better than refusing.
            Err(e) if !exclusive && matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => {
                return Ok(CreationLock { _file: None })
            }
            Err(e) => return Err(e.into()),
        };
        let deadline = Instant::now() + WAIT;
        loop {
            let attempt = if exclusive { file.try_lock() } else { file.try_lock_shared() };
            match attempt {
                Ok(()) => return Ok(CreationLock { _file: Some(file) }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(POLL),
                Err(TryLockError::WouldBlock) => return Err(Error::StoreBusy(dir.display().to_string())),
                Err(TryLockError::Error(e)) => return Err(e.into()),
            }
        }
    }
}

fn open_lock_file(dir: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(dir.join(LOCK_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_shared_and_shared_share() {
        let t = tempfile::tempdir().unwrap();
        let a = CreationLock::shared(t.path()).unwrap();
        let b = CreationLock::shared(t.path()).unwrap();
        // Separate handles exclude each other as separate processes would.
        let probe = open_lock_file(t.path()).unwrap();
        assert!(matches!(probe.try_lock(), Err(TryLockError::WouldBlock)));
        drop((a, b));
        let c = CreationLock::exclusive(t.path()).unwrap();
        assert!(matches!(probe.try_lock_shared(), Err(TryLockError::WouldBlock)));
        drop(c);
        assert!(probe.try_lock().is_ok());
    }
}
