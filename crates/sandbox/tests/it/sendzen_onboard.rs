//! `POST /sendzen/v1/partner/onboard` against seed 001 ("Step 1: Generate Onboarding URL" and
//! "Error Handling"): the answer field by field, the webhook validation, project reuse, and every
//! error status with the seed's `{"error", "message"}` body, in the documented check order.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::sendzen::*;
use wadesk_sandbox::{SendzenConfig, WebhookCheck};

use crate::messaging::{api, keys};
use crate::sendzen_support::*;
use crate::support::*;

#[tokio::test]
async fn the_answer_has_the_seeds_fields_and_formats() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let answer = onboard(&h, "customer-12345", Some(&rx.url)).await;
    assert_eq!(keys(&answer), ["iframe_url", "user_data", "webhook"]);
    let user = &answer["user_data"];
    assert_eq!(keys(user), ["api_key", "client_identifier", "project_id", "project_name"]);
    assert_eq!(user["client_identifier"], "customer-12345");
    let project_id = user["project_id"].as_str().unwrap();
    assert!(project_id.len() == 17 && project_id.starts_with("proj_"), "{project_id}");
    assert!(project_id[5..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{project_id}");
    assert!(user["project_name"].as_str().is_some_and(|n| !n.is_empty()));
    let api_key = user["api_key"].as_str().unwrap();
    assert!(api_key.starts_with("sk_live_") && api_key.len() > 20, "{api_key}");
    let prefix = format!("{PUBLIC}/sendzen/onboard/iframe?token=");
    assert!(answer["iframe_url"].as_str().unwrap().starts_with(&prefix), "{answer}");
    assert_eq!(token_of(&answer).len(), 43);
    assert_eq!(
        answer["webhook"],
        json!({ "url": rx.url, "valid": true, "detail": "Webhook URL is valid and configured" })
    );
    let other = onboard(&h, "customer-67890", None).await;
    assert_ne!(other["user_data"]["api_key"], answer["user_data"]["api_key"], "each customer has its own key");
    assert_ne!(token_of(&other), token_of(&answer));
}

#[tokio::test]
async fn the_validation_request_is_a_json_post_marked_by_its_header() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let answer = onboard(&h, "customer-12345", Some(&rx.url)).await;
    let got = rx.wait_for(1).await;
    assert_eq!(got.len(), 1, "one validation request");
    assert_eq!(got[0].header(EVENT_HEADER), VALIDATION_EVENT);
    assert_eq!(got[0].header("content-type"), "application/json");
    assert_eq!(got[0].header(SIGNATURE_HEADER), "", "no secret yet, no signature");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(
        body,
        json!({ "event": "webhook.validation", "project_id": answer["user_data"]["project_id"], "client_identifier": "customer-12345" })
    );
}

#[tokio::test]
async fn a_url_that_does_not_answer_200_is_invalid_and_not_configured() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[404]).await;
    let answer = onboard(&h, "customer-12345", Some(&rx.url)).await;
    let webhook = &answer["webhook"];
    assert_eq!((webhook["url"].as_str(), webhook["valid"].as_bool()), (Some(rx.url.as_str()), Some(false)));
    assert!(webhook["detail"].as_str().unwrap().contains("HTTP 404"), "{webhook}");
    let project_id = answer["user_data"]["project_id"].as_str().unwrap();
    control(&h, Method::POST, &format!("/projects/{project_id}/complete"), None).await;
    let log = deliveries_until(&h, project_id, |d| d.iter().any(|r| r["kind"] == "onboarding")).await;
    let completion = log.iter().find(|r| r["kind"] == "onboarding").unwrap();
    assert!(completion["url"].is_null() && completion["delivered"] == false, "{completion}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.count(), 1, "only the validation request reached the URL");

    let no_2xx_is_enough = Receiver::start(&[204]).await;
    let again = onboard(&h, "customer-12345", Some(&no_2xx_is_enough.url)).await;
    assert_eq!(again["webhook"]["valid"], false, "the seed asks for 200: {again}");
    let unreachable = onboard(&h, "customer-12345", Some("http://127.0.0.1:9/hook")).await;
    assert_eq!(unreachable["webhook"]["valid"], false);
    assert!(unreachable["webhook"]["detail"].as_str().unwrap().contains("could not be reached"), "{unreachable}");
}

#[tokio::test]
async fn without_a_url_the_webhook_is_null_and_invalid() {
    let h = Harness::with(sz_fast());
    let answer = onboard(&h, "customer-12345", None).await;
    assert_eq!(answer["webhook"], json!({ "url": null, "valid": false, "detail": DETAIL_NONE }));
    let empty = onboard_raw(&h, Some(TOKEN), &json!({ "client_identifier": "c2", "client_webhook_url": "" })).await;
    assert_eq!(empty.json()["webhook"]["url"], Value::Null);
}

#[tokio::test]
async fn the_webhook_check_can_be_a_get_or_off() {
    let rx = Receiver::start(&[]).await;
    let get = Harness::with(sz_with(SendzenConfig { webhook_check: WebhookCheck::Get, ..SendzenConfig::default() }));
    let answer = onboard(&get, "c", Some(&rx.url)).await;
    // The receiver only routes POST, so a GET is answered 405.
    assert!(answer["webhook"]["detail"].as_str().unwrap().contains("HTTP 405"), "{answer}");
    let off = Harness::with(sz_with(SendzenConfig { webhook_check: WebhookCheck::Off, ..SendzenConfig::default() }));
    let answer = onboard(&off, "c", Some("http://127.0.0.1:9/hook")).await;
    assert_eq!(answer["webhook"]["valid"], true);
}

#[tokio::test]
async fn the_same_identifier_reuses_project_and_key_with_a_new_iframe_url() {
    let h = Harness::with(sz_fast());
    let first = onboard(&h, "customer-12345", None).await;
    let second = onboard(&h, "customer-12345", None).await;
    assert_eq!(first["user_data"], second["user_data"]);
    assert_ne!(token_of(&first), token_of(&second));
    for answer in [&first, &second] {
        let page = sz(&h, Method::GET, &format!("/onboard/iframe?token={}", token_of(answer)), None, None).await;
        assert_eq!(page.status, StatusCode::OK, "earlier URLs stay valid until they expire");
    }
    let theirs = onboard_raw(&h, Some(OTHER_TOKEN), &json!({ "client_identifier": "customer-12345" })).await.json();
    assert_ne!(theirs["user_data"]["project_id"], first["user_data"]["project_id"], "another partner's customer");
}

/// A second `Sandbox` with the same partner tokens stands for the restarted one.
#[tokio::test]
async fn onboarding_again_after_a_restart_returns_the_same_project_and_key() {
    let before = Harness::with(sz_fast());
    let first = onboard(&before, "customer-12345", None).await;
    let after = Harness::with(sz_fast());
    let again = onboard(&after, "customer-12345", None).await;
    assert_eq!(again["user_data"], first["user_data"]);
    assert_ne!(token_of(&again), token_of(&first));
    let old_page = sz(&after, Method::GET, &format!("/onboard/iframe?token={}", token_of(&first)), None, None).await;
    assert_eq!(old_page.status, StatusCode::NOT_FOUND, "iframe URLs are random and die with the process");
    let project_id = first["user_data"]["project_id"].as_str().unwrap();
    let view = control(&after, Method::GET, &format!("/projects/{project_id}"), None).await.json();
    assert_eq!(view["onboarding"], "pending", "{view}");
    let theirs = onboard_raw(&after, Some(OTHER_TOKEN), &json!({ "client_identifier": "customer-12345" })).await.json();
    assert_ne!(theirs["user_data"]["api_key"], first["user_data"]["api_key"], "another partner's key");
}

#[tokio::test]
async fn a_project_its_key_rebuilt_completed_stays_completed_when_onboarded_again() {
    let before = Harness::with(sz_fast());
    let c = customer(&before, "customer-12345", None).await;
    let after = Harness::with(sz_fast());
    assert_eq!(sz(&after, Method::GET, "/v1/auth/api_key", Some(&c.key), None).await.status, StatusCode::OK);
    let again = onboard(&after, "customer-12345", None).await;
    assert_eq!(
        (again["user_data"]["api_key"].as_str(), again["user_data"]["project_id"].as_str()),
        (Some(c.key.as_str()), Some(c.project_id.as_str()))
    );
    let view = control(&after, Method::GET, &format!("/projects/{}", c.project_id), None).await.json();
    assert_eq!(
        (view["onboarding"].as_str(), view["waba"]["waba_id"].as_str()),
        (Some("completed"), Some(c.waba_id.as_str()))
    );
    let page = sz(&after, Method::GET, &format!("/onboard/iframe?token={}", token_of(&again)), None, None).await;
    assert!(page.text().contains("data-status=\"completed\""), "{}", page.text());
}

#[tokio::test]
async fn authentication_errors_have_the_seeds_body() {
    let h = Harness::with(sz_fast());
    let body = json!({ "client_identifier": "customer-12345" });
    let (error, _) = partner_error(&onboard_raw(&h, None, &body).await, 401);
    assert_eq!(error, "Missing API key");
    let wrong = onboard_raw(&h, Some("not-a-partner-key"), &body).await;
    assert_eq!(wrong.header("www-authenticate"), "Bearer");
    assert_eq!(
        partner_error(&wrong, 401),
        ("Invalid API key".into(), "The provided API key is invalid or expired".into())
    );
    let basic =
        api(&h, Method::POST, "/sendzen/v1/partner/onboard", Some(&format!("Basic {TOKEN}")), Some(&body)).await;
    assert_eq!(partner_error(&basic, 401).0, "Missing API key");
    let customer_key = onboard(&h, "c", None).await["user_data"]["api_key"].as_str().unwrap().to_owned();
    assert_eq!(partner_error(&onboard_raw(&h, Some(&customer_key), &body).await, 401).0, "Invalid API key");
}

#[tokio::test]
async fn bad_parameters_are_400_with_the_seeds_body() {
    // More calls than the default 10 per second.
    let h = Harness::with(sz_with(SendzenConfig { partner_rate_per_second: 100, ..SendzenConfig::default() }));
    let cases = [
        (json!({}), "client_identifier is required"),
        (json!({ "client_identifier": null }), "client_identifier is required"),
        (json!({ "client_identifier": "   " }), "client_identifier must not be blank"),
        (json!({ "client_identifier": 12345 }), "client_identifier must be a string"),
        (json!({ "client_identifier": "x".repeat(257) }), "client_identifier must be at most 256 characters"),
        (json!({ "client_identifier": "c", "client_webhook_url": "ftp://your-domain.com/h" }), "client_webhook_url"),
        (json!({ "client_identifier": "c", "client_webhook_url": "your-domain.com/h" }), "client_webhook_url"),
        (json!({ "client_identifier": "c", "client_webhook_url": true }), "client_webhook_url must be a string"),
        (json!(["customer-12345"]), "JSON object"),
    ];
    for (body, expected) in cases {
        let (error, message) = partner_error(&onboard_raw(&h, Some(TOKEN), &body).await, 400);
        assert_eq!(error, "Invalid request parameters");
        assert!(message.contains(expected), "{body}: {message}");
    }
    let not_json =
        h.call(Method::POST, "/sendzen/v1/partner/onboard", Some(TOKEN), Some("{\"client_identifier\":")).await;
    assert!(partner_error(&not_json, 400).1.contains("not valid JSON"));
    assert!(onboard_raw(&h, Some(TOKEN), &json!({ "client_identifier": "x".repeat(256) })).await.status.is_success());
}

#[tokio::test]
async fn forced_failures_answer_500_and_429_then_calls_succeed_again() {
    let h = Harness::with(sz_fast());
    let body = json!({ "client_identifier": "customer-12345" });
    let arm = |status: u16, count: u32| json!({ "status": status, "count": count });
    assert_eq!(control(&h, Method::POST, "/partner-errors", Some(&arm(500, 2))).await.status, StatusCode::OK);
    for _ in 0..2 {
        assert_eq!(partner_error(&onboard_raw(&h, Some(TOKEN), &body).await, 500).0, "Internal server error");
    }
    assert_eq!(onboard_raw(&h, Some(OTHER_TOKEN), &body).await.status, StatusCode::OK, "per partner");
    assert_eq!(onboard_raw(&h, Some(TOKEN), &body).await.status, StatusCode::OK);
    control(&h, Method::POST, "/partner-errors", Some(&arm(429, 1))).await;
    let limited = onboard_raw(&h, Some(TOKEN), &body).await;
    assert_eq!(limited.header("retry-after"), "1");
    assert_eq!(partner_error(&limited, 429).0, "Rate limit exceeded");
    assert_eq!(onboard_raw(&h, Some(TOKEN), &body).await.status, StatusCode::OK);
    let bad = control(&h, Method::POST, "/partner-errors", Some(&arm(503, 1))).await;
    partner_error(&bad, 400);
}

#[tokio::test]
async fn the_partner_rate_limit_answers_429_with_retry_after() {
    let h = Harness::with(sz_with(SendzenConfig { partner_rate_per_second: 2, ..SendzenConfig::default() }));
    let body = json!({ "client_identifier": "customer-12345" });
    for _ in 0..2 {
        assert_eq!(onboard_raw(&h, Some(TOKEN), &body).await.status, StatusCode::OK);
    }
    let limited = onboard_raw(&h, Some(TOKEN), &body).await;
    assert!(limited.header("retry-after").parse::<u64>().unwrap() >= 1);
    partner_error(&limited, 429);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(onboard_raw(&h, Some(TOKEN), &body).await.status, StatusCode::OK, "the bucket refills");
}

#[tokio::test]
async fn checks_run_key_then_forced_failure_then_rate_then_body() {
    let h = Harness::with(sz_with(SendzenConfig { partner_rate_per_second: 1, ..SendzenConfig::default() }));
    let bad = json!({ "client_webhook_url": "ftp://x" });
    partner_error(&onboard_raw(&h, Some("wrong"), &bad).await, 401);
    control(&h, Method::POST, "/partner-errors", Some(&json!({ "status": 500, "count": 1 }))).await;
    partner_error(&onboard_raw(&h, Some(TOKEN), &bad).await, 500);
    partner_error(&onboard_raw(&h, Some(TOKEN), &bad).await, 400);
    partner_error(&onboard_raw(&h, Some(TOKEN), &bad).await, 429);
}
