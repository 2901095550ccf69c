//! SendZen (seed 001 for onboarding; PROVIDERS.md §2 for messaging): the HTTP API, and the
//! messaging client in SendZen's send dialect over Meta's webhook envelope.

pub mod api;
pub mod messaging;
pub mod settings;

/// Where the embedded sandbox serves SendZen's API, under its origin (crates/sandbox).
pub const SANDBOX_PATH: &str = "/sendzen";
