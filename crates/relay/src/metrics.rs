//! `GET /metrics` (admin token): the relay's counters in the OpenMetrics text format, which
//! Prometheus scrapes natively (`prometheus-client`, the Prometheus project's Rust client).
//!
//! - `wadesk_relay_webhooks_total{outcome="accepted"|"unknown_hook"|"rate_limited"|"too_large"|
//!   "body_timeout"|"bad_request"|"method_not_allowed"|"unavailable"|"other"}`: every answer
//!   under `/h/`, counted by what it was;
//! - `wadesk_relay_webhook_bytes_total`: body bytes of accepted webhooks;
//! - `wadesk_relay_commit_seconds`: from handing a sealed event to the store until it was durable;
//! - `wadesk_relay_stream_clients`: open desktop streams;
//! - `wadesk_relay_backlog_events{channel}` and `wadesk_relay_stored_events{channel}`: read from
//!   the store at scrape time (channel ids are not secret);
//! - `wadesk_relay_retention_sweeps_total`, `wadesk_relay_purged_events_total`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use wadesk_relay_protocol::HOOK_PREFIX;

use crate::error::RelayError;
use crate::store::EventStore;
use crate::RelayState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabel {
    channel: String,
}

/// The relay's metrics. Cheap to update from any handler.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    webhooks: Family<Outcome, Counter>,
    webhook_bytes: Counter,
    commit_seconds: Histogram,
    stream_clients: Gauge,
    backlog: Family<ChannelLabel, Gauge>,
    stored: Family<ChannelLabel, Gauge>,
    sweeps: Counter,
    purged: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("wadesk_relay");
        let webhooks = Family::<Outcome, Counter>::default();
        registry.register("webhooks", "Answers to webhook posts, by outcome", webhooks.clone());
        let webhook_bytes = Counter::default();
        registry.register("webhook_bytes", "Body bytes of accepted webhooks", webhook_bytes.clone());
        // 50 µs to ~3 s.
        let commit_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        registry.register("commit_seconds", "From a sealed event to its durable commit", commit_seconds.clone());
        let stream_clients = Gauge::default();
        registry.register("stream_clients", "Open desktop streams", stream_clients.clone());
        let backlog = Family::<ChannelLabel, Gauge>::default();
        registry.register("backlog_events", "Stored events above the channel's acked seq", backlog.clone());
        let stored = Family::<ChannelLabel, Gauge>::default();
        registry.register("stored_events", "Events stored for the channel", stored.clone());
        let sweeps = Counter::default();
        registry.register("retention_sweeps", "Retention sweeps run", sweeps.clone());
        let purged = Counter::default();
        registry.register("purged_events", "Acked events deleted by retention", purged.clone());
        Metrics { registry, webhooks, webhook_bytes, commit_seconds, stream_clients, backlog, stored, sweeps, purged }
    }
}

impl Metrics {
    /// An accepted webhook's body size and commit time.
    pub(crate) fn committed(&self, body_bytes: usize, took: Duration) {
        self.webhook_bytes.inc_by(body_bytes as u64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// A retention sweep that deleted `purged` events.
    pub(crate) fn swept(&self, purged: u64) {
        self.sweeps.inc();
        self.purged.inc_by(purged);
    }

    /// Counts an open stream until the guard drops.
    pub(crate) fn stream_opened(self: &Arc<Self>) -> StreamGuard {
        self.stream_clients.inc();
        StreamGuard(self.clone())
    }

    fn outcome(&self, status: StatusCode) {
        let outcome = match status.as_u16() {
            200..=299 => "accepted",
            404 => "unknown_hook",
            429 => "rate_limited",
            413 => "too_large",
            408 => "body_timeout",
            400 => "bad_request",
            405 => "method_not_allowed",
            503 => "unavailable",
            _ => "other",
        };
        self.webhooks.get_or_create(&Outcome { outcome }).inc();
    }
}

/// Holds one count of `wadesk_relay_stream_clients`.
pub(crate) struct StreamGuard(Arc<Metrics>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.stream_clients.dec();
    }
}

/// Middleware over the whole router: counts every answer under `/h/`, whichever layer gave it
/// (the body limits answer before the hook handler runs).
pub(crate) async fn count_webhooks<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    req: Request,
    next: Next,
) -> Response {
    let hook = req.uri().path().starts_with(HOOK_PREFIX);
    let res = next.run(req).await;
    if hook {
        state.metrics.outcome(res.status());
    }
    res
}

/// `GET /metrics`.
pub(crate) async fn scrape<S: EventStore>(State(state): State<Arc<RelayState<S>>>, headers: HeaderMap) -> Response {
    if let Err(e) = crate::admin::require_admin(&state, &headers) {
        return e.into_response();
    }
    let channels = match state.store.channels().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("metrics: could not read the channels: {e}");
            return RelayError::Unavailable.into_response();
        }
    };
    let m = &state.metrics;
    // Revoked channels drop out of the gauges.
    m.backlog.clear();
    m.stored.clear();
    for c in channels {
        let label = ChannelLabel { channel: c.id };
        m.backlog.get_or_create(&label).set(i64::try_from(c.backlog).unwrap_or(i64::MAX));
        m.stored.get_or_create(&label).set(i64::try_from(c.stored).unwrap_or(i64::MAX));
    }
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &m.registry).is_err() {
        return RelayError::Unavailable.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}
