//! Connections over real TCP: how long a client may take to send a request, what an over-limit
//! `Content-Length` gets, the connection cap, and half-closed clients. Timeouts are set to a few
//! hundred milliseconds so the tests are quick; the bounds they check are a few times larger.

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::*;

const SHORT: Duration = Duration::from_millis(300);
/// Long enough that a timeout of [`SHORT`] has certainly fired on a loaded machine.
const BOUND: Duration = Duration::from_secs(3);

/// Writes `bytes` one at a time, `every` apart, until they are all out or the relay hangs up.
fn trickle(mut write: tokio::net::tcp::OwnedWriteHalf, bytes: Vec<u8>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for b in bytes {
            if write.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[tokio::test]
async fn partial_trickled_and_idle_kept_alive_heads_are_cut_off_after_the_header_timeout() {
    let r = relay(Config { header_timeout: SHORT, ..Config::default() });
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let addr = serve(&r).await;

    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial.write_all(format!("POST {} HTTP/1.1\r\nHost: relay\r\n", ch.hook_path).as_bytes()).await.unwrap();
    assert!(closed_within(&mut partial, BOUND).await.is_some(), "a partial head kept its connection open");

    // One byte every 50 ms: each read is quick, but the whole head would take 10 s.
    let (mut read, write) = TcpStream::connect(addr).await.unwrap().into_split();
    let head = format!("POST {} HTTP/1.1\r\nX-Pad: {}\r\n\r\n", ch.hook_path, "a".repeat(150));
    let writer = trickle(write, head.into_bytes(), Duration::from_millis(50));
    assert!(closed_within(&mut read, BOUND).await.is_some(), "a trickled head kept its connection open");
    writer.abort();

    let mut idle = TcpStream::connect(addr).await.unwrap();
    let head = format!("POST {} HTTP/1.1\r\nHost: relay\r\nContent-Length: 2\r\n\r\n", ch.hook_path);
    assert_eq!(raw_post(&mut idle, &head, b"{}").await, 200);
    assert!(closed_within(&mut idle, BOUND).await.is_some(), "an idle kept-alive connection stayed open");
}

#[tokio::test]
async fn stalled_and_trickled_bodies_get_408_in_the_error_shape_and_are_not_stored() {
    let r = relay(Config { body_timeout: SHORT, ..Config::default() });
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let addr = serve(&r).await;
    let head = format!("POST {} HTTP/1.1\r\nHost: relay\r\nContent-Length: 100\r\n\r\n", ch.hook_path);

    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&[b's'; 10]).await.unwrap();
    let answer = read_answer(&mut stalled, BOUND).await.expect("an answer to a stalled body");
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_error_shape("stalled body", answer.header("content-type"), &answer.body);
    assert!(closed_within(&mut stalled, BOUND).await.is_some(), "the connection stayed open after the 408");

    // A byte every 50 ms would take 5 s: the limit is on the whole body, not on each read.
    let (mut read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    write.write_all(head.as_bytes()).await.unwrap();
    let writer = trickle(write, vec![b't'; 100], Duration::from_millis(50));
    let answer = read_answer(&mut read, BOUND).await.expect("an answer to a trickled body");
    assert_eq!(answer.status, 408, "{answer:?}");
    writer.abort();

    assert_eq!(r.state.store().stats(&ch.channel_id).await.unwrap().head, 0, "a timed-out body was stored");
}

#[tokio::test]
async fn a_content_length_over_the_limit_gets_413_before_any_body_is_sent() {
    // The body timeout is left long, so only an answer to the head itself arrives in time.
    let r = relay(Config { body_limit: 2048, ..Config::default() });
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let addr = serve(&r).await;
    for expect in ["", "Expect: 100-continue\r\n"] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let head =
            format!("POST {} HTTP/1.1\r\nHost: relay\r\n{expect}Content-Length: 10000000000\r\n\r\n", ch.hook_path);
        tcp.write_all(head.as_bytes()).await.unwrap();
        let answer = read_answer(&mut tcp, BOUND).await.unwrap_or_else(|| panic!("no answer to the head ({expect:?})"));
        assert_eq!(answer.status, 413, "{expect:?}: {answer:?}");
        let v = assert_error_shape("over-limit Content-Length", answer.header("content-type"), &answer.body);
        assert!(v["message"].as_str().unwrap().contains("2048"), "{v}");
        assert!(closed_within(&mut tcp, BOUND).await.is_some(), "{expect:?}: the connection stayed open");
    }
}

async fn healthz_on(tcp: &mut TcpStream, within: Duration) -> Option<u16> {
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n").await.unwrap();
    read_answer(tcp, within).await.map(|a| a.status)
}

#[tokio::test]
async fn connections_past_the_cap_wait_unaccepted_until_one_closes_and_streams_count() {
    let r = relay(Config { max_connections: 2, ..Config::default() });
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let addr = serve(&r).await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    assert_eq!(healthz_on(&mut first, BOUND).await, Some(200));
    assert_eq!(healthz_on(&mut second, BOUND).await, Some(200));
    let mut third = TcpStream::connect(addr).await.unwrap();
    assert_eq!(healthz_on(&mut third, SHORT).await, None, "a third connection was served past a cap of 2");
    drop(first);
    assert_eq!(read_answer(&mut third, BOUND).await.map(|a| a.status), Some(200), "served once a slot freed");

    // A WebSocket stream holds its slot for as long as it is open, not just for the handshake.
    drop(second);
    let ws = connect(addr, &ch.client_key, 0).await.unwrap();
    let mut waiting = TcpStream::connect(addr).await.unwrap();
    assert_eq!(healthz_on(&mut waiting, SHORT).await, None, "served past the cap while a stream was open");
    drop(ws);
    assert_eq!(read_answer(&mut waiting, BOUND).await.map(|a| a.status), Some(200));
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_still_reads_the_answer() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    let addr = serve(&r).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!("POST {}/half HTTP/1.1\r\nHost: relay\r\nContent-Length: 4\r\n\r\n", ch.hook_path);
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(b"half").await.unwrap();
    tcp.shutdown().await.unwrap();
    let answer = read_answer(&mut tcp, BOUND).await.expect("an answer after the write half closed");
    assert_eq!(answer.status, 200, "{answer:?}");
    let stored = r.state.store().events_after(&ch.channel_id, 0, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(open(&keys, &stored[0].1).unwrap().body, b"half");
}
