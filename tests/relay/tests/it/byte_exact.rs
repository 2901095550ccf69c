//! Byte-exact delivery through the real process: what a provider sent — method, path and query,
//! headers (names with their case, in order, duplicates interleaved, values byte for byte) and the
//! raw body — is what the desktop opens, so signatures verify end to end.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use wadesk_relay_protocol::{CapturedRequest, Header};
use wadesk_relay_tests::http::{chunked, raw_request};
use wadesk_relay_tests::{RelayOptions, RelayProcess, TestChannel};

/// Header names a provider might send, in every case style.
const NAMES: &[&str] = &[
    "X-CA-Signature",
    "x-ca-timestamp",
    "X-CA-Event-Id",
    "x-Mixed-CASE",
    "X-Weird_Name",
    "Accept",
    "USER-AGENT",
    "content-type",
    "X-Forwarded-For",
];

/// One request as the provider put it on the wire, and what the desktop must open.
struct Sent {
    raw: Vec<u8>,
    expected: CapturedRequest,
    sent_at_ms: (i64, i64),
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A header value: visible ASCII, inner spaces and tabs, and obs-text bytes (0x80–0xFF), which HTTP
/// allows in values. No whitespace at either end: HTTP strips it (RFC 9110 §5.5).
fn random_value(rng: &mut StdRng) -> Vec<u8> {
    let len = rng.random_range(1..=48);
    let mut v: Vec<u8> = (0..len)
        .map(|_| loop {
            let b: u8 = rng.random();
            if b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80 {
                break b;
            }
        })
        .collect();
    for i in [0, v.len() - 1] {
        if v[i] == b' ' || v[i] == b'\t' {
            v[i] = b'v';
        }
    }
    v
}

/// Random bytes; from 256 bytes on, every byte value occurs at least once, at a random place.
fn random_body(rng: &mut StdRng, size: usize) -> Vec<u8> {
    let mut body = vec![0u8; size];
    rng.fill(&mut body[..]);
    if size >= 256 {
        let mut all: Vec<u8> = (0..=255).collect();
        all.shuffle(rng);
        let at = rng.random_range(0..=size - 256);
        body[at..at + 256].copy_from_slice(&all);
    }
    body
}

/// A request with `extra` random headers, a repeated header interleaved with others in three
/// spellings, and Content-Length or chunked framing at a random position.
fn build(rng: &mut StdRng, hook: &str, suffix: &str, size: usize, is_chunked: bool, extra: usize) -> Sent {
    let body = random_body(rng, size);
    let mut headers: Vec<Header> = vec![Header::new(*["Host", "host", "HOST"].choose(rng).unwrap(), "relay.test")];
    for (i, dup) in ["X-Dup", "x-DUP", "X-dup"].into_iter().enumerate() {
        headers.push(Header::new(
            dup,
            format!("dup {i} ").into_bytes().into_iter().chain(random_value(rng)).collect::<Vec<u8>>(),
        ));
        headers.push(Header::new(*NAMES.choose(rng).unwrap(), random_value(rng)));
    }
    for _ in 0..extra {
        headers.push(Header::new(*NAMES.choose(rng).unwrap(), random_value(rng)));
    }
    headers.push(Header::new("X-Empty", ""));
    let framing = if is_chunked {
        Header::new(*["Transfer-Encoding", "transfer-encoding", "TRANSFER-ENCODING"].choose(rng).unwrap(), "chunked")
    } else {
        Header::new(*["Content-Length", "content-length", "CONTENT-length"].choose(rng).unwrap(), size.to_string())
    };
    let at = rng.random_range(1..=headers.len());
    headers.insert(at, framing);
    let wire_body = if is_chunked {
        let cuts: Vec<usize> =
            (0..rng.random_range(1..12)).map(|_| rng.random_range(1..=size.max(1) / 3 + 1)).collect();
        chunked(&body, &cuts)
    } else {
        body.clone()
    };
    let target = format!("{hook}{suffix}");
    let lines: Vec<(&str, &[u8])> = headers.iter().map(|h| (h.name.as_str(), h.value.as_slice())).collect();
    let raw = raw_request("POST", &target, &lines, &wire_body);
    let path_and_query = match suffix {
        "" => "/".to_owned(),
        s if s.starts_with('?') => format!("/{s}"),
        s => s.to_owned(),
    };
    let expected = CapturedRequest { method: "POST".into(), path_and_query, headers, body, received_at_ms: 0 };
    Sent { raw, expected, sent_at_ms: (0, 0) }
}

fn assert_delivered(channel: &TestChannel, sealed: &[u8], sent: &Sent, what: &str) {
    let got = channel.open(sealed);
    let want = &sent.expected;
    assert_eq!(got.method, want.method, "{what}: method");
    assert_eq!(got.path_and_query, want.path_and_query, "{what}: path and query");
    assert_eq!(got.headers, want.headers, "{what}: headers (names, case, order, duplicates, values)");
    if got.body != want.body {
        let first = got.body.iter().zip(&want.body).position(|(a, b)| a != b);
        panic!(
            "{what}: body differs: {} bytes arrived, {} sent, first difference at {first:?}",
            got.body.len(),
            want.body.len()
        );
    }
    let (before, after) = sent.sent_at_ms;
    assert!(
        (before..=after).contains(&got.received_at_ms),
        "{what}: received_at {} is not the relay's receive time (posted between {before} and {after})",
        got.received_at_ms
    );
}

#[test]
fn random_binary_bodies_and_mixed_case_repeated_headers_arrive_byte_exact() {
    let relay = RelayProcess::start(RelayOptions::default());
    let channel = relay.create_channel();
    let hook = channel.hook_path();
    let mut rng = StdRng::seed_from_u64(0x5eed_2026_0001);
    let random_sizes: Vec<usize> = (0..3).map(|_| rng.random_range(1..1024 * 1024)).collect();
    // (path and query after the hook token, body size, chunked?, extra headers)
    let cases: Vec<(&str, usize, bool, usize)> = vec![
        ("", 0, false, 0),
        ("/ca", 1, false, 3),
        ("/ca/Status%20Update?b=2&a=1&a=%2F&empty=&utf8=%C3%A9", 256, false, 5),
        ("?only=query", 257, true, 2),
        ("/x", 4096, false, 80),
        ("/deep/a/b/c.json", 65_536, true, 7),
        ("/big", 1024 * 1024, false, 4),
        ("/big/chunked", 1024 * 1024 - 1, true, 4),
        ("/r1", random_sizes[0], false, 6),
        ("/r2?x=1", random_sizes[1], true, 9),
        ("/r3", random_sizes[2], false, 1),
    ];
    let mut sent: Vec<Sent> = Vec::new();
    // All on one keep-alive connection: the relay must stay aligned with the wire across bodies.
    let mut conn = relay.connect();
    for (suffix, size, is_chunked, extra) in cases {
        let mut s = build(&mut rng, hook, suffix, size, is_chunked, extra);
        let before = now_ms();
        let res = conn.request(&s.raw).expect("post");
        s.sent_at_ms = (before, now_ms());
        assert_eq!(res.status, 200, "{suffix} ({size} bytes): {}", res.text());
        sent.push(s);
    }
    // Two requests pipelined in one write on a fresh connection; answers come back in order.
    let mut pipelined = relay.connect();
    let (mut a, mut b) =
        (build(&mut rng, hook, "/pipe/1", 10_000, false, 3), build(&mut rng, hook, "/pipe/2", 777, true, 3));
    let before = now_ms();
    pipelined.send(&[a.raw.as_slice(), b.raw.as_slice()].concat()).unwrap();
    for (n, s) in [&mut a, &mut b].into_iter().enumerate() {
        let res = pipelined.read_response().unwrap();
        assert_eq!(res.status, 200, "pipelined request {n}: {}", res.text());
        s.sent_at_ms = (before, now_ms());
    }
    sent.extend([a, b]);

    let mut stream = relay.stream(channel.client_key(), 0).unwrap();
    let (events, head) = stream.backlog();
    assert_eq!((events.len(), head), (sent.len(), sent.len() as u64));
    for (e, s) in events.iter().zip(&sent) {
        assert_delivered(&channel, &e.sealed, s, &format!("seq {} ({} bytes)", e.seq, s.expected.body.len()));
    }
}

/// Known bug (see the ignore reason): the relay's wire tap (`crates/relay/src/wire.rs`,
/// `TapParser::feed`) recurses once per chunk-size line found in a read (`return self.feed(&rest)`,
/// with `rest` and `line` alive across the call, so it cannot become a loop), and a request of many
/// small chunks overflows the worker's stack: the whole relay aborts. The tap runs before routing,
/// so a request to any path, with no token, takes it down.
#[test]
fn a_chunked_body_of_many_tiny_chunks_is_stored_whole_and_the_relay_survives() {
    let relay = RelayProcess::start(RelayOptions::default());
    let channel = relay.create_channel();
    let mut rng = StdRng::seed_from_u64(0x5eed_2026_0002);
    let body = random_body(&mut rng, 50_000);
    let cuts = vec![1; body.len()];
    let raw = raw_request(
        "POST",
        channel.hook_path(),
        &[("Host", b"relay.test"), ("Transfer-Encoding", b"chunked")],
        &chunked(&body, &cuts),
    );
    let res = relay.connect().request(&raw);
    let res = res.unwrap_or_else(|e| panic!("the relay dropped the connection ({e}); its log:\n{}", relay.log()));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(relay.request(&wadesk_relay_tests::http::get_request("/healthz", &[])).status, 200);
    let (events, _) = relay.stream(channel.client_key(), 0).unwrap().backlog();
    assert_eq!(events.len(), 1);
    assert!(channel.open(&events[0].sealed).body == body, "the body arrived altered");
}
