//! Helpers of the SendZen tests: onboarding a customer, calling the API with a Bearer key,
//! checking both error shapes, and reading what the receiver got.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::{MessagingConfig, SandboxConfig, SendzenConfig};

use crate::messaging::{api, keys};
use crate::support::*;

/// Fast statuses (20/40/60 ms) and fast retries (2 × 20 ms).
pub fn sz_fast() -> SandboxConfig {
    sz_with(SendzenConfig::default())
}

/// [`sz_fast`] with other SendZen settings (its messaging timing is kept fast).
pub fn sz_with(sendzen: SendzenConfig) -> SandboxConfig {
    let messaging = MessagingConfig {
        sent_delay: Duration::from_millis(20),
        delivered_delay: Duration::from_millis(40),
        read_delay: Duration::from_millis(60),
        ..sendzen.messaging.clone()
    };
    SandboxConfig { sendzen: SendzenConfig { messaging, ..sendzen }, ..config(&[20, 20]) }
}

pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// A call with `Authorization: Bearer <key>` (none when `key` is `None`).
pub async fn sz(h: &Harness, method: Method, path: &str, key: Option<&str>, body: Option<&Value>) -> Reply {
    let auth = key.map(bearer);
    api(h, method, &format!("/sendzen{path}"), auth.as_deref(), body).await
}

pub async fn onboard_raw(h: &Harness, key: Option<&str>, body: &Value) -> Reply {
    sz(h, Method::POST, "/v1/partner/onboard", key, Some(body)).await
}

/// Onboards `identifier` for partner `TOKEN`; returns the answer.
pub async fn onboard(h: &Harness, identifier: &str, webhook: Option<&str>) -> Value {
    let mut body = json!({ "client_identifier": identifier });
    if let Some(url) = webhook {
        body["client_webhook_url"] = json!(url);
    }
    let reply = onboard_raw(h, Some(TOKEN), &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// The token of an `iframe_url`.
pub fn token_of(answer: &Value) -> String {
    let url = answer["iframe_url"].as_str().unwrap();
    url.split_once("?token=").unwrap().1.to_owned()
}

/// A control surface call with the partner key.
pub async fn control(h: &Harness, method: Method, path: &str, body: Option<&Value>) -> Reply {
    sz(h, method, &format!("/_sandbox{path}"), Some(TOKEN), body).await
}

/// A customer whose onboarding completed.
pub struct Customer {
    pub project_id: String,
    pub key: String,
    pub waba_id: String,
    pub phone_number_id: String,
    pub phone_number: String,
}

/// Onboards `identifier` and completes it through the control surface.
pub async fn customer(h: &Harness, identifier: &str, webhook: Option<&str>) -> Customer {
    let answer = onboard(h, identifier, webhook).await;
    let project_id = answer["user_data"]["project_id"].as_str().unwrap().to_owned();
    let done = control(h, Method::POST, &format!("/projects/{project_id}/complete"), None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let waba = done.json()["waba"].clone();
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    Customer {
        project_id,
        key: s(&answer["user_data"]["api_key"]),
        waba_id: s(&waba["waba_id"]),
        phone_number_id: s(&waba["phone_number_id"]),
        phone_number: s(&waba["phone_number"]),
    }
}

/// Asserts the Partner API's `{"error", "message"}` and the status; returns `(error, message)`.
pub fn partner_error(reply: &Reply, status: u16) -> (String, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let v = reply.json();
    assert_eq!(keys(&v), ["error", "message"], "{v}");
    (v["error"].as_str().unwrap().to_owned(), v["message"].as_str().unwrap().to_owned())
}

/// Asserts the messaging API's `{"message", "error": {"code", "details"}}`; returns `(code, details)`.
pub fn api_error(reply: &Reply, status: u16) -> (String, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let v = reply.json();
    assert_eq!(keys(&v), ["error", "message"], "{v}");
    assert_eq!(keys(&v["error"]), ["code", "details"], "{v}");
    assert!(!v["message"].as_str().unwrap().is_empty());
    (v["error"]["code"].as_str().unwrap().to_owned(), v["error"]["details"].as_str().unwrap().to_owned())
}

/// A text send from the customer's number.
pub fn text_to(c: &Customer, to: &str, body: &str) -> Value {
    json!({ "from": c.phone_number, "to": to, "type": "text", "text": { "body": body } })
}

/// Sends `body` with the customer's key; returns the `message_id` (asserts 200).
pub async fn send(h: &Harness, c: &Customer, body: &Value) -> String {
    let reply = sz(h, Method::POST, "/v1/messages", Some(&c.key), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["data"][0]["message_id"].as_str().unwrap().to_owned()
}

/// The customer writes in (control surface); returns the answer (`message_id`, `webhook`).
pub async fn writes(h: &Harness, c: &Customer, body: &Value) -> Value {
    let reply = control(h, Method::POST, &format!("/projects/{}/inbound", c.project_id), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// The project's delivery log, once `done` holds for it (up to 10 s).
pub async fn deliveries_until(h: &Harness, project_id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..1000 {
        let log = control(h, Method::GET, &format!("/projects/{project_id}/webhooks"), None).await.json();
        let list = log["deliveries"].as_array().unwrap().clone();
        if done(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("deliveries of {project_id} never reached the condition");
}

/// The bodies the receiver got that are Meta envelopes, parsed.
pub fn envelopes(got: &[Captured]) -> Vec<Value> {
    got.iter()
        .map(|c| serde_json::from_slice::<Value>(&c.body).unwrap())
        .filter(|v| v["object"] == "whatsapp_business_account")
        .collect()
}

/// Waits until the receiver got `n` status items for `id`; returns them (the `statuses[0]`s).
pub async fn statuses_of(rx: &Receiver, id: &str, n: usize) -> Vec<Value> {
    for _ in 0..1000 {
        let got = rx.wait_for(0).await;
        let mine: Vec<Value> = envelopes(&got)
            .iter()
            .filter_map(|v| v["entry"][0]["changes"][0]["value"]["statuses"].get(0).cloned())
            .filter(|s| s["id"] == id)
            .collect();
        if mine.len() >= n {
            return mine;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} statuses of {id} never arrived");
}

/// HMAC-SHA256 of `body` under `secret`, as `sha256=<hex>`, computed here independently.
pub fn hub_signature(secret: &str, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
