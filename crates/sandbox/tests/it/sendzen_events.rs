//! SendZen's webhooks in Meta's envelope (PROVIDERS.md §2, §6): the status sequence of a send, the
//! signature over the raw bytes, the 24-hour window (131047), demo numbers, inbound messages of
//! several types, and retries — each received by a real loopback server.

use std::time::Duration;

use axum::http::Method;
use serde_json::{json, Value};
use wadesk_sandbox::sendzen::*;

use crate::messaging::keys;
use crate::sendzen_support::*;
use crate::support::*;

/// The `value` of an envelope, after checking the envelope around it.
fn value_of(envelope: &Value, c: &Customer) -> Value {
    assert_eq!(keys(envelope), ["entry", "object"]);
    assert_eq!(envelope["object"], "whatsapp_business_account");
    let entry = &envelope["entry"][0];
    assert_eq!(entry["id"], c.waba_id.as_str());
    assert_eq!(entry["changes"][0]["field"], "messages");
    let value = entry["changes"][0]["value"].clone();
    assert_eq!(value["messaging_product"], "whatsapp");
    assert_eq!(
        value["metadata"],
        json!({ "display_phone_number": c.phone_number, "phone_number_id": c.phone_number_id })
    );
    value
}

#[tokio::test]
async fn a_send_in_the_window_reports_sent_delivered_read_in_metas_envelope() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    writes(&h, &c, &json!({ "from": "15551234567" })).await;
    let id = send(&h, &c, &text_to(&c, "+15551234567", "Thanks for writing")).await;
    let got = statuses_of(&rx, &id, 3).await;
    assert_eq!(got.iter().map(|s| s["status"].as_str().unwrap()).collect::<Vec<_>>(), ["sent", "delivered", "read"]);
    for s in &got {
        assert_eq!(keys(s), ["id", "recipient_id", "status", "timestamp"]);
        assert_eq!(s["recipient_id"], "15551234567", "without +, as Meta's wa_id");
        let ts: i64 = s["timestamp"].as_str().unwrap().parse().unwrap();
        assert!((ts - chrono::Utc::now().timestamp()).abs() < 60, "unix seconds as a string");
    }
    let all = rx.wait_for(0).await;
    let envelope =
        envelopes(&all).into_iter().find(|v| v["entry"][0]["changes"][0]["value"]["statuses"].is_array()).unwrap();
    let value = value_of(&envelope, &c);
    assert!(value.get("contacts").is_none());
    let raw = all.iter().find(|r| r.body.windows(9).any(|w| w == b"statuses\"")).unwrap();
    assert!(!raw.body.contains(&b'\n') && !raw.body.windows(2).any(|w| w == b": "), "minified");
}

#[tokio::test]
async fn webhooks_are_signed_over_the_raw_bytes_only_when_a_secret_is_set() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    let unsigned = writes(&h, &c, &json!({ "from": "15551234567" })).await;
    // Validation, completion, this inbound: delivered before the secret exists.
    rx.wait_for(3).await;
    let path = format!("/projects/{}/webhook-secret", c.project_id);
    control(&h, Method::POST, &path, Some(&json!({ "secret": "whsec-dashboard-42" }))).await;
    let signed = writes(
        &h,
        &c,
        &json!({ "from": "15551234567", "name": "Zoë Ağca", "text": { "body": "Grüße 👋 \"quoted\" </script>" } }),
    )
    .await;
    let got = rx.wait_for(4).await;
    let find = |id: &Value| {
        got.iter()
            .find(|r| serde_json::from_slice::<Value>(&r.body).unwrap().to_string().contains(id.as_str().unwrap()))
            .unwrap()
            .clone()
    };
    let first = find(&unsigned["message_id"]);
    assert_eq!(first.header(SIGNATURE_HEADER), "");
    let second = find(&signed["message_id"]);
    let header = second.header(SIGNATURE_HEADER);
    assert_eq!(header, hub_signature("whsec-dashboard-42", &second.body));
    assert!(
        header.len() == 71 && header[7..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{header}"
    );
    assert_ne!(header, hub_signature("another-secret", &second.body));
    assert!(std::str::from_utf8(&second.body).unwrap().contains("Grüße 👋"), "UTF-8 as is, not re-escaped");
    control(&h, Method::DELETE, &path, None).await;
    let later = writes(&h, &c, &json!({ "from": "15551234567" })).await;
    let got = rx.wait_for(5).await;
    let third = got
        .iter()
        .find(|r| std::str::from_utf8(&r.body).unwrap().contains(later["message_id"].as_str().unwrap()))
        .unwrap();
    assert_eq!(third.header(SIGNATURE_HEADER), "", "cleared secret, unsigned again");
}

#[tokio::test]
async fn free_text_outside_the_window_is_queued_then_fails_with_131047() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    let id = send(&h, &c, &text_to(&c, "15551234567", "Hello out of the blue")).await;
    let got = statuses_of(&rx, &id, 1).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(statuses_of(&rx, &id, 1).await.len(), 1, "one failed status, nothing else");
    let failed = &got[0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(keys(failed), ["errors", "id", "recipient_id", "status", "timestamp"]);
    let error = &failed["errors"][0];
    assert_eq!(error["code"], CODE_WINDOW_CLOSED);
    assert_eq!(keys(error), ["code", "error_data", "href", "message", "title"]);
    assert!(error["error_data"]["details"].as_str().unwrap().contains("24 hours"));

    let template = json!({ "from": c.phone_number, "to": "15551234567", "type": "template",
                           "template": { "name": TEMPLATE_HELLO_WORLD, "lang_code": "en_US" } });
    let id = send(&h, &c, &template).await;
    let got = statuses_of(&rx, &id, 3).await;
    assert_eq!(got[2]["status"], "read", "templates need no window");

    let day_ago = chrono::Utc::now().timestamp() - 25 * 3600;
    writes(&h, &c, &json!({ "from": "15559876543", "timestamp": day_ago })).await;
    let id = send(&h, &c, &text_to(&c, "15559876543", "Hi")).await;
    assert_eq!(
        statuses_of(&rx, &id, 1).await[0]["errors"][0]["code"],
        CODE_WINDOW_CLOSED,
        "a message 25 h old keeps it closed"
    );
    writes(&h, &c, &json!({ "from": "15559876543" })).await;
    let id = send(&h, &c, &text_to(&c, "+15559876543", "Hi again")).await;
    assert_eq!(statuses_of(&rx, &id, 3).await[2]["status"], "read", "a fresh message opens it");
}

#[tokio::test]
async fn demo_numbers_fail_with_metas_codes() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    let template = |to: &str| {
        json!({ "from": c.phone_number, "to": to, "type": "template",
                                      "template": { "name": TEMPLATE_HELLO_WORLD, "lang_code": "en_US" } })
    };
    let id = send(&h, &c, &template(DEMO_NOT_ON_WHATSAPP)).await;
    let got = statuses_of(&rx, &id, 1).await;
    assert_eq!(
        (got[0]["status"].as_str(), got[0]["errors"][0]["code"].as_u64()),
        (Some("failed"), Some(u64::from(CODE_UNDELIVERABLE)))
    );
    let id = send(&h, &c, &template(DEMO_NOT_OPTED_IN)).await;
    assert_eq!(statuses_of(&rx, &id, 1).await[0]["errors"][0]["code"], CODE_MARKETING_OPT_OUT);
    let id = send(&h, &c, &template(&format!("+{DEMO_THANKS}"))).await;
    statuses_of(&rx, &id, 3).await;
    for _ in 0..500 {
        let got = rx.wait_for(0).await;
        let reply = envelopes(&got)
            .into_iter()
            .find(|v| v["entry"][0]["changes"][0]["value"]["messages"][0]["from"] == DEMO_THANKS);
        if let Some(reply) = reply {
            assert_eq!(reply["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"], "Thanks!");
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the persona never wrote back");
}

#[tokio::test]
async fn inbound_messages_carry_contacts_and_metas_message_objects() {
    let h = Harness::with(sz_fast());
    let rx = Receiver::start(&[]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    let text = writes(&h, &c, &json!({ "from": "+15551234567", "name": "Maria", "text": { "body": "Hello" } })).await;
    let image =
        writes(&h, &c, &json!({ "from": "15551234567", "type": "image", "image": { "caption": "My receipt" } })).await;
    let template_id = send(
        &h,
        &c,
        &json!({ "from": c.phone_number, "to": "15551234567", "type": "template",
                                            "template": { "name": TEMPLATE_HELLO_WORLD, "lang_code": "en_US" } }),
    )
    .await;
    let tap = writes(&h, &c, &json!({ "from": "15551234567", "type": "button", "context_id": template_id })).await;
    let reply = writes(
        &h,
        &c,
        &json!({ "from": "15551234567", "type": "button_reply", "button_reply": { "id": "no", "title": "No" } }),
    )
    .await;
    let _ = rx.wait_for(5).await;
    let value = value_of(&text["webhook"], &c);
    assert_eq!(value["contacts"], json!([{ "profile": { "name": "Maria" }, "wa_id": "15551234567" }]));
    let m = &value["messages"][0];
    assert_eq!(keys(m), ["from", "id", "text", "timestamp", "type"]);
    assert_eq!(
        (m["type"].as_str(), m["text"]["body"].as_str(), m["id"].as_str()),
        (Some("text"), Some("Hello"), text["message_id"].as_str())
    );
    let img = &value_of(&image["webhook"], &c)["messages"][0]["image"];
    assert_eq!(keys(img), ["caption", "id", "mime_type", "sha256"]);
    assert_eq!(img["caption"], "My receipt");
    let button = &value_of(&tap["webhook"], &c)["messages"][0];
    assert_eq!(button["button"], json!({ "payload": "Yes", "text": "Yes" }));
    assert_eq!(button["context"], json!({ "from": c.phone_number, "id": template_id }));
    let interactive = &value_of(&reply["webhook"], &c)["messages"][0];
    assert_eq!(interactive["type"], "interactive");
    assert_eq!(
        interactive["interactive"],
        json!({ "type": "button_reply", "button_reply": { "id": "no", "title": "No" } })
    );
    let got = rx.wait_for(0).await;
    let delivered: Vec<Value> =
        envelopes(&got).into_iter().filter(|v| v["entry"][0]["changes"][0]["value"]["messages"].is_array()).collect();
    assert!(delivered.contains(&reply["webhook"]), "the answer shows the body delivered");
}

#[tokio::test]
async fn the_inbound_control_route_checks_its_input_and_needs_a_number() {
    let h = Harness::with(sz_fast());
    let c = customer(&h, "customer-12345", None).await;
    let bad = control(
        &h,
        Method::POST,
        &format!("/projects/{}/inbound", c.project_id),
        Some(&json!({ "from": "15551234567", "type": "video" })),
    )
    .await;
    partner_error(&bad, 400);
    let pending = onboard(&h, "not-yet", None).await["user_data"]["project_id"].as_str().unwrap().to_owned();
    partner_error(
        &control(&h, Method::POST, &format!("/projects/{pending}/inbound"), Some(&json!({ "from": "15551234567" })))
            .await,
        409,
    );
}

#[tokio::test]
async fn status_webhooks_are_retried_and_logged() {
    let h = Harness::with(sz_fast());
    // Validation and completion accepted, then the first status refused once.
    let rx = Receiver::start(&[200, 200, 500]).await;
    let c = customer(&h, "customer-12345", Some(&rx.url)).await;
    deliveries_until(&h, &c.project_id, |d| d.iter().any(|r| r["kind"] == "onboarding" && r["delivered"] == true))
        .await;
    let template = json!({ "from": c.phone_number, "to": "15551234567", "type": "template",
                           "template": { "name": TEMPLATE_HELLO_WORLD, "lang_code": "en_US" } });
    let id = send(&h, &c, &template).await;
    let got = statuses_of(&rx, &id, 4).await;
    let order: Vec<&str> = got.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(order, ["sent", "sent", "delivered", "read"], "a retry delays the later statuses of the message");
    let log = deliveries_until(&h, &c.project_id, |d| {
        d.iter().filter(|r| r["kind"] == "status" && r["delivered"] == true).count() == 3
    })
    .await;
    let kinds: Vec<&str> = log.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["validation", "onboarding", "status", "status", "status"]);
    let sent = &log[2];
    assert_eq!((sent["event"].as_str(), sent["reference"].as_str()), (Some("sent"), Some(id.as_str())));
    assert_eq!(
        (sent["attempts"].as_u64(), sent["delivered"].as_bool(), sent["last_status"].as_u64()),
        (Some(2), Some(true), Some(200))
    );
    assert_eq!(log[4]["attempts"], 1);
}
