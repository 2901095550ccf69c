//! The encrypted SQLite database (SQLCipher) of one install.
//!
//! A `Store` is an unlocked database: the key was right and the schema is migrated. It holds one
//! connection behind a mutex — the single writer — and a second one that only checkpoints, on its
//! own thread ([`checkpointer`]). Reads are short enough today that a reader pool
//! would only add locking to reason about; add one when a read path is measured to block a write.
//! This module does not decide where the key comes from (see [`crate::install`]).

mod checkpointer;
pub mod keys;
mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::messaging::Change;
use keys::DbKey;

/// An unlocked, migrated database. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    /// Declared before `conn` so that it is dropped (its thread joined) first: the writer's close
    /// is then the last one, which folds in and removes the WAL. Held for its `Drop`; only the
    /// tests call it.
    #[cfg_attr(not(test), allow(dead_code))]
    checkpointer: checkpointer::Checkpointer,
    conn: Mutex<Connection>,
    path: PathBuf,
    /// One [`Change`] per committed write a window should see (STYLE.md, Storage).
    changes: tokio::sync::broadcast::Sender<Change>,
}

/// How many unread changes a slow subscriber may fall behind before it misses some.
const CHANGE_BACKLOG: usize = 4096;

/// Whether [`Store::open`] may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// Create a new database; the file must not exist.
    CreateNew,
    /// Open an existing database; never creates one (a wrong path must not yield an empty store).
    Existing,
}

impl Store {
    /// Opens the database at `path` with `key`, checks that it is a Wadesk store, and applies
    /// pending migrations.
    ///
    /// With [`OpenMode::Existing`] nothing is written before the store is known to be ours: SQLite
    /// takes an empty file for an empty database, so the first write (a migration) would make a
    /// new store in it with whatever key was given. A key that does not decrypt the first page
    /// fails with `Error::WrongPassphrase` (the caller knows whether the key was right, see
    /// [`crate::install`]); a damaged or foreign database fails with `Error::StoreCorrupt`.
    pub(crate) fn open(path: &Path, key: &DbKey, mode: OpenMode) -> Result<Store> {
        Store::open_inner(path, Some(key), mode)
    }

    /// [`Store::open`], or with `key` `None` an unencrypted SQLite file: only the benchmarks
    /// use that, to compare SQLCipher against plain SQLite on the same code.
    fn open_inner(path: &Path, key: Option<&DbKey>, mode: OpenMode) -> Result<Store> {
        let flags = match mode {
            OpenMode::CreateNew => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            OpenMode::Existing => {
                check_db_file(path)?;
                OpenFlags::SQLITE_OPEN_READ_WRITE
            }
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = connect(path, key, flags)?;
        if mode == OpenMode::Existing {
            // `create` migrates before the database gets its name, so a store always has a schema.
            let version: i64 =
                conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| damaged(path, &e))?;
            if version < 1 {
                return Err(Error::StoreCorrupt(format!(
                    "{} opens but holds no Wadesk data (schema version {version}); nothing was changed. \
                     Restore it from a backup",
                    file_name(path)
                )));
            }
        }
        conn.busy_timeout(Duration::from_secs(5))?;
        // Up to 64 MiB of page cache (filled only as pages are read): with SQLCipher every page read
        // from disk is decrypted and its HMAC checked, and re-reading the hot b-tree pages of a busy
        // webhook stream was most of its cost (status_ingest bench: 16.8k events/s at 16 MiB,
        // 19.9k at 64 MiB, with 66,000 events over 20,000 messages).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
        )?;
        let mut conn = conn;
        // Write transactions take the write lock at BEGIN, where a held lock is waited for
        // (busy_timeout). A deferred one that has read and then writes gets SQLITE_BUSY at once,
        // without waiting, if the lock is held at that moment (by the CLI's connection, or, as the
        // status_ingest bench showed with only the checkpoint thread's beside the writer, briefly
        // by SQLite's own WAL bookkeeping): a busy stream's applies failed "database is locked".
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        migrations::apply(&mut conn)?;
        let own = connect(path, key, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        own.busy_timeout(Duration::from_secs(5))?;
        let checkpointer = checkpointer::Checkpointer::start(&mut conn, own)?;
        let (changes, _) = tokio::sync::broadcast::channel(CHANGE_BACKLOG);
        Ok(Store { checkpointer, conn: Mutex::new(conn), path: path.to_owned(), changes })
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

    /// Changes from now on, one per committed write (for pushing to windows: no screen polls).
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Announces committed writes. Call only after the transaction that made them committed.
    pub(crate) fn announce(&self, changes: impl IntoIterator<Item = Change>) {
        for change in changes {
            // No subscriber (the CLI) is not an error.
            let _ = self.changes.send(change);
        }
    }

    /// Folds the WAL into the main file (used before copying or inspecting the file).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn()?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

#[cfg(feature = "bench")]
impl Store {
    /// Benchmarks only: a new store at `path`, SQLCipher with a random key or plain SQLite.
    pub fn create_for_bench(path: &Path, encrypted: bool) -> Result<Store> {
        let key = DbKey::random();
        Store::open_inner(path, encrypted.then_some(&key), OpenMode::CreateNew)
    }
}

#[cfg(test)]
impl Store {
    /// A new store with a random key in `dir`, for unit tests.
    pub(crate) fn open_for_tests(dir: &Path) -> Store {
        Store::open(&dir.join("test.db"), &DbKey::random(), OpenMode::CreateNew).expect("test store")
    }

    /// Runs `f` in one write transaction and commits (for tests that drive the webhook door).
    pub(crate) fn with_tx<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A connection to `path` unlocked with `key` (or plain SQLite without one), its first page read.
fn connect(path: &Path, key: Option<&DbKey>, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs decryption failures to stderr on its own; our typed error says it once.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // The value is hex only, so it cannot break out of the string literal.
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.pragma_value().as_str()))?;
    }
    // The first read decrypts page 1: with a wrong key SQLCipher answers SQLITE_NOTADB here;
    // a database shorter than its header says answers SQLITE_CORRUPT.
    let read = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
    if let Err(e) = read {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongPassphrase,
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => damaged(path, &e),
            _ => Error::Database(e),
        });
    }
    Ok(conn)
}

/// Checks what can be checked of an existing database without its key: that it is a file and
/// not empty. An empty file is what a lost database most often leaves (an interrupted copy, a
/// full disk), and SQLite would open it as a new database under any key.
pub(crate) fn check_db_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::StoreCorrupt(format!("{} is not a file; nothing was changed", path.display())));
    }
    if meta.len() == 0 {
        return Err(Error::StoreCorrupt(format!(
            "{} is empty (0 bytes): the database was lost, e.g. by an interrupted copy or a full disk. \
             Nothing was changed; restore it from a backup",
            path.display()
        )));
    }
    Ok(())
}

fn damaged(path: &Path, e: &rusqlite::Error) -> Error {
    Error::StoreCorrupt(format!("{} is damaged ({e}); nothing was changed. Restore it from a backup", file_name(path)))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
