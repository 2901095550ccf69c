//! The shared [`EventStore`]: PostgreSQL, so several relay instances behind a load balancer serve
//! the same channels, events, cursors and acks.
//!
//! - **Seqs** are allocated inside the appending transaction, with the channel's row locked
//!   ([`writer`]): two instances appending to one channel serialise on that lock, so seq N is
//!   committed before N+1 exists, and a reader never sees a gap it could ack past. A batch holding
//!   several channels locks their rows in `no` order, so two instances never deadlock.
//! - **Group commit** per instance: concurrent appends share one transaction and one WAL flush;
//!   each is answered after `COMMIT` returns (`synchronous_commit = on`).
//! - **Acks** are coalesced in memory and written every ~100 ms ([`ACK_DELAY`]), as in SQLite.
//! - **Other instances** are heard through LISTEN/NOTIFY on one dedicated connection per instance
//!   ([`notify`]): committed heads move the local head watchers (so a stream here sends what a
//!   provider posted there), revocations and rotations drop cached channels and end streams.
//! - **Channel cache**: lookups are cached only while that connection listens; a miss goes to the
//!   database, so a channel created on another instance is found here.
//! - **Seq floor**: each instance start raises a shared floor (wall clock in µs) and every existing
//!   channel's floor to it ([`schema`]). A database restored from a backup must therefore be
//!   followed by a restart of every instance (README, "Several instances on PostgreSQL").
//!
//! TLS to the database is not built in: the driver connects with `NoTls`. Run the relay next to the
//! database, or through a tunnel, until a TLS connector is added.

mod notify;
mod reads;
mod schema;
mod url;
mod writer;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::NoTls;

use crate::store::{Channel, ChannelCache, ChannelInfo, ChannelStats, EventStore, NewChannel, StoreError};
pub use url::DatabaseUrl;

/// The LISTEN/NOTIFY channel every instance listens on.
pub(crate) const NOTIFY_CHANNEL: &str = "wadesk_relay";
/// How long acks wait to be written together.
pub(crate) const ACK_DELAY: Duration = Duration::from_millis(100);
/// Connections in the pool: the committers, the ack writer and concurrent stream reads.
const POOL_SIZE: usize = 16;

/// A driver error as a store error, with the database's own message when it sent one.
pub(crate) fn pg_error(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError(format!("{}: {}", db.severity(), db.message())),
        None => StoreError(e.to_string()),
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_error(e),
        other => StoreError(format!("database pool: {other}")),
    }
}

/// Wall-clock microseconds since the epoch, as an SQL integer.
fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A seq or cursor as an SQL integer (nothing is ever stored past `i64::MAX`).
fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A stored seq or count, never negative in a sound database.
fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// What the store's handle and its tasks share.
pub(crate) struct Shared {
    pool: Pool,
    /// Random per instance: notifications this instance sent are not applied twice.
    instance: String,
    cache: RwLock<ChannelCache>,
    /// The cache is used only while the listening connection is up (else nothing would tell us
    /// about revocations elsewhere).
    cache_live: AtomicBool,
    /// Bumped on every invalidation, so a lookup racing one does not cache what it read before it.
    cache_generation: AtomicU64,
    /// Each channel's committed head, for streams.
    heads: crate::store::HeadWatchers,
    /// Acked seqs not yet written, clamped to the head when recorded.
    acks: Mutex<HashMap<String, u64>>,
    ack_wake: tokio::sync::Notify,
}

impl Shared {
    /// Drops every cached entry of `channel_id` (all of them with `None`).
    fn forget(&self, channel_id: Option<&str>) {
        self.cache_generation.fetch_add(1, Ordering::AcqRel);
        let mut cache = self.cache.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match channel_id {
            Some(id) => cache.forget(id),
            None => *cache = ChannelCache::default(),
        }
    }
}

/// The PostgreSQL-backed store. Dropping it stops its tasks; appends in flight fail.
pub struct PgStore {
    shared: Arc<Shared>,
    appends: mpsc::UnboundedSender<writer::Append>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl PgStore {
    /// Connects, migrates the schema (under an advisory lock), raises the seq floor, and starts the
    /// group-commit writer, the ack writer and the listening connection. Errors never show the
    /// URL's password.
    pub async fn open(url: &DatabaseUrl) -> Result<PgStore, StoreError> {
        let scrub = |e: StoreError| StoreError(url.scrub(&e.0));
        let config = tokio_postgres::Config::from_str(url.expose()).map_err(|e| {
            StoreError(format!("invalid database URL {}: {}", url.redacted(), url.scrub(&e.to_string())))
        })?;
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError(format!("database pool: {e}")))?;
        {
            let mut client = pool.get().await.map_err(pool_error).map_err(scrub)?;
            schema::migrate_and_raise_floor(&mut client, now_micros()).await.map_err(scrub)?;
        }
        let shared = Arc::new(Shared {
            pool,
            instance: format!("{:016x}", rand::random::<u64>()),
            cache: RwLock::default(),
            cache_live: AtomicBool::new(false),
            cache_generation: AtomicU64::new(0),
            heads: crate::store::HeadWatchers::default(),
            acks: Mutex::default(),
            ack_wake: tokio::sync::Notify::new(),
        });
        let (appends, rx) = mpsc::unbounded_channel();
        let listening = notify::Listener::start(config, shared.clone());
        let tasks = vec![
            tokio::spawn(writer::writer_loop(shared.clone(), rx)),
            tokio::spawn(writer::ack_loop(shared.clone())),
            listening.task,
        ];
        // Up to a second for the listener, so a store that just opened already hears the others.
        let _ = tokio::time::timeout(Duration::from_secs(1), listening.ready).await;
        Ok(PgStore { shared, appends, tasks, url: url.clone() })
    }

    /// The database, with its password masked (for logs).
    pub fn describe(&self) -> String {
        self.url.redacted()
    }

    async fn lookup(&self, column: &'static str, hash: &[u8; 32]) -> Result<Option<Channel>, StoreError> {
        let live = self.shared.cache_live.load(Ordering::Acquire);
        if live {
            let cache = self.shared.cache.read().map_err(|_| StoreError("cache poisoned".into()))?;
            let map = if column == "hook_hash" { &cache.by_hook } else { &cache.by_client };
            if let Some(c) = map.get(hash) {
                return Ok(Some(c.clone()));
            }
        }
        let generation = self.shared.cache_generation.load(Ordering::Acquire);
        let Some((channel, head, hook, client)) = reads::channel_by(&self.shared, column, hash).await? else {
            return Ok(None);
        };
        // Before the watcher is handed out (stream handlers look the channel up first), so the
        // head a new stream reads is the committed one.
        self.shared.heads.raise(&channel.id, head);
        if live && self.shared.cache_generation.load(Ordering::Acquire) == generation {
            let mut cache = self.shared.cache.write().map_err(|_| StoreError("cache poisoned".into()))?;
            cache.by_hook.insert(hook, channel.clone());
            cache.by_client.insert(client, channel.clone());
        }
        Ok(Some(channel))
    }

    /// Writes the pending acks now (purges and counters must see them).
    async fn flush_acks(&self) -> Result<(), StoreError> {
        writer::flush_acks(&self.shared).await
    }

    fn pending_acks(&self) -> HashMap<String, u64> {
        self.shared.acks.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl EventStore for PgStore {
    async fn create_channel(&self, c: NewChannel) -> Result<(), StoreError> {
        let client = self.shared.pool.get().await.map_err(pool_error)?;
        client
            .execute(
                "INSERT INTO channels (id, label, public_key, hook_hash, client_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&c.id, &c.label, &&c.public_key[..], &&c.hook_hash[..], &&c.client_hash[..], &crate::now_ms()],
            )
            .await
            .map_err(pg_error)?;
        self.shared.heads.raise(&c.id, 0);
        Ok(())
    }

    async fn channel_by_hook(&self, hook_hash: &[u8; 32]) -> Result<Option<Channel>, StoreError> {
        self.lookup("hook_hash", hook_hash).await
    }

    async fn channel_by_client(&self, client_hash: &[u8; 32]) -> Result<Option<Channel>, StoreError> {
        self.lookup("client_hash", client_hash).await
    }

    async fn append(&self, channel_id: &str, received_at_ms: i64, sealed: Vec<u8>) -> Result<u64, StoreError> {
        let (reply, rx) = oneshot::channel();
        let op = writer::Append { channel: channel_id.to_owned(), received_at: received_at_ms, sealed, reply };
        self.appends.send(op).map_err(|_| StoreError("the writer has stopped".into()))?;
        rx.await.map_err(|_| StoreError("the writer dropped the append".into()))?
    }

    async fn events_after(
        &self,
        channel_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        reads::events_after(&self.shared, channel_id, after, limit).await
    }

    async fn count_after(&self, channel_id: &str, after: u64) -> Result<u64, StoreError> {
        reads::count_after(&self.shared, channel_id, after).await
    }

    async fn ack(&self, channel_id: &str, seq: u64) -> Result<(), StoreError> {
        // Clamped to the committed head known here, and again in SQL where it is certain.
        let seq = seq.min(self.shared.heads.current(channel_id).unwrap_or(0));
        {
            let mut acks = self.shared.acks.lock().map_err(|_| StoreError("ack table poisoned".into()))?;
            let slot = acks.entry(channel_id.to_owned()).or_insert(seq);
            *slot = (*slot).max(seq);
        }
        self.shared.ack_wake.notify_one();
        Ok(())
    }

    async fn purge_acked(&self, older_than_ms: i64) -> Result<u64, StoreError> {
        self.flush_acks().await?;
        let client = self.shared.pool.get().await.map_err(pool_error)?;
        let n = client
            .execute(
                "DELETE FROM events e USING channels c
                 WHERE e.chan = c.no AND e.seq <= c.acked_seq AND e.received_at < $1",
                &[&older_than_ms],
            )
            .await
            .map_err(pg_error)?;
        Ok(n)
    }

    async fn stats(&self, channel_id: &str) -> Result<ChannelStats, StoreError> {
        let pending = self.pending_acks().get(channel_id).copied();
        reads::stats(&self.shared, channel_id, pending).await
    }

    async fn channels(&self) -> Result<Vec<ChannelInfo>, StoreError> {
        reads::channels(&self.shared, &self.pending_acks()).await
    }

    async fn revoke_channel(&self, channel_id: &str) -> Result<bool, StoreError> {
        let found = writer::revoke(&self.shared, channel_id).await?;
        self.shared.forget(Some(channel_id));
        if let Ok(mut acks) = self.shared.acks.lock() {
            acks.remove(channel_id);
        }
        self.shared.heads.close(channel_id, None);
        Ok(found)
    }

    async fn rotate_client_key(&self, channel_id: &str, client_hash: [u8; 32]) -> Result<bool, StoreError> {
        let Some(head) = writer::rotate(&self.shared, channel_id, &client_hash).await? else { return Ok(false) };
        self.shared.forget(Some(channel_id));
        let head = self.shared.heads.current(channel_id).unwrap_or(0).max(head);
        self.shared.heads.close(channel_id, Some(head));
        Ok(true)
    }

    fn subscribe(&self, channel_id: &str) -> watch::Receiver<u64> {
        self.shared.heads.subscribe(channel_id)
    }
}

#[cfg(test)]
pub(crate) mod testing;
