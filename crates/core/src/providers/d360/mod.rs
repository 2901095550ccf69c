//! 360dialog (seed 003 for onboarding, self-hosted Embedded Signup; PROVIDERS.md §4 for
//! messaging): the Partner Hub client, the onboarding flow and its store, partner events, and the
//! messaging client (Meta bodies on `/messages`, `D360-API-KEY`).

mod flow;
pub mod hub;
pub mod messaging;
pub mod onboarding;
pub mod partner_events;
#[cfg(test)]
mod partner_events_tests;
pub mod settings;
pub mod signature;
pub mod signup;

pub use flow::{D360Onboardings, StartD360, HOST_PAGE_PATH};
pub use onboarding::{D360OnboardingView, D360Stage};

/// 360dialog's Partner Hub API.
pub const DEFAULT_HUB_URL: &str = "https://hub.360dialog.io/api/v2";
/// 360dialog's messaging API for Cloud API numbers.
pub const DEFAULT_MESSAGING_URL: &str = "https://waba-v2.360dialog.io";
/// Where the embedded sandbox serves the Partner Hub, under its origin (crates/sandbox).
pub const SANDBOX_HUB_PATH: &str = "/d360/hub/api/v2";
/// Where it serves the messaging API.
pub const SANDBOX_MESSAGING_PATH: &str = "/d360/waba";
/// Where it serves the simulated Meta Embedded Signup.
pub const SANDBOX_SIGNUP_PATH: &str = "/d360/meta/signup";
