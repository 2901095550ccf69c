//! SendZen (seed 001 for onboarding; PROVIDERS.md §2 for messaging): the HTTP API, the
//! onboarding flow and its store, and the messaging client in SendZen's send dialect over Meta's
//! webhook envelope.

pub mod api;
mod flow;
pub mod messaging;
pub mod onboarding;
#[cfg(test)]
mod onboarding_tests;
pub mod settings;

pub use flow::{SendzenOnboardings, StartOnboarding};
pub use onboarding::{OnboardingStatus, OnboardingView};

/// Where the embedded sandbox serves SendZen's API, under its origin (crates/sandbox).
pub const SANDBOX_PATH: &str = "/sendzen";
