//! `x-360dialog-signature: <hex HMAC-SHA256(secret, raw body)>` (PROVIDERS.md §4): on partner
//! webhooks when the partner generated a signing secret in the Partner Hub, and (public code)
//! on messaging webhooks. Most clients read bare hex, one expects a `sha256=` prefix: both are
//! accepted. Computed over the bytes as the relay captured them, compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name (headers are matched without regard to case).
pub const HEADER: &str = "x-360dialog-signature";

/// Why a signature was refused. Messages name the problem, never the secret or the MAC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A secret is configured and the request carries no signature.
    #[error("missing x-360dialog-signature header (a signing secret is set)")]
    Missing,
    /// Not 64 hex digits (optionally after `sha256=`).
    #[error("x-360dialog-signature is not a hex HMAC-SHA256")]
    Malformed,
    /// The MAC does not match.
    #[error("x-360dialog-signature does not match the body")]
    Mismatch,
}

fn mac(secret: &str, raw_body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(raw_body);
    mac
}

/// The header value a sender with `secret` puts on `raw_body` (bare lower-case hex).
pub fn sign(secret: &str, raw_body: &[u8]) -> String {
    hex::encode(mac(secret, raw_body).finalize().into_bytes())
}

/// Checks `header` against `raw_body`, in constant time.
pub fn verify(secret: &str, header: Option<&str>, raw_body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_mac = header.strip_prefix("sha256=").unwrap_or(header);
    if hex_mac.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let given = hex::decode(hex_mac).map_err(|_| SignatureError::Malformed)?;
    mac(secret, raw_body).verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hex_and_prefixed_signatures_verify_and_any_change_does_not() {
        let body = br#"{"event":"channel_live","payload":{"id":"CH1","n":"Jo\u00e3o"}}"#;
        let sig = sign("s3cret-secret", body);
        assert_eq!(sig.len(), 64);
        assert_eq!(verify("s3cret-secret", Some(&sig), body), Ok(()));
        assert_eq!(verify("s3cret-secret", Some(&format!("sha256={sig}")), body), Ok(()));
        assert_eq!(verify("s3cret-secret", Some(&sig.to_uppercase()), body), Ok(()));
        let mut other = body.to_vec();
        other[10] ^= 1;
        assert_eq!(verify("s3cret-secret", Some(&sig), &other), Err(SignatureError::Mismatch));
        assert_eq!(verify("another-secret", Some(&sig), body), Err(SignatureError::Mismatch));
        assert_eq!(verify("s3cret-secret", None, body), Err(SignatureError::Missing));
        assert_eq!(verify("s3cret-secret", Some("abc"), body), Err(SignatureError::Malformed));
    }
}
