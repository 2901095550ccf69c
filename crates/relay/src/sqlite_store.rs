//! The embedded [`EventStore`]: one SQLite file in WAL mode with `synchronous = FULL`.
//!
//! All writes go through one writer thread that drains its queue into a single transaction (group
//! commit): under load thousands of webhooks share one fsync, and each HTTP answer waits for the
//! commit that holds its event. Reads use a small pool of separate connections, which WAL lets run
//! beside the writer. Channels are cached in memory (they are few and change rarely), so the ingest
//! hot path does no read query.
//!
//! Seqs follow the store contract ([`crate::store`]): opening the file is the moment a restored
//! backup can come into play, so [`SqliteStore::open`] takes the wall clock in microseconds as every
//! loaded channel's seq floor. The writer thread alone assigns seqs, from its in-memory
//! [`SeqState`]; all seq arithmetic is checked, and a seq never leaves the range of an SQL integer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{oneshot, watch};

use crate::store::{Channel, ChannelStats, EventStore, NewChannel, StoreError};

/// Most operations one transaction takes; bounds the latency of the last one in a burst.
const MAX_BATCH: usize = 2048;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS channels (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    hook_hash   BLOB NOT NULL UNIQUE,
    client_hash BLOB NOT NULL UNIQUE,
    head_seq    INTEGER NOT NULL DEFAULT 0,
    acked_seq   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    channel_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    sealed      BLOB NOT NULL,
    PRIMARY KEY (channel_id, seq)
) WITHOUT ROWID;
";

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Where a channel's sequence stands, as the writer thread sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SeqState {
    /// The latest committed seq (0 for none).
    head: u64,
    /// The seq the next append gets: `head + 1` within a run, `max(head + 1, floor)` after open.
    next: u64,
}

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

enum Op {
    Append { channel: String, received_at: i64, sealed: Vec<u8>, reply: Reply<u64> },
    Ack { channel: String, seq: u64, reply: Reply<()> },
    Create { channel: NewChannel, reply: Reply<()> },
    Purge { older_than_ms: i64, reply: Reply<u64> },
}

#[derive(Default)]
struct ChannelCache {
    by_hook: HashMap<[u8; 32], Channel>,
    by_client: HashMap<[u8; 32], Channel>,
}

/// The SQLite-backed store. Dropping it stops the writer thread after its queue drains.
pub struct SqliteStore {
    writer: Mutex<mpsc::Sender<Op>>,
    path: PathBuf,
    cache: Arc<RwLock<ChannelCache>>,
    heads: Arc<Mutex<HashMap<String, watch::Sender<u64>>>>,
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
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (or creates) `relay.db` in `data_dir` and starts the writer thread.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("relay.db");
        let conn = open(&path)?;
        conn.execute_batch(SCHEMA)?;
        let floor = now_micros();
        let mut cache = ChannelCache::default();
        let mut heads = HashMap::new();
        let mut watchers = HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT id, public_key, hook_hash, client_hash, head_seq FROM channels")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    row_u64(r, 4)?,
                ))
            })?;
            for row in rows {
                let (id, pk, hook, client, head) = row?;
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
                heads.insert(id.clone(), SeqState { head, next });
                watchers.insert(id, watch::channel(head).0);
            }
        }
        let heads_watch = Arc::new(Mutex::new(watchers));
        let (tx, rx) = mpsc::channel();
        let notify = heads_watch.clone();
        std::thread::Builder::new()
            .name("relay-writer".into())
            .spawn(move || writer_loop(conn, heads, rx, notify))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            writer: Mutex::new(tx),
            path,
            cache: Arc::new(RwLock::new(cache)),
            heads: heads_watch,
            readers: Mutex::new(Vec::new()),
        })
    }

    async fn submit<T>(&self, make: impl FnOnce(Reply<T>) -> Op) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .lock()
            .map_err(|_| StoreError("writer lock poisoned".into()))?
            .send(make(reply))
            .map_err(|_| StoreError("the writer thread has stopped".into()))?;
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

fn writer_loop(
    mut conn: Connection,
    mut heads: HashMap<String, SeqState>,
    rx: mpsc::Receiver<Op>,
    notify: Arc<Mutex<HashMap<String, watch::Sender<u64>>>>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let before = heads.clone();

        match apply_batch(&mut conn, &mut heads, &batch) {
            Ok(results) => {
                let changed: Vec<(String, u64)> = heads
                    .iter()
                    .filter(|(id, h)| before.get(*id).map(|b| b.head) != Some(h.head))
                    .map(|(id, h)| (id.clone(), h.head))
                    .collect();
                // Heads first, answers second: once a webhook is answered, a stream opened with
                // its seq as cursor finds the head at or above it.
                if let Ok(mut watchers) = notify.lock() {
                    for (id, head) in changed {
                        watchers.entry(id).or_insert_with(|| watch::channel(0).0).send_replace(head);
                    }
                }
                for (op, result) in batch.into_iter().zip(results) {
                    reply(op, result);
                }
            }
            Err(e) => {
                tracing::error!("relay store commit failed: {e}");
                heads = before;
                for op in batch {
                    reply(op, OpResult::Failed(StoreError(e.to_string())));
                }
            }
        }
    }
}

enum OpResult {
    Seq(u64),
    Unit,
    Count(u64),
    Failed(StoreError),
}

fn reply(op: Op, result: OpResult) {
    fn send<T>(reply: Reply<T>, r: Result<T, StoreError>) {
        let _ = reply.send(r);
    }
    match (op, result) {
        (Op::Append { reply, .. }, OpResult::Seq(s)) => send(reply, Ok(s)),
        (Op::Purge { reply, .. }, OpResult::Count(n)) => send(reply, Ok(n)),
        (Op::Ack { reply, .. } | Op::Create { reply, .. }, OpResult::Unit) => send(reply, Ok(())),
        (Op::Append { reply, .. }, r) => send(reply, Err(failure(r))),
        (Op::Purge { reply, .. }, r) => send(reply, Err(failure(r))),
        (Op::Ack { reply, .. } | Op::Create { reply, .. }, r) => send(reply, Err(failure(r))),
    }
}

fn failure(r: OpResult) -> StoreError {
    match r {
        OpResult::Failed(e) => e,
        _ => StoreError("internal: mismatched result".into()),
    }
}

/// Applies every op in one transaction. Per-op failures (unknown channel, duplicate) are answered
/// individually; a failed commit fails them all.
fn apply_batch(
    conn: &mut Connection,
    heads: &mut HashMap<String, SeqState>,
    batch: &[Op],
) -> rusqlite::Result<Vec<OpResult>> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(batch.len());
    let mut touched: Vec<String> = Vec::new();
    {
        let mut insert =
            tx.prepare_cached("INSERT INTO events (channel_id, seq, received_at, sealed) VALUES (?1, ?2, ?3, ?4)")?;
        for op in batch {
            results.push(match op {
                Op::Append { channel, received_at, sealed, .. } => match heads.get_mut(channel) {
                    None => OpResult::Failed(StoreError(format!("unknown channel {channel}"))),
                    Some(state) if state.next > MAX_SEQ => {
                        OpResult::Failed(StoreError(format!("channel {channel} has used up its seqs")))
                    }
                    Some(state) => {
                        let seq = state.next;
                        insert.execute(params![channel, sql_seq(seq), received_at, sealed])?;
                        *state = SeqState { head: seq, next: seq.saturating_add(1) };
                        if !touched.contains(channel) {
                            touched.push(channel.clone());
                        }
                        OpResult::Seq(seq)
                    }
                },
                Op::Ack { channel, seq, .. } => match heads.get(channel) {
                    None => OpResult::Failed(StoreError(format!("unknown channel {channel}"))),
                    Some(state) => {
                        // Clamped here, where the head is known (also for appends earlier in this
                        // batch): an ack above it, up to u64::MAX, is an ack of the head.
                        tx.execute(
                            "UPDATE channels SET acked_seq = max(acked_seq, ?2) WHERE id = ?1",
                            params![channel, sql_seq((*seq).min(state.head))],
                        )?;
                        OpResult::Unit
                    }
                },
                Op::Create { channel: c, .. } => {
                    match tx.execute(
                        "INSERT INTO channels (id, label, public_key, hook_hash, client_hash, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now') * 1000)",
                        params![c.id, c.label, c.public_key.to_vec(), c.hook_hash.to_vec(), c.client_hash.to_vec()],
                    ) {
                        Ok(_) => {
                            // New in this run: no seq of it can predate a restore, so it counts from 1.
                            heads.insert(c.id.clone(), SeqState { head: 0, next: 1 });
                            OpResult::Unit
                        }
                        Err(e) => OpResult::Failed(StoreError(e.to_string())),
                    }
                }
                Op::Purge { older_than_ms, .. } => {
                    let n = tx.execute(
                        "DELETE FROM events WHERE received_at < ?1 AND seq <= (SELECT acked_seq FROM channels WHERE channels.id = events.channel_id)",
                        [older_than_ms],
                    )?;
                    OpResult::Count(n as u64)
                }
            });
        }
    }
    for id in &touched {
        if let Some(state) = heads.get(id) {
            tx.execute("UPDATE channels SET head_seq = ?2 WHERE id = ?1", params![id, sql_seq(state.head)])?;
        }
    }
    tx.commit()?;
    Ok(results)
}

impl EventStore for SqliteStore {
    async fn create_channel(&self, c: NewChannel) -> Result<(), StoreError> {
        let ch = Channel { id: c.id.clone(), public_key: c.public_key, seq_floor: 0 };
        let (hook, client) = (c.hook_hash, c.client_hash);
        self.submit(|reply| Op::Create { channel: c, reply }).await?;
        let mut cache = self.cache.write().map_err(|_| StoreError("cache poisoned".into()))?;
        cache.by_hook.insert(hook, ch.clone());
        cache.by_client.insert(client, ch);
        Ok(())
    }

    fn channel_by_hook(&self, hook_hash: &[u8; 32]) -> Option<Channel> {
        self.cache.read().ok()?.by_hook.get(hook_hash).cloned()
    }

    fn channel_by_client(&self, client_hash: &[u8; 32]) -> Option<Channel> {
        self.cache.read().ok()?.by_client.get(client_hash).cloned()
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
                "SELECT seq, sealed FROM events WHERE channel_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![channel, sql_seq(after), limit], |r| {
                Ok((row_u64(r, 0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn ack(&self, channel_id: &str, seq: u64) -> Result<(), StoreError> {
        let channel = channel_id.to_owned();
        self.submit(|reply| Op::Ack { channel, seq, reply }).await
    }

    async fn purge_acked(&self, older_than_ms: i64) -> Result<u64, StoreError> {
        self.submit(|reply| Op::Purge { older_than_ms, reply }).await
    }

    async fn stats(&self, channel_id: &str) -> Result<ChannelStats, StoreError> {
        let channel = channel_id.to_owned();
        self.read(move |conn| {
            // The backlog is counted: seqs jump at each start, so head - acked is no count.
            let (head, acked, backlog): (u64, u64, u64) = conn
                .query_row(
                    "SELECT head_seq, acked_seq,
                            (SELECT count(*) FROM events WHERE channel_id = ?1 AND seq > channels.acked_seq)
                     FROM channels WHERE id = ?1",
                    [&channel],
                    |r| Ok((row_u64(r, 0)?, row_u64(r, 1)?, row_u64(r, 2)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError(format!("unknown channel {channel}")))?;
            let last_event_ms: i64 = conn
                .query_row(
                    "SELECT received_at FROM events WHERE channel_id = ?1 ORDER BY seq DESC LIMIT 1",
                    [&channel],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            Ok(ChannelStats { head, acked, backlog, last_event_ms })
        })
        .await
    }

    fn subscribe(&self, channel_id: &str) -> watch::Receiver<u64> {
        match self.heads.lock() {
            Ok(mut w) => w.entry(channel_id.to_owned()).or_insert_with(|| watch::channel(0).0).subscribe(),
            Err(_) => watch::channel(0).1,
        }
    }
}
