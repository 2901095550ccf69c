//! What the hosts see of conversations: the list, a timeline, search results, canned replies and
//! the inbox settings. These are the IPC and `--json` contract (generated into `ui/src/bindings/`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::messaging::{MessageStatus, MessageView, VariableValue};

/// Whether free text may be sent: only within 24 hours of the customer's last message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServiceWindow {
    /// Free text is allowed now.
    pub open: bool,
    /// When the customer last wrote (provider time, ms), if ever.
    #[ts(type = "number | null")]
    pub last_inbound_at: Option<i64>,
    /// When the window closes (or closed), if the customer ever wrote (ms).
    #[ts(type = "number | null")]
    pub closes_at: Option<i64>,
}

/// Who wrote a timeline item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The customer.
    Inbound,
    /// This business (a single send, a bulk send or a reply).
    Outbound,
}

/// One conversation as the list shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConversationView {
    /// Local id.
    #[ts(type = "number")]
    pub id: i64,
    /// The account (business number) it is with.
    pub account_id: String,
    /// The customer's number: international digits, no `+`.
    pub customer: String,
    /// What to call the customer: the contact's name, else the WhatsApp profile name, else empty.
    pub name: String,
    /// The linked contact (same number), if there is one.
    #[ts(type = "number | null")]
    pub contact_id: Option<i64>,
    /// The profile name the customer's last message carried.
    pub profile_name: Option<String>,
    /// The linked contact's tags.
    pub tags: Vec<String>,
    /// Inbound messages not yet marked read.
    pub unread: u32,
    /// When the newest message was written or received (ms).
    #[ts(type = "number")]
    pub last_at: i64,
    /// The newest message, one line.
    pub last_preview: String,
    /// Who wrote the newest message.
    pub last_direction: Option<Direction>,
    /// The newest message's status, when it is outbound.
    pub last_status: Option<MessageStatus>,
    /// The customer service window.
    pub window: ServiceWindow,
    /// On a Crisp account: the Crisp conversation the newest sent message went to. Replies live
    /// there (the plugin passes none on), so the inbox points to it.
    pub crisp_session: Option<String>,
}

/// Which conversations the list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ConversationQuery {
    /// Only this account's conversations.
    #[ts(optional)]
    pub account_id: Option<String>,
    /// Only conversations with unread messages.
    #[ts(optional)]
    pub unread: Option<bool>,
    /// Only conversations whose window is open.
    #[ts(optional)]
    pub window_open: Option<bool>,
    /// Only conversations whose contact has this tag.
    #[ts(optional)]
    pub tag: Option<String>,
    /// First row (default 0).
    #[ts(optional)]
    pub offset: Option<u32>,
    /// Rows (default 100, at most 1000).
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// One window of the conversation list, newest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConversationPage {
    /// Conversations matching the query.
    pub total: u32,
    /// Offset of `rows[0]`.
    pub offset: u32,
    /// The rows.
    pub rows: Vec<ConversationView>,
    /// Unread messages over all of the account's conversations (for the navigation badge).
    pub unread_total: u32,
}

/// A media message's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    #[allow(missing_docs)]
    Image,
    #[allow(missing_docs)]
    Video,
    #[allow(missing_docs)]
    Audio,
    /// A document.
    File,
    #[allow(missing_docs)]
    Sticker,
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactCard {
    /// The card's name as written.
    pub name: String,
    /// Its phone numbers as written.
    pub phones: Vec<String>,
}

/// What kind of reply a customer tapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// A quick-reply button.
    Button,
    /// A list row.
    List,
}

/// An inbound message's content, by type. A type this version does not know is `Unknown`, shown
/// with its raw payload — never dropped.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboundContent {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, video, audio, document or sticker.
    Media {
        /// Which.
        media: MediaKind,
        /// The caption.
        caption: Option<String>,
        /// The document's file name.
        file_name: Option<String>,
        /// The MIME type the provider gave.
        content_type: Option<String>,
        /// The host the media is on (the URL itself stays in core; it opens through core).
        url_host: Option<String>,
    },
    /// A shared location.
    Location {
        /// Degrees.
        latitude: f64,
        /// Degrees.
        longitude: f64,
        /// The place's name, if given.
        name: Option<String>,
        /// Its address, if given.
        address: Option<String>,
    },
    /// Shared contact cards.
    Contacts {
        /// The cards.
        cards: Vec<ContactCard>,
    },
    /// A tapped button or list row.
    Reply {
        /// Button or list.
        reply: ReplyKind,
        /// What the customer saw and tapped.
        title: String,
        /// The id the business gave the option.
        option_id: Option<String>,
        /// A list row's description.
        description: Option<String>,
    },
    /// A type this version does not know (or a known type whose payload does not fit).
    Unknown {
        /// Why it is shown raw.
        note: String,
    },
}

/// An inbound message in a timeline.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InboundView {
    /// Local id.
    #[ts(type = "number")]
    pub id: i64,
    /// The provider's id of the message.
    pub provider_id: String,
    /// The provider's type word (`text`, `image`, …, or one this version does not know).
    pub message_type: String,
    /// The content, by type.
    pub content: InboundContent,
    /// The type-specific payload exactly as received (JSON), for "view raw".
    pub raw_json: String,
    /// The profile name it carried.
    pub sender_name: Option<String>,
    /// When the customer sent it (provider time, ms).
    #[ts(type = "number")]
    pub at: i64,
    /// When this install stored it (ms).
    #[ts(type = "number")]
    pub received_at: i64,
}

/// One message in a conversation's timeline: exactly one of `inbound` and `outbound` is set.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TimelineItem {
    /// The item's id (stable; search hits point at it).
    #[ts(type = "number")]
    pub id: i64,
    /// When it was sent or received (ms): the timeline's order.
    #[ts(type = "number")]
    pub at: i64,
    /// Who wrote it.
    pub direction: Direction,
    /// The customer's message.
    pub inbound: Option<InboundView>,
    /// This business's message, with its live status.
    pub outbound: Option<MessageView>,
}

/// One window of a timeline, oldest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TimelinePage {
    /// Items in the conversation.
    pub total: u32,
    /// Offset of `items[0]` from the oldest.
    pub offset: u32,
    /// The items.
    pub items: Vec<TimelineItem>,
}

/// A piece of a search result's text: `hit` marks what matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TextSpan {
    /// The text.
    pub text: String,
    /// Whether this piece matched.
    pub hit: bool,
}

/// A message that matched a search.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MessageHit {
    /// Its conversation.
    #[ts(type = "number")]
    pub conversation_id: i64,
    /// The timeline item (to jump to).
    #[ts(type = "number")]
    pub item_id: i64,
    /// The customer's number.
    pub customer: String,
    /// What to call the customer.
    pub name: String,
    /// When (ms).
    #[ts(type = "number")]
    pub at: i64,
    /// Who wrote it.
    pub direction: Direction,
    /// The text around the match, matches marked.
    pub snippet: Vec<TextSpan>,
}

/// A contact that matched a search and has no conversation with the account yet.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ContactHit {
    /// The contact.
    #[ts(type = "number")]
    pub contact_id: i64,
    /// The number: international digits (to open a conversation with).
    pub number: String,
    /// The number, matches marked.
    pub phone: Vec<TextSpan>,
    /// The name, matches marked.
    pub name: Vec<TextSpan>,
}

/// A conversation that matched by number or name.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConversationHit {
    /// The conversation.
    pub conversation: ConversationView,
    /// The number, matches marked.
    pub customer: Vec<TextSpan>,
    /// The name, matches marked.
    pub name: Vec<TextSpan>,
}

/// What a search found: conversations by number or name, contacts without a conversation, and
/// messages, newest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResults {
    /// The query as searched (trimmed).
    pub query: String,
    /// Conversations whose number, profile name or contact name matched.
    pub conversations: Vec<ConversationHit>,
    /// Contacts that matched and have no conversation with this account.
    pub contacts: Vec<ContactHit>,
    /// Messages that matched, newest first.
    pub messages: Vec<MessageHit>,
    /// More messages matched than were returned.
    pub more_messages: bool,
    /// Only the newest messages were searched, because every term is shorter than three
    /// characters (no trigram index can serve it): the number searched. `None`: all of them.
    pub messages_searched_recent: Option<u32>,
}

/// A search.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SearchQuery {
    /// Only this account's conversations and messages.
    #[ts(optional)]
    pub account_id: Option<String>,
    /// What to find: any part of a word or number, in any script.
    pub text: String,
    /// Most messages to return (default 50, at most 500).
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// A free-text reply.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReplyText {
    /// The conversation.
    #[ts(type = "number")]
    pub conversation_id: i64,
    /// The text.
    pub text: String,
}

/// A template reply (the only kind allowed once the window closed).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReplyTemplate {
    /// The conversation.
    #[ts(type = "number")]
    pub conversation_id: i64,
    /// The template id.
    pub template_id: String,
    /// A value for every placeholder.
    pub values: Vec<VariableValue>,
}

/// A saved reply.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CannedReply {
    /// Local id.
    #[ts(type = "number")]
    pub id: i64,
    /// What follows `/` to pick it (letters, digits, `-`, `_`; 1–32).
    pub shortcut: String,
    /// The text, with `{{name}}`, `{{first_name}}`, `{{phone}}` or custom contact fields.
    pub text: String,
}

/// A new or changed saved reply.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CannedReplyEdit {
    /// The reply to change; none to add one.
    #[ts(optional, type = "number")]
    pub id: Option<i64>,
    /// What follows `/`.
    pub shortcut: String,
    /// The text.
    pub text: String,
}

/// A saved reply filled for one conversation's contact.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RenderedCannedReply {
    /// The reply.
    pub reply: CannedReply,
    /// Its text with the contact's values.
    pub text: String,
    /// Variables the contact has no value for (left empty in `text`).
    pub missing: Vec<String>,
}

/// Desktop notifications for new inbound messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InboxSettings {
    /// Notify when a customer writes and the window is not focused.
    pub notify: bool,
    /// Put the message's text in the notification (off: only who wrote).
    pub notify_text: bool,
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings { notify: true, notify_text: true }
    }
}

/// What a desktop notification for a new inbound message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InboundNotice {
    /// The conversation to open on click.
    #[ts(type = "number")]
    pub conversation_id: i64,
    /// Who wrote.
    pub title: String,
    /// The text, or a neutral line when text is left out.
    pub body: String,
}
