//! The Crisp WhatsApp plugin, simulated from seed 004 (authentication and the callback URL) and
//! PROVIDERS.md §5 (the template list and send as Crisp's quickstart and public clients use them).
//!
//! Everything lives under `/crisp`, standing for `https://plugins.crisp.chat/urn:crisp.im:whatsapp:0`:
//! `GET /wa/api/website/{website_id}/templates`, `POST /wa/api/website/{website_id}/template/send`,
//! and the per-request callback to the URL the owner set in the plugin's "API Settings"
//! (the control surface `/crisp/_sandbox/` stands in for those settings and the "API Tokens"
//! section). Each partner token of the sandbox owns one website whose ids and token pair are
//! derived from it, so they survive a restart. What the sources leave open is listed in the
//! README's "Crisp" assumptions.

mod api;
pub(crate) mod config;
mod control;
mod store;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::chatarchitect::partners::{PartnerId, Partners};
use crate::{Sandbox, SandboxConfig};

/// The path prefix every Crisp route is mounted under.
pub const PREFIX: &str = "/crisp";
/// The failure message of a send to `DEMO_NOT_ON_WHATSAPP` (UNCONFIRMED wording).
pub const MESSAGE_NOT_ON_WHATSAPP: &str = "The recipient phone number is not a WhatsApp account";

/// Crisp's in-memory state inside a [`Sandbox`].
pub(crate) struct Crisp {
    pub(crate) config: config::CrispConfig,
    pub(crate) partners: Partners,
    pub(crate) store: store::Store,
    pub(crate) http: Result<reqwest::Client, String>,
}

impl Crisp {
    pub(crate) fn new(config: &SandboxConfig) -> Crisp {
        let http = reqwest::Client::builder()
            .timeout(crate::chatarchitect::registration::webhook::TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wadesk-sandbox/", env!("CARGO_PKG_VERSION"), " (Crisp simulator)"))
            .build()
            .map_err(|e| format!("sandbox: HTTP client unavailable: {e}"));
        Crisp {
            config: config.crisp.clone(),
            partners: Partners::new(&config.partner_tokens),
            store: store::Store::default(),
            http,
        }
    }
}

/// A website's derived identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Website {
    pub(crate) website_id: String,
    pub(crate) identifier: String,
    pub(crate) key: String,
    pub(crate) from_number: String,
}

fn mac(key: &[u8], label: &str) -> [u8; 32] {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

fn uuid_shape(b: &[u8; 32]) -> String {
    let h = hex::encode(&b[..16]);
    format!("{}-{}-4{}-8{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// The website partner token `key` owns.
pub(crate) fn website(key: &[u8]) -> Website {
    let digits: String = mac(key, "crisp from_number:").iter().take(7).map(|b| char::from(b'0' + b % 10)).collect();
    Website {
        website_id: uuid_shape(&mac(key, "crisp website_id:")),
        identifier: uuid_shape(&mac(key, "crisp identifier:")),
        key: hex::encode(mac(key, "crisp key:")),
        from_number: format!("3361{digits}"),
    }
}

/// The partner whose website's token pair `identifier:key` is (constant time per pair).
pub(crate) fn owner(crisp: &Crisp, identifier: &str, key: &str) -> Option<PartnerId> {
    use subtle::ConstantTimeEq;
    crisp.partners.keyed().map(|(p, k)| (p, website(k))).find_map(|(p, w)| {
        let id_ok = w.identifier.as_bytes().ct_eq(identifier.as_bytes());
        let key_ok = w.key.as_bytes().ct_eq(key.as_bytes());
        bool::from(id_ok & key_ok).then_some(p)
    })
}

/// Every Crisp route, under [`PREFIX`].
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    let api = Router::new().merge(api::routes()).merge(control::routes()).layer(DefaultBodyLimit::max(64 * 1024));
    Router::new().nest(PREFIX, api)
}
