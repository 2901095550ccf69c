//! SendZen, simulated from seed 001 (the "Partner Integration Guide", the specification of
//! onboarding) and PROVIDERS.md §2 (the messaging API as SendZen's official SDK and n8n node use
//! it) and §6 (the Meta Cloud API shapes SendZen passes through).
//!
//! Every route lives under `/sendzen`, so an account whose base URL is `<sandbox>/sendzen` calls
//! `<base>/v1/...` exactly as it would call `https://api.sendzen.io/v1/...`:
//!
//! - partner onboarding ([`onboard`]): `POST /v1/partner/onboard` creates (or finds) the project
//!   of a partner's customer and issues a one-hour `iframe_url`;
//! - the onboarding iframe ([`iframe`]): a server-rendered simulated Meta signup whose outcome
//!   ([`outcome`]) goes to the parent window and the project's webhook;
//! - messaging with the customer's `api_key` ([`account`]: key check, `/v1/waba`, templates;
//!   [`messages`]: sends and mark-read; [`events`]: statuses; [`inbound`]: simulated customers);
//! - a control surface under `/_sandbox/` ([`control`]) standing in for SendZen's dashboard and
//!   for test hooks.
//!
//! Nothing here assumes a particular client: where the sources are silent the choice is stated in
//! the module that makes it and listed in the README's assumptions. State lives in memory
//! (`store`); a project's ids and key are derived from its partner token ([`identity`]), so a
//! customer key issued before a restart still works and re-onboarding returns it again.
//!
//! The public items are the fixed names tests and demos can rely on: the template catalogue, the
//! failure codes and messages, the webhook headers, and the demo numbers (shared with the
//! ChatArchitect simulator: [`DEMO_NOT_ON_WHATSAPP`] fails with [`CODE_UNDELIVERABLE`], and so on).

mod account;
pub(crate) mod auth;
pub(crate) mod catalogue;
pub(crate) mod config;
mod control;
pub(crate) mod error;
pub(crate) mod events;
pub(crate) mod identity;
mod iframe;
pub(crate) mod inbound;
pub(crate) mod messages;
pub(crate) mod onboard;
pub(crate) mod outcome;
pub(crate) mod project;
mod store;
pub(crate) mod template_send;
pub(crate) mod webhooks;

pub use self::catalogue::{
    template_languages, template_names, DEFAULT_LIMIT, MAX_LIMIT, TEMPLATE_APPOINTMENT_REMINDER,
    TEMPLATE_CUSTOMER_GREETING, TEMPLATE_HELLO_WORLD, TEMPLATE_LOAN_OFFER, TEMPLATE_NEW_COLLECTION,
    TEMPLATE_ORDER_UPDATE, TEMPLATE_SUMMER_SALE,
};
pub use self::error::{
    CODE_ACCESS_DENIED, CODE_INTERNAL, CODE_INVALID_API_KEY, CODE_INVALID_JSON, CODE_INVALID_RECIPIENT,
    CODE_INVALID_SENDER, CODE_MISSING_API_KEY, CODE_NOT_FOUND, CODE_PARAMETER_COUNT, CODE_PARAMETER_FORMAT,
    CODE_RATE_LIMIT, CODE_TEMPLATE_NOT_APPROVED, CODE_TEMPLATE_NOT_FOUND, CODE_VALIDATION, CODE_WABA_NOT_CONNECTED,
};
pub use self::events::{CODE_MARKETING_OPT_OUT, CODE_UNDELIVERABLE, CODE_WINDOW_CLOSED};
pub use self::outcome::{MESSAGE_CANCELLED, MESSAGE_FAILED};
pub use self::webhooks::{DETAIL_NONE, DETAIL_VALID, EVENT_HEADER, SIGNATURE_HEADER, VALIDATION_EVENT};
pub use crate::chatarchitect::messaging::destinations::{
    DEMO_NEVER_READ, DEMO_NOT_ON_WHATSAPP, DEMO_NOT_OPTED_IN, DEMO_SLOW, DEMO_STOP, DEMO_THANKS,
};

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use self::config::SendzenConfig;
use self::error::ApiError;
use crate::chatarchitect::partners::Partners;
use crate::chatarchitect::registration::webhook::TIMEOUT;
use crate::{Sandbox, SandboxConfig};

/// Largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;
/// The path prefix every SendZen route is mounted under.
pub(crate) const PREFIX: &str = "/sendzen";

/// SendZen's in-memory state inside a [`Sandbox`].
pub(crate) struct SendZen {
    pub(crate) config: SendzenConfig,
    /// The partner API keys: the sandbox's `partner_tokens`.
    pub(crate) partners: Partners,
    pub(crate) store: store::Store,
    /// `Err` if the TLS stack could not start; webhooks then fail with the reason.
    pub(crate) http: Result<reqwest::Client, String>,
}

impl SendZen {
    pub(crate) fn new(config: &SandboxConfig) -> SendZen {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wadesk-sandbox/", env!("CARGO_PKG_VERSION"), " (SendZen simulator)"))
            .build()
            .map_err(|e| format!("sandbox: HTTP client unavailable: {e}"));
        SendZen {
            config: config.sendzen.clone(),
            partners: Partners::new(&config.partner_tokens),
            store: store::Store::default(),
            http,
        }
    }
}

/// Every SendZen route, under [`PREFIX`]; unknown paths there answer the messaging error shape.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    let api = Router::new()
        .merge(onboard::routes())
        .merge(account::routes())
        .merge(messages::routes())
        .merge(iframe::routes())
        .merge(control::routes())
        .fallback(|| async { ApiError::not_found(CODE_NOT_FOUND, "No such SendZen route") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new().nest(PREFIX, api)
}

/// The `iframe_url` of `token`.
pub(crate) fn iframe_url(sandbox: &Sandbox, token: &str) -> String {
    format!("{}{PREFIX}/onboard/iframe?token={token}", sandbox.public_url())
}
