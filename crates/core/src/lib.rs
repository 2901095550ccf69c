//! Wadesk core: everything that is not UI or transport glue.
//!
//! The desktop shell (`src-tauri`) and the `wadesk` CLI are thin hosts over this crate: they parse
//! arguments, call one function here and map the typed [`Error`]. This crate deliberately knows nothing
//! of Tauri, HTTP servers or terminals, so both hosts see the same data through the same rules.
#![deny(missing_docs)]

pub mod accounts;
pub mod contacts;
pub mod conversations;
pub mod error;
mod input;
pub mod install;
mod loopback;
pub mod messaging;
pub mod outbox;
pub mod providers;
pub mod relay_client;
pub mod secret;
pub mod store;
pub mod templates;
pub mod webhooks;

pub use accounts::{AccountState, AccountView, CredentialInput, MaskedCredential, NewAccount};
pub use error::{ApiError, Error, ErrorCode, Result};
pub use install::{Install, KeyChoice, KeySource, StoreState, StoreStatus};
pub use providers::{ProviderInfo, ProviderKind};
pub use secret::Secret;
pub use store::Store;
