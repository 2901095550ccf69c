//! What a conversations inbox needs from simulated customers beyond the seed's text: a type the
//! product may not know, a message written long ago, and a provider delivering the same message
//! again — each received by a real loopback server.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::messaging::*;
use crate::messaging_events::body;
use crate::support::*;

async fn inbound(h: &Harness, req: Value) -> Reply {
    post(h, "/_sandbox/messaging/inbound", &demo(), &req).await
}

#[tokio::test]
async fn an_unknown_inbound_type_is_delivered_exactly_as_given() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let payload = json!({ "emoji": "👍", "msgId": "ABEGk0", "extra": { "n": 1, "list": [true, null] } });
    let reply = inbound(&h, json!({ "source": "421233221242", "type": "reaction", "payload": payload })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let got = body(&rx.wait_for(1).await[0]);
    assert_eq!(got, reply.json()["webhook"]);
    assert_eq!((got["payload"]["type"].clone(), got["payload"]["payload"].clone()), (json!("reaction"), payload));
    assert_eq!(got["payload"]["sender"]["phone"], "421233221242", "the envelope is the usual one");

    let missing = inbound(&h, json!({ "source": "421233221242", "type": "reaction" })).await.assert_error(400);
    assert!(missing.starts_with("Missing payload: type reaction is not one the sandbox knows"), "{missing}");
    assert!(missing.contains("list_reply, sticker"), "names the known types: {missing}");
    let bad = inbound(&h, json!({ "source": "421233221242", "type": "Re action", "payload": {} })).await;
    assert!(bad.assert_error(400).starts_with("Invalid type"));
    let known = json!({ "source": "421233221242", "type": "sticker", "payload": { "emoji": "👍" } });
    let message = inbound(&h, known).await.assert_error(400);
    assert!(message.starts_with("Invalid payload.emoji"), "known types keep their override checks: {message}");
}

#[tokio::test]
async fn a_back_dated_inbound_carries_its_timestamp_and_out_of_range_ones_are_refused() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let written = chrono::Utc::now().timestamp_millis() - 25 * 3600 * 1000;
    let reply = inbound(&h, json!({ "source": "421233221242", "timestamp": written })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["webhook"]["timestamp"], written);
    assert_eq!(body(&rx.wait_for(1).await[0])["timestamp"], written, "the envelope's time is the customer's");

    let now = chrono::Utc::now().timestamp_millis();
    for bad in [json!(946_684_799_999_i64), json!(now + 2 * 24 * 3600 * 1000), json!("yesterday"), json!(-1)] {
        let message = inbound(&h, json!({ "source": "421233221242", "timestamp": bad })).await.assert_error(400);
        assert!(message.starts_with("Invalid timestamp: "), "{bad}: {message}");
    }
    let earliest = inbound(&h, json!({ "source": "421233221242", "timestamp": 946_684_800_000_i64 })).await;
    assert_eq!(earliest.status, StatusCode::OK, "2000-01-01 is accepted");
}

#[tokio::test]
async fn copies_deliver_the_very_same_body_several_times() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let reply = inbound(&h, json!({ "source": "421233221242", "type": "list_reply", "copies": 3 })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["status"], "submitted");
    let id = answer["webhook"]["payload"]["id"].as_str().unwrap().to_owned();
    let got = rx.wait_for(3).await;
    assert!(got.iter().all(|c| c.body == got[0].body), "the same bytes each time");
    assert_eq!(body(&got[0]), answer["webhook"]);
    assert_eq!(body(&got[0])["payload"]["id"], id.as_str());
    let log = deliveries_settled(&h, &demo(), &id, 3).await;
    assert!(log.iter().all(|d| d["event"] == "message" && d["delivered"] == true), "{log:?}");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(rx.count(), 3, "exactly three");

    for bad in [json!(0), json!(6), json!("3"), json!(1.5)] {
        let message = inbound(&h, json!({ "source": "421233221242", "copies": bad })).await.assert_error(400);
        assert!(message.starts_with("Invalid copies: "), "{bad}: {message}");
    }
}
