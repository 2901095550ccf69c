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
    /// Time a client has to send a whole request head, counted from when the relay starts waiting
    /// for it: on a new connection, and again after each answer on a kept-alive one. Past it the
    /// connection is closed without an answer, so a slow trickle or an idle connection cannot hold
    /// a descriptor for long.
    #[serde(with = "secs")]
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body once its head is in. Past it the answer is
    /// 408 and the connection is closed.
    #[serde(with = "secs")]
    pub body_timeout: Duration,
    /// Connections served at once (WebSocket streams included). Past it new connections wait in
    /// the kernel's listen backlog, unaccepted, until one closes.
    pub max_connections: usize,
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
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
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
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Descriptors kept out of the connection cap for everything else the process opens: the store's
/// database, WAL and reader connections, the listener, standard streams, log files.
pub const FD_HEADROOM: u64 = 64;

/// The default cap never goes above this, however high the descriptor limit: each connection
/// also costs buffers, and a relay serving this many at once wants a bigger machine anyway.
const MAX_CONNECTIONS_CEILING: u64 = 16_384;

/// The file-descriptor soft limit (`RLIMIT_NOFILE`), where the platform has one.
fn fd_soft_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _hard)| soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The descriptor soft limit minus [`FD_HEADROOM`], at least 1 and at most 16 384; 1024 where the
/// platform has no such limit (Windows sockets are not counted against one).
pub fn default_max_connections() -> usize {
    let cap = fd_soft_limit().map_or(1024, |soft| soft.saturating_sub(FD_HEADROOM).clamp(1, MAX_CONNECTIONS_CEILING));
    usize::try_from(cap).unwrap_or(usize::MAX)
}

impl Config {
    /// Checks the connection settings (timeouts and the connection cap) and says what is wrong.
    /// Each timeout must be between 1 ms and its ceiling (10 min for heads, 1 h for bodies), and
    /// the cap between 1 and the descriptor soft limit minus [`FD_HEADROOM`].
    pub fn check_connection_bounds(&self) -> Result<(), String> {
        let ms = Duration::from_millis(1);
        if !(ms..=Duration::from_secs(600)).contains(&self.header_timeout) {
            return Err(format!("header_timeout must be between 1 ms and 600 s, not {:?}", self.header_timeout));
        }
        if !(ms..=Duration::from_secs(3600)).contains(&self.body_timeout) {
            return Err(format!("body_timeout must be between 1 ms and 3600 s, not {:?}", self.body_timeout));
        }
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        if let Some(soft) = fd_soft_limit() {
            let room = soft.saturating_sub(FD_HEADROOM).max(1);
            if self.max_connections as u64 > room {
                return Err(format!(
                    "max_connections {} is above what the file-descriptor limit allows ({soft}, minus {FD_HEADROOM} \
                     kept for the store and logs): raise the limit (ulimit -n, LimitNOFILE=) or lower max_connections",
                    self.max_connections
                ));
            }
        }
        Ok(())
    }
}

mod secs {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_defaults_are_in_range_and_out_of_range_values_are_named() {
        let config = Config::default();
        assert_eq!(config.check_connection_bounds(), Ok(()));
        assert!(config.max_connections >= 1);
        let mut cases = vec![
            (Config { header_timeout: Duration::ZERO, ..Config::default() }, "header_timeout"),
            (Config { header_timeout: Duration::from_secs(601), ..Config::default() }, "header_timeout"),
            (Config { body_timeout: Duration::ZERO, ..Config::default() }, "body_timeout"),
            (Config { body_timeout: Duration::from_secs(3601), ..Config::default() }, "body_timeout"),
            (Config { max_connections: 0, ..Config::default() }, "max_connections"),
        ];
        // Only where there is a descriptor limit to be above.
        if cfg!(unix) {
            cases.push((Config { max_connections: usize::MAX, ..Config::default() }, "max_connections"));
        }
        for (config, field) in cases {
            let message = config.check_connection_bounds().expect_err(field);
            assert!(message.contains(field), "{message}");
        }
        let from_file: Config =
            toml::from_str("header_timeout = 5\nbody_timeout = 20\nmax_connections = 100").expect("a config");
        assert_eq!(
            (from_file.header_timeout, from_file.body_timeout, from_file.max_connections),
            (Duration::from_secs(5), Duration::from_secs(20), 100)
        );
    }
}
