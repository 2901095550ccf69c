//! The store contract ([`crate::store`]) checked on both backends: every test here is an async fn
//! over any [`EventStore`], instantiated once for [`SqliteStore`] and once for [`PgStore`] (a fresh
//! database each, see `pg_store::testing`).

use std::sync::Arc;
use std::time::Duration;

use crate::pg_store::testing::TestDatabase;
use crate::store::{EventStore, NewChannel};
use crate::{PgStore, SqliteStore};

/// What keeps a test's store alive: its temp dir or its database.
#[allow(dead_code)]
enum Guard {
    Dir(tempfile::TempDir),
    Db(TestDatabase),
}

async fn sqlite() -> (Arc<SqliteStore>, Guard) {
    let dir = tempfile::tempdir().unwrap();
    (Arc::new(SqliteStore::open(dir.path()).unwrap()), Guard::Dir(dir))
}

async fn postgres() -> Option<(Arc<PgStore>, Guard)> {
    let db = TestDatabase::create().await?;
    Some((Arc::new(PgStore::open(&db.url).await.unwrap()), Guard::Db(db)))
}

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let (s, _g) = super::sqlite().await; super::$name(s).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let Some((s, _g)) = super::postgres().await else { return };
                super::$name(s).await
            })*
        }
    };
}

on_both_stores!(
    a_new_channel_counts_from_1_with_consecutive_seqs_read_back_in_order,
    count_after_counts_stored_rows_after_any_cursor,
    acks_are_clamped_to_the_head_and_never_move_back,
    purge_deletes_only_acked_events_older_than_the_cutoff_and_keeps_the_head,
    revoking_deletes_the_channel_and_its_events_and_closes_its_watchers,
    rotating_the_client_key_keeps_the_hook_and_closes_old_watchers,
    the_watcher_follows_the_committed_head,
    appends_to_an_unknown_channel_fail,
);

pub(super) fn channel(id: &str, n: u8) -> NewChannel {
    NewChannel {
        id: id.into(),
        label: "contract".into(),
        public_key: wadesk_relay_protocol::ChannelKeys::generate().public_key(),
        hook_hash: [n; 32],
        client_hash: [n.wrapping_add(100); 32],
    }
}

async fn a_new_channel_counts_from_1_with_consecutive_seqs_read_back_in_order<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_a", 1)).await.unwrap();
    store.create_channel(channel("ch_b", 2)).await.unwrap();
    let appends = (0..300u32).map(|i| {
        let store = store.clone();
        async move {
            let ch = if i % 3 == 0 { "ch_b" } else { "ch_a" };
            (ch, i, store.append(ch, 1, i.to_be_bytes().to_vec()).await.unwrap())
        }
    });
    let done = futures_util::future::join_all(appends).await;
    for ch in ["ch_a", "ch_b"] {
        let mut seqs: Vec<u64> = done.iter().filter(|d| d.0 == ch).map(|d| d.2).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{ch}: seqs from 1, none skipped or reused");
        let events = store.events_after(ch, 0, 1000).await.unwrap();
        assert_eq!(events.iter().map(|e| e.0).collect::<Vec<_>>(), seqs, "{ch}: read back in seq order");
        for (ch2, i, seq) in done.iter().filter(|d| d.0 == ch) {
            let stored = &events[(*seq - 1) as usize].1;
            assert_eq!(stored, &i.to_be_bytes().to_vec(), "{ch2}: seq {seq} holds another event");
        }
    }
    let page: Vec<u64> = store.events_after("ch_a", 100, 50).await.unwrap().iter().map(|e| e.0).collect();
    assert_eq!(page, (101..=150).collect::<Vec<_>>());
    assert!(store.events_after("ch_a", u64::MAX, 10).await.unwrap().is_empty());
    assert!(store.events_after("ch_a", 1 << 63, 10).await.unwrap().is_empty());
}

async fn count_after_counts_stored_rows_after_any_cursor<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_c", 3)).await.unwrap();
    for i in 0..7u8 {
        store.append("ch_c", 1, vec![i]).await.unwrap();
    }
    for (after, expected) in [(0, 7), (3, 4), (7, 0), (u64::MAX, 0), (1 << 63, 0)] {
        assert_eq!(store.count_after("ch_c", after).await.unwrap(), expected, "after {after}");
    }
    assert_eq!(store.count_after("ch_nobody", 0).await.unwrap(), 0);
}

async fn acks_are_clamped_to_the_head_and_never_move_back<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_k", 4)).await.unwrap();
    for _ in 0..3 {
        store.append("ch_k", 1, vec![1]).await.unwrap();
    }
    store.ack("ch_k", u64::MAX).await.unwrap();
    let s = store.stats("ch_k").await.unwrap();
    assert_eq!((s.head, s.acked, s.backlog), (3, 3, 0), "an ack of u64::MAX is an ack of the head");
    store.ack("ch_k", 1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let s = store.stats("ch_k").await.unwrap();
    assert_eq!(s.acked, 3, "an ack never moves back");
    store.append("ch_k", 2, vec![2]).await.unwrap();
    let s = store.stats("ch_k").await.unwrap();
    assert_eq!((s.head, s.acked, s.backlog, s.last_event_ms), (4, 3, 1, 2));
    let listed = store.channels().await.unwrap();
    assert_eq!(
        listed.iter().map(|c| (c.id.as_str(), c.acked, c.backlog, c.stored)).collect::<Vec<_>>(),
        [("ch_k", 3, 1, 4)]
    );
}

async fn purge_deletes_only_acked_events_older_than_the_cutoff_and_keeps_the_head<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_p", 5)).await.unwrap();
    for _ in 0..5 {
        store.append("ch_p", 10, vec![0; 100]).await.unwrap();
    }
    store.ack("ch_p", 3).await.unwrap();
    assert_eq!(store.purge_acked(10).await.unwrap(), 0, "received at the cutoff: kept");
    assert_eq!(store.purge_acked(11).await.unwrap(), 3, "the acked ones before the cutoff go, at once after the ack");
    assert_eq!(store.events_after("ch_p", 0, 10).await.unwrap().iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5]);
    store.ack("ch_p", 5).await.unwrap();
    assert_eq!(store.purge_acked(11).await.unwrap(), 2);
    assert_eq!(store.stats("ch_p").await.unwrap().head, 5, "the head survives the purge of every event");
    assert_eq!(store.append("ch_p", 12, vec![1]).await.unwrap(), 6);
}

async fn revoking_deletes_the_channel_and_its_events_and_closes_its_watchers<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_r", 6)).await.unwrap();
    store.create_channel(channel("ch_keep", 7)).await.unwrap();
    store.append("ch_r", 1, vec![1]).await.unwrap();
    store.append("ch_keep", 1, vec![1]).await.unwrap();
    assert!(store.channel_by_client(&[106; 32]).await.unwrap().is_some());
    let mut watcher = store.subscribe("ch_r");
    let mut other = store.subscribe("ch_keep");
    assert!(store.revoke_channel("ch_r").await.unwrap());
    assert!(tokio::time::timeout(Duration::from_secs(5), watcher.changed()).await.unwrap().is_err(), "still open");
    assert!(store.channel_by_hook(&[6; 32]).await.unwrap().is_none());
    assert!(store.channel_by_client(&[106; 32]).await.unwrap().is_none());
    assert!(store.events_after("ch_r", 0, 10).await.unwrap().is_empty());
    assert!(store.stats("ch_r").await.is_err());
    assert!(!store.revoke_channel("ch_r").await.unwrap(), "no such channel any more");
    assert!(store.append("ch_r", 1, vec![1]).await.is_err());
    // The other channel is untouched.
    assert!(tokio::time::timeout(Duration::from_millis(200), other.changed()).await.is_err(), "other closed");
    assert_eq!(store.events_after("ch_keep", 0, 10).await.unwrap().len(), 1);
    assert_eq!(store.channels().await.unwrap().iter().map(|c| c.id.clone()).collect::<Vec<_>>(), ["ch_keep"]);
}

async fn rotating_the_client_key_keeps_the_hook_and_closes_old_watchers<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_o", 8)).await.unwrap();
    store.append("ch_o", 1, vec![1]).await.unwrap();
    assert!(store.channel_by_client(&[108; 32]).await.unwrap().is_some());
    let mut old = store.subscribe("ch_o");
    assert!(store.rotate_client_key("ch_o", [42; 32]).await.unwrap());
    assert!(tokio::time::timeout(Duration::from_secs(5), old.changed()).await.unwrap().is_err(), "still open");
    assert!(store.channel_by_client(&[108; 32]).await.unwrap().is_none(), "the old key still works");
    assert_eq!(store.channel_by_client(&[42; 32]).await.unwrap().map(|c| c.id), Some("ch_o".into()));
    assert_eq!(store.channel_by_hook(&[8; 32]).await.unwrap().map(|c| c.id), Some("ch_o".into()));
    let mut new = store.subscribe("ch_o");
    assert_eq!(*new.borrow(), 1, "the new watcher holds the head");
    let seq = store.append("ch_o", 1, vec![2]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), new.changed()).await.unwrap().unwrap();
    assert_eq!(*new.borrow(), seq);
    assert!(!store.rotate_client_key("ch_nobody", [43; 32]).await.unwrap());
}

async fn the_watcher_follows_the_committed_head<S: EventStore>(store: Arc<S>) {
    store.create_channel(channel("ch_w", 9)).await.unwrap();
    let mut rx = store.subscribe("ch_w");
    assert_eq!(*rx.borrow_and_update(), 0);
    let seq = store.append("ch_w", 1, vec![1]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), rx.changed()).await.unwrap().unwrap();
    assert_eq!(*rx.borrow_and_update(), seq);
    assert_eq!(store.events_after("ch_w", 0, 10).await.unwrap().len(), 1, "the head moved only after the commit");
}

async fn appends_to_an_unknown_channel_fail<S: EventStore>(store: Arc<S>) {
    assert!(store.append("ch_nobody", 1, vec![1]).await.is_err());
    assert!(store.channel_by_hook(&[99; 32]).await.unwrap().is_none());
}
