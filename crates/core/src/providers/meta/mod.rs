//! The Meta WhatsApp Cloud API shapes that SendZen, 360dialog and Gupshup v3 mirror
//! (PROVIDERS.md §0 and §6): the webhook envelope, its `X-Hub-Signature-256`, and template objects.
//! What is specific to one provider (its send dialect, its endpoints) lives with that provider.

pub mod signature;
pub mod templates;
pub mod webhook;
