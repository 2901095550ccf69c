//! Channel API bodies and event-stream frames.
//!
//! Stream frames are WebSocket binary messages encoded with postcard. The relay sends every stored
//! event after the client's cursor in `seq` order, then [`ServerFrame::CaughtUp`], then live events.
//! A client that asks for stream version 2 (`?v=2`) gets [`ServerFrame::Head`] first, so it can
//! show how much is waiting before the backlog arrives; a version 1 client never sees that frame
//! (postcard has no room for variants a decoder does not know).
//! The client acks cumulatively: `Ack { seq }` means every event up to `seq` is committed locally.
//! Liveness is WebSocket ping/pong on both sides.

use serde::{Deserialize, Serialize};

/// One stored event as streamed: its position in the channel and its sealed bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Position in the channel: strictly increasing and never reused, below 2^63, but not
    /// consecutive (it jumps when the relay restarts; see `wadesk_relay::store`).
    pub seq: u64,
    /// A [`crate::CapturedRequest`] sealed to the channel's public key.
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
}

/// Relay → desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerFrame {
    /// A stored event.
    Event(StoredEvent),
    /// The backlog up to `head` has been sent; what follows is live.
    CaughtUp {
        /// The channel's latest seq when the backlog was read.
        head: u64,
    },
    /// Stream version 2 only, the first frame: where the channel stands as the stream opens.
    Head {
        /// The channel's committed head.
        head: u64,
        /// How many stored events follow the client's cursor: the backlog about to be sent.
        waiting: u64,
    },
}

/// The stream version this crate speaks (the `v` query parameter of the stream URL).
pub const STREAM_VERSION: u32 = 2;

/// Desktop → relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientFrame {
    /// Every event up to and including `seq` is committed on the desktop.
    Ack {
        /// Highest committed seq.
        seq: u64,
    },
}

/// A frame that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("malformed stream frame: {0}")]
pub struct FrameError(#[from] postcard::Error);

macro_rules! binary_frame {
    ($t:ty) => {
        impl $t {
            /// Encodes the frame for a WebSocket binary message.
            pub fn encode(&self) -> Vec<u8> {
                // Encoding plain enums of integers and byte strings into a Vec cannot fail.
                postcard::to_stdvec(self).unwrap_or_default()
            }

            /// Decodes a WebSocket binary message. Safe on arbitrary bytes: an error, never a
            /// panic, and a length prefix past the input is an error before anything is allocated
            /// (see `decode_tests`).
            pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
                Ok(postcard::from_bytes(bytes)?)
            }
        }
    };
}
binary_frame!(ServerFrame);
binary_frame!(ClientFrame);

/// `POST /v1/channels` body (admin credential required).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateChannel {
    /// The desktop's channel public key, 32 bytes base64.
    pub public_key: String,
    /// A label for the operator's listing (not secret).
    #[serde(default)]
    pub label: String,
}

/// `POST /v1/channels` answer. The two tokens are shown once: the relay keeps only their hashes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedChannel {
    /// Channel id (not secret).
    pub channel_id: String,
    /// Path of the hook URL providers POST to: `/h/<hook token>`. The token is the capability.
    pub hook_path: String,
    /// The key the desktop streams with (`Authorization: Bearer …`).
    pub client_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_an_error() {
        let f = ServerFrame::Event(StoredEvent { seq: 7, sealed: vec![1, 2, 3] });
        assert_eq!(ServerFrame::decode(&f.encode()).unwrap(), f);
        let h = ServerFrame::Head { head: u64::MAX, waiting: 3 };
        assert_eq!(ServerFrame::decode(&h.encode()).unwrap(), h);
        let c = ClientFrame::Ack { seq: u64::MAX };
        assert_eq!(ClientFrame::decode(&c.encode()).unwrap(), c);
        assert!(ServerFrame::decode(&[0xff, 0xff]).is_err());
    }
}
