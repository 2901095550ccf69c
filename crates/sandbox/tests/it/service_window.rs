//! The 24-hour customer service window (PROVIDERS.md §6): free-form messages go through only
//! within 24 hours of the customer's last message, otherwise they are accepted and then fail with
//! one `failed` event (470); template sends are not affected; `enforce_window: false` turns the
//! rule off.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use wadesk_sandbox::messaging::*;

use crate::messaging::*;
use crate::messaging_events::{events, failure};
use crate::support::*;

const CUSTOMER: &str = "421233221242";

/// The statuses received for `id`, after waiting for `at_least` events in all and a little more.
async fn statuses(rx: &Receiver, at_least: usize, id: &str) -> Vec<String> {
    rx.wait_for(at_least).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let got = rx.wait_for(at_least).await;
    events(&got).into_iter().filter(|(_, i)| i == id).map(|(t, _)| t).collect()
}

#[tokio::test]
async fn free_text_inside_the_window_gets_the_normal_statuses() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    customer_writes(&h, &demo(), CUSTOMER).await;
    register(&h, &demo(), &rx.url).await;
    let id = send_text(&h, &demo(), CUSTOMER, "Sure, how can I help?").await;
    assert_eq!(statuses(&rx, 3, &id).await, ["sent", "delivered", "read"]);
}

#[tokio::test]
async fn free_form_without_any_inbound_is_submitted_then_fails_once_with_470() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let text = send_text(&h, &demo(), CUSTOMER, "Hi, we have news").await;
    let image = json!({ "channel": "whatsapp", "destination": CUSTOMER,
        "payload": { "type": "image", "originalUrl": "https://x.example/a.png" } });
    let reply = post(&h, "/whatsappmessage", &demo(), &image).await;
    assert_eq!(reply.status, StatusCode::OK, "the answer is synchronous and says submitted");
    assert_eq!(reply.json()["status"], "submitted");
    let image = reply.json()["messageId"].as_str().unwrap().to_owned();
    rx.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2, "one event per message");
    for id in [&text, &image] {
        assert_eq!(failure(&got, id), (u64::from(CODE_WINDOW_CLOSED), REASON_WINDOW_CLOSED.to_owned()));
    }
    assert_eq!(
        REASON_WINDOW_CLOSED,
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number"
    );
    assert_eq!(CODE_WINDOW_CLOSED, 470);
    let sent = get(&h, "/_sandbox/messaging/sent", &demo()).await;
    assert_eq!(sent["messages"].as_array().unwrap().len(), 2, "both were accepted");
}

#[tokio::test]
async fn an_inbound_written_25_hours_ago_leaves_the_window_closed_until_the_customer_writes_again() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    let written = chrono::Utc::now().timestamp_millis() - 25 * 3600 * 1000;
    let old =
        post(&h, "/_sandbox/messaging/inbound", &demo(), &json!({ "source": CUSTOMER, "timestamp": written })).await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text());
    deliveries_settled(&h, &demo(), old.json()["webhook"]["payload"]["id"].as_str().unwrap(), 1).await;
    register(&h, &demo(), &rx.url).await;
    let late = send_text(&h, &demo(), CUSTOMER, "Sorry for the late answer").await;
    assert_eq!(statuses(&rx, 1, &late).await, ["failed"]);
    assert_eq!(failure(&rx.wait_for(1).await, &late).0, 470);

    // 23 hours ago is inside; an older message sent afterwards does not close it again.
    let recent = chrono::Utc::now().timestamp_millis() - 23 * 3600 * 1000;
    for ts in [recent, written] {
        let r = post(&h, "/_sandbox/messaging/inbound", &demo(), &json!({ "source": CUSTOMER, "timestamp": ts })).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    rx.wait_for(3).await;
    let id = send_text(&h, &demo(), CUSTOMER, "Here is the answer").await;
    assert_eq!(statuses(&rx, 6, &id).await, ["sent", "delivered", "read"]);
}

#[tokio::test]
async fn a_template_send_outside_the_window_is_delivered_and_a_persona_reply_opens_it() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    let template = format!("{{{{{TEMPLATE_SEED_HELLO}}}}}\nHello John");
    let id = send_text(&h, &demo(), DEMO_THANKS, &template).await;
    // sent, delivered, read, then the persona's "Thanks!".
    assert_eq!(statuses(&rx, 4, &id).await, ["sent", "delivered", "read"]);
    let reply = send_text(&h, &demo(), DEMO_THANKS, "You are welcome!").await;
    assert_eq!(statuses(&rx, 7, &reply).await, ["sent", "delivered", "read"], "the reply opened the window");
}

#[tokio::test]
async fn enforce_window_false_lets_free_form_through() {
    let h = Harness::with(fast());
    let rx = Receiver::start(&[]).await;
    register(&h, &demo(), &rx.url).await;
    settings(&h, &demo(), json!({ "enforce_window": false })).await;
    assert_eq!(get(&h, "/_sandbox/messaging/settings", &demo()).await["enforce_window"], false);
    let id = send_text(&h, &demo(), CUSTOMER, "No one wrote to us").await;
    assert_eq!(statuses(&rx, 3, &id).await, ["sent", "delivered", "read"]);

    settings(&h, &demo(), json!({ "enforce_window": true })).await;
    let again = send_text(&h, &demo(), CUSTOMER, "Now the rule is back").await;
    assert_eq!(statuses(&rx, 4, &again).await, ["failed"]);
}
