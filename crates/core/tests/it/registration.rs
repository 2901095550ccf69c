//! ChatArchitect embedded registration against the sandbox, over real HTTP and the real relay:
//! the signed webhook lands credentials once; forged, stale, replayed and mismatched webhooks change
//! nothing; the `result` fallback and every Partner API error class.

use std::sync::Arc;
use std::time::Duration;

use wadesk_core::providers::chatarchitect::partner_api::{CreateSession, PartnerApi};
use wadesk_core::providers::chatarchitect::signature::sign;
use wadesk_core::providers::chatarchitect::{RegistrationStatus, RegistrationView, Registrations, StartRegistration};
use wadesk_core::relay_client::RelayService;
use wadesk_core::{ErrorCode, Install, KeyChoice, ProviderKind, Secret, Store};

const TOKEN: &str = "partner-token-for-tests-0123456789";
const OTHER: &str = "another-partners-token-9876543210";

struct World {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    relay: RelayService,
    sandbox_url: String,
    registrations: Registrations,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        Install::at(dir.path().join("data")).create(KeyChoice::Passphrase(Secret::new("registration pass"))).unwrap(),
    );
    let relay = RelayService::start(store.clone(), &dir.path().join("data/relay")).await.unwrap();
    assert!(relay.wait_caught_up(Duration::from_secs(10)).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![TOKEN.into(), OTHER.into()],
        public_url: sandbox_url.clone(),
        webhook_backoff: vec![Duration::from_millis(50); 2],
        ..wadesk_sandbox::SandboxConfig::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    store.use_partner_registration(&sandbox_url, &Secret::new(TOKEN)).unwrap();
    let registrations = Registrations::new(store.clone());
    World { _dir: dir, store, relay, sandbox_url, registrations, _stop: stop }
}

impl World {
    async fn control(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let res = reqwest::Client::new()
            .post(format!("{}/_sandbox/{path}", self.sandbox_url))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "control {path}: {}", res.status());
        res.json().await.unwrap_or(serde_json::Value::Null)
    }

    /// GETs `path` on the sandbox with the partner token, as the provider's own records.
    async fn sandbox_get(&self, path: &str) -> serde_json::Value {
        let res = reqwest::Client::new().get(format!("{}/{path}", self.sandbox_url)).bearer_auth(TOKEN).send().await;
        res.unwrap().json().await.unwrap()
    }

    async fn start(&self) -> RegistrationView {
        self.registrations.start(StartRegistration::default()).await.unwrap()
    }

    async fn wait_status(&self, id: &str, status: RegistrationStatus) -> RegistrationView {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let view = self.store.registration(id).unwrap();
            if view.status == status {
                return view;
            }
            assert!(std::time::Instant::now() < deadline, "{id} stayed {:?}", view.status);
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    async fn wait_applied(&self, total: u64) -> (u64, u64, u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let c = self.store.webhook_counts().unwrap();
            if c.0 + c.1 + c.2 >= total {
                return c;
            }
            assert!(std::time::Instant::now() < deadline, "only {c:?} webhooks arrived");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    fn hook(&self) -> String {
        format!("{}/chatarchitect/registration", self.store.relay_channel().unwrap().unwrap().hook_url.expose())
    }

    /// Posts a webhook we signed ourselves (as the provider would, or as a forger would).
    async fn post_signed(&self, key: &str, ts: i64, event_id: &str, body: &serde_json::Value) {
        let raw = serde_json::to_vec(body).unwrap();
        let res = reqwest::Client::new()
            .post(self.hook())
            .header("Content-Type", "application/json")
            .header("X-CA-Event-Id", event_id)
            .header("X-CA-Timestamp", ts.to_string())
            .header("X-CA-Signature", sign(key, &ts.to_string(), &raw))
            .body(raw)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn completion(id: &str, state: &str, app_id: &str) -> serde_json::Value {
    serde_json::json!({
        "event": "whatsapp.registration.completed", "registration_id": id, "partner_user_id": "u",
        "partner_state": state, "app_id": app_id, "app_secret": "forged-secret-value-123456",
        "phone": "421233221242", "integration": "Wadesk", "completed_at": "2026-07-04T10:00:00+00:00"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_registration_lands_credentials_once_through_the_signed_webhook() {
    let w = world().await;
    let view = w.start().await;
    assert_eq!(view.status, RegistrationStatus::Started);
    let relay_origin = w.store.relay_channel().unwrap().unwrap().relay_url;
    assert_eq!(view.parent_origin, relay_origin.trim_end_matches('/'));
    assert_eq!(view.registration_origin, w.sandbox_url);
    assert!(view.host_url.starts_with(&format!("{}/embed/registration#src=", view.parent_origin)));

    w.control(&format!("registrations/{}/complete", view.registration_id), serde_json::json!({})).await;
    let done = w.wait_status(&view.registration_id, RegistrationStatus::Completed).await;
    assert_eq!(done.completed_via.as_deref(), Some("webhook"));
    let account = w.store.account(done.account_id.as_deref().unwrap()).unwrap();
    assert_eq!(account.provider, ProviderKind::Chatarchitect);
    assert!(account.credentials.iter().all(|c| c.masked.starts_with("••••")));
    // The stored secret is the one the provider holds for the session.
    let result = w.sandbox_get(&format!("partner?action=result&registration_id={}", view.registration_id)).await;
    assert_eq!(w.store.account_credential(&account.id, "app_secret").unwrap().expose(), result["app_secret"]);
    assert_eq!(w.store.account_credential(&account.id, "app_id").unwrap().expose(), result["app_id"]);

    // The provider resends it (new attempt number, new event id): stored once, counted duplicate.
    let before = w.store.list_accounts().unwrap().len();
    let retry = w.registrations.retry_webhook(&view.registration_id).await.unwrap();
    assert_eq!((retry.status.as_str(), retry.attempts), ("sent", 2));
    let counts = w.wait_applied(2).await;
    assert_eq!((counts.0, counts.1), (1, 1), "{counts:?}");
    assert_eq!(w.store.list_accounts().unwrap().len(), before);
    // The log keeps the request but not the body that carries app_secret.
    drop(w.relay);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_replayed_and_mismatched_webhooks_change_nothing() {
    let w = world().await;
    let view = w.start().await;
    let id = view.registration_id.clone();
    let accounts = w.store.list_accounts().unwrap().len();
    let state: String = {
        // partner_state is not exposed; a forger does not know it either. Use a wrong one for every
        // case but the replay, which replays a real delivery below.
        "not-the-state".into()
    };
    w.post_signed("a-forgers-guess-of-the-token", now(), "evt_x_1", &completion(&id, &state, "ca_app_forged")).await;
    w.post_signed(TOKEN, now() - 301, "evt_x_2", &completion(&id, &state, "ca_app_stale")).await;
    w.post_signed(TOKEN, now(), "evt_x_3", &completion(&id, &state, "ca_app_state")).await;
    w.post_signed(TOKEN, now(), "evt_x_4", &completion("unknownregistration000", &state, "ca_app_unknown")).await;
    let counts = w.wait_applied(4).await;
    assert_eq!(counts, (0, 0, 4));
    assert_eq!(w.store.list_accounts().unwrap().len(), accounts);
    assert_eq!(w.store.registration(&id).unwrap().status, RegistrationStatus::Started);

    // A genuine delivery, then the same request replayed (same event id): applied once.
    w.control(&format!("registrations/{id}/complete"), serde_json::json!({})).await;
    w.wait_status(&id, RegistrationStatus::Completed).await;
    let log = w.sandbox_get(&format!("_sandbox/registrations/{id}")).await;
    assert_eq!(log["status"], "completed", "{log}");
    // Replay: the exact event id of attempt 1 again, correctly signed and fresh.
    let result = w.sandbox_get(&format!("partner?action=result&registration_id={id}")).await;
    let mut body = completion(&id, "irrelevant", result["app_id"].as_str().unwrap());
    body["app_secret"] = result["app_secret"].clone();
    w.post_signed(TOKEN, now(), &format!("evt_{id}_1"), &body).await;
    let counts = w.wait_applied(6).await;
    assert_eq!((counts.0, counts.1), (1, 1), "{counts:?}");
    assert_eq!(w.store.list_accounts().unwrap().len(), accounts + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_webhook_falls_back_to_the_result_call() {
    let w = world().await;
    let view = w.start().await;
    w.control("webhook-failures", serde_json::json!({ "count": 50 })).await;
    w.control(&format!("registrations/{}/complete", view.registration_id), serde_json::json!({})).await;
    let done = w.registrations.confirm_completion(&view.registration_id, Duration::from_millis(500)).await.unwrap();
    assert_eq!((done.status, done.completed_via.as_deref()), (RegistrationStatus::Completed, Some("result")));
    assert!(done.app_id_masked.is_some() && done.account_id.is_some());
    // Asking again is harmless.
    let again = w.registrations.refresh(&view.registration_id).await.unwrap();
    assert_eq!(again.account_id, done.account_id);
    assert_eq!(
        w.store.list_accounts().unwrap().iter().filter(|a| a.provider == ProviderKind::Chatarchitect).count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_api_errors_become_specific_codes() {
    let w = world().await;
    let view = w.start().await;
    let id = view.registration_id.clone();
    // 409: a retry before completion.
    let e = w.registrations.retry_webhook(&id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderConflict, "{e}");
    // 500: the provider fails.
    w.control("partner-errors", serde_json::json!({ "count": 1 })).await;
    let e = w.registrations.start(StartRegistration::default()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderUnavailable, "{e}");
    // 400: a field the provider refuses (the seed's parent_origin rule), with its message.
    let api = PartnerApi::new(&w.sandbox_url, Secret::new(TOKEN)).unwrap();
    let e = api
        .create_session(&CreateSession {
            parent_origin: "https://partner.example/app",
            webhook_url: "https://partner.example/hook",
            partner_user_id: "u",
            partner_state: "s",
            integration: "",
            lang: "en",
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderRejected);
    assert!(e.to_string().contains("parent_origin"), "{e}");
    // 404: the session belongs to another partner token.
    w.store.use_partner_registration(&w.sandbox_url, &Secret::new(OTHER)).unwrap();
    let e = w.registrations.refresh(&id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    // 401: a wrong token; the message never carries it.
    w.store.use_partner_registration(&w.sandbox_url, &Secret::new("wrong-token-000000")).unwrap();
    let e = w.registrations.start(StartRegistration::default()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderUnauthorized, "{e}");
    assert!(!e.to_string().contains("wrong-token"));
    assert!(w.store.registration(&id).unwrap().last_error.is_some());
    // Expired sessions say so.
    w.store.use_partner_registration(&w.sandbox_url, &Secret::new(TOKEN)).unwrap();
    w.control(&format!("registrations/{id}/expire"), serde_json::json!({})).await;
    assert_eq!(w.registrations.refresh(&id).await.unwrap().status, RegistrationStatus::Expired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_sandbox_needs_no_settings_and_signs_with_the_install_token() {
    let w = world().await;
    w.store.use_sandbox_registration().unwrap();
    let view = w.start().await;
    assert!(view.iframe_url.starts_with("http://127.0.0.1:"));
    assert_ne!(view.registration_origin, w.sandbox_url);
    // Bad input is refused before anything is sent.
    let e = w
        .registrations
        .start(StartRegistration { lang: Some("fr".into()), ..StartRegistration::default() })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(w.store.list_registrations().unwrap().len(), 1);
}
