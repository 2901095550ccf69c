//! In-process tests of the relay's HTTP surface: routers driven with `oneshot`, and a real loopback
//! listener ([`serve`]) for the WebSocket stream, connection limits and raw HTTP/1.1.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tower::ServiceExt;
use wadesk_relay_protocol::{open, ChannelKeys, ClientFrame, CreatedChannel, ServerFrame};

use super::*;

mod admin;
mod auth;
mod connections;
mod embed;
mod errors;
mod metrics;
mod paths;
mod pg_instances;
mod store_contract;

const ADMIN: &str = "admin-token-for-tests-0123456789";

struct Relay {
    state: Arc<RelayState<SqliteStore>>,
    dir: tempfile::TempDir,
}

fn relay(config: Config) -> Relay {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    Relay { state: RelayState::new(store, Config { admin_token: Some(ADMIN.into()), ..config }).unwrap(), dir }
}

async fn call(r: &Relay, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let res = router(r.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    (status, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

async fn create_channel(r: &Relay, keys: &ChannelKeys) -> CreatedChannel {
    let body = serde_json::json!({ "public_key": keys.public_key_b64(), "label": "test" }).to_string();
    let req = Request::post("/v1/channels")
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let (status, body) = call(r, req).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path).body(body.into()).unwrap()
}

#[tokio::test]
async fn only_an_embedded_relay_answers_identity_challenges() {
    use wadesk_loopback_identity::{Challenge, IdentityKey, Responder, Service};
    let challenge = Challenge::new();
    let standalone = relay(Config::default());
    let (status, _) = call(&standalone, Request::get(challenge.path_and_query()).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let key = IdentityKey::random();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let embedded = Relay {
        state: RelayState::embedded(store, Config::default(), Responder::new(key.clone(), Service::Relay, 8787))
            .unwrap(),
        dir,
    };
    let (status, body) = call(&embedded, Request::get(challenge.path_and_query()).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(challenge.verify(&key, Service::Relay, 8787, v["proof"].as_str().unwrap()));
    let (status, body) = call(&embedded, Request::get("/_wadesk/identity?nonce=00").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["status"], "error");
}

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let r = relay(Config::default());
    let (status, body) = call(&r, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((v["status"].as_str(), v["version"].as_str()), (Some("ok"), Some(env!("CARGO_PKG_VERSION"))));
}

#[tokio::test]
async fn channel_creation_needs_the_admin_token_and_a_valid_key() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let body = serde_json::json!({ "public_key": keys.public_key_b64() }).to_string();
    let no_auth = Request::post("/v1/channels")
        .header("content-type", "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(call(&r, no_auth).await.0, StatusCode::UNAUTHORIZED);
    let wrong = Request::post("/v1/channels")
        .header("authorization", "Bearer admin-token-for-tests-0123456788")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(call(&r, wrong).await.0, StatusCode::UNAUTHORIZED);
    let bad_key = Request::post("/v1/channels")
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"public_key":"AAAA"}"#))
        .unwrap();
    let (status, body) = call(&r, bad_key).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], "error");
    assert!(v["message"].as_str().unwrap().contains("32 bytes"));

    let disabled = relay(Config::default());
    let disabled =
        Relay { state: RelayState::new(disabled.state.store().clone(), Config::default()).unwrap(), dir: disabled.dir };
    let req = Request::post("/v1/channels")
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("content-type", "application/json")
        .body(Body::from(serde_json::json!({ "public_key": keys.public_key_b64() }).to_string()))
        .unwrap();
    assert_eq!(call(&disabled, req).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn channels_with_low_order_public_keys_are_refused_with_400() {
    let r = relay(Config::default());
    // 0, 1, a point of order 8, p-1 (the full list is tested in wadesk-relay-protocol).
    for b64 in [
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",
        "7P///////////////////////////////////////38=",
    ] {
        let req = Request::post("/v1/channels")
            .header("authorization", format!("Bearer {ADMIN}"))
            .header("content-type", "application/json")
            .body(Body::from(serde_json::json!({ "public_key": b64 }).to_string()))
            .unwrap();
        let (status, body) = call(&r, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b64}: {}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["status"], "error", "{v}");
        assert!(v["message"].as_str().unwrap_or_default().contains("low-order"), "{v}");
    }
}

#[tokio::test]
async fn unknown_hook_is_a_bare_404_and_over_limit_bodies_are_413() {
    let r = relay(Config { body_limit: 2048, ..Config::default() });
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let (status, body) = call(&r, post("/h/wh_not-a-real-token", "x")).await;
    assert_eq!((status, body.len()), (StatusCode::NOT_FOUND, 0));
    assert_eq!(call(&r, post(&ch.hook_path, vec![0u8; 2049])).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(call(&r, post(&ch.hook_path, vec![0u8; 2048])).await.0, StatusCode::OK);
    assert_eq!(
        call(&r, Request::get(&ch.hook_path).body(Body::empty()).unwrap()).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn a_flooded_channel_gets_429_and_other_channels_do_not() {
    let r = relay(Config { rate_per_sec: 1, burst: 5, ..Config::default() });
    let flooded = create_channel(&r, &ChannelKeys::generate()).await;
    let other = create_channel(&r, &ChannelKeys::generate()).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(call(&r, post(&flooded.hook_path, "{}")).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 5);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 3);
    assert_eq!(call(&r, post(&other.hook_path, "{}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn stored_events_are_sealed_byte_exact_and_the_disk_holds_no_plaintext() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    let mut body: Vec<u8> = (0..=255u8).rev().collect();
    body.extend_from_slice(b"{\"app_secret\":\"PLAINTEXT-MARKER-42\"}");
    let req = Request::post(format!("{}/ca/status?x=1&x=%20two", ch.hook_path))
        .header("X-CA-Signature", "sha256=abc")
        .header("x-multi", "first")
        .header("x-multi", "second")
        .header("content-type", "application/octet-stream")
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, answer) = call(&r, req).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    let stored = r.state.store().events_after(&ch.channel_id, 0, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    let captured = open(&keys, &stored[0].1).unwrap();
    assert_eq!(captured.body, body);
    assert_eq!(captured.method, "POST");
    assert_eq!(captured.path_and_query, "/ca/status?x=1&x=%20two");
    assert_eq!(captured.header_str("x-ca-signature"), Some("sha256=abc"));
    assert_eq!(captured.header_values("x-multi").collect::<Vec<_>>(), [&b"first"[..], &b"second"[..]]);
    assert!(captured.received_at_ms > 0);
    drop(r.state);
    let mut read = 0;
    for entry in std::fs::read_dir(r.dir.path()).unwrap() {
        // The store's writer thread may still be closing and removing its -wal/-shm files.
        let Ok(bytes) = std::fs::read(entry.unwrap().path()) else { continue };
        read += bytes.len();
        assert!(!bytes.windows(18).any(|w| w == b"PLAINTEXT-MARKER-4"), "plaintext on the relay's disk");
    }
    assert!(read > 0, "the relay's data dir was empty");
}

async fn serve(r: &Relay) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = r.state.clone();
    tokio::spawn(async move { super::serve(listener, state, std::future::pending()).await.unwrap() });
    addr
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(
    addr: std::net::SocketAddr,
    key: &str,
    cursor: u64,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut req = format!("ws://{addr}/v1/stream?cursor={cursor}").into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {key}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

async fn next_frame(ws: &mut Ws) -> ServerFrame {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.unwrap().unwrap().unwrap();
        if let Message::Binary(b) = msg {
            return ServerFrame::decode(&b).unwrap();
        }
    }
}

#[tokio::test]
async fn stream_sends_the_backlog_in_order_then_live_events_and_records_acks() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    // Posted concurrently, as providers do; group commit gives them consecutive seqs.
    let posts = (0..700).map(|i| call(&r, post(&ch.hook_path, format!("event {i}"))));
    assert!(futures_util::future::join_all(posts).await.iter().all(|(s, _)| *s == StatusCode::OK));
    let stored: std::collections::HashMap<u64, Vec<u8>> =
        r.state.store().events_after(&ch.channel_id, 0, 1000).await.unwrap().into_iter().collect();
    assert_eq!(stored.len(), 700);
    let addr = serve(&r).await;
    assert!(connect(addr, "wk_wrong", 0).await.is_err(), "a wrong client key must be refused");

    // Resume after 100: the backlog is 101..=700, in order, then CaughtUp.
    let mut ws = connect(addr, &ch.client_key, 100).await.unwrap();
    for expected in 101..=700u64 {
        match next_frame(&mut ws).await {
            ServerFrame::Event(e) => {
                assert_eq!(e.seq, expected);
                assert_eq!(e.sealed, stored[&expected]);
                assert!(open(&keys, &e.sealed).unwrap().body.starts_with(b"event "));
            }
            other => panic!("expected event {expected}, got {other:?}"),
        }
    }
    assert_eq!(next_frame(&mut ws).await, ServerFrame::CaughtUp { head: 700 });

    // A live event arrives without reconnecting.
    assert_eq!(call(&r, post(&ch.hook_path, "live")).await.0, StatusCode::OK);
    match next_frame(&mut ws).await {
        ServerFrame::Event(e) => assert_eq!((e.seq, open(&keys, &e.sealed).unwrap().body), (701, b"live".to_vec())),
        other => panic!("expected the live event, got {other:?}"),
    }
    ws.send(Message::Binary(ClientFrame::Ack { seq: 650 }.encode().into())).await.unwrap();
    let store = r.state.store().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let s = store.stats(&ch.channel_id).await.unwrap();
        if s.acked == 650 {
            assert_eq!((s.head, s.backlog), (701, 51));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "ack was not recorded: {s:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Acked events past retention are purged; unacked ones stay.
    let purged = store.purge_acked(now_ms() + 1).await.unwrap();
    assert_eq!(purged, 650);
    assert_eq!(store.events_after(&ch.channel_id, 0, 1000).await.unwrap().first().map(|e| e.0), Some(651));
}

/// Writes raw HTTP/1.1 to the real listener and reads one answer's status code.
async fn raw_post(stream: &mut tokio::net::TcpStream, head: &str, body: &[u8]) -> u16 {
    use tokio::io::AsyncWriteExt;
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    read_answer(stream, Duration::from_secs(10)).await.expect("an answer within 10 s").status
}

/// One HTTP/1.1 answer read off a raw socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The head as text (status line and header lines).
    head: String,
    body: Vec<u8>,
}

impl Answer {
    /// The first value of header `name` (case-insensitive).
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one answer, framed by its Content-Length (every relay answer has one), or `None` when
/// none is complete within `within`.
///
/// # Panics
/// When the connection closes or fails before a whole answer.
async fn read_answer<R: tokio::io::AsyncRead + Unpin>(stream: &mut R, within: Duration) -> Option<Answer> {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + within;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await.ok()?.expect("read the answer");
        assert!(n > 0, "connection closed before an answer: {:?}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
        let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&answer[..end]).into_owned();
        let mut parsed = Answer { status: head[9..12].parse().expect("a status code"), head, body: Vec::new() };
        let len: usize = parsed.header("content-length").map_or(0, |v| v.parse().expect("a Content-Length"));
        if answer.len() >= end + 4 + len {
            parsed.body = answer[end + 4..end + 4 + len].to_vec();
            return Some(parsed);
        }
    }
}

/// Whether the relay closes (or resets) the connection within `within`; what it sent first.
async fn closed_within<R: tokio::io::AsyncRead + Unpin>(stream: &mut R, within: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await.ok()? {
            Ok(0) | Err(_) => return Some(seen),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Asserts `{"status":"error","message":<non-empty>}` with a JSON content type.
fn assert_error_shape(what: &str, content_type: Option<&str>, body: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(body);
    assert_eq!(content_type, Some("application/json"), "{what}: content type of {text:?}");
    let v: serde_json::Value =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text:?}"));
    assert_eq!(v["status"], "error", "{what}: {text}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {text}");
    v
}

#[tokio::test]
async fn over_real_tcp_header_names_keep_their_case_order_and_interleaved_duplicates() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    let addr = serve(&r).await;
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Two requests on one keep-alive connection, the second chunked, each with its own header shape.
    let first = format!(
        "POST {}/x?q=1 HTTP/1.1\r\nHost: relay.test\r\nX-CA-Signature: sha256=aa\r\nX-Dup: one\r\nx-other: 2\r\nx-DUP: two\r\nContent-Length: 5\r\n\r\n",
        ch.hook_path
    );
    assert_eq!(raw_post(&mut tcp, &first, b"hello").await, 200);
    let second = format!(
        "POST {} HTTP/1.1\r\nhost: relay.test\r\nTransfer-Encoding: chunked\r\nX-Weird_Name: a\tb\r\n\r\n",
        ch.hook_path
    );
    assert_eq!(raw_post(&mut tcp, &second, b"3\r\nabc\r\n0\r\n\r\n").await, 200);

    let stored = r.state.store().events_after(&ch.channel_id, 0, 10).await.unwrap();
    let one = open(&keys, &stored[0].1).unwrap();
    let names: Vec<(&str, &[u8])> = one.headers.iter().map(|h| (h.name.as_str(), h.value.as_slice())).collect();
    assert_eq!(
        names,
        [
            ("Host", &b"relay.test"[..]),
            ("X-CA-Signature", b"sha256=aa"),
            ("X-Dup", b"one"),
            ("x-other", b"2"),
            ("x-DUP", b"two"),
            ("Content-Length", b"5"),
        ]
    );
    assert_eq!((one.path_and_query.as_str(), one.body.as_slice()), ("/x?q=1", &b"hello"[..]));
    let two = open(&keys, &stored[1].1).unwrap();
    let names: Vec<&str> = two.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["host", "Transfer-Encoding", "X-Weird_Name"]);
    assert_eq!(two.headers[2].value, b"a\tb");
    assert_eq!(two.body, b"abc");
}

mod cursors;
