//! Exactly once on the desktop across a crash: the `wadesk` CLI streams from the real relay, is
//! SIGKILLed after committing an event but before acking it, and on restart applies nothing twice.
//! A provider's own retries (same `X-CA-Event-Id`) are applied once and counted as duplicates.
//!
//! The crash window is widened with `WADESK_TEST_HOLD_ACK_MS`, which makes the desktop hold each ack
//! after its local commit. The commit is observed by reading the store in this process (see
//! `wadesk_relay_tests::desktop`), the ack by the relay's channel stats.

use std::time::{Duration, Instant};

use wadesk_core::Store;
use wadesk_relay_tests::desktop::Background;
use wadesk_relay_tests::http::post_request;
use wadesk_relay_tests::process::ChannelStats;
use wadesk_relay_tests::{Desktop, RelayOptions, RelayProcess, ADMIN_TOKEN};

/// How long the desktop holds each ack after its commit. The test kills it as soon as it sees the
/// commit (within milliseconds), so this costs no time; it is long so that a loaded machine cannot
/// make the kill miss the window.
const HOLD_ACK_MS: &str = "10000";

/// A desktop pointed at a real relay, and what it needs to post and watch.
struct Setup {
    relay: RelayProcess,
    desktop: Desktop,
    store: Store,
    hook_path: String,
    client_key: String,
}

fn setup() -> Setup {
    let relay = RelayProcess::start(RelayOptions::default());
    let desktop = Desktop::init();
    let used = desktop.run_json(&["relay", "use-remote", &relay.url()], &[("WADESK_RELAY_ADMIN_TOKEN", ADMIN_TOKEN)]);
    assert_eq!(used["mode"], "remote", "{used}");
    let store = desktop.store();
    let channel = store.relay_channel().unwrap().expect("use-remote saves a channel");
    let hook_path =
        channel.hook_url.expose().strip_prefix(&relay.url()).expect("the hook URL is on the relay").to_owned();
    let client_key = channel.client_key.expose().to_owned();
    Setup { relay, desktop, store, hook_path, client_key }
}

impl Setup {
    /// Posts a ChatArchitect inbound-message webhook (seed 000's shape: unsigned, like every message
    /// webhook) carrying `X-CA-Event-Id: evt_<id>_<attempt>`, and returns its seq. Signed webhooks are
    /// registration completions, which the desktop verifies against a partner token these tests do
    /// not have; an inbound message is applied as it is.
    fn post_message(&self, id: &str, attempt: u32) -> u64 {
        let body = serde_json::json!({
            "app": "aQWPjCAmjav",
            "timestamp": 1580227766370u64,
            "version": 2,
            "type": "message",
            "payload": { "id": id, "source": "421233221242", "type": "text", "payload": { "text": "Hi" } },
        })
        .to_string();
        let event_id = format!("evt_{id}_{attempt}");
        let res = self.relay.request(&post_request(
            &self.hook_path,
            &[("Content-Type", b"application/json"), ("X-CA-Event-Id", event_id.as_bytes())],
            body.as_bytes(),
        ));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["seq"].as_u64().unwrap()
    }

    /// (applied, duplicates, rejected) in the desktop's store.
    fn counts(&self) -> (u64, u64, u64) {
        self.store.webhook_counts().unwrap()
    }

    fn cursor(&self) -> u64 {
        self.store.relay_cursor().unwrap()
    }

    fn stats(&self) -> ChannelStats {
        self.relay.stats(&self.client_key)
    }

    /// Starts `wadesk relay sync --follow` holding each ack, waits until the desktop has committed
    /// seq 1, and SIGKILLs it inside the hold.
    fn kill_sync_after_first_commit(&self) {
        let mut sync = self.desktop.spawn(&["relay", "sync", "--follow"], &[("WADESK_TEST_HOLD_ACK_MS", HOLD_ACK_MS)]);
        wait_until(&mut sync, "the first event committed on the desktop", || self.cursor() >= 1);
        sync.kill();
        assert_eq!(self.cursor(), 1, "the desktop was killed while holding the first ack");
        assert_eq!(
            self.stats().acked,
            0,
            "the relay must not have an ack for an event the desktop was killed before acking"
        );
    }
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
    let s = setup();
    // Waiting on the relay: two inbound messages, and the provider retrying the first.
    assert_eq!(s.post_message("msgA", 1), 1);
    assert_eq!(s.post_message("msgB", 1), 2);
    assert_eq!(s.post_message("msgA", 1), 3);

    s.kill_sync_after_first_commit();
    assert_eq!(s.counts(), (1, 0, 0), "the first message was applied before the kill");
    // The provider retries again while the desktop is down.
    assert_eq!(s.post_message("msgA", 1), 4);

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
    let s = setup();
    for (i, id) in ["msgD", "msgE", "msgF"].into_iter().enumerate() {
        assert_eq!(s.post_message(id, 1), i as u64 + 1);
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
    let s = setup();
    assert_eq!(s.post_message("msgC", 1), 1);
    s.kill_sync_after_first_commit();

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
