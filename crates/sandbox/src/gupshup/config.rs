//! How the simulated Gupshup behaves. Seed 002 and PROVIDERS.md §3 fix the rates and the 24-hour
//! partner token; the timing of the pipeline and the number of live events are choices, made
//! configurable.

use std::time::Duration;

use crate::MessagingConfig;

/// The Gupshup simulator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GupshupConfig {
    /// How long a partner token is good for (PROVIDERS.md §3: 24 hours).
    pub partner_token_ttl: Duration,
    /// Between pipeline stages (default 1 s; four stages to FINALIZE).
    pub stage_delay: Duration,
    /// How many times the live event is sent (default 1; 2 for duplicate tests).
    pub live_event_copies: u32,
    /// Status timing of sends (sent, delivered, read), as the other simulators.
    pub messaging: MessagingConfig,
}

impl Default for GupshupConfig {
    fn default() -> Self {
        GupshupConfig {
            partner_token_ttl: Duration::from_secs(24 * 3600),
            stage_delay: Duration::from_secs(1),
            live_event_copies: 1,
            messaging: MessagingConfig::default(),
        }
    }
}

impl GupshupConfig {
    /// Checks every value against its range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.partner_token_ttl < Duration::from_secs(1) || self.stage_delay > Duration::from_secs(3600) {
            return Err("Gupshup token TTL must be at least 1 s and the stage delay at most 3600 s".into());
        }
        if !(1..=5).contains(&self.live_event_copies) {
            return Err(format!("Gupshup live event copies must be 1 to 5, not {}", self.live_event_copies));
        }
        self.messaging.validate().map_err(|m| format!("Gupshup {m}"))
    }
}
