//! `GET /v1/stream?cursor=N[&v=2]` (WebSocket, client key): the backlog after the cursor, then live
//! events.
//!
//! With `v=2` the first frame is `Head { head, waiting }`: the committed head and how many events
//! the backlog holds, so the desktop shows what is waiting before it arrives. Events go out in seq
//! order; `CaughtUp { head }` marks the end of the backlog and carries the channel's real head
//! (never the client's cursor). The client acks cumulatively after committing.
//! The relay pings every `heartbeat` and drops a client it has not heard from (any frame, pongs
//! included) for `dead_after`; the client does the same on its side.
//!
//! A cursor the store could not have issued ([`Channel::accepts_cursor`]) is refused before the
//! upgrade with 409: accepting it would silently skip every event up to it. A cursor from before a
//! restore of the store is accepted (see [`crate::store`]).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use wadesk_relay_protocol::{ClientFrame, ServerFrame, StoredEvent};

use crate::channels::authenticate;
use crate::error::RelayError;
use crate::store::{Channel, EventStore};
use crate::RelayState;

const PAGE: usize = 512;

/// Query of the stream URL.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// The highest seq the client has committed (0 for none).
    #[serde(default)]
    cursor: u64,
    /// The stream version the client speaks (1 when absent).
    #[serde(default = "version_1")]
    v: u32,
}

fn version_1() -> u32 {
    1
}

/// Authenticates, then upgrades to the event stream.
pub async fn handler<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
    query: Result<Query<StreamQuery>, QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, RelayError> {
    let channel = authenticate(&state, &headers).await?;
    let ws = ws.map_err(|e| RelayError::BadRequest(format!("not a WebSocket upgrade: {}", e.body_text())))?;
    let Query(q) = query.map_err(|_| {
        RelayError::BadRequest("cursor: expected a whole number from 0 to 2^64-1; v: a stream version".into())
    })?;
    // Subscribed before the check, so no commit falls between the head checked and the backlog read.
    let head = state.store.subscribe(&channel.id);
    // Checked again once subscribed: a key revoked or rotated in between closed the watcher this
    // stream would otherwise hold open.
    if authenticate(&state, &headers).await?.id != channel.id {
        return Err(RelayError::Unauthorized("unknown or missing client key"));
    }
    let watched = *head.borrow();
    check_cursor(&state, &channel, q.cursor, watched).await?;
    Ok(ws.on_upgrade(move |socket| async move {
        let id = channel.id.clone();
        match run(state, channel, q, head, socket).await {
            Ok(()) => tracing::debug!(channel = %id, "stream closed"),
            Err(e) => tracing::info!(channel = %id, "stream ended: {e}"),
        }
    }))
}

/// Refuses a cursor the store never issued. `watched` is the subscribed head; a stream can have
/// read an event committed a moment before that head moved, so a cursor above it is checked again
/// against the head the store reads back before it is refused.
async fn check_cursor<S: EventStore>(
    state: &RelayState<S>,
    channel: &Channel,
    cursor: u64,
    watched: u64,
) -> Result<(), RelayError> {
    if channel.accepts_cursor(cursor, watched) {
        return Ok(());
    }
    let head = state.store.stats(&channel.id).await.map_err(|_| RelayError::Unavailable)?.head;
    if channel.accepts_cursor(cursor, head) {
        return Ok(());
    }
    tracing::info!(channel = %channel.id, cursor, head, "refused a stream cursor past the head");
    Err(RelayError::CursorAhead { cursor, head })
}

async fn run<S: EventStore>(
    state: Arc<RelayState<S>>,
    channel: Channel,
    query: StreamQuery,
    mut head: tokio::sync::watch::Receiver<u64>,
    mut socket: WebSocket,
) -> Result<(), String> {
    let _counted = state.metrics.stream_opened();
    let cursor = query.cursor;
    let committed = *head.borrow_and_update();
    if query.v >= 2 {
        let waiting = state.store.count_after(&channel.id, cursor).await.map_err(|e| e.to_string())?;
        let frame = ServerFrame::Head { head: committed, waiting };
        socket.send(Message::Binary(frame.encode().into())).await.map_err(|e| e.to_string())?;
    }
    let last = send_after(&state, &channel, cursor, &mut socket).await?;
    // Everything up to `committed` (and perhaps beyond) was read. Below the cursor (after a
    // restore) the real head is reported, so the client learns where the relay stands.
    let caught_up = last.map_or(committed, |seq| seq.max(committed));
    let mut sent = last.unwrap_or(cursor);
    socket
        .send(Message::Binary(ServerFrame::CaughtUp { head: caught_up }.encode().into()))
        .await
        .map_err(|e| e.to_string())?;
    let mut ping = tokio::time::interval(state.config.heartbeat);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            changed = head.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                if let Some(seq) = send_after(&state, &channel, sent, &mut socket).await? {
                    sent = seq;
                }
            }
            msg = socket.recv() => {
                let Some(msg) = msg else { return Ok(()) };
                last_heard = Instant::now();
                match msg.map_err(|e| e.to_string())? {
                    Message::Binary(bytes) => match ClientFrame::decode(&bytes) {
                        Ok(ClientFrame::Ack { seq }) => {
                            state.store.ack(&channel.id, seq).await.map_err(|e| e.to_string())?;
                        }
                        Err(e) => return Err(e.to_string()),
                    },
                    Message::Close(_) => return Ok(()),
                    _ => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > state.config.dead_after {
                    let _ = socket.send(Message::Close(None)).await;
                    return Err("client silent past the dead-connection limit".into());
                }
                socket.send(Message::Ping(Vec::new().into())).await.map_err(|e| e.to_string())?;
            }
        }
    }
}

/// Sends every stored event after `after`; returns the last seq sent, if any.
async fn send_after<S: EventStore>(
    state: &RelayState<S>,
    channel: &Channel,
    mut after: u64,
    socket: &mut WebSocket,
) -> Result<Option<u64>, String> {
    let mut last = None;
    loop {
        let page = state.store.events_after(&channel.id, after, PAGE).await.map_err(|e| e.to_string())?;
        let full = page.len() == PAGE;
        for (seq, sealed) in page {
            let frame = ServerFrame::Event(StoredEvent { seq, sealed });
            socket.send(Message::Binary(frame.encode().into())).await.map_err(|e| e.to_string())?;
            after = seq;
            last = Some(seq);
        }
        if !full {
            return Ok(last);
        }
    }
}
