//! SendZen end to end against a standalone sandbox in partner mode (as a partner would point
//! Wadesk at SendZen), over real HTTP and the real relay: onboarding completed by the webhook,
//! failed, with an expired iframe URL, with a wrong partner key and with a forged page message;
//! then Meta templates, sends in SendZen's dialect with statuses ticking forward, an inbound
//! customer, and signed webhooks once a secret is set.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wadesk_core::error::ProviderFailure;
use wadesk_core::messaging::{MessageStatus, SendTemplate, SendText, VariableValue};
use wadesk_core::providers::sendzen::{OnboardingStatus, OnboardingView, SendzenOnboardings, StartOnboarding};
use wadesk_core::{Error, Secret};

use crate::messaging::{world, World};

const PARTNER_KEY: &str = "sz-partner-key-0123456789";
const CUSTOMER: &str = "15551230001";

struct Sz {
    w: World,
    url: String,
    flow: SendzenOnboardings,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A SendZen sandbox on `listener` (the same config every time, so a second one is a restart).
fn serve_sandbox(listener: tokio::net::TcpListener, url: &str) -> tokio::sync::oneshot::Sender<()> {
    let fast = wadesk_sandbox::MessagingConfig {
        sent_delay: Duration::from_millis(20),
        delivered_delay: Duration::from_millis(40),
        read_delay: Duration::from_millis(60),
        ..wadesk_sandbox::MessagingConfig::default()
    };
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![PARTNER_KEY.into()],
        public_url: url.to_owned(),
        webhook_backoff: vec![Duration::from_millis(50); 2],
        sendzen: wadesk_sandbox::SendzenConfig { messaging: fast, ..wadesk_sandbox::SendzenConfig::default() },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    stop
}

async fn sz() -> Sz {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stop = serve_sandbox(listener, &url);
    w.store.use_sendzen_partner(&format!("{url}/sendzen"), &Secret::new(PARTNER_KEY)).unwrap();
    let flow = SendzenOnboardings::new(w.store.clone(), w._registrations.sandbox_host());
    Sz { w, url, flow, http: reqwest::Client::new(), stop: Some(stop) }
}

impl Sz {
    /// Stops the sandbox and starts a fresh one on the same address: everything it held in memory
    /// is gone, as after the app (which embeds it) restarts.
    async fn restart_sandbox(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        let addr = self.url.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match tokio::net::TcpListener::bind(&addr).await {
                Ok(l) => break l,
                Err(e) => assert!(Instant::now() < deadline, "cannot bind {addr} again: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        self.stop = Some(serve_sandbox(listener, &self.url));
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .http
            .request(method, format!("{}/sendzen/_sandbox{path}", self.url))
            .bearer_auth(PARTNER_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "control {path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    async fn until_onboarding(&self, id: &str, status: OnboardingStatus) -> OnboardingView {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let view = self.w.store.sendzen_onboarding(id).unwrap();
            if view.status == status {
                return view;
            }
            assert!(Instant::now() < deadline, "onboarding is {:?}, waited for {status:?}", view.status);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A number onboarded through the webhook, with its sending number filled in.
    async fn connected(&self) -> (OnboardingView, String) {
        let view = self.flow.start(StartOnboarding::default()).await.unwrap();
        self.control(reqwest::Method::POST, &format!("/projects/{}/complete", view.project_id), json!({})).await;
        self.until_onboarding(&view.client_identifier, OnboardingStatus::Completed).await;
        let view = self.flow.follow(&view.client_identifier).await.unwrap();
        let account = view.account_id.clone().unwrap();
        (view, account)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_onboarding_completed_by_webhook_becomes_an_account_with_its_number() {
    let s = sz().await;
    let view = s.flow.start(StartOnboarding::default()).await.unwrap();
    assert_eq!((view.status, view.mode.as_str()), (OnboardingStatus::Started, "partner"));
    assert!(view.webhook_valid, "the relay answered SendZen's validation request: {:?}", view.webhook_detail);
    assert!(view.iframe_url.starts_with(&format!("{}/sendzen/onboard/iframe?token=", s.url)), "{}", view.iframe_url);
    assert_eq!(view.iframe_origin, s.url);
    assert!(s.http.get(&view.iframe_url).send().await.unwrap().status().is_success());
    assert!(!serde_json::to_string(&view).unwrap().contains("sk_live"), "the view holds no key");

    s.control(reqwest::Method::POST, &format!("/projects/{}/complete", view.project_id), json!({})).await;
    let done = s.until_onboarding(&view.client_identifier, OnboardingStatus::Completed).await;
    assert_eq!(done.completed_via.as_deref(), Some("webhook"));
    let done = s.flow.follow(&view.client_identifier).await.unwrap();
    let account = s.w.store.account(done.account_id.as_deref().unwrap()).unwrap();
    let number = s.w.store.business_number(&account.id).unwrap().unwrap();
    assert!(number.starts_with("1555"), "{number}");
    assert_eq!(account.display_name, format!("SendZen +{number}"));
    assert!(s.w.store.account_credential(&account.id, "api_key").unwrap().expose().starts_with("sk_live_"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_failed_refused_and_forged_onboardings_each_say_what_happened() {
    let s = sz().await;
    // Expired: a new iframe URL that loads, for the same onboarding.
    let view = s.flow.start(StartOnboarding::default()).await.unwrap();
    s.control(reqwest::Method::POST, &format!("/projects/{}/expire-iframes", view.project_id), json!({})).await;
    assert_eq!(s.http.get(&view.iframe_url).send().await.unwrap().status().as_u16(), 410);
    let fresh = s.flow.iframe(&view.client_identifier).await.unwrap();
    assert_ne!(fresh.iframe_url, view.iframe_url);
    assert_eq!(fresh.client_identifier, view.client_identifier);
    assert!(s.http.get(&fresh.iframe_url).send().await.unwrap().status().is_success());

    // A forged page message: wrong origin refused; the right origin but no number yet changes nothing.
    let hint = json!({ "status": "completed", "project_id": view.project_id, "client_identifier": view.client_identifier,
                       "waba_id": "109876543210987", "phone_number_id": "201234567890123" });
    let err = s.flow.report(&view.client_identifier, "https://evil.example", &hint).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let still = s.flow.report(&view.client_identifier, &view.iframe_origin, &hint).await.unwrap();
    assert_eq!(still.status, OnboardingStatus::Started, "a hint alone completes nothing");
    assert!(s.w.store.account(&view.client_identifier).is_err());

    // Failed: SendZen's words, no account.
    s.control(reqwest::Method::POST, &format!("/projects/{}/fail", view.project_id), json!({})).await;
    let failed = s.until_onboarding(&view.client_identifier, OnboardingStatus::Failed).await;
    assert_eq!(failed.failure_message.as_deref(), Some("User cancelled the authentication process."));

    // A wrong partner key: refused with the next step, nothing recorded.
    s.w.store.use_sendzen_partner(&format!("{}/sendzen", s.url), &Secret::new("not-the-partner-key")).unwrap();
    let before = s.w.store.sendzen_onboardings().unwrap().len();
    let err = s.flow.start(StartOnboarding::default()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Provider(ProviderFailure::Unauthorized, m) if m.contains("check the SendZen API key")),
        "{err:?}"
    );
    assert_eq!(s.w.store.sendzen_onboardings().unwrap().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_templates_sends_inbound_and_signed_statuses_work_for_a_sendzen_number() {
    let s = sz().await;
    let (view, account) = s.connected().await;
    let sync = s.w.messaging.sync_templates(&account).await.unwrap();
    let list = s.w.store.templates(&account).unwrap();
    let by_id = |id: &str| list.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("{id} in {list:?}"));
    let greeting = by_id("customer_greeting:en_US");
    assert!(greeting.usable, "{:?}", greeting.problem);
    assert_eq!(greeting.placeholder_names, ["customer_name", "shop_name", "discount_code"]);
    assert!(!by_id("summer_sale:en_US").usable);
    assert!(by_id("order_update:en_US").problem.as_deref().unwrap().contains("button link"));
    assert!(sync.total >= 9 && sync.unusable >= 3, "{sync:?}");

    // A named template goes out with lang_code and parameter names; statuses tick to read.
    let values = ["Maria", "Loja Azul", "AZUL10"];
    let sent =
        s.w.messaging
            .send_template(SendTemplate {
                account_id: account.clone(),
                to: format!("+{CUSTOMER}"),
                template_id: "customer_greeting:en_US".into(),
                values: (1..=3).map(|n| VariableValue { number: n, value: values[n as usize - 1].into() }).collect(),
            })
            .await
            .unwrap();
    assert_eq!(sent.status, MessageStatus::Submitted, "{sent:?}");
    s.w.until(&sent.id, MessageStatus::Read).await;
    let messages =
        s.control(reqwest::Method::GET, &format!("/projects/{}/messages", view.project_id), Value::Null).await;
    let request = &messages["sent"][0]["request"];
    assert_eq!(request["template"]["lang_code"], "en_US");
    assert_eq!(request["template"]["components"][0]["parameters"][0]["parameter_name"], "customer_name");

    // The customer writes in (a Meta-envelope webhook), which opens the window for free text.
    s.control(
        reqwest::Method::POST,
        &format!("/projects/{}/inbound", view.project_id),
        json!({ "from": CUSTOMER, "type": "text", "name": "Maria" }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !s.w.store.service_window(&account, CUSTOMER).unwrap().open {
        assert!(Instant::now() < deadline, "the inbound message never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Signed from now on: a matching secret is applied, a wrong one refused.
    s.control(
        reqwest::Method::PUT,
        &format!("/projects/{}/webhook-secret", view.project_id),
        json!({ "secret": "whsec-sandbox-01" }),
    )
    .await;
    s.w.store.set_webhook_secret(&account, Some(&Secret::new("whsec-sandbox-01"))).unwrap();
    let text = s.w.messaging.send_text(SendText {
        account_id: account.clone(),
        to: CUSTOMER.into(),
        text: "Here you go".into(),
    });
    let text = text.await.unwrap();
    s.w.until(&text.id, MessageStatus::Read).await;
    s.w.store.set_webhook_secret(&account, Some(&Secret::new("whsec-not-this-one"))).unwrap();
    let forged =
        s.w.messaging.send_text(SendText { account_id: account.clone(), to: CUSTOMER.into(), text: "Again".into() });
    let forged = forged.await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log =
            s.control(reqwest::Method::GET, &format!("/projects/{}/webhooks", view.project_id), Value::Null).await;
        let wamid = forged.provider_message_id.clone().unwrap();
        let delivered = log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "status" && d["delivered"] == true && d["body"].to_string().contains(&wamid));
        if delivered {
            break;
        }
        assert!(Instant::now() < deadline, "the sandbox never delivered the status of {}", forged.id);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        s.w.store.message(&forged.id).unwrap().status,
        MessageStatus::Submitted,
        "a wrongly signed status moves nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sendzen_number_keeps_sending_after_the_sandbox_restarts() {
    let mut s = sz().await;
    let (_, account) = s.connected().await;
    s.w.messaging.sync_templates(&account).await.unwrap();
    s.restart_sandbox().await;
    // The app re-points the webhook of a number whose sandbox restarted; the key still works.
    let health = s.w.messaging.register_webhook(&account).await.unwrap();
    assert!(health.webhook_current, "{health:?}");
    let sent =
        s.w.messaging
            .send_template(SendTemplate {
                account_id: account.clone(),
                to: CUSTOMER.into(),
                template_id: "appointment_reminder:en_US".into(),
                values: vec![
                    VariableValue { number: 1, value: "Ana".into() },
                    VariableValue { number: 2, value: "9:30".into() },
                ],
            })
            .await
            .unwrap();
    assert_eq!(sent.status, MessageStatus::Submitted, "{sent:?}");
    s.w.until(&sent.id, MessageStatus::Read).await;
}
