//! Several [`PgStore`]s over one database, as several relay instances behind a load balancer:
//! what one commits the others stream, revocations and rotations reach them all, seqs stay
//! gap-free under concurrent appends from both, and startup is safe to race.

use std::sync::Arc;
use std::time::Duration;

use super::store_contract::channel;
use crate::pg_store::testing::TestDatabase;
use crate::store::EventStore;
use crate::{DatabaseUrl, PgStore};

async fn two_instances() -> Option<(Arc<PgStore>, Arc<PgStore>, TestDatabase)> {
    let db = TestDatabase::create().await?;
    // Opened at once: migrations and the floor are serialised by the advisory lock.
    let (a, b) = tokio::join!(PgStore::open(&db.url), PgStore::open(&db.url));
    Some((Arc::new(a.unwrap()), Arc::new(b.unwrap()), db))
}

#[tokio::test]
async fn a_channel_created_on_one_instance_streams_live_on_the_other() {
    let Some((a, b, _db)) = two_instances().await else { return };
    b.create_channel(channel("ch_x", 1)).await.unwrap();
    let found = a.channel_by_client(&[101; 32]).await.unwrap().expect("a channel created on B is found on A");
    assert_eq!(found.id, "ch_x");
    let mut on_a = a.subscribe("ch_x");
    for expected in 1..=5u64 {
        let seq = b.append("ch_x", 1, vec![expected as u8]).await.unwrap();
        assert_eq!(seq, expected);
        tokio::time::timeout(Duration::from_secs(2), async {
            while *on_a.borrow_and_update() < seq {
                on_a.changed().await.unwrap();
            }
        })
        .await
        .expect("A's watcher did not follow B's commit within 2 s");
        let events = a.events_after("ch_x", seq - 1, 10).await.unwrap();
        assert_eq!(events, vec![(seq, vec![expected as u8])]);
    }
}

#[tokio::test]
async fn revoking_or_rotating_on_one_instance_ends_streams_and_lookups_on_the_other_within_a_second() {
    let Some((a, b, _db)) = two_instances().await else { return };
    a.create_channel(channel("ch_r", 2)).await.unwrap();
    a.create_channel(channel("ch_k", 3)).await.unwrap();
    // B has both cached and watched.
    assert!(b.channel_by_hook(&[2; 32]).await.unwrap().is_some());
    assert!(b.channel_by_client(&[103; 32]).await.unwrap().is_some());
    let (mut revoked, mut rotated) = (b.subscribe("ch_r"), b.subscribe("ch_k"));
    assert!(a.revoke_channel("ch_r").await.unwrap());
    assert!(a.rotate_client_key("ch_k", [77; 32]).await.unwrap());
    let within = Duration::from_secs(1);
    assert!(tokio::time::timeout(within, revoked.changed())
        .await
        .expect("B's stream outlived the revocation")
        .is_err());
    assert!(tokio::time::timeout(within, rotated.changed()).await.expect("B's stream outlived the rotation").is_err());
    assert!(b.channel_by_hook(&[2; 32]).await.unwrap().is_none(), "B still takes the revoked hook");
    assert!(b.channel_by_client(&[103; 32]).await.unwrap().is_none(), "B still takes the old client key");
    assert!(b.channel_by_client(&[77; 32]).await.unwrap().is_some(), "B refuses the new client key");
}

#[tokio::test]
async fn concurrent_appends_from_two_instances_to_one_channel_get_every_seq_once_in_commit_order() {
    let Some((a, b, _db)) = two_instances().await else { return };
    a.create_channel(channel("ch_c", 4)).await.unwrap();
    a.create_channel(channel("ch_d", 5)).await.unwrap();
    // Both channels in each batch, from both instances: locks taken in one order never deadlock.
    let appends = (0..400u32).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move {
            let ch = if i % 3 == 0 { "ch_d" } else { "ch_c" };
            (ch, store.append(ch, 1, i.to_be_bytes().to_vec()).await.unwrap())
        }
    });
    let done = tokio::time::timeout(Duration::from_secs(60), futures_util::future::join_all(appends)).await.unwrap();
    for ch in ["ch_c", "ch_d"] {
        let mut seqs: Vec<u64> = done.iter().filter(|d| d.0 == ch).map(|d| d.1).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{ch}: a seq was skipped or given twice");
        let stored: Vec<u64> = a.events_after(ch, 0, 1000).await.unwrap().iter().map(|e| e.0).collect();
        assert_eq!(stored, seqs);
    }
}

#[tokio::test]
async fn an_instance_start_raises_the_seq_floor_for_every_instance() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = PgStore::open(&db.url).await.unwrap();
    a.create_channel(channel("ch_f", 6)).await.unwrap();
    assert_eq!(a.append("ch_f", 1, vec![1]).await.unwrap(), 1, "a new channel counts from 1");
    let before = crate::now_ms();
    // Another instance starts (perhaps after a restore): seqs from now on are above its clock.
    let b = PgStore::open(&db.url).await.unwrap();
    let floor_us = u64::try_from(before).unwrap() * 1000;
    let next = a.append("ch_f", 1, vec![2]).await.unwrap();
    assert!(next >= floor_us, "seq {next} after another instance started is below its floor {floor_us}");
    let seen = b.channel_by_hook(&[6; 32]).await.unwrap().unwrap();
    assert!(seen.seq_floor >= floor_us && seen.accepts_cursor(floor_us - 1, 1), "{seen:?}");
    drop(b);
}

#[tokio::test]
async fn a_database_from_a_newer_relay_is_refused_and_a_bad_url_never_shows_its_password() {
    let Some(db) = TestDatabase::create().await else { return };
    drop(PgStore::open(&db.url).await.unwrap());
    {
        let server = crate::pg_store::testing::server_url().unwrap();
        let url = crate::pg_store::testing::with_dbname(&server, db.url.redacted().rsplit('/').next().unwrap());
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client.execute("INSERT INTO relay_schema_migrations (version) VALUES (99)", &[]).await.unwrap();
    }
    let err = PgStore::open(&db.url).await.unwrap_err().to_string();
    assert!(err.contains("newer"), "{err}");
    for url in ["postgres://relay:sekrit-pw-1@127.0.0.1:1/relay", "postgres://relay:sekrit-pw-1@[bad/relay"] {
        let err = PgStore::open(&DatabaseUrl::new(url)).await.unwrap_err().to_string();
        assert!(!err.contains("sekrit-pw-1"), "the error shows the password: {err}");
    }
}
