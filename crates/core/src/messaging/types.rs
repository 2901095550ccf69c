//! What the hosts see of messaging: sends, their statuses and the event timeline.
//!
//! These are the IPC and `--json` contract (generated into `ui/src/bindings/`); the domain logic
//! lives in the sibling modules. Nothing here holds a secret.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where one outbound message stands. The order of the delivery steps is the order of
/// [`MessageStatus::rank`]; the stored status only ever moves up that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Written to the store; the provider call has not answered yet.
    Pending,
    /// The provider did not accept it (an HTTP error or a refused request): nothing was sent.
    NotSubmitted,
    /// The provider call did not answer in time: it may or may not have been accepted. Never
    /// resent on its own; the admin decides.
    Uncertain,
    /// Accepted into the provider's queue (`status: submitted` + `messageId`).
    Submitted,
    /// The provider handed it to WhatsApp.
    Sent,
    /// Reached the customer's phone.
    Delivered,
    /// The customer opened it.
    Read,
    /// The provider reported a failure before it was delivered.
    Failed,
}

impl MessageStatus {
    /// Every status, in the order the filters list them.
    pub const ALL: [MessageStatus; 8] = [
        MessageStatus::Pending,
        MessageStatus::Uncertain,
        MessageStatus::NotSubmitted,
        MessageStatus::Submitted,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
        MessageStatus::Failed,
    ];

    /// The stable spelling (store, CLI, CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::NotSubmitted => "not_submitted",
            MessageStatus::Uncertain => "uncertain",
            MessageStatus::Submitted => "submitted",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
        }
    }

    /// Parses [`MessageStatus::as_str`].
    pub fn parse(s: &str) -> Option<MessageStatus> {
        MessageStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A failure as the provider reported it, and what it means for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Failure {
    /// The provider's numeric code, when it gave one (e.g. 1008).
    #[ts(type = "number | null")]
    pub code: Option<i64>,
    /// The provider's own words, as received (trimmed to one line).
    pub reason: String,
    /// Plain language: what happened and what to do.
    pub explanation: String,
}

/// Text or template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Free text (only inside the customer service window).
    Text,
    /// An approved template with its variables filled.
    Template,
}

/// One outbound message (one send attempt) as the history lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageView {
    /// Local id (UUID), stable for the message's life.
    pub id: String,
    /// The account it was sent from.
    pub account_id: String,
    /// Destination: international digits, no `+`.
    pub to: String,
    /// Text or template.
    pub kind: MessageKind,
    /// The template's id, for template sends.
    pub template_id: Option<String>,
    /// What the customer reads (a template's body with its values; no template-id line).
    pub text: String,
    /// Current status (furthest reached).
    pub status: MessageStatus,
    /// The provider's id from the synchronous answer (`messageId`).
    pub provider_message_id: Option<String>,
    /// WhatsApp's own message id, once an event carried it.
    pub wamid: Option<String>,
    /// Why it failed or was not submitted.
    pub failure: Option<Failure>,
    /// The message this one retries, if any.
    pub retry_of: Option<String>,
    /// When it was written to the store (ms since the epoch).
    #[ts(type = "number")]
    pub created_at: i64,
    /// When its status last changed (ms since the epoch).
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// One status event as received, kept whether or not it changed the status.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StatusEventView {
    /// `submitted`, `not_submitted`, `uncertain` (from this install) or the provider's event
    /// type (`sent`, `delivered`, `read`, `failed`, `enqueued`, …).
    pub status: String,
    /// Provider's timestamp of the event (ms), or this install's clock for local events.
    #[ts(type = "number")]
    pub at: i64,
    /// When this install stored it (ms).
    #[ts(type = "number")]
    pub received_at: i64,
    /// The provider's code, for failures.
    #[ts(type = "number | null")]
    pub code: Option<i64>,
    /// The provider's reason, for failures.
    pub reason: Option<String>,
    /// Whether it moved the status forward (false: a duplicate, or late and out of order).
    pub advanced: bool,
}

/// A message with its whole timeline.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageDetail {
    /// The message.
    pub message: MessageView,
    /// Every event, oldest first.
    pub events: Vec<StatusEventView>,
    /// The provider reports only whether it sent the message (Crisp's plugin), so `sent` is as
    /// far as the status goes: delivered and read are not known, not missing.
    pub reports_only_sent: bool,
}

/// A free-text send.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SendText {
    /// The account to send from.
    pub account_id: String,
    /// Destination (digits; `+`, spaces, dashes and brackets are removed).
    pub to: String,
    /// The message text.
    pub text: String,
}

/// One template variable's value.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct VariableValue {
    /// The placeholder number (`{{1}}` → 1).
    pub number: u32,
    /// The value: one line.
    pub value: String,
}

/// A template send.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SendTemplate {
    /// The account to send from.
    pub account_id: String,
    /// Destination (digits; `+`, spaces, dashes and brackets are removed).
    pub to: String,
    /// The template id (the UUID in its first `{{…}}`).
    pub template_id: String,
    /// A value for every placeholder.
    pub values: Vec<VariableValue>,
}

/// Which messages the history shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct HistoryFilter {
    /// Only this account's messages.
    #[ts(optional)]
    pub account_id: Option<String>,
    /// Only these statuses.
    #[ts(optional)]
    pub statuses: Option<Vec<MessageStatus>>,
    /// Created at or after (ms).
    #[ts(optional, type = "number")]
    pub from_ms: Option<i64>,
    /// Created before (ms).
    #[ts(optional, type = "number")]
    pub to_ms: Option<i64>,
    /// Only sends of this template.
    #[ts(optional)]
    pub template_id: Option<String>,
    /// Destinations containing these digits.
    #[ts(optional)]
    pub number: Option<String>,
}

/// One window of the history, newest first, and how many rows the filter matches in all.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryPage {
    /// Rows matching the filter.
    pub total: u32,
    /// Offset of `rows[0]`.
    pub offset: u32,
    /// The rows.
    pub rows: Vec<MessageView>,
}

/// An account's messaging health: whether webhooks can reach it and when they last did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessagingHealth {
    /// The account.
    pub account_id: String,
    /// The provider's messaging API this account calls.
    pub api_base_url: String,
    /// The WhatsApp number connected to the account (ChatArchitect's `destination` for
    /// `/webhook` and `/getHSM`): set by the admin, or known from the registration.
    pub business_number: Option<String>,
    /// When this install's hook was last registered with the provider (ms), if ever.
    #[ts(type = "number | null")]
    pub webhook_registered_at: Option<i64>,
    /// Whether the registered hook is this install's current one (false after a relay switch
    /// until it is registered again).
    pub webhook_current: bool,
    /// Why the last registration failed, if it did.
    pub webhook_error: Option<String>,
    /// When the last status or inbound event for this account arrived (ms).
    #[ts(type = "number | null")]
    pub last_event_at: Option<i64>,
    /// When templates were last synced (ms).
    #[ts(type = "number | null")]
    pub templates_synced_at: Option<i64>,
    /// Why the last template sync failed, if it did.
    pub templates_error: Option<String>,
}

/// A write a window should see. The shell forwards each as one `store-changed` event; screens
/// reload what the change names instead of polling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A message was written or its status changed.
    Message {
        /// The account.
        account_id: String,
        /// The message.
        message_id: String,
    },
    /// An account's template cache was replaced (or its sync failed).
    Templates {
        /// The account.
        account_id: String,
    },
    /// An account's messaging health changed (webhook registered, event arrived).
    Health {
        /// The account.
        account_id: String,
    },
    /// An inbound message was stored.
    Inbound {
        /// The account.
        account_id: String,
        /// The customer's number.
        from: String,
        /// The conversation it joined.
        #[ts(type = "number")]
        conversation_id: i64,
    },
    /// A conversation was started or marked read (its messages change through `Inbound` and
    /// `Message`).
    Conversation {
        /// The conversation.
        #[ts(type = "number")]
        conversation_id: i64,
    },
    /// Contacts were imported, edited, tagged, opted out or deleted.
    Contacts,
    /// A campaign was created, changed, or its sending moved on (recipients' statuses change
    /// through `Message` as well; this one is rate-limited by the sender to a few per second).
    Campaign {
        /// The campaign.
        campaign_id: String,
    },
    /// The window fell behind and missed changes: reload everything shown.
    Resync,
}
