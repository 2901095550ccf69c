//! wadesk-core integration tests, built as one binary (one link instead of one per file).

mod bindings;
mod keychain;
mod store;
