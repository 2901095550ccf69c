//! Gupshup Tech Partner linking (seed 002) and messaging (PROVIDERS.md §3): the partner API,
//! the link flow and its store, the callbacks (live event, v3 and v2), and the messaging client
//! (v3 Meta bodies with the v2 template endpoint as the fallback).

pub mod callback;
mod flow;
pub mod linking;
pub mod messaging;
pub mod partner_api;
pub mod settings;

pub use flow::{check_app_name, GupshupLinks, StartLink};
pub use linking::{GupshupLinkView, GupshupStage};

/// Where the embedded sandbox serves Gupshup's partner API, under its origin (crates/sandbox).
pub const SANDBOX_PATH: &str = "/gupshup";
/// Path segment of the hook URL that carries a link's callbacks.
pub const HOOK_PATH: &str = "/gupshup/";
/// The header the subscription's `meta.headers` sets on every callback: the link's secret.
pub const HOOK_SECRET_HEADER: &str = "X-Wadesk-Hook-Secret";

/// An id as Gupshup gives them (uuids in practice).
pub(crate) fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
