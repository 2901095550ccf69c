//! Verification of ChatArchitect's signed registration webhook (seed 000, "Completion Webhook").
//!
//! `X-CA-Signature: sha256=<hex HMAC-SHA256(key = partner token, msg = X-CA-Timestamp + "." + raw body)>`.
//! The MAC is computed over the body bytes exactly as the relay captured them — never over a
//! re-serialised JSON value — and compared in constant time. Freshness is judged against the time
//! the relay received the request, not the time the desktop got around to reading it, so an event
//! that waited in the relay while the desktop was offline still verifies.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed timestamp may be from the relay's receive time (seed: "for example 5 minutes").
pub const REPLAY_WINDOW_SECS: i64 = 300;

/// Why a signature was refused. Messages name the problem, never the token or the MAC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A required header is absent.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is not a whole number of seconds.
    #[error("X-CA-Timestamp is not a unix timestamp")]
    BadTimestamp,
    /// The timestamp is outside the replay window around the relay's receive time.
    #[error("stale timestamp: {0} s from the time the relay received it (window {REPLAY_WINDOW_SECS} s)")]
    Stale(i64),
    /// The signature header is not `sha256=<64 hex digits>`.
    #[error("X-CA-Signature is not of the form sha256=<hex>")]
    Malformed,
    /// The MAC does not match.
    #[error("signature does not match")]
    Mismatch,
}

/// The expected `X-CA-Signature` value (used by tests and by nothing that ships secrets anywhere).
pub fn sign(partner_token: &str, timestamp: &str, raw_body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(partner_token, timestamp, raw_body).finalize().into_bytes()))
}

fn mac(partner_token: &str, timestamp: &str, raw_body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(partner_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac
}

/// Checks the timestamp window, then the MAC, in constant time.
///
/// `received_at_ms` is the relay's receive time of this request.
pub fn verify(
    partner_token: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    raw_body: &[u8],
    received_at_ms: i64,
) -> Result<(), SignatureError> {
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader("X-CA-Timestamp"))?.trim();
    let signature = signature.ok_or(SignatureError::MissingHeader("X-CA-Signature"))?.trim();
    let ts: i64 = timestamp.parse().map_err(|_| SignatureError::BadTimestamp)?;
    let skew = received_at_ms.div_euclid(1000) - ts;
    if skew.abs() > REPLAY_WINDOW_SECS {
        return Err(SignatureError::Stale(skew));
    }
    let given = signature.strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let given = hex::decode(given).map_err(|_| SignatureError::Malformed)?;
    if given.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    // verify_slice compares in constant time.
    mac(partner_token, timestamp, raw_body).verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "partner-token-0123456789abcdef";
    const BODY: &[u8] = br#"{"event":"whatsapp.registration.completed","app_secret":"s"}"#;

    fn at(ts: i64) -> i64 {
        ts * 1000 + 400
    }

    #[test]
    fn a_signature_made_per_the_seed_verifies() {
        // Recomputed independently of `sign`, exactly as the seed's Node example does.
        let expected = {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(TOKEN.as_bytes()).unwrap();
            m.update(b"1751623200.");
            m.update(BODY);
            format!("sha256={}", hex::encode(m.finalize().into_bytes()))
        };
        assert_eq!(sign(TOKEN, "1751623200", BODY), expected);
        assert_eq!(verify(TOKEN, Some("1751623200"), Some(&expected), BODY, at(1751623200)), Ok(()));
    }

    #[test]
    fn any_change_to_body_timestamp_or_token_is_a_mismatch() {
        let sig = sign(TOKEN, "1751623200", BODY);
        let mut body = BODY.to_vec();
        body[3] ^= 1;
        assert_eq!(verify(TOKEN, Some("1751623200"), Some(&sig), &body, at(1751623200)), Err(SignatureError::Mismatch));
        assert_eq!(verify(TOKEN, Some("1751623201"), Some(&sig), BODY, at(1751623200)), Err(SignatureError::Mismatch));
        assert_eq!(
            verify("another-token-0123456789", Some("1751623200"), Some(&sig), BODY, at(1751623200)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_by_the_relay_receive_time() {
        let sig = sign(TOKEN, "1751623200", BODY);
        assert_eq!(verify(TOKEN, Some("1751623200"), Some(&sig), BODY, at(1751623200 + 300)), Ok(()));
        assert_eq!(
            verify(TOKEN, Some("1751623200"), Some(&sig), BODY, at(1751623200 + 301)),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            verify(TOKEN, Some("1751623200"), Some(&sig), BODY, at(1751623200 - 301)),
            Err(SignatureError::Stale(-301))
        );
    }

    #[test]
    fn malformed_or_missing_headers_have_their_own_errors() {
        let r = at(1751623200);
        assert_eq!(
            verify(TOKEN, None, Some("sha256=00"), BODY, r),
            Err(SignatureError::MissingHeader("X-CA-Timestamp"))
        );
        assert_eq!(
            verify(TOKEN, Some("1751623200"), None, BODY, r),
            Err(SignatureError::MissingHeader("X-CA-Signature"))
        );
        assert_eq!(verify(TOKEN, Some("soon"), Some("sha256=00"), BODY, r), Err(SignatureError::BadTimestamp));
        assert_eq!(verify(TOKEN, Some("1751623200"), Some("md5=00"), BODY, r), Err(SignatureError::Malformed));
        assert_eq!(verify(TOKEN, Some("1751623200"), Some("sha256=zz"), BODY, r), Err(SignatureError::Malformed));
        assert_eq!(verify(TOKEN, Some("1751623200"), Some("sha256=abcd"), BODY, r), Err(SignatureError::Malformed));
    }
}
