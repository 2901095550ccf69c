//! The operator's routes: list, revoke, rotate the client key; and stream version 2's first frame.

use super::*;

fn admin(method: &str, path: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// Whether the relay ends `ws` within 5 s (frames before the end are skipped).
async fn stream_ends(ws: &mut Ws) -> bool {
    let end = async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), end).await.is_ok()
}

async fn json(r: &Relay, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let (status, body) = call(r, req).await;
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn the_admin_token_is_needed_for_every_admin_route() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let routes = [
        ("GET", "/v1/channels".to_owned()),
        ("DELETE", format!("/v1/channels/{}", ch.channel_id)),
        ("POST", format!("/v1/channels/{}/client-key", ch.channel_id)),
    ];
    for (method, path) in &routes {
        for token in ["", "admin-token-for-tests-0123456788", ch.client_key.as_str()] {
            let (status, v) = json(&r, admin(method, path, token)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} with {token:?}: {v}");
            assert_eq!(v["status"], "error");
        }
    }
    // Nothing changed: the channel is still there and its key still streams.
    let (status, v) = json(&r, admin("GET", "/v1/channels", ADMIN)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["channels"].as_array().unwrap().len(), 1);
    assert_eq!(v["channels"][0]["id"], ch.channel_id.as_str());
    let stats = Request::get("/v1/channel").header("authorization", format!("Bearer {}", ch.client_key));
    assert_eq!(call(&r, stats.body(Body::empty()).unwrap()).await.0, StatusCode::OK);

    let disabled = Relay { state: RelayState::new(r.state.store().clone(), Config::default()).unwrap(), dir: r.dir };
    assert_eq!(json(&disabled, admin("GET", "/v1/channels", ADMIN)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_list_shows_each_channel_with_its_counters() {
    let r = relay(Config::default());
    let a = create_channel(&r, &ChannelKeys::generate()).await;
    let b = create_channel(&r, &ChannelKeys::generate()).await;
    for _ in 0..3 {
        assert_eq!(call(&r, post(&a.hook_path, "{}")).await.0, StatusCode::OK);
    }
    r.state.store().ack(&a.channel_id, 2).await.unwrap();
    let (_, v) = json(&r, admin("GET", "/v1/channels", ADMIN)).await;
    let list = v["channels"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], a.channel_id.as_str(), "oldest first");
    assert_eq!(list[0]["label"], "test");
    assert_eq!((list[0]["head"].as_u64(), list[0]["acked"].as_u64()), (Some(3), Some(2)));
    assert_eq!((list[0]["backlog"].as_u64(), list[0]["stored"].as_u64()), (Some(1), Some(3)));
    assert_eq!(list[1]["id"], b.channel_id.as_str());
    assert_eq!(list[1]["stored"].as_u64(), Some(0));
    let text = v.to_string();
    for secret in [&a.client_key, &a.hook_path, &b.client_key] {
        assert!(!text.contains(secret.trim_start_matches("/h/")), "the list shows a credential");
    }
}

#[tokio::test]
async fn revoking_a_channel_stops_its_hook_and_key_ends_its_stream_and_deletes_its_events() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let other = create_channel(&r, &ChannelKeys::generate()).await;
    for _ in 0..5 {
        call(&r, post(&ch.hook_path, "{}")).await;
    }
    call(&r, post(&other.hook_path, "{}")).await;
    let addr = serve(&r).await;
    let mut ws = connect(addr, &ch.client_key, 0).await.unwrap();
    for _ in 0..6 {
        next_frame(&mut ws).await; // five events and CaughtUp
    }
    let (status, v) = json(&r, admin("DELETE", &format!("/v1/channels/{}", ch.channel_id), ADMIN)).await;
    assert_eq!((status, v["channel_id"].as_str()), (StatusCode::OK, Some(ch.channel_id.as_str())), "{v}");
    // The open stream ends.
    assert!(stream_ends(&mut ws).await, "the revoked channel's stream stayed open");
    assert_eq!(call(&r, post(&ch.hook_path, "{}")).await.0, StatusCode::NOT_FOUND);
    assert!(connect(addr, &ch.client_key, 0).await.is_err(), "the revoked key still streams");
    assert!(r.state.store().events_after(&ch.channel_id, 0, 10).await.unwrap().is_empty());
    // Again: 404, in the relay's error shape. The other channel is untouched.
    let (status, v) = json(&r, admin("DELETE", &format!("/v1/channels/{}", ch.channel_id), ADMIN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["message"].as_str().unwrap().contains(&ch.channel_id), "{v}");
    assert_eq!(r.state.store().stats(&other.channel_id).await.unwrap().head, 1);
    assert_eq!(call(&r, post(&other.hook_path, "{}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_rotated_client_key_replaces_the_old_one_and_the_hook_url_keeps_working() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    call(&r, post(&ch.hook_path, "{}")).await;
    let addr = serve(&r).await;
    let mut old_stream = connect(addr, &ch.client_key, 0).await.unwrap();
    next_frame(&mut old_stream).await;
    let (status, v) = json(&r, admin("POST", &format!("/v1/channels/{}/client-key", ch.channel_id), ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let new_key = v["client_key"].as_str().unwrap().to_owned();
    assert!(new_key.starts_with("wk_") && new_key != ch.client_key);
    assert!(stream_ends(&mut old_stream).await, "a stream with the old key stayed open");
    assert!(connect(addr, &ch.client_key, 0).await.is_err(), "the old key still streams");
    assert_eq!(call(&r, post(&ch.hook_path, "{}")).await.0, StatusCode::OK, "the hook URL changed");
    let mut ws = connect(addr, &new_key, 0).await.unwrap();
    assert!(matches!(next_frame(&mut ws).await, ServerFrame::Event(e) if e.seq == 1));
    let missing = admin("POST", "/v1/channels/ch_nope/client-key", ADMIN);
    assert_eq!(json(&r, missing).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_version_2_stream_opens_with_the_head_and_what_is_waiting() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    for _ in 0..7 {
        call(&r, post(&ch.hook_path, "{}")).await;
    }
    let addr = serve(&r).await;
    let mut req = format!("ws://{addr}/v1/stream?cursor=3&v=2").into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {}", ch.client_key).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(next_frame(&mut ws).await, ServerFrame::Head { head: 7, waiting: 4 });
    for seq in 4..=7 {
        assert!(matches!(next_frame(&mut ws).await, ServerFrame::Event(e) if e.seq == seq));
    }
    assert_eq!(next_frame(&mut ws).await, ServerFrame::CaughtUp { head: 7 });
    // A version 1 client gets no Head frame: its first frame is the first event.
    let mut v1 = connect(addr, &ch.client_key, 5).await.unwrap();
    assert!(matches!(next_frame(&mut v1).await, ServerFrame::Event(e) if e.seq == 6));
}

#[tokio::test]
async fn one_period_key_seals_a_channel_s_events_and_ended_periods_are_dropped() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    call(&r, post(&ch.hook_path, "first")).await;
    call(&r, post(&ch.hook_path, "second")).await;
    let stored = r.state.store().events_after(&ch.channel_id, 0, 10).await.unwrap();
    assert!(stored[0].1.starts_with(&wadesk_relay_protocol::MAGIC_V2), "stored as envelope version 2");
    assert_eq!(stored[0].1[4..36], stored[1].1[4..36], "one ephemeral key per period");
    assert_eq!(open(&keys, &stored[1].1).unwrap().body, b"second");
    assert_eq!(r.state.sealers.live(), 1);
    r.state.sealers.sweep();
    assert_eq!(r.state.sealers.live(), 1, "a live period was dropped");
    // Revoking forgets the channel's period key at once.
    call(&r, admin("DELETE", &format!("/v1/channels/{}", ch.channel_id), ADMIN)).await;
    assert_eq!(r.state.sealers.live(), 0);
}
