//! The sealed envelope: `wadesk_relay_protocol::open` on any bytes must fail cleanly, and a
//! plaintext of any bytes sealed to the channel (as a buggy or hostile relay peer could make it)
//! must decode or fail without a panic or an allocation its length prefixes ask for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_relay_protocol::{open, seal, CapturedRequest, ChannelKeys};

fuzz_target!(|data: &[u8]| {
    let keys = ChannelKeys::from_secret_bytes([7u8; 32]);
    // Arbitrary ciphertext.
    let _ = open(&keys, data);
    // Arbitrary plaintext inside a valid box.
    let public = crypto_box::PublicKey::from(keys.public_key());
    let Ok(sealed) = public.seal(&mut crypto_box::aead::OsRng, data) else { return };
    if let Ok(request) = open(&keys, &sealed) {
        // What decodes re-encodes to something that decodes to the same request.
        let again = open(&keys, &seal(&keys.public_key(), &request).expect("seal")).expect("open");
        assert_eq!(again, request);
        let _: CapturedRequest = request;
    }
});
