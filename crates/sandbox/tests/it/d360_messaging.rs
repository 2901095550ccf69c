//! 360dialog messaging conformance (PROVIDERS.md §4/§6): webhook registration with echoed
//! headers, templates, Meta-bodied sends and their errors, signed Meta-envelope statuses and
//! inbound messages, the 24-hour window, mark-read, forced failures.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::d360::{DEMO_NOT_ON_WHATSAPP, TEMPLATE_CUSTOMER_GREETING};
use wadesk_sandbox::D360Config;

use crate::d360_support::*;
use crate::messaging::keys;
use crate::sendzen_support::{envelopes, statuses_of};
use crate::support::*;

fn template(name: &str, lang: &str, components: Value) -> Value {
    json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+15551230000", "type": "template",
            "template": { "name": name, "language": { "code": lang }, "components": components } })
}

fn text(to: &str, body: &str) -> Value {
    json!({ "messaging_product": "whatsapp", "to": to, "type": "text", "text": { "body": body } })
}

/// Registers `url` with one echoed header; returns the answer.
async fn register(h: &Harness, live: &Live, url: &str) -> Reply {
    let body = json!({ "url": url, "headers": { "X-Relay-Secret": "s3cret" } });
    waba(h, Method::POST, "/v1/configs/webhook", Some(&live.api_key), Some(&body)).await
}

async fn send(h: &Harness, live: &Live, body: &Value) -> String {
    let reply = waba(h, Method::POST, "/messages", Some(&live.api_key), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["messages"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_webhook_is_registered_with_headers_that_are_never_shown() {
    let h = Harness::with(d3_fast());
    let live = live_channel(&h).await;
    let (code, _) = meta_error(&waba(&h, Method::GET, "/v1/configs/webhook", None, None).await, 401);
    assert_eq!(code, 190);
    let none = waba(&h, Method::GET, "/v1/configs/webhook", Some(&live.api_key), None).await;
    assert_eq!(none.json(), json!({ "url": null }));
    let ok = register(&h, &live, "https://hooks.example/wa").await;
    assert_eq!(ok.json(), json!({ "url": "https://hooks.example/wa" }));
    let shown = waba(&h, Method::GET, "/v1/configs/webhook", Some(&live.api_key), None).await.json();
    assert_eq!(shown, json!({ "url": "https://hooks.example/wa", "headers": { "X-Relay-Secret": "[redacted]" } }));
    for bad in [
        json!({ "url": "http://hooks.example/wa" }),
        json!({ "url": "https://my_host.example/wa" }),
        json!({ "url": "not a url" }),
        json!({}),
        json!({ "url": "https://hooks.example/wa", "headers": { "Bad Name": "x" } }),
        json!({ "url": "https://hooks.example/wa", "headers": { "X-A": 1 } }),
    ] {
        let (code, details) =
            meta_error(&waba(&h, Method::POST, "/v1/configs/webhook", Some(&live.api_key), Some(&bad)).await, 400);
        assert_eq!(code, 100, "{details}");
    }
    let loopback = register(&h, &live, "http://127.0.0.1:9/h").await;
    assert_eq!(loopback.status, StatusCode::OK);
    meta_error(&waba(&h, Method::GET, "/v1/nope", Some(&live.api_key), None).await, 404);
}

#[tokio::test]
async fn templates_are_listed_the_360dialog_way() {
    let h = Harness::with(d3_fast());
    let live = live_channel(&h).await;
    let all = waba(&h, Method::GET, "/v1/configs/templates", Some(&live.api_key), None).await.json();
    assert_eq!(keys(&all), ["count", "filters", "limit", "offset", "sort", "total", "waba_templates"]);
    assert_eq!((all["filters"].clone(), all["sort"].clone()), (json!({}), json!(["id"])));
    let list = all["waba_templates"].as_array().unwrap();
    assert_eq!((all["count"].as_u64(), all["total"].as_u64()), (Some(list.len() as u64), Some(list.len() as u64)));
    let statuses: Vec<&str> = list.iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"approved") && statuses.contains(&"pending") && statuses.contains(&"rejected"));
    for t in list {
        assert!(t["namespace"].as_str().is_some_and(|n| !n.is_empty()));
        let c = t["category"].as_str().unwrap();
        assert_eq!(c, c.to_ascii_uppercase());
        assert!(t["name"].is_string() && t["language"].is_string() && t["components"].is_array());
    }
    assert!(list.iter().any(|t| t["parameter_format"] == "NAMED"));
    assert!(list.iter().any(|t| t["components"][0]["format"] == "IMAGE"));
    let page = waba(&h, Method::GET, "/v1/configs/templates?limit=2&offset=1", Some(&live.api_key), None).await.json();
    assert_eq!((page["count"].as_u64(), page["limit"].as_u64(), page["offset"].as_u64()), (Some(2), Some(2), Some(1)));
    assert_eq!(page["waba_templates"][0], list[1]);
    meta_error(&waba(&h, Method::GET, "/v1/configs/templates?limit=x", Some(&live.api_key), None).await, 400);
}

#[tokio::test]
async fn a_template_send_gets_signed_statuses_with_the_echoed_headers() {
    let h = Harness::with(d3_fast());
    let rx = Receiver::start(&[]).await;
    let live = live_channel(&h).await;
    register(&h, &live, &rx.url).await;
    let set = ctl(
        &h,
        Method::POST,
        &format!("/channels/{}/signing_secret", live.channel_id),
        Some(&json!({ "secret": "chan-secret" })),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let reply =
        waba(&h, Method::POST, "/messages", Some(&live.api_key), Some(&template("hello_world", "en_US", json!([]))))
            .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(keys(&answer), ["contacts", "messages", "messaging_product"]);
    assert_eq!(answer["contacts"], json!([{ "input": "+15551230000", "wa_id": "15551230000" }]));
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("wamid."));
    let statuses = statuses_of(&rx, &id, 3).await;
    let names: Vec<&str> = statuses.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(names, ["sent", "delivered", "read"]);
    assert_eq!(statuses[0]["recipient_id"], "15551230000");
    let seen = rx.wait_for(3).await;
    for c in &seen {
        assert_eq!(c.header("x-relay-secret"), "s3cret");
        assert_eq!(c.header("x-360dialog-signature"), hex_hmac("chan-secret", &c.body));
    }
    let env = &envelopes(&seen)[0];
    assert_eq!(env["entry"][0]["id"], live.waba_id);
    let value = &env["entry"][0]["changes"][0]["value"];
    assert_eq!(
        (env["entry"][0]["changes"][0]["field"].as_str(), value["messaging_product"].as_str()),
        (Some("messages"), Some("whatsapp"))
    );
    assert_eq!(value["metadata"]["phone_number_id"], live.phone_number_id);
    assert_eq!(value["metadata"]["display_phone_number"], "15551234567");
}

#[tokio::test]
async fn free_form_needs_the_window_and_inbound_messages_open_it() {
    let h = Harness::with(d3_fast());
    let rx = Receiver::start(&[]).await;
    let live = live_channel(&h).await;
    register(&h, &live, &rx.url).await;
    let closed = send(&h, &live, &text("15551230001", "Hello")).await;
    let failed = statuses_of(&rx, &closed, 1).await;
    assert_eq!(failed[0]["status"], "failed");
    assert_eq!(failed[0]["errors"][0]["code"], 131_047);
    let gone_body = json!({ "messaging_product": "whatsapp", "to": DEMO_NOT_ON_WHATSAPP, "type": "template", "template": { "name": "hello_world", "language": { "code": "en_US" } } });
    let undeliverable = send(&h, &live, &gone_body).await;
    assert_eq!(statuses_of(&rx, &undeliverable, 1).await[0]["errors"][0]["code"], 131_026);
    let wrote = ctl(
        &h,
        Method::POST,
        "/inbound",
        Some(&json!({ "channel_id": live.channel_id, "from": "+15551230001", "text": "Hi there", "name": "Ann" })),
    )
    .await;
    assert_eq!(wrote.status, StatusCode::OK, "{}", wrote.text());
    let inbound_id = wrote.json()["message_id"].as_str().unwrap().to_owned();
    let mut message = Value::Null;
    for _ in 0..500 {
        let got = envelopes(&rx.wait_for(0).await);
        if let Some(v) = got.iter().find(|e| e["entry"][0]["changes"][0]["value"]["messages"].is_array()) {
            message = v["entry"][0]["changes"][0]["value"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(message["messages"][0]["id"], inbound_id.as_str());
    assert_eq!(message["messages"][0]["text"]["body"], "Hi there");
    assert_eq!(message["messages"][0]["from"], "15551230001");
    assert_eq!(message["contacts"][0], json!({ "profile": { "name": "Ann" }, "wa_id": "15551230001" }));
    let open = send(&h, &live, &text("15551230001", "Hello again")).await;
    assert_eq!(statuses_of(&rx, &open, 1).await[0]["status"], "sent");
    let read = json!({ "messaging_product": "whatsapp", "status": "read", "message_id": inbound_id });
    assert_eq!(
        waba(&h, Method::POST, "/messages", Some(&live.api_key), Some(&read)).await.json(),
        json!({ "success": true })
    );
    let unknown = json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.nope" });
    meta_error(&waba(&h, Method::POST, "/messages", Some(&live.api_key), Some(&unknown)).await, 400);
    let bad =
        ctl(&h, Method::POST, "/inbound", Some(&json!({ "channel_id": "CHnope", "from": "15551230001", "text": "x" })))
            .await;
    hub_error(&bad, 404);
}

#[tokio::test]
async fn sends_are_checked_with_metas_codes() {
    let h = Harness::with(d3_fast());
    let live = live_channel(&h).await;
    let post = |body: Value| {
        let (h, key) = (&h, live.api_key.clone());
        async move { waba(h, Method::POST, "/messages", Some(&key), Some(&body)).await }
    };
    let named = |with_names: bool| {
        let p = |n: &str, t: &str| {
            if with_names {
                json!({ "type": "text", "text": t, "parameter_name": n })
            } else {
                json!({ "type": "text", "text": t })
            }
        };
        json!([{ "type": "body", "parameters": [p("customer_name", "Ann"), p("shop_name", "Shop"), p("discount_code", "W10")] }])
    };
    for (body, code) in [
        (json!({ "to": "15551230000", "type": "text", "text": { "body": "x" } }), 100),
        (text("12", "x"), 100),
        (json!({ "messaging_product": "whatsapp", "to": "15551230000", "type": "audio" }), 100),
        (template("nope", "en_US", json!([])), 132_001),
        (template("hello_world", "fr_FR", json!([])), 132_001),
        (template("summer_sale", "en_US", json!([])), 132_001),
        (
            template(
                "order_update",
                "en_US",
                json!([{ "type": "body", "parameters": [{ "type": "text", "text": "a" }] }]),
            ),
            132_000,
        ),
        (template(TEMPLATE_CUSTOMER_GREETING, "en_US", named(false)), 132_012),
    ] {
        let (got, details) = meta_error(&post(body.clone()).await, 400);
        assert_eq!(got, code, "{body} → {details}");
    }
    let ok = post(template(TEMPLATE_CUSTOMER_GREETING, "en_US", named(true))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let sent = ctl(&h, Method::GET, &format!("/channels/{}", live.channel_id), None).await.json();
    assert_eq!(sent["sent"][0]["text"], "Hello Ann, welcome to Shop! Your discount code is W10.");
    let not_json = h
        .send(
            axum::http::Request::post(format!("{WABA}/messages"))
                .header("D360-API-KEY", &live.api_key)
                .body(axum::body::Body::from("{"))
                .unwrap(),
        )
        .await;
    meta_error(&not_json, 400);
    ctl(&h, Method::POST, "/fail_next", Some(&json!({ "count": 1, "endpoint": "messages" }))).await;
    let (code, _) = meta_error(&post(template("hello_world", "en_US", json!([]))).await, 500);
    assert_eq!(code, 1);
    assert_eq!(post(template("hello_world", "en_US", json!([]))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn messaging_signatures_can_be_turned_off() {
    let h = Harness::with(d3_with(D360Config {
        messaging_signature: false,
        partner_rate_per_second: 1000,
        ..D360Config::default()
    }));
    let rx = Receiver::start(&[]).await;
    let live = live_channel(&h).await;
    register(&h, &live, &rx.url).await;
    ctl(
        &h,
        Method::POST,
        &format!("/channels/{}/signing_secret", live.channel_id),
        Some(&json!({ "secret": "chan-secret" })),
    )
    .await;
    let id = send(&h, &live, &template("hello_world", "en_US", json!([]))).await;
    statuses_of(&rx, &id, 1).await;
    let seen = rx.wait_for(1).await;
    assert_eq!(seen[0].header("x-360dialog-signature"), "");
    assert_eq!(seen[0].header("x-relay-secret"), "s3cret");
}

#[tokio::test]
async fn a_messaging_rate_above_the_limit_answers_130429() {
    let mut config = d3_fast();
    config.d360.messaging.rate_per_second = 1;
    let h = Harness::with(config);
    let live = live_channel(&h).await;
    send(&h, &live, &template("hello_world", "en_US", json!([]))).await;
    let limited =
        waba(&h, Method::POST, "/messages", Some(&live.api_key), Some(&template("hello_world", "en_US", json!([]))))
            .await;
    let (code, _) = meta_error(&limited, 429);
    assert_eq!(code, 130_429);
    assert!(!limited.header("retry-after").is_empty());
}
