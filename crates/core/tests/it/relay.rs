//! The desktop end of the relay tunnel against the embedded relay: set-up, streaming, exactly-once
//! application, provider-retry deduplication, restart, self-test.

use std::sync::Arc;
use std::time::Duration;

use wadesk_core::relay_client::{ConnectionState, RelayMode, RelayService};
use wadesk_core::{Install, KeyChoice, Secret, Store};
use wadesk_relay_protocol::{seal, CapturedRequest, StoredEvent};

fn store(dir: &std::path::Path) -> Arc<Store> {
    Arc::new(Install::at(dir.join("data")).create(KeyChoice::Passphrase(Secret::new("relay test pass"))).unwrap())
}

async fn post(hook: &str, event_id: Option<&str>, body: &str) -> reqwest::StatusCode {
    let mut req = reqwest::Client::new().post(hook).body(body.to_owned());
    if let Some(id) = event_id {
        req = req.header("X-CA-Event-Id", id);
    }
    req.send().await.unwrap().status()
}

/// Sets up the install's embedded relay and channel, stops streaming, and returns the channel.
async fn channel_then_stop(store: &Arc<Store>, relay_dir: &std::path::Path) -> wadesk_core::relay_client::RelayChannel {
    let service = RelayService::start(store.clone(), relay_dir).await.unwrap();
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    drop(service);
    store.relay_channel().unwrap().unwrap()
}

async fn wait_for(store: &Arc<Store>, applied: u64, duplicates: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let counts = store.webhook_counts().unwrap();
        if counts.0 == applied && counts.1 == duplicates {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "expected ({applied}, {duplicates}) got {counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_reach_the_store_once_even_when_the_provider_retries_and_the_app_restarts() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let relay_dir = t.path().join("data/relay");
    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(service.wait_caught_up(Duration::from_secs(10)).await, "never connected: {:?}", service.status());
    let status = service.status();
    assert_eq!((status.mode, status.state), (RelayMode::Embedded, ConnectionState::Connected));
    assert!(status.hook_url_masked.starts_with("••••"));
    let channel = store.relay_channel().unwrap().unwrap();
    let hook = channel.hook_url.expose().to_owned();
    let port = channel.port.unwrap();

    // Self-test round trip.
    let st = service.self_test(Duration::from_secs(10)).await.unwrap();
    assert!(st.relay_received_at > 0);

    // Ten provider events, two of them retried by the provider: stored once each.
    for i in 0..10 {
        assert!(post(&hook, Some(&format!("evt_reg{i}_1")), &format!("{{\"n\":{i}}}")).await.is_success());
    }
    assert!(post(&hook, Some("evt_reg3_1"), "{\"n\":3}").await.is_success());
    assert!(post(&hook, Some("evt_reg7_1"), "{\"n\":7}").await.is_success());
    wait_for(&store, 11, 2).await;
    let cursor = store.relay_cursor().unwrap();
    assert_eq!(cursor, 13);

    // The app quits while events keep arriving at the relay… (they wait, sealed, in its store)
    drop(service);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // …and starts again on the same port, so the hook URL it gave providers still works.
    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert_eq!(store.relay_channel().unwrap().unwrap().port, Some(port));
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    for i in 10..15 {
        assert!(post(&hook, None, &format!("{{\"n\":{i}}}")).await.is_success());
    }
    wait_for(&store, 16, 2).await;
    // A restarted relay store continues above its head, at its seq floor (it may be a restored
    // backup; see wadesk_relay::store), so the cursor moved past 13 but not to 18.
    assert!(store.relay_cursor().unwrap() > cursor);
}

#[tokio::test]
async fn a_redelivered_event_is_skipped_and_an_unreadable_one_is_rejected_without_stalling() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    // Streaming stops, so this test feeds events by hand.
    let channel = channel_then_stop(&store, &t.path().join("data/relay")).await;
    let req = CapturedRequest {
        method: "POST".into(),
        path_and_query: "/".into(),
        headers: vec![],
        body: b"{}".to_vec(),
        received_at_ms: 1,
    };
    let event = StoredEvent { seq: 1, sealed: seal(&channel.keys.public_key(), &req).unwrap() };
    assert!(store.apply_relay_event(&channel.keys, &event).unwrap().is_some());
    // The crash-after-commit-before-ack case: the relay sends seq 1 again.
    assert!(store.apply_relay_event(&channel.keys, &event).unwrap().is_none());
    assert_eq!(store.webhook_counts().unwrap(), (1, 0, 0));
    // Garbage under seq 2 is recorded as rejected and the cursor moves past it.
    let junk = StoredEvent { seq: 2, sealed: vec![7; 80] };
    assert!(matches!(
        store.apply_relay_event(&channel.keys, &junk).unwrap(),
        Some(wadesk_core::webhooks::Outcome::Rejected(_))
    ));
    assert_eq!(store.relay_cursor().unwrap(), 2);
    assert_eq!(store.webhook_counts().unwrap(), (1, 0, 1));
    // A seq no relay issues (2^63 and above) is an error, not wrapped below the cursor and skipped.
    let beyond = StoredEvent { seq: 1 << 63, sealed: event.sealed.clone() };
    let e = store.apply_relay_event(&channel.keys, &beyond).unwrap_err();
    assert_eq!(e.code(), wadesk_core::ErrorCode::RelayUnavailable, "{e}");
    assert_eq!((store.relay_cursor().unwrap(), store.webhook_counts().unwrap()), (2, (1, 0, 1)));
}

/// A cursor the relay never issued (past its head, and not explained by a restore) is refused by
/// the relay before the stream opens; the desktop must say so instead of showing "connected".
#[tokio::test]
async fn a_cursor_the_relay_refuses_is_shown_as_the_connection_error() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let relay_dir = t.path().join("data/relay");
    let channel = channel_then_stop(&store, &relay_dir).await;
    // Junk under a seq far past anything the relay issued moves the desktop's cursor there.
    let bogus = i64::MAX as u64;
    store.apply_relay_event(&channel.keys, &StoredEvent { seq: bogus, sealed: vec![7; 80] }).unwrap();
    assert_eq!(store.relay_cursor().unwrap(), bogus);

    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let error = loop {
        let status = service.status();
        if let Some(e) = status.last_error {
            break e;
        }
        assert!(std::time::Instant::now() < deadline, "no connection error after 10 s: {status:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(error.contains("refused") && error.contains(&bogus.to_string()), "{error}");
    assert_ne!(service.status().state, ConnectionState::Connected);
}
