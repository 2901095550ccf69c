//! The desktop end of the relay tunnel: the install's channel, applying streamed events exactly
//! once, the stream connection, the embedded relay, and switching between it and a remote one.
//!
//! Exactly once: each streamed event is opened, dispatched and the cursor moved in one SQLCipher
//! transaction, and only then acked. A crash before the commit re-delivers the event (the relay
//! still has it); a crash after the commit but before the ack re-delivers it too, and the cursor
//! check skips it. Provider retries of the same event are dropped by their event id (see
//! [`crate::webhooks`]).

mod channel;
mod connection;
mod embedded;
mod service;

pub use channel::{open_events, OpenedEvent, RelayChannel, RelayMode};
pub use connection::{ConnectionState, RelayStatus};
pub use embedded::EmbeddedRelay;
pub use service::{
    use_embedded, use_remote, EmbeddedSwitch, RelayService, SelfTestResult, WaitingWebhooks, FETCH_FIRST_TIMEOUT,
};
