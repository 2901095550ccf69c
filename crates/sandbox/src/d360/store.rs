//! Where 360dialog's state lives: each partner's clients, shared WABAs, webhook, signing secret,
//! rate bucket, armed failures, delivery log and signup outcomes, and every channel, in one map
//! behind one mutex.
//!
//! The lock is held for one synchronous closure at a time ([`Store::with`]) and never across an
//! `.await`. Nothing is persisted; what must survive a restart is derived ([`super::identity`]).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::channel::{hub_time, Channel};
use super::error::HubError;
use crate::chatarchitect::messaging::push_capped;
use crate::chatarchitect::messaging::settings::TokenBucket;
use crate::chatarchitect::partners::PartnerId;
use crate::lock;
use crate::sendzen::project::Secret;

/// The calls `fail_next` can arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    Clients,
    Numbers,
    ApiKeys,
    Messages,
}

impl Endpoint {
    pub(crate) fn parse(s: &str) -> Option<Endpoint> {
        match s {
            "clients" => Some(Endpoint::Clients),
            "numbers" => Some(Endpoint::Numbers),
            "api_keys" => Some(Endpoint::ApiKeys),
            "messages" => Some(Endpoint::Messages),
            _ => None,
        }
    }
}

/// One client account.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Empty for a client created with a number (no `client_id` given).
    pub(crate) email: String,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) created_at: DateTime<Utc>,
}

impl Client {
    /// The seed's answer object.
    pub(crate) fn object(&self) -> Value {
        let by = json!({ "user_id": self.user_id, "user_name": self.user_name });
        json!({
            "id": self.id,
            "created_at": hub_time(self.created_at),
            "created_by": by,
            "modified_at": hub_time(self.created_at),
            "modified_by": by,
        })
    }

    /// The `clients[]` item: the seed's object with `name` and `email`.
    pub(crate) fn listed(&self) -> Value {
        let mut v = self.object();
        v["name"] = json!(self.name);
        v["email"] = json!(self.email);
        v
    }
}

/// A WABA the partner's simulated Embedded Signup produced.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SharedWaba {
    pub(crate) waba_id: String,
    pub(crate) phone_number_id: String,
    pub(crate) business_id: String,
    pub(crate) business_name: String,
    /// Digits, no `+`.
    pub(crate) phone_number: String,
}

/// One webhook delivery, as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    #[serde(skip)]
    pub(crate) id: u64,
    /// `partner` (lifecycle, client events) or `messaging` (statuses, inbound messages).
    pub(crate) kind: &'static str,
    /// `channel_live`, `client_created`, `sent`, `message`…
    pub(crate) event: String,
    pub(crate) channel_id: Option<String>,
    /// `null` when no webhook was configured.
    pub(crate) url: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) last_status: Option<u16>,
    pub(crate) last_error: String,
    pub(crate) delivered: bool,
    /// Whether the last attempt carried `x-360dialog-signature`.
    pub(crate) signed: bool,
    pub(crate) body: Value,
}

/// One outcome of the simulated Meta Embedded Signup.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Signup {
    pub(crate) at: String,
    pub(crate) event: String,
    pub(crate) data: Value,
    pub(crate) state: String,
    pub(crate) origin: String,
}

/// Everything one partner owns besides its channels.
#[derive(Debug)]
pub(crate) struct PartnerState {
    pub(crate) webhook_url: Option<String>,
    pub(crate) secret: Option<Secret>,
    bucket: TokenBucket,
    fail: HashMap<Endpoint, u32>,
    pub(crate) clients: Vec<Client>,
    pub(crate) wabas: HashMap<String, SharedWaba>,
    pub(crate) deliveries: Vec<Delivery>,
    /// Newest last.
    pub(crate) signups: Vec<Signup>,
}

impl PartnerState {
    fn new(rate: u32) -> PartnerState {
        PartnerState {
            webhook_url: None,
            secret: None,
            bucket: TokenBucket::new(rate),
            fail: HashMap::new(),
            clients: Vec::new(),
            wabas: HashMap::new(),
            deliveries: Vec::new(),
            signups: Vec::new(),
        }
    }

    pub(crate) fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Arms the next `count` calls of `endpoint` to answer 500.
    pub(crate) fn arm(&mut self, endpoint: Endpoint, count: u32) {
        self.fail.insert(endpoint, count);
    }

    /// Whether this call of `endpoint` must fail (consumes one armed failure).
    pub(crate) fn take_failure(&mut self, endpoint: Endpoint) -> bool {
        match self.fail.get_mut(&endpoint) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// One Partner Hub call against the rate (429 with `Retry-After` above it).
    pub(crate) fn admit(&mut self, rate: u32) -> Result<(), HubError> {
        self.bucket.take(rate).map_err(HubError::rate_limited)
    }

    pub(crate) fn record_delivery(&mut self, d: Delivery) {
        push_capped(&mut self.deliveries, d);
    }

    pub(crate) fn record_signup(&mut self, s: Signup) {
        push_capped(&mut self.signups, s);
    }
}

/// Everything the simulator remembers.
#[derive(Debug, Default)]
pub(crate) struct State {
    partners: HashMap<PartnerId, PartnerState>,
    pub(crate) channels: HashMap<String, Channel>,
    commands: u64,
    deliveries: u64,
}

impl State {
    /// `partner`'s state, created on first use with a full bucket of `rate`.
    pub(crate) fn partner(&mut self, partner: PartnerId, rate: u32) -> &mut PartnerState {
        self.partners.entry(partner).or_insert_with(|| PartnerState::new(rate))
    }

    pub(crate) fn channel(&mut self, id: &str) -> Option<&mut Channel> {
        self.channels.get_mut(id)
    }

    /// `partner`'s channel `id` (another partner's is `None`).
    pub(crate) fn own_channel(&mut self, partner: PartnerId, id: &str) -> Option<&mut Channel> {
        self.channels.get_mut(id).filter(|c| c.partner == partner)
    }

    /// `partner`'s channels, oldest first.
    pub(crate) fn partner_channels(&self, partner: PartnerId) -> Vec<&Channel> {
        let mut mine: Vec<&Channel> = self.channels.values().filter(|c| c.partner == partner).collect();
        mine.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        mine
    }

    /// The next `CMD<n>` number.
    pub(crate) fn next_command(&mut self) -> u64 {
        let n = self.commands;
        self.commands += 1;
        n
    }

    /// A new delivery record id.
    pub(crate) fn next_delivery(&mut self) -> u64 {
        self.deliveries += 1;
        self.deliveries
    }
}

/// The simulator's state behind its lock.
#[derive(Debug, Default)]
pub(crate) struct Store {
    state: Mutex<State>,
}

impl Store {
    /// Runs `f` under the lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armed_failures_are_consumed_one_per_call_and_per_endpoint() {
        let mut st = State::default();
        let p = st.partner(PartnerId::for_tests(0), 2);
        p.arm(Endpoint::Numbers, 2);
        assert!(!p.take_failure(Endpoint::Clients));
        assert!(p.take_failure(Endpoint::Numbers) && p.take_failure(Endpoint::Numbers));
        assert!(!p.take_failure(Endpoint::Numbers));
        assert!(p.admit(2).is_ok() && p.admit(2).is_ok());
        assert_eq!(p.admit(2).unwrap_err().status.as_u16(), 429);
        assert_eq!(Endpoint::parse("api_keys"), Some(Endpoint::ApiKeys));
        assert_eq!(Endpoint::parse("keys"), None);
    }

    #[test]
    fn the_client_object_has_exactly_the_seeds_keys() {
        let c = Client {
            id: "CL1".into(),
            name: "n".into(),
            email: "e@x".into(),
            user_name: "u".into(),
            user_id: "U1".into(),
            created_at: Utc::now(),
        };
        let o = c.object();
        let mut keys: Vec<&String> = o.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["created_at", "created_by", "id", "modified_at", "modified_by"]);
        assert_eq!(c.listed()["email"], "e@x");
    }
}
