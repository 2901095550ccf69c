//! Who is sending: HTTP Basic `APP_ID:APP_SECRET` (seed "Prerequisites and credentials").
//!
//! Two kinds of pair are valid: the built-in demo pair ([`crate::SANDBOX_APP_ID`] /
//! [`crate::SANDBOX_APP_SECRET`]) and every pair the sandbox's registration issued. The latter are
//! not stored anywhere: a registration derives `app_secret` from `app_id` under the partner token
//! that created the session ([`app_secret`]), and this module re-derives it under every configured
//! token. So credentials a desktop saved keep working after the sandbox restarts, as long as it
//! restarts with the same partner tokens. Comparisons are between SHA-256 digests in constant
//! time, and every candidate is compared, so neither the secret's length nor which token matched
//! shows in the timing.

use axum::http::{header, HeaderMap};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::chatarchitect::error::ApiError;
use crate::{Sandbox, SANDBOX_APP_ID, SANDBOX_APP_SECRET};

/// The HMAC message prefix of a derived secret: a fixed domain separator, then the app id.
const DERIVATION_PREFIX: &[u8] = b"wadesk-sandbox app secret\0";

/// `app_secret` for `app_id` issued under partner token `key`: the first 40 characters of the
/// lowercase hex HMAC-SHA256(key, `"wadesk-sandbox app secret\0" + app_id`).
pub(crate) fn app_secret(key: &[u8], app_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(DERIVATION_PREFIX);
    mac.update(app_id.as_bytes());
    let mut secret = hex::encode(mac.finalize().into_bytes());
    secret.truncate(40);
    secret
}

/// The longest APP_ID accepted: registration ids are 23 characters; this leaves room without
/// letting a caller make the sandbox hash megabytes.
const MAX_APP_ID: usize = 128;

/// The app id `Authorization: Basic base64(APP_ID:APP_SECRET)` proves.
///
/// Missing header, another scheme or undecodable credentials: 401 "Missing Basic credentials
/// (APP_ID:APP_SECRET)"; a pair nobody issued: 401 "Invalid APP_ID or APP_SECRET".
pub(crate) fn authenticate(sandbox: &Sandbox, headers: &HeaderMap) -> Result<String, ApiError> {
    const MISSING: &str = "Missing Basic credentials (APP_ID:APP_SECRET)";
    let (app_id, secret) = basic_pair(headers).ok_or(ApiError::unauthorized_basic(MISSING))?;
    if app_id.is_empty() || app_id.len() > MAX_APP_ID || app_id.chars().any(char::is_control) {
        return Err(ApiError::unauthorized_basic("Invalid APP_ID or APP_SECRET"));
    }
    let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    let mut valid = false;
    if app_id == SANDBOX_APP_ID {
        let demo: [u8; 32] = Sha256::digest(SANDBOX_APP_SECRET.as_bytes()).into();
        valid |= bool::from(demo.ct_eq(&presented));
    }
    for key in sandbox.chatarchitect().partners().keys() {
        let derived: [u8; 32] = Sha256::digest(app_secret(key, &app_id).as_bytes()).into();
        valid |= bool::from(derived.ct_eq(&presented));
    }
    if valid {
        Ok(app_id)
    } else {
        Err(ApiError::unauthorized_basic("Invalid APP_ID or APP_SECRET"))
    }
}

/// The decoded `(APP_ID, APP_SECRET)` of a Basic header, split at the first `:`.
fn basic_pair(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_secrets_are_40_hex_characters_bound_to_key_and_app() {
        let s = app_secret(b"partner-token", "ca_app_abc");
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{s}");
        assert_eq!(s, app_secret(b"partner-token", "ca_app_abc"));
        assert_ne!(s, app_secret(b"partner-token", "ca_app_abd"));
        assert_ne!(s, app_secret(b"other-token", "ca_app_abc"));
    }

    #[test]
    fn derived_secret_matches_an_independent_hmac() {
        // Python: hmac.new(b"k", b"wadesk-sandbox app secret\0ca_app_x", hashlib.sha256).hexdigest()[:40]
        assert_eq!(app_secret(b"k", "ca_app_x"), "86c8ed093cba7d61eb70f7c2e3f4b72fac72f00f");
    }
}
