//! `wadesk-sandbox`: a local simulator of the providers, built from their documents (seeds), the
//! embedded default a new install runs against and the peer of the end-to-end tests (ARCHITECTURE.md §7).
//!
//! It stands alone: it simulates the providers from their documents, not from our own client code,
//! so it can catch our misreadings. Partners can run it on its own, like stripe-mock.
//!
//! It serves ChatArchitect's registration domain (module `chatarchitect::registration`): the
//! Partner API, the embedded registration pages, the signed completion webhook and a control
//! surface under `/_sandbox/` for tests and demos; and beside it on the same origin ChatArchitect's
//! messaging API (`chatarchitect::messaging`: `/webhook`, `/getHSM`, `/whatsappmessage`, status
//! and inbound webhooks, the 24-hour customer service window, and `/_sandbox/messaging/`). The
//! public names tests and demos rely on (template ids, demo numbers, failure codes) are in
//! [`messaging`].
//!
//! Under `/sendzen` it serves SendZen (module [`sendzen`]): the partner onboarding of seed 001
//! (`POST /sendzen/v1/partner/onboard`, the onboarding iframe and its webhook), the messaging API
//! a customer key uses (`/sendzen/v1/...`: key check, WABA list, templates, sends, mark-read,
//! Meta-envelope status and inbound webhooks) and its control surface `/sendzen/_sandbox/`; the
//! names tests rely on are in [`sendzen`], its settings in [`SendzenConfig`].
//!
//! Under `/d360` it serves 360dialog (module [`d360`]): the Partner Hub of seed 003 (clients,
//! `account_sharing/numbers`, channels and their lifecycle webhooks, API keys), a simulated Meta
//! Embedded Signup popup, the messaging API a channel key uses (`/d360/waba/...`: webhook
//! registration, templates, sends, Meta-envelope status and inbound webhooks) and its control
//! surface `/d360/_sandbox/`; its settings are in [`D360Config`].
//!
//! State lives in memory only: a restart forgets every session, as a provider's server would forget
//! sessions it never persisted. Nothing here is meant to face the internet.
#![deny(missing_docs)]

mod chatarchitect;
pub mod crisp;
pub mod d360;
pub mod gupshup;
pub mod sendzen;

pub use chatarchitect::messaging::settings::{MessagingConfig, MAX_EVENT_DELAY, MAX_RATE_PER_SECOND};
pub use crisp::config::{CrispConfig, MAX_CALLBACK_DELAY};
pub use d360::config::{D360Config, DuplicateClient, MAX_STAGE_DELAY};
pub use gupshup::config::GupshupConfig;
pub use sendzen::config::{SendzenConfig, WebhookCheck, MAX_IFRAME_TTL};

/// Fixed names of the simulated messaging API that tests and demos can rely on.
pub mod messaging {
    pub use crate::chatarchitect::messaging::catalogue::{
        default_template_ids, CODE_PARAMETER_COUNT, CODE_PARAMETER_FORMAT, CODE_UNKNOWN_TEMPLATE, TEMPLATE_APPOINTMENT,
        TEMPLATE_AR_BOOKING, TEMPLATE_DOCUMENT_INVOICE, TEMPLATE_HI_ORDER_SENT, TEMPLATE_IMAGE_COLLECTION,
        TEMPLATE_NEWSLETTER, TEMPLATE_ORDER_SHIPPED, TEMPLATE_OTP, TEMPLATE_PROMO, TEMPLATE_RU_ORDER_READY,
        TEMPLATE_SEED_HELLO,
    };
    pub use crate::chatarchitect::messaging::destinations::{
        CODE_NOT_ON_WHATSAPP, CODE_NOT_OPTED_IN, DEMO_NEVER_READ, DEMO_NOT_ON_WHATSAPP, DEMO_NOT_OPTED_IN, DEMO_SLOW,
        DEMO_STOP, DEMO_THANKS,
    };
    pub use crate::chatarchitect::messaging::window::{CODE_WINDOW_CLOSED, REASON_WINDOW_CLOSED};
}

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Json, Router};
use serde::{Deserialize, Serialize};

/// The APP_ID of the built-in demo app every sandbox knows: the SANDBOX account of a new install
/// sends with it. Not a secret: it only ever opens the simulator.
pub const SANDBOX_APP_ID: &str = "ca_app_sandbox";
/// The APP_SECRET of the built-in demo app (see [`SANDBOX_APP_ID`]).
pub const SANDBOX_APP_SECRET: &str = "sandbox-demo-secret-not-for-production";

/// How a sandbox behaves. One typed struct, built once; [`Sandbox::new`] takes it as given.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Bearer tokens partners authenticate with; each also signs its own sessions' webhooks.
    /// Blank entries are ignored. With none, every Partner API call answers 401.
    pub partner_tokens: Vec<String>,
    /// The origin the sandbox is reached at (e.g. `http://127.0.0.1:8790`), without a path:
    /// `iframe_url` and the Meta signup popup are built on it, and the pages accept messages
    /// from it.
    pub public_url: String,
    /// How long a session stays usable after `create_session` (default 24 h).
    pub session_ttl: Duration,
    /// Delays before webhook attempts 2..=N (default 2 s, 10 s, 30 s, 60 s: five attempts).
    pub webhook_backoff: Vec<Duration>,
    /// Set by a desktop that embeds the sandbox: answers `/_wadesk/identity` challenges so the
    /// install's other processes can tell this sandbox from a squatter on its port before they
    /// send it the partner token. `None` (the standalone binary): the route answers 404.
    pub loopback_identity: Option<wadesk_loopback_identity::Responder>,
    /// The messaging API's status delays, send rate and delivery options.
    pub messaging: MessagingConfig,
    /// The SendZen simulator's settings (iframe lifetime, webhook validation, rates, timing).
    /// Partner API Keys are `partner_tokens`; `webhook_backoff` applies to its webhooks too.
    pub sendzen: SendzenConfig,
    /// The Crisp WhatsApp plugin simulator's settings (callback delay, rate limit).
    pub crisp: CrispConfig,
    /// The Gupshup Tech Partner simulator's settings (token lifetime, pipeline timing).
    pub gupshup: GupshupConfig,
    /// The 360dialog simulator's settings (lifecycle timing, duplicate clients, rates, webhook
    /// signatures). Partner keys are `partner_tokens`; `webhook_backoff` applies to its webhooks.
    pub d360: D360Config,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            partner_tokens: Vec::new(),
            public_url: "http://127.0.0.1:8790".to_owned(),
            session_ttl: Duration::from_secs(24 * 3600),
            webhook_backoff: [2, 10, 30, 60].into_iter().map(Duration::from_secs).collect(),
            loopback_identity: None,
            messaging: MessagingConfig::default(),
            sendzen: SendzenConfig::default(),
            crisp: CrispConfig::default(),
            gupshup: GupshupConfig::default(),
            d360: D360Config::default(),
        }
    }
}

/// Longest session lifetime the binary accepts.
pub const MAX_SESSION_TTL: Duration = Duration::from_secs(365 * 24 * 3600);
/// Longest delay before one webhook retry.
pub const MAX_WEBHOOK_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// Most webhook retries after the first attempt.
pub const MAX_WEBHOOK_RETRIES: usize = 20;

impl SandboxConfig {
    /// Checks every value against its allowed range; the message names the setting and the range.
    /// The standalone binary refuses a config that fails this. [`Sandbox::new`] does not: it
    /// saturates instead (a huge TTL means sessions never expire), so a library user never gets a
    /// panic.
    pub fn validate(&self) -> Result<(), String> {
        if self.session_ttl < Duration::from_secs(1) || self.session_ttl > MAX_SESSION_TTL {
            return Err(format!(
                "session TTL must be between 1 s and {} days, not {} s",
                MAX_SESSION_TTL.as_secs() / 86_400,
                self.session_ttl.as_secs()
            ));
        }
        if self.webhook_backoff.len() > MAX_WEBHOOK_RETRIES {
            return Err(format!(
                "webhook backoff: at most {MAX_WEBHOOK_RETRIES} retries, not {}",
                self.webhook_backoff.len()
            ));
        }
        if let Some(d) = self.webhook_backoff.iter().find(|d| **d > MAX_WEBHOOK_BACKOFF) {
            return Err(format!(
                "webhook backoff: each delay must be between 0 and {} s, not {} s",
                MAX_WEBHOOK_BACKOFF.as_secs(),
                d.as_secs()
            ));
        }
        self.messaging.validate()?;
        self.sendzen.validate()?;
        self.crisp.validate()?;
        self.gupshup.validate()?;
        self.d360.validate()
    }
}

impl std::fmt::Debug for SandboxConfig {
    /// Tokens are secrets: only their number is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("partner_tokens", &format_args!("[{} redacted]", self.partner_tokens.len()))
            .field("public_url", &self.public_url)
            .field("session_ttl", &self.session_ttl)
            .field("webhook_backoff", &self.webhook_backoff)
            .field("loopback_identity", &self.loopback_identity.is_some())
            .field("messaging", &self.messaging)
            .field("sendzen", &self.sendzen)
            .field("crisp", &self.crisp)
            .field("gupshup", &self.gupshup)
            .field("d360", &self.d360)
            .finish()
    }
}

/// The sandbox's shared state: configuration plus each simulated provider's in-memory state.
/// Handlers and webhook tasks hold it through an `Arc`.
pub struct Sandbox {
    config: SandboxConfig,
    /// `public_url` without a trailing slash.
    public_url: String,
    chatarchitect: chatarchitect::ChatArchitect,
    sendzen: sendzen::SendZen,
    crisp: crisp::Crisp,
    gupshup: gupshup::Gupshup,
    d360: d360::D360,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox with no sessions. Blank partner tokens are dropped; a trailing `/` on
    /// `public_url` is removed.
    pub fn new(mut config: SandboxConfig) -> Arc<Sandbox> {
        config.partner_tokens.retain(|t| !t.trim().is_empty());
        let public_url = config.public_url.trim().trim_end_matches('/').to_owned();
        let chatarchitect = chatarchitect::ChatArchitect::new(&config);
        let sendzen = sendzen::SendZen::new(&config);
        let crisp = crisp::Crisp::new(&config);
        let gupshup = gupshup::Gupshup::new(&config);
        let d360 = d360::D360::new(&config);
        Arc::new(Sandbox { config, public_url, chatarchitect, sendzen, d360, crisp, gupshup })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// The origin pages and URLs are built on (no trailing slash).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub(crate) fn chatarchitect(&self) -> &chatarchitect::ChatArchitect {
        &self.chatarchitect
    }

    pub(crate) fn sendzen(&self) -> &sendzen::SendZen {
        &self.sendzen
    }

    pub(crate) fn crisp(&self) -> &crisp::Crisp {
        &self.crisp
    }

    pub(crate) fn gupshup(&self) -> &gupshup::Gupshup {
        &self.gupshup
    }

    pub(crate) fn d360(&self) -> &d360::D360 {
        &self.d360
    }
}

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"` when the process serves requests.
    pub status: &'static str,
    /// The sandbox's version.
    pub version: &'static str,
}

/// The sandbox's HTTP routes: `/healthz` plus every simulated provider's routes.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") }) }))
        .route(wadesk_loopback_identity::PATH, get(identity))
        .merge(chatarchitect::routes())
        .merge(sendzen::routes())
        .merge(crisp::routes())
        .merge(gupshup::routes())
        .merge(d360::routes())
        .with_state(sandbox)
}

#[derive(Deserialize)]
struct IdentityQuery {
    #[serde(default)]
    nonce: String,
}

/// `GET /_wadesk/identity?nonce=…`: the embedding desktop's proof of identity (see
/// `wadesk-loopback-identity`); 404 when not embedded, 400 for a malformed nonce.
async fn identity(State(sandbox): State<Arc<Sandbox>>, Query(q): Query<IdentityQuery>) -> Response {
    let Some(responder) = &sandbox.config.loopback_identity else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match responder.answer(&q.nonce) {
        Some(proof) => Json(serde_json::json!({ "proof": proof })).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "status": "error", "message": "nonce must be 64 hex characters" })),
        )
            .into_response(),
    }
}

/// Serves [`router`] on `listener` until `shutdown` resolves, then lets requests in flight finish.
///
/// Webhook deliveries already scheduled keep running on their tokio tasks after this returns; they
/// end with the runtime.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sandbox: Arc<Sandbox>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(sandbox)).with_graceful_shutdown(shutdown).await
}

pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn app() -> Router {
        router(Sandbox::new(SandboxConfig { partner_tokens: vec!["t".into()], ..SandboxConfig::default() }))
    }

    #[tokio::test]
    async fn healthz_answers_ok_with_the_version() {
        let res = app().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn identity_challenges_are_answered_only_when_embedded() {
        use wadesk_loopback_identity::{Challenge, IdentityKey, Responder, Service};
        let get = |app: Router, uri: String| async move {
            let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
            let status = res.status();
            (status, res.into_body().collect().await.unwrap().to_bytes())
        };
        let challenge = Challenge::new();
        assert_eq!(get(app(), challenge.path_and_query()).await.0, StatusCode::NOT_FOUND);

        let key = IdentityKey::random();
        let embedded = router(Sandbox::new(SandboxConfig {
            loopback_identity: Some(Responder::new(key.clone(), Service::Sandbox, 4321)),
            ..SandboxConfig::default()
        }));
        let (status, body) = get(embedded.clone(), challenge.path_and_query()).await;
        assert_eq!(status, StatusCode::OK);
        let proof: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(challenge.verify(&key, Service::Sandbox, 4321, proof["proof"].as_str().unwrap()));
        assert!(!challenge.verify(&key, Service::Relay, 4321, proof["proof"].as_str().unwrap()));
        let (status, body) = get(embedded, "/_wadesk/identity?nonce=zz".into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["status"], "error");
    }

    #[tokio::test]
    async fn unknown_paths_are_404() {
        let res = app().oneshot(Request::get("/nope").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn debug_never_shows_tokens_and_blank_tokens_are_dropped() {
        let sandbox = Sandbox::new(SandboxConfig {
            partner_tokens: vec!["very-secret-token".into(), "  ".into()],
            public_url: "http://127.0.0.1:1/".into(),
            ..SandboxConfig::default()
        });
        let shown = format!("{sandbox:?}");
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert_eq!(sandbox.config().partner_tokens.len(), 1);
        assert_eq!(sandbox.public_url(), "http://127.0.0.1:1");
    }
}
