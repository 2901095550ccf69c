//! Cross-process tests of the relay tunnel: the real `wadesk-relay` process (killed with SIGKILL and
//! restarted on the same data), raw HTTP/1.1 and WebSocket clients, and the `wadesk` CLI streaming
//! from it. One binary, one module per promise the README makes.
//!
//! Needs `wadesk-relay` and `wadesk` built into the same target dir (`cargo build -p wadesk-relay
//! -p wadesk`; scripts/build.sh does).
// Tests and their helpers may panic on failure.
#![allow(clippy::unwrap_used)]

mod backlog;
mod byte_exact;
mod channels_cli;
mod config;
mod desktop_crash;
mod durability;
mod instances;
mod limits;
mod restore;
