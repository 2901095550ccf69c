//! 360dialog conformance: the Partner Hub against seed 003 and the contract (clients, numbers,
//! channels, API keys, partner webhooks and their signatures, every error), the simulated Meta
//! Embedded Signup popup, and API keys surviving a restart.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::{D360Config, DuplicateClient};

use crate::d360_support::*;
use crate::messaging::keys;
use crate::support::*;

/// Seed 003 step 3's answer, verbatim but for `"$ANY()$"`.
const SEED_NUMBERS: &str = r#"{"app_id":null,"created_at":"2023-11-02 09:00:00","expires_at":"2023-11-09 09:00:00",
"start_at":"2023-11-02 09:00:00","debug_info":null,"durable":true,"id":"CMD0","last_retry_at":null,"max_retries":5,
"name":"event","priority":9,"retries":0,"source":"csi_partners","status":"created","topic":"domain-events",
"value":{"action_name":"event","app_id":null,"payload":{"actor_id":"U100","channel_id":null,"client_id":"CL0",
"config_id":null,"id":"DM0","name":"fb_login_callback","partner_id":"P0","project_id":null,"properties":{
"campaign_id":null,"channel_origin":"tech_provider","hosting_platform_type":"meta_cloud_api","contact_info":null,
"contact_user":null,"created_at":"x","created_by":{"user_id":"U100","user_name":"Test User"},
"has_integration_layer":false,"id":"CL0","input_token":"","meta_info":null,"modified_at":"2023-11-02 09:00:00",
"modified_by":{"user_id":"random","user_name":"a name"},"name":"business","organisation":"waba business id",
"partner_payload":"This client is created automatically by partner/tech provider","max_channels":10,
"suspicious":false,"status":"active","pricing_tier":"regular","bundle_id":null,"enabled_for_chat_support":false,
"waba_external_id":"waba id"},"scope":"client","timestamp":"1698915340","waba_account_id":null}}}"#;

/// Every key of `seed` is in `got`, recursively, with the same JSON type where the seed's is not null.
fn same_keys(seed: &Value, got: &Value, at: &str) {
    let Some(map) = seed.as_object() else { return };
    for (k, v) in map {
        let g = got.get(k).unwrap_or_else(|| panic!("{at}.{k} missing in {got}"));
        if !v.is_null() {
            assert_eq!(std::mem::discriminant(v), std::mem::discriminant(g), "{at}.{k}: {g}");
        }
        same_keys(v, g, &format!("{at}.{k}"));
    }
}

fn is_hub_time(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
}

#[tokio::test]
async fn creating_a_client_answers_exactly_the_seeds_object() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap();
    assert!(pid.starts_with('P') && pid.len() == 13, "{pid}");
    let c = client(&h, pid, "owner@shop.example").await;
    assert_eq!(keys(&c), ["created_at", "created_by", "id", "modified_at", "modified_by"]);
    assert_eq!(keys(&c["created_by"]), ["user_id", "user_name"]);
    assert_eq!(keys(&c["modified_by"]), ["user_id", "user_name"]);
    assert!(c["id"].as_str().unwrap().starts_with("CL"));
    assert!(is_hub_time(c["created_at"].as_str().unwrap()) && is_hub_time(c["modified_at"].as_str().unwrap()), "{c}");
    assert_eq!(c["created_by"]["user_name"], "Shop Owner");
    // The same email (any case) is the same client by default.
    let again = client(&h, pid, "OWNER@shop.example").await;
    assert_eq!(again["id"], c["id"]);
    // Listing by email and by id.
    let q = |f: &str| url::form_urlencoded::Serializer::new(String::new()).append_pair("filters", f).finish();
    let path = format!("/partners/{pid}/clients?{}", q(r#"{"email":"owner@shop.example"}"#));
    let list = hub(&h, Method::GET, &path, Some(TOKEN), None).await.json();
    assert_eq!(keys(&list), ["clients", "count", "limit", "offset", "total"]);
    assert_eq!((list["count"].as_u64(), list["total"].as_u64()), (Some(1), Some(1)));
    assert_eq!(list["clients"][0]["id"], c["id"]);
    assert_eq!(
        (list["clients"][0]["name"].as_str(), list["clients"][0]["email"].as_str()),
        (Some("Sandbox Shop"), Some("owner@shop.example"))
    );
    let by_id = format!("/partners/{pid}/clients?{}", q(&json!({ "id": c["id"] }).to_string()));
    assert_eq!(hub(&h, Method::GET, &by_id, Some(TOKEN), None).await.json()["count"], 1);
    let none = format!("/partners/{pid}/clients?{}", q(r#"{"email":"other@x.example"}"#));
    assert_eq!(hub(&h, Method::GET, &none, Some(TOKEN), None).await.json()["clients"], json!([]));
    let bad = format!("/partners/{pid}/clients?{}", q("{nope"));
    hub_error(&hub(&h, Method::GET, &bad, Some(TOKEN), None).await, 400);
}

#[tokio::test]
async fn a_duplicate_client_can_be_a_conflict() {
    let h = Harness::with(d3_with(D360Config {
        duplicate_client: DuplicateClient::Conflict,
        partner_rate_per_second: 1000,
        ..D360Config::default()
    }));
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap();
    client(&h, pid, "a@shop.example").await;
    let body = json!({ "name": "n", "email": "a@shop.example", "user_name": "u" });
    let reply =
        hub(&h, Method::POST, &format!("/partners/{pid}/account_sharing/clients"), Some(TOKEN), Some(&body)).await;
    assert!(hub_error(&reply, 409).contains("already exists"));
}

#[tokio::test]
async fn partner_hub_errors_have_their_status_and_shape() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap().to_owned();
    let path = format!("/partners/{pid}/account_sharing/clients");
    let good = json!({ "name": "n", "email": "a@b.example", "user_name": "u" });
    hub_error(&hub(&h, Method::POST, &path, None, Some(&good)).await, 401);
    hub_error(&hub(&h, Method::POST, &path, Some("not-a-key"), Some(&good)).await, 401);
    // Bearer works too.
    let bearer = with_header(
        &h,
        Method::POST,
        &format!("{HUB}{path}"),
        "Authorization",
        Some(&format!("Bearer {TOKEN}")),
        Some(&good),
    )
    .await;
    assert_eq!(bearer.status, StatusCode::OK, "{}", bearer.text());
    // Another partner's id in the path.
    let other = hub(&h, Method::POST, &path, Some(OTHER_TOKEN), Some(&good)).await;
    assert!(hub_error(&other, 403).contains("partner_id"));
    for (body, message) in [
        (json!({ "email": "a@b", "user_name": "u" }), "name is required"),
        (json!({ "name": "n", "user_name": "u" }), "email is required"),
        (json!({ "name": "n", "email": "a@b" }), "user_name is required"),
        (json!({ "name": "n", "email": "ab", "user_name": "u" }), "email"),
        (json!({ "name": "", "email": "a@b", "user_name": "u" }), "name"),
        (json!({ "name": "x".repeat(201), "email": "a@b", "user_name": "u" }), "200"),
    ] {
        let m = hub_error(&hub(&h, Method::POST, &path, Some(TOKEN), Some(&body)).await, 400);
        assert!(m.contains(message), "{m} / {message}");
    }
    let malformed = h.send(hub_raw(&path, "{not json".to_owned())).await;
    assert!(hub_error(&malformed, 400).contains("JSON"));
    let huge = h.send(hub_raw(&path, format!("{{\"name\":\"{}\"}}", "x".repeat(70 * 1024)))).await;
    hub_error(&huge, 413);
    // Forced failures, then unknown routes.
    let armed = ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "clients" }))).await;
    assert_eq!(armed.status, StatusCode::OK, "{}", armed.text());
    hub_error(&hub(&h, Method::POST, &path, Some(TOKEN), Some(&good)).await, 500);
    assert_eq!(hub(&h, Method::POST, &path, Some(TOKEN), Some(&good)).await.status, StatusCode::OK);
    hub_error(&hub(&h, Method::GET, "/nope", Some(TOKEN), None).await, 404);
    let unknown = hub(&h, Method::POST, &format!("/partners/{pid}/channels/CHnope/api_keys"), Some(TOKEN), None).await;
    hub_error(&unknown, 404);
}

/// A raw POST to the hub with partner `TOKEN`.
fn hub_raw(path: &str, body: String) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post(format!("{HUB}{path}"))
        .header("X-API-Key", TOKEN)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn partner_calls_above_the_rate_answer_429_with_retry_after() {
    let h = Harness::with(d3_with(D360Config { partner_rate_per_second: 2, ..D360Config::default() }));
    let id = identity(&h).await;
    let path = format!("/partners/{}/webhook_url", id["partner_id"].as_str().unwrap());
    for _ in 0..2 {
        assert_eq!(hub(&h, Method::GET, &path, Some(TOKEN), None).await.status, StatusCode::OK);
    }
    let limited = hub(&h, Method::GET, &path, Some(TOKEN), None).await;
    hub_error(&limited, 429);
    assert!(limited.header("retry-after").parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn submitting_a_number_answers_the_seeds_domain_event_once_per_waba() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap();
    let client_id = client(&h, pid, "owner@shop.example").await["id"].clone();
    let waba_id = finish(&h, &id).await["waba_id"].clone();
    let body = json!({ "solution_id": id["solution_id"], "waba_external_id": waba_id, "client_id": client_id, "tier": "premium", "waba_business_id": "998877" });
    let reply = submit(&h, &id, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let got = reply.json();
    let seed: Value = serde_json::from_str(SEED_NUMBERS).unwrap();
    same_keys(&seed, &got, "$");
    assert_eq!(keys(&seed), keys(&got), "top-level keys exactly");
    assert_eq!(keys(&seed["value"]["payload"]["properties"]), keys(&got["value"]["payload"]["properties"]));
    assert!(got["id"].as_str().unwrap().starts_with("CMD"));
    assert_eq!(got["status"], "created");
    let payload = &got["value"]["payload"];
    assert_eq!((&payload["client_id"], payload["partner_id"].as_str()), (&client_id, Some(pid)));
    assert_eq!(payload["properties"]["waba_external_id"], waba_id);
    assert_eq!(payload["properties"]["pricing_tier"], "premium");
    assert_eq!(payload["properties"]["organisation"], "998877");
    assert!(
        is_hub_time(got["created_at"].as_str().unwrap())
            && payload["timestamp"].as_str().unwrap().parse::<i64>().is_ok()
    );
    let again = submit(&h, &id, &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_ne!(again.json()["id"], got["id"]);
    let listed = channels(&h, &id, &json!({ "waba_external_id": waba_id })).await;
    assert_eq!(listed["total"], 1, "{listed}");
    // Default tier.
    let other = finish(&h, &id).await["waba_id"].clone();
    let plain = submit(&h, &id, &json!({ "solution_id": id["solution_id"], "waba_external_id": other })).await.json();
    assert_eq!(plain["value"]["payload"]["properties"]["pricing_tier"], "regular");
}

#[tokio::test]
async fn submissions_are_refused_with_named_reasons() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let waba_id = finish(&h, &id).await["waba_id"].clone();
    let sol = id["solution_id"].clone();
    for (body, message) in [
        (json!({ "waba_external_id": waba_id }), "solution_id is required"),
        (json!({ "solution_id": sol }), "waba_external_id is required"),
        (
            json!({ "solution_id": "other", "waba_external_id": waba_id }),
            "solution_id is not an approved solution of this partner",
        ),
        (
            json!({ "solution_id": sol, "waba_external_id": "123456789012345" }),
            "waba_external_id was not shared through this partner's Embedded Signup",
        ),
        (json!({ "solution_id": sol, "waba_external_id": waba_id, "client_id": "CLnope" }), "client_id"),
        (json!({ "solution_id": sol, "waba_external_id": waba_id, "tier": "gold" }), "tier"),
    ] {
        let m = hub_error(&submit(&h, &id, &body).await, 400);
        assert!(m.contains(message), "{m} / {message}");
    }
    // This partner's WABA is not another partner's to submit.
    let other =
        with_header(&h, Method::GET, "/d360/_sandbox/partner", "X-API-Key", Some(OTHER_TOKEN), None).await.json();
    let path = format!("{HUB}/partners/{}/account_sharing/numbers", other["partner_id"].as_str().unwrap());
    let body = json!({ "solution_id": other["solution_id"], "waba_external_id": waba_id });
    let foreign = with_header(&h, Method::POST, &path, "X-API-Key", Some(OTHER_TOKEN), Some(&body)).await;
    assert!(hub_error(&foreign, 400).contains("waba_external_id"));
    ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "numbers" }))).await;
    hub_error(&submit(&h, &id, &json!({ "solution_id": sol, "waba_external_id": waba_id })).await, 500);
}

/// Sets, reads back and checks partner `TOKEN`'s webhook URL.
async fn set_partner_webhook(h: &Harness, pid: &str, url: &str) {
    let set = hub(
        h,
        Method::POST,
        &format!("/partners/{pid}/webhook_url"),
        Some(TOKEN),
        Some(&json!({ "webhook_url": url })),
    )
    .await;
    assert_eq!(set.json(), json!({ "webhook_url": url }));
    let got = hub(h, Method::GET, &format!("/partners/{pid}/webhook_url"), Some(TOKEN), None).await;
    assert_eq!(got.json(), json!({ "webhook_url": url }));
    let refused = hub(
        h,
        Method::POST,
        &format!("/partners/{pid}/webhook_url"),
        Some(TOKEN),
        Some(&json!({ "webhook_url": "http://hooks.example/x" })),
    )
    .await;
    hub_error(&refused, 400);
}

#[tokio::test]
async fn the_lifecycle_sends_signed_partner_events_in_order() {
    let h = Harness::with(d3_fast());
    let rx = Receiver::start(&[]).await;
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap().to_owned();
    set_partner_webhook(&h, &pid, &rx.url).await;
    ctl(&h, Method::POST, "/partner/signing_secret", Some(&json!({ "secret": "partner-secret" }))).await;
    let client_id = client(&h, &pid, "owner@shop.example").await["id"].clone();
    let waba_id = finish(&h, &id).await["waba_id"].clone();
    submit(&h, &id, &json!({ "solution_id": id["solution_id"], "waba_external_id": waba_id, "client_id": client_id }))
        .await;
    let seen = rx.wait_for(6).await;
    let events: Vec<Value> = seen.iter().map(|c| serde_json::from_slice(&c.body).unwrap()).collect();
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["client_created", "channel_created", "channel_submitted", "channel_ready", "channel_running", "channel_live"]
    );
    for (c, e) in seen.iter().zip(&events) {
        assert_eq!(c.header("x-360dialog-signature"), hex_hmac("partner-secret", &c.body));
        assert_eq!(keys(e), ["channel_id", "client_id", "event", "partner_id", "payload", "timestamp"]);
        assert_eq!((e["partner_id"].as_str(), &e["client_id"]), (Some(pid.as_str()), &client_id));
        assert!(e["timestamp"].as_str().unwrap().parse::<i64>().is_ok());
    }
    for e in &events[1..] {
        let ch = &e["payload"];
        assert_eq!(e["event"].as_str().unwrap(), format!("channel_{}", ch["status"].as_str().unwrap()));
        assert_eq!(
            keys(ch),
            [
                "account_mode",
                "client_id",
                "created_at",
                "id",
                "modified_at",
                "partner_id",
                "setup_info",
                "status",
                "waba_account"
            ]
        );
        assert_eq!(ch["account_mode"], "live");
        assert_eq!(ch["setup_info"]["phone_number"], "+15551234567");
        assert_eq!(ch["waba_account"]["external_id"], waba_id);
        assert_eq!(e["channel_id"], ch["id"]);
    }
    // The log is written once the receiver's answer is back, which can be just after the receiver
    // has handed the last event over.
    let path = format!("/channels/{}", events[5]["channel_id"].as_str().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let log = loop {
        let view = ctl(&h, Method::GET, &path, None).await.json();
        let log = view["deliveries"].as_array().unwrap().clone();
        if log.iter().all(|d| d["delivered"] == true) || std::time::Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|d| d["delivered"] == true && d["attempts"] == 1 && d["signed"] == true), "{log:?}");
}

#[tokio::test]
async fn api_keys_need_a_running_channel_and_a_new_key_revokes_the_old() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap().to_owned();
    let waba_id = finish(&h, &id).await["waba_id"].clone();
    submit(&h, &id, &json!({ "solution_id": id["solution_id"], "waba_external_id": waba_id })).await;
    let listed = channels(&h, &id, &json!({ "waba_external_id": waba_id })).await;
    let ch = listed["partner_channels"][0]["id"].as_str().unwrap().to_owned();
    let held = ctl(&h, Method::POST, &format!("/channels/{ch}/hold"), Some(&json!({ "stage": "running" }))).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text());
    wait_status(&h, &ch, "ready").await;
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    let view = ctl(&h, Method::GET, &format!("/channels/{ch}"), None).await.json();
    assert_eq!(view["channel"]["status"], "ready", "held before running");
    let keys_path = format!("/partners/{pid}/channels/{ch}/api_keys");
    assert_eq!(
        hub_error(&hub(&h, Method::POST, &keys_path, Some(TOKEN), None).await, 400),
        "channel is not running yet"
    );
    ctl(&h, Method::POST, &format!("/channels/{ch}/release"), None).await;
    wait_status(&h, &ch, "running").await;
    let first = hub(&h, Method::POST, &keys_path, Some(TOKEN), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let first = first.json();
    assert_eq!(keys(&first), ["address", "api_key", "app_id", "id"]);
    assert_eq!(first["address"], format!("{PUBLIC}/d360/waba"));
    let old = first["api_key"].as_str().unwrap().to_owned();
    assert_eq!(waba(&h, Method::GET, "/v1/configs/templates", Some(&old), None).await.status, StatusCode::OK);
    let second = hub(&h, Method::POST, &keys_path, Some(TOKEN), None).await.json();
    let new = second["api_key"].as_str().unwrap();
    assert_ne!(new, old);
    meta_error(&waba(&h, Method::GET, "/v1/configs/templates", Some(&old), None).await, 401);
    assert_eq!(waba(&h, Method::GET, "/v1/configs/templates", Some(new), None).await.status, StatusCode::OK);
    ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "api_keys" }))).await;
    hub_error(&hub(&h, Method::POST, &keys_path, Some(TOKEN), None).await, 500);
    // Another partner cannot make keys for this channel.
    let other_pid = {
        let r = with_header(&h, Method::GET, "/d360/_sandbox/partner", "X-API-Key", Some(OTHER_TOKEN), None).await;
        r.json()["partner_id"].as_str().unwrap().to_owned()
    };
    let foreign =
        hub(&h, Method::POST, &format!("/partners/{other_pid}/channels/{ch}/api_keys"), Some(OTHER_TOKEN), None).await;
    hub_error(&foreign, 404);
}

#[tokio::test]
async fn channels_are_listed_with_filters_and_the_contracts_fields() {
    let h = Harness::with(d3_fast());
    let live = live_channel(&h).await;
    let by_id = channels(&h, &live.id, &json!({ "id": live.channel_id })).await;
    assert_eq!(keys(&by_id), ["count", "limit", "offset", "partner_channels", "total"]);
    let ch = &by_id["partner_channels"][0];
    assert_eq!((ch["status"].as_str(), ch["client_id"].as_str()), (Some("live"), Some(live.client_id.as_str())));
    assert_eq!(ch["waba_account"]["phone_number_id"], live.phone_number_id);
    assert_eq!(ch["partner_id"], live.id["partner_id"]);
    assert!(is_hub_time(ch["created_at"].as_str().unwrap()));
    assert_eq!(channels(&h, &live.id, &json!({ "client_id": live.client_id })).await["total"], 1);
    assert_eq!(channels(&h, &live.id, &json!({ "client_id": "CLother" })).await["total"], 0);
}

#[tokio::test]
async fn the_signup_page_offers_every_outcome_and_refuses_bad_origins() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let q: String =
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(signup_query(&id, PARENT)).finish();
    let page = h.call(Method::GET, &format!("{SIGNUP}?{q}"), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<title>Meta Embedded Signup (simulated)</title>"));
    for el in [
        "id=\"meta-signup\"",
        "input id=\"meta-business\"",
        "input id=\"meta-phone\"",
        "button id=\"meta-finish\"",
        "button id=\"meta-finish-only-waba\"",
        "button id=\"meta-cancel\"",
        "select id=\"meta-cancel-step\"",
        "button id=\"meta-error\"",
        "PHONE_NUMBER_VERIFICATION",
        "opaque-state-1",
    ] {
        assert!(html.contains(el), "{el}");
    }
    assert!(page.header("content-security-policy").starts_with("default-src 'none'"));
    // A bad origin: 400, nothing posted.
    let bad: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(signup_query(&id, "https://app.example/path"))
        .finish();
    let refused = h.call(Method::GET, &format!("{SIGNUP}?{bad}"), None, None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.text().contains("<script"));
    // Unknown app: an ERROR result.
    let unknown = h
        .call(Method::GET, &format!("{SIGNUP}?app_id=1&config_id=2&origin=https%3A%2F%2Fapp.example"), None, None)
        .await;
    let msg = posted(&unknown);
    assert_eq!(
        (msg["event"].as_str(), msg["type"].as_str(), msg["version"].as_u64()),
        (Some("ERROR"), Some("WA_EMBEDDED_SIGNUP"), Some(3))
    );
    assert_eq!(keys(&msg["data"]), ["error_code", "error_message", "session_id", "timestamp"]);
    assert_eq!(result_config(&unknown)["origin"], "https://app.example");
}

#[tokio::test]
async fn every_signup_outcome_posts_metas_message_and_is_recorded() {
    let h = Harness::with(d3_fast());
    let id = identity(&h).await;
    let done = signup_post(&h, &id, "FINISH", &[]).await;
    assert!(done.text().contains("id=\"meta-signup-result\" data-event=\"FINISH\""));
    let m = posted(&done);
    assert_eq!(keys(&m), ["data", "event", "type", "version"]);
    assert_eq!(keys(&m["data"]), ["business_id", "phone_number_id", "waba_id"]);
    assert!(m["data"]["waba_id"].as_str().unwrap().len() == 15);
    assert_eq!(result_config(&done)["origin"], PARENT);
    assert!(
        done.text().contains("window.opener.postMessage(cfg.message, cfg.origin)")
            && done.text().contains("meta-signup-no-opener")
    );
    assert_eq!(keys(&posted(&signup_post(&h, &id, "FINISH_ONLY_WABA", &[]).await)["data"]), ["business_id", "waba_id"]);
    let cancel = posted(&signup_post(&h, &id, "CANCEL", &[("current_step", "PHONE_NUMBER_SETUP")]).await);
    assert_eq!(cancel["data"], json!({ "current_step": "PHONE_NUMBER_SETUP" }));
    assert_eq!(posted(&signup_post(&h, &id, "ERROR", &[]).await)["event"], "ERROR");
    let recorded = ctl(&h, Method::GET, "/signups", None).await.json();
    let events: Vec<&str> =
        recorded["signups"].as_array().unwrap().iter().map(|s| s["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["ERROR", "CANCEL", "FINISH_ONLY_WABA", "FINISH"], "newest first");
    assert_eq!(recorded["signups"][0]["state"], "opaque-state-1");
    // Both FINISH kinds can be submitted.
    let only = posted(&signup_post(&h, &id, "FINISH_ONLY_WABA", &[]).await)["data"]["waba_id"].clone();
    let r = submit(&h, &id, &json!({ "solution_id": id["solution_id"], "waba_external_id": only })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn an_api_key_from_before_a_restart_still_sends() {
    let config = d3_fast();
    let first = Harness::with(config.clone());
    let live = live_channel(&first).await;
    let restarted = Harness::with(config);
    let templates = waba(&restarted, Method::GET, "/v1/configs/templates", Some(&live.api_key), None).await;
    assert_eq!(templates.status, StatusCode::OK, "{}", templates.text());
    let body = json!({ "messaging_product": "whatsapp", "to": "15551230000", "type": "template", "template": { "name": "hello_world", "language": { "code": "en_US" } } });
    let sent = waba(&restarted, Method::POST, "/messages", Some(&live.api_key), Some(&body)).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    let view = ctl(&restarted, Method::GET, &format!("/channels/{}", live.channel_id), None).await.json();
    assert_eq!((view["channel"]["status"].as_str(), view["webhook"].is_null()), (Some("live"), true));
    assert_eq!(view["channel"]["waba_account"]["external_id"], live.waba_id);
    meta_error(&waba(&restarted, Method::GET, "/v1/configs/templates", Some("garbage"), None).await, 401);
}

#[tokio::test]
async fn partner_webhooks_are_retried_and_their_attempts_recorded() {
    let h = Harness::with(d3_fast());
    let rx = Receiver::start(&[500]).await;
    let id = identity(&h).await;
    let pid = id["partner_id"].as_str().unwrap().to_owned();
    set_partner_webhook(&h, &pid, &rx.url).await;
    let c = client(&h, &pid, "retry@shop.example").await;
    let seen = rx.wait_for(2).await;
    assert_eq!(seen[0].body, seen[1].body, "every attempt sends the same bytes");
    assert_eq!(seen[0].header("x-360dialog-signature"), "", "no partner secret, no signature");
    let mut log = Value::Null;
    for _ in 0..500 {
        log = ctl(&h, Method::GET, "/partner/deliveries", None).await.json()["deliveries"][0].clone();
        if log["delivered"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!((log["event"].as_str(), log["attempts"].as_u64()), (Some("client_created"), Some(2)), "{log}");
    assert_eq!((log["last_status"].as_u64(), log["last_error"].as_str()), (Some(200), Some("")));
    assert_eq!(log["body"]["payload"]["id"], c["id"]);
}

#[tokio::test]
async fn the_control_surface_sees_only_the_partners_own_channels() {
    let h = Harness::with(d3_fast());
    let live = live_channel(&h).await;
    let other = |path: String, body: Option<Value>| {
        let h = &h;
        async move {
            let method = if body.is_some() { Method::POST } else { Method::GET };
            with_header(h, method, &format!("/d360/_sandbox{path}"), "X-API-Key", Some(OTHER_TOKEN), body.as_ref())
                .await
        }
    };
    hub_error(&other(format!("/channels/{}", live.channel_id), None).await, 404);
    hub_error(&other(format!("/channels/{}/hold", live.channel_id), Some(json!({ "stage": "live" }))).await, 404);
    hub_error(&with_header(&h, Method::GET, "/d360/_sandbox/partner", "X-API-Key", None, None).await, 401);
    let bad =
        ctl(&h, Method::POST, &format!("/channels/{}/hold", live.channel_id), Some(&json!({ "stage": "done" }))).await;
    hub_error(&bad, 400);
    let by_event = ctl(
        &h,
        Method::POST,
        &format!("/channels/{}/hold", live.channel_id),
        Some(&json!({ "stage": "channel_live" })),
    )
    .await;
    assert_eq!(by_event.json(), json!({ "hold": "live" }));
    hub_error(&ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "everything" }))).await, 400);
    hub_error(&ctl(&h, Method::POST, "/partner/signing_secret", Some(&json!({ "secret": "" }))).await, 400);
    let a = identity(&h).await;
    let b = identity(&Harness::with(d3_fast())).await;
    assert_eq!(a, b, "identities are derived from the partner key");
    assert_ne!(other("/partner".into(), None).await.json()["partner_id"], a["partner_id"]);
}
