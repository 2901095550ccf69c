//! The stream connection: connect with the client key, apply events, ack, and keep going.
//!
//! Reconnects with exponential backoff (0.5 s doubling to 30 s, with jitter) and resumes from the
//! stored cursor. Pings every 10 s; a relay silent for 30 s (no frame, no pong) is treated as dead.
//! Publishes its state on a `watch` channel for the app's indicator and the CLI.
//!
//! Asks for stream version 2 ([`STREAM_VERSION`]), whose first frame announces how many stored
//! events follow the cursor, so the status shows the backlog as soon as the stream opens and counts
//! it down batch by batch. A version 1 relay ignores the `v` parameter and never sends that frame:
//! the backlog is then unknown (`backlog_known` false) until `CaughtUp`, and everything else works
//! the same.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde::Serialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use ts_rs::TS;
use wadesk_relay_protocol::{ChannelKeys, ClientFrame, ServerFrame, StoredEvent, STREAM_PATH, STREAM_VERSION};

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
    /// Events the relay had that were not yet applied when last counted (0 once caught up): the
    /// count the relay announces as the stream opens, less each batch applied since.
    #[ts(type = "number")]
    pub backlog: u64,
    /// Whether `backlog` is a count for this connection: announced by the relay as the stream
    /// opened (stream version 2), or 0 because it caught up. False while connecting, and while a
    /// version 1 relay, which does not announce it, sends its backlog.
    pub backlog_known: bool,
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
    /// The channel streamed; events are applied only while it is the install's.
    pub channel_id: String,
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
    format!("{}{STREAM_PATH}?cursor={cursor}&v={STREAM_VERSION}", ws.trim_end_matches('/'))
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the stream at `cursor` with the client key.
async fn open_stream(endpoint: &Endpoint, cursor: u64) -> Result<Ws, String> {
    let mut request = stream_url(&endpoint.relay_url, cursor).into_client_request().map_err(|e| e.to_string())?;
    let auth =
        format!("Bearer {}", endpoint.client_key.expose()).parse().map_err(|_| "invalid client key".to_owned())?;
    request.headers_mut().insert("authorization", auth);
    let (ws, _) =
        tokio_tungstenite::connect_async_with_config(request, None, true).await.map_err(|e| connect_error(&e))?;
    Ok(ws)
}

/// Where one connection stands, as far as the status shows it.
#[derive(Debug, Clone, Copy)]
struct Progress {
    /// Highest relay seq applied here.
    cursor: u64,
    /// Stored events still to come, when the relay said (stream version 2) or once caught up.
    waiting: Option<u64>,
    /// `CaughtUp` arrived.
    caught_up: bool,
    /// Events new here that the last step applied (the others were applied before).
    new_events: u64,
}

impl Progress {
    fn at(cursor: u64) -> Progress {
        Progress { cursor, waiting: None, caught_up: false, new_events: 0 }
    }

    fn show(&self, s: &mut RelayStatus) {
        s.cursor = self.cursor;
        s.caught_up = self.caught_up;
        s.backlog_known = self.waiting.is_some();
        if let Some(waiting) = self.waiting {
            s.backlog = waiting;
        }
        if self.new_events > 0 {
            s.last_event_at = Some(now_ms());
        }
    }
}

/// Handles one frame from the relay, and with an event every event frame that had already arrived
/// (one transaction, acked after its commit). Calls `changed` after each step so the status
/// follows batch by batch. `Err` means the stream failed (after what arrived was applied).
async fn handle(
    ws: &mut Ws,
    first: ServerFrame,
    store: &Arc<Store>,
    endpoint: &Endpoint,
    hold_ack: Option<Duration>,
    progress: &mut Progress,
    changed: &mut impl FnMut(&Progress),
) -> Result<(), String> {
    let mut frame = first;
    loop {
        progress.new_events = 0;
        match frame {
            ServerFrame::Head { waiting, .. } => {
                progress.waiting = Some(waiting);
                changed(progress);
                return Ok(());
            }
            ServerFrame::CaughtUp { head } => {
                // Ack the local cursor again: an event committed here whose ack was lost
                // (a crash between commit and ack) is not re-sent, so this is the relay's
                // only way to learn it was applied. Acks are cumulative and idempotent.
                if progress.cursor > 0 {
                    ws.send(Message::Binary(ClientFrame::Ack { seq: progress.cursor }.encode().into()))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                progress.waiting = Some(0);
                progress.caught_up = true;
                progress.cursor = progress.cursor.max(head);
                changed(progress);
                return Ok(());
            }
            ServerFrame::Event(event) => {
                // Group commit: apply with this event every frame that has already arrived.
                let (batch, next) = drain_ready(ws, event);
                let last = batch.last().map_or(0, |e| e.seq);
                let count = batch.len() as u64;
                let keys = ChannelKeys::from_secret_bytes(endpoint.keys.secret_bytes());
                let channel_id = endpoint.channel_id.clone();
                let applied = blocking(store, move |s| s.apply_streamed(&channel_id, &keys, &batch)).await?;
                if let Some(hold) = hold_ack {
                    tokio::time::sleep(hold).await;
                }
                // Acks are cumulative: one for the last event acks the whole batch.
                ws.send(Message::Binary(ClientFrame::Ack { seq: last }.encode().into()))
                    .await
                    .map_err(|e| e.to_string())?;
                progress.cursor = last;
                progress.waiting = progress.waiting.map(|w| w.saturating_sub(count));
                progress.new_events = applied.iter().filter(|a| a.is_some()).count() as u64;
                changed(progress);
                match next {
                    Next::Frame(f) => frame = f,
                    Next::Nothing => return Ok(()),
                    Next::Ended(why) => return Err(why),
                }
            }
        }
    }
}

/// What [`drain`] got done.
#[derive(Debug, Clone, Copy)]
pub(super) struct Drained {
    /// Events applied here that were new.
    pub fetched: u64,
    /// Whether everything the relay held was applied (`CaughtUp` arrived in time).
    pub caught_up: bool,
    /// What still waits at the relay when not caught up, if the relay said (stream version 2).
    pub waiting: Option<u64>,
}

/// Streams from `endpoint` until caught up or `timeout`, applying and acking like a session, then
/// closes the stream. Used before leaving a relay, so what it still holds is fetched first. `Err`
/// means the stream could not be opened or failed.
pub(super) async fn drain(store: &Arc<Store>, endpoint: &Endpoint, timeout: Duration) -> Result<Drained, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    let cursor = blocking(store, |s| s.relay_cursor()).await?;
    let mut ws = tokio::time::timeout_at(deadline, open_stream(endpoint, cursor))
        .await
        .map_err(|_| format!("the relay did not open the stream within {timeout:?}"))??;
    let mut progress = Progress::at(cursor);
    let mut fetched = 0;
    while !progress.caught_up {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => break,
            Ok(None) => return Err("the relay closed the stream".into()),
            Ok(Some(frame)) => frame.map_err(|e| e.to_string())?,
        };
        let Message::Binary(bytes) = frame else { continue };
        let frame = ServerFrame::decode(&bytes).map_err(|e| e.to_string())?;
        handle(&mut ws, frame, store, endpoint, None, &mut progress, &mut |p| fetched += p.new_events).await?;
    }
    let _ = ws.close(None).await;
    Ok(Drained { fetched, caught_up: progress.caught_up, waiting: progress.waiting })
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
        // Another window or the CLI moved the install to another channel: streaming from this
        // one would only be refused (see `Store::apply_streamed`). The host restarts on the new one.
        let id = endpoint.channel_id.clone();
        if blocking(&store, move |s| s.relay_channel_id()).await.is_ok_and(|current| current.as_deref() != Some(&id)) {
            status.send_modify(|s| {
                s.caught_up = false;
                s.backlog_known = false;
                s.last_error = Some(format!("{}; restart Wadesk to stream from the new one", super::channel::SWITCHED));
            });
            break;
        }
        match session(&store, &endpoint, &status, &mut stop, &mut backoff).await {
            Ok(()) => break,
            Err(e) => {
                tracing::info!("relay stream: {e}; retrying in {backoff:?}");
                status.send_modify(|s| {
                    s.state = ConnectionState::Reconnecting;
                    s.caught_up = false;
                    s.backlog_known = false;
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
    let mut ws = open_stream(endpoint, cursor).await?;
    *backoff = BACKOFF_MIN;
    let mut progress = Progress::at(cursor);
    status.send_modify(|s| {
        s.state = ConnectionState::Connected;
        s.last_error = None;
        progress.show(s);
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
                let frame = ServerFrame::decode(&bytes).map_err(|e| e.to_string())?;
                handle(&mut ws, frame, store, endpoint, hold_ack, &mut progress, &mut |p| {
                    status.send_modify(|s| p.show(s));
                })
                .await?;
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
        assert_eq!(stream_url("http://127.0.0.1:9/", 5), "ws://127.0.0.1:9/v1/stream?cursor=5&v=2");
        assert_eq!(stream_url("https://relay.example", 0), "wss://relay.example/v1/stream?cursor=0&v=2");
    }
}
