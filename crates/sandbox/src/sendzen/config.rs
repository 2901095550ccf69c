//! How the simulated SendZen behaves: one typed config inside `SandboxConfig`, validated with the
//! rest of it.
//!
//! The seed fixes one value (the iframe URL lives one hour); everything else here is a choice the
//! sources leave open (UNCONFIRMED in PROVIDERS.md §2), made configurable so a client can be tested
//! against more than one reading of them.

use std::time::Duration;

use crate::MessagingConfig;

/// How `POST /v1/partner/onboard` checks `client_webhook_url`. The seed only says the URL must
/// answer 200 to "validation requests"; their form is not documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookCheck {
    /// A `POST` with a small JSON body and `X-Sendzen-Event: webhook.validation` (default).
    Post,
    /// A plain `GET` with the same header.
    Get,
    /// No request: every well-formed URL is reported valid and configured.
    Off,
}

impl WebhookCheck {
    /// `post`, `get` or `off`, as the binary's flag spells them.
    pub fn parse(s: &str) -> Option<WebhookCheck> {
        match s {
            "post" => Some(WebhookCheck::Post),
            "get" => Some(WebhookCheck::Get),
            "off" => Some(WebhookCheck::Off),
            _ => None,
        }
    }
}

/// The SendZen simulator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendzenConfig {
    /// How long an `iframe_url` can be loaded after it was issued (seed: 1 hour).
    pub iframe_ttl: Duration,
    /// How `client_webhook_url` is validated at onboarding (default [`WebhookCheck::Post`]).
    pub webhook_check: WebhookCheck,
    /// Onboarding calls each partner key may make per second (a token bucket holding one second's
    /// worth; default 10). Above it: 429 with `Retry-After`.
    pub partner_rate_per_second: u32,
    /// The `targetOrigin` of the iframe's `postMessage` to its parent (default `"*"`: SendZen
    /// documents none and takes no parent origin, so the page cannot know it). An origin such as
    /// `https://app.example` restricts delivery to that parent.
    pub post_message_target: String,
    /// Status timing, the per-project send rate, `duplicates`, `reorder` and the 24-hour window,
    /// with the ChatArchitect simulator's meaning (`wamid_ids` has none here: SendZen ids are
    /// always wamids).
    pub messaging: MessagingConfig,
}

impl Default for SendzenConfig {
    fn default() -> Self {
        SendzenConfig {
            iframe_ttl: Duration::from_secs(3600),
            webhook_check: WebhookCheck::Post,
            partner_rate_per_second: 10,
            post_message_target: "*".to_owned(),
            messaging: MessagingConfig::default(),
        }
    }
}

/// Longest iframe URL lifetime accepted.
pub const MAX_IFRAME_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

impl SendzenConfig {
    /// Checks every value against its range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.iframe_ttl < Duration::from_secs(1) || self.iframe_ttl > MAX_IFRAME_TTL {
            return Err(format!(
                "SendZen iframe TTL must be between 1 s and {} days, not {} s",
                MAX_IFRAME_TTL.as_secs() / 86_400,
                self.iframe_ttl.as_secs()
            ));
        }
        if !(1..=crate::MAX_RATE_PER_SECOND).contains(&self.partner_rate_per_second) {
            return Err(format!(
                "SendZen partner rate must be between 1 and {} calls per second, not {}",
                crate::MAX_RATE_PER_SECOND,
                self.partner_rate_per_second
            ));
        }
        if self.post_message_target != "*" && !is_origin(&self.post_message_target) {
            return Err(format!(
                "SendZen postMessage target must be \"*\" or an http(s) origin such as https://app.example, not {:?}",
                self.post_message_target
            ));
        }
        self.messaging.validate().map_err(|m| format!("SendZen {m}"))
    }
}

/// Whether `s` is exactly an http(s) origin (scheme, host, optional port; nothing else).
fn is_origin(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.origin().ascii_serialization() == s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seed_and_ranges_are_enforced() {
        let c = SendzenConfig::default();
        assert_eq!(c.iframe_ttl, Duration::from_secs(3600));
        assert_eq!(c.validate(), Ok(()));
        let zero = SendzenConfig { iframe_ttl: Duration::ZERO, ..SendzenConfig::default() };
        assert!(zero.validate().unwrap_err().contains("iframe TTL"));
        let slow = SendzenConfig { partner_rate_per_second: 0, ..SendzenConfig::default() };
        assert!(slow.validate().unwrap_err().contains("partner rate"));
    }

    #[test]
    fn the_post_message_target_is_a_wildcard_or_an_exact_origin() {
        for good in ["*", "https://app.example", "http://127.0.0.1:8787"] {
            let c = SendzenConfig { post_message_target: good.into(), ..SendzenConfig::default() };
            assert_eq!(c.validate(), Ok(()), "{good}");
        }
        for bad in ["", "https://app.example/", "https://app.example/x", "tauri://localhost", "app.example"] {
            let c = SendzenConfig { post_message_target: bad.into(), ..SendzenConfig::default() };
            assert!(c.validate().is_err(), "{bad}");
        }
        assert_eq!(WebhookCheck::parse("get"), Some(WebhookCheck::Get));
        assert_eq!(WebhookCheck::parse("GET"), None);
    }
}
