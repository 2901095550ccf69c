//! An operator restores `relay.db` from a backup: the desktop (the real `wadesk` CLI, streaming
//! from the real relay) has already applied events the restored store no longer knows. Every
//! webhook posted after the restore must reach it exactly once, and none of the old ones may be
//! applied again.
//!
//! The backup is the README's cold one (relay stopped, `relay.db` and its WAL files copied). Each
//! phase runs `wadesk relay sync --follow` until the desktop has applied and acked what was posted,
//! watched through the store (see `wadesk_relay_tests::desktop`), then kills it.

use std::time::{Duration, Instant};

use wadesk_relay_tests::RemoteDesktop;

/// Streams until the desktop has applied `applied` webhooks in all and the relay has the ack
/// of its head, then stops the desktop.
fn sync_until_applied(s: &RemoteDesktop, applied: u64) {
    let mut sync = s.desktop.spawn(&["relay", "sync", "--follow"], &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = s.stats();
        if s.counts().0 >= applied && stats.acked == stats.head {
            break;
        }
        assert!(sync.is_running(), "wadesk exited:\n{}", sync.log());
        assert!(
            Instant::now() < deadline,
            "after 20 s the desktop has {:?} (applied, duplicates, rejected), cursor {}, relay {stats:?}, \
             expected {applied} applied:\n{}",
            s.counts(),
            s.cursor(),
            sync.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sync.kill();
}

#[test]
fn after_relay_db_is_restored_from_a_backup_every_new_webhook_reaches_the_desktop_once_and_no_old_one_again() {
    let mut s = RemoteDesktop::start();
    for id in ["before-1", "before-2", "before-3"] {
        s.post_message(id, &format!("evt_{id}"));
    }
    sync_until_applied(&s, 3);

    s.relay.kill();
    let backup = s.relay.backup();
    s.relay.restart_at_the_same_address();
    let backup_head = s.relay.stats(&s.client_key).head;

    // Delivered and acked after the backup: the restored store will not know these.
    for id in ["between-1", "between-2", "between-3"] {
        s.post_message(id, &format!("evt_{id}"));
    }
    sync_until_applied(&s, 6);
    let cursor = s.store.relay_cursor().unwrap();
    assert!(cursor > backup_head);

    s.relay.kill();
    s.relay.restore(backup.path());
    s.relay.restart_at_the_same_address();
    assert_eq!(s.relay.stats(&s.client_key).head, backup_head, "the backup was not restored");

    let mut seqs = Vec::new();
    for id in ["after-1", "after-2", "after-3"] {
        seqs.push(s.post_message(id, &format!("evt_{id}")));
    }
    sync_until_applied(&s, 9);
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
