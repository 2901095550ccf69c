//! Relay configuration: one typed struct, from flags, environment or a TOML file (see main.rs).

use std::time::Duration;

/// Everything the relay's behaviour depends on.
#[derive(Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Largest accepted webhook body in bytes (Meta sends up to 3 MB).
    pub body_limit: usize,
    /// How long acked events are kept before deletion (covers provider retry windows).
    #[serde(with = "secs")]
    pub retention: Duration,
    /// Sustained webhooks per second accepted per channel.
    pub rate_per_sec: u32,
    /// Burst above the sustained rate.
    pub burst: u32,
    /// The credential for creating channels; `None` disables channel creation.
    pub admin_token: Option<String>,
    /// How often each side pings the other on the stream.
    #[serde(with = "secs")]
    pub heartbeat: Duration,
    /// A stream with no frame from the client for this long is dropped.
    #[serde(with = "secs")]
    pub dead_after: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 4 * 1024 * 1024,
            retention: Duration::from_secs(7 * 24 * 3600),
            rate_per_sec: 200,
            burst: 2000,
            admin_token: None,
            heartbeat: Duration::from_secs(10),
            dead_after: Duration::from_secs(30),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("body_limit", &self.body_limit)
            .field("retention", &self.retention)
            .field("rate_per_sec", &self.rate_per_sec)
            .field("burst", &self.burst)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "••••"))
            .field("heartbeat", &self.heartbeat)
            .field("dead_after", &self.dead_after)
            .finish()
    }
}

mod secs {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}
