//! Exactly once on the desktop across a crash: the `wadesk` CLI streams from the real relay, is
//! SIGKILLed after committing an event but before acking it, and on restart applies nothing twice.
//! A provider's own retries (same `X-CA-Event-Id`) are applied once and counted as duplicates.
//!
//! The crash window is widened with `WADESK_TEST_HOLD_ACK_MS`, which makes the desktop hold each ack
//! after its local commit. The commit is observed by reading the store in this process (see
//! `wadesk_relay_tests::desktop`), the ack by the relay's channel stats.

use std::time::{Duration, Instant};

use wadesk_relay_tests::desktop::Background;
use wadesk_relay_tests::process::ChannelStats;
use wadesk_relay_tests::RemoteDesktop;

/// How long the desktop holds each ack after its commit. The test kills it as soon as it sees the
/// commit (within milliseconds), so this costs no time; it is long so that a loaded machine cannot
/// make the kill miss the window.
const HOLD_ACK_MS: &str = "10000";

/// Starts `wadesk relay sync --follow` holding each ack, waits until the desktop has committed
/// its first batch (the events that had arrived together: seq 1, or more), and SIGKILLs it inside
/// the hold. Returns the committed cursor.
fn kill_sync_after_first_commit(s: &RemoteDesktop) -> u64 {
    let mut sync = s.desktop.spawn(&["relay", "sync", "--follow"], &[("WADESK_TEST_HOLD_ACK_MS", HOLD_ACK_MS)]);
    wait_until(&mut sync, "the first event committed on the desktop", || s.cursor() >= 1);
    sync.kill();
    assert_eq!(s.stats().acked, 0, "the relay must not have an ack for an event the desktop was killed before acking");
    s.cursor()
}

fn wait_until(process: &mut Background, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(process.is_running(), "wadesk exited before {what}:\n{}", process.log());
        assert!(Instant::now() < deadline, "no {what} within 20 s:\n{}", process.log());
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_desktop_killed_between_commit_and_ack_applies_every_event_once_and_drops_provider_retries() {
    let s = RemoteDesktop::start();
    // Waiting on the relay: two inbound messages, and the provider retrying the first.
    assert_eq!(s.post_message("msgA", "evt_msgA_1"), 1);
    assert_eq!(s.post_message("msgB", "evt_msgB_1"), 2);
    assert_eq!(s.post_message("msgA", "evt_msgA_1"), 3);

    // The stream applies the frames that arrived together in one transaction, so the first commit
    // holds seq 1 alone or the whole backlog; either way nothing of it was acked.
    let committed = kill_sync_after_first_commit(&s);
    let expected = match committed {
        1 => (1, 0, 0),
        2 => (2, 0, 0),
        3 => (2, 1, 0),
        other => panic!("cursor {other} after the kill"),
    };
    assert_eq!(s.counts(), expected, "what was committed before the kill (cursor {committed})");
    // The provider retries again while the desktop is down.
    assert_eq!(s.post_message("msgA", "evt_msgA_1"), 4);

    // The desktop comes back and streams from its committed cursor. (`--follow`, watched through the
    // store: plain `sync` exits before applying anything, see the ignored test below.)
    let mut sync = s.desktop.spawn(&["relay", "sync", "--follow"], &[]);
    wait_until(&mut sync, "the backlog applied and acked", || s.cursor() == 4 && s.stats().acked == 4);
    sync.kill();
    assert_eq!(s.counts(), (2, 2, 0), "each message applied once, each retry counted as a duplicate");
    assert_eq!(s.stats(), ChannelStats { head: 4, acked: 4, backlog: 0 });

    // Later runs apply nothing and count nothing, and say so.
    let again = s.desktop.run_json(&["relay", "sync"], &[]);
    assert_eq!(
        (&again["cursor"], &again["applied"], &again["duplicates"], &again["rejected"]),
        (&4.into(), &2.into(), &2.into(), &0.into()),
        "{again}"
    );
    let status = s.desktop.run_json(&["relay", "status"], &[]);
    assert_eq!((&status["relay"]["mode"], &status["relay"]["cursor"]), (&"remote".into(), &4.into()), "{status}");
    assert_eq!(status["webhooks"], serde_json::json!({ "applied": 2, "duplicates": 2, "rejected": 0 }));
    assert_eq!(s.counts(), (2, 2, 0));
}

/// Known bug (see the ignore reason): `wait_caught_up` is satisfied by the status the connection
/// starts with (backlog 0) as soon as the WebSocket opens, so `sync` prints and exits before the
/// backlog has streamed. The crash test above waits on the store instead.
#[test]
fn relay_sync_applies_every_waiting_webhook_before_it_exits() {
    let s = RemoteDesktop::start();
    for (i, id) in ["msgD", "msgE", "msgF"].into_iter().enumerate() {
        assert_eq!(s.post_message(id, &format!("evt_{id}_1")), i as u64 + 1);
    }
    let synced = s.desktop.run_json(&["relay", "sync"], &[]);
    assert_eq!((&synced["cursor"], &synced["applied"]), (&3.into(), &3.into()), "{synced}");
    assert_eq!((s.cursor(), s.counts()), (3, (3, 0, 0)));
}

/// Known bug (see the ignore reason): the desktop acks only events it receives, and the relay does
/// not take the stream's cursor as an ack, so an event committed but not acked before a crash stays
/// "backlog" on the relay (never purged) until some later webhook's ack covers it.
#[test]
fn after_a_kill_before_the_ack_the_relay_learns_the_ack_when_the_desktop_reconnects() {
    let s = RemoteDesktop::start();
    assert_eq!(s.post_message("msgC", "evt_msgC_1"), 1);
    kill_sync_after_first_commit(&s);

    let mut sync = s.desktop.spawn(&["relay", "sync", "--follow"], &[]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.stats().acked < 1 && Instant::now() < deadline {
        assert!(sync.is_running(), "wadesk exited:\n{}", sync.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    sync.kill();
    assert_eq!((s.cursor(), s.counts()), (1, (1, 0, 0)));
    assert_eq!(
        s.stats(),
        ChannelStats { head: 1, acked: 1, backlog: 0 },
        "the desktop is caught up at 1; the relay should know"
    );
}
