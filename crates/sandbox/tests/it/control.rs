//! The `/_sandbox/` control surface: view, complete, fail, expire and forced failures, with the
//! Partner API's 401/404 rules.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

const HOOK: &str = "http://127.0.0.1:9/hook";

#[tokio::test]
async fn the_view_shows_status_code_and_deliveries_but_never_the_secret() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.step(&id, "phone", &[("phone", "+421 233 221 242")]).await;
    let view = h.control(&id).await;
    assert_eq!(view["status"], "phone_code_sent");
    assert_eq!(view["phone"], "421233221242");
    let code = view["verification_code"].as_str().unwrap();
    assert_eq!(code, sandbox_code(&h.page(&id).await));
    assert_eq!((view["attempts"].clone(), view["last_error"].clone()), (json!(0), json!("")));
    assert_eq!(view["deliveries"], json!([]));
    assert_eq!(view["parent_origin"], PARENT);
    assert_eq!(view["iframe_url"], format!("{PUBLIC}/?s={id}&mode=embed"));

    h.post_json(&format!("/_sandbox/registrations/{id}/complete"), Some(TOKEN), &json!({})).await;
    let secret = h.result(&id, TOKEN).await.json()["app_secret"].as_str().unwrap().to_owned();
    let raw = h.call(Method::GET, &format!("/_sandbox/registrations/{id}"), Some(TOKEN), None).await;
    assert!(!raw.text().contains(&secret));
    assert!(!raw.text().contains(TOKEN));
}

#[tokio::test]
async fn control_calls_follow_the_partner_api_auth_rules() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let paths = [
        (Method::GET, format!("/_sandbox/registrations/{id}")),
        (Method::POST, format!("/_sandbox/registrations/{id}/complete")),
        (Method::POST, format!("/_sandbox/registrations/{id}/fail")),
        (Method::POST, format!("/_sandbox/registrations/{id}/expire")),
    ];
    for (method, path) in &paths {
        assert_eq!(h.call(method.clone(), path, None, None).await.assert_error(401), "Missing Bearer token");
        assert_eq!(h.call(method.clone(), path, Some("nope"), None).await.assert_error(401), "Invalid Bearer token");
        assert_eq!(
            h.call(method.clone(), path, Some(OTHER_TOKEN), None).await.assert_error(404),
            "Registration not found"
        );
        let bad = path.replace(&id, "not-an-id");
        assert_eq!(h.call(method.clone(), &bad, Some(TOKEN), None).await.assert_error(400), "Invalid registration id");
    }
    for what in ["webhook-failures", "partner-errors"] {
        let path = format!("/_sandbox/{what}");
        h.call(Method::POST, &path, None, Some("{\"count\":1}")).await.assert_error(401);
        for bad in ["{}", "{\"count\":-1}", "{\"count\":\"2\"}", "nope"] {
            h.call(Method::POST, &path, Some(TOKEN), Some(bad)).await.assert_error(400);
        }
    }
    assert_eq!(h.status(&id).await, "started", "nothing changed");
}

#[tokio::test]
async fn complete_skips_the_pages_from_any_unfinished_state() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let reply = h
        .post_json(
            &format!("/_sandbox/registrations/{id}/complete"),
            Some(TOKEN),
            &json!({ "phone": "+1 555 000 1234" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["status"], "completed");
    let result = h.result(&id, TOKEN).await.json();
    assert_eq!((result["status"].clone(), result["phone"].clone()), (json!("completed"), json!("15550001234")));
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"completed\""));
    assert_eq!(page.events(), ["completed"]);

    let again = h.call(Method::POST, &format!("/_sandbox/registrations/{id}/complete"), Some(TOKEN), None).await;
    assert_eq!(again.assert_error(409), "Registration is already completed");
    let expire = h.call(Method::POST, &format!("/_sandbox/registrations/{id}/expire"), Some(TOKEN), None).await;
    assert_eq!(expire.assert_error(409), "Registration is already completed");
    let bad_phone = h.create_id(HOOK).await;
    let reply = h
        .post_json(&format!("/_sandbox/registrations/{bad_phone}/complete"), Some(TOKEN), &json!({ "phone": "12" }))
        .await;
    assert!(reply.assert_error(400).starts_with("Invalid phone"));
}

#[tokio::test]
async fn fail_applies_only_at_the_meta_step_and_shows_on_the_page() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let early =
        h.post_json(&format!("/_sandbox/registrations/{id}/fail"), Some(TOKEN), &json!({ "message": "x" })).await;
    assert_eq!(early.assert_error(409), "Registration has not reached the Meta Embedded Signup step (status: started)");
    h.to_form_completed(&id).await;
    h.form(&format!("/registration/{id}/facebook-started?via=fetch"), &[]).await;
    h.page(&id).await;
    let version =
        h.call(Method::GET, &format!("/registration/{id}/status"), None, None).await.json()["version"].clone();
    let reply = h
        .post_json(
            &format!("/_sandbox/registrations/{id}/fail"),
            Some(TOKEN),
            &json!({ "message": "Business verification failed (test)" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["status"], "form_completed");
    let polled = h.call(Method::GET, &format!("/registration/{id}/status"), None, None).await.json();
    assert_ne!(polled["version"], version, "the polling page sees a change");
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"meta-failed\""));
    let events: Vec<Value> = page.page_config()["events"].as_array().unwrap().clone();
    assert_eq!(events, [json!({ "event": "failed", "message": "Business verification failed (test)" })]);
}

#[tokio::test]
async fn expire_ends_the_session_now() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let reply = h.call(Method::POST, &format!("/_sandbox/registrations/{id}/expire"), Some(TOKEN), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["status"], "expired");
    assert_eq!(h.status(&id).await, "expired");
    let again = h.call(Method::POST, &format!("/_sandbox/registrations/{id}/expire"), Some(TOKEN), None).await;
    assert_eq!(again.status, StatusCode::OK, "idempotent");
}
