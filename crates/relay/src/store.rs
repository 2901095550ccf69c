//! What the relay needs from durable storage. Two stores keep it: the embedded SQLite one
//! ([`crate::sqlite_store`]) and the PostgreSQL one for several relay instances
//! ([`crate::pg_store`]); `src/tests/store_contract.rs` runs the same checks on both.
//!
//! Contract (every store, and the stream handler relies on each point):
//!
//! - **Durable.** `append` resolves only after the event is durably committed (the HTTP answer
//!   waits on it).
//! - **Seqs are never reused, not even after a restore.** A channel's seqs are strictly increasing
//!   and below 2^63 (SQL integers, and the desktop stores them as such). Within one run of the
//!   store they are consecutive; a channel created in this run counts from 1. Whenever the store may
//!   have gone back in time — for SQLite, every start, because that is when a `relay.db` restored
//!   from a backup is opened — the next seq of each channel becomes `max(head + 1, floor)`, where
//!   the floor is the wall clock in microseconds since the epoch at that moment
//!   ([`Channel::seq_floor`]). A relay never issues a million seqs a second, so every seq issued
//!   before the restore is below the floor, and a desktop that applied events the restored store
//!   lost skips none of the new ones. The `max` guards against a clock behind the stored head. A
//!   store shared by several relay instances must take a new floor when its database is restored,
//!   not only when an instance starts.
//! - **A cursor is accepted iff it could have been issued:** `cursor <= head` or `cursor < floor`
//!   ([`Channel::accepts_cursor`]). A cursor below the floor may come from before a restore; nothing
//!   stored at or below it is re-sent and everything new is above it. Any other cursor was never
//!   issued by this store, and the stream refuses it before the upgrade.
//! - `events_after` returns events in `seq` order, none at or below `after`.
//! - **Acks are cumulative and clamped to the head:** `ack` never moves backwards, and an ack above
//!   the head (a desktop ahead of a restored store, or any client value up to `u64::MAX`) counts as
//!   an ack of the head.
//! - Seqs are not consecutive from 1, so [`ChannelStats::backlog`] counts stored events above the
//!   acked seq; it is never computed from the difference of two seqs.
//! - `subscribe`'s receiver holds the committed head and changes whenever it moves — including
//!   heads moved by other relay instances sharing the store. It is closed (`changed()` fails) when
//!   the channel is revoked or its client key rotated, which ends the streams that hold it.
//! - **Acks may become durable a moment later** (about 100 ms): a crash can lose the last acks,
//!   which only re-sends events the desktop skips by its cursor. `stats` already counts them.
//! - Revoking a channel deletes it and its events; nothing of it is found afterwards.

use std::future::Future;

/// A channel as the hot path needs it.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Channel id.
    pub id: String,
    /// Public key events are sealed to.
    pub public_key: [u8; 32],
    /// Every seq the store may have issued for this channel before it last went back in time (its
    /// last start, for SQLite) is below this; 0 for a channel created since. See the module docs.
    pub seq_floor: u64,
}

impl Channel {
    /// Whether a stream may resume after `cursor` while the channel's committed head is `head`:
    /// at or below the head, or below the floor (from before a restore). See the module docs.
    pub fn accepts_cursor(&self, cursor: u64, head: u64) -> bool {
        cursor <= head || cursor < self.seq_floor
    }
}

/// A new channel's stored form: only hashes of its tokens.
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// Channel id.
    pub id: String,
    /// Operator's label.
    pub label: String,
    /// Public key events are sealed to.
    pub public_key: [u8; 32],
    /// SHA-256 of the hook token.
    pub hook_hash: [u8; 32],
    /// SHA-256 of the client key.
    pub client_hash: [u8; 32],
}

/// Per-channel counters for health and backlog display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChannelStats {
    /// Latest stored seq.
    pub head: u64,
    /// Highest seq the desktop acked (never above `head`).
    pub acked: u64,
    /// Events stored with a seq above `acked` (a count of rows, not `head - acked`).
    pub backlog: u64,
    /// Receive time of the latest event, ms since the epoch (0 if none).
    pub last_event_ms: i64,
}

/// A channel as the operator lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChannelInfo {
    /// Channel id.
    pub id: String,
    /// Operator's label.
    pub label: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Latest stored seq.
    pub head: u64,
    /// Highest acked seq.
    pub acked: u64,
    /// Events stored above the acked seq.
    pub backlog: u64,
    /// Events stored for the channel (the backlog and the acked ones still within retention).
    pub stored: u64,
}

/// A storage failure. Handlers answer 5xx so the provider retries.
#[derive(Debug, thiserror::Error)]
#[error("relay store: {0}")]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// A webhook on its way to [`EventStore::append`], counted while it is held: a group-committing
/// store can wait a moment for announced appends instead of syncing without them.
#[derive(Debug, Default)]
pub struct Incoming(Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>);

impl Incoming {
    /// Counts one arrival on `counter` until dropped.
    pub fn on(counter: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Self {
        counter.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Incoming(Some(counter.clone()))
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(counter) = &self.0 {
            counter.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        }
    }
}

/// Channels by the hashes of their hook token and client key, as both stores cache them.
#[derive(Debug, Default)]
pub(crate) struct ChannelCache {
    pub(crate) by_hook: std::collections::HashMap<[u8; 32], Channel>,
    pub(crate) by_client: std::collections::HashMap<[u8; 32], Channel>,
}

impl ChannelCache {
    /// Drops every entry of `channel_id`.
    pub(crate) fn forget(&mut self, channel_id: &str) {
        self.by_hook.retain(|_, c| c.id != channel_id);
        self.by_client.retain(|_, c| c.id != channel_id);
    }
}

/// Each channel's committed head, watched by the streams that follow it: the `subscribe` side of
/// the contract, kept the same way by every store. Closing a channel's watcher ends the streams
/// holding it (revocation, key rotation).
#[derive(Debug, Default)]
pub struct HeadWatchers(std::sync::Mutex<std::collections::HashMap<String, tokio::sync::watch::Sender<u64>>>);

impl HeadWatchers {
    /// Watchers for channels whose heads are known, as a store opens.
    pub fn with_heads(heads: impl IntoIterator<Item = (String, u64)>) -> Self {
        HeadWatchers(std::sync::Mutex::new(
            heads.into_iter().map(|(id, head)| (id, tokio::sync::watch::channel(head).0)).collect(),
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, tokio::sync::watch::Sender<u64>>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A receiver of the channel's head (0 until one is known).
    pub fn subscribe(&self, channel_id: &str) -> tokio::sync::watch::Receiver<u64> {
        self.lock().entry(channel_id.to_owned()).or_insert_with(|| tokio::sync::watch::channel(0).0).subscribe()
    }

    /// Raises the channel's head to `head`; heads only move forward.
    pub fn raise(&self, channel_id: &str, head: u64) {
        let mut heads = self.lock();
        let sender = heads.entry(channel_id.to_owned()).or_insert_with(|| tokio::sync::watch::channel(head).0);
        sender.send_if_modified(|h| {
            let moved = head > *h;
            if moved {
                *h = head;
            }
            moved
        });
    }

    /// Ends the streams holding the channel's watcher; with `Some(head)` a new watcher takes its
    /// place for streams opened from now on. Call it after the channel cache changed, so no
    /// stream authenticated with the old credentials can pick up the new watcher.
    pub fn close(&self, channel_id: &str, head: Option<u64>) {
        let mut heads = self.lock();
        match head {
            Some(head) => {
                heads.insert(channel_id.to_owned(), tokio::sync::watch::channel(head).0);
            }
            None => {
                heads.remove(channel_id);
            }
        }
    }

    /// The channel's head as last announced, if it is watched.
    pub fn current(&self, channel_id: &str) -> Option<u64> {
        self.lock().get(channel_id).map(|s| *s.borrow())
    }

    /// The channels watched now.
    pub fn channels(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }
}

/// Durable event storage. See the module docs for the contract.
pub trait EventStore: Send + Sync + 'static {
    /// Announces a webhook that will reach [`EventStore::append`] soon (held until then).
    fn incoming(&self) -> Incoming {
        Incoming::default()
    }
    /// Creates a channel.
    fn create_channel(&self, c: NewChannel) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The channel whose hook token hashes to `hook_hash`.
    fn channel_by_hook(&self, hook_hash: &[u8; 32])
        -> impl Future<Output = Result<Option<Channel>, StoreError>> + Send;
    /// The channel whose client key hashes to `client_hash`.
    fn channel_by_client(
        &self,
        client_hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<Channel>, StoreError>> + Send;
    /// Durably appends a sealed event; resolves to its seq once committed.
    fn append(
        &self,
        channel_id: &str,
        received_at_ms: i64,
        sealed: Vec<u8>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Up to `limit` events with seq > `after`, in order, as (seq, sealed). Any `after` is valid,
    /// `u64::MAX` included.
    fn events_after(
        &self,
        channel_id: &str,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(u64, Vec<u8>)>, StoreError>> + Send;
    /// How many events are stored with seq > `after` (what a stream resuming there will send).
    fn count_after(&self, channel_id: &str, after: u64) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Records that the desktop committed everything up to `seq`, clamped to the head; never moves
    /// the acked seq back. Resolves once recorded, not necessarily committed (see the module docs).
    fn ack(&self, channel_id: &str, seq: u64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes acked events received before `older_than_ms`; returns how many.
    fn purge_acked(&self, older_than_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Counters for one channel.
    fn stats(&self, channel_id: &str) -> impl Future<Output = Result<ChannelStats, StoreError>> + Send;
    /// Every channel, oldest first, with its counters.
    fn channels(&self) -> impl Future<Output = Result<Vec<ChannelInfo>, StoreError>> + Send;
    /// Deletes a channel and its events; `false` if there was no such channel.
    fn revoke_channel(&self, channel_id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Replaces a channel's client key (by its hash); `false` if there was no such channel. Streams
    /// opened with the old key end.
    fn rotate_client_key(
        &self,
        channel_id: &str,
        client_hash: [u8; 32],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A receiver holding the channel's committed head, changed whenever it moves (for cursor
    /// checks and live streaming), closed when the channel is revoked or its key rotated.
    fn subscribe(&self, channel_id: &str) -> tokio::sync::watch::Receiver<u64>;
}
