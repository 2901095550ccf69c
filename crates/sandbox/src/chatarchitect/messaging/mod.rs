//! ChatArchitect's messaging API, simulated from seed 000's "WhatsApp API Quick Start for
//! Developers": `POST /webhook`, `POST /getHSM`, `POST /whatsappmessage`, the asynchronous
//! `message-event` webhooks that follow a send, and inbound `message` webhooks from simulated
//! customers.
//!
//! It sits on the registration domain's origin and answers errors in the same seed shape
//! (`{"status":"error","message":...}`); the seed documents no messaging errors, so every status
//! and message is an assumption listed in the README. Apps authenticate with the pair the
//! registration issued, or the built-in demo pair ([`auth`]).
//!
//! The modules follow the life of a message: [`auth`] (who sends), [`account`] (`/webhook` and
//! `/getHSM`), [`catalogue`] (templates and template matching), [`send`] (`/whatsappmessage` and
//! its validation), [`destinations`] (how recipients behave), [`events`] (status progression and
//! webhook delivery), [`inbound`] (customers writing in, personas, sample media), [`window`] (the
//! 24-hour customer service window those messages open) and [`control`] (the
//! `/_sandbox/messaging/` surface for tests and demos).
//!
//! State lives in memory per app id and is created on an app's first authenticated call; a restart
//! forgets it (webhook URL, sent log, settings, service windows) but not the credentials, which
//! are derived. The lock is held for one synchronous closure at a time ([`Messaging::with_app`]),
//! never across an `.await`. Logs are capped at [`LOG_LIMIT`] entries per app, oldest dropped first.

mod account;
pub(crate) mod auth;
pub(crate) mod catalogue;
mod control;
pub(crate) mod destinations;
pub(crate) mod events;
mod inbound;
mod send;
pub(crate) mod settings;
mod validate;
pub(crate) mod window;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use serde::Serialize;
use serde_json::Value;

use self::catalogue::Template;
use self::destinations::Destination;
use self::events::DeliveryRecord;
use self::settings::{MessagingConfig, TokenBucket};
use self::window::LastInbound;
use crate::{lock, Sandbox};

/// Most entries each app's sent log and delivery log keep.
pub(crate) const LOG_LIMIT: usize = 10_000;

/// The messaging API's routes.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().merge(account::routes()).merge(send::routes()).merge(control::routes()).merge(inbound::routes())
}

/// What `/webhook` stored for an app.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WebhookRegistration {
    pub(crate) destination: String,
    pub(crate) webhook_separate: bool,
    pub(crate) webhook: String,
    pub(crate) webhook_message_event: Option<String>,
    pub(crate) webhook_user_event: Option<String>,
    pub(crate) registered_at: String,
}

/// Which kind of webhook an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hook {
    /// `message-event`: a status.
    MessageEvent,
    /// `message`: a customer wrote in.
    Message,
}

impl WebhookRegistration {
    /// Where an event goes. With `webhook_separate`, status events go to `webhook_message_event`
    /// when one was given (assumption, PROVIDERS.md §1); everything else goes to `webhook`.
    pub(crate) fn url_for(&self, hook: Hook) -> &str {
        match (hook, self.webhook_separate, &self.webhook_message_event) {
            (Hook::MessageEvent, true, Some(url)) => url,
            _ => &self.webhook,
        }
    }
}

/// One message the API accepted, as the sent log lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SentMessage {
    #[serde(rename = "messageId")]
    pub(crate) message_id: String,
    pub(crate) destination: String,
    /// `payload.type`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The exact `payload.message` of a text (the caption of media, when given).
    pub(crate) message: Option<String>,
    /// The `payload` as sent.
    pub(crate) payload: Value,
    /// The template a template send named, if any.
    pub(crate) template_id: Option<String>,
    /// RFC 3339 with milliseconds.
    pub(crate) accepted_at: String,
}

/// One app's messaging state.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) settings: MessagingConfig,
    pub(crate) webhook: Option<WebhookRegistration>,
    pub(crate) templates: Arc<Vec<Template>>,
    pub(crate) destinations: HashMap<String, Destination>,
    pub(crate) sent: Vec<SentMessage>,
    pub(crate) deliveries: Vec<DeliveryRecord>,
    pub(crate) bucket: TokenBucket,
    /// When each customer last wrote (the service window).
    pub(crate) last_inbound: LastInbound,
}

impl App {
    /// How `number` behaves for this app: its override, else the demo table.
    pub(crate) fn destination(&self, number: &str) -> Destination {
        self.destinations.get(number).copied().unwrap_or_else(|| Destination::demo(number))
    }

    pub(crate) fn record_sent(&mut self, message: SentMessage) {
        push_capped(&mut self.sent, message);
    }

    pub(crate) fn record_delivery(&mut self, record: DeliveryRecord) {
        push_capped(&mut self.deliveries, record);
    }
}

/// Appends `item`, dropping the oldest entries beyond [`LOG_LIMIT`] (the SendZen logs too).
pub(crate) fn push_capped<T>(log: &mut Vec<T>, item: T) {
    if log.len() >= LOG_LIMIT {
        log.drain(..=log.len() - LOG_LIMIT);
    }
    log.push(item);
}

/// Every app's messaging state.
pub(crate) struct Messaging {
    apps: Mutex<HashMap<String, App>>,
    defaults: MessagingConfig,
    templates: Arc<Vec<Template>>,
    next_delivery: AtomicU64,
}

impl Messaging {
    pub(crate) fn new(config: &MessagingConfig) -> Messaging {
        Messaging {
            apps: Mutex::new(HashMap::new()),
            defaults: config.clone(),
            templates: Arc::new(catalogue::defaults()),
            next_delivery: AtomicU64::new(1),
        }
    }

    /// Runs `f` on `app_id`'s state under the lock, creating it from the defaults if new.
    pub(crate) fn with_app<R>(&self, app_id: &str, f: impl FnOnce(&mut App) -> R) -> R {
        let mut apps = lock(&self.apps);
        let app = apps.entry(app_id.to_owned()).or_insert_with(|| App {
            settings: self.defaults.clone(),
            webhook: None,
            templates: Arc::clone(&self.templates),
            destinations: HashMap::new(),
            sent: Vec::new(),
            deliveries: Vec::new(),
            bucket: TokenBucket::new(self.defaults.rate_per_second),
            last_inbound: LastInbound::default(),
        });
        f(app)
    }

    /// A fresh delivery record id (unique across apps).
    pub(crate) fn next_delivery_id(&self) -> u64 {
        self.next_delivery.fetch_add(1, Ordering::Relaxed)
    }
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-07-05T10:00:00.123Z`.
pub(crate) fn rfc3339_ms(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
