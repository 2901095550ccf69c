//! Gupshup's Tech Partner API, simulated from seed 002 (link an app, its token, the pipeline, the
//! subscription, the live event) and PROVIDERS.md §3 (partner login, templates, v3 and v2 sends,
//! v3 callbacks). Everything lives under `/gupshup`, standing for `https://partner.gupshup.io`.
//!
//! Tokens are derived, not stored: a partner token is its issue time and an HMAC under the
//! sandbox's partner token (so it expires after `partner_token_ttl` and survives a restart); an
//! app token is an HMAC of the app id. Apps live in memory. Errors are the seed's
//! `{"status": "error", "message"}`. What the sources leave open is in the README's "Gupshup"
//! assumptions.

pub(crate) mod config;
mod messaging;
mod partner;
mod pipeline;
mod store;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::chatarchitect::partners::{PartnerId, Partners};
use crate::{Sandbox, SandboxConfig};

/// The path prefix every Gupshup route is mounted under.
pub const PREFIX: &str = "/gupshup";

/// Gupshup's in-memory state inside a [`Sandbox`].
pub(crate) struct Gupshup {
    pub(crate) config: config::GupshupConfig,
    pub(crate) partners: Partners,
    pub(crate) store: store::Store,
    pub(crate) http: Result<reqwest::Client, String>,
}

impl Gupshup {
    pub(crate) fn new(config: &SandboxConfig) -> Gupshup {
        let http = reqwest::Client::builder()
            .timeout(crate::chatarchitect::registration::webhook::TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wadesk-sandbox/", env!("CARGO_PKG_VERSION"), " (Gupshup simulator)"))
            .build()
            .map_err(|e| format!("sandbox: HTTP client unavailable: {e}"));
        Gupshup {
            config: config.gupshup.clone(),
            partners: Partners::new(&config.partner_tokens),
            store: store::Store::default(),
            http,
        }
    }
}

/// The seed's error answer.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "status": "error", "message": message }))).into_response()
}

pub(crate) fn mac_hex(key: &[u8], label: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    m.update(label.as_bytes());
    hex::encode(&m.finalize().into_bytes()[..20])
}

/// A partner token issued at `issued_at` (unix seconds) for partner `key`.
pub(crate) fn partner_token(key: &[u8], issued_at: u64) -> String {
    format!("gsp.{issued_at}.{}", mac_hex(key, &format!("gupshup partner token:{issued_at}")))
}

/// Why a presented partner token is refused.
pub(crate) enum TokenError {
    Invalid,
    Expired,
}

/// The partner a partner token belongs to, if it is one and still good.
pub(crate) fn partner_of_token(g: &Gupshup, headers: &HeaderMap) -> Result<PartnerId, TokenError> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").trim();
    let mut parts = token.split('.');
    let (Some("gsp"), Some(at), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Invalid);
    };
    let at: u64 = at.parse().map_err(|_| TokenError::Invalid)?;
    let found = g.partners.keyed().find(|(_, key)| {
        bool::from(mac_hex(key, &format!("gupshup partner token:{at}")).as_bytes().ct_eq(mac.as_bytes()))
    });
    let (p, _) = found.ok_or(TokenError::Invalid)?;
    let now = crate::gupshup::store::now_secs();
    if now.saturating_sub(at) > g.config.partner_token_ttl.as_secs() {
        return Err(TokenError::Expired);
    }
    Ok(p)
}

/// The answer to a refused partner token (the wording for "expired" is UNCONFIRMED).
pub(crate) fn token_refused(e: TokenError) -> Response {
    match e {
        TokenError::Invalid => error(StatusCode::UNAUTHORIZED, "Authentication Failed"),
        TokenError::Expired => error(StatusCode::UNAUTHORIZED, "Token expired"),
    }
}

/// Every Gupshup route, under [`PREFIX`].
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    let api = Router::new().merge(partner::routes()).merge(messaging::routes()).layer(DefaultBodyLimit::max(64 * 1024));
    Router::new().nest(PREFIX, api)
}
