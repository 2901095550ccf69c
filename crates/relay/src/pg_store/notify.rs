//! The one listening connection per instance (`LISTEN wadesk_relay`), reconnecting with backoff.
//!
//! Payloads, each naming the instance that sent it (its own are skipped: already applied):
//! - `h <instance> <channel> <head>`: a commit moved the channel's head; the local watcher follows,
//!   and streams here send what was posted there;
//! - `r <instance> <channel>`: revoked; cached entries go, and the streams holding the watcher end;
//! - `k <instance> <channel>`: client key rotated; cached entries go, streams end, a new watcher
//!   serves the new key;
//! - `f`: an instance started and raised the seq floors; the cache goes (it holds the floors).
//!
//! While the connection is down nothing tells this instance about the others: the channel cache is
//! off (every lookup reads the database, so a revoked channel fails at once), and after
//! reconnecting every watcher is replaced by one at the database's head, ending every stream here
//! once, so none can miss an event, a revocation or a rotation that came while nobody listened.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{AsyncMessage, NoTls};

use super::{pg_error, Shared, NOTIFY_CHANNEL};
use crate::store::StoreError;

/// The first reconnection delay; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often the listening connection is checked with a query.
const PROBE_EVERY: Duration = Duration::from_secs(5);

pub(super) struct Listener {
    pub(super) task: tokio::task::JoinHandle<()>,
    /// Fires once the first LISTEN is in place.
    pub(super) ready: oneshot::Receiver<()>,
}

impl Listener {
    pub(super) fn start(config: tokio_postgres::Config, shared: Arc<Shared>) -> Listener {
        let (ready_tx, ready) = oneshot::channel();
        let task = tokio::spawn(run(config, shared, ready_tx));
        Listener { task, ready }
    }
}

async fn run(config: tokio_postgres::Config, shared: Arc<Shared>, ready: oneshot::Sender<()>) {
    let mut ready = Some(ready);
    let mut backoff = MIN_BACKOFF;
    loop {
        match listen(&config, &shared, &mut ready).await {
            Ok(()) => backoff = MIN_BACKOFF,
            Err(e) => tracing::warn!("relay database listener: {e}; reconnecting in {} ms", backoff.as_millis()),
        }
        shared.cache_live.store(false, Ordering::Release);
        shared.forget(None);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: LISTEN, resynchronise, then apply notifications until it fails.
async fn listen(
    config: &tokio_postgres::Config,
    shared: &Shared,
    ready: &mut Option<oneshot::Sender<()>>,
) -> Result<(), StoreError> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(pg_error)?;
    let (tx, mut notifications) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("relay database listener connection: {e}");
                    return;
                }
            }
        }
    });
    let _abort_driver = AbortOnDrop(driver);
    client.batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}")).await.map_err(pg_error)?;
    resync(&client, shared).await?;
    shared.cache_live.store(true, Ordering::Release);
    if let Some(ready) = ready.take() {
        let _ = ready.send(());
    }
    let mut probe = tokio::time::interval(PROBE_EVERY);
    loop {
        tokio::select! {
            payload = notifications.recv() => {
                let Some(payload) = payload else { return Err(StoreError("connection closed".into())) };
                apply(shared, &payload);
            }
            _ = probe.tick() => {
                match tokio::time::timeout(PROBE_EVERY, client.simple_query("SELECT 1")).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(pg_error(e)),
                    Err(_) => return Err(StoreError("the database did not answer a probe".into())),
                }
            }
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whatever changed while nobody listened: every watcher is replaced by one at the database's
/// head (ending the streams that held the old one), and watchers of channels gone are dropped.
async fn resync(client: &tokio_postgres::Client, shared: &Shared) -> Result<(), StoreError> {
    let watched = shared.heads.channels();
    if watched.is_empty() {
        return Ok(());
    }
    let rows =
        client.query("SELECT id, head_seq FROM channels WHERE id = ANY($1)", &[&watched]).await.map_err(pg_error)?;
    let heads: std::collections::HashMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    shared.forget(None);
    for id in watched {
        let head = heads.get(&id).map(|h| super::to_u64(*h));
        let current = shared.heads.current(&id).unwrap_or(0);
        shared.heads.close(&id, head.map(|h| h.max(current)));
    }
    Ok(())
}

/// Applies one notification (see the module docs); malformed ones are ignored.
fn apply(shared: &Shared, payload: &str) {
    let mut parts = payload.split(' ');
    let kind = parts.next().unwrap_or_default();
    if kind == "f" {
        shared.forget(None);
        return;
    }
    let (Some(instance), Some(channel)) = (parts.next(), parts.next()) else { return };
    if instance == shared.instance {
        return;
    }
    match kind {
        "h" => {
            if let Some(head) = parts.next().and_then(|h| h.parse::<u64>().ok()) {
                shared.heads.raise(channel, head);
            }
        }
        "r" => {
            shared.forget(Some(channel));
            if let Ok(mut acks) = shared.acks.lock() {
                acks.remove(channel);
            }
            shared.heads.close(channel, None);
        }
        "k" => {
            shared.forget(Some(channel));
            let head = shared.heads.current(channel).unwrap_or(0);
            shared.heads.close(channel, Some(head));
        }
        _ => {}
    }
}
