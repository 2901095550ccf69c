//! `store-key.json`, read before anything is unlocked: any bytes give key metadata within bounds
//! or a specific `store_corrupt` error — never a panic, a huge Argon2 allocation or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::install::parse_key_metadata;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse_key_metadata(data) {
        assert_eq!(e.code(), wadesk_core::ErrorCode::StoreCorrupt, "{e}");
    }
});
