//! The relay is bounded and says so over real HTTP: 413 above the body limit, a bare 404 for an
//! unknown hook token, 401 for a wrong client key or admin token (403 when channel creation is off),
//! 429 with Retry-After for a flooded channel. Refused webhooks are not stored.

use std::time::Instant;

use wadesk_relay_tests::http::{chunked, get_request, post_request, raw_request, Response};
use wadesk_relay_tests::{RelayOptions, RelayProcess, ADMIN_TOKEN};

/// Errors come in the seeds' shape.
fn assert_error_shape(res: &Response) {
    let v = res.json();
    assert_eq!(v["status"], "error", "{}", res.text());
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", res.text());
}

#[test]
fn bodies_over_the_limit_get_413_and_bodies_at_the_limit_are_stored() {
    let relay = RelayProcess::start(RelayOptions { body_limit: Some(2048), ..RelayOptions::default() });
    let channel = relay.create_channel();
    let hook = channel.hook_path();
    let over = relay.post(hook, &[b'o'; 2049]);
    assert_eq!(over.status, 413, "{}", over.text());
    // Chunked: the length is not known up front; the relay must still stop at the limit.
    let over_chunked = relay.request(&raw_request(
        "POST",
        hook,
        &[("Host", b"relay.test"), ("Transfer-Encoding", b"chunked")],
        &chunked(&[b'c'; 5000], &[1000, 1000, 1000]),
    ));
    assert_eq!(over_chunked.status, 413, "{}", over_chunked.text());
    let at = relay.post(hook, &[b'a'; 2048]);
    assert_eq!(at.status, 200, "{}", at.text());

    let (events, head) = relay.stream(channel.client_key(), 0).unwrap().backlog();
    assert_eq!((events.len(), head), (1, 1), "only the webhook within the limit is stored");
    assert_eq!(channel.open(&events[0].sealed).body, vec![b'a'; 2048]);
}

/// The 413 is the relay's own, in its error shape, not axum's plain-text "length limit exceeded".
#[test]
fn a_413_says_so_in_the_relays_error_shape() {
    let relay = RelayProcess::start(RelayOptions { body_limit: Some(2048), ..RelayOptions::default() });
    let channel = relay.create_channel();
    let over = relay.post(channel.hook_path(), &[b'o'; 2049]);
    assert_eq!(over.status, 413, "{}", over.text());
    assert_error_shape(&over);
}

#[test]
fn unknown_hook_tokens_get_a_bare_404_and_nothing_is_stored() {
    let relay = RelayProcess::start(RelayOptions::default());
    let channel = relay.create_channel();
    let almost = format!("{}x", channel.hook_path());
    for target in ["/h/wh_not-a-real-token", "/h/wh_not-a-real-token/ca/status?x=1", almost.as_str()] {
        let res = relay.post(target, br#"{"event":"whatsapp.registration.completed"}"#);
        assert_eq!(res.status, 404, "{target}: {}", res.text());
        assert!(res.body.is_empty(), "{target}: a 404 must not say anything: {}", res.text());
    }
    assert_eq!(relay.stats(channel.client_key()).head, 0);
}

#[test]
fn a_wrong_client_key_or_admin_token_gets_401_and_creation_without_an_admin_token_is_403() {
    let relay = RelayProcess::start(RelayOptions::default());
    let channel = relay.create_channel();
    for key in ["wk_wrong", "", channel.hook_path()] {
        match relay.stream(key, 0) {
            Err(tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401, "stream with key {key:?}"),
            Err(e) => panic!("stream with key {key:?}: expected 401, got {e}"),
            Ok(_) => panic!("stream with key {key:?} was accepted"),
        }
        let auth = format!("Bearer {key}");
        let stats = relay.request(&get_request("/v1/channel", &[("Authorization", auth.as_bytes())]));
        assert_eq!(stats.status, 401, "stats with key {key:?}: {}", stats.text());
        assert_error_shape(&stats);
    }
    assert!(relay.stream(channel.client_key(), 0).is_ok(), "the right client key streams");

    let body = serde_json::json!({ "public_key": channel.keys.public_key_b64() }).to_string();
    let wrong_admin = format!("Bearer {ADMIN_TOKEN}x");
    let client_as_admin = format!("Bearer {}", channel.client_key());
    for auth in [None, Some(wrong_admin.as_str()), Some(client_as_admin.as_str())] {
        let mut headers: Vec<(&str, &[u8])> = vec![("Content-Type", b"application/json")];
        if let Some(a) = auth {
            headers.push(("Authorization", a.as_bytes()));
        }
        let res = relay.request(&post_request("/v1/channels", &headers, body.as_bytes()));
        assert_eq!(res.status, 401, "channel creation with {auth:?}: {}", res.text());
        assert_error_shape(&res);
    }

    let closed = RelayProcess::start(RelayOptions { admin_token: None, ..RelayOptions::default() });
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let res = closed.request(&post_request(
        "/v1/channels",
        &[("Content-Type", b"application/json"), ("Authorization", auth.as_bytes())],
        body.as_bytes(),
    ));
    assert_eq!(res.status, 403, "{}", res.text());
    assert_error_shape(&res);
}

#[test]
fn a_flooded_channel_gets_429_with_retry_after_and_other_channels_do_not() {
    let relay = RelayProcess::start(RelayOptions { rate_per_sec: 1, burst: 5, ..RelayOptions::default() });
    let flooded = relay.create_channel();
    let other = relay.create_channel();
    let mut conn = relay.connect();
    let started = Instant::now();
    let answers: Vec<Response> = (0..12)
        .map(|i| conn.request(&post_request(flooded.hook_path(), &[], format!("flood {i}").as_bytes())).unwrap())
        .collect();
    let elapsed = started.elapsed();
    let ok = answers.iter().filter(|r| r.status == 200).count();
    assert!(answers[..5].iter().all(|r| r.status == 200), "the burst of 5 is accepted");
    // Beyond the burst, one more per second that passed while posting.
    assert!(ok <= 5 + elapsed.as_secs() as usize + 1, "{ok} accepted in {elapsed:?} at 1/s with a burst of 5");
    let limited: Vec<&Response> = answers.iter().filter(|r| r.status != 200).collect();
    assert!(!limited.is_empty(), "no 429 after 12 posts in {elapsed:?}");
    for res in limited {
        assert_eq!(res.status, 429, "{}", res.text());
        assert_eq!(res.header("retry-after"), Some("1"));
        assert_error_shape(res);
    }
    assert_eq!(relay.post(other.hook_path(), b"not flooded").status, 200, "the limit is per channel");
    assert_eq!(relay.stats(flooded.client_key()).head, ok as u64, "refused webhooks are not stored");
}
