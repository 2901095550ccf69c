//! The completion webhook as a real loopback receiver sees it: headers, signature (recomputed
//! here), body fields, attempt numbering across retries, forced failures and retry_webhook.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

async fn complete(h: &Harness, id: &str, phone: &str) {
    let reply =
        h.post_json(&format!("/_sandbox/registrations/{id}/complete"), Some(TOKEN), &json!({ "phone": phone })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

async fn retry(h: &Harness, id: &str) -> Value {
    let reply = h.post_json("/partner?action=retry_webhook", Some(TOKEN), &json!({ "registration_id": id })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

fn assert_signed(c: &Captured, token: &str) {
    let timestamp = c.header("x-ca-timestamp");
    let ts: i64 = timestamp.parse().unwrap_or_else(|_| panic!("unix seconds: {timestamp:?}"));
    assert!((chrono::Utc::now().timestamp() - ts).abs() <= 5, "fresh timestamp");
    assert_eq!(c.header("x-ca-signature"), expected_signature(token, &timestamp, &c.body));
}

#[tokio::test]
async fn completion_webhook_is_signed_and_carries_the_seed_payload() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let id = h.create_id(&rx.url).await;
    complete(&h, &id, "+421 233 221 242").await;
    let got = rx.wait_for(1).await;
    let c = &got[0];
    assert_eq!(c.header("content-type"), "application/json");
    assert_eq!(c.header("x-ca-event-id"), format!("evt_{id}_1"));
    assert_signed(c, TOKEN);
    assert_ne!(c.header("x-ca-signature"), expected_signature(OTHER_TOKEN, &c.header("x-ca-timestamp"), &c.body));

    let body: Value = serde_json::from_slice(&c.body).unwrap();
    let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "app_id",
            "app_secret",
            "completed_at",
            "event",
            "integration",
            "partner_state",
            "partner_user_id",
            "phone",
            "registration_id"
        ]
    );
    assert_eq!(body["event"], "whatsapp.registration.completed");
    assert_eq!(body["registration_id"], id.as_str());
    assert_eq!(body["partner_user_id"], "user_456");
    assert_eq!(body["partner_state"], "opaque-state-value");
    assert_eq!(body["phone"], "421233221242");
    assert_eq!(body["integration"], "My CRM");
    assert!(body["app_id"].as_str().unwrap().starts_with("ca_app_"));
    assert!(body["app_secret"].as_str().unwrap().len() >= 32);
    let completed_at = body["completed_at"].as_str().unwrap();
    assert!(completed_at.ends_with("+00:00"));
    chrono::DateTime::parse_from_rfc3339(completed_at).unwrap();

    // The result endpoint answers the same credentials, in the seed's completed shape.
    let result = h.result(&id, TOKEN).await.json();
    assert_eq!(
        result,
        json!({
            "status": "completed",
            "registration_id": id,
            "app_id": body["app_id"],
            "app_secret": body["app_secret"],
            "phone": "421233221242",
            "integration": "My CRM",
            "completed_at": completed_at,
        })
    );
    let view = wait_until(&h, &id, |v| v["delivered"] == true).await;
    assert_eq!((view["attempts"].clone(), view["last_error"].clone()), (json!(1), json!("")));
    assert_eq!(view["deliveries"][0]["http_status"], 200);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_next_attempt_number() {
    let h = Harness::new();
    let rx = Receiver::start(&[500, 503]).await;
    let id = h.create_id(&rx.url).await;
    complete(&h, &id, "421233221242").await;
    let got = rx.wait_for(3).await;
    let ids: Vec<_> = got.iter().map(|c| c.header("x-ca-event-id")).collect();
    assert_eq!(ids, [format!("evt_{id}_1"), format!("evt_{id}_2"), format!("evt_{id}_3")]);
    for c in &got {
        assert_signed(c, TOKEN);
        assert_eq!(c.body, got[0].body, "every attempt sends the same bytes");
    }
    let view = wait_until(&h, &id, |v| v["delivered"] == true).await;
    assert_eq!(view["attempts"], 3);
    assert_eq!(view["last_error"], "");
    let log: Vec<_> =
        view["deliveries"].as_array().unwrap().iter().map(|d| (d["http_status"].clone(), d["error"].clone())).collect();
    assert_eq!(log, [(json!(500), json!("HTTP 500")), (json!(503), json!("HTTP 503")), (json!(200), json!(""))]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 3, "no attempts after a success");
}

#[tokio::test]
async fn retries_stop_after_the_configured_backoff() {
    let h = Harness::with(config(&[20, 20]));
    let rx = Receiver::start(&[500; 10]).await;
    let id = h.create_id(&rx.url).await;
    complete(&h, &id, "421233221242").await;
    rx.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 3, "1 + backoff.len() attempts");
    let view = h.control(&id).await;
    assert_eq!(
        (view["attempts"].clone(), view["last_error"].clone(), view["delivered"].clone()),
        (json!(3), json!("HTTP 500"), json!(false))
    );
}

#[tokio::test]
async fn retry_webhook_sends_again_with_a_new_event_id() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let id = h.create_id(&rx.url).await;
    complete(&h, &id, "421233221242").await;
    wait_until(&h, &id, |v| v["delivered"] == true).await;
    assert_eq!(retry(&h, &id).await, json!({ "status": "sent", "attempts": 2, "last_error": "" }));
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].header("x-ca-event-id"), format!("evt_{id}_2"));
    assert_signed(&got[1], TOKEN);
    assert_eq!(got[1].body, got[0].body);
}

#[tokio::test]
async fn retry_webhook_reports_a_failed_attempt_and_its_error() {
    let h = Harness::with(config(&[]));
    let rx = Receiver::start(&[503, 503]).await;
    let id = h.create_id(&rx.url).await;
    complete(&h, &id, "421233221242").await;
    wait_until(&h, &id, |v| v["attempts"] == 1 && v["deliveries"].as_array().unwrap().len() == 1).await;
    assert_eq!(retry(&h, &id).await, json!({ "status": "failed", "attempts": 2, "last_error": "HTTP 503" }));
    assert_eq!(retry(&h, &id).await, json!({ "status": "sent", "attempts": 3, "last_error": "" }));
}

#[tokio::test]
async fn an_unreachable_receiver_is_reported_as_connection_refused() {
    let h = Harness::with(config(&[]));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let id = h.create_id(&format!("http://127.0.0.1:{port}/hook")).await;
    complete(&h, &id, "421233221242").await;
    let view = wait_until(&h, &id, |v| v["deliveries"].as_array().unwrap().len() == 1).await;
    assert_eq!(view["last_error"], "connection refused");
    assert_eq!(view["deliveries"][0]["http_status"], Value::Null);
    assert_eq!(retry(&h, &id).await, json!({ "status": "failed", "attempts": 2, "last_error": "connection refused" }));
}

#[tokio::test]
async fn forced_webhook_failures_fail_without_sending() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let id = h.create_id(&rx.url).await;
    h.force("webhook-failures", 2).await;
    complete(&h, &id, "421233221242").await;
    let got = rx.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("x-ca-event-id"), format!("evt_{id}_3"), "forced failures still use attempt numbers");
    let view = wait_until(&h, &id, |v| v["delivered"] == true).await;
    let first = &view["deliveries"][0];
    assert_eq!(
        (first["error"].clone(), first["http_status"].clone()),
        (json!("sandbox: forced delivery failure"), Value::Null)
    );
    assert_eq!(view["attempts"], 3);

    // Through retry_webhook too.
    h.force("webhook-failures", 1).await;
    assert_eq!(
        retry(&h, &id).await,
        json!({ "status": "failed", "attempts": 4, "last_error": "sandbox: forced delivery failure" })
    );
    assert_eq!(rx.count(), 1);
}

#[tokio::test]
async fn each_partner_signs_with_its_own_token() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let reply = h.post_json("/partner?action=create_session", Some(OTHER_TOKEN), &session_body(&rx.url)).await;
    let id = reply.json()["registration_id"].as_str().unwrap().to_owned();
    let done = h.post_json(&format!("/_sandbox/registrations/{id}/complete"), Some(OTHER_TOKEN), &json!({})).await;
    assert_eq!(done.status, StatusCode::OK);
    let got = rx.wait_for(1).await;
    assert_signed(&got[0], OTHER_TOKEN);
}
