//! The messaging webhooks: template failures, destination behaviours, the delivery options,
//! inbound messages and personas, retries and undeliverable events — each received by a real
//! loopback server.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use wadesk_sandbox::messaging::*;

use crate::messaging::*;
use crate::support::*;

pub fn body(c: &Captured) -> Value {
    serde_json::from_slice(&c.body).unwrap()
}

/// `(payload.type, payload.id)` of every event received.
pub fn events(got: &[Captured]) -> Vec<(String, String)> {
    got.iter()
        .map(body)
        .map(|b| (b["payload"]["type"].as_str().unwrap().to_owned(), b["payload"]["id"].as_str().unwrap().to_owned()))
        .collect()
}

/// The single event for `id`, which must be `failed`; returns `(code, reason)`.
pub fn failure(got: &[Captured], id: &str) -> (u64, String) {
    let mine: Vec<Value> = got.iter().map(body).filter(|b| b["payload"]["id"] == id).collect();
    assert_eq!(mine.len(), 1, "one event for {id}: {mine:?}");
    let p = &mine[0]["payload"];
    assert_eq!(p["type"], "failed", "{p}");
    assert_eq!(keys(&p["payload"]), ["code", "reason"]);
    (p["payload"]["code"].as_u64().unwrap(), p["payload"]["reason"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn template_sends_are_submitted_then_fail_by_webhook_with_their_reason() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let seed = format!("{{{{{TEMPLATE_SEED_HELLO}}}}}");
    let unknown = send_text(&h, &demo(), "421233221242", "{{00000000-0000-4000-8000-000000000000}}\nHello John").await;
    let unfilled = send_text(&h, &demo(), "421233221242", &format!("{seed}\nHello{{{{1}}}}")).await;
    let broken = send_text(&h, &demo(), "421233221242", &format!("{seed}\nHello John\nSmith")).await;
    let promo =
        format!("{{{{{TEMPLATE_PROMO}}}}}\nHi Ann, enjoy off your next order this week.\nReply STOP to unsubscribe.");
    let count = send_text(&h, &demo(), "421233221242", &promo).await;
    let other_text = send_text(&h, &demo(), "421233221242", &format!("{seed}\nGoodbye John")).await;
    let good = send_text(&h, &demo(), "421233221242", &format!("{seed}\nHello John Smith")).await;
    let got = rx.wait_for(8).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = rx.wait_for(got.len()).await;
    assert_eq!(failure(&got, &unknown), (132_001, "Template name does not exist in the translation".to_owned()));
    assert_eq!(
        failure(&got, &unfilled),
        (
            132_012,
            "Parameter format does not match format in the created template: placeholder {{1}} was left unfilled"
                .to_owned()
        )
    );
    assert_eq!(
        failure(&got, &broken),
        (
            132_012,
            "Parameter format does not match format in the created template: a variable value contains a line break"
                .to_owned()
        )
    );
    let count_reason = "Number of parameters does not match the expected number of params".to_owned();
    assert_eq!(failure(&got, &count), (132_000, count_reason.clone()));
    assert_eq!(failure(&got, &other_text), (132_000, count_reason));
    let good_events: Vec<_> = events(&got).into_iter().filter(|(_, id)| *id == good).map(|(t, _)| t).collect();
    assert_eq!(good_events, ["sent", "delivered", "read"]);
    assert_eq!(got.len(), 8, "five failures and one success");
    let sent = get(&h, "/_sandbox/messaging/sent", &demo()).await;
    assert_eq!(sent["messages"][0]["template_id"], "00000000-0000-4000-8000-000000000000");
}

#[tokio::test]
async fn demo_destinations_fail_stop_at_delivered_or_run_slow() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    for number in [DEMO_NOT_OPTED_IN, DEMO_NOT_ON_WHATSAPP, DEMO_NEVER_READ, DEMO_SLOW] {
        customer_writes(&h, &demo(), number).await;
    }
    register(&h, &demo(), &rx.url).await;
    let not_opted = send_text(&h, &demo(), DEMO_NOT_OPTED_IN, "Hi").await;
    let not_on_wa = send_text(&h, &demo(), DEMO_NOT_ON_WHATSAPP, "Hi").await;
    let never_read = send_text(&h, &demo(), DEMO_NEVER_READ, "Hi").await;
    let slow = send_text(&h, &demo(), DEMO_SLOW, "Hi").await;
    let got = rx.wait_for(4).await;
    let (code, reason) = failure(&got, &not_opted);
    assert_eq!((code, reason.as_str()), (1008, "User is not Opted in and Inactive"), "the seed's example");
    let failed = got.iter().map(body).find(|b| b["payload"]["id"] == not_opted.as_str()).unwrap();
    assert_eq!(failed["payload"]["destination"], DEMO_NOT_OPTED_IN);
    assert_eq!(failure(&got, &not_on_wa), (1002, "Number Does Not Exists On WhatsApp".to_owned()));
    let of = |got: &[Captured], id: &str| {
        events(got).into_iter().filter(|(_, i)| i == id).map(|(t, _)| t).collect::<Vec<_>>()
    };
    assert!(of(&got, &slow).is_empty(), "slow: its first event comes after 200 ms");
    // Slow's read (600 ms) comes long after never-read's read would have (60 ms).
    let got = rx.wait_for(7).await;
    assert_eq!(of(&got, &slow), ["sent", "delivered", "read"]);
    assert_eq!(of(&got, &never_read), ["sent", "delivered"]);
    assert_eq!(got.len(), 7);

    // Any number can be given a behaviour.
    let d = post(&h, "/_sandbox/messaging/destinations/421233221242", &demo(), &json!({ "behaviour": "not_opted_in" }))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    let id = send_text(&h, &demo(), "421233221242", "Hi").await;
    let got = rx.wait_for(8).await;
    assert_eq!(failure(&got, &id).0, 1008);
}

#[tokio::test]
async fn duplicates_deliver_every_event_twice_with_the_same_bytes() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    customer_writes(&h, &demo(), "421233221242").await;
    register(&h, &demo(), &rx.url).await;
    settings(&h, &demo(), json!({ "duplicates": true })).await;
    let id = send_text(&h, &demo(), "421233221242", "Hi").await;
    let got = rx.wait_for(6).await;
    let statuses: Vec<_> = events(&got)
        .into_iter()
        .map(|(t, i)| {
            assert_eq!(i, id);
            t
        })
        .collect();
    assert_eq!(statuses, ["sent", "sent", "delivered", "delivered", "read", "read"]);
    for pair in got.chunks(2) {
        assert_eq!(pair[0].body, pair[1].body);
    }
    assert_eq!(deliveries_settled(&h, &demo(), &id, 6).await.len(), 6);
}

#[tokio::test]
async fn reorder_delivers_a_message_events_out_of_order() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    customer_writes(&h, &demo(), "421233221242").await;
    register(&h, &demo(), &rx.url).await;
    settings(&h, &demo(), json!({ "reorder": true })).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let id = send_text(&h, &demo(), "421233221242", "Hi").await;
        let got = rx.wait_for(seen.len() + 3).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        let mine: Vec<String> = events(&got).into_iter().filter(|(_, i)| *i == id).map(|(t, _)| t).collect();
        let mut sorted = mine.clone();
        sorted.sort();
        assert_eq!(sorted, ["delivered", "read", "sent"], "the same three statuses");
        assert_ne!(mine, ["sent", "delivered", "read"]);
        seen.extend(mine);
    }
}

#[tokio::test]
async fn wamid_ids_put_the_message_id_in_gs_id_except_for_failures() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    customer_writes(&h, &demo(), "421233221242").await;
    register(&h, &demo(), &rx.url).await;
    settings(&h, &demo(), json!({ "wamid_ids": true })).await;
    let id = send_text(&h, &demo(), "421233221242", "Hi").await;
    let failed = send_text(&h, &demo(), DEMO_NOT_OPTED_IN, "Hi").await;
    let got = rx.wait_for(4).await;
    let bodies: Vec<Value> = got.iter().map(body).collect();
    let ok: Vec<&Value> = bodies.iter().filter(|b| b["payload"]["type"] != "failed").collect();
    assert_eq!(ok.len(), 3);
    let wamid = ok[0]["payload"]["id"].as_str().unwrap();
    assert!(wamid.starts_with("gBEGk") && wamid != id, "{wamid}");
    for b in &ok {
        assert_eq!(
            (b["payload"]["id"].as_str().unwrap(), b["payload"]["gsId"].as_str().unwrap()),
            (wamid, id.as_str())
        );
    }
    let f = bodies.iter().find(|b| b["payload"]["type"] == "failed").unwrap();
    assert_eq!(f["payload"]["id"], failed.as_str());
    assert!(f["payload"].get("gsId").is_none());
}

#[tokio::test]
async fn inbound_messages_have_the_seed_envelope_for_every_type() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let types: [(&str, &[&str]); 10] = [
        ("text", &["text"]),
        ("image", &["caption", "contentType", "url"]),
        ("file", &["contentType", "name", "url"]),
        ("audio", &["contentType", "url"]),
        ("video", &["caption", "contentType", "url"]),
        ("location", &["latitude", "longitude"]),
        ("contact", &["contacts"]),
        ("button_reply", &["id", "reply", "title"]),
        ("list_reply", &["description", "id", "postbackText", "title"]),
        ("sticker", &["contentType", "url"]),
    ];
    for (i, (kind, fields)) in types.iter().enumerate() {
        let reply = post(
            &h,
            "/_sandbox/messaging/inbound",
            &demo(),
            &json!({ "source": "421233221242", "type": kind, "name": "Ann" }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let got = rx.wait_for(i + 1).await;
        let b = body(&got[i]);
        assert_eq!(b, reply.json()["webhook"], "the answer shows what is delivered");
        assert_eq!(keys(&b), ["app", "payload", "timestamp", "type", "version"]);
        assert_eq!(
            (b["type"].clone(), b["version"].clone(), b["app"].clone()),
            (json!("message"), json!(2), json!(wadesk_sandbox::SANDBOX_APP_ID))
        );
        let p = &b["payload"];
        assert_eq!(keys(p), ["id", "payload", "sender", "source", "type"]);
        assert!(p["id"].as_str().unwrap().starts_with("ABEGk"), "{p}");
        assert_eq!((p["source"].clone(), p["type"].clone()), (json!("421233221242"), json!(kind)));
        assert_eq!(keys(&p["payload"]), *fields, "{kind}");
        assert_eq!(
            p["sender"],
            json!({ "phone": "421233221242", "name": "Ann", "country_code": "421", "dial_code": "233221242" })
        );
    }
    let text = post(
        &h,
        "/_sandbox/messaging/inbound",
        &demo(),
        &json!({ "source": "421233221242", "payload": { "text": "Hi" } }),
    )
    .await;
    assert_eq!(text.json()["webhook"]["payload"]["payload"], json!({ "text": "Hi" }), "the seed's example");
    for bad in [
        json!({}),
        json!({ "source": "+421" }),
        json!({ "source": "421233221242", "type": "Sticker!" }),
        json!({ "source": "421233221242", "type": "reaction" }),
        json!({ "source": "421233221242", "payload": { "text": "" } }),
        json!({ "source": "421233221242", "payload": { "colour": "red" } }),
    ] {
        post(&h, "/_sandbox/messaging/inbound", &demo(), &bad).await.assert_error(400);
    }
}

#[tokio::test]
async fn inbound_media_urls_point_at_sample_files_the_sandbox_serves() {
    let h = Harness::with(fast());
    for (kind, content_type, magic) in [
        ("image", "image/png", &b"\x89PNG"[..]),
        ("file", "application/pdf", b"%PDF"),
        ("audio", "audio/ogg", b"OggS"),
        ("sticker", "image/webp", b"RIFF"),
    ] {
        let reply =
            post(&h, "/_sandbox/messaging/inbound", &demo(), &json!({ "source": "421233221242", "type": kind })).await;
        let url = reply.json()["webhook"]["payload"]["payload"]["url"].as_str().unwrap().to_owned();
        let path = url.strip_prefix(PUBLIC).unwrap_or_else(|| panic!("on the sandbox's origin: {url}"));
        let file = h.call(axum::http::Method::GET, path, None, None).await;
        assert_eq!((file.status, file.header("content-type")), (StatusCode::OK, content_type));
        assert!(file.body.starts_with(magic), "{kind}");
    }
    let missing = h.call(axum::http::Method::GET, "/_sandbox/media/secret.txt", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn personas_answer_once_their_message_is_read() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    customer_writes(&h, &demo(), DEMO_THANKS).await;
    customer_writes(&h, &demo(), DEMO_STOP).await;
    register(&h, &demo(), &rx.url).await;
    for (number, answer) in [(DEMO_THANKS, "Thanks!"), (DEMO_STOP, "STOP")] {
        let before = rx.count();
        send_text(&h, &demo(), number, "Your order shipped").await;
        let got = rx.wait_for(before + 4).await;
        let kinds: Vec<String> = got[before..]
            .iter()
            .map(|c| {
                let b = body(c);
                format!("{}:{}", b["type"].as_str().unwrap(), b["payload"]["type"].as_str().unwrap())
            })
            .collect();
        assert_eq!(kinds, ["message-event:sent", "message-event:delivered", "message-event:read", "message:text"]);
        let reply = body(&got[before + 3]);
        assert_eq!(
            (reply["payload"]["source"].as_str().unwrap(), reply["payload"]["payload"]["text"].as_str().unwrap()),
            (number, answer)
        );
    }
}

#[tokio::test]
async fn events_without_a_webhook_stay_undelivered_in_the_log() {
    let h = Harness::with(fast());
    // About the log, not the service window.
    settings(&h, &demo(), json!({ "enforce_window": false })).await;
    let id = send_text(&h, &demo(), "421233221242", "Hi").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let log = get(&h, "/_sandbox/messaging/webhook", &demo()).await;
    assert_eq!(log["webhook"], Value::Null);
    let deliveries = log["deliveries"].as_array().unwrap();
    let summary: Vec<_> = deliveries
        .iter()
        .map(|d| {
            (
                d["event"].clone(),
                d["delivered"].clone(),
                d["attempts"].clone(),
                d["last_error"].clone(),
                d["message_id"].clone(),
            )
        })
        .collect();
    let row = |e: &str| (json!(e), json!(false), json!(0), json!("no webhook registered"), json!(id));
    assert_eq!(summary, [row("sent"), row("delivered"), row("read")]);
    assert_eq!(deliveries[0]["body"]["payload"]["type"], "sent");
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_webhook_backoff() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[500, 503]).await;
    register(&h, &demo(), &rx.url).await;
    // About retries, not the service window.
    settings(&h, &demo(), json!({ "delivered_delay_ms": 1000, "read_delay_ms": 1000, "enforce_window": false })).await;
    let id = send_text(&h, &demo(), "421233221242", "Hi").await;
    let got = rx.wait_for(3).await;
    assert!(got.iter().all(|c| c.body == got[0].body), "each attempt sends the same bytes");
    assert_eq!(events(&got)[0], ("sent".to_owned(), id));
    // The receiver records a request before it answers: wait for the sandbox to log the answer.
    let mut log = get(&h, "/_sandbox/messaging/webhook", &demo()).await;
    for _ in 0..200 {
        if log["deliveries"][0]["delivered"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        log = get(&h, "/_sandbox/messaging/webhook", &demo()).await;
    }
    let first = &log["deliveries"][0];
    assert_eq!(
        (
            first["attempts"].clone(),
            first["last_status"].clone(),
            first["delivered"].clone(),
            first["last_error"].clone()
        ),
        (json!(3), json!(200), json!(true), json!(""))
    );
    assert_eq!(log["webhook"]["webhook"], rx.url.as_str());
}

#[tokio::test]
async fn separate_webhooks_send_statuses_to_the_message_event_url() {
    let h = Harness::with(fast());
    let (main, statuses) = (Receiver::start(&[]).await, Receiver::start(&[]).await);
    customer_writes(&h, &demo(), DEMO_THANKS).await;
    let hook = json!({ "channel": "whatsapp", "destination": "421233221242", "webhook_separate": "true",
        "webhook": main.url, "webhook_message_event": statuses.url, "webhook_user_event": main.url });
    assert_eq!(post(&h, "/webhook", &demo(), &hook).await.status, StatusCode::OK);
    send_text(&h, &demo(), DEMO_THANKS, "Hi").await;
    assert_eq!(
        events(&statuses.wait_for(3).await).into_iter().map(|e| e.0).collect::<Vec<_>>(),
        ["sent", "delivered", "read"]
    );
    let inbound = main.wait_for(1).await;
    assert_eq!(body(&inbound[0])["type"], "message");
    assert_eq!(main.count(), 1);
}
