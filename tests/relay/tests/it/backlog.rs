//! Offline desktops lose nothing: webhooks posted while no desktop is connected wait on the relay
//! and stream in seq order from whatever cursor the desktop resumes at, followed by `CaughtUp` and
//! then live events; acks are cumulative and never move back.

use std::time::{Duration, Instant};

use wadesk_relay_protocol::ServerFrame;
use wadesk_relay_tests::http::post_request;
use wadesk_relay_tests::process::ChannelStats;
use wadesk_relay_tests::{RelayOptions, RelayProcess, Stream, TestChannel};

const N: u64 = 120;

fn body(i: u64) -> Vec<u8> {
    format!(r#"{{"offline":{i}}}"#).into_bytes()
}

/// Reads the backlog and checks it is exactly seqs `after+1..=N` with their bodies, then CaughtUp.
fn assert_backlog(stream: &mut Stream, channel: &TestChannel, after: u64) {
    let (events, head) = stream.backlog();
    assert_eq!(head, N, "CaughtUp must report the head");
    let got: Vec<(u64, Vec<u8>)> = events.iter().map(|e| (e.seq, channel.open(&e.sealed).body)).collect();
    let want: Vec<(u64, Vec<u8>)> = (after + 1..=N).map(|i| (i, body(i))).collect();
    assert_eq!(got, want, "the backlog after cursor {after}");
}

fn wait_for_stats(relay: &RelayProcess, key: &str, want: ChannelStats) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = relay.stats(key);
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "channel stats stayed {got:?}, expected {want:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_backlog_posted_while_the_desktop_was_offline_streams_in_order_from_any_cursor_then_live() {
    let relay = RelayProcess::start(RelayOptions::default());
    let channel = relay.create_channel();
    let key = channel.client_key();
    let mut conn = relay.connect();
    for i in 1..=N {
        let res = conn.request(&post_request(&format!("{}/ca", channel.hook_path()), &[], &body(i))).unwrap();
        assert_eq!((res.status, res.json()["seq"].as_u64()), (200, Some(i)), "{}", res.text());
    }
    assert_eq!(relay.stats(key), ChannelStats { head: N, acked: 0, backlog: N });

    let mut from_zero = relay.stream(key, 0).unwrap();
    assert_backlog(&mut from_zero, &channel, 0);
    let mut from_k = relay.stream(key, 77).unwrap();
    assert_backlog(&mut from_k, &channel, 77);
    let mut at_head = relay.stream(key, N).unwrap();
    assert_eq!(at_head.next_frame(), ServerFrame::CaughtUp { head: N });
    assert!(
        from_zero.try_next_frame(Duration::from_millis(300)).is_none(),
        "nothing may follow CaughtUp until a webhook"
    );

    // A live webhook reaches every connected stream, right after their backlogs.
    let res = relay.post(channel.hook_path(), b"live");
    assert_eq!(res.status, 200, "{}", res.text());
    for stream in [&mut from_zero, &mut from_k, &mut at_head] {
        let e = stream.next_event();
        assert_eq!((e.seq, channel.open(&e.sealed).body), (N + 1, b"live".to_vec()));
    }

    // Acks are cumulative, visible in the channel's stats, and never move back.
    from_zero.ack(50);
    wait_for_stats(&relay, key, ChannelStats { head: N + 1, acked: 50, backlog: N + 1 - 50 });
    from_k.ack(10);
    from_k.ack(N + 1);
    wait_for_stats(&relay, key, ChannelStats { head: N + 1, acked: N + 1, backlog: 0 });
    from_zero.ack(20);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(relay.stats(key).acked, N + 1, "an older ack must not move the acked seq back");

    // Acked events still stream to a desktop that asks for them again (they are kept for retention).
    let mut again = relay.stream(key, N - 1).unwrap();
    let (events, head) = again.backlog();
    assert_eq!((events.iter().map(|e| e.seq).collect::<Vec<_>>(), head), (vec![N, N + 1], N + 1));
}
