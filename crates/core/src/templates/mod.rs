//! Templates: the per-account cache synced from the provider, and the send-syntax parser.

mod types;

pub use types::{TemplateSync, TemplateView};
