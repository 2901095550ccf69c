//! The captured webhook and its sealed form.
//!
//! A captured request keeps everything a verifier may need byte for byte: method, path and query as
//! received, headers as an ordered list (duplicates kept, values as raw bytes), the raw body, and the
//! time the relay received it. It is encoded with postcard and sealed with a libsodium-compatible
//! sealed box (X25519 + XSalsa20-Poly1305, crypto_box): anyone with the public key can seal, only the
//! holder of the secret key can open, and tampering is detected.

use base64::Engine;
use crypto_box::{PublicKey, SecretKey};
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
}

/// Seals a captured request to a channel's public key.
pub fn seal(public_key: &[u8; PUBLIC_KEY_LEN], req: &CapturedRequest) -> Result<Vec<u8>, EnvelopeError> {
    let plain = postcard::to_stdvec(req)?;
    PublicKey::from(*public_key).seal(&mut crypto_box::aead::OsRng, &plain).map_err(|_| EnvelopeError::Seal)
}

/// Opens a sealed event with the channel's secret key.
pub fn open(keys: &ChannelKeys, sealed: &[u8]) -> Result<CapturedRequest, EnvelopeError> {
    let plain = keys.secret.unseal(sealed).map_err(|_| EnvelopeError::Open)?;
    Ok(postcard::from_bytes(&plain)?)
}

/// A channel's key pair, held by the desktop only. The secret half zeroes itself on drop.
pub struct ChannelKeys {
    secret: SecretKey,
}

impl ChannelKeys {
    /// A fresh key pair.
    pub fn generate() -> Self {
        ChannelKeys { secret: SecretKey::generate(&mut crypto_box::aead::OsRng) }
    }

    /// Restores a key pair from its 32 secret bytes.
    pub fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        ChannelKeys { secret: SecretKey::from(bytes) }
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

/// Parses a base64 public key from the channel API.
pub fn parse_public_key(b64: &str) -> Result<[u8; PUBLIC_KEY_LEN], EnvelopeError> {
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| EnvelopeError::BadPublicKey)?;
    bytes.try_into().map_err(|_| EnvelopeError::BadPublicKey)
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
