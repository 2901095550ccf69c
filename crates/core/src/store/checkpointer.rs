//! Folds the WAL back into the database file on a thread of its own.
//!
//! SQLite's auto-checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages, so that
//! one write waits for the whole checkpoint: with the relay stream applying an event per
//! transaction, every ~170th event waited for ~1,000 page writes and two fsyncs, 7–11 ms on this
//! VM's disk (the relay_latency bench). Instead the writer connection's WAL hook (which replaces
//! the auto-checkpoint) wakes this thread, and the thread runs a PASSIVE checkpoint on its own
//! connection. PASSIVE never takes the write lock: it copies frames that are already committed
//! while the writer goes on appending, and the writer starts the WAL over at its next write once
//! a checkpoint has caught up.
//!
//! A writer that never pauses (a bulk import, a burst) can keep the thread from ever catching up,
//! and the WAL is only started over once it has: past [`INLINE_PAGES`] the writer checkpoints
//! itself, between its transactions, as SQLite's auto-checkpoint would. The WAL file is cut back
//! to [`WAL_FILE_LIMIT`] bytes when it starts over.
//!
//! The thread is stopped and joined before the writer connection closes, so the writer's close
//! is still the last one and folds in and removes the WAL as before.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// WAL pages after which a checkpoint is asked for. Smaller than SQLite's auto-checkpoint default
/// (1,000): a checkpoint syncs the WAL and the database file, and while it writes, the disk is
/// slower for everyone's syncs (the relay's on the same machine too). Shorter, more frequent
/// checkpoints keep those stalls short: in the relay_latency bench, hook → committed p99 was
/// 4.2–4.6 ms at 300 pages, 5.1–6.1 ms at 1,000 and 7.4–9.6 ms at 8,000, alternating on one quiet
/// machine.
pub(super) const WAL_PAGES: i32 = 300;
/// WAL pages after which the writer stops leaving checkpoints to the thread.
pub(super) const INLINE_PAGES: i32 = 4000;
/// `journal_size_limit`: what is left of the WAL file when it starts over.
pub(super) const WAL_FILE_LIMIT: i64 = 8 * 1024 * 1024;

#[derive(Debug, Default)]
struct Wake {
    wanted: bool,
    stop: bool,
    /// Tests only: the thread does nothing, as when it cannot keep up.
    paused: bool,
}

/// The checkpoint thread. Dropping it stops and joins the thread.
#[derive(Debug)]
pub(super) struct Checkpointer {
    wake: Arc<(Mutex<Wake>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Takes over checkpoints for `writer`: its WAL hook now wakes a thread that checkpoints
    /// through `own`, a second connection to the same (already unlocked) database.
    pub(super) fn start(writer: &mut Connection, own: Connection) -> Result<Checkpointer> {
        let wake = Arc::new((Mutex::new(Wake::default()), Condvar::new()));
        let hook_wake = wake.clone();
        writer.execute_batch(&format!("PRAGMA journal_size_limit = {WAL_FILE_LIMIT};"))?;
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
            if pages >= INLINE_PAGES {
                // SQLITE_BUSY while the thread is at it: the next commit tries again.
                let _ = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE);
            } else if pages >= WAL_PAGES {
                let (state, cvar) = &*hook_wake;
                if let Ok(mut s) = state.lock() {
                    s.wanted = true;
                    cvar.notify_one();
                }
            }
            Ok(())
        }))?;
        let thread_wake = wake.clone();
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || run(own, &thread_wake))
            .map_err(|e| Error::Internal(format!("could not start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { wake, thread: Some(thread) })
    }
}

#[cfg(test)]
impl Checkpointer {
    fn pause(&self) {
        self.wake.0.lock().unwrap().paused = true;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (state, cvar) = &*self.wake;
        if let Ok(mut s) = state.lock() {
            s.stop = true;
            cvar.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How often a checkpoint that keeps failing is reported.
const WARN_EVERY: Duration = Duration::from_secs(60);

fn run(conn: Connection, wake: &(Mutex<Wake>, Condvar)) {
    let (state, cvar) = wake;
    let mut warned: Option<Instant> = None;
    loop {
        {
            let Ok(mut s) = state.lock() else { return };
            while (!s.wanted || s.paused) && !s.stop {
                s = match cvar.wait(s) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
            if s.stop {
                return;
            }
            s.wanted = false;
        }
        // A checkpoint that fails (the disk is full, another one is running) leaves the frames in
        // the WAL, where they are as safe as in the main file; the next commit asks again.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                tracing::warn!("background checkpoint failed (the WAL keeps the data): {e}");
                warned = Some(Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;

    fn wal_bytes(store: &Store) -> u64 {
        let mut wal = store.path().as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// Many one-row commits, as the relay stream makes: without checkpoints the WAL would hold
    /// every one of them (over 3,000 frames, 12 MB).
    fn write_rows(store: &Store, rows: usize) {
        store.conn().unwrap().execute_batch("CREATE TABLE scratch (n INTEGER, pad TEXT)").unwrap();
        for n in 0..rows {
            store
                .conn()
                .unwrap()
                .execute("INSERT INTO scratch VALUES (?1, ?2)", rusqlite::params![n as i64, "x".repeat(200)])
                .unwrap();
        }
    }

    /// Fewer commits than would make the writer checkpoint itself: only the thread moves the rows
    /// from the WAL into the database file.
    #[test]
    fn the_thread_folds_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        let before = std::fs::metadata(store.path()).unwrap().len();
        write_rows(&store, 1_500);
        let db_bytes = || std::fs::metadata(store.path()).unwrap().len();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while db_bytes() < before + 300_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(db_bytes() >= before + 300_000, "the database file is {} bytes (was {before})", db_bytes());
        assert!(wal_bytes(&store) < super::INLINE_PAGES as u64 * 4096, "below the writer's own threshold");
    }

    /// A writer the thread cannot keep up with: the WAL stays bounded (without checkpoints 10,000
    /// one-row commits would be over 40 MB of it).
    #[test]
    fn the_wal_stays_bounded_when_the_thread_falls_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        store.checkpointer.pause();
        write_rows(&store, 10_000);
        let frame = 4096 + 24;
        let bound = (super::INLINE_PAGES as u64 + 100) * frame;
        assert!(wal_bytes(&store) <= bound, "WAL is {} bytes, bound {bound}", wal_bytes(&store));
    }

    /// A new store at `dir/t.db` with a key the test keeps, for opening it again or beside it.
    fn keyed_store(dir: &std::path::Path) -> (super::super::keys::DbKey, std::path::PathBuf, Store) {
        let key = super::super::keys::DbKey::random();
        let path = dir.join("t.db");
        let store = Store::open(&path, &key, super::super::OpenMode::CreateNew).unwrap();
        (key, path, store)
    }

    /// A transaction that reads before it writes, as the relay stream's applies do, while another
    /// connection holds the write lock for a moment (the CLI's when it writes; the status_ingest
    /// bench hit it with only the checkpoint thread's connection beside the writer): it waits and
    /// succeeds. A deferred transaction failed at once with "database is locked": SQLite does not
    /// wait when a reader asks to become the writer.
    #[test]
    fn a_write_that_reads_first_waits_for_the_lock_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let (key, path, store) = keyed_store(dir.path());
        store.conn().unwrap().execute_batch("CREATE TABLE scratch (n INTEGER PRIMARY KEY)").unwrap();
        let other = super::super::connect(&path, Some(&key), rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.execute_batch("ROLLBACK").unwrap();
        });
        let mut conn = store.conn().unwrap();
        let tx = conn.transaction().unwrap();
        let n: i64 = tx.query_row("SELECT count(*) FROM scratch", [], |r| r.get(0)).unwrap();
        tx.execute("INSERT INTO scratch VALUES (?1)", [n]).unwrap();
        tx.commit().unwrap();
        holder.join().unwrap();
    }

    #[test]
    fn closing_the_store_still_folds_in_and_removes_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let (key, path, store) = keyed_store(dir.path());
        write_rows(&store, 1_500);
        drop(store);
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        assert!(!std::path::Path::new(&wal).exists(), "the last close removes the WAL");
        let store = Store::open(&path, &key, super::super::OpenMode::Existing).unwrap();
        let rows: i64 = store.conn().unwrap().query_row("SELECT count(*) FROM scratch", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1_500);
    }
}
