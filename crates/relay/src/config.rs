//! Relay configuration: one typed struct, and the only place its values are checked.
//!
//! Values come from a TOML file ([`Config::from_toml_str`]), flags and environment (main.rs), or
//! code (the desktop's embedded relay). Whatever the source, [`Config::validate`] runs before the
//! relay uses a value ([`crate::RelayState::new`] refuses an invalid config), so handlers and tasks
//! can rely on every bound below: no zero interval, no retention that overflows a timestamp.
//!
//! Adding a setting: a field with its bounds in the doc comment, its default, an arm in
//! `set_from_toml`, a line in `validate`, and a name in [`KEYS`].

use std::time::Duration;

/// Every key a TOML file may hold.
pub const KEYS: &[&str] = &[
    "body_limit",
    "retention",
    "rate_per_sec",
    "burst",
    "admin_token",
    "heartbeat",
    "dead_after",
    "header_timeout",
    "body_timeout",
    "max_connections",
];

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// Everything the relay's behaviour depends on. Build it with struct update syntax over
/// [`Config::default`], then let [`crate::RelayState::new`] validate it.
#[derive(Clone)]
pub struct Config {
    /// Largest accepted webhook body in bytes: 1 KiB to 8 MiB (default 4 MiB; Meta sends up to
    /// 3 MB). The ceiling keeps every event frame under the 16 MiB WebSocket frame limit of the
    /// desktop's client, which would otherwise refuse the frame and never get past that event.
    pub body_limit: usize,
    /// How long acked events are kept before deletion (covers provider retry windows): 1 hour to
    /// 3650 days (default 7 days). TOML: seconds.
    pub retention: Duration,
    /// Sustained webhooks per second accepted per channel: 1 to 10,000,000 (default 200).
    pub rate_per_sec: u32,
    /// Burst above the sustained rate: 1 to 10,000,000 (default 2000).
    pub burst: u32,
    /// The credential for creating channels, at least 16 characters; `None` disables channel
    /// creation.
    pub admin_token: Option<String>,
    /// How often the relay pings each stream: 1 s to 300 s (default 10 s). TOML: seconds.
    pub heartbeat: Duration,
    /// A stream with no frame from the client for this long is dropped: more than `heartbeat`, at
    /// most 3600 s (default 30 s). TOML: seconds.
    pub dead_after: Duration,
    /// Time a client has to send a whole request head, counted from when the relay starts waiting
    /// for it: on a new connection, and again after each answer on a kept-alive one. Past it the
    /// connection is closed without an answer, so a slow trickle or an idle connection cannot hold
    /// a descriptor for long. 1 ms to 600 s (default 15 s). TOML: seconds.
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body once its head is in. Past it the answer is
    /// 408 and the connection is closed. 1 ms to 3600 s (default 60 s). TOML: seconds.
    pub body_timeout: Duration,
    /// Connections served at once (WebSocket streams included). Past it new connections wait in
    /// the kernel's listen backlog, unaccepted, until one closes. 1 to the descriptor soft limit
    /// minus [`FD_HEADROOM`] (default: that, at most 16 384).
    pub max_connections: usize,
}

/// Why a configuration was refused. Each message names the key and what it allows.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not TOML.
    #[error("invalid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// A key the relay does not know (a typo would otherwise be silently ignored).
    #[error("unknown setting `{0}`; the known ones are: {known}", known = KEYS.join(", "))]
    UnknownKey(String),
    /// A value of the wrong TOML type.
    #[error("`{key}` must be {expected}")]
    WrongType {
        /// The setting.
        key: &'static str,
        /// What it takes.
        expected: &'static str,
    },
    /// A value outside its range.
    #[error("`{key}` = {got} is out of range: allowed {allowed}")]
    OutOfRange {
        /// The setting.
        key: &'static str,
        /// The value given, with its unit.
        got: String,
        /// The allowed range, with its unit.
        allowed: String,
    },
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 4 * MIB as usize,
            retention: Duration::from_secs(7 * DAY),
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

impl Config {
    /// Parses a TOML file's text over the defaults and validates the result. Pure: no I/O, never
    /// panics, whatever `s` holds.
    pub fn from_toml_str(s: &str) -> Result<Config, ConfigError> {
        let table: toml::Table = toml::from_str(s)?;
        let mut config = Config::default();
        for (key, value) in &table {
            config.set_from_toml(key, value)?;
        }
        config.validate()?;
        Ok(config)
    }

    fn set_from_toml(&mut self, key: &str, value: &toml::Value) -> Result<(), ConfigError> {
        match key {
            "body_limit" => self.body_limit = BODY_LIMIT.read("body_limit", value)?,
            "retention" => self.retention = Duration::from_secs(RETENTION.read("retention", value)?),
            "rate_per_sec" => self.rate_per_sec = RATE.read("rate_per_sec", value)?,
            "burst" => self.burst = BURST.read("burst", value)?,
            "heartbeat" => self.heartbeat = Duration::from_secs(HEARTBEAT.read("heartbeat", value)?),
            "dead_after" => self.dead_after = Duration::from_secs(DEAD_AFTER.read("dead_after", value)?),
            "header_timeout" => {
                self.header_timeout = Duration::from_secs(HEADER_TIMEOUT.read("header_timeout", value)?);
            }
            "body_timeout" => self.body_timeout = Duration::from_secs(BODY_TIMEOUT.read("body_timeout", value)?),
            "max_connections" => self.max_connections = MAX_CONNECTIONS.read("max_connections", value)?,
            "admin_token" => {
                let token =
                    value.as_str().ok_or(ConfigError::WrongType { key: "admin_token", expected: "a string" })?;
                self.admin_token = Some(token.to_owned());
            }
            other => return Err(ConfigError::UnknownKey(other.to_owned())),
        }
        Ok(())
    }

    /// Checks every value against its range (see the field docs). Values past a type's range are
    /// compared as they are, never converted with a cast that could wrap.
    pub fn validate(&self) -> Result<(), ConfigError> {
        BODY_LIMIT.check("body_limit", u64::try_from(self.body_limit).unwrap_or(u64::MAX))?;
        RETENTION.check("retention", self.retention.as_secs())?;
        RATE.check("rate_per_sec", self.rate_per_sec.into())?;
        BURST.check("burst", self.burst.into())?;
        HEARTBEAT.check("heartbeat", self.heartbeat.as_secs())?;
        DEAD_AFTER.check("dead_after", self.dead_after.as_secs())?;
        if self.dead_after <= self.heartbeat {
            return Err(ConfigError::OutOfRange {
                key: "dead_after",
                got: format!("{} s", self.dead_after.as_secs()),
                allowed: format!("more than heartbeat ({} s), at most {} s", self.heartbeat.as_secs(), DEAD_AFTER.max),
            });
        }
        self.check_connection_bounds()?;
        if let Some(token) = &self.admin_token {
            if token.chars().count() < 16 {
                return Err(ConfigError::OutOfRange {
                    key: "admin_token",
                    got: format!("{} characters", token.chars().count()),
                    allowed: "at least 16 characters".into(),
                });
            }
        }
        Ok(())
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
    /// The timeouts (in milliseconds, see above) and the connection cap, which must also leave
    /// [`FD_HEADROOM`] descriptors under the soft limit.
    fn check_connection_bounds(&self) -> Result<(), ConfigError> {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        HEADER_TIMEOUT_MS.check("header_timeout", ms(self.header_timeout))?;
        BODY_TIMEOUT_MS.check("body_timeout", ms(self.body_timeout))?;
        let connections = u64::try_from(self.max_connections).unwrap_or(u64::MAX);
        MAX_CONNECTIONS.check("max_connections", connections)?;
        if let Some(soft) = fd_soft_limit() {
            let room = soft.saturating_sub(FD_HEADROOM).max(1);
            if connections > room {
                return Err(ConfigError::OutOfRange {
                    key: "max_connections",
                    got: connections.to_string(),
                    allowed: format!(
                        "at most {room}: the file-descriptor limit ({soft}) minus {FD_HEADROOM} kept for the store \
                         and logs; raise the limit (ulimit -n, LimitNOFILE=) or lower max_connections"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The inclusive range of one numeric setting, in the unit the TOML file uses.
struct Bounds {
    min: u64,
    max: u64,
    unit: &'static str,
    /// The range in words, when the numbers alone are hard to read.
    human: &'static str,
}

const BODY_LIMIT: Bounds = Bounds { min: KIB, max: 8 * MIB, unit: "bytes", human: "1 KiB to 8 MiB" };
const RETENTION: Bounds = Bounds { min: HOUR, max: 3650 * DAY, unit: "s", human: "1 hour to 3650 days" };
const RATE: Bounds = Bounds { min: 1, max: 10_000_000, unit: "", human: "per second per channel" };
const BURST: Bounds = Bounds { min: 1, max: 10_000_000, unit: "", human: "per channel" };
const HEARTBEAT: Bounds = Bounds { min: 1, max: 300, unit: "s", human: "" };
const DEAD_AFTER: Bounds = Bounds { min: 1, max: HOUR, unit: "s", human: "and more than heartbeat" };
// Timeouts are read from TOML in seconds but may be set finer in code (tests use milliseconds), so
// they are checked in milliseconds.
const HEADER_TIMEOUT: Bounds = Bounds { min: 1, max: 600, unit: "s", human: "" };
const BODY_TIMEOUT: Bounds = Bounds { min: 1, max: HOUR, unit: "s", human: "" };
const HEADER_TIMEOUT_MS: Bounds = Bounds { min: 1, max: 600_000, unit: "ms", human: "" };
const BODY_TIMEOUT_MS: Bounds = Bounds { min: 1, max: HOUR * 1000, unit: "ms", human: "" };
const MAX_CONNECTIONS: Bounds =
    Bounds { min: 1, max: 1 << 20, unit: "", human: "and below the file-descriptor limit minus 64" };

impl Bounds {
    fn check(&self, key: &'static str, got: u64) -> Result<u64, ConfigError> {
        if (self.min..=self.max).contains(&got) {
            return Ok(got);
        }
        Err(self.refuse(key, &got.to_string()))
    }

    fn refuse(&self, key: &'static str, got: &str) -> ConfigError {
        let mut allowed =
            format!("{} to {}", self.with_unit(&self.min.to_string()), self.with_unit(&self.max.to_string()));
        if !self.human.is_empty() {
            allowed.push_str(&format!(" ({})", self.human));
        }
        ConfigError::OutOfRange { key, got: self.with_unit(got), allowed }
    }

    fn with_unit(&self, n: &str) -> String {
        if self.unit.is_empty() {
            n.to_owned()
        } else {
            format!("{n} {}", self.unit)
        }
    }

    /// A TOML integer in range, as the field's type. TOML integers are i64, so a negative one is
    /// refused here rather than converted; every maximum fits the field's type.
    fn read<T: TryFrom<u64>>(&self, key: &'static str, value: &toml::Value) -> Result<T, ConfigError> {
        let n = value.as_integer().ok_or(ConfigError::WrongType { key, expected: "an integer" })?;
        let n = u64::try_from(n).map_err(|_| self.refuse(key, &n.to_string()))?;
        T::try_from(self.check(key, n)?).map_err(|_| self.refuse(key, &n.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(toml: &str) -> String {
        match Config::from_toml_str(toml) {
            Ok(c) => panic!("{toml:?} was accepted: {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn an_empty_file_gives_the_defaults_and_every_key_is_read() {
        let c = Config::from_toml_str("").unwrap();
        assert_eq!(
            (c.body_limit, c.heartbeat, c.dead_after),
            (4 << 20, Duration::from_secs(10), Duration::from_secs(30))
        );
        let c = Config::from_toml_str(
            "body_limit = 1024\nretention = 3600\nrate_per_sec = 1\nburst = 1\nheartbeat = 300\ndead_after = 3600\n\
             admin_token = \"0123456789abcdef\"\n",
        )
        .unwrap();
        assert_eq!((c.body_limit, c.retention, c.rate_per_sec, c.burst), (1024, Duration::from_secs(3600), 1, 1));
        assert_eq!((c.heartbeat, c.dead_after), (Duration::from_secs(300), Duration::from_secs(3600)));
        assert_eq!(c.admin_token.as_deref(), Some("0123456789abcdef"));
        assert!(Config::from_toml_str("retention = 315360000\nbody_limit = 8388608").is_ok(), "the maxima are allowed");
    }

    #[test]
    fn every_value_out_of_range_is_refused_with_its_key_and_range() {
        let cases = [
            ("body_limit = 1023", "`body_limit` = 1023 bytes is out of range: allowed 1024 bytes to 8388608 bytes"),
            ("body_limit = 8388609", "1 KiB to 8 MiB"),
            ("retention = 3599", "`retention` = 3599 s"),
            ("retention = 9223372036854775807", "3650 days"),
            ("retention = -1", "`retention` = -1 s"),
            ("rate_per_sec = 0", "`rate_per_sec` = 0"),
            ("rate_per_sec = 4294967296", "`rate_per_sec` = 4294967296"),
            ("burst = 0", "`burst` = 0"),
            ("heartbeat = 0", "`heartbeat` = 0 s is out of range: allowed 1 s to 300 s"),
            ("heartbeat = 301", "`heartbeat` = 301 s"),
            ("dead_after = 0", "`dead_after` = 0 s"),
            (
                "heartbeat = 30\ndead_after = 30",
                "`dead_after` = 30 s is out of range: allowed more than heartbeat (30 s)",
            ),
            ("admin_token = \"short\"", "`admin_token` = 5 characters"),
            ("admin_token = 5", "`admin_token` must be a string"),
            ("heartbeat = \"10\"", "`heartbeat` must be an integer"),
            ("retension = 3600", "unknown setting `retension`"),
            ("heartbeat = ", "invalid TOML"),
        ];
        for (toml, expected) in cases {
            let message = refused(toml);
            assert!(message.contains(expected), "{toml:?}: {message:?} does not say {expected:?}");
        }
    }

    #[test]
    fn code_built_configs_are_checked_the_same_way() {
        let zero = Config { heartbeat: Duration::ZERO, ..Config::default() };
        assert!(zero.validate().unwrap_err().to_string().contains("`heartbeat` = 0 s"));
        let huge = Config { retention: Duration::MAX, body_limit: usize::MAX, ..Config::default() };
        assert!(huge.validate().is_err());
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn connection_defaults_are_in_range_and_out_of_range_values_are_named() {
        let config = Config::default();
        assert!(config.validate().is_ok());
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
            let message = config.validate().expect_err(field).to_string();
            assert!(message.contains(field), "{message}");
        }
        assert!(Config { header_timeout: Duration::from_millis(300), ..Config::default() }.validate().is_ok());
        let from_file = Config::from_toml_str("header_timeout = 5\nbody_timeout = 20\nmax_connections = 100").unwrap();
        assert_eq!(
            (from_file.header_timeout, from_file.body_timeout, from_file.max_connections),
            (Duration::from_secs(5), Duration::from_secs(20), 100)
        );
        assert!(refused("header_timeout = 0").contains("`header_timeout` = 0 s"));
    }
}
