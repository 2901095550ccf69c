//! 360dialog, simulated from seed 003 (self-hosted Embedded Signup: create a client, submit the
//! number, channel webhooks, API key) and PROVIDERS.md §4 (the messaging API and the Partner API
//! glue) and §6 (Meta's Cloud API shapes and the Embedded Signup popup).
//!
//! Everything lives under `/d360`, as three "hosts" side by side plus a control surface:
//!
//! - `/d360/hub/api/v2` stands for `https://hub.360dialog.io/api/v2` ([`clients`]: clients and
//!   the partner webhook URL; [`numbers`]: `account_sharing/numbers` and the channel lifecycle
//!   ([`lifecycle`]); [`channels`]: the channel list and API keys);
//! - `/d360/waba` stands for `https://waba-v2.360dialog.io` ([`messaging`]: webhook registration,
//!   templates, sends and mark-read; [`events`]: statuses and inbound messages);
//! - `/d360/meta/signup` is a simulated Meta Embedded Signup popup ([`signup`]) whose WABAs the
//!   partner can then submit;
//! - `/d360/_sandbox/` ([`control`]) stands in for the Partner Hub UI (signing secrets) and for
//!   test hooks.
//!
//! Where the sources are silent the choice is stated in the module that makes it and listed in
//! the README's "360dialog" assumptions. State lives in memory ([`store`]); identities are derived
//! from the partner key ([`identity`]), so an API key issued before a restart still works.

mod auth;
mod channel;
mod channels;
mod clients;
pub(crate) mod config;
mod control;
mod error;
mod events;
mod identity;
pub(crate) mod input;
mod lifecycle;
mod messaging;
mod numbers;
mod signup;
mod store;
mod webhooks;

pub use self::error::{
    CODE_AUTH, CODE_INVALID_PARAMETER, CODE_PARAMETER_COUNT, CODE_PARAMETER_FORMAT, CODE_RATE_LIMIT, CODE_TEMPLATE,
    CODE_UNKNOWN,
};
pub use self::signup::{
    CANCEL_STEPS, ID_BUSINESS, ID_CANCEL, ID_CANCEL_STEP, ID_ERROR, ID_FINISH, ID_FINISH_ONLY_WABA, ID_PHONE,
    ID_RESULT, ID_ROOT, SIGNUP_TITLE,
};
pub use crate::sendzen::events::{CODE_MARKETING_OPT_OUT, CODE_UNDELIVERABLE, CODE_WINDOW_CLOSED};
pub use crate::sendzen::{
    DEMO_NEVER_READ, DEMO_NOT_ON_WHATSAPP, DEMO_NOT_OPTED_IN, DEMO_SLOW, DEMO_STOP, DEMO_THANKS,
    TEMPLATE_APPOINTMENT_REMINDER, TEMPLATE_CUSTOMER_GREETING, TEMPLATE_HELLO_WORLD, TEMPLATE_LOAN_OFFER,
    TEMPLATE_NEW_COLLECTION, TEMPLATE_ORDER_UPDATE, TEMPLATE_SUMMER_SALE,
};

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Router;

use self::config::D360Config;
use crate::chatarchitect::partners::Partners;
use crate::chatarchitect::registration::webhook::TIMEOUT;
use crate::{Sandbox, SandboxConfig};

/// The path prefix every 360dialog route is mounted under.
pub const PREFIX: &str = "/d360";
/// Where the Partner Hub (`https://hub.360dialog.io/api/v2`) is mounted, under [`PREFIX`].
pub const HUB_PATH: &str = "/hub/api/v2";
/// Where the messaging host (`https://waba-v2.360dialog.io`) is mounted, under [`PREFIX`].
pub const WABA_PATH: &str = "/waba";
/// Where the simulated Meta Embedded Signup popup is served, under [`PREFIX`].
pub const SIGNUP_PATH: &str = "/meta/signup";
/// Where the control surface is mounted, under [`PREFIX`].
pub const CONTROL_PATH: &str = "/_sandbox";

/// The Partner Hub's key header (also accepted: `Authorization: Bearer <key>`).
pub const PARTNER_KEY_HEADER: &str = "X-API-Key";
/// The messaging API's key header.
pub const API_KEY_HEADER: &str = "D360-API-KEY";
/// The signature header of partner (and, by default, messaging) webhooks: lower-case hex
/// HMAC-SHA256 of the raw body under the signing secret.
pub const SIGNATURE_HEADER: &str = "x-360dialog-signature";

/// Partner webhook event: a client was created.
pub const EVENT_CLIENT_CREATED: &str = "client_created";
/// Partner webhook event: a submitted number became a channel.
pub const EVENT_CHANNEL_CREATED: &str = "channel_created";
/// Partner webhook event: the channel was submitted to Meta.
pub const EVENT_CHANNEL_SUBMITTED: &str = "channel_submitted";
/// Partner webhook event: the channel is ready to register.
pub const EVENT_CHANNEL_READY: &str = "channel_ready";
/// Partner webhook event: the channel is running (API keys can be made from here on).
pub const EVENT_CHANNEL_RUNNING: &str = "channel_running";
/// Partner webhook event: the channel is live.
pub const EVENT_CHANNEL_LIVE: &str = "channel_live";

/// Largest request body accepted (larger: 413).
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// 360dialog's in-memory state inside a [`Sandbox`].
pub(crate) struct D360 {
    pub(crate) config: D360Config,
    /// The partner keys: the sandbox's `partner_tokens`.
    pub(crate) partners: Partners,
    pub(crate) store: store::Store,
    /// `Err` if the TLS stack could not start; webhooks then fail with the reason.
    pub(crate) http: Result<reqwest::Client, String>,
}

impl D360 {
    pub(crate) fn new(config: &SandboxConfig) -> D360 {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wadesk-sandbox/", env!("CARGO_PKG_VERSION"), " (360dialog simulator)"))
            .build()
            .map_err(|e| format!("sandbox: HTTP client unavailable: {e}"));
        D360 {
            config: config.d360.clone(),
            partners: Partners::new(&config.partner_tokens),
            store: store::Store::default(),
            http,
        }
    }
}

/// Every 360dialog route, under [`PREFIX`]; unknown paths answer each host's error shape.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    let hub = Router::new().merge(clients::routes()).merge(numbers::routes()).merge(channels::routes());
    let api = Router::new()
        .nest(HUB_PATH, hub)
        .nest(WABA_PATH, messaging::routes())
        .nest(CONTROL_PATH, control::routes())
        .merge(signup::routes())
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new().nest(PREFIX, api)
}

/// An unknown path: Meta's error on the messaging host, the Partner Hub's elsewhere.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path();
    let on_waba =
        [WABA_PATH, &format!("{PREFIX}{WABA_PATH}")].iter().any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if on_waba {
        error::MetaError::no_route().into_response()
    } else {
        error::HubError::not_found("No such 360dialog route").into_response()
    }
}

/// The messaging `address` an API key answer names.
pub(crate) fn waba_address(sandbox: &Sandbox) -> String {
    format!("{}{PREFIX}{WABA_PATH}", sandbox.public_url())
}
