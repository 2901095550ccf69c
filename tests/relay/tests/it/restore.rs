//! An operator restores `relay.db` from a backup: the desktop (the real `wadesk` CLI, streaming
//! from the real relay) has already applied events the restored store no longer knows. Every
//! webhook posted after the restore must reach it exactly once, and none of the old ones may be
//! applied again.
//!
//! The backup is the README's cold one (relay stopped, `relay.db` and its WAL files copied). Each
//! phase runs `wadesk relay sync --follow` until the desktop has applied and acked what was posted,
//! watched through the store (see `wadesk_relay_tests::desktop`), then kills it.

use std::time::{Duration, Instant};

use wadesk_core::Store;
use wadesk_relay_tests::http::post_request;
use wadesk_relay_tests::{Desktop, RelayOptions, RelayProcess, ADMIN_TOKEN};

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
    /// Posts an unsigned ChatArchitect inbound message with its own `X-CA-Event-Id` (a re-sent
    /// one would be counted as a duplicate) and returns its seq.
    fn post_message(&self, id: &str) -> u64 {
        let body = serde_json::json!({
            "app": "aQWPjCAmjav",
            "timestamp": 1580227766370u64,
            "version": 2,
            "type": "message",
            "payload": { "id": id, "source": "421233221242", "type": "text", "payload": { "text": "Hi" } },
        })
        .to_string();
        let event_id = format!("evt_{id}");
        let res = self.relay.request(&post_request(
            &self.hook_path,
            &[("Content-Type", b"application/json"), ("X-CA-Event-Id", event_id.as_bytes())],
            body.as_bytes(),
        ));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["seq"].as_u64().unwrap()
    }

    /// Streams until the desktop has applied `applied` webhooks in all and the relay has the ack
    /// of its head, then stops the desktop.
    fn sync_until_applied(&self, applied: u64) {
        let mut sync = self.desktop.spawn(&["relay", "sync", "--follow"], &[]);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let stats = self.relay.stats(&self.client_key);
            if self.store.webhook_counts().unwrap().0 >= applied && stats.acked == stats.head {
                break;
            }
            assert!(sync.is_running(), "wadesk exited:\n{}", sync.log());
            assert!(
                Instant::now() < deadline,
                "after 20 s the desktop has {:?} (applied, duplicates, rejected), cursor {}, relay {stats:?}, \
                 expected {applied} applied:\n{}",
                self.store.webhook_counts().unwrap(),
                self.store.relay_cursor().unwrap(),
                sync.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sync.kill();
    }
}

#[test]
fn after_relay_db_is_restored_from_a_backup_every_new_webhook_reaches_the_desktop_once_and_no_old_one_again() {
    let mut s = setup();
    for id in ["before-1", "before-2", "before-3"] {
        s.post_message(id);
    }
    s.sync_until_applied(3);

    s.relay.kill();
    let backup = s.relay.backup();
    s.relay.restart_at_the_same_address();
    let backup_head = s.relay.stats(&s.client_key).head;

    // Delivered and acked after the backup: the restored store will not know these.
    for id in ["between-1", "between-2", "between-3"] {
        s.post_message(id);
    }
    s.sync_until_applied(6);
    let cursor = s.store.relay_cursor().unwrap();
    assert!(cursor > backup_head);

    s.relay.kill();
    s.relay.restore(backup.path());
    s.relay.restart_at_the_same_address();
    assert_eq!(s.relay.stats(&s.client_key).head, backup_head, "the backup was not restored");

    let mut seqs = Vec::new();
    for id in ["after-1", "after-2", "after-3"] {
        seqs.push(s.post_message(id));
    }
    s.sync_until_applied(9);
    assert!(seqs.iter().all(|&seq| seq > cursor), "seqs {seqs:?} after the restore reuse the desktop's {cursor}");
    assert_eq!(
        s.store.webhook_counts().unwrap(),
        (9, 0, 0),
        "every webhook applied once; an old one streamed again would count as a duplicate"
    );
    assert_eq!(s.store.relay_cursor().unwrap(), seqs[2]);
    let stats = s.relay.stats(&s.client_key);
    assert_eq!((stats.head, stats.acked, stats.backlog), (seqs[2], seqs[2], 0), "{stats:?}");
}
