//! File moves the store's rules rest on: put a file in place without ever replacing one, replace
//! one atomically, and make either durable. Callers hold the creation lock; these functions still
//! refuse to clobber, so a file put there by anything else is never lost.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Moves `from` to `to`, failing with `AlreadyExists` if `to` exists, whatever is there.
///
/// A plain `rename` replaces its target. A hard link does not (`link(2)` and `CreateHardLinkW`
/// both fail on an existing name), so link then unlink the old name. On a file system without hard
/// links (FAT, some network shares) it falls back to a rename after checking, which is safe
/// against other Wadesk processes because the caller holds the creation lock.
pub(crate) fn move_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => std::fs::remove_file(from),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if to.exists() => Err(std::io::ErrorKind::AlreadyExists.into()),
        Err(_) => std::fs::rename(from, to),
    }?;
    sync_dir(to)
}

/// Writes `bytes` to the new file `path` durably; `AlreadyExists` if it is there already.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    move_no_replace(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Replaces `path` with `bytes` atomically: a reader sees the old file or the new one, never a mix.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    sync_dir(path)
}

/// A synced temporary file next to `path`. The name is unique so that two writers never share one
/// (a fixed name let one process truncate the file another was about to rename).
fn write_temp(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let tmp = path.with_file_name(name);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| tmp)
}

/// Makes a rename or link in `path`'s directory durable (Unix; Windows has no directory handle to
/// sync, and NTFS journals the metadata).
fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Removes `path`; a missing file is not an error.
pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io(e)),
    }
}

/// The database's WAL and shared-memory files.
pub(crate) fn sidecars(db: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    })
}

/// Removes a database and its sidecars, best effort (cleaning up after a failed creation).
pub(crate) fn remove_db_files(db: &Path) {
    let _ = std::fs::remove_file(db);
    for p in sidecars(db) {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_or_writing_never_replaces_an_existing_file() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        std::fs::write(&a, "new").unwrap();
        std::fs::write(&b, "old").unwrap();
        assert_eq!(move_no_replace(&a, &b).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(write_new(&b, b"new").unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old");
        std::fs::remove_file(&b).unwrap();
        move_no_replace(&a, &b).unwrap();
        assert_eq!((a.exists(), std::fs::read_to_string(&b).unwrap().as_str()), (false, "new"));
        replace(&b, b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "newer");
        let left: Vec<_> = std::fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["b"], "no temporary file is left behind");
    }
}
