//! The real `wadesk-relay` process.
//!
//! It listens on `127.0.0.1:0` and the harness reads the port from its "relay listening" log line,
//! so parallel tests never race for a free port. Each start logs to its own file next to (never
//! inside) the data dir, so scans of the data dir see only what the relay stores. [`RelayProcess::kill`]
//! is SIGKILL (`Child::kill` on Unix): no shutdown hook, no final checkpoint, the WAL stays as it was.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wadesk_relay_protocol::{ChannelKeys, CreatedChannel};

use crate::http::{self, HttpConn, Response};
use crate::stream::{self, Stream};
use crate::{bin, TestChannel};

/// The admin token test relays are started with.
pub const ADMIN_TOKEN: &str = "relay-tests-admin-token-0123456789";

/// Every environment variable the relay reads, cleared so the caller's environment cannot leak in.
const RELAY_ENV: &[&str] = &[
    "WADESK_RELAY_CONFIG",
    "WADESK_RELAY_LISTEN",
    "WADESK_RELAY_DATA_DIR",
    "WADESK_RELAY_BODY_LIMIT",
    "WADESK_RELAY_RETENTION_DAYS",
    "WADESK_RELAY_RATE",
    "WADESK_RELAY_BURST",
    "WADESK_RELAY_ADMIN_TOKEN_FILE",
    "WADESK_RELAY_ADMIN_TOKEN",
    "WADESK_RELAY_URL",
    "WADESK_RELAY_DATABASE_URL",
];

/// The database files of a relay's data dir.
const DB_FILES: [&str; 3] = ["relay.db", "relay.db-wal", "relay.db-shm"];

fn copy_db(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the destination dir");
    for name in DB_FILES {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name)).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        }
    }
}

/// Removes every variable the relay reads from `cmd`'s environment.
pub fn clear_relay_env(cmd: &mut Command) {
    for var in RELAY_ENV {
        cmd.env_remove(var);
    }
}

/// How a test relay is started.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// `--body-limit` (the relay's default when `None`).
    pub body_limit: Option<usize>,
    /// `--rate-per-sec`.
    pub rate_per_sec: u32,
    /// `--burst`.
    pub burst: u32,
    /// `WADESK_RELAY_ADMIN_TOKEN`; `None` starts a relay with channel creation disabled.
    pub admin_token: Option<String>,
    /// `WADESK_RELAY_DATABASE_URL`: the PostgreSQL store instead of SQLite in the data dir.
    pub database_url: Option<String>,
}

impl Default for RelayOptions {
    /// The admin token set, and the rate limit out of the way: tests post thousands of webhooks a
    /// second to one channel. Tests of the limit set their own.
    fn default() -> Self {
        RelayOptions {
            body_limit: None,
            rate_per_sec: 1_000_000,
            burst: 1_000_000,
            admin_token: Some(ADMIN_TOKEN.into()),
            database_url: None,
        }
    }
}

/// A running (or killed) relay process and its private directory.
#[derive(Debug)]
pub struct RelayProcess {
    home: tempfile::TempDir,
    options: RelayOptions,
    child: Option<Child>,
    addr: SocketAddr,
    starts: u32,
}

impl RelayProcess {
    /// Starts a relay on a fresh data dir and waits until `/healthz` answers.
    ///
    /// # Panics
    /// When the binary is missing, or the relay exits or does not listen within 20 s (with its log).
    pub fn start(options: RelayOptions) -> RelayProcess {
        let home = tempfile::Builder::new().prefix("wadesk-relay-test-").tempdir().expect("a temp dir");
        let mut relay =
            RelayProcess { home, options, child: None, addr: SocketAddr::from(([127, 0, 0, 1], 0)), starts: 0 };
        relay.spawn(SocketAddr::from(([127, 0, 0, 1], 0)));
        relay
    }

    /// Where the relay keeps `relay.db` (and its WAL).
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// The address it listens on (changes with each start).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, as the desktop is given it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything the relay logged across its starts.
    pub fn log(&self) -> String {
        (1..=self.starts).map(|n| std::fs::read_to_string(self.log_path(n)).unwrap_or_default()).collect()
    }

    /// SIGKILLs the process and reaps it. No-op when it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the relay");
            child.wait().expect("reap the relay");
        }
    }

    /// Kills the relay if it runs, then starts it again on the same data dir (on a new port).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn(SocketAddr::from(([127, 0, 0, 1], 0)));
    }

    /// Kills the relay if it runs, then starts it again on the same data dir and the same address,
    /// as an operator's relay comes back: a desktop configured with its URL reaches it again.
    pub fn restart_at_the_same_address(&mut self) {
        self.kill();
        self.spawn(self.addr);
    }

    /// A copy of the data dir's `relay.db` and its WAL files, taken with the relay stopped (the
    /// README's cold backup).
    ///
    /// # Panics
    /// When the relay is running, or the files cannot be copied.
    pub fn backup(&self) -> tempfile::TempDir {
        assert!(self.child.is_none(), "stop the relay before taking a cold backup");
        let backup = tempfile::Builder::new().prefix("wadesk-relay-backup-").tempdir().expect("a temp dir");
        copy_db(&self.data_dir(), backup.path());
        backup
    }

    /// Puts a [`RelayProcess::backup`] back in place of the data dir's database.
    ///
    /// # Panics
    /// When the relay is running, or the files cannot be copied.
    pub fn restore(&self, backup: &Path) {
        assert!(self.child.is_none(), "stop the relay before restoring a backup");
        for name in DB_FILES {
            let _ = std::fs::remove_file(self.data_dir().join(name));
        }
        copy_db(backup, &self.data_dir());
    }

    fn log_path(&self, start: u32) -> PathBuf {
        self.home.path().join(format!("relay-{start}.log"))
    }

    fn spawn(&mut self, listen: SocketAddr) {
        self.starts += 1;
        let log_path = self.log_path(self.starts);
        let log = File::create(&log_path).expect("the relay's log file");
        let mut cmd = Command::new(bin("wadesk-relay"));
        cmd.arg("--listen").arg(listen.to_string()).arg("--data-dir").arg(self.data_dir());
        cmd.arg("--rate-per-sec").arg(self.options.rate_per_sec.to_string());
        cmd.arg("--burst").arg(self.options.burst.to_string());
        if let Some(limit) = self.options.body_limit {
            cmd.arg("--body-limit").arg(limit.to_string());
        }
        clear_relay_env(&mut cmd);
        if let Some(token) = &self.options.admin_token {
            cmd.env("WADESK_RELAY_ADMIN_TOKEN", token);
        }
        if let Some(url) = &self.options.database_url {
            cmd.env("WADESK_RELAY_DATABASE_URL", url);
        }
        cmd.env("NO_COLOR", "1").env("RUST_LOG", "info");
        // The relay logs to stdout (tracing's default); panics and clap errors go to stderr.
        cmd.stdin(Stdio::null()).stdout(log.try_clone().expect("the relay's log file")).stderr(log);
        let mut child = cmd.spawn().expect("spawn wadesk-relay");
        let deadline = Instant::now() + Duration::from_secs(20);
        let addr = loop {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(addr) = listening_addr(&text) {
                break addr;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("wadesk-relay exited ({status}) before listening; its log:\n{text}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wadesk-relay did not listen within 20 s; its log:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.child = Some(child);
        self.addr = addr;
        let health = self.request(&http::get_request("/healthz", &[]));
        assert_eq!(health.status, 200, "/healthz: {}", health.text());
        assert_eq!(health.json()["status"], "ok", "/healthz: {}", health.text());
    }

    /// A new keep-alive connection.
    ///
    /// # Panics
    /// When the relay does not accept it.
    pub fn connect(&self) -> HttpConn {
        HttpConn::connect(self.addr).unwrap_or_else(|e| panic!("connect to the relay at {}: {e}", self.addr))
    }

    /// Sends one raw request on a new connection and reads the answer.
    ///
    /// # Panics
    /// When the connection fails before an answer.
    pub fn request(&self, raw: &[u8]) -> Response {
        self.connect().request(raw).unwrap_or_else(|e| panic!("request to the relay failed: {e}\n{}", self.log()))
    }

    /// POSTs `body` to `target` with only `Host` and `Content-Length`.
    pub fn post(&self, target: &str, body: &[u8]) -> Response {
        self.request(&http::post_request(target, &[], body))
    }

    /// Creates a channel for a fresh key pair with the admin token.
    ///
    /// # Panics
    /// When the relay does not answer 200 with a channel.
    pub fn create_channel(&self) -> TestChannel {
        let keys = ChannelKeys::generate();
        let body = serde_json::json!({ "public_key": keys.public_key_b64(), "label": "relay tests" }).to_string();
        let auth = format!("Bearer {}", self.options.admin_token.as_deref().unwrap_or_default());
        let res = self.request(&http::post_request(
            "/v1/channels",
            &[("Content-Type", b"application/json"), ("Authorization", auth.as_bytes())],
            body.as_bytes(),
        ));
        assert_eq!(res.status, 200, "channel creation: {}", res.text());
        let created: CreatedChannel = serde_json::from_slice(&res.body).expect("a created channel");
        TestChannel { keys, created }
    }

    /// `GET /v1/channel` with `client_key`: the relay's head, acked seq and backlog.
    ///
    /// # Panics
    /// When the relay does not answer 200.
    pub fn stats(&self, client_key: &str) -> ChannelStats {
        let auth = format!("Bearer {client_key}");
        let res = self.request(&http::get_request("/v1/channel", &[("Authorization", auth.as_bytes())]));
        assert_eq!(res.status, 200, "channel stats: {}", res.text());
        serde_json::from_slice(&res.body).expect("channel stats")
    }

    /// Opens the event stream after `cursor` with `client_key`.
    pub fn stream(&self, client_key: &str, cursor: u64) -> Result<Stream, tungstenite::Error> {
        stream::connect(self.addr, client_key, cursor)
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What `GET /v1/channel` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct ChannelStats {
    /// Latest stored seq.
    pub head: u64,
    /// Highest seq the desktop acked.
    pub acked: u64,
    /// Stored and not acked.
    pub backlog: u64,
}

/// The address in the relay's "relay listening addr=…" line (ANSI colours stripped, in case).
fn listening_addr(log: &str) -> Option<SocketAddr> {
    let line = log.lines().find(|l| l.contains("relay listening"))?;
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ … letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    let rest = &plain[plain.find("addr=")? + "addr=".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_address_is_read_with_or_without_colours() {
        let plain = "2026-01-01T00:00:00Z  INFO wadesk_relay: relay listening addr=127.0.0.1:4321 data_dir=/tmp/x\n";
        assert_eq!(listening_addr(plain), Some(SocketAddr::from(([127, 0, 0, 1], 4321))));
        let coloured = "\u{1b}[2m2026\u{1b}[0m relay listening \u{1b}[3maddr\u{1b}[0m\u{1b}[2m=\u{1b}[0m127.0.0.1:99 x";
        assert_eq!(listening_addr(coloured), Some(SocketAddr::from(([127, 0, 0, 1], 99))));
        assert_eq!(listening_addr("starting\n"), None);
    }
}
