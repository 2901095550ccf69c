//! The encrypted SQLite database (SQLCipher) of one install.
//!
//! A `Store` is an unlocked database: the key was right and the schema is migrated. It holds one
//! connection behind a mutex — the single writer. Reads are short enough today that a reader pool
//! would only add locking to reason about; add one when a read path is measured to block a write.
//! This module does not decide where the key comes from (see [`crate::install`]).

pub mod keys;
mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use keys::DbKey;

/// An unlocked, migrated database. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// Whether [`Store::open`] may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// Create a new database; the file must not exist.
    CreateNew,
    /// Open an existing database; never creates one (a wrong path must not yield an empty store).
    Existing,
}

impl Store {
    /// Opens the database at `path` with `key`, checks the key, and applies pending migrations.
    ///
    /// A wrong key fails with `Error::WrongPassphrase` before anything is written.
    pub(crate) fn open(path: &Path, key: &DbKey, mode: OpenMode) -> Result<Store> {
        let flags = match mode {
            OpenMode::CreateNew => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            OpenMode::Existing => OpenFlags::SQLITE_OPEN_READ_WRITE,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        // SQLCipher logs decryption failures to stderr on its own; our typed error says it once.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        // The value is hex only, so it cannot break out of the string literal.
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.pragma_value().as_str()))?;
        // The first read decrypts page 1: with a wrong key SQLCipher answers SQLITE_NOTADB here.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongPassphrase,
                _ => Error::Database(e),
            });
        }
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        let mut conn = conn;
        migrations::apply(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn), path: path.to_owned() })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (number of applied migrations).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn()?.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The writer connection. Hold it only for one short unit of work.
    pub(crate) fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| Error::Internal("store mutex poisoned".into()))
    }

    /// Folds the WAL into the main file (used before copying or inspecting the file).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn()?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
