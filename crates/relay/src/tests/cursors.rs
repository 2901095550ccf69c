//! Seqs, cursors and acks at their edges: cursors the relay never issued, values past `i64::MAX`,
//! acks above the head, and a store restored from a backup.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use wadesk_relay_protocol::{ChannelKeys, ClientFrame, ServerFrame};

use super::{call, connect, create_channel, next_frame, post, relay, serve, Relay};
use crate::{Config, EventStore};

async fn post_n(r: &Relay, hook: &str, n: usize) {
    for i in 0..n {
        let (status, body) = call(r, post(hook, format!("event {i}"))).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    }
}

/// The stream at `cursor` must be refused before the upgrade, in the relay's JSON error shape,
/// with a message naming the cursor and the head.
async fn assert_refused(addr: std::net::SocketAddr, key: &str, cursor: u64, head: u64) {
    match connect(addr, key, cursor).await {
        Err(tungstenite::Error::Http(res)) => {
            assert!(res.status().is_client_error(), "cursor {cursor}: {}", res.status());
            let body: serde_json::Value = serde_json::from_slice(res.body().as_deref().unwrap_or_default())
                .unwrap_or_else(|e| panic!("cursor {cursor}: the refusal is not JSON: {e}"));
            assert_eq!(body["status"], "error", "{body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains(&cursor.to_string()), "cursor {cursor} not named: {message}");
            assert!(message.contains(&format!("head {head}")), "head {head} not named: {message}");
        }
        Err(e) => panic!("cursor {cursor}: expected a 4xx answer, got {e}"),
        Ok(_) => panic!("cursor {cursor} was accepted though the head is {head}"),
    }
}

#[tokio::test]
async fn a_cursor_past_the_head_that_the_store_never_issued_is_refused_before_the_upgrade() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    post_n(&r, &ch.hook_path, 3).await;
    let addr = serve(&r).await;
    assert_refused(addr, &ch.client_key, 4, 3).await;
    assert_refused(addr, &ch.client_key, 1_000, 3).await;
    // At the head is fine: nothing to send, then CaughtUp with the real head.
    let mut ws = connect(addr, &ch.client_key, 3).await.unwrap();
    assert_eq!(next_frame(&mut ws).await, ServerFrame::CaughtUp { head: 3 });
}

#[tokio::test]
async fn cursors_of_2_pow_63_and_above_are_refused_not_taken_as_a_replay_from_the_start() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    post_n(&r, &ch.hook_path, 3).await;
    let addr = serve(&r).await;
    for cursor in [1u64 << 63, (1 << 63) + 1, u64::MAX] {
        assert_refused(addr, &ch.client_key, cursor, 3).await;
    }
    // A cursor that is not a u64 at all (negative, or 2^64) gets a 400 in the same JSON shape.
    for cursor in ["-1", "18446744073709551616", "x"] {
        let mut req = format!("ws://{addr}/v1/stream?cursor={cursor}").into_client_request().unwrap();
        req.headers_mut().insert("authorization", format!("Bearer {}", ch.client_key).parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Err(tungstenite::Error::Http(res)) => {
                assert_eq!(res.status(), StatusCode::BAD_REQUEST, "cursor {cursor}");
                let v: serde_json::Value = serde_json::from_slice(res.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(v["status"], "error", "{v}");
            }
            other => panic!("cursor {cursor}: expected a 400, got {:?}", other.map(|_| ())),
        }
    }
    // A plain GET (no upgrade) answers in the same shape too.
    let req = Request::get("/v1/stream?cursor=0")
        .header("authorization", format!("Bearer {}", ch.client_key))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&r, req).await;
    assert!(status.is_client_error(), "{status}");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], "error", "{v}");
}

#[tokio::test]
async fn acks_above_the_head_or_past_i64_max_count_as_acks_of_the_head() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    post_n(&r, &ch.hook_path, 3).await;
    let addr = serve(&r).await;
    let mut ws = connect(addr, &ch.client_key, 0).await.unwrap();
    for _ in 0..4 {
        next_frame(&mut ws).await;
    }
    ws.send(Message::Binary(ClientFrame::Ack { seq: u64::MAX }.encode().into())).await.unwrap();
    let store = r.state.store().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let s = store.stats(&ch.channel_id).await.unwrap();
        if s.acked == 3 {
            assert_eq!((s.head, s.backlog), (3, 0), "{s:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the ack of u64::MAX was not taken as an ack of 3: {s:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(store.purge_acked(crate::now_ms() + 1).await.unwrap(), 3);
}

/// A store with one channel created in it, in `dir`.
async fn store_with_channel(dir: &std::path::Path) -> (std::sync::Arc<crate::SqliteStore>, String) {
    let store = std::sync::Arc::new(crate::SqliteStore::open(dir).unwrap());
    let id = "ch_restore_test".to_owned();
    store
        .create_channel(crate::store::NewChannel {
            id: id.clone(),
            label: "restore".into(),
            public_key: ChannelKeys::generate().public_key(),
            hook_hash: crate::tokens::hash("wh_restore"),
            client_hash: crate::tokens::hash("wk_restore"),
        })
        .await
        .unwrap();
    (store, id)
}

#[tokio::test]
async fn a_store_restored_from_a_backup_issues_seqs_above_every_seq_it_issued_before() {
    let live = tempfile::tempdir().unwrap();
    let (store, id) = store_with_channel(live.path()).await;
    for i in 1..=3u64 {
        assert_eq!(store.append(&id, 1, vec![i as u8]).await.unwrap(), i, "a new channel counts from 1");
    }
    // The operator's backup, taken while the relay runs.
    let backup = tempfile::tempdir().unwrap();
    rusqlite::Connection::open(live.path().join("relay.db"))
        .unwrap()
        .execute("VACUUM INTO ?1", [backup.path().join("relay.db").to_str().unwrap()])
        .unwrap();
    // The relay restarts and goes on; the desktop commits and acks what it gets.
    drop(store);
    let store = std::sync::Arc::new(crate::SqliteStore::open(live.path()).unwrap());
    let after_backup = store.append(&id, 2, b"after the backup".to_vec()).await.unwrap();
    assert!(after_backup > 3);
    store.ack(&id, after_backup).await.unwrap();
    let desktop_cursor = after_backup;
    drop(store);

    // Restored: the store is back at head 3, acked 0. The desktop's cursor, above that head, is
    // accepted; nothing at or below it is re-sent, CaughtUp reports the real head, and the next
    // webhook gets a seq above the cursor and streams live.
    let restored = std::sync::Arc::new(crate::SqliteStore::open(backup.path()).unwrap());
    let r = Relay { state: crate::RelayState::new(restored.clone(), Config::default()).unwrap(), dir: backup };
    let mut ws = connect(serve(&r).await, "wk_restore", desktop_cursor).await.unwrap();
    assert_eq!(next_frame(&mut ws).await, ServerFrame::CaughtUp { head: 3 });
    let new = restored.append(&id, 3, b"after the restore".to_vec()).await.unwrap();
    assert!(new > desktop_cursor, "seq {new} after the restore is not above the desktop's cursor {desktop_cursor}");
    match next_frame(&mut ws).await {
        ServerFrame::Event(e) => assert_eq!((e.seq, e.sealed), (new, b"after the restore".to_vec())),
        other => panic!("expected the new event, got {other:?}"),
    }
    let resent = restored.events_after(&id, desktop_cursor, 100).await.unwrap();
    assert_eq!(resent, vec![(new, b"after the restore".to_vec())], "only the new event follows the cursor");
    // The backlog counts stored rows, not the distance between seqs.
    let stats = restored.stats(&id).await.unwrap();
    assert_eq!((stats.head, stats.acked, stats.backlog), (new, 0, 4), "{stats:?}");
    restored.ack(&id, new).await.unwrap();
    let stats = restored.stats(&id).await.unwrap();
    assert_eq!((stats.head, stats.acked, stats.backlog), (new, new, 0), "{stats:?}");
}
