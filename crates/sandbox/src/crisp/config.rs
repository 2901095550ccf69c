//! How the simulated Crisp WhatsApp plugin behaves. Seed 004 fixes none of these values; each is
//! a choice the sources leave open (PROVIDERS.md §5, UNCONFIRMED), made configurable.

use std::time::Duration;

/// The Crisp simulator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrispConfig {
    /// From an accepted send to its callback (default 300 ms).
    pub callback_delay: Duration,
    /// Calls each token pair may make per minute (default 60); above it, `rate_status`.
    pub rate_per_minute: u32,
    /// The status of a rate-limited answer: 429 (default) or 420, both documented for Crisp's REST API.
    pub rate_status: u16,
}

impl Default for CrispConfig {
    fn default() -> Self {
        CrispConfig { callback_delay: Duration::from_millis(300), rate_per_minute: 60, rate_status: 429 }
    }
}

/// Longest callback delay accepted.
pub const MAX_CALLBACK_DELAY: Duration = Duration::from_secs(3600);

impl CrispConfig {
    /// Checks every value against its range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.callback_delay > MAX_CALLBACK_DELAY {
            return Err(format!(
                "Crisp callback delay must be at most 3600 s, not {} s",
                self.callback_delay.as_secs()
            ));
        }
        if !(1..=100_000).contains(&self.rate_per_minute) {
            return Err(format!("Crisp rate must be 1 to 100000 calls per minute, not {}", self.rate_per_minute));
        }
        if !matches!(self.rate_status, 420 | 429) {
            return Err(format!("Crisp rate-limit status must be 420 or 429, not {}", self.rate_status));
        }
        Ok(())
    }
}
