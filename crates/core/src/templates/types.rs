//! What the hosts see of templates (IPC and `--json` contract).

use serde::Serialize;
use ts_rs::TS;

/// One template of an account, as last synced.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TemplateView {
    /// The account it belongs to.
    pub account_id: String,
    /// The template id: the UUID of its first `{{…}}` (ChatArchitect), or `name:language` (Meta
    /// templates); for a template that cannot be read, a stable stand-in derived from its text
    /// (`unparsed-…`).
    pub id: String,
    /// As the provider spells it: `MARKETING`, `UTILITY`, `OTP`, or another category.
    pub category: String,
    /// `TEXT`, or the media type of a media template (`IMAGE`, `VIDEO`, `DOCUMENT`).
    pub media: String,
    /// The text the customer reads, placeholders included (`Hello {{1}}`).
    pub body: String,
    /// Placeholder numbers in order of first appearance.
    pub placeholders: Vec<u32>,
    /// For a template with named parameters (Meta's `{{customer_name}}`), the name of each number:
    /// `placeholder_names[n - 1]`. Empty for numbered templates.
    pub placeholder_names: Vec<String>,
    /// The provider's send syntax, exactly as received.
    pub raw: String,
    /// Whether it can be sent.
    pub usable: bool,
    /// Why it cannot be sent, for an unusable template.
    pub problem: Option<String>,
    /// When this list was synced (ms).
    #[ts(type = "number")]
    pub synced_at: i64,
}

/// The outcome of a template sync.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TemplateSync {
    /// The account.
    pub account_id: String,
    /// Templates now listed.
    pub total: u32,
    /// Of which unusable.
    pub unusable: u32,
    /// When (ms).
    #[ts(type = "number")]
    pub synced_at: i64,
}
