//! The captured webhook and its sealed form.
//!
//! A captured request keeps everything a verifier may need byte for byte: method, path and query as
//! received, headers as an ordered list (duplicates kept, values as raw bytes), the raw body, and the
//! time the relay received it. It is encoded with postcard and sealed with a libsodium-compatible
//! sealed box (X25519 + XSalsa20-Poly1305, crypto_box): anyone with the public key can seal, only the
//! holder of the secret key can open, and tampering is detected.
//!
//! That holds only for a public key of large prime order. X25519 with one of the few points of
//! small order gives a shared secret anyone can compute (with the all-zero key it is all zeros),
//! so a box sealed to it opens without any secret key. Channel creation ([`parse_public_key`])
//! refuses them, and every other key not on the curve ([`check_public_key`]); [`seal`] refuses
//! them again (the small-order points only, by their encodings: it runs once per webhook).

use base64::Engine;
use crypto_box::{PublicKey, SecretKey};
use curve25519_dalek::montgomery::MontgomeryPoint;
use serde::{Deserialize, Serialize};

/// Length of a channel public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// One webhook request exactly as the relay received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path and query after the hook token, e.g. `/chatarchitect?x=1` (`/` when none).
    pub path_and_query: String,
    /// Headers in arrival order; duplicates kept; values are raw bytes.
    pub headers: Vec<Header>,
    /// The raw body, never re-encoded.
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    /// When the relay received the request, milliseconds since the Unix epoch. Webhook timestamp
    /// windows are measured against this, not against the time the desktop got around to it.
    pub received_at_ms: i64,
}

/// One header line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Header value, byte for byte.
    #[serde(with = "serde_bytes")]
    pub value: Vec<u8>,
}

impl Header {
    /// A header from a name and raw value.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

impl CapturedRequest {
    /// Values of header `name` (case-insensitive), in arrival order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_slice())
    }

    /// The first value of header `name` as UTF-8, if any.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        let h = self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(&h.value).ok()
    }
}

/// Why an envelope could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The ciphertext was not sealed to this key, or was altered.
    #[error("the sealed event cannot be opened with this channel's key (wrong key or tampered)")]
    Open,
    /// Sealing failed (should not happen with a valid key).
    #[error("sealing failed")]
    Seal,
    /// The plaintext is not a captured request.
    #[error("the event is not a captured request: {0}")]
    Decode(#[from] postcard::Error),
    /// A public key is not 32 bytes of base64.
    #[error("a channel public key must be 32 bytes, base64-encoded")]
    BadPublicKey,
    /// A public key of small order, or not on Curve25519: what is sealed to it is not secret.
    #[error("the channel public key is not a valid X25519 public key (a low-order or off-curve point)")]
    WeakPublicKey,
}

/// Refuses a public key that would make sealed boxes readable without the secret key.
///
/// The key is read as X25519 reads it (the top bit ignored, values of p and above reduced), so
/// non-canonical encodings of a refused point are refused too. Refused: the points of small order
/// (0, 1, the two of order 8, and p-1, which is not on the curve) and every other point not on
/// Curve25519 (on its twist). No secret key has such a public key, so no honest key is refused.
/// Costs curve arithmetic (an inversion and a square root, some microseconds): run it where a key
/// comes in, not per message.
pub fn check_public_key(public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<(), EnvelopeError> {
    // The birational map to Edwards form fails exactly for points off the curve (u = -1 among
    // them); on the curve, small order means the cofactor (8) times the point is the identity.
    match MontgomeryPoint(*public_key).to_edwards(0) {
        Some(point) if !point.is_small_order() => Ok(()),
        _ => Err(EnvelopeError::WeakPublicKey),
    }
}

/// The encodings of the points of small order, as X25519 reads them (top bit ignored): 0, 1, the
/// two of order 8, p-1, and the non-canonical p (= 0) and p+1 (= 1). libsodium refuses the same.
const SMALL_ORDER: [[u8; PUBLIC_KEY_LEN]; 7] = {
    let mut p_minus_1 = [0xff; PUBLIC_KEY_LEN];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0; PUBLIC_KEY_LEN];
    one[0] = 1;
    [
        [0; PUBLIC_KEY_LEN],
        one,
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09,
            0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44,
            0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
        ],
        p_minus_1,
        p,
        p_plus_1,
    ]
};

/// Seals a captured request to a channel's public key.
///
/// Refuses a key of small order (defense in depth: channel creation already ran the full
/// [`check_public_key`]). This runs once per webhook, so it compares encodings, which costs
/// nanoseconds, where the full check's curve arithmetic would add about a tenth to every seal.
///
/// This is the version 1 envelope, one sealed box per event, as relays before version 2 stored
/// them. The relay now seals with a [`crate::PeriodSealer`]; this stays for reading old stores and
/// for tests.
pub fn seal(public_key: &[u8; PUBLIC_KEY_LEN], req: &CapturedRequest) -> Result<Vec<u8>, EnvelopeError> {
    refuse_small_order(public_key)?;
    let plain = postcard::to_stdvec(req)?;
    PublicKey::from(*public_key).seal(&mut crypto_box::aead::OsRng, &plain).map_err(|_| EnvelopeError::Seal)
}

/// Refuses the small-order encodings: nanoseconds, for every seal and every period.
pub(crate) fn refuse_small_order(public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<(), EnvelopeError> {
    let mut masked = *public_key;
    masked[31] &= 0x7f;
    if SMALL_ORDER.contains(&masked) {
        return Err(EnvelopeError::WeakPublicKey);
    }
    Ok(())
}

/// Opens a sealed event (version 2, or version 1 from an older relay) with the channel's secret
/// key. Safe on arbitrary bytes: an error, never a panic, and no allocation beyond the input's
/// size plus serde's 1 MiB pre-allocation cap (see `decode_tests`).
pub fn open(keys: &ChannelKeys, sealed: &[u8]) -> Result<CapturedRequest, EnvelopeError> {
    let plain = match crate::period::split_v2(sealed)
        .and_then(|(public, nonce, ciphertext)| crate::period::open_v2(&keys.period_box(&public), &nonce, ciphertext))
    {
        Some(plain) => plain,
        // Not version 2, or a version 1 box whose random key happens to begin with the magic.
        None => keys.secret.unseal(sealed).map_err(|_| EnvelopeError::Open)?,
    };
    Ok(postcard::from_bytes(&plain)?)
}

/// A channel's key pair, held by the desktop only. The secret half zeroes itself on drop, and so
/// does the cached period box.
pub struct ChannelKeys {
    secret: SecretKey,
    /// The box of the last version 2 period opened: a relay seals a whole period with one
    /// ephemeral key, so consecutive events share it and one key agreement serves them all.
    last_period: std::sync::Mutex<Option<([u8; PUBLIC_KEY_LEN], std::sync::Arc<crypto_box::SalsaBox>)>>,
}

impl ChannelKeys {
    /// A fresh key pair.
    pub fn generate() -> Self {
        Self::from_secret(SecretKey::generate(&mut crypto_box::aead::OsRng))
    }

    /// Restores a key pair from its 32 secret bytes.
    pub fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        Self::from_secret(SecretKey::from(bytes))
    }

    fn from_secret(secret: SecretKey) -> Self {
        ChannelKeys { secret, last_period: std::sync::Mutex::new(None) }
    }

    /// The box for a period's ephemeral public key: the cached one, or a new key agreement.
    fn period_box(&self, ephemeral_public: &[u8; PUBLIC_KEY_LEN]) -> std::sync::Arc<crypto_box::SalsaBox> {
        let mut last = self.last_period.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*last {
            Some((public, cipher)) if public == ephemeral_public => cipher.clone(),
            _ => {
                let cipher = std::sync::Arc::new(crate::period::period_box(&self.secret, ephemeral_public));
                *last = Some((*ephemeral_public, cipher.clone()));
                cipher
            }
        }
    }

    /// The secret bytes, for the encrypted store only.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes()
    }

    /// The public key, sent to the relay when the channel is created.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        *self.secret.public_key().as_bytes()
    }

    /// The public key as base64 (standard alphabet), as the channel API takes it.
    pub fn public_key_b64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public_key())
    }
}

impl std::fmt::Debug for ChannelKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChannelKeys(public={})", self.public_key_b64())
    }
}

/// Parses a base64 public key from the channel API and refuses a weak one ([`check_public_key`]).
pub fn parse_public_key(b64: &str) -> Result<[u8; PUBLIC_KEY_LEN], EnvelopeError> {
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| EnvelopeError::BadPublicKey)?;
    let key: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| EnvelopeError::BadPublicKey)?;
    check_public_key(&key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CapturedRequest {
        CapturedRequest {
            method: "POST".into(),
            path_and_query: "/ca?x=1&x=2".into(),
            headers: vec![
                Header::new("X-CA-Signature", b"sha256=ab".to_vec()),
                Header::new("x-dup", b"1".to_vec()),
                Header::new("X-Dup", vec![0xff, 0x00, b' ']),
            ],
            body: (0..=255u8).collect(),
            received_at_ms: 1_700_000_000_123,
        }
    }

    #[test]
    fn sealed_events_open_byte_exact_with_the_right_key_only() {
        let keys = ChannelKeys::generate();
        let sealed = seal(&keys.public_key(), &sample()).unwrap();
        assert_eq!(open(&keys, &sealed).unwrap(), sample());
        assert!(matches!(open(&ChannelKeys::generate(), &sealed), Err(EnvelopeError::Open)));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(open(&keys, &tampered), Err(EnvelopeError::Open)));
    }

    #[test]
    fn ciphertext_does_not_contain_the_body() {
        let keys = ChannelKeys::generate();
        let mut req = sample();
        req.body = b"app_secret=PLAINTEXT-MARKER".to_vec();
        let sealed = seal(&keys.public_key(), &req).unwrap();
        assert!(!sealed.windows(16).any(|w| w == b"PLAINTEXT-MARKER"));
        assert!(!sealed.windows(10).any(|w| w == b"app_secret"));
    }

    /// Every X25519 public key an attacker can use to make the shared secret predictable: the
    /// points of small order (0, 1, the two of order 8, p-1) and their non-canonical encodings (p,
    /// p+1, and each with the ignored top bit set).
    fn low_order_keys() -> Vec<(&'static str, [u8; 32])> {
        let canonical: [(&str, &str); 7] = [
            ("0", "0000000000000000000000000000000000000000000000000000000000000000"),
            ("1", "0100000000000000000000000000000000000000000000000000000000000000"),
            ("order 8 (a)", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            ("order 8 (b)", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
            ("p-1", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("p (= 0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("p+1 (= 1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ];
        let mut keys = Vec::new();
        for (name, hex) in canonical {
            let mut key = [0u8; 32];
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
            }
            keys.push((name, key));
            let mut top_bit = key;
            top_bit[31] |= 0x80;
            keys.push((name, top_bit));
        }
        keys
    }

    #[test]
    fn low_order_public_keys_are_refused_by_the_parser_and_by_seal() {
        for (name, key) in low_order_keys() {
            let b64 = base64::engine::general_purpose::STANDARD.encode(key);
            assert!(
                matches!(parse_public_key(&b64), Err(EnvelopeError::WeakPublicKey)),
                "{name} ({b64}) was accepted as a channel key"
            );
            assert!(
                matches!(seal(&key, &sample()), Err(EnvelopeError::WeakPublicKey)),
                "{name} ({b64}): seal accepted it"
            );
        }
        // u = 2 is on the twist, not the curve: no secret key has it as its public key.
        let mut twist = [0u8; 32];
        twist[0] = 2;
        assert!(matches!(check_public_key(&twist), Err(EnvelopeError::WeakPublicKey)));
        // The base point (u = 9) and keys made from secret keys are never refused.
        let mut base = [0u8; 32];
        base[0] = 9;
        assert!(check_public_key(&base).is_ok());
        for _ in 0..200 {
            let keys = ChannelKeys::generate();
            assert_eq!(parse_public_key(&keys.public_key_b64()).unwrap(), keys.public_key());
        }
    }

    #[test]
    fn the_encodings_seal_refuses_are_exactly_the_small_order_points() {
        for key in SMALL_ORDER {
            assert!(check_public_key(&key).is_err());
            let point = MontgomeryPoint(key).to_edwards(0);
            assert!(point.is_none_or(|p| p.is_small_order()), "{key:02x?} is not of small order");
        }
    }

    #[test]
    fn keys_round_trip_and_headers_are_found_case_insensitively() {
        let keys = ChannelKeys::generate();
        let back = ChannelKeys::from_secret_bytes(keys.secret_bytes());
        assert_eq!(keys.public_key(), back.public_key());
        assert_eq!(parse_public_key(&keys.public_key_b64()).unwrap(), keys.public_key());
        assert!(parse_public_key("AAAA").is_err());
        let r = sample();
        assert_eq!(r.header_values("x-dup").count(), 2);
        assert_eq!(r.header_str("x-ca-signature"), Some("sha256=ab"));
    }
}
