//! Outbound messages, their delivery statuses and the send history (seed 000, "Quick Start").
//!
//! A message is written to the store before the provider is called, so a crash can never lose one
//! or send one twice: it is `pending` until the call answers, then `submitted`, `not_submitted`, or
//! `uncertain` when the call timed out (shown, never resent on its own). Status webhooks only move
//! the status forward; every event is kept for the timeline.

mod types;

pub use types::{
    Change, Failure, HistoryFilter, HistoryPage, MessageDetail, MessageKind, MessageStatus, MessageView,
    MessagingHealth, SendTemplate, SendText, StatusEventView, VariableValue,
};
