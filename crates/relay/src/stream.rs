//! `GET /v1/stream?cursor=N` (WebSocket, client key): the backlog after the cursor, then live events.
//!
//! Events go out in seq order; `CaughtUp` marks the end of the backlog. The client acks
//! cumulatively after committing. The relay pings every `heartbeat` and drops a client it has not
//! heard from (any frame, pongs included) for `dead_after`; the client does the same on its side.

use std::sync::Arc;
use std::time::Instant;

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
}

/// Authenticates, then upgrades to the event stream.
pub async fn handler<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, RelayError> {
    let channel = authenticate(&state, &headers)?;
    Ok(ws.on_upgrade(move |socket| async move {
        let id = channel.id.clone();
        match run(state, channel, q.cursor, socket).await {
            Ok(()) => tracing::debug!(channel = %id, "stream closed"),
            Err(e) => tracing::info!(channel = %id, "stream ended: {e}"),
        }
    }))
}

async fn run<S: EventStore>(
    state: Arc<RelayState<S>>,
    channel: Channel,
    cursor: u64,
    mut socket: WebSocket,
) -> Result<(), String> {
    let mut head = state.store.subscribe(&channel.id);
    let mut sent = cursor;
    sent = send_after(&state, &channel, sent, &mut socket).await?;
    socket
        .send(Message::Binary(ServerFrame::CaughtUp { head: sent }.encode().into()))
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
                sent = send_after(&state, &channel, sent, &mut socket).await?;
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

/// Sends every stored event after `after`; returns the last seq sent.
async fn send_after<S: EventStore>(
    state: &RelayState<S>,
    channel: &Channel,
    mut after: u64,
    socket: &mut WebSocket,
) -> Result<u64, String> {
    loop {
        let page = state.store.events_after(&channel.id, after, PAGE).await.map_err(|e| e.to_string())?;
        let full = page.len() == PAGE;
        for (seq, sealed) in page {
            let frame = ServerFrame::Event(StoredEvent { seq, sealed });
            socket.send(Message::Binary(frame.encode().into())).await.map_err(|e| e.to_string())?;
            after = seq;
        }
        if !full {
            return Ok(after);
        }
    }
}
