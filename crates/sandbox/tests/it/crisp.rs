//! Conformance of the Crisp WhatsApp plugin simulator against seed 004 and PROVIDERS.md §5: the
//! seed's curl (`GET …/templates?limit=1` with `--user identifier:key`), the envelope of every
//! answer, the send's checks, the request id, and the one callback per accepted request (success
//! with Crisp's ids, failure with its words, retried when the receiver fails first).

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::Engine as _;
use serde_json::{json, Value};
use wadesk_sandbox::{CrispConfig, SandboxConfig};

use crate::support::*;

fn fast() -> SandboxConfig {
    SandboxConfig {
        crisp: CrispConfig { callback_delay: Duration::from_millis(20), ..CrispConfig::default() },
        ..config(&[20, 20])
    }
}

async fn ctl(h: &Harness, method: Method, path: &str, body: Option<&Value>) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(format!("/crisp/_sandbox{path}"))
        .header("X-API-Key", TOKEN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.map(Value::to_string).unwrap_or_default()))
        .unwrap();
    h.send(req).await
}

async fn plugin(h: &Harness, method: Method, path: &str, user: Option<(&str, &str)>, body: Option<&Value>) -> Reply {
    let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
    if let Some((id, key)) = user {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}"));
        req = req.header(header::AUTHORIZATION, format!("Basic {b}"));
    }
    h.send(req.body(Body::from(body.map(Value::to_string).unwrap_or_default())).unwrap()).await
}

fn error_of(reply: &Reply, status: u16, reason: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let v = reply.json();
    assert_eq!((v["error"].as_bool(), v["reason"].as_str()), (Some(true), Some(reason)), "{v}");
}

fn send_body(from: &str, to: &str, params: &[&str]) -> Value {
    let parameters: Vec<Value> = params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
    json!({ "message_template": { "language": "en_US", "name": "appointment_reminder",
                                  "components": [{ "type": "BODY", "parameters": parameters }] },
            "crisp_options": { "type": "note", "new_session": false }, "to_number": to, "from_number": from })
}

#[tokio::test]
async fn the_seeds_curl_lists_templates_and_every_error_has_crisps_envelope() {
    let h = Harness::with(fast());
    let site = ctl(&h, Method::GET, "/website", None).await.json();
    let (id, key, web) =
        (site["identifier"].as_str().unwrap(), site["key"].as_str().unwrap(), site["website_id"].as_str().unwrap());
    let path = format!("/crisp/wa/api/website/{web}/templates?limit=1");
    let page = plugin(&h, Method::GET, &path, Some((id, key)), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let v = page.json();
    assert_eq!((v["error"].as_bool(), v["reason"].as_str()), (Some(false), Some("resolved")));
    let templates = v["data"]["templates"].as_array().unwrap();
    assert_eq!(templates.len(), 1);
    for k in ["id", "name", "language", "category", "status", "components", "quality_score"] {
        assert!(templates[0].get(k).is_some(), "{k} in {}", templates[0]);
    }
    let next = v["data"]["paging_next"].as_str().unwrap();
    let second = plugin(&h, Method::GET, &format!("{path}&after={next}"), Some((id, key)), None).await.json();
    assert_ne!(second["data"]["templates"][0]["id"], templates[0]["id"], "paging moves on");

    error_of(&plugin(&h, Method::GET, &path, None, None).await, 401, "unauthorized");
    error_of(&plugin(&h, Method::GET, &path, Some((id, "wrong")), None).await, 401, "unauthorized");
    let other = "/crisp/wa/api/website/00000000-0000-4000-8000-000000000000/templates";
    error_of(&plugin(&h, Method::GET, other, Some((id, key)), None).await, 403, "not_allowed");
    error_of(&plugin(&h, Method::GET, &format!("{path}0000"), Some((id, key)), None).await, 400, "invalid_data");
    ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "templates" }))).await;
    error_of(&plugin(&h, Method::GET, &path, Some((id, key)), None).await, 500, "internal_error");
}

#[tokio::test]
async fn an_accepted_send_gets_a_request_id_and_one_callback_retried_until_taken() {
    let h = Harness::with(fast());
    let site = ctl(&h, Method::GET, "/website", None).await.json();
    let (id, key, web, from) = (
        site["identifier"].as_str().unwrap(),
        site["key"].as_str().unwrap(),
        site["website_id"].as_str().unwrap(),
        site["from_number"].as_str().unwrap(),
    );
    let receiver = Receiver::start(&[500]).await;
    ctl(&h, Method::POST, "/website/callback_url", Some(&json!({ "url": receiver.url }))).await;
    let path = format!("/crisp/wa/api/website/{web}/template/send");
    let user = Some((id, key));

    // The checks, each naming its field.
    let wrong_count = plugin(&h, Method::POST, &path, user, Some(&send_body(from, "15551234567", &["Ana"]))).await;
    error_of(&wrong_count, 400, "invalid_data");
    assert!(wrong_count.json()["data"]["message"].as_str().unwrap().contains("parameters"));
    let wrong_from =
        plugin(&h, Method::POST, &path, user, Some(&send_body("1555", "15551234567", &["Ana", "9:30"]))).await;
    assert!(wrong_from.json()["data"]["message"].as_str().unwrap().contains("from_number"));

    let accepted =
        plugin(&h, Method::POST, &path, user, Some(&send_body(from, "+15551234567", &["Ana", "9:30"]))).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    let v = accepted.json();
    assert_eq!((v["error"].as_bool(), v["reason"].as_str()), (Some(false), Some("request_accepted")));
    let request_id = v["data"]["request_id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&request_id).is_ok(), "{request_id}");

    let seen = receiver.wait_for(2).await;
    assert_eq!(seen[0].body, seen[1].body, "the same callback, retried after a 500");
    let cb: Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!((cb["request_id"].as_str(), cb["success"].as_bool()), (Some(request_id.as_str()), Some(true)));
    assert!(cb["whatsapp_message_id"].as_str().unwrap().starts_with("wamid."));
    assert!(cb["session_id"].as_str().unwrap().starts_with("session_"));
    assert!(cb["crisp_fingerprint"].is_number());

    // A number not on WhatsApp: the callback is a failure with the reason.
    let demo = wadesk_sandbox::sendzen::DEMO_NOT_ON_WHATSAPP;
    plugin(&h, Method::POST, &path, user, Some(&send_body(from, demo, &["Ana", "9:30"]))).await;
    let seen = receiver.wait_for(3).await;
    let failed: Value = serde_json::from_slice(&seen[2].body).unwrap();
    assert_eq!(failed["success"], false);
    assert_eq!(failed["message"], wadesk_sandbox::crisp::MESSAGE_NOT_ON_WHATSAPP);
    let log = ctl(&h, Method::GET, "/website/requests", None).await.json();
    assert_eq!(log["requests"].as_array().unwrap().len(), 2);
    assert_eq!(log["requests"][0]["delivered"], true);
}
