//! wadesk-core integration tests, built as one binary (one link instead of one per file).
// Test helpers may panic on failure like the tests themselves.
#![allow(clippy::unwrap_used)]

mod bindings;
mod contacts;
mod crisp;
mod d360;
mod gupshup;
mod keychain;
mod loopback;
mod messaging;
mod outbox;
mod registration;
mod relay;
mod relay_switch;
mod sendzen;
mod store;
mod store_integrity;

/// Every file in the data dir, with its bytes, sorted by name.
pub(crate) fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}
