//! The stream connection: connect with the client key, apply events, ack, and keep going.
//!
//! Reconnects with exponential backoff (0.5 s doubling to 30 s, with jitter) and resumes from the
//! stored cursor. Pings every 10 s; a relay silent for 30 s (no frame, no pong) is treated as dead.
//! Publishes its state on a `watch` channel for the app's indicator and the CLI.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde::Serialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use ts_rs::TS;
use wadesk_relay_protocol::{ChannelKeys, ClientFrame, ServerFrame, StoredEvent, STREAM_PATH};

use crate::secret::Secret;
use crate::store::{now_ms, Store};

const PING_EVERY: Duration = Duration::from_secs(10);
const DEAD_AFTER: Duration = Duration::from_secs(30);
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Fault-injection for the crash tests: hold each ack this many ms after the commit, which widens
/// the "committed but not acked" window so a SIGKILL can land in it on purpose. Unset in normal use.
const HOLD_ACK_ENV: &str = "WADESK_TEST_HOLD_ACK_MS";

/// The connection's state, as the indicator shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Not started, or stopped.
    Offline,
    /// First attempt under way.
    Connecting,
    /// Streaming.
    Connected,
    /// Lost; waiting to retry.
    Reconnecting,
}

/// What the relay indicator and `wadesk relay status` show. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RelayStatus {
    /// Connection state.
    pub state: ConnectionState,
    /// `embedded` or `remote`.
    pub mode: super::RelayMode,
    /// The relay's base URL.
    pub relay_url: String,
    /// The hook URL, masked (it is a capability).
    pub hook_url_masked: String,
    /// Highest relay seq applied here.
    #[ts(type = "number")]
    pub cursor: u64,
    /// Events the relay had that were not yet applied when last counted (0 once caught up).
    #[ts(type = "number")]
    pub backlog: u64,
    /// When the last event was applied here (ms since epoch).
    #[ts(type = "number | null")]
    pub last_event_at: Option<i64>,
    /// Whether everything the relay held when this connection opened has been applied.
    pub caught_up: bool,
    /// The last connection error, for the indicator's tooltip.
    pub last_error: Option<String>,
    /// Something the user should know that is not an error, e.g. that the embedded relay had to
    /// move to another port (and the hook URL changed) because another program held its port.
    pub notice: Option<String>,
}

/// What the loop needs to connect.
pub(super) struct Endpoint {
    pub relay_url: String,
    pub client_key: Secret,
    pub keys: ChannelKeys,
}

fn stream_url(relay_url: &str, cursor: u64) -> String {
    let ws = if let Some(rest) = relay_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = relay_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        relay_url.to_owned()
    };
    format!("{}{STREAM_PATH}?cursor={cursor}", ws.trim_end_matches('/'))
}

/// Runs until `stop` turns true.
pub(super) async fn run(
    store: Arc<Store>,
    endpoint: Endpoint,
    status: watch::Sender<RelayStatus>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = BACKOFF_MIN;
    loop {
        if *stop.borrow() {
            break;
        }
        match session(&store, &endpoint, &status, &mut stop, &mut backoff).await {
            Ok(()) => break,
            Err(e) => {
                tracing::info!("relay stream: {e}; retrying in {backoff:?}");
                status.send_modify(|s| {
                    s.state = ConnectionState::Reconnecting;
                    s.caught_up = false;
                    s.last_error = Some(e);
                });
            }
        }
        let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64 / 4);
        tokio::select! {
            _ = tokio::time::sleep(backoff + Duration::from_millis(jitter)) => {}
            _ = stop.changed() => {}
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
    status.send_modify(|s| s.state = ConnectionState::Offline);
}

/// One connection. `Ok` means asked to stop; `Err` means reconnect.
async fn session(
    store: &Arc<Store>,
    endpoint: &Endpoint,
    status: &watch::Sender<RelayStatus>,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Duration,
) -> Result<(), String> {
    let cursor = blocking(store, |s| s.relay_cursor()).await?;
    let mut request = stream_url(&endpoint.relay_url, cursor).into_client_request().map_err(|e| e.to_string())?;
    let auth =
        format!("Bearer {}", endpoint.client_key.expose()).parse().map_err(|_| "invalid client key".to_owned())?;
    request.headers_mut().insert("authorization", auth);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, None, true).await.map_err(|e| connect_error(&e))?;
    *backoff = BACKOFF_MIN;
    status.send_modify(|s| {
        s.state = ConnectionState::Connected;
        s.caught_up = false;
        s.last_error = None;
        s.cursor = cursor;
    });
    let hold_ack = std::env::var(HOLD_ACK_ENV).ok().and_then(|v| v.parse().ok()).map(Duration::from_millis);
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = ws.next() => {
                let Some(frame) = frame else { return Err("the relay closed the stream".into()) };
                last_heard = tokio::time::Instant::now();
                let Message::Binary(bytes) = frame.map_err(|e| e.to_string())? else { continue };
                let mut frame = ServerFrame::decode(&bytes).map_err(|e| e.to_string())?;
                if let ServerFrame::Event(event) = frame {
                    // Group commit: apply with this event every frame that has already arrived.
                    let (batch, next) = drain_ready(&mut ws, event);
                    let last = batch.last().map_or(0, |e| e.seq);
                    let count = batch.len() as u64;
                    let keys = ChannelKeys::from_secret_bytes(endpoint.keys.secret_bytes());
                    let applied = blocking(store, move |s| s.apply_relay_events(&keys, &batch)).await?;
                    if let Some(hold) = hold_ack {
                        tokio::time::sleep(hold).await;
                    }
                    // Acks are cumulative: one for the last event acks the whole batch.
                    ws.send(Message::Binary(ClientFrame::Ack { seq: last }.encode().into())).await.map_err(|e| e.to_string())?;
                    status.send_modify(|s| {
                        s.cursor = last;
                        s.backlog = s.backlog.saturating_sub(count);
                        if applied.iter().any(Option::is_some) {
                            s.last_event_at = Some(now_ms());
                        }
                    });
                    match next {
                        Next::Frame(f) => frame = f,
                        Next::Nothing => continue,
                        Next::Ended(why) => return Err(why),
                    }
                }
                if let ServerFrame::CaughtUp { head } = frame {
                    // Ack the local cursor again: an event committed here whose ack was lost
                    // (a crash between commit and ack) is not re-sent, so this is the relay's
                    // only way to learn it was applied. Acks are cumulative and idempotent.
                    let cursor = status.borrow().cursor;
                    if cursor > 0 {
                        ws.send(Message::Binary(ClientFrame::Ack { seq: cursor }.encode().into()))
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    status.send_modify(|s| {
                        s.backlog = 0;
                        s.caught_up = true;
                        s.cursor = s.cursor.max(head);
                    });
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    return Err("the relay has been silent for 30 s".into());
                }
                ws.send(Message::Ping(Vec::new().into())).await.map_err(|e| e.to_string())?;
            }
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Ok(());
            }
        }
    }
}

/// Most events applied in one transaction.
const MAX_BATCH: usize = 512;

/// What followed the events a batch took.
enum Next {
    /// Nothing more had arrived.
    Nothing,
    /// A frame that is not an event (handled after the batch).
    Frame(ServerFrame),
    /// The stream failed or closed (after the batch is applied).
    Ended(String),
}

/// `first` plus every event frame that has already arrived, up to [`MAX_BATCH`], without
/// waiting; and what stopped the draining.
fn drain_ready<S>(ws: &mut S, first: StoredEvent) -> (Vec<StoredEvent>, Next)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    use futures_util::FutureExt;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match ws.next().now_or_never() {
            None => return (batch, Next::Nothing),
            Some(None) => return (batch, Next::Ended("the relay closed the stream".into())),
            Some(Some(Err(e))) => return (batch, Next::Ended(e.to_string())),
            Some(Some(Ok(Message::Binary(bytes)))) => match ServerFrame::decode(&bytes) {
                Ok(ServerFrame::Event(e)) => batch.push(e),
                Ok(other) => return (batch, Next::Frame(other)),
                Err(e) => return (batch, Next::Ended(e.to_string())),
            },
            // Pings are answered by the WebSocket layer; nothing to apply.
            Some(Some(Ok(_))) => {}
        }
    }
    (batch, Next::Nothing)
}

/// Why the stream did not open, for `last_error`. A relay that answers instead of upgrading (a bad
/// client key, a cursor it never issued) says why in its JSON error body; that message is shown as
/// is, so the user sees "cursor … is past this channel's head …" rather than a bare status code.
fn connect_error(e: &tokio_tungstenite::tungstenite::Error) -> String {
    if let tokio_tungstenite::tungstenite::Error::Http(res) = e {
        let message = res
            .body()
            .as_deref()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v["message"].as_str().map(str::to_owned));
        if let Some(message) = message {
            return format!("the relay refused the stream ({}): {message}", res.status());
        }
    }
    format!("cannot connect to the relay: {}", redact(&e.to_string()))
}

/// Connection errors can echo the request URL; ours carries no secret, but strip any query anyway.
fn redact(message: &str) -> String {
    match message.find('?') {
        Some(i) => format!("{}…", &message[..i]),
        None => message.to_owned(),
    }
}

async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> crate::Result<T> + Send + 'static,
) -> Result<T, String> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_urls_follow_the_relay_scheme() {
        assert_eq!(stream_url("http://127.0.0.1:9/", 5), "ws://127.0.0.1:9/v1/stream?cursor=5");
        assert_eq!(stream_url("https://relay.example", 0), "wss://relay.example/v1/stream?cursor=0");
    }
}
