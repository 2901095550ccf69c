//! The onboarding iframe against seed 001 ("Step 2", "Step 3", "Iframe URL Expiration"): the page
//! and its element ids, the outcome JSON posted to the parent and sent to the webhook (the seed's
//! field sets), expiry, retries with backoff and signatures.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::sendzen::*;
use wadesk_sandbox::SendzenConfig;

use crate::messaging::keys;
use crate::sendzen_support::*;
use crate::support::*;

async fn page(h: &Harness, token: &str) -> Reply {
    sz(h, Method::GET, &format!("/onboard/iframe?token={token}"), None, None).await
}

/// The `#sz-config` data block of a page.
fn config_of(page: &Reply) -> Value {
    let html = page.text();
    let start = html.find("<script type=\"application/json\" id=\"sz-config\">").unwrap();
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    serde_json::from_str(&rest[open..rest.find("</script>").unwrap()]).unwrap()
}

/// Presses one of the page's buttons; asserts the post/redirect/get answer.
async fn press(h: &Harness, token: &str, outcome: &str) {
    let reply = h.form(&format!("/sendzen/onboard/iframe/outcome?token={token}"), &[("outcome", outcome)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    assert_eq!(reply.header("location"), format!("/sendzen/onboard/iframe?token={token}"));
}

async fn iframe_status(h: &Harness, token: &str) -> Value {
    sz(h, Method::GET, &format!("/onboard/iframe/status?token={token}"), None, None).await.json()
}

fn nonce(page: &Reply) -> String {
    let csp = page.header("content-security-policy");
    let at = csp.find("'nonce-").unwrap() + 7;
    csp[at..at + 24].to_owned()
}

#[tokio::test]
async fn the_page_has_the_documented_ids_and_a_fresh_nonce_and_can_be_framed_anywhere() {
    let h = Harness::with(sz_fast());
    let token = token_of(&onboard(&h, "customer-12345", None).await);
    let first = page(&h, &token).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), "text/html; charset=utf-8");
    for id in [
        "<main id=\"sz-onboarding\" data-status=\"pending\"",
        "id=\"sz-connect\"",
        "id=\"sz-cancel\"",
        "id=\"sz-fail\"",
    ] {
        assert!(first.text().contains(id), "{id}");
    }
    let csp = first.header("content-security-policy");
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("frame-ancestors"), "{csp}");
    assert_eq!(first.header("x-frame-options"), "");
    assert!(first.text().contains(&format!("<script nonce=\"{}\">", nonce(&first))));
    assert_ne!(nonce(&first), nonce(&page(&h, &token).await), "a fresh nonce per response");
    assert_eq!(config_of(&first)["post"], Value::Null, "nothing to announce before an outcome");
    assert_eq!(config_of(&first)["target_origin"], "*");
}

#[tokio::test]
async fn connect_posts_and_webhooks_the_seeds_success_json() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let answer = onboard(&h, "user-acc-12345-abcde", Some(&rx.url)).await;
    let token = token_of(&answer);
    press(&h, &token, "connect").await;
    let done = page(&h, &token).await;
    assert!(done.text().contains("data-status=\"completed\""));
    assert!(done.text().contains("data-testid=\"sz-done\" data-outcome=\"completed\""));
    let posted = config_of(&done)["post"].clone();
    assert_eq!(keys(&posted), ["client_identifier", "phone_number_id", "project_id", "status", "waba_id"]);
    assert_eq!(posted["status"], "completed");
    assert_eq!(posted["project_id"], answer["user_data"]["project_id"]);
    assert_eq!(posted["client_identifier"], "user-acc-12345-abcde");
    for id in ["waba_id", "phone_number_id"] {
        let v = posted[id].as_str().unwrap();
        assert!(v.len() == 15 && v.bytes().all(|b| b.is_ascii_digit()), "{id}: {v}");
    }
    let got = rx.wait_for(2).await;
    let hook = &got[1];
    assert_eq!(hook.header("content-type"), "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&hook.body).unwrap(), posted, "the webhook carries the same JSON");
    assert!(
        std::str::from_utf8(&hook.body).unwrap().starts_with("{\"status\":\"completed\",\"project_id\""),
        "seed order, minified"
    );
    assert_eq!(config_of(&page(&h, &token).await)["post"], Value::Null, "announced once");
    let waba = sz(&h, Method::GET, "/v1/waba", answer["user_data"]["api_key"].as_str(), None).await.json();
    assert_eq!(waba["data"]["projects"][0]["wabas"][0]["waba_id"], posted["waba_id"]);
}

#[tokio::test]
async fn cancel_fails_with_the_seeds_message_and_the_user_may_retry() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let answer = onboard(&h, "user-acc-12345-abcde", Some(&rx.url)).await;
    let token = token_of(&answer);
    press(&h, &token, "cancel").await;
    let failed = page(&h, &token).await;
    assert!(failed.text().contains("data-status=\"failed\"") && failed.text().contains("id=\"sz-retry\""));
    assert!(failed.text().contains("data-outcome=\"failed\""));
    let expected = json!({
        "status": "failed",
        "project_id": answer["user_data"]["project_id"],
        "client_identifier": "user-acc-12345-abcde",
        "message": "User cancelled the authentication process.",
    });
    assert_eq!(config_of(&failed)["post"], expected);
    let got = rx.wait_for(2).await;
    assert_eq!(serde_json::from_slice::<Value>(&got[1].body).unwrap(), expected);
    press(&h, &token, "retry").await;
    assert!(page(&h, &token).await.text().contains("data-status=\"pending\""));
    press(&h, &token, "fail").await;
    let other = config_of(&page(&h, &token).await)["post"].clone();
    assert_eq!(other["message"], MESSAGE_FAILED);
    assert_ne!(other["message"], MESSAGE_CANCELLED);
    press(&h, &token, "retry").await;
    press(&h, &token, "connect").await;
    assert_eq!(config_of(&page(&h, &token).await)["post"]["status"], "completed");
    let got = rx.wait_for(4).await;
    let events: Vec<Value> =
        got[1..].iter().map(|c| serde_json::from_slice::<Value>(&c.body).unwrap()["status"].clone()).collect();
    assert_eq!(events, ["failed", "failed", "completed"]);
}

#[tokio::test]
async fn expired_and_unknown_urls_do_not_load() {
    let h = Harness::with(sz_with(SendzenConfig { iframe_ttl: Duration::from_secs(1), ..SendzenConfig::default() }));
    let token = token_of(&onboard(&h, "customer-12345", None).await);
    assert_eq!(page(&h, &token).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let gone = page(&h, &token).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.text().contains("data-reason=\"expired\"") && !gone.text().contains("<script"), "{}", gone.text());
    let status = sz(&h, Method::GET, &format!("/onboard/iframe/status?token={token}"), None, None).await;
    assert_eq!(status.status, StatusCode::GONE);
    let late = h.form(&format!("/sendzen/onboard/iframe/outcome?token={token}"), &[("outcome", "connect")]).await;
    assert_eq!(late.status, StatusCode::GONE, "an expired page cannot complete");
    let unknown = page(&h, &"A".repeat(43)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("data-reason=\"unknown\""));
    assert_eq!(page(&h, "eyJhbGc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(sz(&h, Method::GET, "/onboard/iframe", None, None).await.status, StatusCode::NOT_FOUND);
    let fresh = token_of(&onboard(&h, "customer-12345", None).await);
    assert_eq!(page(&h, &fresh).await.status, StatusCode::OK, "calling the API again gives a new URL");
}

#[tokio::test]
async fn the_control_surface_expires_every_url_of_a_project_now() {
    let h = Harness::with(sz_fast());
    let first = onboard(&h, "customer-12345", None).await;
    let second = onboard(&h, "customer-12345", None).await;
    let other = onboard(&h, "customer-67890", None).await;
    let project_id = first["user_data"]["project_id"].as_str().unwrap();
    let expired = control(&h, Method::POST, &format!("/projects/{project_id}/expire-iframes"), None).await;
    assert_eq!(expired.json(), json!({ "expired": 2 }));
    for answer in [&first, &second] {
        assert_eq!(page(&h, &token_of(answer)).await.status, StatusCode::GONE);
    }
    assert_eq!(page(&h, &token_of(&other)).await.status, StatusCode::OK, "other projects keep theirs");
}

#[tokio::test]
async fn a_head_probe_changes_nothing() {
    let h = Harness::with(sz_fast());
    let answer = onboard(&h, "customer-12345", None).await;
    let token = token_of(&answer);
    press(&h, &token, "connect").await;
    let probe = sz(&h, Method::HEAD, &format!("/onboard/iframe?token={token}"), None, None).await;
    assert_eq!(probe.status, StatusCode::OK);
    assert!(probe.body.is_empty());
    assert_eq!(config_of(&page(&h, &token).await)["post"]["status"], "completed", "the GET still announces");
}

#[tokio::test]
async fn outcomes_from_the_control_surface_reach_open_pages() {
    let h = Harness::with(sz_fast());
    let answer = onboard(&h, "customer-12345", None).await;
    let (token, project_id) = (token_of(&answer), answer["user_data"]["project_id"].as_str().unwrap().to_owned());
    let before = iframe_status(&h, &token).await;
    assert_eq!(before["status"], "pending");
    let failed = control(
        &h,
        Method::POST,
        &format!("/projects/{project_id}/fail"),
        Some(&json!({ "message": "No WABA shared" })),
    )
    .await;
    assert_eq!(failed.json()["onboarding"], "failed");
    let after = iframe_status(&h, &token).await;
    assert_eq!(after["status"], "failed");
    assert_ne!(after["version"], before["version"], "the page polls this and reloads");
    assert_eq!(config_of(&page(&h, &token).await)["post"]["message"], "No WABA shared");
    control(&h, Method::POST, &format!("/projects/{project_id}/complete"), None).await;
    assert_eq!(iframe_status(&h, &token).await["status"], "completed");
    let again = control(&h, Method::POST, &format!("/projects/{project_id}/complete"), None).await;
    partner_error(&again, 409);
    partner_error(&control(&h, Method::POST, &format!("/projects/{project_id}/fail"), None).await, 409);
    let later = token_of(&onboard(&h, "customer-12345", None).await);
    let later_page = page(&h, &later).await;
    assert!(later_page.text().contains("data-status=\"completed\""));
    assert_eq!(config_of(&later_page)["post"]["status"], "completed", "a URL issued after completion announces it");
}

#[tokio::test]
async fn onboarding_webhooks_are_retried_with_backoff_until_accepted() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[200, 500, 503]).await;
    let answer = onboard(&h, "customer-12345", Some(&rx.url)).await;
    let project_id = answer["user_data"]["project_id"].as_str().unwrap();
    press(&h, &token_of(&answer), "connect").await;
    let got = rx.wait_for(4).await;
    assert_eq!(got[1].body, got[3].body, "every attempt sends the same bytes");
    assert_eq!(got[2].body, got[3].body);
    let log =
        deliveries_until(&h, project_id, |d| d.iter().any(|r| r["kind"] == "onboarding" && r["delivered"] == true))
            .await;
    let record = log.iter().find(|r| r["kind"] == "onboarding").unwrap();
    assert_eq!((record["attempts"].as_u64(), record["last_status"].as_u64()), (Some(3), Some(200)));
    assert_eq!(log[0]["kind"], "validation");

    let never = Receiver::start(&[200, 500, 500, 500, 500]).await;
    let answer = onboard(&h, "customer-67890", Some(&never.url)).await;
    let project_id = answer["user_data"]["project_id"].as_str().unwrap();
    press(&h, &token_of(&answer), "cancel").await;
    let log =
        deliveries_until(&h, project_id, |d| d.iter().any(|r| r["kind"] == "onboarding" && r["attempts"] == 3)).await;
    let record = log.iter().find(|r| r["kind"] == "onboarding").unwrap();
    assert_eq!((record["delivered"].as_bool(), record["last_error"].as_str()), (Some(false), Some("HTTP 500")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(never.count(), 4, "one attempt plus the two configured retries");
}

#[tokio::test]
async fn onboarding_webhooks_are_signed_once_a_secret_is_set() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let answer = onboard(&h, "customer-12345", Some(&rx.url)).await;
    let project_id = answer["user_data"]["project_id"].as_str().unwrap();
    let secret = json!({ "secret": "dashboard-secret-0123" });
    let set = control(&h, Method::PUT, &format!("/projects/{project_id}/webhook-secret"), Some(&secret)).await;
    assert_eq!(set.json(), json!({ "webhook_secret_set": true }));
    press(&h, &token_of(&answer), "connect").await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].header(SIGNATURE_HEADER), hub_signature("dashboard-secret-0123", &got[1].body));
    let view = control(&h, Method::GET, &format!("/projects/{project_id}"), None).await.text().to_owned();
    assert!(
        !view.contains("dashboard-secret-0123") && !view.contains(answer["user_data"]["api_key"].as_str().unwrap()),
        "{view}"
    );
}

#[tokio::test]
async fn the_post_message_target_is_configurable() {
    let config = SendzenConfig { post_message_target: "https://partner.example".into(), ..SendzenConfig::default() };
    let h = Harness::with(sz_with(config));
    let token = token_of(&onboard(&h, "customer-12345", None).await);
    assert_eq!(config_of(&page(&h, &token).await)["target_origin"], "https://partner.example");
}

#[tokio::test]
async fn over_tcp_the_iframe_url_loads_from_the_public_url_and_a_client_can_probe_it() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig { public_url: base.clone(), ..sz_fast() });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(wadesk_sandbox::serve(listener, sandbox, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let answer: Value = client
        .post(format!("{base}/sendzen/v1/partner/onboard"))
        .bearer_auth(TOKEN)
        .json(&json!({ "client_identifier": "customer-12345" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = answer["iframe_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{base}/sendzen/onboard/iframe?token=")), "{url}");
    let probe = client.head(url).send().await.unwrap();
    assert_eq!(probe.status(), 200);
    let expire = format!(
        "{base}/sendzen/_sandbox/projects/{}/expire-iframes",
        answer["user_data"]["project_id"].as_str().unwrap()
    );
    assert_eq!(client.post(expire).bearer_auth(TOKEN).send().await.unwrap().status(), 200);
    assert_eq!(client.get(url).send().await.unwrap().status(), 410);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn the_binary_refuses_out_of_range_sendzen_settings() {
    for args in [
        ["--sendzen-iframe-ttl-secs", "0"],
        ["--sendzen-partner-rate-per-second", "0"],
        ["--sendzen-rate-per-second", "0"],
        ["--sendzen-post-message-target", "https://app.example/path"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wadesk-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--partner-token", "a-partner-token-0123456789"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("SendZen") && !stderr.contains("panicked"), "{stderr}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wadesk-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--partner-token", "a-partner-token-0123456789"])
        .args(["--sendzen-webhook-check", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown check");
}
