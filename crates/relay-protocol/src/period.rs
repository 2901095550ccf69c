//! Version 2 of the sealed envelope: one ephemeral key per channel per short period.
//!
//! Version 1 (a libsodium sealed box, [`crate::seal`]) makes a fresh X25519 key pair and a key
//! agreement for every event: about 75 µs of the relay's CPU per webhook, most of what it spends.
//! Version 2 makes them once per period ([`PeriodSealer`]): the relay draws an ephemeral secret,
//! derives the crypto_box key it shares with the channel's public key, and forgets the secret at
//! once. Each event is then only XSalsa20-Poly1305 under that key with its own nonce, a few
//! microseconds. The desktop derives the same key from the ephemeral public key in the envelope
//! and its channel secret, and keeps the last one it derived ([`crate::ChannelKeys`]), so opening
//! gets cheaper too.
//!
//! What the relay can read does not change: the period key lives only in the relay's memory, is
//! zeroed when the period ends (crypto_secretbox zeroes its key on drop), and is never written
//! anywhere. So everything the relay stores from an ended period is as closed to it as a version 1
//! box. Inside a period the key is in memory beside the plaintext it is sealing, which the relay
//! sees anyway as the webhook arrives.
//!
//! Layout: `MAGIC (4) | ephemeral public key (32) | nonce (24) | ciphertext + tag (16)`. The nonce
//! is 16 random bytes drawn with the period key and a counter: unique per key. Version 1 boxes
//! begin with a random public key, so the magic alone cannot tell them apart; an envelope that
//! starts with it and does not open as version 2 is tried as version 1 ([`crate::open`]).

use std::time::{Duration, Instant};

use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{Aead, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};

use crate::envelope::{refuse_small_order, CapturedRequest, EnvelopeError, PUBLIC_KEY_LEN};

/// The first bytes of a version 2 envelope.
pub const MAGIC_V2: [u8; 4] = *b"WDS\x02";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a version 2 envelope adds to the encoded request.
pub const OVERHEAD_V2: usize = MAGIC_V2.len() + PUBLIC_KEY_LEN + NONCE_LEN + TAG_LEN;

/// How long one period key seals a channel's events, at most.
pub const PERIOD: Duration = Duration::from_secs(60);
/// How many events one period key seals, at most (a bound on what one key protects).
pub const PERIOD_EVENTS: u64 = 1 << 20;

/// Seals a channel's events for one period. Make a new one when [`PeriodSealer::expired`].
pub struct PeriodSealer {
    ephemeral_public: [u8; PUBLIC_KEY_LEN],
    cipher: SalsaBox,
    nonce_prefix: [u8; 16],
    sealed: u64,
    started: Instant,
}

impl std::fmt::Debug for PeriodSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodSealer").field("sealed", &self.sealed).finish_non_exhaustive()
    }
}

impl PeriodSealer {
    /// A new period for a channel's public key. Refuses a key of small order, as [`crate::seal`].
    pub fn new(channel_public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<Self, EnvelopeError> {
        refuse_small_order(channel_public_key)?;
        // The secret goes out of scope (and is zeroed, SecretKey zeroizes on drop) here: only the
        // derived box key stays, for this period.
        let ephemeral = SecretKey::generate(&mut OsRng);
        let ephemeral_public = *ephemeral.public_key().as_bytes();
        let cipher = SalsaBox::new(&PublicKey::from(*channel_public_key), &ephemeral);
        let mut nonce_prefix = [0u8; 16];
        OsRng.fill_bytes(&mut nonce_prefix);
        Ok(PeriodSealer { ephemeral_public, cipher, nonce_prefix, sealed: 0, started: Instant::now() })
    }

    /// Whether the period is over: older than [`PERIOD`] or [`PERIOD_EVENTS`] sealed.
    pub fn expired(&self) -> bool {
        self.sealed >= PERIOD_EVENTS || self.started.elapsed() >= PERIOD
    }

    /// Seals one captured request.
    pub fn seal(&mut self, req: &CapturedRequest) -> Result<Vec<u8>, EnvelopeError> {
        let plain = postcard::to_stdvec(req)?;
        self.seal_bytes(&plain)
    }

    /// Seals encoded bytes (tests use it to box what no relay would encode).
    pub(crate) fn seal_bytes(&mut self, plain: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..16].copy_from_slice(&self.nonce_prefix);
        nonce[16..].copy_from_slice(&self.sealed.to_le_bytes());
        self.sealed += 1;
        let nonce = crypto_box::Nonce::from(nonce);
        let ciphertext = self.cipher.encrypt(&nonce, plain).map_err(|_| EnvelopeError::Seal)?;
        let mut out = Vec::with_capacity(OVERHEAD_V2 + plain.len());
        out.extend_from_slice(&MAGIC_V2);
        out.extend_from_slice(&self.ephemeral_public);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }
}

/// The parts of a version 2 envelope, if `sealed` has its shape.
pub(crate) fn split_v2(sealed: &[u8]) -> Option<([u8; PUBLIC_KEY_LEN], crypto_box::Nonce, &[u8])> {
    let rest = sealed.strip_prefix(&MAGIC_V2)?;
    if rest.len() < PUBLIC_KEY_LEN + NONCE_LEN + TAG_LEN {
        return None;
    }
    let (public, rest) = rest.split_at(PUBLIC_KEY_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let public: [u8; PUBLIC_KEY_LEN] = public.try_into().ok()?;
    Some((public, *crypto_box::Nonce::from_slice(nonce), ciphertext))
}

/// Opens the ciphertext of a version 2 envelope with its period's box.
pub(crate) fn open_v2(cipher: &SalsaBox, nonce: &crypto_box::Nonce, ciphertext: &[u8]) -> Option<Vec<u8>> {
    cipher.decrypt(nonce, ciphertext).ok()
}

/// The box a desktop derives for a period: its channel secret with the period's public key.
pub(crate) fn period_box(secret: &SecretKey, ephemeral_public: &[u8; PUBLIC_KEY_LEN]) -> SalsaBox {
    SalsaBox::new(&PublicKey::from(*ephemeral_public), secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{open, ChannelKeys, Header};

    fn request(body: &[u8]) -> CapturedRequest {
        CapturedRequest {
            method: "POST".into(),
            path_and_query: "/ca".into(),
            headers: vec![Header::new("X-CA-Event-Id", b"e1".to_vec())],
            body: body.to_vec(),
            received_at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn one_period_seals_many_events_that_only_the_channel_key_opens() {
        let keys = ChannelKeys::generate();
        let mut sealer = PeriodSealer::new(&keys.public_key()).unwrap();
        let a = sealer.seal(&request(b"first")).unwrap();
        let b = sealer.seal(&request(b"second")).unwrap();
        assert_eq!(a[..36], b[..36], "one period, one ephemeral key");
        assert_ne!(a[36..60], b[36..60], "every event has its own nonce");
        assert_eq!(open(&keys, &a).unwrap().body, b"first");
        assert_eq!(open(&keys, &b).unwrap().body, b"second");
        assert_eq!(a.len(), postcard::to_stdvec(&request(b"first")).unwrap().len() + OVERHEAD_V2);
        assert!(matches!(open(&ChannelKeys::generate(), &a), Err(EnvelopeError::Open)));
        let next = PeriodSealer::new(&keys.public_key()).unwrap().seal(&request(b"x")).unwrap();
        assert_ne!(a[4..36], next[4..36], "a new period draws a new ephemeral key");
    }

    #[test]
    fn a_tampered_version_2_envelope_does_not_open() {
        let keys = ChannelKeys::generate();
        let sealed = PeriodSealer::new(&keys.public_key()).unwrap().seal(&request(b"pay 10")).unwrap();
        for at in [4, 40, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[at] ^= 1;
            assert!(matches!(open(&keys, &bad), Err(EnvelopeError::Open)), "flipped byte {at} still opened");
        }
        assert!(open(&keys, &sealed[..sealed.len() - 1]).is_err());
    }

    #[test]
    fn the_plaintext_is_not_in_the_envelope() {
        let keys = ChannelKeys::generate();
        let sealed =
            PeriodSealer::new(&keys.public_key()).unwrap().seal(&request(b"app_secret=PLAINTEXT-MARKER")).unwrap();
        assert!(!sealed.windows(16).any(|w| w == b"PLAINTEXT-MARKER"));
    }

    #[test]
    fn version_1_boxes_open_and_bytes_after_the_magic_that_open_neither_way_are_refused() {
        // Finding a real v1 box whose random key begins with the magic takes about 2^32 tries, so
        // this checks the two halves: an ordinary v1 box opens, and bytes with the magic that open
        // neither way are refused, not misread.
        let keys = ChannelKeys::generate();
        let v1 = crate::seal(&keys.public_key(), &request(b"old relay")).unwrap();
        assert_eq!(open(&keys, &v1).unwrap().body, b"old relay");
        let mut fake = MAGIC_V2.to_vec();
        fake.extend_from_slice(&v1);
        assert!(matches!(open(&keys, &fake), Err(EnvelopeError::Open)));
    }

    #[test]
    fn periods_end_by_count() {
        let keys = ChannelKeys::generate();
        let mut sealer = PeriodSealer::new(&keys.public_key()).unwrap();
        assert!(!sealer.expired());
        sealer.sealed = PERIOD_EVENTS;
        assert!(sealer.expired());
    }
}
