//! Harness for the cross-process tests of the relay tunnel (ARCHITECTURE.md §5, README "The relay
//! tunnel"): the real `wadesk-relay` process, raw HTTP/1.1 over TCP, a blocking WebSocket stream
//! client, and the `wadesk` CLI on a throwaway install.
//!
//! - [`RelayProcess`] starts the relay on a port it picks itself (read back from its log, so parallel
//!   tests never race for a port) with a private data dir, SIGKILLs it, and restarts it on the same
//!   data.
//! - [`http`] writes requests byte for byte — header case, order, duplicates and framing are the
//!   test's — and reads answers, so what reaches the relay is exactly what a test says it sent.
//! - [`stream`] speaks the stream protocol itself (frames, acks) instead of reusing the desktop's
//!   client, so a bug shared by both ends of the tunnel cannot hide.
//! - [`desktop`] runs the `wadesk` CLI on a passphrase-protected store and reads that store through
//!   `wadesk-core`, the way the app would see it.
//!
//! The harness does not build anything: it runs the binaries cargo left next to the test executable
//! and stops with a clear message when one is missing (`cargo build -p wadesk-relay -p wadesk`).
//! Every child process is killed when its handle drops, so a failing test leaves nothing running.
#![deny(missing_docs)]

pub mod desktop;
pub mod http;
pub mod postgres;
pub mod process;
pub mod remote;
pub mod stream;

use std::path::{Path, PathBuf};

use wadesk_relay_protocol::{open, CapturedRequest, ChannelKeys, CreatedChannel};

pub use desktop::Desktop;
pub use postgres::TestDatabase;
pub use process::{RelayOptions, RelayProcess, ADMIN_TOKEN};
pub use remote::RemoteDesktop;
pub use stream::Stream;

/// A built binary of this workspace. Cargo puts binaries in the target profile dir and test
/// executables one level below, in `deps/`.
///
/// # Panics
/// When the binary is not built, with the command that builds it.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe.parent().and_then(Path::parent).expect("the target dir above deps/");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is not built. These tests run the real binaries and do not build them: run \
         `cargo build -p wadesk-relay -p wadesk` (scripts/build.sh does) with the same CARGO_TARGET_DIR first.",
        path.display()
    );
    path
}

/// A channel created on a test relay, with the key pair that opens its events.
#[derive(Debug)]
pub struct TestChannel {
    /// The key pair (held by the desktop in real use).
    pub keys: ChannelKeys,
    /// What the relay answered: hook path, client key, channel id.
    pub created: CreatedChannel,
}

impl TestChannel {
    /// `/h/<hook token>`.
    pub fn hook_path(&self) -> &str {
        &self.created.hook_path
    }

    /// The stream credential.
    pub fn client_key(&self) -> &str {
        &self.created.client_key
    }

    /// Opens a sealed event of this channel.
    ///
    /// # Panics
    /// When it was not sealed to this channel's key or does not decode.
    pub fn open(&self, sealed: &[u8]) -> CapturedRequest {
        open(&self.keys, sealed).expect("an event sealed to this channel")
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
