//! `/metrics`: behind the admin token, in the OpenMetrics text format, counting what happened.

use super::*;

async fn scrape(r: &Relay, token: &str) -> (StatusCode, String) {
    let req = Request::get("/metrics").header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    let res = router(r.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let text = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    if status == StatusCode::OK {
        assert_eq!(content_type.as_deref(), Some("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    }
    (status, text)
}

/// The value of the sample line that starts with `name` (labels included), as text.
fn sample<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
}

#[tokio::test]
async fn metrics_count_webhooks_by_outcome_bytes_streams_and_backlog() {
    let r = relay(Config { body_limit: 2048, ..Config::default() });
    assert_eq!(scrape(&r, "wrong-token").await.0, StatusCode::UNAUTHORIZED);
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    for body in ["one", "two", "three"] {
        assert_eq!(call(&r, post(&ch.hook_path, body)).await.0, StatusCode::OK);
    }
    call(&r, post("/h/wh_unknown", "x")).await;
    call(&r, post(&ch.hook_path, vec![0u8; 4096])).await;
    r.state.store().ack(&ch.channel_id, 1).await.unwrap();
    let addr = serve(&r).await;
    let mut ws = connect(addr, &ch.client_key, 3).await.unwrap();
    assert!(matches!(next_frame(&mut ws).await, ServerFrame::CaughtUp { head: 3 }));

    let (status, text) = scrape(&r, ADMIN).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(sample(&text, r#"wadesk_relay_webhooks_total{outcome="accepted"}"#), Some("3"), "{text}");
    assert_eq!(sample(&text, r#"wadesk_relay_webhooks_total{outcome="unknown_hook"}"#), Some("1"), "{text}");
    assert_eq!(sample(&text, r#"wadesk_relay_webhooks_total{outcome="too_large"}"#), Some("1"), "{text}");
    assert_eq!(sample(&text, "wadesk_relay_webhook_bytes_total"), Some("11"), "{text}");
    assert_eq!(sample(&text, "wadesk_relay_commit_seconds_count"), Some("3"), "{text}");
    assert_eq!(sample(&text, "wadesk_relay_stream_clients"), Some("1"), "{text}");
    let channel = format!("{{channel=\"{}\"}}", ch.channel_id);
    assert_eq!(sample(&text, &format!("wadesk_relay_backlog_events{channel}")), Some("2"), "{text}");
    assert_eq!(sample(&text, &format!("wadesk_relay_stored_events{channel}")), Some("3"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    assert!(!text.contains(&ch.client_key) && !text.contains(ch.hook_path.trim_start_matches("/h/")));

    // A closed stream is no longer counted; a sweep is.
    ws.close(None).await.unwrap();
    drop(ws);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while sample(&scrape(&r, ADMIN).await.1, "wadesk_relay_stream_clients") != Some("0") {
        assert!(std::time::Instant::now() < deadline, "the closed stream is still counted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    r.state.metrics.swept(4);
    let (_, text) = scrape(&r, ADMIN).await;
    assert_eq!(sample(&text, "wadesk_relay_retention_sweeps_total"), Some("1"), "{text}");
    assert_eq!(sample(&text, "wadesk_relay_purged_events_total"), Some("4"), "{text}");
}
