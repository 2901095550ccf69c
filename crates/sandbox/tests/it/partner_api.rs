//! The Partner API against the seed: create_session, result, retry_webhook and every error status.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::json;
use wadesk_sandbox::SandboxConfig;

use crate::support::*;

const HOOK: &str = "https://partner.example/api/chatarchitect/whatsapp-registration-webhook";

#[tokio::test]
async fn create_session_answers_exactly_the_seed_fields() {
    let h = Harness::new();
    let before = Utc::now();
    let v = h.create(HOOK).await;
    let obj = v.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["expires_at", "iframe_url", "registration_id", "status"]);
    let id = v["registration_id"].as_str().unwrap();
    assert_eq!(id.len(), 22, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{id}");
    assert_eq!(v["iframe_url"], format!("{PUBLIC}/?s={id}&mode=embed"));
    assert_eq!(v["status"], "started");
    let expires = v["expires_at"].as_str().unwrap();
    assert!(expires.ends_with("+00:00") && expires.len() == "2026-07-05T10:00:00+00:00".len(), "{expires}");
    let expires: DateTime<Utc> = DateTime::parse_from_rfc3339(expires).unwrap().into();
    let ttl = expires - before;
    assert!((ttl - chrono::Duration::hours(24)).num_seconds().abs() <= 2, "{ttl}");
    assert_ne!(h.create_id(HOOK).await, id, "ids are random");
}

#[tokio::test]
async fn integration_defaults_to_partner_when_omitted_or_blank() {
    let h = Harness::new();
    for integration in [None, Some("   ")] {
        // Completing sends the webhook: keep it on loopback (nothing listens on port 9).
        let mut body = json!({ "parent_origin": PARENT, "webhook_url": "http://127.0.0.1:9/hook" });
        if let Some(i) = integration {
            body["integration"] = json!(i);
        }
        let reply = h.create_raw(&body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let id = reply.json()["registration_id"].as_str().unwrap().to_owned();
        h.post_json(&format!("/_sandbox/registrations/{id}/complete"), Some(TOKEN), &json!({})).await;
        assert_eq!(h.result(&id, TOKEN).await.json()["integration"], "Partner");
        assert_eq!(h.control(&id).await["partner_user_id"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn lang_defaults_to_en_and_accepts_only_the_five_seed_codes() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    assert!(h.page(&id).await.text().contains("<html lang=\"en\""));
    for code in ["de", "en", "es", "pt", "ru"] {
        let mut body = session_body(HOOK);
        body["lang"] = json!(code);
        let reply = h.create_raw(&body).await;
        assert_eq!(reply.status, StatusCode::OK, "{code}: {}", reply.text());
        let id = reply.json()["registration_id"].as_str().unwrap().to_owned();
        assert!(h.page(&id).await.text().contains(&format!("<html lang=\"{code}\"")));
    }
    for code in ["fr", "EN", "en-US", "xx"] {
        let mut body = session_body(HOOK);
        body["lang"] = json!(code);
        let message = h.create_raw(&body).await.assert_error(400);
        assert!(message.starts_with("Invalid lang"), "{message}");
    }
}

#[tokio::test]
async fn parent_origin_must_be_scheme_host_and_optional_port() {
    let h = Harness::new();
    for good in
        ["https://partner.example", "http://127.0.0.1:8791", "http://localhost:3000", "https://partner.example:8443"]
    {
        let mut body = session_body(HOOK);
        body["parent_origin"] = json!(good);
        assert_eq!(h.create_raw(&body).await.status, StatusCode::OK, "{good}");
    }
    for bad in [
        "https://partner.example/",
        "https://partner.example/embed",
        "https://partner.example?x=1",
        "https://partner.example#frag",
        "https://user:pw@partner.example",
        "tauri://localhost",
        "partner.example",
        "",
    ] {
        let mut body = session_body(HOOK);
        body["parent_origin"] = json!(bad);
        let message = h.create_raw(&body).await.assert_error(400);
        assert!(message.contains("parent_origin"), "{bad}: {message}");
    }
    let mut body = session_body(HOOK);
    body.as_object_mut().unwrap().remove("parent_origin");
    assert_eq!(h.create_raw(&body).await.assert_error(400), "Missing parent_origin");
    body["parent_origin"] = json!(42);
    assert_eq!(h.create_raw(&body).await.assert_error(400), "Invalid parent_origin: must be a string");
}

#[tokio::test]
async fn webhook_url_must_be_https_except_http_to_loopback() {
    let h = Harness::new();
    for good in [HOOK, "http://127.0.0.1:8787/h/abc", "http://[::1]:8787/h", "http://localhost:8787/h"] {
        let mut body = session_body(good);
        body["webhook_url"] = json!(good);
        assert_eq!(h.create_raw(&body).await.status, StatusCode::OK, "{good}");
    }
    for bad in ["http://partner.example/hook", "http://10.0.0.2/hook", "ftp://partner.example/hook", "https://", "hook"]
    {
        let message = h.create_raw(&session_body(bad)).await.assert_error(400);
        assert!(message.starts_with("Invalid webhook_url"), "{bad}: {message}");
    }
    let mut body = session_body(HOOK);
    body.as_object_mut().unwrap().remove("webhook_url");
    assert_eq!(h.create_raw(&body).await.assert_error(400), "Missing webhook_url");
}

#[tokio::test]
async fn every_action_needs_a_valid_bearer_token() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let calls = [
        (Method::POST, "/partner?action=create_session".to_owned(), Some(session_body(HOOK).to_string())),
        (Method::GET, format!("/partner?action=result&registration_id={id}"), None),
        (Method::POST, "/partner?action=retry_webhook".to_owned(), Some(json!({ "registration_id": id }).to_string())),
        (Method::GET, "/partner?action=nope".to_owned(), None),
    ];
    for (method, uri, body) in calls {
        let missing = h.call(method.clone(), &uri, None, body.as_deref()).await;
        assert_eq!(missing.assert_error(401), "Missing Bearer token", "{uri}");
        assert_eq!(missing.header("www-authenticate"), "Bearer");
        let wrong = h.call(method, &uri, Some("not-the-token"), body.as_deref()).await;
        assert_eq!(wrong.assert_error(401), "Invalid Bearer token", "{uri}");
    }
}

#[tokio::test]
async fn missing_or_unknown_action_is_400_and_wrong_method_is_405() {
    let h = Harness::new();
    assert_eq!(h.call(Method::GET, "/partner", Some(TOKEN), None).await.assert_error(400), "Missing action");
    assert_eq!(h.call(Method::GET, "/partner?action=", Some(TOKEN), None).await.assert_error(400), "Missing action");
    assert_eq!(
        h.call(Method::POST, "/partner?action=delete", Some(TOKEN), Some("{}")).await.assert_error(400),
        "Invalid action"
    );
    for (method, action, allow) in [
        (Method::GET, "create_session", "POST"),
        (Method::POST, "result", "GET"),
        (Method::GET, "retry_webhook", "POST"),
    ] {
        let reply = h.call(method, &format!("/partner?action={action}"), Some(TOKEN), None).await;
        assert_eq!(reply.assert_error(405), format!("action={action} requires {allow}"));
        assert_eq!(reply.header("allow"), allow);
    }
}

#[tokio::test]
async fn bodies_must_be_json_objects_with_string_fields() {
    let h = Harness::new();
    for (body, expected) in [
        ("{not json", "Invalid JSON body"),
        ("", "Invalid JSON body"),
        ("[1,2]", "Invalid request body: expected a JSON object"),
        ("\"text\"", "Invalid request body: expected a JSON object"),
    ] {
        for action in ["create_session", "retry_webhook"] {
            let reply = h.call(Method::POST, &format!("/partner?action={action}"), Some(TOKEN), Some(body)).await;
            assert_eq!(reply.assert_error(400), expected, "{action} {body:?}");
        }
    }
    let mut body = session_body(HOOK);
    body["partner_state"] = json!({ "nested": true });
    assert_eq!(h.create_raw(&body).await.assert_error(400), "Invalid partner_state: must be a string");
}

#[tokio::test]
async fn result_answers_only_the_status_while_in_progress() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let reply = h.result(&id, TOKEN).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({ "status": "started" }));
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    assert_eq!(h.result(&id, TOKEN).await.json(), json!({ "status": "phone_code_sent" }));
}

#[tokio::test]
async fn registration_ids_are_validated_then_looked_up_per_partner() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    assert_eq!(
        h.call(Method::GET, "/partner?action=result", Some(TOKEN), None).await.assert_error(400),
        "Missing registration id"
    );
    for bad in ["short", "ABC123DEF456GHI789JKL0", "abc123def456ghi789jkl0x"] {
        assert_eq!(h.result(bad, TOKEN).await.assert_error(400), "Invalid registration id", "{bad}");
    }
    let unknown = "abc123def456ghi789jkl0";
    assert_eq!(h.result(unknown, TOKEN).await.assert_error(404), "Registration not found");
    assert_eq!(h.result(&id, OTHER_TOKEN).await.assert_error(404), "Registration not found");
    let retry =
        h.post_json("/partner?action=retry_webhook", Some(OTHER_TOKEN), &json!({ "registration_id": id })).await;
    assert_eq!(retry.assert_error(404), "Registration not found");
    let no_id = h.post_json("/partner?action=retry_webhook", Some(TOKEN), &json!({})).await;
    assert_eq!(no_id.assert_error(400), "Missing registration id");
    let number = h.post_json("/partner?action=retry_webhook", Some(TOKEN), &json!({ "registration_id": 7 })).await;
    assert_eq!(number.assert_error(400), "Invalid registration id");
}

#[tokio::test]
async fn retry_webhook_before_completion_is_409() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let reply = h.post_json("/partner?action=retry_webhook", Some(TOKEN), &json!({ "registration_id": id })).await;
    let message = reply.assert_error(409);
    assert!(message.contains("not completed"), "{message}");
}

#[tokio::test]
async fn forced_partner_errors_answer_500_for_that_partner_only() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.force("partner-errors", 2).await;
    for _ in 0..2 {
        let message = h.result(&id, TOKEN).await.assert_error(500);
        assert!(message.starts_with("Server-side failure"), "{message}");
    }
    assert_eq!(h.result(&id, TOKEN).await.status, StatusCode::OK);
    h.force("partner-errors", 1).await;
    assert_eq!(h.result(&id, OTHER_TOKEN).await.status, StatusCode::NOT_FOUND, "other partner unaffected");
    assert_eq!(
        h.create_raw(&session_body(HOOK)).await.assert_error(500),
        "Server-side failure (sandbox: forced partner API error)"
    );
    // Unauthenticated calls never consume an injected failure.
    h.force("partner-errors", 1).await;
    h.result(&id, "wrong").await.assert_error(401);
    h.result(&id, TOKEN).await.assert_error(500);
}

#[tokio::test]
async fn sessions_expire_after_their_ttl() {
    let mut config = config(&[]);
    config.session_ttl = Duration::from_millis(150);
    let h = Harness::with(config);
    let id = h.create_id(HOOK).await;
    assert_eq!(h.status(&id).await, "started");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.result(&id, TOKEN).await.json(), json!({ "status": "expired" }));
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    assert_eq!(h.status(&id).await, "expired", "an expired session cannot advance");
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"expired\""));
    let complete = h.call(Method::POST, &format!("/_sandbox/registrations/{id}/complete"), Some(TOKEN), None).await;
    assert_eq!(complete.assert_error(409), "Registration has expired");
}

#[tokio::test]
async fn a_huge_session_ttl_still_answers_create_session() {
    // The standalone binary refuses such a TTL; a library user who passes one gets sessions that
    // never expire instead of a panic that drops the connection.
    let h = Harness::with(SandboxConfig { session_ttl: Duration::from_secs(u64::MAX), ..config(&[]) });
    let v = h.create(HOOK).await;
    let expires: DateTime<Utc> = DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap().into();
    assert!(expires > Utc::now() + chrono::Duration::days(365 * 100), "{expires}");
    assert_eq!(h.status(v["registration_id"].as_str().unwrap()).await, "started");
}

#[test]
fn out_of_range_settings_are_refused_with_the_allowed_range() {
    let bad = [
        SandboxConfig { session_ttl: Duration::from_secs(u64::MAX), ..config(&[]) },
        SandboxConfig { session_ttl: Duration::ZERO, ..config(&[]) },
        SandboxConfig { webhook_backoff: vec![Duration::from_secs(u64::MAX)], ..config(&[]) },
        SandboxConfig { webhook_backoff: vec![Duration::from_secs(1); 100], ..config(&[]) },
    ];
    for c in bad {
        let message = c.validate().expect_err("refused");
        assert!(message.contains("between") || message.contains("at most"), "{message}");
    }
    assert_eq!(config(&[50, 50]).validate(), Ok(()));
    assert_eq!(SandboxConfig::default().validate(), Ok(()));
}
