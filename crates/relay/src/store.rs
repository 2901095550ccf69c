//! What the relay needs from durable storage, so that the embedded SQLite store can later be joined
//! by a PostgreSQL one for several relay instances.
//!
//! Contract: `append` resolves only after the event is durably committed (the HTTP answer waits on
//! it); `seq` values of a channel are consecutive from 1 and never reused; `events_after` returns
//! events in `seq` order; `ack` never moves backwards.

use std::future::Future;

/// A channel as the hot path needs it.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Channel id.
    pub id: String,
    /// Public key events are sealed to.
    pub public_key: [u8; 32],
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
    /// Highest seq the desktop acked.
    pub acked: u64,
    /// Events stored and not yet acked.
    pub backlog: u64,
    /// Receive time of the latest event, ms since the epoch (0 if none).
    pub last_event_ms: i64,
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

/// Durable event storage. See the module docs for the contract.
pub trait EventStore: Send + Sync + 'static {
    /// Creates a channel.
    fn create_channel(&self, c: NewChannel) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The channel whose hook token hashes to `hook_hash`.
    fn channel_by_hook(&self, hook_hash: &[u8; 32]) -> Option<Channel>;
    /// The channel whose client key hashes to `client_hash`.
    fn channel_by_client(&self, client_hash: &[u8; 32]) -> Option<Channel>;
    /// Durably appends a sealed event; resolves to its seq once committed.
    fn append(
        &self,
        channel_id: &str,
        received_at_ms: i64,
        sealed: Vec<u8>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Up to `limit` events with seq > `after`, in order, as (seq, sealed).
    fn events_after(
        &self,
        channel_id: &str,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(u64, Vec<u8>)>, StoreError>> + Send;
    /// Records that the desktop committed everything up to `seq`.
    fn ack(&self, channel_id: &str, seq: u64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes acked events received before `older_than_ms`; returns how many.
    fn purge_acked(&self, older_than_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Counters for one channel.
    fn stats(&self, channel_id: &str) -> impl Future<Output = Result<ChannelStats, StoreError>> + Send;
    /// A receiver that changes whenever the channel's head moves (for live streaming).
    fn subscribe(&self, channel_id: &str) -> tokio::sync::watch::Receiver<u64>;
}
