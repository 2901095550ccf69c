//! Gupshup Tech Partner linking end to end against a standalone sandbox in partner mode, over real
//! HTTP and the real relay: link the app, its token, the pipeline to FINALIZE, the live event
//! through the relay (twice: a duplicate), the v3 subscription with the link's secret, the account;
//! then templates and a v3 template send with statuses. And: the seed's name rules checked before
//! any call, a taken name (409), an expired partner token, a callback without the secret.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wadesk_core::error::ProviderFailure;
use wadesk_core::messaging::{MessageStatus, SendTemplate, VariableValue};
use wadesk_core::providers::gupshup::{GupshupLinks, GupshupStage, StartLink};
use wadesk_core::providers::ProviderKind;
use wadesk_core::{Error, Secret};

use crate::messaging::{world, World};

const PARTNER: &str = "gupshup-partner-secret-0123456789";
const CUSTOMER: &str = "15551230004";

struct Gs {
    w: World,
    url: String,
    flow: GupshupLinks,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn gs() -> Gs {
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
        partner_tokens: vec![PARTNER.into()],
        public_url: url.clone(),
        webhook_backoff: vec![Duration::from_millis(50); 2],
        gupshup: wadesk_sandbox::GupshupConfig {
            stage_delay: Duration::from_millis(100),
            live_event_copies: 2,
            messaging: fast,
            ..wadesk_sandbox::GupshupConfig::default()
        },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    let token = login(&w.http, &url).await;
    w.store.use_gupshup_partner(&format!("{url}/gupshup"), &Secret::new(token)).unwrap();
    let flow = GupshupLinks::new(w.store.clone(), w._registrations.sandbox_host());
    Gs { w, url, flow, _stop: stop }
}

async fn login(http: &reqwest::Client, url: &str) -> String {
    let res = http
        .post(format!("{url}/gupshup/partner/account/login"))
        .form(&[("email", "partner@example.org"), ("password", PARTNER)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "login: {}", res.status());
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

fn link(name: &str) -> StartLink {
    StartLink { app_name: name.into(), waba_id: "102290129340398".into(), phone: "+15557654321".into() }
}

impl Gs {
    async fn connected(&self, name: &str) -> String {
        let view = self.flow.link(link(name)).await.unwrap();
        assert_eq!(view.stage, GupshupStage::Provisioning, "{view:?}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.flow.follow(&view.id).await.unwrap();
            if v.stage == GupshupStage::Connected {
                return v.id;
            }
            assert!(Instant::now() < deadline, "link stopped at {:?}: {} / {:?}", v.stage, v.stage_text, v.last_error);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_app_goes_live_subscribes_and_sends() {
    let s = gs().await;
    let id = s.connected("LojaAzulWhatsApp").await;
    let account = s.w.store.account(&id).unwrap();
    assert_eq!((account.provider, account.display_name.as_str()), (ProviderKind::Gupshup, "Gupshup +15557654321"));
    assert_eq!(s.w.store.gupshup_links().unwrap().len(), 1, "the duplicate live event made nothing twice");
    // The subscription's secret is kept, but listed with nothing a person typed.
    assert!(s.w.store.account_credential(&id, "hook_secret").is_ok());
    assert!(!account.credentials.iter().any(|c| c.name == "hook_secret"), "{:?}", account.credentials);
    let health = s.w.messaging.register_webhook(&id).await.unwrap();
    assert!(health.webhook_current, "{health:?}");

    s.w.messaging.sync_templates(&id).await.unwrap();
    let list = s.w.store.templates(&id).unwrap();
    let t = list.iter().find(|t| t.usable && t.placeholders.len() == 2).expect("a usable two-variable template");
    let sent =
        s.w.messaging
            .send_template(SendTemplate {
                account_id: id.clone(),
                to: format!("+{CUSTOMER}"),
                template_id: t.id.clone(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_rules_taken_names_expired_tokens_and_unsigned_callbacks_are_each_handled() {
    let s = gs().await;
    for bad in ["Loja", "Loja Azul!", &"x".repeat(151)] {
        let err = s.flow.link(link(bad)).await.unwrap_err();
        assert!(matches!(&err, Error::Field(f, _) if f == "app_name"), "{bad}: {err:?}");
    }
    assert!(s.w.store.gupshup_links().unwrap().is_empty(), "refused before any call");
    let id = s.connected("CafeCentral2026").await;
    let taken = s.flow.link(link("CafeCentral2026")).await.unwrap_err();
    assert!(
        matches!(&taken, Error::Provider(ProviderFailure::Conflict, m) if m.contains("Bot Already Exists")),
        "{taken:?}"
    );

    // A callback without the link's secret header changes nothing.
    let hook = s.w.store.relay_channel().unwrap().unwrap().hook_url;
    let body = json!({"object": "whatsapp_business_account", "entry": []});
    let res = s.w.http.post(format!("{}/gupshup/{id}", hook.expose())).json(&body).send().await.unwrap();
    assert!(res.status().is_success());

    // An expired partner token: said so with the next step, nothing recorded.
    let res =
        s.w.http
            .post(format!("{}/gupshup/_sandbox/partner_token", s.url))
            .header("X-API-Key", PARTNER)
            .json(&json!({ "age_secs": 25 * 3600 }))
            .send()
            .await
            .unwrap();
    let old = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    s.w.store.use_gupshup_partner(&format!("{}/gupshup", s.url), &Secret::new(old.clone())).unwrap();
    let before = s.w.store.gupshup_links().unwrap().len();
    let err = s.flow.link(link("AnotherShop01")).await.unwrap_err();
    assert!(matches!(&err, Error::Provider(ProviderFailure::Unauthorized, m) if m.contains("24 hours")), "{err:?}");
    assert!(!err.to_string().contains(&old));
    assert_eq!(s.w.store.gupshup_links().unwrap().len(), before);
}

/// The messaging suite's cases for a linked Gupshup number: a failure with Gupshup's code in plain
/// words and a retry that really sends again; a late status kept without moving the message back,
/// and its repeat dropped as a duplicate; free text outside the window refused with nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gupshup_number_keeps_the_messaging_suites_promises() {
    let s = gs().await;
    let id = s.connected("SuiteShop2026").await;
    s.w.messaging.register_webhook(&id).await.unwrap();
    s.w.messaging.sync_templates(&id).await.unwrap();
    let list = s.w.store.templates(&id).unwrap();
    let t = list.iter().find(|t| t.usable && t.placeholders.len() == 2).unwrap();
    let send = |to: &str| SendTemplate {
        account_id: id.clone(),
        to: format!("+{to}"),
        template_id: t.id.clone(),
        values: vec![
            VariableValue { number: 1, value: "Ana".into() },
            VariableValue { number: 2, value: "9:30".into() },
        ],
    };

    // Not on WhatsApp: failed with Gupshup's 1002, explained; a retry is a new send.
    let not_there = wadesk_sandbox::messaging::DEMO_NOT_ON_WHATSAPP;
    let failed = s.w.messaging.send_template(send(not_there)).await.unwrap();
    s.w.until(&failed.id, MessageStatus::Failed).await;
    let failure = s.w.store.message(&failed.id).unwrap().failure.unwrap();
    assert_eq!(failure.code, Some(1002), "{failure:?}");
    assert!(!failure.explanation.is_empty() && failure.explanation != failure.reason, "{failure:?}");
    let again = s.w.messaging.retry(&failed.id, false).await.unwrap();
    assert_ne!(again.id, failed.id);
    assert_ne!(again.provider_message_id, failed.provider_message_id, "Gupshup took it again");
    s.w.until(&again.id, MessageStatus::Failed).await;

    // Read, then a repeated and a late "delivered" for it: kept, and the status stays read.
    let sent = s.w.messaging.send_template(send(CUSTOMER)).await.unwrap();
    s.w.until(&sent.id, MessageStatus::Read).await;
    let gs_id = s.w.store.message(&sent.id).unwrap().provider_message_id.unwrap();
    let secret = s.w.store.account_credential(&id, "hook_secret").unwrap();
    let hook = s.w.store.relay_channel().unwrap().unwrap().hook_url;
    let late = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "102290129340398", "changes": [{
        "field": "messages", "value": { "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15557654321", "phone_number_id": "1" },
        "statuses": [{ "id": "wamid.late", "gs_id": gs_id, "status": "delivered",
                       "timestamp": "1700000000", "recipient_id": CUSTOMER }] } }] }] });
    let events_before = s.w.store.message_detail(&sent.id).unwrap().events.len();
    for _ in 0..2 {
        let res =
            s.w.http
                .post(format!("{}/gupshup/{id}", hook.expose()))
                .header("X-Wadesk-Hook-Secret", secret.expose())
                .json(&late)
                .send()
                .await
                .unwrap();
        assert!(res.status().is_success());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.w.store.message_detail(&sent.id).unwrap().events.len() < events_before + 1 {
        assert!(Instant::now() < deadline, "the late status was not kept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let detail = s.w.store.message_detail(&sent.id).unwrap();
    assert_eq!(detail.message.status, MessageStatus::Read, "a late status does not move it back");
    assert_eq!(detail.events.len(), events_before + 1, "the repeat is a duplicate: {:?}", detail.events);
    let late = detail.events.last().unwrap();
    assert!(late.status == "delivered" && !late.advanced, "{late:?}");

    // Free text to a customer who has not written: refused in core, nothing written.
    let before = s.w.store.history_page(&Default::default(), 0, 100).unwrap().total;
    let text =
        wadesk_core::messaging::SendText { account_id: id.clone(), to: "+15551239999".into(), text: "Hi".into() };
    assert!(matches!(s.w.messaging.send_text(text).await, Err(Error::WindowClosed(_))));
    assert_eq!(s.w.store.history_page(&Default::default(), 0, 100).unwrap().total, before);
}
