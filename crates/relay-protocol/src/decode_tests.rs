//! The two decoders that take bytes from the other end of the tunnel — [`crate::open`] (the
//! desktop opening what the relay stored) and the stream frames' `decode` — fed arbitrary bytes:
//! they must answer an error, never panic, and never allocate what a length prefix claims. A sealed
//! box proves only that someone with the *public* key made it, so the plaintext inside is as
//! untrusted as the frame around it.
//!
//! Allocation is bounded by construction: postcard takes byte strings and strings as slices of the
//! input (a length beyond the input is an error before anything is allocated), and serde
//! pre-allocates at most 1 MiB for a sequence whatever its length prefix says. The tests below
//! claim lengths of 2^40 to 2^62: honouring one would abort the test process.

use crate::{open, ChannelKeys, ClientFrame, ServerFrame};

/// A postcard varint.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn fill(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Seals raw `plain` to `keys` the way the relay seals a captured request.
fn seal_raw(keys: &ChannelKeys, plain: &[u8]) -> Vec<u8> {
    crypto_box::PublicKey::from(keys.public_key()).seal(&mut crypto_box::aead::OsRng, plain).unwrap()
}

#[test]
fn random_bytes_never_panic_either_decoder() {
    let keys = ChannelKeys::generate();
    let mut period = crate::PeriodSealer::new(&keys.public_key()).unwrap();
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    for i in 0..20_000 {
        let bytes = rng.fill(i % 300);
        let _ = ServerFrame::decode(&bytes);
        let _ = ClientFrame::decode(&bytes);
        assert!(open(&keys, &bytes).is_err(), "random bytes opened as a sealed event");
        let mut with_magic = crate::MAGIC_V2.to_vec();
        with_magic.extend_from_slice(&bytes);
        assert!(open(&keys, &with_magic).is_err(), "random bytes after the v2 magic opened");
        // Authentic boxes (both versions) with garbage inside: the plaintext decoder must refuse
        // them too.
        let _ = open(&keys, &seal_raw(&keys, &bytes));
        let _ = open(&keys, &period.seal_bytes(&bytes).unwrap());
    }
    for len in 0..=100 {
        assert!(open(&keys, &vec![0u8; len]).is_err(), "{len} zero bytes opened");
    }
}

#[test]
fn truncated_frames_are_errors() {
    let frame = ServerFrame::Event(crate::StoredEvent { seq: u64::MAX, sealed: vec![7; 300] }).encode();
    for cut in 0..frame.len() {
        assert!(ServerFrame::decode(&frame[..cut]).is_err(), "a frame cut at {cut} decoded");
    }
    let ack = ClientFrame::Ack { seq: u64::MAX }.encode();
    for cut in 0..ack.len() {
        assert!(ClientFrame::decode(&ack[..cut]).is_err(), "an ack cut at {cut} decoded");
    }
}

#[test]
fn huge_length_prefixes_are_errors_not_allocations() {
    // Event frame (variant 0) claiming a 2^62-byte sealed payload, then a few bytes.
    let mut event = vec![0u8];
    event.extend(varint(5));
    event.extend(varint(1 << 62));
    event.extend([1, 2, 3]);
    assert!(ServerFrame::decode(&event).is_err());

    let keys = ChannelKeys::generate();
    // Captured requests whose method claims 2^40 bytes, header list 2^60 headers, body 2^60 bytes.
    let claims: [Vec<u8>; 3] = [
        varint(1 << 40),
        [varint(1), b"P".to_vec(), varint(1), b"/".to_vec(), varint(1 << 60)].concat(),
        [varint(1), b"P".to_vec(), varint(1), b"/".to_vec(), varint(0), varint(1 << 60), vec![9; 8]].concat(),
    ];
    for plain in claims {
        let sealed = seal_raw(&keys, &plain);
        assert!(open(&keys, &sealed).is_err(), "{plain:?} decoded");
        let sealed = crate::PeriodSealer::new(&keys.public_key()).unwrap().seal_bytes(&plain).unwrap();
        assert!(open(&keys, &sealed).is_err(), "{plain:?} decoded from a v2 envelope");
    }
}
