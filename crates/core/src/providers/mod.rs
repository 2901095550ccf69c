//! The providers Wadesk can talk to, and what an account of each needs.
//!
//! This is the one place that lists credential names and default endpoints, so the add-account form
//! in the app, the CLI and validation agree. Provider API clients come with the provider issues.

pub mod chatarchitect;
pub mod crisp;
pub mod d360;
pub(crate) mod fields;
pub mod gupshup;
pub(crate) mod http;
pub mod messaging;
pub mod meta;
pub mod sendzen;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A provider (BSP) kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// The embedded local simulator (crates/sandbox).
    Sandbox,
    /// ChatArchitect (seed 000): the primary provider.
    Chatarchitect,
    /// SendZen (seed 001).
    Sendzen,
    /// Gupshup (seed 002).
    Gupshup,
    /// 360dialog (seed 003).
    D360,
    /// Crisp WhatsApp plugin (seed 004).
    Crisp,
}

/// The base URL of the sandbox that runs inside the app.
pub const EMBEDDED_SANDBOX_URL: &str = "sandbox://embedded";

/// What the UI needs to offer a provider in the add-account form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProviderInfo {
    /// Which provider.
    pub kind: ProviderKind,
    /// Name shown to people.
    pub label: String,
    /// The endpoint a new account starts with.
    pub default_base_url: String,
    /// Credential names an account of this provider must have, in form order.
    pub credential_fields: Vec<String>,
}

impl ProviderKind {
    /// Every kind, sandbox first.
    pub const ALL: [ProviderKind; 6] = [
        ProviderKind::Sandbox,
        ProviderKind::Chatarchitect,
        ProviderKind::Sendzen,
        ProviderKind::Gupshup,
        ProviderKind::D360,
        ProviderKind::Crisp,
    ];

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => "Sandbox (local simulator)",
            ProviderKind::Chatarchitect => "ChatArchitect",
            ProviderKind::Sendzen => "SendZen",
            ProviderKind::Gupshup => "Gupshup",
            ProviderKind::D360 => "360dialog",
            ProviderKind::Crisp => "Crisp",
        }
    }

    /// The provider's documented public endpoint (from the seeds).
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => EMBEDDED_SANDBOX_URL,
            ProviderKind::Chatarchitect => "https://api.chatarchitect.com",
            ProviderKind::Sendzen => "https://api.sendzen.io",
            ProviderKind::Gupshup => "https://partner.gupshup.io",
            ProviderKind::D360 => "https://waba-v2.360dialog.io",
            ProviderKind::Crisp => "https://plugins.crisp.chat/urn:crisp.im:whatsapp:0",
        }
    }

    /// Credentials an account needs (seed 000: APP_ID/APP_SECRET over Basic auth; seed 001 and 003:
    /// an API key; seed 002: app id + app token; seed 004: identifier + key, and the website they belong to).
    pub fn credential_fields(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Sandbox => &[],
            ProviderKind::Chatarchitect => &["app_id", "app_secret"],
            ProviderKind::Sendzen => &["api_key"],
            ProviderKind::Gupshup => &["app_id", "app_token"],
            ProviderKind::D360 => &["api_key"],
            ProviderKind::Crisp => &["identifier", "key", "website_id"],
        }
    }

    /// The stable name stored in the database and used by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => "sandbox",
            ProviderKind::Chatarchitect => "chatarchitect",
            ProviderKind::Sendzen => "sendzen",
            ProviderKind::Gupshup => "gupshup",
            ProviderKind::D360 => "d360",
            ProviderKind::Crisp => "crisp",
        }
    }

    /// Parses [`ProviderKind::as_str`].
    pub fn parse(s: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalog entry for this kind.
    pub fn info(self) -> ProviderInfo {
        ProviderInfo {
            kind: self,
            label: self.label().to_owned(),
            default_base_url: self.default_base_url().to_owned(),
            credential_fields: self.credential_fields().iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// All providers, for the add-account form.
pub fn catalog() -> Vec<ProviderInfo> {
    ProviderKind::ALL.into_iter().map(ProviderKind::info).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        assert_eq!(ProviderKind::parse("whatsapp"), None);
    }
}
