//! One SendZen project: what `POST /v1/partner/onboard` creates for a partner's customer (its
//! `client_identifier` and derived [`Identity`]: `project_id`, `api_key`, WABA ids), the WhatsApp Business Account the onboarding
//! iframe connects to it, and everything its messaging API does afterwards (the logs the control
//! surface shows, the rate bucket, the 24-hour windows).
//!
//! Plain state: no I/O, no locking. [`super::store::Store`] holds every project behind one mutex.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::identity::Identity;
use super::onboard::WebhookStatus;
use crate::chatarchitect::messaging::push_capped;
use crate::chatarchitect::messaging::settings::TokenBucket;
use crate::chatarchitect::messaging::window::LastInbound;
use crate::chatarchitect::partners::PartnerId;
use crate::chatarchitect::random_string;
use crate::MessagingConfig;

/// A key or secret: shown by `Debug` only as `[redacted]`, so no log line can carry it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one answer that hands it out or the one HMAC it keys.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The WhatsApp Business Account a completed onboarding connected.
#[derive(Debug, Clone)]
pub(crate) struct Waba {
    /// `wabas[].id` of `GET /v1/waba`: a number, as in SendZen's n8n types.
    pub(crate) number: u64,
    /// 15 digits.
    pub(crate) waba_id: String,
    /// 15 digits.
    pub(crate) phone_number_id: String,
    /// The business number, international digits without `+` (what `from` must name).
    pub(crate) phone_number: String,
    pub(crate) business_name: String,
    pub(crate) connected_at: DateTime<Utc>,
}

/// Where a project's onboarding stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Onboarding {
    /// No outcome yet.
    Pending,
    /// A WABA is connected; final.
    Completed,
    /// The last attempt failed with this message; a new attempt may still complete it.
    Failed(String),
}

impl Onboarding {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Onboarding::Pending => "pending",
            Onboarding::Completed => "completed",
            Onboarding::Failed(_) => "failed",
        }
    }
}

/// Failures the control surface armed for the next calls: `status` (500 or 429) `count` times.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Forced {
    status: u16,
    count: u32,
}

impl Forced {
    pub(crate) fn arm(status: u16, count: u32) -> Forced {
        Forced { status, count }
    }

    /// The status this call must answer, if one is armed (consumes it).
    pub(crate) fn take(&mut self) -> Option<u16> {
        if self.count == 0 {
            return None;
        }
        self.count -= 1;
        Some(self.status)
    }
}

/// One message `POST /v1/messages` accepted, as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SentMessage {
    pub(crate) message_id: String,
    pub(crate) from: String,
    /// `to` exactly as sent (with or without `+`).
    pub(crate) to: String,
    /// `to` as digits: the `recipient_id` of its statuses.
    pub(crate) recipient_id: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The text of a text message, or the template body with its parameters filled in.
    pub(crate) text: String,
    /// `{name, lang_code}` of a template message.
    pub(crate) template: Option<Value>,
    /// The request body as received.
    pub(crate) request: Value,
    /// The statuses planned for it, in order.
    pub(crate) statuses: Vec<&'static str>,
    /// The Meta error code of its `failed` status, if it fails.
    pub(crate) failure_code: Option<u32>,
    pub(crate) accepted_at: String,
}

/// One message a simulated customer wrote.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InboundMessage {
    pub(crate) message_id: String,
    pub(crate) from: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) timestamp: String,
}

/// One `status: "read"` call.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReadMark {
    pub(crate) message_id: String,
    pub(crate) typing_indicator: bool,
    pub(crate) at: String,
}

/// One webhook delivery (or validation request), as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryRecord {
    #[serde(skip)]
    pub(crate) id: u64,
    /// `validation`, `onboarding`, `status` or `message`.
    pub(crate) kind: &'static str,
    /// `completed`/`failed` (onboarding), `sent`/`delivered`/`read`/`failed` (status), `message`.
    pub(crate) event: String,
    /// The message a status is about, the inbound message's id, or the project id.
    pub(crate) reference: String,
    /// `null` when the project had no webhook configured.
    pub(crate) url: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) last_status: Option<u16>,
    pub(crate) last_error: String,
    pub(crate) delivered: bool,
    /// Whether the attempts carried `X-Hub-Signature-256`.
    pub(crate) signed: bool,
    pub(crate) body: Value,
}

/// One project.
#[derive(Debug)]
pub(crate) struct Project {
    /// `proj_` + 12 lowercase hex digits.
    pub(crate) id: String,
    /// `projects[].id` of `GET /v1/waba`.
    pub(crate) number: u64,
    pub(crate) partner: PartnerId,
    pub(crate) client_identifier: String,
    pub(crate) name: String,
    /// Derived from the partner token and `client_identifier`: what survives a restart.
    pub(crate) identity: Identity,
    pub(crate) created_at: DateTime<Utc>,
    /// Where activity goes: set by each onboarding call whose URL validated, cleared otherwise.
    pub(crate) webhook_url: Option<String>,
    /// What the last onboarding call answered about the webhook.
    pub(crate) webhook_status: Option<WebhookStatus>,
    /// Signs every webhook when set (the "secret key" of SendZen's dashboard).
    pub(crate) webhook_secret: Option<Secret>,
    pub(crate) waba: Option<Waba>,
    pub(crate) onboarding: Onboarding,
    /// Bumped by every onboarding change; the iframe page polls it.
    pub(crate) version: u64,
    pub(crate) settings: MessagingConfig,
    pub(crate) bucket: TokenBucket,
    pub(crate) forced: Forced,
    pub(crate) last_inbound: LastInbound,
    pub(crate) sent: Vec<SentMessage>,
    pub(crate) inbound: Vec<InboundMessage>,
    pub(crate) reads: Vec<ReadMark>,
    pub(crate) deliveries: Vec<DeliveryRecord>,
}

impl Project {
    /// A new project for `client_identifier`, named after it (the seed's `project_name` comes
    /// from nowhere the request shows).
    pub(crate) fn new(
        partner: PartnerId,
        number: u64,
        client_identifier: &str,
        identity: Identity,
        settings: &MessagingConfig,
        now: DateTime<Utc>,
    ) -> Project {
        Project {
            id: identity.project_id.clone(),
            number,
            partner,
            client_identifier: client_identifier.to_owned(),
            name: client_identifier.to_owned(),
            identity,
            created_at: now,
            webhook_url: None,
            webhook_status: None,
            webhook_secret: None,
            waba: None,
            onboarding: Onboarding::Pending,
            version: 0,
            settings: settings.clone(),
            bucket: TokenBucket::new(settings.rate_per_second),
            forced: Forced::default(),
            last_inbound: LastInbound::default(),
            sent: Vec::new(),
            inbound: Vec::new(),
            reads: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    pub(crate) fn record_sent(&mut self, m: SentMessage) {
        push_capped(&mut self.sent, m);
    }

    pub(crate) fn record_inbound(&mut self, m: InboundMessage) {
        push_capped(&mut self.inbound, m);
    }

    pub(crate) fn record_read(&mut self, m: ReadMark) {
        push_capped(&mut self.reads, m);
    }

    pub(crate) fn record_delivery(&mut self, d: DeliveryRecord) {
        push_capped(&mut self.deliveries, d);
    }

    /// Whether a simulated customer sent this project message `id` (what mark-read accepts).
    pub(crate) fn received(&self, id: &str) -> bool {
        self.inbound.iter().any(|m| m.message_id == id)
    }
}

/// The characters of standard base64.
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A WhatsApp message id: `wamid.` and 40 base64 characters (as many as 30 random bytes give).
/// Real wamids are base64 too, `+` and `/` included, so clients meet both here.
pub(crate) fn wamid() -> String {
    format!("wamid.{}", random_string(40, BASE64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(client_identifier: &str) -> Project {
        let identity = Identity::derive(b"token", client_identifier);
        Project::new(PartnerId::for_tests(0), 1, client_identifier, identity, &MessagingConfig::default(), Utc::now())
    }

    #[test]
    fn ids_have_their_documented_shapes() {
        let p = project("customer-12345");
        assert_eq!(p.id, Identity::derive(b"token", "customer-12345").project_id);
        assert_eq!(p.name, "customer-12345");
        let w = wamid();
        assert!(w.starts_with("wamid.") && w.len() == 46, "{w}");
        assert_ne!(wamid(), w);
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let p = project("c");
        let shown = format!("{p:?}");
        assert!(!shown.contains(p.identity.api_key.expose()), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn forced_failures_are_consumed_one_per_call() {
        let mut f = Forced::arm(429, 2);
        assert_eq!((f.take(), f.take(), f.take()), (Some(429), Some(429), None));
        assert_eq!(Forced::default().take(), None);
    }
}
