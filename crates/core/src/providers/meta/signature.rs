//! `X-Hub-Signature-256: sha256=<lower-case hex HMAC-SHA256(secret, raw body)>` (PROVIDERS.md §6;
//! SendZen's is the same, §2). The MAC is computed over the body bytes as the relay captured them,
//! never over re-serialised JSON (non-ASCII is escaped on the wire), and compared in constant time.
//! Meta's header carries no timestamp, so there is no replay window: a replayed event is caught
//! by the webhook door's dedupe of what it already applied.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name as Meta spells it (headers are matched without regard to case).
pub const HEADER: &str = "x-hub-signature-256";

/// Why a signature was refused. Messages name the problem, never the secret or the MAC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A secret is configured and the request carries no signature.
    #[error("missing X-Hub-Signature-256 header (a webhook secret is set for this account)")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("X-Hub-Signature-256 is not of the form sha256=<hex>")]
    Malformed,
    /// The MAC does not match.
    #[error("X-Hub-Signature-256 does not match the body")]
    Mismatch,
}

fn mac(secret: &str, raw_body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(raw_body);
    mac
}

/// The header value a sender with `secret` puts on `raw_body` (for tests and simulators).
pub fn sign(secret: &str, raw_body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, raw_body).finalize().into_bytes()))
}

/// Checks `header` against `raw_body`, in constant time.
pub fn verify(secret: &str, header: Option<&str>, raw_body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_mac = header.strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
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
    fn a_signature_over_the_raw_bytes_verifies_and_any_change_does_not() {
        // Minified with an escaped non-ASCII character, as Meta sends it.
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}],"n":"Jo\u00e3o"}"#;
        let header = sign("s3cret", body);
        assert!(header.starts_with("sha256=") && header.len() == 71);
        assert_eq!(verify("s3cret", Some(&header), body), Ok(()));
        assert_eq!(verify("s3cret", Some(&header.to_uppercase().replace("SHA256=", "sha256=")), body), Ok(()));
        let reserialised = serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(body).unwrap()).unwrap();
        assert_eq!(verify("s3cret", Some(&header), &reserialised), Err(SignatureError::Mismatch));
        assert_eq!(verify("other", Some(&header), body), Err(SignatureError::Mismatch));
        assert_eq!(verify("s3cret", None, body), Err(SignatureError::Missing));
        assert_eq!(verify("s3cret", Some("sha1=abc"), body), Err(SignatureError::Malformed));
        assert_eq!(verify("s3cret", Some(&format!("sha256={}", "z".repeat(64))), body), Err(SignatureError::Malformed));
    }
}
