//! ChatArchitect (seed 000), the primary provider: embedded registration (the Partner API client,
//! the signed completion webhook, the registration flow over the store) and messaging (the API
//! client and the parser of its webhooks).

mod answer;
pub mod embedded_sandbox;
mod flow;
pub mod messaging;
pub mod messaging_webhook;
pub mod partner_api;
pub mod registration;
pub mod settings;
pub mod signature;
mod webhook;

pub use flow::{Registrations, StartRegistration};
pub use registration::{RegistrationStatus, RegistrationView};
pub use settings::{RegistrationMode, RegistrationSettingsView};
pub(crate) use webhook::{apply_completion_webhook, is_registration_webhook};

/// The `type` every iframe message carries (seed: "Iframe Events").
pub const MESSAGE_TYPE: &str = "ca.whatsapp.registration";
/// The `event` of the completion webhook body.
pub const COMPLETED_EVENT: &str = "whatsapp.registration.completed";
/// The languages the registration pages support (seed: `lang`).
pub const LANGUAGES: [&str; 5] = ["de", "en", "es", "pt", "ru"];
