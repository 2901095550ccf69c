//! The Crisp WhatsApp plugin (seed 004; PROVIDERS.md §5): an account is a website's token pair
//! (`identifier`, `key`, Basic auth) and its `website_id`. The plugin API sends templates only and
//! answers each accepted send with a `request_id`; the outcome (sent, or not sent and why) comes
//! later as one callback to the URL the website owner pasted into the plugin's API Settings.
//! Crisp signs nothing there, so that URL carries an unguessable part of its own
//! ([`callback`]). Replies and inbound messages live in the Crisp inbox, not in this API.

pub mod callback;
pub mod messaging;
pub mod options;
pub(crate) mod sandbox;

/// Where the embedded sandbox serves the plugin API, under its origin (crates/sandbox).
pub const SANDBOX_PATH: &str = "/crisp";
/// The embedded sandbox's stand-in for the plugin's "API Tokens" and "API Settings", under
/// [`SANDBOX_PATH`].
pub const SANDBOX_CONTROL_PATH: &str = "/_sandbox";
/// The plugin API's root (the website path goes under it).
pub const DEFAULT_BASE_URL: &str = "https://plugins.crisp.chat/urn:crisp.im:whatsapp:0";
