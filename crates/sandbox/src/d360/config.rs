//! How the simulated 360dialog behaves: one typed config inside `SandboxConfig`, validated with
//! the rest of it.
//!
//! Seed 003 fixes the shapes of the Partner Hub calls; the timing of the channel lifecycle, what a
//! second client with the same email does, the rate limit and whether messaging webhooks are signed
//! are left open (UNCONFIRMED in PROVIDERS.md §4), so they are settings here.

use std::time::Duration;

use crate::MessagingConfig;

/// What `POST /partners/{partner_id}/account_sharing/clients` answers for an email that already
/// has a client of the same partner (UNCONFIRMED: the seed does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateClient {
    /// 200 with the existing client (default).
    Existing,
    /// 409 in the Partner Hub error shape.
    Conflict,
}

impl DuplicateClient {
    /// `existing` or `conflict`, as the binary's flag spells them.
    pub fn parse(s: &str) -> Option<DuplicateClient> {
        match s {
            "existing" => Some(DuplicateClient::Existing),
            "conflict" => Some(DuplicateClient::Conflict),
            _ => None,
        }
    }
}

/// The 360dialog simulator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct D360Config {
    /// Delay before each stage of a submitted channel's lifecycle (`channel_created` …
    /// `channel_live`; default 1 s).
    pub stage_delay: Duration,
    /// What a second client with the same email answers (default [`DuplicateClient::Existing`]).
    pub duplicate_client: DuplicateClient,
    /// Partner Hub calls each partner key may make per second (a token bucket holding one
    /// second's worth; default 10). Above it: 429 with `Retry-After`.
    pub partner_rate_per_second: u32,
    /// Whether messaging webhooks carry `x-360dialog-signature` when the channel has a signing
    /// secret (default true; public clients see it there, the docs only promise it on partner
    /// webhooks).
    pub messaging_signature: bool,
    /// Status timing, the per-channel send rate, `duplicates`, `reorder` and the 24-hour window,
    /// with the ChatArchitect simulator's meaning (ids are always wamids).
    pub messaging: MessagingConfig,
}

impl Default for D360Config {
    fn default() -> Self {
        D360Config {
            stage_delay: Duration::from_secs(1),
            duplicate_client: DuplicateClient::Existing,
            partner_rate_per_second: 10,
            messaging_signature: true,
            messaging: MessagingConfig::default(),
        }
    }
}

/// Longest lifecycle stage delay accepted.
pub const MAX_STAGE_DELAY: Duration = Duration::from_secs(3600);

impl D360Config {
    /// Checks every value against its range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.stage_delay > MAX_STAGE_DELAY {
            return Err(format!(
                "360dialog stage delay must be between 0 and {} s, not {} ms",
                MAX_STAGE_DELAY.as_secs(),
                self.stage_delay.as_millis()
            ));
        }
        if !(1..=crate::MAX_RATE_PER_SECOND).contains(&self.partner_rate_per_second) {
            return Err(format!(
                "360dialog partner rate must be between 1 and {} calls per second, not {}",
                crate::MAX_RATE_PER_SECOND,
                self.partner_rate_per_second
            ));
        }
        self.messaging.validate().map_err(|m| format!("360dialog {m}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_ranges_are_enforced() {
        let c = D360Config::default();
        assert_eq!(
            (c.stage_delay, c.duplicate_client, c.partner_rate_per_second),
            (Duration::from_secs(1), DuplicateClient::Existing, 10)
        );
        assert_eq!(c.validate(), Ok(()));
        let slow = D360Config { stage_delay: MAX_STAGE_DELAY + Duration::from_millis(1), ..D360Config::default() };
        assert!(slow.validate().unwrap_err().contains("stage delay"));
        let zero = D360Config { partner_rate_per_second: 0, ..D360Config::default() };
        assert!(zero.validate().unwrap_err().contains("partner rate"));
        assert_eq!(DuplicateClient::parse("conflict"), Some(DuplicateClient::Conflict));
        assert_eq!(DuplicateClient::parse("Existing"), None);
    }
}
