//! The messaging API against seed 000's "WhatsApp API Quick Start for Developers": request and
//! answer shapes field by field, Basic auth, validation, the rate limit, the sent log and the
//! control surface. Status and inbound webhooks are in `messaging_events`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::Engine as _;
use serde_json::{json, Value};
use wadesk_sandbox::messaging::*;
use wadesk_sandbox::{MessagingConfig, SandboxConfig, SANDBOX_APP_ID, SANDBOX_APP_SECRET};

use crate::support::*;

/// `Basic base64(id:secret)`.
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

/// The demo app's Authorization header.
pub fn demo() -> String {
    basic(SANDBOX_APP_ID, SANDBOX_APP_SECRET)
}

/// Fast statuses (20/40/60 ms) and fast retries (2 × 20 ms).
pub fn fast() -> SandboxConfig {
    SandboxConfig {
        messaging: MessagingConfig {
            sent_delay: Duration::from_millis(20),
            delivered_delay: Duration::from_millis(40),
            read_delay: Duration::from_millis(60),
            ..MessagingConfig::default()
        },
        ..config(&[20, 20])
    }
}

/// A request with a raw Authorization header and a JSON body.
pub async fn api(h: &Harness, method: Method, uri: &str, auth: Option<&str>, body: Option<&Value>) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    h.send(req.header(header::CONTENT_TYPE, "application/json").body(Body::from(body)).unwrap()).await
}

pub async fn post(h: &Harness, uri: &str, auth: &str, body: &Value) -> Reply {
    api(h, Method::POST, uri, Some(auth), Some(body)).await
}

pub async fn get(h: &Harness, uri: &str, auth: &str) -> Value {
    let reply = api(h, Method::GET, uri, Some(auth), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// Registers `url` with `/webhook` (the seed's body).
pub async fn register(h: &Harness, auth: &str, url: &str) {
    let body =
        json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": "false", "webhook": url });
    let reply = post(h, "/webhook", auth, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

/// Sends a text; returns the messageId.
pub async fn send_text(h: &Harness, auth: &str, destination: &str, message: &str) -> String {
    let body =
        json!({ "channel": "whatsapp", "destination": destination, "payload": { "type": "text", "message": message } });
    let reply = post(h, "/whatsappmessage", auth, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["messageId"].as_str().unwrap().to_owned()
}

/// The customer writes first: an inbound text from `number`, which opens its 24-hour service
/// window. Returns once the sandbox has delivered it (or logged it undelivered, with no webhook
/// registered), so a receiver registered afterwards never sees it. Returns the inbound body.
pub async fn customer_writes(h: &Harness, auth: &str, number: &str) -> Value {
    let req = json!({ "source": number, "payload": { "text": "Hello, I have a question" } });
    let reply = post(h, "/_sandbox/messaging/inbound", auth, &req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json()["webhook"].clone();
    deliveries_settled(h, auth, body["payload"]["id"].as_str().unwrap(), 1).await;
    body
}

/// Waits (up to 10 s) until `n` deliveries of `message_id` are logged and each is delivered or had
/// nowhere to go; returns them.
pub async fn deliveries_settled(h: &Harness, auth: &str, message_id: &str, n: usize) -> Vec<Value> {
    for _ in 0..1000 {
        let log = get(h, "/_sandbox/messaging/webhook", auth).await;
        let mine: Vec<Value> =
            log["deliveries"].as_array().unwrap().iter().filter(|d| d["message_id"] == message_id).cloned().collect();
        if mine.len() >= n && mine.iter().all(|d| d["delivered"] == true || d["url"].is_null()) {
            return mine;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} deliveries of {message_id} did not settle");
}

/// Changes the app's settings through the control surface.
pub async fn settings(h: &Harness, auth: &str, body: Value) {
    let reply = post(h, "/_sandbox/messaging/settings", auth, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().cloned().collect();
    k.sort();
    k
}

pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

/// A registered app's pair: a session completed through the control surface.
pub async fn registered_app(h: &Harness, token: &str) -> (String, String) {
    let created =
        h.post_json("/partner?action=create_session", Some(token), &session_body("http://127.0.0.1:9/h")).await;
    let id = created.json()["registration_id"].as_str().unwrap().to_owned();
    let done = h.post_json(&format!("/_sandbox/registrations/{id}/complete"), Some(token), &json!({})).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let result = h.result(&id, token).await.json();
    (result["app_id"].as_str().unwrap().to_owned(), result["app_secret"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn conformance_the_three_calls_answer_exactly_the_seed_shapes() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    // The customer wrote first, so a free-form text is inside the 24-hour window.
    customer_writes(&h, &demo(), "421233221242").await;
    // Step 1: the seed's /webhook body.
    let hook =
        json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": "false", "webhook": rx.url });
    let reply = post(&h, "/webhook", &demo(), &hook).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.json(), json!({ "status": "success", "message": "Webhook saved" }));

    // Step 2: the seed's /whatsappmessage body and answer.
    let send = json!({ "channel": "whatsapp", "destination": "421233221242",
        "payload": { "type": "text", "message": "Hi John, how are you?" } });
    let reply = post(&h, "/whatsappmessage", &demo(), &send).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(keys(&answer), ["messageId", "status"]);
    assert_eq!(answer["status"], "submitted");
    let message_id = answer["messageId"].as_str().unwrap();
    assert!(is_uuid_v4(message_id), "{message_id}");

    // Step 3: the seed's /getHSM body and the fragment's fields.
    let hsm = json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": "true" });
    let list = post(&h, "/getHSM", &demo(), &hsm).await.json();
    assert_eq!(keys(&list), ["status", "templates", "templates_status"]);
    assert_eq!((list["status"].clone(), list["templates_status"].clone()), (json!("submitted"), json!(true)));
    let templates = list["templates"].as_array().unwrap();
    for t in templates {
        assert_eq!(keys(t), ["appId", "category", "data", "elementName", "languageCode", "templateType"]);
        assert_eq!(t["appId"], SANDBOX_APP_ID);
        assert!(["MARKETING", "UTILITY", "OTP"].contains(&t["category"].as_str().unwrap()), "{t}");
    }
    let seed = templates.iter().find(|t| t["data"] == "{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello{{1}}").unwrap();
    assert_eq!(seed["category"], "MARKETING");

    // The status events, in the seed's example shape.
    let got = rx.wait_for(3).await;
    let now = chrono::Utc::now().timestamp_millis();
    let mut statuses = Vec::new();
    for c in &got {
        assert_eq!(c.header("content-type"), "application/json");
        let event: Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(keys(&event), ["app", "payload", "timestamp", "type", "version"]);
        assert_eq!(event["app"], SANDBOX_APP_ID);
        assert!((now - event["timestamp"].as_i64().unwrap()).abs() < 10_000, "milliseconds: {event}");
        assert_eq!((event["version"].clone(), event["type"].clone()), (json!(2), json!("message-event")));
        let p = &event["payload"];
        assert_eq!(keys(p), ["destination", "id", "payload", "type"]);
        assert_eq!((p["id"].as_str().unwrap(), p["destination"].as_str().unwrap()), (message_id, "421233221242"));
        assert_eq!(keys(&p["payload"]), ["ts"]);
        statuses.push(p["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses, ["sent", "delivered", "read"]);
}

#[tokio::test]
async fn the_seed_template_send_is_delivered_and_get_hsm_accepts_boolean_true() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let id = send_text(&h, &demo(), "421233221242", "{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello John").await;
    let got = rx.wait_for(3).await;
    let last: Value = serde_json::from_slice(&got[2].body).unwrap();
    assert_eq!(
        (last["payload"]["id"].as_str().unwrap(), last["payload"]["type"].as_str().unwrap()),
        (id.as_str(), "read")
    );
    let hsm = json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": true });
    assert_eq!(post(&h, "/getHSM", &demo(), &hsm).await.status, StatusCode::OK);
    let webhook_bool =
        json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": false, "webhook": rx.url });
    assert_eq!(post(&h, "/webhook", &demo(), &webhook_bool).await.status, StatusCode::OK, "Node-RED sends a boolean");
}

#[tokio::test]
async fn every_endpoint_needs_a_valid_basic_pair() {
    let h = Harness::with(fast());
    let (app_id, secret) = registered_app(&h, TOKEN).await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let bad: Vec<(Option<String>, &str)> = vec![
        (None, "Missing Basic credentials (APP_ID:APP_SECRET)"),
        (Some(format!("Bearer {TOKEN}")), "Missing Basic credentials (APP_ID:APP_SECRET)"),
        (Some("Basic !!!not-base64".to_owned()), "Missing Basic credentials (APP_ID:APP_SECRET)"),
        (Some(format!("Basic {}", b64("no-colon"))), "Missing Basic credentials (APP_ID:APP_SECRET)"),
        (Some(basic(SANDBOX_APP_ID, "wrong")), "Invalid APP_ID or APP_SECRET"),
        (Some(basic(&app_id, &secret[..39])), "Invalid APP_ID or APP_SECRET"),
        (Some(basic(&app_id, SANDBOX_APP_SECRET)), "Invalid APP_ID or APP_SECRET"),
        (Some(basic("ca_app_unknown", &secret)), "Invalid APP_ID or APP_SECRET"),
        (Some(basic(SANDBOX_APP_SECRET, SANDBOX_APP_ID)), "Invalid APP_ID or APP_SECRET"),
    ];
    let paths = [
        (Method::POST, "/webhook"),
        (Method::POST, "/getHSM"),
        (Method::POST, "/whatsappmessage"),
        (Method::GET, "/_sandbox/messaging/settings"),
        (Method::GET, "/_sandbox/messaging/sent"),
        (Method::POST, "/_sandbox/messaging/inbound"),
    ];
    for (method, path) in paths {
        for (auth, message) in &bad {
            let reply = api(&h, method.clone(), path, auth.as_deref(), Some(&json!({ "channel": "whatsapp" }))).await;
            assert_eq!(reply.assert_error(401), *message, "{method} {path} {auth:?}");
            assert!(reply.header("www-authenticate").starts_with("Basic"), "{path}");
        }
    }
    assert!(
        get(&h, "/_sandbox/messaging/sent", &demo()).await["messages"].as_array().unwrap().is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn registered_pairs_are_derived_and_survive_a_restart() {
    let h = Harness::with(fast());
    let (app_id, secret) = registered_app(&h, TOKEN).await;
    let hsm = json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": "true" });
    let list = post(&h, "/getHSM", &basic(&app_id, &secret), &hsm).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert!(list.json()["templates"].as_array().unwrap().iter().all(|t| t["appId"] == app_id.as_str()));
    let (other_id, other_secret) = registered_app(&h, OTHER_TOKEN).await;
    assert_eq!(post(&h, "/getHSM", &basic(&other_id, &other_secret), &hsm).await.status, StatusCode::OK);

    // A new sandbox with the same partner tokens knows the pair; one without that token does not.
    let restarted = Harness::with(fast());
    assert_eq!(post(&restarted, "/getHSM", &basic(&app_id, &secret), &hsm).await.status, StatusCode::OK);
    let other_only = Harness::with(SandboxConfig { partner_tokens: vec![OTHER_TOKEN.into()], ..fast() });
    post(&other_only, "/getHSM", &basic(&app_id, &secret), &hsm).await.assert_error(401);
    assert_eq!(post(&other_only, "/getHSM", &basic(&other_id, &other_secret), &hsm).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_sends_are_400_with_a_specific_message() {
    let h = Harness::with(fast());
    let text = |message: Value| json!({ "channel": "whatsapp", "destination": "421233221242", "payload": { "type": "text", "message": message } });
    let cases: Vec<(Value, &str)> = vec![
        (json!(["not", "an", "object"]), "Invalid request body: expected a JSON object"),
        (json!({ "channel": "whatsapp" }), "Missing destination"),
        (json!({ "channel": "whatsapp", "destination": "+421233221242", "payload": {} }), "Invalid destination"),
        (json!({ "channel": "whatsapp", "destination": "4212", "payload": {} }), "Invalid destination"),
        (json!({ "destination": "421233221242", "payload": {} }), "Missing channel"),
        (json!({ "channel": "sms", "destination": "421233221242", "payload": {} }), "Invalid channel"),
        (json!({ "channel": "whatsapp", "destination": "421233221242" }), "Missing payload"),
        (
            json!({ "channel": "whatsapp", "destination": "421233221242", "payload": { "message": "x" } }),
            "Missing payload.type",
        ),
        (
            json!({ "channel": "whatsapp", "destination": "421233221242", "payload": { "type": "text" } }),
            "Missing payload.message",
        ),
        (text(json!("")), "Empty message"),
        (text(json!("   \n ")), "Empty message"),
        (text(json!("x".repeat(4097))), "Message too long"),
    ];
    for (body, prefix) in cases {
        let message = post(&h, "/whatsappmessage", &demo(), &body).await.assert_error(400);
        assert!(message.starts_with(prefix), "{body}: {message}");
    }
    let raw = api(&h, Method::POST, "/whatsappmessage", Some(&demo()), None).await;
    assert_eq!(raw.assert_error(400), "Invalid JSON body");
    assert_eq!(
        post(&h, "/whatsappmessage", &demo(), &text(json!("é".repeat(4096)))).await.status,
        StatusCode::OK,
        "4096 characters, not bytes"
    );
    let sent = get(&h, "/_sandbox/messaging/sent", &demo()).await;
    assert_eq!(sent["messages"].as_array().unwrap().len(), 1, "only the valid send is recorded");
}

#[tokio::test]
async fn webhook_and_get_hsm_bodies_are_validated() {
    let h = Harness::with(fast());
    let hook = |url: &str, separate: Value| json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": separate, "webhook": url });
    let cases: Vec<(Value, &str)> = vec![
        (hook("http://crm.example/hook", json!("false")), "Invalid webhook: must be an https:// URL"),
        (hook("https://crm.example/ho\tok", json!("false")), "Invalid webhook: not an absolute URL"),
        (hook("/relative", json!("false")), "Invalid webhook: not an absolute URL"),
        (hook("https://crm.example/hook", json!("maybe")), "Invalid webhook_separate"),
        (
            json!({ "channel": "whatsapp", "destination": "421233221242", "webhook": "https://crm.example/h" }),
            "Missing webhook_separate",
        ),
        (
            json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": "false" }),
            "Missing webhook",
        ),
        (
            json!({ "channel": "telegram", "destination": "421233221242", "webhook_separate": "false", "webhook": "https://a.example/h" }),
            "Invalid channel",
        ),
        (
            json!({ "channel": "whatsapp", "destination": "12", "webhook_separate": "false", "webhook": "https://a.example/h" }),
            "Invalid destination",
        ),
    ];
    for (body, prefix) in cases {
        let message = post(&h, "/webhook", &demo(), &body).await.assert_error(400);
        assert!(message.starts_with(prefix), "{body}: {message}");
    }
    for good in [
        "https://crm.example/hook?token=abc",
        "http://127.0.0.1:8787/h",
        "http://localhost:8787/h",
        "http://[::1]:8787/h",
    ] {
        assert_eq!(post(&h, "/webhook", &demo(), &hook(good, json!("true"))).await.status, StatusCode::OK, "{good}");
    }
    let hsm = |flag: Value| json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": flag });
    for bad in [json!("false"), json!("yes"), Value::Null] {
        post(&h, "/getHSM", &demo(), &hsm(bad)).await.assert_error(400);
    }
}

#[tokio::test]
async fn the_default_catalogue_has_fixed_ids_every_category_and_non_latin_text() {
    let h = Harness::with(fast());
    let hsm = json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": "true" });
    let list = post(&h, "/getHSM", &demo(), &hsm).await.json();
    let templates = list["templates"].as_array().unwrap();
    let ids: Vec<String> = templates
        .iter()
        .map(|t| t["data"].as_str().unwrap().split_once('\n').unwrap().0.trim_matches(['{', '}']).to_owned())
        .collect();
    assert_eq!(ids, default_template_ids());
    let field = |name: &str| templates.iter().map(|t| t[name].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    for c in ["MARKETING", "UTILITY", "OTP"] {
        assert!(field("category").iter().any(|x| x == c), "{c}");
    }
    assert!(field("templateType").iter().any(|x| x == "IMAGE"));
    let data = field("data");
    assert!(data.iter().any(|d| d.contains("Здравствуйте")) && data.iter().any(|d| d.contains("مرحبا")));
    assert!(data.iter().any(|d| d.chars().count() > 850 && d.lines().count() >= 5), "a long template");
    let vars = |d: &str| (1..=9).filter(|n| d.contains(&format!("{{{{{n}}}}}"))).count();
    let appointment = data.iter().find(|d| d.contains(TEMPLATE_APPOINTMENT)).unwrap();
    assert_eq!(vars(appointment), 5);
    assert!(data.iter().find(|d| d.contains(TEMPLATE_OTP)).unwrap().contains("{{1}} is your verification code"));
}

#[tokio::test]
async fn above_the_rate_sends_are_429_with_retry_after_and_not_recorded() {
    let h = Harness::with(fast());
    settings(&h, &demo(), json!({ "rate_per_second": 2 })).await;
    send_text(&h, &demo(), "421233221242", "one").await;
    send_text(&h, &demo(), "421233221242", "two").await;
    let body = json!({ "channel": "whatsapp", "destination": "421233221242", "payload": { "type": "text", "message": "three" } });
    let reply = post(&h, "/whatsappmessage", &demo(), &body).await;
    assert!(reply.assert_error(429).starts_with("Rate limit exceeded"));
    assert_eq!(reply.header("retry-after"), "1");
    let sent = get(&h, "/_sandbox/messaging/sent", &demo()).await;
    let texts: Vec<_> = sent["messages"].as_array().unwrap().iter().map(|m| m["message"].clone()).collect();
    assert_eq!(texts, [json!("one"), json!("two")]);
    // Another app has its own bucket.
    let (app_id, secret) = registered_app(&h, TOKEN).await;
    send_text(&h, &basic(&app_id, &secret), "421233221242", "other app").await;
    tokio::time::sleep(Duration::from_millis(550)).await;
    send_text(&h, &demo(), "421233221242", "refilled").await;
}

#[tokio::test]
async fn the_sent_log_lists_each_accepted_message_once_with_its_exact_text_per_app() {
    let h = Harness::with(fast());
    let texts = ["Hi John, how are you?", "Line one\nLine two ✓", "Привет, Иван"];
    let mut ids = Vec::new();
    for t in texts {
        ids.push(send_text(&h, &demo(), "421233221242", t).await);
    }
    let other = send_text(&h, &demo(), "421999888777", "someone else").await;
    let image = json!({ "channel": "whatsapp", "destination": "421999888777",
        "payload": { "type": "image", "originalUrl": "https://x.example/a.png", "caption": "look" } });
    assert_eq!(post(&h, "/whatsappmessage", &demo(), &image).await.status, StatusCode::OK);

    let sent = get(&h, "/_sandbox/messaging/sent?destination=421233221242", &demo()).await;
    let messages = sent["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    for ((m, id), text) in messages.iter().zip(&ids).zip(texts) {
        assert_eq!((m["messageId"].as_str().unwrap(), m["message"].as_str().unwrap()), (id.as_str(), text));
        assert_eq!((m["destination"].clone(), m["type"].clone()), (json!("421233221242"), json!("text")));
        chrono::DateTime::parse_from_rfc3339(m["accepted_at"].as_str().unwrap()).unwrap();
    }
    let all = get(&h, "/_sandbox/messaging/sent", &demo()).await;
    let all = all["messages"].as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[3]["messageId"], other.as_str());
    assert_eq!((all[4]["type"].clone(), all[4]["message"].clone()), (json!("image"), json!("look")));
    let (app_id, secret) = registered_app(&h, TOKEN).await;
    let theirs = get(&h, "/_sandbox/messaging/sent", &basic(&app_id, &secret)).await;
    assert_eq!(theirs["messages"], json!([]), "each app sees only its own log");
}

#[tokio::test]
async fn the_control_surface_changes_settings_templates_and_destinations() {
    let h = Harness::with(fast());
    let view = get(&h, "/_sandbox/messaging/settings", &demo()).await;
    assert_eq!(
        view,
        json!({ "sent_delay_ms": 20, "delivered_delay_ms": 40, "read_delay_ms": 60, "rate_per_second": 80,
                "duplicates": false, "reorder": false, "wamid_ids": false, "enforce_window": true })
    );
    for bad in [
        json!({ "rate_per_second": 0 }),
        json!({ "reorder": "yes" }),
        json!({ "enforce_window": "no" }),
        json!({ "speed": 1 }),
        json!({ "read_delay_ms": 600_001 }),
    ] {
        post(&h, "/_sandbox/messaging/settings", &demo(), &bad).await.assert_error(400);
    }
    assert_eq!(get(&h, "/_sandbox/messaging/settings", &demo()).await, view, "refused updates change nothing");

    let custom = format!("{{{{{TEMPLATE_OTP}}}}}\nYour code is {{{{1}}}}");
    let reply = api(
        &h,
        Method::PUT,
        "/_sandbox/messaging/templates",
        Some(&demo()),
        Some(&json!({ "templates": [{ "category": "OTP", "data": custom }] })),
    )
    .await;
    assert_eq!(reply.json(), json!({ "status": "ok", "count": 1 }));
    let hsm = json!({ "channel": "whatsapp", "destination": "421233221242", "getHSM": "true" });
    let list = post(&h, "/getHSM", &demo(), &hsm).await.json();
    assert_eq!(list["templates"].as_array().unwrap().len(), 1);
    assert_eq!(
        (list["templates"][0]["data"].as_str().unwrap(), list["templates"][0]["templateType"].as_str().unwrap()),
        (custom.as_str(), "TEXT")
    );
    let bad = json!({ "templates": [{ "category": "OTP", "data": "no id line" }] });
    assert!(post(&h, "/_sandbox/messaging/templates", &demo(), &bad)
        .await
        .assert_error(400)
        .starts_with("Invalid templates[0]"));

    let d = post(
        &h,
        "/_sandbox/messaging/destinations/421233221242",
        &demo(),
        &json!({ "behaviour": "never_read", "persona": "stop" }),
    )
    .await;
    assert_eq!(d.json(), json!({ "number": "421233221242", "behaviour": "never_read", "persona": "stop" }));
    let demo_number = get(&h, &format!("/_sandbox/messaging/destinations/{DEMO_NOT_OPTED_IN}"), &demo()).await;
    assert_eq!(demo_number, json!({ "number": DEMO_NOT_OPTED_IN, "behaviour": "not_opted_in", "persona": null }));
    post(&h, "/_sandbox/messaging/destinations/+4212", &demo(), &json!({})).await.assert_error(400);
    post(&h, "/_sandbox/messaging/destinations/421233221242", &demo(), &json!({ "behaviour": "asleep" }))
        .await
        .assert_error(400);
}
