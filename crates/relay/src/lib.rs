//! `wadesk-relay`: the public server that receives provider webhooks and keeps them until the
//! desktop streams them (ARCHITECTURE.md §5).
//!
//! - **Store-and-forward**: a webhook is answered 2xx only after it is durably committed; the desktop
//!   streams events after its cursor over a WebSocket and acks what it has committed.
//! - **Byte-exact**: method, path, query, header values and body are kept as received.
//! - **Sealed at rest**: each event is sealed to the channel's public key before it is stored; the
//!   relay cannot read what it keeps.
//! - **Bounded**: body size limit, per-channel rate limit, clear 4xx answers.
//!
//! This crate shares only `wadesk-relay-protocol` with the desktop and links no desktop library, so
//! it builds and runs on a bare server. The desktop embeds the same router on loopback.
#![deny(missing_docs)]

mod channels;
pub mod config;
mod embed;
mod error;
mod ingest;
pub mod sqlite_store;
pub mod store;
mod stream;
mod tokens;
pub mod wire;

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;

pub use config::{Config, ConfigError};
pub use error::RelayError;
pub use sqlite_store::SqliteStore;
pub use store::{ChannelStats, EventStore};
use wadesk_relay_protocol::{CHANNELS_PATH, STREAM_PATH};

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"` when the process serves requests.
    pub status: &'static str,
    /// The relay's version.
    pub version: &'static str,
}

/// Shared by every handler.
pub struct RelayState<S> {
    store: Arc<S>,
    config: Config,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl<S> std::fmt::Debug for RelayState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayState").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S: EventStore> RelayState<S> {
    /// State over `store` with `config`, which must pass [`Config::validate`]: every handler and
    /// task relies on its bounds.
    pub fn new(store: Arc<S>, config: Config) -> Result<Arc<Self>, ConfigError> {
        config.validate()?;
        let rate = NonZeroU32::new(config.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        Ok(Arc::new(RelayState { store, config, limiter }))
    }

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }
}

/// The relay's HTTP routes.
pub fn router<S: EventStore>(state: Arc<RelayState<S>>) -> Router {
    let body_limit = state.config.body_limit;
    Router::new()
        .route("/healthz", get(|| async { Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") }) }))
        .route("/embed/registration", get(embed::html))
        .route("/embed/registration.js", get(embed::script))
        .route("/embed/registration.css", get(embed::style))
        .route(CHANNELS_PATH, post(channels::create::<S>))
        .route("/v1/channel", get(channels::stats::<S>))
        .route(STREAM_PATH, get(stream::handler::<S>))
        .route("/h/{token}", post(ingest::hook::<S>))
        .route("/h/{token}/{*rest}", post(ingest::hook::<S>))
        .layer(DefaultBodyLimit::max(body_limit))
        // axum answers an over-limit body with plain text; say it in the relay's error shape.
        .layer(axum::middleware::map_response(move |res: axum::response::Response| async move {
            if res.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                return axum::response::IntoResponse::into_response(RelayError::TooLarge(body_limit));
            }
            res
        }))
        .with_state(state)
}

/// Serves the relay (HTTP/1.1, with WebSocket upgrades) on `listener` until `shutdown` resolves,
/// then lets open connections finish for up to 10 s.
///
/// Each connection's incoming bytes are tapped ([`wire::HeadTap`]) so hooks can record header names
/// as sent. Accepted sockets get TCP_NODELAY: stream frames and acks are small, and Nagle's
/// algorithm would hold each one back for an ACK round trip.
pub async fn serve<S: EventStore>(
    listener: tokio::net::TcpListener,
    state: Arc<RelayState<S>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use tower::ServiceExt;
    let app = router(state);
    let (stopping, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let parser = Arc::new(std::sync::Mutex::new(wire::TapParser::default()));
        let io = hyper_util::rt::TokioIo::new(wire::HeadTap::new(tcp, parser.clone()));
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            // hyper hands requests over in wire order, so the oldest parsed head is this request's.
            if let Some(head) = parser.lock().ok().and_then(|mut p| p.pop()) {
                req.extensions_mut().insert(wire::WireHead(head));
            }
            app.clone().oneshot(req)
        });
        let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service).with_upgrades();
        let mut stop_rx = stop_rx.clone();
        connections.spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop_rx.changed() => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while connections.join_next().await.is_some() {}
    });
    if drained.await.is_err() {
        tracing::warn!("some connections were still open after 10 s and were dropped");
    }
    Ok(())
}

/// Deletes acked events older than the retention period, every `every`, until the task is dropped.
pub async fn purge_loop<S: EventStore>(state: Arc<RelayState<S>>, every: std::time::Duration) {
    // A zero period would panic in tokio.
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_secs(1)));
    loop {
        tick.tick().await;
        let retention = i64::try_from(state.config.retention.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms().saturating_sub(retention);
        match state.store.purge_acked(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "purged acked events past retention"),
            Err(e) => tracing::warn!("purge failed: {e}"),
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
