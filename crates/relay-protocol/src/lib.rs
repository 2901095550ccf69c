//! Wire formats shared by `wadesk-relay` and the desktop's relay client, and nothing else.
//!
//! Both sides must agree on three things: what a captured webhook is ([`CapturedRequest`]), how it is
//! sealed to the channel's public key ([`seal`] / [`open`]), and the frames of the event stream
//! ([`ServerFrame`], [`ClientFrame`]). The relay never needs the channel's secret key: it seals on
//! ingest and forwards ciphertext; only the desktop opens it.
#![deny(missing_docs)]

mod envelope;
mod frames;
mod period;

#[cfg(test)]
mod decode_tests;

pub use envelope::{
    check_public_key, open, parse_public_key, seal, CapturedRequest, ChannelKeys, EnvelopeError, Header, PUBLIC_KEY_LEN,
};
pub use frames::{ClientFrame, CreateChannel, CreatedChannel, FrameError, ServerFrame, StoredEvent, STREAM_VERSION};
pub use period::{PeriodSealer, MAGIC_V2, OVERHEAD_V2, PERIOD, PERIOD_EVENTS};

/// The WebSocket path the desktop streams from (`?cursor=N&v=2`, `Authorization: Bearer <client key>`).
pub const STREAM_PATH: &str = "/v1/stream";
/// Hook URLs are `/h/<hook token>` followed by any path the provider appends.
pub const HOOK_PREFIX: &str = "/h/";
/// Channel creation (admin credential): `POST` a [`CreateChannel`].
pub const CHANNELS_PATH: &str = "/v1/channels";
