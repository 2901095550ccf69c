//! Outbound messages, their delivery statuses and the send history (seed 000, "Quick Start").
//!
//! A message is written to the store before the provider is called, so a crash can never lose one
//! or send one twice: it is `pending` until the call answers, then `submitted`, `not_submitted`, or
//! `uncertain` when the call timed out (shown, never resent on its own). Status webhooks only move
//! the status forward; every event is kept for the timeline.

mod destination;
pub(crate) mod explain;
mod health;
pub mod history;
#[cfg(test)]
mod meta_tests;
pub(crate) mod record;
mod service;
pub mod status;
#[cfg(test)]
mod tests;
mod types;
pub(crate) mod webhook;

pub use service::{supports_messaging, Messaging, MAX_TEXT_CHARS, SANDBOX_BUSINESS_NUMBER};
pub use webhook::{CA_MESSAGES_PATH, SZ_HOOK_PATH};

/// A destination's international digits, or why it is not one (a sentence).
pub(crate) fn destination_digits(raw: &str) -> std::result::Result<String, String> {
    destination::normalize("to", raw).map_err(|e| match e {
        crate::Error::Field(_, why) => why,
        other => other.to_string(),
    })
}

pub use types::{
    Change, Failure, HistoryFilter, HistoryPage, MessageDetail, MessageKind, MessageStatus, MessageView,
    MessagingHealth, SendTemplate, SendText, StatusEventView, VariableValue,
};
