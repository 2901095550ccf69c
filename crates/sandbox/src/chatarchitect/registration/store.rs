//! Where sessions live: one in-memory map behind a mutex, plus each partner's forced failures.
//!
//! The lock is held for one synchronous closure at a time ([`Registrations::with`]) and never
//! across an `.await`, so handlers and webhook tasks cannot deadlock on it. Sessions are never
//! evicted: a sandbox process is short-lived, and completed results must stay readable.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Session;
use crate::chatarchitect::error::ApiError;
use crate::chatarchitect::partners::PartnerId;
use crate::{lock, SandboxConfig};

/// Failures a partner asked the control surface to inject.
#[derive(Debug, Default, Clone, Copy)]
struct Forced {
    partner_errors: u32,
    webhook_failures: u32,
}

/// The registration domain's state.
pub(crate) struct Registrations {
    sessions: Mutex<HashMap<String, Session>>,
    forced: Mutex<HashMap<PartnerId, Forced>>,
    pub(crate) ttl: chrono::Duration,
    pub(crate) backoff: Vec<Duration>,
    /// `Err` if the TLS stack could not start; deliveries then fail with the reason.
    pub(crate) http: Result<reqwest::Client, String>,
}

impl Registrations {
    pub(crate) fn new(config: &SandboxConfig) -> Registrations {
        let http = reqwest::Client::builder()
            .timeout(super::webhook::TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wadesk-sandbox/", env!("CARGO_PKG_VERSION"), " (ChatArchitect simulator)"))
            .build()
            .map_err(|e| format!("sandbox: HTTP client unavailable: {e}"));
        Registrations {
            sessions: Mutex::new(HashMap::new()),
            forced: Mutex::new(HashMap::new()),
            ttl: chrono::Duration::from_std(config.session_ttl).unwrap_or(chrono::Duration::MAX),
            backoff: config.webhook_backoff.clone(),
            http,
        }
    }

    /// Stores a new session; returns its id.
    pub(crate) fn insert(&self, session: Session) -> String {
        let id = session.id.clone();
        lock(&self.sessions).insert(id.clone(), session);
        id
    }

    /// Runs `f` on session `id` under the lock; `None` if there is no such session.
    pub(crate) fn with<R>(&self, id: &str, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        lock(&self.sessions).get_mut(id).map(f)
    }

    /// Like [`Registrations::with`] for a partner: another partner's session is "not found" too.
    pub(crate) fn with_owned<R>(
        &self,
        partner: PartnerId,
        id: &str,
        f: impl FnOnce(&mut Session) -> R,
    ) -> Result<R, ApiError> {
        let mut sessions = lock(&self.sessions);
        match sessions.get_mut(id) {
            Some(s) if s.partner == partner => Ok(f(s)),
            _ => Err(ApiError::registration_not_found()),
        }
    }

    /// Sets how many of `partner`'s next Partner API calls answer 500.
    pub(crate) fn force_partner_errors(&self, partner: PartnerId, count: u32) {
        lock(&self.forced).entry(partner).or_default().partner_errors = count;
    }

    /// Sets how many of `partner`'s next webhook deliveries fail without being sent.
    pub(crate) fn force_webhook_failures(&self, partner: PartnerId, count: u32) {
        lock(&self.forced).entry(partner).or_default().webhook_failures = count;
    }

    /// Whether this Partner API call must fail (consumes one forced error).
    pub(crate) fn take_partner_error(&self, partner: PartnerId) -> bool {
        take(&mut lock(&self.forced).entry(partner).or_default().partner_errors)
    }

    /// Whether this delivery must fail (consumes one forced failure).
    pub(crate) fn take_webhook_failure(&self, partner: PartnerId) -> bool {
        take(&mut lock(&self.forced).entry(partner).or_default().webhook_failures)
    }
}

fn take(counter: &mut u32) -> bool {
    let hit = *counter > 0;
    *counter = counter.saturating_sub(1);
    hit
}

/// The current time; one place so every module reads the same clock.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}
