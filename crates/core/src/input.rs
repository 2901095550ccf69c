//! The two checks that every place taking a name or an endpoint shares, so one rule holds for all
//! of them: a display name (shown in lists, the terminal and logs) and an http(s) endpoint URL.
//!
//! Deliberately not here: provider-specific fields (credentials, languages), which their owners
//! check, and URLs the provider hands back (see `flow::check_created`).

use crate::error::{Error, Result};

/// Trims `raw` and checks it as text shown to people: non-empty, at most `max_chars`, no control
/// characters and no text-direction controls. `what` names the field in the error.
pub(crate) fn display_text(what: &str, raw: &str, max_chars: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::InvalidInput(format!("{what}: must not be empty")));
    }
    if text.chars().count() > max_chars {
        return Err(Error::InvalidInput(format!("{what}: at most {max_chars} characters")));
    }
    if text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(Error::InvalidInput(format!(
            "{what}: must not contain control characters (text-direction marks included)"
        )));
    }
    Ok(text.to_owned())
}

/// Unicode's bidirectional formatting characters. They are format characters (Cf), not controls
/// (Cc), so `char::is_control` lets them through; yet they reorder the text around them, so a name
/// could show as something it is not ("Trojan Source" spoofing) in the UI, a terminal or a log.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether an endpoint may carry a path (a provider's API base) or must be a bare origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathRule {
    /// Any path: `https://api.example.com/v1`.
    Allowed,
    /// The origin only: `https://registration.example`.
    OriginOnly,
}

/// Checks an endpoint we will send credentials or tokens to: `https://`, or `http://` only for
/// this machine ([`is_loopback`]) since plain http elsewhere would put the token on the wire; a
/// host; no user info, query or fragment (a secret in a URL ends up in logs). `what` names the
/// field in the error; the input itself is never echoed.
pub(crate) fn endpoint_url(what: &str, raw: &str, paths: PathRule) -> Result<url::Url> {
    let bad = |why: &str| Error::InvalidInput(format!("{what}: {why}"));
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("must name a host"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => {
            return Err(bad(
                "must start with https:// (http:// only for this machine: localhost, 127.0.0.0/8 or [::1])",
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain a user name or password; credentials go in their own fields"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not contain a query or fragment"));
    }
    if paths == PathRule::OriginOnly && url.path() != "/" {
        return Err(bad("must be the domain only, like https://registration.example"));
    }
    Ok(url)
}

/// `localhost`, 127.0.0.0/8 or `[::1]`: hosts whose traffic never leaves this machine. Other names
/// that may resolve to loopback (`foo.localhost`, a hosts-file entry) are not trusted to.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_control_or_text_direction_characters_are_refused() {
        assert_eq!(display_text("name", "  Shop  ", 80).unwrap(), "Shop");
        assert_eq!(display_text("name", "Магазин ☕ 東京", 80).unwrap(), "Магазин ☕ 東京");
        for bad in
            ["a\u{7}", "a\nb", "Shop\u{202E}gpj.exe", "\u{2066}x", "x\u{2069}", "a\u{200E}", "a\u{200F}", "a\u{061C}"]
        {
            let e = display_text("name", bad, 80).unwrap_err().to_string();
            assert!(e.starts_with("name:") && e.contains("control"), "{bad:?}: {e}");
        }
        assert!(display_text("name", " ", 80).is_err());
        assert!(display_text("name", &"x".repeat(81), 80).is_err());
    }

    #[test]
    fn plain_http_is_only_for_loopback_hosts() {
        for ok in [
            "https://api.example.com/v1",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:1",
            "http://LOCALHOST",
            "http://[::1]:9",
        ] {
            assert!(endpoint_url("URL", ok, PathRule::Allowed).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.com",
            "http://128.0.0.1",
            "http://10.0.0.1",
            "http://foo.localhost",
            "http://localhost.example.com",
            "http://[::2]",
            "http://[::ffff:8.8.8.8]",
            "ftp://127.0.0.1",
            "https://u:p@x.io",
            "https://x.io?token=1",
            "https://x.io#f",
            "nope",
        ] {
            assert!(endpoint_url("URL", bad, PathRule::Allowed).is_err(), "{bad}");
        }
        assert!(endpoint_url("URL", "https://x.io/path", PathRule::OriginOnly).is_err());
    }

    #[test]
    fn errors_name_the_field_and_never_echo_the_input() {
        let e = endpoint_url("relay URL", "https://user:SECRETPW@x.io", PathRule::Allowed).unwrap_err().to_string();
        assert!(e.starts_with("relay URL:") && !e.contains("SECRETPW"), "{e}");
        let e = endpoint_url("relay URL", "SECRETPW", PathRule::Allowed).unwrap_err().to_string();
        assert!(!e.contains("SECRETPW"), "{e}");
    }
}
