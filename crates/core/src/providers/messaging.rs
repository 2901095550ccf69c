//! The provider messaging interface: what every provider's messaging client does, in the shapes
//! all five seed providers share (PROVIDERS.md §0).
//!
//! Outbound, a provider takes a text or a filled template and answers with its own id; the four
//! outbound dialects (ChatArchitect, Meta, SendZen, Crisp) live behind [`MessagingApi`]. Inbound,
//! a webhook body becomes [`WebhookEvent`]s; three parsers (the Gupshup-v2 envelope ChatArchitect
//! uses, the Meta envelope, Crisp's callback) cover the five. Provider id and WhatsApp id (wamid)
//! are kept apart everywhere, because providers correlate on one and report the other.
//!
//! This module holds no state and never logs a credential; clients get their secrets from the
//! caller and keep them in [`crate::Secret`]s.

use futures_util::future::BoxFuture;

use crate::error::Result;

/// A template as the provider lists it, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderTemplate {
    /// The provider's category (`MARKETING`, `UTILITY`, `OTP`, …), as spelled.
    pub category: String,
    /// `TEXT` or a media type.
    pub media: String,
    /// The template as the provider gave it, in `syntax`.
    pub raw: String,
    /// Which template model `raw` is in.
    pub syntax: TemplateSyntax,
}

/// The two template models of the seed providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSyntax {
    /// Seed 000's send text, `{{<id>}}\n<body>` (ChatArchitect).
    ChatArchitect,
    /// A Meta template object as JSON (SendZen, 360dialog; [`crate::providers::meta::templates`]).
    Meta,
}

impl TemplateSyntax {
    /// The name stored with a cached template.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateSyntax::ChatArchitect => "chatarchitect",
            TemplateSyntax::Meta => "meta",
        }
    }

    /// Parses [`TemplateSyntax::as_str`]; anything else is seed 000's (the column's default).
    pub fn parse(s: &str) -> TemplateSyntax {
        if s == "meta" {
            TemplateSyntax::Meta
        } else {
            TemplateSyntax::ChatArchitect
        }
    }
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound<'a> {
    /// Free text.
    Text {
        /// The text.
        text: &'a str,
    },
    /// An approved template with every variable filled.
    Template {
        /// The template id.
        template_id: &'a str,
        /// The provider's syntax with values filled in (ChatArchitect sends this as the text).
        filled_raw: &'a str,
        /// What the customer reads, filled in (Crisp's `text` option shows it in its inbox).
        body: &'a str,
    },
}

/// The provider's synchronous answer to a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The provider's id for the message (ChatArchitect `messageId`, Gupshup id, Crisp request id).
    pub provider_message_id: String,
    /// WhatsApp's id, when the provider answers with it at once (Meta-style providers).
    pub wamid: Option<String>,
}

/// Why a send did not go through, as far as the message's fate is concerned.
#[derive(Debug)]
pub enum SendError {
    /// The provider answered and did not accept it: nothing was sent (HTTP 4xx/5xx, a refusal).
    NotAccepted(crate::Error),
    /// Above the provider's rate: nothing was sent; retry after the given seconds.
    RateLimited {
        /// The provider's `Retry-After`, when it gave one.
        retry_after_s: Option<u64>,
        /// The error to show.
        error: crate::Error,
    },
    /// No answer, or an answer cut off: the provider may or may not have accepted it.
    Uncertain(crate::Error),
}

/// One fact a webhook reports.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// A delivery status of an outbound message.
    Status(StatusReport),
    /// A customer wrote in.
    Inbound(InboundReport),
    /// A valid event of a kind that changes nothing here (user events, billing…); kept in the log.
    Other {
        /// The provider's event type.
        event_type: String,
    },
}

/// A delivery status report.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// The id the event carries (`payload.id`): the provider id or, Gupshup-style, the wamid.
    pub id: String,
    /// The provider id, when the event carries it separately (`gsId`).
    pub gs_id: Option<String>,
    /// The provider's status word (`sent`, `delivered`, `read`, `failed`, `enqueued`, …).
    pub status: String,
    /// The customer's number, digits only.
    pub destination: Option<String>,
    /// Provider timestamp, ms since the epoch.
    pub at_ms: i64,
    /// Failure code.
    pub code: Option<i64>,
    /// Failure reason, one line.
    pub reason: Option<String>,
}

/// An inbound customer message.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundReport {
    /// The provider's id of the message.
    pub id: String,
    /// The customer's number, digits only.
    pub source: String,
    /// The message type (`text`, `image`, `file`, `audio`, `video`, `location`, `contact`,
    /// `button_reply`, …).
    pub message_type: String,
    /// Its text, caption or title, when the type has one.
    pub text: Option<String>,
    /// The type-specific payload as received (JSON).
    pub payload_json: String,
    /// The sender's profile name, when given.
    pub sender_name: Option<String>,
    /// Provider timestamp, ms since the epoch.
    pub at_ms: i64,
}

/// A provider's messaging API for one account.
pub trait MessagingApi: Send + Sync {
    /// Registers `hook_url` as the account's webhook for statuses and inbound messages.
    /// `hook_url` is a capability: implementations never log it or put it in an error.
    fn register_webhook<'a>(&'a self, hook_url: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Lists the account's approved templates.
    fn templates(&self) -> BoxFuture<'_, Result<Vec<ProviderTemplate>>>;
    /// Sends one message to `to` (international digits).
    fn send<'a>(&'a self, to: &'a str, message: Outbound<'a>) -> BoxFuture<'a, Result<SendReceipt, SendError>>;
}
