//! Crisp's WhatsApp plugin end to end against a standalone sandbox, over real HTTP and the real
//! relay: an account from the website's token pair, its callback URL pasted into the plugin's
//! settings, templates, a template send answered with a request id and finished by the callback
//! (sent, with the Crisp conversation; or not sent, with Crisp's words), free text refused, and
//! callbacks without the URL's secret or for an unknown request changing nothing.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wadesk_core::accounts::{CredentialInput, NewAccount};
use wadesk_core::messaging::{MessageStatus, SendTemplate, SendText, VariableValue};
use wadesk_core::providers::ProviderKind;
use wadesk_core::Error;

use crate::messaging::{world, World};

const PARTNER: &str = "crisp-partner-token-0123456789";
const CUSTOMER: &str = "15551230003";

struct Cr {
    w: World,
    url: String,
    account: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn cr() -> Cr {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![PARTNER.into()],
        public_url: url.clone(),
        webhook_backoff: vec![Duration::from_millis(50); 2],
        crisp: wadesk_sandbox::CrispConfig {
            callback_delay: Duration::from_millis(100),
            ..wadesk_sandbox::CrispConfig::default()
        },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    let site = control(&w.http, &url, reqwest::Method::GET, "/website", Value::Null).await;
    let s = |k: &str| site[k].as_str().unwrap().to_owned();
    let account = w
        .store
        .add_account(NewAccount {
            provider: ProviderKind::Crisp,
            display_name: "Crisp shop".into(),
            base_url: format!("{url}/crisp"),
            credentials: vec![
                CredentialInput { name: "identifier".into(), value: s("identifier") },
                CredentialInput { name: "key".into(), value: s("key") },
                CredentialInput { name: "website_id".into(), value: s("website_id") },
            ],
        })
        .unwrap()
        .id;
    w.store.set_business_number(&account, &s("from_number")).unwrap();
    // The owner pastes the callback URL into the plugin's API Settings.
    let callback = w.store.crisp_callback_url(&account).unwrap();
    control(&w.http, &url, reqwest::Method::POST, "/website/callback_url", json!({ "url": callback.expose() })).await;
    Cr { w, url, account, _stop: stop }
}

async fn control(http: &reqwest::Client, url: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let res = http
        .request(method, format!("{url}/crisp/_sandbox{path}"))
        .header("X-API-Key", PARTNER)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "control {path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

impl Cr {
    /// Syncs the website's templates and gives the id of one that can be sent with two variables.
    async fn two_variable_template(&self) -> String {
        self.w.messaging.sync_templates(&self.account).await.unwrap();
        let list = self.w.store.templates(&self.account).unwrap();
        list.into_iter()
            .find(|t| t.usable && t.placeholders.len() == 2)
            .expect("a usable template with two variables")
            .id
    }

    async fn send(&self, template: &str, values: &[&str]) -> wadesk_core::messaging::MessageView {
        self.w
            .messaging
            .send_template(SendTemplate {
                account_id: self.account.clone(),
                to: format!("+{CUSTOMER}"),
                template_id: template.into(),
                values: values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| VariableValue { number: i as u32 + 1, value: (*v).into() })
                    .collect(),
            })
            .await
            .unwrap()
    }

    async fn until(&self, id: &str, status: MessageStatus) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.w.store.message(id).unwrap().status != status {
            assert!(
                Instant::now() < deadline,
                "{id} is {:?}, waited for {status:?}",
                self.w.store.message(id).unwrap().status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisp_template_is_sent_and_its_callback_says_so() {
    let s = cr().await;
    let checked = s.w.messaging.check_credentials(&s.account).await.unwrap();
    assert_eq!(checked.state, wadesk_core::accounts::AccountState::Connected, "{:?}", checked.state_detail);
    let usable = s.two_variable_template().await;

    let sent = s.send(&usable, &["Maria", "A-1"]).await;
    assert_eq!(sent.status, MessageStatus::Submitted, "{sent:?}");
    let request_id = sent.provider_message_id.clone().unwrap();
    assert!(sent.wamid.is_none(), "the wamid comes only in the callback");
    s.until(&sent.id, MessageStatus::Sent).await;
    let detail = s.w.store.message_detail(&sent.id).unwrap();
    assert!(detail.reports_only_sent);
    assert!(detail.message.wamid.as_deref().unwrap().starts_with("wamid."), "{:?}", detail.message);
    let session = s.w.store.crisp_session(&s.account, &request_id).unwrap().unwrap();
    assert!(detail.events.iter().any(|e| e.reason.as_deref().is_some_and(|r| r.contains(&session))));
    let requests = control(&s.w.http, &s.url, reqwest::Method::GET, "/website/requests", Value::Null).await;
    assert!(requests.to_string().contains("\"message_template\""), "{requests}");

    // The next one is not sent: Crisp's words are the failure.
    control(
        &s.w.http,
        &s.url,
        reqwest::Method::POST,
        "/website/next_outcome",
        json!({ "success": false, "message": "The number is not a WhatsApp account" }),
    )
    .await;
    let refused = s.send(&usable, &["Ana", "A-2"]).await;
    s.until(&refused.id, MessageStatus::Failed).await;
    let failure = s.w.store.message(&refused.id).unwrap().failure.unwrap();
    assert!(failure.reason.contains("not a WhatsApp account"), "{failure:?}");

    // Free text is refused up front, nothing written.
    let text =
        s.w.messaging.send_text(SendText { account_id: s.account.clone(), to: CUSTOMER.into(), text: "Hi".into() });
    assert!(matches!(text.await, Err(Error::InvalidInput(m)) if m.contains("templates only")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_without_the_urls_secret_or_for_unknown_requests_change_nothing() {
    let s = cr().await;
    let usable = s.two_variable_template().await;
    // Hold the real callback back: point the plugin at a URL that is not ours.
    control(&s.w.http, &s.url, reqwest::Method::POST, "/website/callback_url", json!({ "url": null })).await;
    let sent = s.send(&usable, &["Maria", "A-1"]).await;
    let request_id = sent.provider_message_id.clone().unwrap();

    let hook = s.w.store.relay_channel().unwrap().unwrap().hook_url;
    let forged = json!({ "request_id": request_id, "success": false, "message": "forged" });
    let wrong = format!("{}/crisp/{}/{}", hook.expose(), s.account, "x".repeat(40));
    assert!(s.w.http.post(&wrong).json(&forged).send().await.unwrap().status().is_success());
    let real = s.w.store.crisp_callback_url(&s.account).unwrap();
    let unknown = json!({ "request_id": "00000000-0000-4000-8000-000000000000", "success": false, "message": "x" });
    assert!(s.w.http.post(real.expose()).json(&unknown).send().await.unwrap().status().is_success());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.w.store.message(&sent.id).unwrap().status, MessageStatus::Submitted, "nothing moved it");

    // The genuine callback through the real URL finishes it; a repeat is a duplicate.
    let genuine = json!({ "request_id": request_id, "success": true, "crisp_fingerprint": 42,
        "whatsapp_message_id": "wamid.genuine", "session_id": "session_abc" });
    for _ in 0..2 {
        assert!(s.w.http.post(real.expose()).json(&genuine).send().await.unwrap().status().is_success());
    }
    s.until(&sent.id, MessageStatus::Sent).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let detail = s.w.store.message_detail(&sent.id).unwrap();
    assert_eq!(
        detail.events.iter().filter(|e| e.status == "sent" && e.received_at > 0).count(),
        1,
        "{:?}",
        detail.events
    );
    assert_eq!(s.w.store.crisp_session(&s.account, &request_id).unwrap().as_deref(), Some("session_abc"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisp_account_on_the_built_in_simulator_sends_and_points_the_inbox_to_crisp() {
    let w = world().await;
    let account = w.messaging.crisp_sandbox_account().await.unwrap();
    assert!(account.is_sandbox && account.provider == ProviderKind::Crisp, "{account:?}");
    assert_eq!(account.state, wadesk_core::accounts::AccountState::Connected, "checked: {:?}", account.state_detail);
    let again = w.messaging.crisp_sandbox_account().await.unwrap();
    assert_eq!(again.id, account.id, "one simulated website per install");
    let health = w.messaging.health(&account.id).await.unwrap();
    assert!(health.webhook_current, "the simulator's API Settings took the callback URL: {health:?}");

    let list = w.store.templates(&account.id).unwrap();
    let usable = list.iter().find(|t| t.usable && t.placeholders.len() == 2).expect("synced templates");
    let sent = w
        .messaging
        .send_template(SendTemplate {
            account_id: account.id.clone(),
            to: format!("+{CUSTOMER}"),
            template_id: usable.id.clone(),
            values: vec![
                VariableValue { number: 1, value: "Maria".into() },
                VariableValue { number: 2, value: "A-1".into() },
            ],
        })
        .await
        .unwrap();
    w.until(&sent.id, MessageStatus::Sent).await;
    let session = w.store.crisp_session(&account.id, sent.provider_message_id.as_deref().unwrap()).unwrap();
    let query =
        wadesk_core::conversations::ConversationQuery { account_id: Some(account.id.clone()), ..Default::default() };
    let conversation = w.store.conversations(&query).unwrap().rows.remove(0);
    assert_eq!(conversation.customer, CUSTOMER);
    assert!(session.is_some());
    assert_eq!(conversation.crisp_session, session, "the inbox points to the Crisp conversation");

    // A ChatArchitect conversation has no Crisp conversation to point to.
    w.customer_writes(&w.sandbox_account, CUSTOMER).await;
    let query = wadesk_core::conversations::ConversationQuery {
        account_id: Some(w.sandbox_account.clone()),
        ..Default::default()
    };
    assert_eq!(w.store.conversations(&query).unwrap().rows[0].crisp_session, None);
}

/// The messaging suite's cases for a Crisp website: a wrong key is refused by the credential
/// check; a send Crisp answers with a server error is marked by what it can mean, never resent on
/// its own; a retry of a failed send is a new request with its own callback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisp_account_keeps_the_messaging_suites_promises() {
    let s = cr().await;
    let usable = s.two_variable_template().await;

    // A wrong key: the check says refused, with no secret in its words.
    let site = control(&s.w.http, &s.url, reqwest::Method::GET, "/website", Value::Null).await;
    let wrong =
        s.w.store
            .add_account(NewAccount {
                provider: ProviderKind::Crisp,
                display_name: "Crisp wrong key".into(),
                base_url: format!("{}/crisp", s.url),
                credentials: vec![
                    CredentialInput { name: "identifier".into(), value: site["identifier"].as_str().unwrap().into() },
                    CredentialInput { name: "key".into(), value: "not-the-key-0000".into() },
                    CredentialInput { name: "website_id".into(), value: site["website_id"].as_str().unwrap().into() },
                ],
            })
            .unwrap();
    s.w.store.set_business_number(&wrong.id, site["from_number"].as_str().unwrap()).unwrap();
    let checked = s.w.messaging.check_credentials(&wrong.id).await.unwrap();
    assert_eq!(checked.state, wadesk_core::accounts::AccountState::Refused, "{:?}", checked.state_detail);
    assert!(!checked.state_detail.unwrap_or_default().contains("not-the-key"));

    // Crisp answers a send with a 500: recorded with what it means, and nothing goes out again.
    control(&s.w.http, &s.url, reqwest::Method::POST, "/fail_next", json!({ "endpoint": "send", "count": 1 })).await;
    let errored = s.send(&usable, &["Maria", "A-1"]).await;
    assert!(
        matches!(errored.status, MessageStatus::NotSubmitted | MessageStatus::Uncertain),
        "a 500 is not a send: {errored:?}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let requests = control(&s.w.http, &s.url, reqwest::Method::GET, "/website/requests", Value::Null).await;
    assert_eq!(requests["requests"].as_array().map_or(0, Vec::len), 0, "the refused send was not repeated: {requests}");

    // A failed send retried: a new request id, and its own callback finishes it.
    control(&s.w.http, &s.url, reqwest::Method::POST, "/website/next_outcome", json!({ "success": false })).await;
    let failed = s.send(&usable, &["Ana", "A-2"]).await;
    s.until(&failed.id, MessageStatus::Failed).await;
    let again = s.w.messaging.retry(&failed.id, false).await.unwrap();
    assert_ne!(again.provider_message_id, failed.provider_message_id);
    s.until(&again.id, MessageStatus::Sent).await;
}

/// The account's choice of `crisp_options.type`: a note until set; as text, the body Crisp shows
/// is the filled text the customer reads. Only a Crisp account has the choice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisp_account_sends_as_a_note_or_as_text_with_the_filled_body() {
    use wadesk_core::providers::crisp::options::CrispMessageType;
    let s = cr().await;
    let usable = s.two_variable_template().await;
    assert_eq!(s.w.store.crisp_message_type(&s.account).unwrap(), CrispMessageType::Note);
    // The callback URL's secret exists (the URL was made) but is not listed as a credential.
    let listed: Vec<String> = s.w.store.account(&s.account).unwrap().credentials.into_iter().map(|c| c.name).collect();
    assert_eq!(listed, ["identifier", "key", "website_id"]);

    let as_note = s.send(&usable, &["Maria", "A-1"]).await;
    s.w.store.set_crisp_message_type(&s.account, CrispMessageType::Text).unwrap();
    assert_eq!(s.w.store.crisp_message_type(&s.account).unwrap(), CrispMessageType::Text);
    let as_text = s.send(&usable, &["Ana", "A-2"]).await;
    s.until(&as_text.id, MessageStatus::Sent).await;
    assert!(as_text.text.contains("Ana") && as_text.text.contains("A-2"), "{}", as_text.text);

    let requests = control(&s.w.http, &s.url, reqwest::Method::GET, "/website/requests", Value::Null).await;
    let body_of = |request_id: &Option<String>| {
        let list = requests["requests"].as_array().unwrap();
        let r = list.iter().find(|r| r["request_id"].as_str() == request_id.as_deref()).expect("the request");
        r["body"].clone()
    };
    let note = body_of(&as_note.provider_message_id);
    assert_eq!(note["crisp_options"]["type"], "note");
    assert!(note.pointer("/message_template/components/0/text").is_none(), "{note}");
    let text = body_of(&as_text.provider_message_id);
    assert_eq!(text["crisp_options"]["type"], "text");
    assert_eq!(
        text.pointer("/message_template/components/0/text").and_then(Value::as_str),
        Some(as_text.text.as_str())
    );

    // Another provider's account has no such choice, and nothing is written for it.
    let other =
        s.w.store
            .add_account(NewAccount {
                provider: ProviderKind::Sendzen,
                display_name: "SendZen shop".into(),
                base_url: format!("{}/sendzen", s.url),
                credentials: vec![CredentialInput { name: "api_key".into(), value: "sz-key-0123456789".into() }],
            })
            .unwrap();
    let e = s.w.store.set_crisp_message_type(&other.id, CrispMessageType::Text).unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    assert!(s.w.store.crisp_message_type(&other.id).is_err());
    assert_eq!(s.w.store.crisp_message_type(&s.account).unwrap(), CrispMessageType::Text);
}
