//! What the simulated plugin remembers, per website (one per partner token), in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use crate::chatarchitect::partners::PartnerId;

/// One callback attempt.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Attempt {
    pub(crate) status: Option<u16>,
    pub(crate) error: String,
}

/// An accepted send and its callback.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Request {
    pub(crate) request_id: String,
    /// The body as received.
    pub(crate) body: Value,
    /// The callback sent (or to be sent).
    pub(crate) callback: Option<Value>,
    /// `null` when no callback URL was set.
    pub(crate) callback_url: Option<String>,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) delivered: bool,
}

/// One website.
#[derive(Debug, Default)]
pub(crate) struct WebsiteState {
    pub(crate) callback_url: Option<String>,
    pub(crate) requests: Vec<Request>,
    /// The next accepted request's outcome, when forced: `(success, message)`.
    pub(crate) next_outcome: Option<(bool, String)>,
    pub(crate) fail_templates: u32,
    pub(crate) fail_send: u32,
    /// Calls in the current minute.
    window: Option<(Instant, u32)>,
}

impl WebsiteState {
    /// Counts a call; false when above `per_minute`.
    pub(crate) fn admit(&mut self, per_minute: u32) -> bool {
        let now = Instant::now();
        let (start, n) = match self.window {
            Some((start, n)) if now.duration_since(start).as_secs() < 60 => (start, n),
            _ => (now, 0),
        };
        self.window = Some((start, n + 1));
        n < per_minute
    }
}

/// Every website's state.
#[derive(Debug, Default)]
pub(crate) struct Store {
    sites: Mutex<HashMap<PartnerId, WebsiteState>>,
}

impl Store {
    pub(crate) fn with<T>(&self, p: PartnerId, f: impl FnOnce(&mut WebsiteState) -> T) -> T {
        let mut sites = crate::lock(&self.sites);
        f(sites.entry(p).or_default())
    }
}
