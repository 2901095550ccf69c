//! Templates: the per-account cache synced from the provider, and the send-syntax parser.

pub(crate) mod cache;
pub mod syntax;
mod types;

pub use types::{TemplateSync, TemplateView};
