//! `wadesk-relay`: the public server that receives provider webhooks and keeps them until the
//! desktop streams them (ARCHITECTURE.md §5).
//!
//! - **Store-and-forward**: a webhook is answered 2xx only after it is durably committed; the desktop
//!   streams events after its cursor over a WebSocket and acks what it has committed.
//! - **Byte-exact**: method, path, query, header values and body are kept as received.
//! - **Sealed at rest**: each event is sealed to the channel's public key before it is stored; the
//!   relay cannot read what it keeps.
//! - **Bounded**: body size limit, time limits on request heads and bodies, a connection cap,
//!   per-channel rate limit, clear 4xx answers.
//!
//! This crate shares only `wadesk-relay-protocol` with the desktop and links no desktop library, so
//! it builds and runs on a bare server. The desktop embeds the same router on loopback.
#![deny(missing_docs)]

pub mod admin;
pub mod admin_cli;
pub mod admin_client;
mod body;
mod channels;
pub mod config;
mod embed;
mod error;
mod identity;
mod ingest;
mod metrics;
pub mod pg_store;
mod sealing;
mod serve;
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
pub use pg_store::{DatabaseUrl, PgStore};
pub use serve::serve;
pub use sqlite_store::SqliteStore;
pub use store::{ChannelInfo, ChannelStats, EventStore};
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
    /// Only when embedded in a desktop: answers `/_wadesk/identity` (see `identity.rs`).
    loopback_identity: Option<wadesk_loopback_identity::Responder>,
    /// Each channel's current sealing period.
    sealers: sealing::Sealers,
    /// What `/metrics` reports.
    metrics: Arc<metrics::Metrics>,
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
        Self::build(store, config, None)
    }

    /// State for a relay embedded in a desktop on loopback: it also answers the install's
    /// identity challenges, so the install's other processes can tell it from a squatter on its
    /// port before they send it their client key.
    pub fn embedded(
        store: Arc<S>,
        config: Config,
        identity: wadesk_loopback_identity::Responder,
    ) -> Result<Arc<Self>, ConfigError> {
        Self::build(store, config, Some(identity))
    }

    fn build(
        store: Arc<S>,
        config: Config,
        loopback_identity: Option<wadesk_loopback_identity::Responder>,
    ) -> Result<Arc<Self>, ConfigError> {
        config.validate()?;
        let rate = NonZeroU32::new(config.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        Ok(Arc::new(RelayState {
            store,
            config,
            limiter,
            loopback_identity,
            sealers: sealing::Sealers::default(),
            metrics: Arc::default(),
        }))
    }

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }
}

/// The relay's HTTP routes.
pub fn router<S: EventStore>(state: Arc<RelayState<S>>) -> Router {
    let body_limit = state.config.body_limit;
    let body_bounds = body::BodyBounds { limit: body_limit, timeout: state.config.body_timeout };
    Router::new()
        .route("/metrics", get(metrics::scrape::<S>))
        .route("/healthz", get(|| async { Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") }) }))
        .route(wadesk_loopback_identity::PATH, get(identity::answer::<S>))
        .route("/embed/registration", get(embed::html))
        .route("/embed/registration.js", get(embed::script))
        .route("/embed/registration.css", get(embed::style))
        .route("/embed/meta-signup", get(embed::meta_html))
        .route("/embed/meta-signup.js", get(embed::meta_script))
        .route("/embed/meta-signup.css", get(embed::meta_style))
        .route(CHANNELS_PATH, post(channels::create::<S>).get(admin::list::<S>))
        .route("/v1/channels/{id}", axum::routing::delete(admin::revoke::<S>))
        .route("/v1/channels/{id}/client-key", post(admin::rotate_client_key::<S>))
        .route("/v1/channel", get(channels::stats::<S>))
        .route(STREAM_PATH, get(stream::handler::<S>))
        // One catch-all for the whole hook namespace: the handler splits the token from the rest
        // of the raw target itself, since the router's decoded parameters are not what was sent.
        .route("/h/{*target}", post(ingest::hook::<S>))
        // Bodies reach handlers already buffered within the limit and the deadline; axum's own
        // extractor limit (2 MB by default) must not cut in below ours.
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(body_bounds, body::buffer))
        .fallback(error::fallback)
        // Outermost, so they see every answer: rejections, 405s and the fallback included.
        .layer(axum::middleware::map_response(error::shape_rejections))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::count_webhooks::<S>))
        .with_state(state)
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
            Ok(0) => state.metrics.swept(0),
            Ok(n) => {
                state.metrics.swept(n);
                tracing::info!(events = n, "purged acked events past retention");
            }
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
