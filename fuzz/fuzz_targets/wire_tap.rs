//! The relay's wire tap (`wadesk_relay::wire::TapParser`), which re-reads every request head a
//! client sends, body framing included. Any bytes, split into reads at any points: no panic, no
//! unbounded buffering, and the heads found do not depend on how the bytes were split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_relay::wire::{RawHead, TapParser};

fn heads(parser: &mut TapParser) -> Vec<RawHead> {
    std::iter::from_fn(|| parser.pop()).collect()
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the read size, as a socket might split the stream.
    let Some((&split, bytes)) = data.split_first() else { return };
    let mut whole = TapParser::default();
    whole.feed(bytes);
    let mut pieces = TapParser::default();
    for chunk in bytes.chunks(usize::from(split % 64) + 1) {
        pieces.feed(chunk);
    }
    assert_eq!(heads(&mut whole), heads(&mut pieces), "the heads depend on how reads were split");
});
