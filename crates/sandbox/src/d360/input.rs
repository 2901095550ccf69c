//! Input rules shared by the Partner Hub and the messaging API: required strings, emails,
//! webhook URLs and headers, and the listings' `filters` / `offset` / `limit` query.
//!
//! Webhook URLs must be `https://`; plain `http://` is accepted only to a loopback host
//! (`127.0.0.0/8`, `[::1]`, `localhost`), as the other simulators do, because the desktop's relay
//! listens on loopback without TLS. Messaging webhook hosts may not contain `_` (360dialog
//! documents that for its webhook destinations).

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Map, Value};
use url::{Host, Url};

/// Longest webhook URL accepted, in bytes.
pub(crate) const MAX_URL: usize = 2048;
/// Most headers a messaging webhook may echo.
pub(crate) const MAX_HEADERS: usize = 10;
/// Longest header value, in bytes.
const MAX_HEADER_VALUE: usize = 1024;
/// Default and largest page of a listing.
pub(crate) const MAX_LIMIT: usize = 1000;

/// `field` as a non-empty string of at most `max` characters; the message names the field.
pub(crate) fn required(map: &Map<String, Value>, field: &str, max: usize) -> Result<String, String> {
    match map.get(field) {
        None | Some(Value::Null) => Err(format!("{field} is required")),
        Some(Value::String(s)) if s.trim().is_empty() => Err(format!("{field} must not be empty")),
        Some(Value::String(s)) if s.chars().count() > max => Err(format!("{field} must be at most {max} characters")),
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            Err(format!("{field} must not contain control characters"))
        }
        Some(Value::String(s)) => Ok(s.trim().to_owned()),
        Some(_) => Err(format!("{field} must be a string")),
    }
}

/// `field` if present: `None` when absent or `null`, else as [`required`].
pub(crate) fn optional(map: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, String> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required(map, field, max).map(Some),
    }
}

/// Whether `s` looks like an email: exactly one `@` with something on both sides, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && !d.is_empty())
        && !s.contains(char::is_whitespace)
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// A webhook URL: absolute `https://` (or `http://` to loopback), no spaces; with `no_underscore`
/// the host may not contain `_`. The message names `field`.
pub(crate) fn webhook_url(raw: &str, field: &str, no_underscore: bool) -> Result<String, String> {
    let invalid = || format!("{field} must be an absolute https:// URL (http:// only to a loopback host)");
    if raw.is_empty() || raw.len() > MAX_URL || raw.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let url = Url::parse(raw).map_err(|_| invalid())?;
    let host = url.host().ok_or_else(invalid)?;
    if no_underscore && matches!(host, Host::Domain(d) if d.contains('_')) {
        return Err(format!("{field} host must not contain underscores"));
    }
    match url.scheme() {
        "https" => Ok(raw.to_owned()),
        "http" if is_loopback(&host) => Ok(raw.to_owned()),
        _ => Err(invalid()),
    }
}

/// Whether `name` is an HTTP header name (RFC 9110 token characters).
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers the sandbox sets itself and a registration may not override.
const RESERVED: &[&str] =
    &["content-type", "content-length", "host", "transfer-encoding", "connection", super::SIGNATURE_HEADER];

/// The `headers` of a webhook registration: an object of at most [`MAX_HEADERS`] string values
/// under token names (not one the sandbox sets itself), in the order given.
pub(crate) fn webhook_headers(value: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let map = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("headers must be an object of header names to string values".to_owned()),
    };
    if map.len() > MAX_HEADERS {
        return Err(format!("headers: at most {MAX_HEADERS} headers, not {}", map.len()));
    }
    let mut out = Vec::new();
    for (name, value) in map {
        if !is_token(name) || RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!("headers: {name:?} is not a header name a webhook may carry"));
        }
        let Some(v) = value.as_str().filter(|v| v.len() <= MAX_HEADER_VALUE && !v.contains(|c: char| c.is_control()))
        else {
            return Err(format!("headers: the value of {name} must be a string without control characters"));
        };
        out.push((name.clone(), v.to_owned()));
    }
    Ok(out)
}

/// A listing's query: `filters` (URL-encoded JSON object of `allowed` keys to strings),
/// `offset` (default 0) and `limit` (default and at most [`MAX_LIMIT`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Listing {
    pub(crate) filters: Vec<(String, String)>,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
}

impl Listing {
    pub(crate) fn parse(query: &HashMap<String, String>, allowed: &[&str]) -> Result<Listing, String> {
        let mut filters = Vec::new();
        if let Some(raw) = query.get("filters").filter(|r| !r.trim().is_empty()) {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw) else {
                return Err("filters must be a JSON object".to_owned());
            };
            for (key, value) in map {
                if !allowed.contains(&key.as_str()) {
                    return Err(format!("filters: unknown key {key:?} (allowed: {})", allowed.join(", ")));
                }
                let Value::String(v) = value else { return Err(format!("filters: {key} must be a string")) };
                filters.push((key, v));
            }
        }
        let number = |name: &str, default: usize, max: usize| match query.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("{name} must be an integer from 0 to {max}")),
        };
        Ok(Listing { filters, offset: number("offset", 0, usize::MAX)?, limit: number("limit", MAX_LIMIT, MAX_LIMIT)? })
    }

    /// Whether an item whose filterable fields are `fields` passes every filter.
    pub(crate) fn matches(&self, fields: &[(&str, &str)]) -> bool {
        self.filters.iter().all(|(k, v)| fields.iter().any(|(fk, fv)| fk == k && fv == v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_strings_are_named_when_wrong() {
        let m = json!({ "a": "x", "b": " ", "c": 3, "d": "y".repeat(201) });
        let m = m.as_object().unwrap();
        assert_eq!(required(m, "a", 200), Ok("x".to_owned()));
        assert_eq!(required(m, "z", 200).unwrap_err(), "z is required");
        assert!(required(m, "b", 200).unwrap_err().contains("empty"));
        assert!(required(m, "c", 200).unwrap_err().contains("string"));
        assert!(required(m, "d", 200).unwrap_err().contains("200"));
        assert_eq!(optional(m, "z", 200), Ok(None));
    }

    #[test]
    fn emails_have_one_at_sign() {
        assert!(is_email("owner@shop.example"));
        for bad in ["", "owner", "@shop", "owner@", "a@b@c", "o wner@shop"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn webhook_urls_are_https_or_loopback_http() {
        for good in ["https://hooks.example/x", "http://127.0.0.1:9/h", "http://localhost/h", "http://[::1]:8/h"] {
            assert!(webhook_url(good, "url", true).is_ok(), "{good}");
        }
        for bad in ["", "http://hooks.example/x", "ftp://x.example", "https://", "https://a b.example", "/relative"] {
            assert!(webhook_url(bad, "url", true).is_err(), "{bad}");
        }
        assert!(webhook_url("https://my_host.example/h", "url", true).unwrap_err().contains("underscore"));
        assert!(webhook_url("https://my_host.example/h", "webhook_url", false).is_ok());
    }

    #[test]
    fn webhook_headers_are_few_string_valued_tokens() {
        let ok = webhook_headers(Some(&json!({ "X-Secret": "s", "Authorization": "Bearer t" }))).unwrap();
        assert_eq!(ok.len(), 2);
        assert!(webhook_headers(Some(&json!({ "Bad Name": "s" }))).is_err());
        assert!(webhook_headers(Some(&json!({ "X-N": 1 }))).is_err());
        assert!(webhook_headers(Some(&json!({ "Content-Type": "x" }))).is_err());
        assert!(webhook_headers(Some(&json!({ "x-360dialog-signature": "x" }))).is_err());
        assert!(webhook_headers(Some(&json!(["X"]))).is_err());
        let many: Map<String, Value> = (0..11).map(|i| (format!("X-{i}"), json!("v"))).collect();
        assert!(webhook_headers(Some(&Value::Object(many))).unwrap_err().contains("at most"));
        assert_eq!(webhook_headers(None), Ok(Vec::new()));
    }

    #[test]
    fn listings_parse_filters_and_paging() {
        let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let l = Listing::parse(&q(&[("filters", r#"{"email":"a@b"}"#), ("limit", "5")]), &["email", "id"]).unwrap();
        assert_eq!((l.filters.clone(), l.offset, l.limit), (vec![("email".into(), "a@b".into())], 0, 5));
        assert!(l.matches(&[("id", "CL1"), ("email", "a@b")]) && !l.matches(&[("email", "c@d")]));
        assert!(Listing::parse(&q(&[("filters", "{")]), &["id"]).is_err());
        assert!(Listing::parse(&q(&[("filters", r#"{"name":"x"}"#)]), &["id"]).unwrap_err().contains("unknown"));
        assert!(Listing::parse(&q(&[("filters", r#"{"id":1}"#)]), &["id"]).is_err());
        assert!(Listing::parse(&q(&[("limit", "1001")]), &["id"]).is_err());
        assert_eq!(Listing::parse(&q(&[]), &["id"]).unwrap().limit, MAX_LIMIT);
    }
}
