//! The file itself: upgrading a version 1 `relay.db`, bytes on disk per event, and space handed
//! back after retention and revocation.

use super::*;

fn channel(id: &str, n: u8) -> NewChannel {
    NewChannel {
        id: id.into(),
        label: "t".into(),
        public_key: wadesk_relay_protocol::ChannelKeys::generate().public_key(),
        hook_hash: [n; 32],
        client_hash: [n + 100; 32],
    }
}

/// Pages in use × page size, and the file's length.
fn disk(dir: &Path) -> (i64, u64) {
    let conn = Connection::open(dir.join("relay.db")).unwrap();
    let used: i64 = conn
        .query_row(
            "SELECT ((SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count))
                    * (SELECT page_size FROM pragma_page_size)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    (used, std::fs::metadata(dir.join("relay.db")).unwrap().len())
}

#[tokio::test]
async fn a_sealed_event_takes_at_most_1_3_times_its_size_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store.create_channel(channel("ch_a", 1)).await.unwrap();
    store.create_channel(channel("ch_b", 2)).await.unwrap();
    let (before, _) = disk(dir.path());
    let sealed = vec![0x5a; 1_200];
    let appends = (0..4_000).map(|i| store.append(if i % 2 == 0 { "ch_a" } else { "ch_b" }, 1, sealed.clone()));
    for seq in futures_util::future::join_all(appends).await {
        seq.unwrap();
    }
    let (after, _) = disk(dir.path());
    let per_event = (after - before) as f64 / 4_000.0;
    assert!(per_event <= 1.3 * 1_200.0, "{per_event:.0} B per 1,200 B event");
}

#[tokio::test]
async fn purged_and_revoked_events_give_their_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store.create_channel(channel("ch_a", 1)).await.unwrap();
    store.create_channel(channel("ch_b", 2)).await.unwrap();
    let sealed = vec![7; 1_200];
    for round in 0..3 {
        let appends = (0..3_000).map(|_| store.append("ch_a", 10, sealed.clone()));
        let seqs: Vec<u64> = futures_util::future::join_all(appends).await.into_iter().map(Result::unwrap).collect();
        store.ack("ch_a", *seqs.iter().max().unwrap()).await.unwrap();
        assert_eq!(store.purge_acked(11).await.unwrap(), 3_000);
        let (_, file) = disk(dir.path());
        // The file does not grow round after round: what was freed is reused or returned.
        assert!(file < 2 * 1024 * 1024, "round {round}: relay.db is {file} B after purging everything");
    }
    for _ in 0..3_000 {
        store.append("ch_b", 10, sealed.clone()).await.unwrap();
    }
    let (_, full) = disk(dir.path());
    assert!(store.revoke_channel("ch_b").await.unwrap());
    let (_, emptied) = disk(dir.path());
    assert!(emptied * 3 < full, "revoking 3.6 MB of events left the file at {emptied} B (was {full} B)");
    // The head survives the purge of every event: the next seq continues above it.
    assert_eq!(store.append("ch_a", 10, sealed).await.unwrap(), 9_001);
    drop(store);
    let reopened = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(reopened.stats("ch_a").await.unwrap().head, 9_001);
}

#[tokio::test]
async fn a_relay_db_from_before_schema_2_is_upgraded_and_keeps_every_event() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join("relay.db")).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        conn.execute_batch(schema::V1_FOR_TESTS).unwrap();
        for (id, n, head, acked) in [("ch_old", 1u8, 3i64, 1i64), ("ch_quiet", 2, 0, 0)] {
            conn.execute(
                "INSERT INTO channels (id, label, public_key, hook_hash, client_hash, head_seq, acked_seq, created_at)
                 VALUES (?1, 'old', ?2, ?3, ?4, ?5, ?6, 1)",
                params![id, vec![9u8; 32], vec![n; 32], vec![n + 100; 32], head, acked],
            )
            .unwrap();
        }
        for seq in 1..=3i64 {
            conn.execute(
                "INSERT INTO events (channel_id, seq, received_at, sealed) VALUES ('ch_old', ?1, 5, ?2)",
                params![seq, vec![seq as u8; 1_300]],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let events = store.events_after("ch_old", 0, 10).await.unwrap();
    assert_eq!(events.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(events.iter().all(|(seq, sealed)| sealed == &vec![*seq as u8; 1_300]), "an event changed");
    let stats = store.stats("ch_old").await.unwrap();
    assert_eq!((stats.head, stats.acked, stats.backlog), (3, 1, 2));
    assert!(store.channel_by_hook(&[1; 32]).await.unwrap().is_some());
    assert!(store.channel_by_client(&[102; 32]).await.unwrap().is_some());
    assert!(store.append("ch_old", 6, vec![1]).await.unwrap() > 3);
    drop(store);
    let conn = Connection::open(dir.path().join("relay.db")).unwrap();
    let (version, auto_vacuum): (u32, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT auto_vacuum FROM pragma_auto_vacuum)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((version, auto_vacuum), (schema::CURRENT, 2), "schema version, incremental auto-vacuum");
}

#[tokio::test]
async fn a_relay_db_from_a_newer_relay_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).unwrap());
    let conn = Connection::open(dir.path().join("relay.db")).unwrap();
    conn.pragma_update(None, "user_version", schema::CURRENT + 1).unwrap();
    drop(conn);
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[tokio::test]
async fn a_large_revocation_hands_its_space_back_in_steps_without_holding_up_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store.create_channel(channel("ch_big", 1)).await.unwrap();
    store.create_channel(channel("ch_small", 2)).await.unwrap();
    // About 20 MiB: more than one vacuum step (16 MiB).
    let sealed = vec![3; 1_200];
    let appends = (0..16_000).map(|_| store.append("ch_big", 10, sealed.clone()));
    for seq in futures_util::future::join_all(appends).await {
        seq.unwrap();
    }
    let (_, full) = disk(dir.path());
    assert!(store.revoke_channel("ch_big").await.unwrap());
    let (_, first_step) = disk(dir.path());
    assert!(first_step > full / 8, "one step returned everything ({first_step} of {full} B left)");
    // The next batches return the rest.
    for _ in 0..3 {
        store.append("ch_small", 10, vec![1]).await.unwrap();
    }
    let (_, after) = disk(dir.path());
    assert!(after < full / 8, "relay.db is still {after} B of {full} B after the following batches");
}
