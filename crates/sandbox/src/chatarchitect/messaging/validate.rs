//! Input rules shared by the messaging endpoints: the JSON body, `channel`, `destination`, webhook
//! URLs and the seed's string booleans.
//!
//! Seed: phone numbers are "international format without `+`, spaces, or brackets", and
//! `webhook` "must be an HTTPS URL reachable from the public internet". **Deviation:** plain
//! `http://` is also accepted when the host is loopback (`127.0.0.0/8`, `[::1]`, `localhost`),
//! because the desktop's embedded relay listens on loopback without TLS; any other `http://` URL
//! is refused.

use std::net::IpAddr;

use serde_json::{Map, Value};
use url::{Host, Url};

use crate::chatarchitect::error::ApiError;

/// The body as a JSON object (400 otherwise).
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    crate::chatarchitect::registration::partner_api::json_object(body)
}

/// `channel` must be `"whatsapp"`.
pub(crate) fn channel(body: &Map<String, Value>) -> Result<(), ApiError> {
    match body.get("channel") {
        Some(Value::String(s)) if s == "whatsapp" => Ok(()),
        None | Some(Value::Null) => Err(ApiError::bad_request("Missing channel: must be \"whatsapp\"")),
        Some(_) => Err(ApiError::bad_request("Invalid channel: only \"whatsapp\" is supported")),
    }
}

/// Whether `s` is 8 to 15 digits not starting with 0 (E.164 without `+`).
pub(crate) fn is_phone(s: &str) -> bool {
    (8..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// `field` as a phone number in the seed's format.
pub(crate) fn phone_field(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("Missing {field}"))),
        Some(Value::String(s)) if is_phone(s) => Ok(s.clone()),
        Some(_) => Err(ApiError::bad_request(format!(
            "Invalid {field}: use international format without +, spaces or brackets, 8 to 15 digits (e.g. 421233221242)"
        ))),
    }
}

/// `destination` (see [`phone_field`]).
pub(crate) fn destination(body: &Map<String, Value>) -> Result<String, ApiError> {
    phone_field(body, "destination")
}

/// A boolean the seed writes as a string (`"true"`/`"false"`); public clients send JSON booleans.
pub(crate) fn flag(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(format!("Invalid {field}: expected \"true\" or \"false\""))),
    }
}

/// Longest webhook URL accepted.
const MAX_URL: usize = 2048;

/// An optional webhook URL field: absolute, `https://` (or `http://` to loopback), no spaces or
/// control characters.
pub(crate) fn webhook_field(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    let raw = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => return Err(ApiError::bad_request(format!("Invalid {field}: must be a string"))),
    };
    let invalid = || ApiError::bad_request(format!("Invalid {field}: not an absolute URL"));
    if raw.is_empty() || raw.len() > MAX_URL || raw.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let url = Url::parse(raw).map_err(|_| invalid())?;
    let host = url.host().ok_or_else(invalid)?;
    match url.scheme() {
        "https" => Ok(Some(raw.clone())),
        "http" if is_loopback(&host) => Ok(Some(raw.clone())),
        _ => Err(ApiError::bad_request(format!(
            "Invalid {field}: must be an https:// URL (the sandbox also accepts http:// to a loopback host)"
        ))),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// An absolute `http(s)` URL a message payload points at (media the recipient downloads).
pub(crate) fn media_url(s: &str) -> bool {
    s.len() <= MAX_URL
        && !s.contains(|c: char| c.is_whitespace() || c.is_control())
        && Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(url: &str) -> Result<Option<String>, ApiError> {
        webhook_field(serde_json::json!({ "webhook": url }).as_object().unwrap(), "webhook")
    }

    #[test]
    fn webhooks_are_https_or_loopback_http() {
        for good in [
            "https://crm.example/hook?t=1",
            "http://127.0.0.1:8787/h",
            "http://127.5.0.1/h",
            "http://[::1]:1/h",
            "http://localhost:9/h",
        ] {
            assert!(hook(good).is_ok(), "{good}");
        }
        for bad in [
            "http://crm.example/h",
            "http://10.0.0.1/h",
            "ftp://crm.example/h",
            "/relative",
            "",
            "https://crm.example/h\n",
            "https://crm .example/h",
            "http://localhost.evil.example/h",
        ] {
            assert!(hook(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phones_are_8_to_15_digits_without_plus() {
        assert!(is_phone("421233221242") && is_phone("15550000001"));
        for bad in ["+421233221242", "4212 33221242", "1234567", "1234567890123456", "0421233221242"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
