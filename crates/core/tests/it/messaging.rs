//! Messaging end to end against the embedded sandbox, over real HTTP and the real relay: template
//! sync, sends written before they go out, statuses that tick forward live (also when delivered
//! twice or out of order), failure reasons in the history, field errors that write nothing, and
//! sends whose answer is lost left uncertain and never resent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wadesk_core::messaging::{HistoryFilter, MessageStatus, Messaging, SendTemplate, SendText, VariableValue};
use wadesk_core::providers::chatarchitect::Registrations;
use wadesk_core::relay_client::RelayService;
use wadesk_core::{CredentialInput, Error, Install, KeyChoice, NewAccount, ProviderKind, Secret, Store};
use wadesk_sandbox::messaging::{DEMO_NOT_OPTED_IN, TEMPLATE_APPOINTMENT, TEMPLATE_SEED_HELLO};

const TO: &str = "421233221242";

pub(crate) struct World {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) store: Arc<Store>,
    pub(crate) _relay: RelayService,
    pub(crate) _registrations: Registrations,
    pub(crate) messaging: Arc<Messaging>,
    pub(crate) sandbox_account: String,
    pub(crate) sandbox_url: String,
    pub(crate) http: reqwest::Client,
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{:x}{:x}", std::process::id(), N.fetch_add(1, Ordering::SeqCst) + wadesk_core::store::now_ms() as u64)
}

pub(crate) async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        Install::at(dir.path().join("data")).create(KeyChoice::Passphrase(Secret::new("messaging pass"))).unwrap(),
    );
    let relay = RelayService::start(store.clone(), &dir.path().join("data/relay")).await.unwrap();
    assert!(relay.wait_caught_up(Duration::from_secs(10)).await);
    let registrations = Registrations::new(store.clone());
    let messaging = Arc::new(Messaging::new(store.clone(), registrations.sandbox_host()).unwrap());
    let sandbox_account = store.list_accounts().unwrap().into_iter().find(|a| a.is_sandbox).unwrap().id;
    messaging.ensure_webhooks().await.unwrap();
    let health = messaging.health(&sandbox_account).await.unwrap();
    assert!(health.webhook_current, "{health:?}");
    let w = World {
        _dir: dir,
        store,
        _relay: relay,
        _registrations: registrations,
        messaging,
        sandbox_account,
        sandbox_url: health.api_base_url,
        http: reqwest::Client::new(),
    };
    w.sandbox_settings(json!({ "sent_delay_ms": 20, "delivered_delay_ms": 40, "read_delay_ms": 60 })).await;
    w
}

impl World {
    pub(crate) async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sandbox_url))
            .basic_auth(wadesk_sandbox::SANDBOX_APP_ID, Some(wadesk_sandbox::SANDBOX_APP_SECRET));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap()
    }

    pub(crate) async fn sandbox_settings(&self, body: Value) {
        self.control(reqwest::Method::POST, "/_sandbox/messaging/settings", Some(body)).await;
    }

    /// What the sandbox accepted for `to`, in order.
    pub(crate) async fn received_by(&self, to: &str) -> Vec<String> {
        let v = self.control(reqwest::Method::GET, &format!("/_sandbox/messaging/sent?destination={to}"), None).await;
        v["messages"].as_array().unwrap().iter().map(|m| m["message"].as_str().unwrap().to_owned()).collect()
    }

    pub(crate) async fn synced(&self) {
        let sync = self.messaging.sync_templates(&self.sandbox_account).await.unwrap();
        assert!(sync.total >= 10, "{sync:?}");
    }

    pub(crate) fn template(&self, id: &str, to: &str, values: &[(u32, &str)]) -> SendTemplate {
        SendTemplate {
            account_id: self.sandbox_account.clone(),
            to: to.into(),
            template_id: id.into(),
            values: values.iter().map(|(n, v)| VariableValue { number: *n, value: (*v).into() }).collect(),
        }
    }

    /// Customer `from` writes to account `account_id`, which opens the 24-hour window for free
    /// text: the sandbox's simulated customer for the sandbox account, else an inbound webhook
    /// posted to this install's relay hook (the path a provider uses). Waits until the store has it.
    pub(crate) async fn customer_writes(&self, account_id: &str, from: &str) {
        if account_id == self.sandbox_account {
            // Through the sandbox's simulated customer, so the sandbox knows the window is open too.
            self.control(reqwest::Method::POST, "/_sandbox/messaging/inbound", Some(json!({ "source": from }))).await;
        } else {
            let hook = self.store.relay_channel().unwrap().unwrap().hook_url;
            let body = json!({ "app": "Test", "timestamp": wadesk_core::store::now_ms(), "version": 2, "type": "message",
                "payload": { "id": format!("ABEGk{}", uuid_like()), "source": from, "type": "text",
                             "payload": { "text": "Hello" } } });
            let url = format!("{}{}{account_id}", hook.expose(), wadesk_core::messaging::CA_MESSAGES_PATH);
            let res = self.http.post(url).json(&body).send().await.unwrap();
            assert!(res.status().is_success(), "{}", res.status());
        }
        let mut rx = self.store.subscribe_changes();
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.store.service_window(account_id, from).unwrap().open {
            assert!(Instant::now() < deadline, "the inbound message never arrived");
            let _ = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await;
        }
    }

    /// Waits, on change events (not polling the provider), until message `id` has `status`.
    pub(crate) async fn until(&self, id: &str, status: MessageStatus) {
        let mut rx = self.store.subscribe_changes();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let now = self.store.message(id).unwrap().status;
            if now == status {
                return;
            }
            assert!(Instant::now() < deadline, "message {id} is {now:?}, waited for {status:?}");
            let _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_send_is_stored_first_and_its_status_ticks_to_read_live() {
    let w = world().await;
    w.synced().await;
    let templates = w.store.templates(&w.sandbox_account).unwrap();
    let seed = templates.iter().find(|t| t.id == TEMPLATE_SEED_HELLO).unwrap();
    assert_eq!(
        (seed.category.as_str(), seed.body.as_str(), seed.placeholders.as_slice()),
        ("MARKETING", "Hello{{1}}", &[1][..])
    );
    assert!(templates.iter().any(|t| t.media == "IMAGE"), "a media template is listed");

    let sent =
        w.messaging.send_template(w.template(TEMPLATE_SEED_HELLO, "+421 233 221 242", &[(1, " John ")])).await.unwrap();
    assert_eq!(sent.status, MessageStatus::Submitted);
    assert_eq!(sent.to, TO);
    assert!(sent.provider_message_id.is_some());
    w.until(&sent.id, MessageStatus::Read).await;
    let detail = w.store.message_detail(&sent.id).unwrap();
    let steps: Vec<_> = detail.events.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(steps, ["pending", "submitted", "sent", "delivered", "read"]);
    assert_eq!(w.received_by(TO).await, [format!("{{{{{TEMPLATE_SEED_HELLO}}}}}\nHelloJohn")]);
    let health = w.messaging.health(&w.sandbox_account).await.unwrap();
    assert!(health.last_event_at.is_some() && health.templates_synced_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_not_opted_in_fails_with_the_reason_and_retry_really_resends() {
    let w = world().await;
    w.customer_writes(&w.sandbox_account, DEMO_NOT_OPTED_IN).await;
    let first = w
        .messaging
        .send_text(SendText { account_id: w.sandbox_account.clone(), to: DEMO_NOT_OPTED_IN.into(), text: "Hi".into() })
        .await
        .unwrap();
    w.until(&first.id, MessageStatus::Failed).await;
    let failed = w.store.message(&first.id).unwrap();
    let failure = failed.failure.unwrap();
    assert_eq!((failure.code, failure.reason.as_str()), (Some(1008), "User is not Opted in and Inactive"));
    let filter = HistoryFilter { statuses: Some(vec![MessageStatus::Failed]), ..HistoryFilter::default() };
    assert_eq!(w.store.history_page(&filter, 0, 10).unwrap().rows[0].id, first.id);

    let again = w.messaging.retry(&first.id, false).await.unwrap();
    assert_eq!(again.retry_of.as_deref(), Some(first.id.as_str()));
    w.until(&again.id, MessageStatus::Failed).await;
    assert_eq!(w.received_by(DEMO_NOT_OPTED_IN).await.len(), 2, "a retry is a real second send");
    let err = w.messaging.retry(&w.store.message(&again.id).unwrap().id, false).await;
    assert!(err.is_ok(), "a failed retry can be retried again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_its_field_and_nothing_is_written_or_sent() {
    let w = world().await;
    w.synced().await;
    let field = |r: Result<_, Error>| match r {
        Err(Error::Field(f, _)) => f,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(field(w.messaging.send_template(w.template(TEMPLATE_SEED_HELLO, "0911 222", &[(1, "a")])).await), "to");
    assert_eq!(field(w.messaging.send_template(w.template(TEMPLATE_APPOINTMENT, TO, &[(1, "a")])).await), "values.2");
    assert_eq!(
        field(w.messaging.send_template(w.template(TEMPLATE_SEED_HELLO, TO, &[(1, "two\nlines")])).await),
        "values.1"
    );
    assert_eq!(field(w.messaging.send_template(w.template("no-such-template", TO, &[])).await), "template_id");
    let text = SendText { account_id: w.sandbox_account.clone(), to: TO.into(), text: "  ".into() };
    assert_eq!(field(w.messaging.send_text(text).await), "text");
    assert_eq!(w.store.history_page(&HistoryFilter::default(), 0, 10).unwrap().total, 0);
    assert!(w.received_by(TO).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_webhooks_end_in_the_furthest_status() {
    let w = world().await;
    w.sandbox_settings(json!({ "duplicates": true, "reorder": true, "wamid_ids": true })).await;
    w.customer_writes(&w.sandbox_account, TO).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let m = w
            .messaging
            .send_text(SendText { account_id: w.sandbox_account.clone(), to: TO.into(), text: format!("Hello {i}") })
            .await
            .unwrap();
        ids.push(m.id);
    }
    for id in &ids {
        w.until(id, MessageStatus::Read).await;
    }
    // Let the last duplicates land, then check nothing moved back and every event was kept.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in &ids {
        let d = w.store.message_detail(id).unwrap();
        assert_eq!(d.message.status, MessageStatus::Read);
        assert!(d.message.wamid.is_some(), "the wamid of gsId-style events is kept");
        let words: std::collections::BTreeSet<_> = d.events.iter().map(|e| e.status.as_str()).collect();
        assert!(words.is_superset(&["sent", "delivered", "read"].into()), "{words:?}");
    }
    assert_eq!(w.received_by(TO).await.len(), 4, "nobody received a message twice");
}

/// A provider that reads the request and hangs up without answering: the send may have been
/// queued, so it is uncertain, and it is resent only when the admin confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_answer_is_lost_is_uncertain_and_never_resent_on_its_own() {
    use tokio::io::AsyncReadExt;
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            // Only sends count (a webhook registration is tried first and gets the same silence).
            if buf[..n].starts_with(b"POST /whatsappmessage") {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            drop(sock);
        }
    });
    let account = w
        .store
        .add_account(NewAccount {
            provider: ProviderKind::Chatarchitect,
            display_name: "Lossy".into(),
            base_url: url,
            credentials: vec![
                CredentialInput { name: "app_id".into(), value: "ca_app_lossy".into() },
                CredentialInput { name: "app_secret".into(), value: "lossy-secret".into() },
            ],
        })
        .unwrap();
    w.customer_writes(&account.id, TO).await;
    let text = SendText { account_id: account.id.clone(), to: TO.into(), text: "Hi".into() };
    match w.messaging.send_text(text.clone()).await {
        Err(Error::Field(f, _)) => assert_eq!(f, "business_number"),
        other => panic!("a ChatArchitect account needs its connected number first: {other:?}"),
    }
    w.store.set_business_number(&account.id, "421900000001").unwrap();
    let m = w.messaging.send_text(text).await.unwrap();
    assert_eq!(m.status, MessageStatus::Uncertain);
    assert!(m.failure.unwrap().reason.contains("send"));
    match w.messaging.retry(&m.id, false).await {
        Err(Error::Field(f, _)) => assert_eq!(f, "confirm_uncertain"),
        other => panic!("an uncertain message needs a confirmation: {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1, "sent once, not retried");
    let again = w.messaging.retry(&m.id, true).await.unwrap();
    assert_eq!(again.status, MessageStatus::Uncertain);
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_and_rate_limits_are_not_submitted_with_the_reason() {
    let w = world().await;
    let account = w
        .store
        .add_account(NewAccount {
            provider: ProviderKind::Chatarchitect,
            display_name: "Made up".into(),
            base_url: wadesk_core::providers::EMBEDDED_SANDBOX_URL.into(),
            credentials: vec![
                CredentialInput { name: "app_id".into(), value: "ca_app_madeup".into() },
                CredentialInput { name: "app_secret".into(), value: "not-the-secret".into() },
            ],
        })
        .unwrap();
    w.store.set_business_number(&account.id, "421900000001").unwrap();
    w.customer_writes(&account.id, TO).await;
    w.customer_writes(&w.sandbox_account, TO).await;
    let m = w
        .messaging
        .send_text(SendText { account_id: account.id.clone(), to: TO.into(), text: "Hi".into() })
        .await
        .unwrap();
    assert_eq!(m.status, MessageStatus::NotSubmitted);
    let reason = m.failure.unwrap().reason;
    assert!(reason.contains("401") && !reason.contains("not-the-secret"), "{reason}");
    assert!(w.messaging.register_webhook(&account.id).await.is_err());
    assert!(w.messaging.health(&account.id).await.unwrap().webhook_error.is_some());

    w.sandbox_settings(json!({ "rate_per_second": 1 })).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let text = SendText { account_id: w.sandbox_account.clone(), to: TO.into(), text: "Quick".into() };
        let m = w.messaging.send_text(text).await.unwrap();
        statuses.push((m.status, m.failure.and_then(|f| f.code)));
    }
    assert!(statuses.contains(&(MessageStatus::NotSubmitted, Some(429))), "{statuses:?}");
    let accepted = statuses.iter().filter(|(s, _)| *s == MessageStatus::Submitted).count();
    assert_eq!(w.received_by(TO).await.len(), accepted, "a 429 sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_check_says_connected_refused_or_what_is_missing() {
    use wadesk_core::AccountState;
    let w = world().await;
    let add = |name: &str, secret: &str| NewAccount {
        provider: ProviderKind::Chatarchitect,
        display_name: name.into(),
        base_url: wadesk_core::providers::EMBEDDED_SANDBOX_URL.into(),
        credentials: vec![
            CredentialInput { name: "app_id".into(), value: wadesk_sandbox::SANDBOX_APP_ID.into() },
            CredentialInput { name: "app_secret".into(), value: secret.into() },
        ],
    };
    let good = w.store.add_account(add("Good", wadesk_sandbox::SANDBOX_APP_SECRET)).unwrap();
    assert_eq!(good.state, AccountState::NotVerified);
    let unchecked = w.messaging.check_credentials(&good.id).await.unwrap();
    assert_eq!(unchecked.state, AccountState::NotVerified, "no connected number yet");
    assert!(unchecked.state_detail.unwrap().contains("number"));
    w.store.set_business_number(&good.id, "421900000001").unwrap();
    let checked = w.messaging.check_credentials(&good.id).await.unwrap();
    assert_eq!(checked.state, AccountState::Connected, "{:?}", checked.state_detail);
    assert!(checked.checked_at.is_some());
    assert!(!w.store.templates(&good.id).unwrap().is_empty(), "the check refreshed the templates");

    let bad = w.store.add_account(add("Bad", "made-up-secret")).unwrap();
    w.store.set_business_number(&bad.id, "421900000001").unwrap();
    let refused = w.messaging.check_credentials(&bad.id).await.unwrap();
    assert_eq!(refused.state, AccountState::Refused);
    assert!(!refused.state_detail.unwrap().contains("made-up-secret"));
    let sandbox = w.messaging.check_credentials(&w.sandbox_account).await.unwrap();
    assert_eq!(sandbox.state, AccountState::Sandbox);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_text_outside_the_window_is_refused_in_core_and_nothing_is_written_or_sent() {
    let w = world().await;
    let text = SendText { account_id: w.sandbox_account.clone(), to: TO.into(), text: "Hi".into() };
    let err = w.messaging.send_text(text.clone()).await.unwrap_err();
    assert_eq!(err.code(), wadesk_core::ErrorCode::WindowClosed, "{err}");
    assert_eq!(w.store.history_page(&HistoryFilter::default(), 0, 10).unwrap().total, 0);
    assert!(w.received_by(TO).await.is_empty());
    w.customer_writes(&w.sandbox_account, TO).await;
    let m = w.messaging.send_text(text).await.unwrap();
    assert_eq!(m.status, MessageStatus::Submitted);
}
