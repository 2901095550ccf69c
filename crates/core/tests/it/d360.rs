//! 360dialog end to end against a standalone sandbox in partner mode (as a partner would point
//! Wadesk at the Partner Hub), over real HTTP and the real relay: the client, the simulated Meta
//! Embedded Signup, the number submitted, the channel followed through signed partner events, the
//! API key and the account; then templates, a named template send with statuses, and an inbound
//! customer. And what must change nothing: forged and foreign signup messages, a cancelled and a
//! failed signup, a WABA 360dialog never saw, wrongly signed partner events, a wrong partner key.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wadesk_core::error::ProviderFailure;
use wadesk_core::messaging::{MessageStatus, SendTemplate, VariableValue};
use wadesk_core::providers::d360::settings::D360PartnerInput;
use wadesk_core::providers::d360::{D360OnboardingView, D360Onboardings, D360Stage, StartD360};
use wadesk_core::providers::ProviderKind;
use wadesk_core::{Error, Secret};

use crate::messaging::{world, World};

const PARTNER_KEY: &str = "d360-partner-key-0123456789";
const SIGNING_SECRET: &str = "d360-signing-secret-01";
const CUSTOMER: &str = "15551230002";

struct D3 {
    w: World,
    url: String,
    flow: D360Onboardings,
    http: reqwest::Client,
    partner: Value,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn d3() -> D3 {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fast = wadesk_sandbox::MessagingConfig {
        sent_delay: Duration::from_millis(20),
        delivered_delay: Duration::from_millis(40),
        read_delay: Duration::from_millis(60),
        ..wadesk_sandbox::MessagingConfig::default()
    };
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![PARTNER_KEY.into()],
        public_url: url.clone(),
        webhook_backoff: vec![Duration::from_millis(50); 2],
        d360: wadesk_sandbox::D360Config {
            stage_delay: Duration::from_millis(150),
            messaging: fast,
            ..wadesk_sandbox::D360Config::default()
        },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let partner: Value = http
        .get(format!("{url}/d360/_sandbox/partner"))
        .header("X-API-Key", PARTNER_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    w.store.use_d360_partner(&input(&url, &partner, Some(PARTNER_KEY))).unwrap();
    let flow = D360Onboardings::new(w.store.clone(), w._registrations.sandbox_host());
    D3 { w, url, flow, http, partner, _stop: stop }
}

fn input(url: &str, partner: &Value, key: Option<&str>) -> D360PartnerInput {
    let s = |k: &str| partner[k].as_str().unwrap().to_owned();
    D360PartnerInput {
        hub_url: format!("{url}/d360/hub/api/v2"),
        messaging_url: format!("{url}/d360/waba"),
        partner_id: s("partner_id"),
        partner_key: key.map(Secret::new),
        solution_id: s("solution_id"),
        default_tier: "regular".into(),
        meta_app_id: s("meta_app_id"),
        meta_config_id: s("meta_config_id"),
        route_partner_events: true,
    }
}

fn start(email: &str) -> StartD360 {
    StartD360 {
        name: "Loja Azul".into(),
        email: email.into(),
        user_name: "Maria Silva".into(),
        tier: Some("basic".into()),
        account_id: None,
    }
}

impl D3 {
    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .http
            .request(method, format!("{}/d360/_sandbox{path}", self.url))
            .header("X-API-Key", PARTNER_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "control {path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    /// Answers the simulated Meta signup as the customer would (`event` = the button), and gives
    /// the message the host page would forward.
    async fn meta(&self, view: &D360OnboardingView, event: &str) -> Value {
        let form = [
            ("app_id", self.partner["meta_app_id"].as_str().unwrap()),
            ("config_id", self.partner["meta_config_id"].as_str().unwrap()),
            ("origin", view.host_origin.as_str()),
            ("state", view.state.as_str()),
            ("business", "Loja Azul"),
            ("phone", "+15557654321"),
            ("current_step", "PHONE_NUMBER_VERIFICATION"),
            ("event", event),
        ];
        let res = self.http.post(format!("{}/d360/meta/signup", self.url)).form(&form).send().await.unwrap();
        assert!(res.status().is_success(), "signup page: {}", res.status());
        let signups = self.control(reqwest::Method::GET, "/signups", Value::Null).await;
        let last = &signups["signups"][0];
        assert_eq!(last["state"], view.state.as_str());
        let mut msg = json!({ "type": "wadesk.meta-signup", "state": view.state, "event": event });
        for k in ["waba_id", "phone_number_id", "business_id", "current_step", "error_message", "error_code"] {
            if let Some(v) = last["data"].get(k).filter(|v| !v.is_null()) {
                msg[k] = v.as_str().map(Value::from).unwrap_or_else(|| Value::from(v.to_string()));
            }
        }
        msg
    }

    async fn until_stage(&self, id: &str, at_least: D360Stage, follow: bool) -> D360OnboardingView {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let view =
                if follow { self.flow.follow(id).await.unwrap() } else { self.w.store.d360_onboarding(id).unwrap() };
            if view.stage >= at_least {
                return view;
            }
            assert!(Instant::now() < deadline, "onboarding is {:?}, waited for {at_least:?}", view.stage);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_signed_up_with_meta_becomes_a_360dialog_account_that_messages() {
    let s = d3().await;
    s.w.store.set_d360_partner_signing_secret(Some(&Secret::new(SIGNING_SECRET))).unwrap();
    s.control(reqwest::Method::POST, "/partner/signing_secret", json!({ "secret": SIGNING_SECRET })).await;

    let view = s.flow.start(start("owner@loja-azul.example")).await.unwrap();
    assert_eq!((view.stage, view.mode.as_str(), view.tier.as_str()), (D360Stage::Signup, "partner", "basic"));
    let relay = s.w.store.relay_channel().unwrap().unwrap().relay_url;
    assert!(view.host_url.starts_with(&format!("{}/embed/meta-signup#state=", relay.trim_end_matches('/'))));
    assert!(view.host_url.contains("&mode=facebook&app_id="), "partner mode runs Meta's SDK: {}", view.host_url);
    assert!(!serde_json::to_string(&view).unwrap().contains(PARTNER_KEY));
    // The host page the window frames is served by the relay.
    let page = s.http.get(view.host_url.split('#').next().unwrap()).send().await.unwrap();
    assert!(page.status().is_success());

    let msg = s.meta(&view, "FINISH").await;
    let submitted = s.flow.signup(&view.id, &view.host_origin, &msg).await.unwrap();
    assert_eq!(submitted.stage, D360Stage::Submitted, "{:?}", submitted.stage_detail);
    assert_eq!(submitted.waba_id.as_deref(), msg["waba_id"].as_str());

    // Signed partner events alone move the stage (nothing asks 360dialog meanwhile).
    let running = s.until_stage(&view.id, D360Stage::ChannelRunning, false).await;
    assert!(running.channel_id.is_some());
    let done = s.until_stage(&view.id, D360Stage::Connected, true).await;
    let account = s.w.store.account(done.account_id.as_deref().unwrap()).unwrap();
    assert_eq!(account.provider, ProviderKind::D360);
    let number = s.w.store.business_number(&account.id).unwrap().unwrap();
    assert_eq!(number, "15557654321");
    assert_eq!(account.display_name, "360dialog +15557654321");
    assert!(!s.w.store.account_credential(&account.id, "api_key").unwrap().expose().is_empty());
    // A second follow changes nothing (the key is made once).
    assert_eq!(s.flow.follow(&view.id).await.unwrap().stage, D360Stage::Connected);
    let channel = s
        .control(reqwest::Method::GET, &format!("/channels/{}", done.channel_id.as_deref().unwrap()), Value::Null)
        .await;
    assert_eq!(channel["pricing_tier"], "basic");

    // Messaging: the webhook, Meta templates, a named template with statuses, an inbound customer.
    let health = s.w.messaging.register_webhook(&account.id).await.unwrap();
    assert!(health.webhook_current, "{health:?}");
    let sync = s.w.messaging.sync_templates(&account.id).await.unwrap();
    assert!(sync.total >= 5, "{sync:?}");
    let greeting =
        s.w.store.templates(&account.id).unwrap().into_iter().find(|t| t.id == "customer_greeting:en_US").unwrap();
    assert_eq!(greeting.placeholder_names, ["customer_name", "shop_name", "discount_code"]);
    let values = ["Maria", "Loja Azul", "AZUL10"];
    let sent =
        s.w.messaging
            .send_template(SendTemplate {
                account_id: account.id.clone(),
                to: format!("+{CUSTOMER}"),
                template_id: "customer_greeting:en_US".into(),
                values: (1..=3).map(|n| VariableValue { number: n, value: values[n as usize - 1].into() }).collect(),
            })
            .await
            .unwrap();
    assert_eq!(sent.status, MessageStatus::Submitted, "{sent:?}");
    assert!(sent.provider_message_id.as_deref().unwrap().starts_with("wamid."));
    s.w.until(&sent.id, MessageStatus::Read).await;
    let channel = s
        .control(reqwest::Method::GET, &format!("/channels/{}", done.channel_id.as_deref().unwrap()), Value::Null)
        .await;
    let request = &channel["sent"][0]["request"];
    assert_eq!(request["template"]["language"]["code"], "en_US", "{channel}");
    assert_eq!(request["template"]["components"][0]["parameters"][0]["parameter_name"], "customer_name");

    s.control(
        reqwest::Method::POST,
        "/inbound",
        json!({ "channel_id": done.channel_id, "from": CUSTOMER, "text": "Obrigada!", "name": "Maria" }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !s.w.store.service_window(&account.id, CUSTOMER).unwrap().open {
        assert!(Instant::now() < deadline, "the inbound message never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_cancelled_failed_foreign_and_wrongly_signed_signups_change_only_what_they_should() {
    let s = d3().await;
    let view = s.flow.start(start("cafe@example.org")).await.unwrap();
    let again = s.flow.start(start("CAFE@example.org")).await.unwrap();
    assert_eq!(again.client_id, view.client_id, "one client per email, reused");
    assert_ne!(again.state, view.state);

    // Forged: another onboarding's state, another origin.
    let forged = json!({ "type": "wadesk.meta-signup", "state": again.state, "event": "FINISH", "waba_id": "1" });
    assert!(matches!(s.flow.signup(&view.id, &view.host_origin, &forged).await, Err(Error::InvalidInput(_))));
    let mut foreign = forged.clone();
    foreign["state"] = view.state.clone().into();
    assert!(matches!(s.flow.signup(&view.id, "https://evil.example", &foreign).await, Err(Error::InvalidInput(_))));
    assert_eq!(s.w.store.d360_onboarding(&view.id).unwrap().stage, D360Stage::Signup);

    // Cancelled, then an error: each says so, and a retry gives a fresh signup.
    let cancel = s.meta(&view, "CANCEL").await;
    let cancelled = s.flow.signup(&view.id, &view.host_origin, &cancel).await.unwrap();
    assert_eq!(cancelled.stage, D360Stage::Cancelled);
    assert_eq!(cancelled.stage_detail.as_deref(), Some("PHONE_NUMBER_VERIFICATION"));
    let view = s.flow.retry(&view.id).await.unwrap();
    assert_eq!(view.stage, D360Stage::Signup);
    assert_ne!(view.state, cancelled.state);
    assert!(s.flow.signup(&view.id, &view.host_origin, &cancel).await.is_err(), "the old state is spent");
    let error = s.meta(&view, "ERROR").await;
    let failed = s.flow.signup(&view.id, &view.host_origin, &error).await.unwrap();
    assert_eq!(failed.stage, D360Stage::SignupError);
    assert!(failed.stage_detail.as_deref().unwrap().contains("simulated error"), "{:?}", failed.stage_detail);
    let view = s.flow.retry(&view.id).await.unwrap();

    // A WABA 360dialog never saw shared: refused with its words, and offered again.
    let made_up =
        json!({ "type": "wadesk.meta-signup", "state": view.state, "event": "FINISH", "waba_id": "999999999999999" });
    let refused = s.flow.signup(&view.id, &view.host_origin, &made_up).await.unwrap();
    assert_eq!(refused.stage, D360Stage::SubmitFailed);
    assert!(refused.stage_detail.as_deref().unwrap().contains("waba_external_id"), "{:?}", refused.stage_detail);
    assert!(s.w.store.account(&view.id).is_err());

    // Wrongly signed partner events move nothing; the channel list still gets the number live.
    s.w.store.set_d360_partner_signing_secret(Some(&Secret::new("not-the-signing-secret"))).unwrap();
    s.control(reqwest::Method::POST, "/partner/signing_secret", json!({ "secret": SIGNING_SECRET })).await;
    let other = s.flow.start(start("bakery@example.org")).await.unwrap();
    let msg = s.meta(&other, "FINISH_ONLY_WABA").await;
    assert!(msg.get("phone_number_id").is_none());
    let submitted = s.flow.signup(&other.id, &other.host_origin, &msg).await.unwrap();
    assert_eq!(submitted.stage, D360Stage::Submitted);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        s.w.store.d360_onboarding(&other.id).unwrap().stage,
        D360Stage::Submitted,
        "partner events with a wrong signature are refused"
    );
    let done = s.until_stage(&other.id, D360Stage::Connected, true).await;
    assert!(done.account_id.is_some());

    // A wrong partner key: refused with the next step, nothing recorded.
    let mut wrong = input(&s.url, &s.partner, Some("not-the-partner-key-000"));
    wrong.default_tier = "premium".into();
    s.w.store.use_d360_partner(&wrong).unwrap();
    let before = s.w.store.d360_onboardings().unwrap().len();
    let err = s.flow.start(start("new@example.org")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Provider(ProviderFailure::Unauthorized, m) if m.contains("check the partner API key")),
        "{err:?}"
    );
    assert_eq!(s.w.store.d360_onboardings().unwrap().len(), before);
    assert!(!err.to_string().contains("not-the-partner-key"));
}
