//! wadesk-core integration tests, built as one binary (one link instead of one per file).
// Test helpers may panic on failure like the tests themselves.
#![allow(clippy::unwrap_used)]

mod bindings;
mod keychain;
mod loopback;
mod registration;
mod relay;
mod store;
mod store_integrity;
