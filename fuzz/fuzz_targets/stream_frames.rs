//! Stream frames, both directions: any WebSocket message decodes or fails cleanly, and a decoded
//! frame round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_relay_protocol::{ClientFrame, ServerFrame};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = ServerFrame::decode(data) {
        assert_eq!(ServerFrame::decode(&frame.encode()).expect("round trip"), frame);
    }
    if let Ok(frame) = ClientFrame::decode(data) {
        assert_eq!(ClientFrame::decode(&frame.encode()).expect("round trip"), frame);
    }
});
