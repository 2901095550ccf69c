//! Linked apps, in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::chatarchitect::partners::PartnerId;

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A subscription (seed 002 step 4).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) tag: String,
    pub(crate) url: String,
    pub(crate) version: u8,
    pub(crate) modes: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) created_on: u64,
}

/// One callback attempt, for the control view.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) kind: String,
    pub(crate) url: String,
    pub(crate) status: Option<u16>,
    pub(crate) error: String,
}

/// A linked app.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) id: String,
    pub(crate) partner: PartnerId,
    pub(crate) name: String,
    pub(crate) waba_id: String,
    pub(crate) phone: String,
    pub(crate) callback_url: Option<String>,
    pub(crate) created: Instant,
    pub(crate) created_ms: u64,
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) deliveries: Vec<Delivery>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) apps: HashMap<String, App>,
    /// Link calls per partner in the current minute: `(start, count)`.
    pub(crate) link_window: HashMap<PartnerId, (Instant, u32)>,
    pub(crate) next_subscription: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    state: Mutex<State>,
}

impl Store {
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut crate::lock(&self.state))
    }
}
