//! Input rules of the registration domain: the seed's rules for `parent_origin`, `webhook_url` and
//! registration ids, and the sandbox's own rules for what the user types into the pages.
//!
//! The webhook rule has the sandbox's one documented deviation from the seed: see
//! [`webhook_url`].

use std::net::IpAddr;

use url::{Host, Url};

/// Length of a registration id: 22 characters of `[a-z0-9]`, like the seed's example.
pub(crate) const REGISTRATION_ID_LEN: usize = 22;

/// Whether `id` has the shape of a registration id (it may still be unknown).
pub(crate) fn is_registration_id(id: &str) -> bool {
    id.len() == REGISTRATION_ID_LEN && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Checks `parent_origin` and returns it serialised as browsers serialise origins (lowercase host,
/// default port dropped), the form used as `postMessage` target and in `frame-ancestors`.
///
/// Seed: "Use scheme, host, and optional port only. Must start with `http://` or `https://`." So a
/// path (even a lone trailing `/`), query, fragment or user info is refused.
pub(crate) fn parent_origin(raw: &str) -> Result<String, &'static str> {
    let Some(authority) = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://")) else {
        return Err("Invalid parent_origin: must start with http:// or https://");
    };
    if authority.contains(['/', '?', '#', '@', '\\']) {
        return Err("Invalid parent_origin: use scheme, host and optional port only \
                    (no path, trailing slash, query, fragment or user info)");
    }
    // Checked on the raw text: the URL parser would silently drop tabs and trailing controls, and
    // the origin stored would not be the one the partner sent.
    if authority.is_empty() || authority.ends_with(':') || has_space_or_control(authority) {
        return Err("Invalid parent_origin: not a valid origin");
    }
    let url = Url::parse(raw).map_err(|_| "Invalid parent_origin: not a valid origin")?;
    if !url.host().is_some_and(|h| is_browser_host(&h)) {
        return Err("Invalid parent_origin: not a valid origin");
    }
    Ok(url.origin().ascii_serialization())
}

fn has_space_or_control(s: &str) -> bool {
    s.contains(|c: char| c.is_whitespace() || c.is_control())
}

/// A host a page can have as its origin: an IP address, or a DNS name of letter-digit-hyphen
/// labels (after IDNA, which the URL parser applies). The URL standard lets `*`, `_` and other
/// characters through as "opaque" domain code points; no browser origin has them.
fn is_browser_host(host: &Host<&str>) -> bool {
    let Host::Domain(name) = host else { return true };
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Checks `webhook_url`.
///
/// Seed: "HTTPS URL that receives the completion webhook. Must start with `https://`."
///
/// **Deviation (the only one):** the sandbox also accepts `http://` when the host is loopback
/// (`127.0.0.0/8`, `[::1]` or `localhost`), so a relay on the same machine can receive webhooks
/// without TLS. Any other `http://` URL is refused as the seed says.
pub(crate) fn webhook_url(raw: &str) -> Result<(), &'static str> {
    const NOT_HTTPS: &str = "Invalid webhook_url: must start with https:// \
                             (the sandbox also accepts http:// to a loopback host)";
    let lower = raw.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let https = lower.starts_with("https://");
    if !https && !lower.starts_with("http://") {
        return Err(NOT_HTTPS);
    }
    if has_space_or_control(raw) {
        return Err("Invalid webhook_url: not a valid URL");
    }
    let url = Url::parse(raw).map_err(|_| "Invalid webhook_url: not a valid URL")?;
    let Some(host) = url.host().filter(is_browser_host) else { return Err("Invalid webhook_url: not a valid URL") };
    if !https && !is_loopback(&host) {
        return Err(NOT_HTTPS);
    }
    Ok(())
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Why a phone number was refused (each has its own message on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneProblem {
    /// Nothing was entered.
    Missing,
    /// Something other than digits, spaces, `-`, `.`, `(`, `)` and one leading `+`.
    Characters,
    /// Not 8 to 15 digits (E.164 allows at most 15).
    Length,
    /// Starts with 0: a national number, not an international one.
    LeadingZero,
}

/// Normalises a phone number typed in international format to the digits the seed shows
/// (`"421233221242"`: country code first, no `+`).
pub(crate) fn phone(raw: &str) -> Result<String, PhoneProblem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(PhoneProblem::Missing);
    }
    let rest = raw.strip_prefix('+').unwrap_or(raw);
    let rest = rest.strip_prefix("00").filter(|_| !raw.starts_with('+')).unwrap_or(rest);
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')')) {
        return Err(PhoneProblem::Characters);
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(8..=15).contains(&digits.len()) {
        return Err(PhoneProblem::Length);
    }
    if digits.starts_with('0') {
        return Err(PhoneProblem::LeadingZero);
    }
    Ok(digits)
}

/// A plausible e-mail address: one `@`, something before it, a dotted domain after it.
pub(crate) fn email(raw: &str) -> bool {
    let Some((local, domain)) = raw.split_once('@') else { return false };
    !local.is_empty()
        && raw.len() <= 254
        && !domain.contains('@')
        && !raw.contains(|c: char| c.is_whitespace() || c.is_control())
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_origins_are_scheme_host_and_port_only() {
        assert_eq!(parent_origin("https://partner.example"), Ok("https://partner.example".into()));
        assert_eq!(parent_origin("http://127.0.0.1:8791"), Ok("http://127.0.0.1:8791".into()));
        assert_eq!(parent_origin("https://Partner.Example:443"), Ok("https://partner.example".into()));
        assert_eq!(parent_origin("http://[::1]:9000"), Ok("http://[::1]:9000".into()));
        for bad in [
            "https://partner.example/",
            "https://partner.example/app",
            "https://partner.example?x=1",
            "https://partner.example#top",
            "https://user@partner.example",
            "tauri://localhost",
            "ftp://partner.example",
            "partner.example",
            "https://",
            "https://partner.example:",
            "https://partner example",
            " https://partner.example",
            "HTTPS://partner.example",
            // The URL parser strips trailing C0 controls and removes tabs; the origin would be
            // stored "cleaned", different from what the partner sent.
            "https://partner.example\0",
            "https://partner.example\t",
            "https://part\tner.example",
            "https://partner.example\u{7f}",
            // Not a host a browser could have as an origin.
            "https://*",
            "https://*.partner.example",
            "https://partner_example.com",
            "https://partner.example.",
            "https://-partner.example",
            "https://partner..example",
        ] {
            assert!(parent_origin(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn webhook_urls_must_be_https_except_on_loopback() {
        for good in [
            "https://partner.example/api/chatarchitect/whatsapp-registration-webhook",
            "https://partner.example:8443/h?x=1",
            "http://127.0.0.1:8787/h/abc",
            "http://127.8.9.10/h",
            "http://[::1]:8787/h",
            "http://localhost:8787/h",
        ] {
            assert_eq!(webhook_url(good), Ok(()), "{good}");
        }
        for bad in [
            "http://partner.example/h",
            "http://192.168.1.10/h",
            "http://localhost.partner.example/h",
            "ftp://partner.example/h",
            "https://",
            "https:// partner.example/h",
            "/relative",
            "",
            "https://partner.example/h\0",
            "https://*/h",
            "https://*.partner.example/h",
        ] {
            assert!(webhook_url(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phones_normalise_to_international_digits() {
        assert_eq!(phone("+421 233 221 242"), Ok("421233221242".into()));
        assert_eq!(phone("00421-233-221-242"), Ok("421233221242".into()));
        assert_eq!(phone("(421) 233.221.242"), Ok("421233221242".into()));
        assert_eq!(phone("  "), Err(PhoneProblem::Missing));
        assert_eq!(phone("+421 abc"), Err(PhoneProblem::Characters));
        assert_eq!(phone("++421233221242"), Err(PhoneProblem::Characters));
        assert_eq!(phone("+4212"), Err(PhoneProblem::Length));
        assert_eq!(phone("+4212332212421234"), Err(PhoneProblem::Length));
        assert_eq!(phone("0233221242"), Err(PhoneProblem::LeadingZero));
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(email("owner@shop.example"));
        for bad in ["", "owner", "@shop.example", "owner@shop", "owner@shop.", "a@b@c.d", "o wner@shop.example"] {
            assert!(!email(bad), "{bad}");
        }
    }

    #[test]
    fn registration_ids_are_22_lowercase_alphanumerics() {
        assert!(is_registration_id("abc123def456ghi789jkl0"));
        assert!(!is_registration_id("abc123def456ghi789jkl"));
        assert!(!is_registration_id("ABC123DEF456GHI789JKL0"));
        assert!(!is_registration_id("abc123def456ghi789jk-0"));
    }
}
