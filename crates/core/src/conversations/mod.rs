//! Conversations (ARCHITECTURE.md §4): every inbound and outbound message with one customer in one
//! timeline, unread counts, the 24-hour customer service window enforced in core, saved replies,
//! and full-text search over everything stored (FTS5, trigram).
//!
//! Messages join their conversation in the transaction that stores them (`ingest`): an inbound
//! one in the webhook door (deduplicated there by the provider's id), an outbound one when it is
//! written as pending. Reading joins the contact with the same number, so the list always shows
//! the contact's current name and tags.

mod canned;
pub mod content;
pub(crate) mod ingest;
mod list;
mod search;
mod service;
mod settings;
#[cfg(test)]
mod tests;
mod timeline;
mod types;
pub mod window;

pub use list::{DEFAULT_PAGE, MAX_PAGE};
pub use search::{snippet_of, SHORT_QUERY_SCAN};
pub use service::Conversations;
pub use types::{
    CannedReply, CannedReplyEdit, ContactCard, ContactHit, ConversationHit, ConversationPage, ConversationQuery,
    ConversationView, Direction, InboundContent, InboundNotice, InboundView, InboxSettings, MediaKind, MessageHit,
    RenderedCannedReply, ReplyKind, ReplyTemplate, ReplyText, SearchQuery, SearchResults, ServiceWindow, TextSpan,
    TimelineItem, TimelinePage,
};
pub use window::WINDOW_MS;
