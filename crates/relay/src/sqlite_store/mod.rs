//! The embedded [`EventStore`]: one SQLite file in WAL mode with `synchronous = FULL`.
//!
//! All writes go through one writer thread ([`writer`]) that drains its queue into a single
//! transaction (group commit). Reads use a small pool of separate connections, which WAL lets run
//! beside the writer. Channels are cached in memory (they are few and change rarely, and this store
//! has one process), so the ingest hot path does no read query.
//!
//! Seqs follow the store contract ([`crate::store`]): opening the file is the moment a restored
//! backup can come into play, so [`SqliteStore::open`] takes the wall clock in microseconds as every
//! loaded channel's seq floor. The writer thread alone assigns seqs, from its in-memory
//! [`writer::SeqState`]; all seq arithmetic is checked, and a seq never leaves the range of an SQL
//! integer.

mod schema;
#[cfg(test)]
mod tests;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{oneshot, watch};

use crate::store::{Channel, ChannelCache, ChannelInfo, ChannelStats, EventStore, NewChannel, StoreError};
use writer::{Op, Reply, SeqState, Shared};

/// A channel's head in SQL, for a row `c` of `channels`. The writer does not rewrite the channel's
/// row at every commit (a page more in each commit's WAL sync): the head is the highest stored seq,
/// and `head_seq` keeps it across purges and revocations, which write it before they delete.
const HEAD: &str = "max(c.head_seq, coalesce((SELECT max(e.seq) FROM events e WHERE e.chan = c.no), 0))";

/// The largest seq an SQL integer (and the desktop's cursor column) holds.
const MAX_SEQ: u64 = i64::MAX as u64;

/// A seq or cursor as an SQL integer. Values past `i64::MAX` are never stored (see [`MAX_SEQ`]),
/// so saturating keeps comparisons right: nothing is stored after `i64::MAX`.
fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Column `i` of `row`, a seq or count, which is never negative in a sound store.
fn row_u64(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let n: i64 = row.get(i)?;
    u64::try_from(n).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, n))
}

/// Wall-clock microseconds since the epoch (0 for a clock before 1970): the seq floor of the
/// channels a store loads when it opens.
fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
        .min(MAX_SEQ)
}

/// The SQLite-backed store. Dropping it stops the writer thread after its queue drains.
pub struct SqliteStore {
    writer: Mutex<mpsc::Sender<Op>>,
    path: PathBuf,
    cache: Arc<RwLock<ChannelCache>>,
    shared: Arc<Shared>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The WAL is cut back to 64 MiB after each checkpoint, so a burst does not leave it huge.
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864;")?;
    Ok(conn)
}

/// The channels of a file as the store starts with them.
struct Loaded {
    cache: ChannelCache,
    seqs: HashMap<String, SeqState>,
    heads: Vec<(String, u64)>,
}

/// Every channel in the file, for the cache and the writer.
fn load_channels(conn: &Connection, floor: u64) -> Result<Loaded, StoreError> {
    let mut cache = ChannelCache::default();
    let mut seqs = HashMap::new();
    let mut heads = Vec::new();
    let mut stmt =
        conn.prepare(&format!("SELECT no, id, public_key, hook_hash, client_hash, {HEAD} FROM channels c"))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, Vec<u8>>(4)?,
            row_u64(r, 5)?,
        ))
    })?;
    for row in rows {
        let (no, id, pk, hook, client, head) = row?;
        let next = head.checked_add(1).filter(|n| *n <= MAX_SEQ).map(|n| n.max(floor));
        let Some(next) = next else {
            return Err(StoreError(format!("channel {id} has used up its seqs (head {head})")));
        };
        let (Ok(public_key), Ok(hook), Ok(client)) =
            (<[u8; 32]>::try_from(pk), <[u8; 32]>::try_from(hook), <[u8; 32]>::try_from(client))
        else {
            return Err(StoreError(format!("channel {id} has malformed keys")));
        };
        let ch = Channel { id: id.clone(), public_key, seq_floor: floor };
        cache.by_hook.insert(hook, ch.clone());
        cache.by_client.insert(client, ch);
        seqs.insert(id.clone(), SeqState { no, head, next });
        heads.push((id, head));
    }
    Ok(Loaded { cache, seqs, heads })
}

impl SqliteStore {
    /// Opens (or creates, or upgrades) `relay.db` in `data_dir` and starts the writer thread.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("relay.db");
        let mut conn = open(&path)?;
        schema::migrate(&mut conn)?;
        let Loaded { cache, seqs, heads } = load_channels(&conn, now_micros())?;
        let heads = crate::store::HeadWatchers::with_heads(heads);
        let shared = Arc::new(Shared { acks: Mutex::default(), heads, arriving: Arc::default() });
        let (tx, rx) = mpsc::channel();
        let for_writer = shared.clone();
        std::thread::Builder::new()
            .name("relay-writer".into())
            .spawn(move || writer::writer_loop(conn, seqs, rx, for_writer))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            writer: Mutex::new(tx),
            path,
            cache: Arc::new(RwLock::new(cache)),
            shared,
            readers: Mutex::new(Vec::new()),
        })
    }

    fn send(&self, op: Op) -> Result<(), StoreError> {
        self.writer
            .lock()
            .map_err(|_| StoreError("writer lock poisoned".into()))?
            .send(op)
            .map_err(|_| StoreError("the writer thread has stopped".into()))
    }

    async fn submit<T>(&self, make: impl FnOnce(Reply<T>) -> Op) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(make(reply))?;
        rx.await.map_err(|_| StoreError("the writer thread dropped the request".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = match self.readers.lock().map_err(|_| StoreError("reader pool poisoned".into()))?.pop() {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let r = f(&conn);
            (conn, r)
        })
        .await
        .map_err(|e| StoreError(format!("read task failed: {e}")))?;
        if let Ok(mut pool) = self.readers.lock() {
            if pool.len() < 4 {
                pool.push(conn);
            }
        }
        result
    }
}

impl EventStore for SqliteStore {
    fn incoming(&self) -> crate::store::Incoming {
        crate::store::Incoming::on(&self.shared.arriving)
    }

    async fn create_channel(&self, c: NewChannel) -> Result<(), StoreError> {
        let ch = Channel { id: c.id.clone(), public_key: c.public_key, seq_floor: 0 };
        let (hook, client) = (c.hook_hash, c.client_hash);
        self.submit(|reply| Op::Create { channel: c, reply }).await?;
        let mut cache = self.cache.write().map_err(|_| StoreError("cache poisoned".into()))?;
        cache.by_hook.insert(hook, ch.clone());
        cache.by_client.insert(client, ch);
        Ok(())
    }

    async fn channel_by_hook(&self, hook_hash: &[u8; 32]) -> Result<Option<Channel>, StoreError> {
        let cache = self.cache.read().map_err(|_| StoreError("cache poisoned".into()))?;
        Ok(cache.by_hook.get(hook_hash).cloned())
    }

    async fn channel_by_client(&self, client_hash: &[u8; 32]) -> Result<Option<Channel>, StoreError> {
        let cache = self.cache.read().map_err(|_| StoreError("cache poisoned".into()))?;
        Ok(cache.by_client.get(client_hash).cloned())
    }

    async fn append(&self, channel_id: &str, received_at_ms: i64, sealed: Vec<u8>) -> Result<u64, StoreError> {
        let channel = channel_id.to_owned();
        self.submit(|reply| Op::Append { channel, received_at: received_at_ms, sealed, reply }).await
    }

    async fn events_after(
        &self,
        channel_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let channel = channel_id.to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT e.seq, e.sealed FROM channels c JOIN events e ON e.chan = c.no
                 WHERE c.id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![channel, sql_seq(after), limit], |r| {
                Ok((row_u64(r, 0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn count_after(&self, channel_id: &str, after: u64) -> Result<u64, StoreError> {
        let channel = channel_id.to_owned();
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM channels c JOIN events e ON e.chan = c.no WHERE c.id = ?1 AND e.seq > ?2",
                params![channel, sql_seq(after)],
                |r| row_u64(r, 0),
            )?)
        })
        .await
    }

    async fn ack(&self, channel_id: &str, seq: u64) -> Result<(), StoreError> {
        // Clamped to the committed head here, so what is pending is always a seq that exists.
        let seq = seq.min(self.shared.heads.current(channel_id).unwrap_or(0));
        {
            let mut acks = self.shared.acks.lock().map_err(|_| StoreError("ack table poisoned".into()))?;
            let slot = acks.entry(channel_id.to_owned()).or_insert(seq);
            *slot = (*slot).max(seq);
        }
        self.send(Op::FlushAcks)
    }

    async fn purge_acked(&self, older_than_ms: i64) -> Result<u64, StoreError> {
        self.submit(|reply| Op::Purge { older_than_ms, reply }).await
    }

    async fn stats(&self, channel_id: &str) -> Result<ChannelStats, StoreError> {
        let pending = self.pending_ack(channel_id);
        let channel = channel_id.to_owned();
        self.read(move |conn| {
            // The backlog is counted: seqs jump at each start, so head - acked is no count.
            let (no, head, stored_acked): (i64, u64, u64) = conn
                .query_row(&format!("SELECT no, {HEAD}, acked_seq FROM channels c WHERE id = ?1"), [&channel], |r| {
                    Ok((r.get(0)?, row_u64(r, 1)?, row_u64(r, 2)?))
                })
                .optional()?
                .ok_or_else(|| StoreError(format!("unknown channel {channel}")))?;
            let acked = stored_acked.max(pending.unwrap_or(0)).min(head);
            let backlog = conn.query_row(
                "SELECT count(*) FROM events WHERE chan = ?1 AND seq > ?2",
                params![no, sql_seq(acked)],
                |r| row_u64(r, 0),
            )?;
            let last_event_ms: i64 = conn
                .query_row("SELECT received_at FROM events WHERE chan = ?1 ORDER BY seq DESC LIMIT 1", [no], |r| {
                    r.get(0)
                })
                .optional()?
                .unwrap_or(0);
            Ok(ChannelStats { head, acked, backlog, last_event_ms })
        })
        .await
    }

    async fn channels(&self) -> Result<Vec<ChannelInfo>, StoreError> {
        let pending = self.shared.acks.lock().map(|a| a.clone()).unwrap_or_default();
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT c.id, c.label, c.created_at, {HEAD}, c.acked_seq,
                        (SELECT count(*) FROM events e WHERE e.chan = c.no AND e.seq > c.acked_seq),
                        (SELECT count(*) FROM events e WHERE e.chan = c.no)
                 FROM channels c ORDER BY c.no"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(ChannelInfo {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    created_at_ms: r.get(2)?,
                    head: row_u64(r, 3)?,
                    acked: row_u64(r, 4)?,
                    backlog: row_u64(r, 5)?,
                    stored: row_u64(r, 6)?,
                })
            })?;
            let mut list = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            // A pending ack is newer than the row: the backlog above it is counted again.
            for c in &mut list {
                if let Some(seq) = pending.get(&c.id).filter(|seq| **seq > c.acked) {
                    c.acked = (*seq).min(c.head);
                    c.backlog = conn.query_row(
                        "SELECT count(*) FROM channels c JOIN events e ON e.chan = c.no WHERE c.id = ?1 AND e.seq > ?2",
                        params![c.id, sql_seq(c.acked)],
                        |r| row_u64(r, 0),
                    )?;
                }
            }
            Ok(list)
        })
        .await
    }

    async fn revoke_channel(&self, channel_id: &str) -> Result<bool, StoreError> {
        let channel = channel_id.to_owned();
        let found = self.submit(|reply| Op::Revoke { channel, reply }).await?;
        self.cache.write().map_err(|_| StoreError("cache poisoned".into()))?.forget(channel_id);
        if let Ok(mut acks) = self.shared.acks.lock() {
            acks.remove(channel_id);
        }
        self.shared.heads.close(channel_id, None);
        Ok(found)
    }

    async fn rotate_client_key(&self, channel_id: &str, client_hash: [u8; 32]) -> Result<bool, StoreError> {
        let channel = channel_id.to_owned();
        let found = self.submit(|reply| Op::Rotate { channel, client_hash, reply }).await?;
        if found {
            let mut cache = self.cache.write().map_err(|_| StoreError("cache poisoned".into()))?;
            let current = cache.by_client.values().find(|c| c.id == channel_id).cloned();
            cache.by_client.retain(|_, c| c.id != channel_id);
            if let Some(ch) = current {
                cache.by_client.insert(client_hash, ch);
            }
            drop(cache);
            let head = self.shared.heads.current(channel_id).unwrap_or(0);
            self.shared.heads.close(channel_id, Some(head));
        }
        Ok(found)
    }

    fn subscribe(&self, channel_id: &str) -> watch::Receiver<u64> {
        self.shared.heads.subscribe(channel_id)
    }
}

impl SqliteStore {
    fn pending_ack(&self, channel_id: &str) -> Option<u64> {
        self.shared.acks.lock().ok()?.get(channel_id).copied()
    }
}
