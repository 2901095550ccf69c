//! Status webhooks applied into the store per second: SQLCipher beside plain SQLite, on the same
//! code in the same run. Prints figures; asserts nothing about time.
//!
//! ```sh
//! cargo bench -p wadesk-core --features bench --bench status_ingest
//! # knobs: WADESK_BENCH_MESSAGES=20000 (three events each: sent, delivered, read)
//! #        WADESK_BENCH_DIR=/some/disk
//! ```
//!
//! Each event takes the desktop's real path, `Store::apply_relay_events`: open the sealed
//! envelope, dispatch through the webhook door (parse, match by messageId, state machine, event
//! row, webhook log row) and move the relay cursor, with one transaction per event (a quiet
//! stream) or per batch (the stream's group commit of the frames that have already arrived). Events are in delivery order with every tenth delivered twice (a provider
//! retry), so the duplicate path is measured too.
//!
//! Three figures: opening the envelopes alone (one thread, and split over two as the stream
//! does); the store alone (`Store::apply_opened` on events opened beforehand: SQLCipher beside
//! plain SQLite, per batch size); and the whole path (`Store::apply_relay_events`, open + apply).

use std::time::Instant;

use wadesk_core::messaging::CA_MESSAGES_PATH;
use wadesk_core::relay_client::{open_events, OpenedEvent};
use wadesk_core::Store;
use wadesk_relay_protocol::{open, CapturedRequest, ChannelKeys, Header, PeriodSealer, StoredEvent};

mod support;

const TO: &str = "421233221242";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn events(keys: &ChannelKeys, account_id: &str, messages: usize) -> Vec<StoredEvent> {
    // As the relay seals them now (envelope version 2): one period key for the whole stream.
    let mut sealer = PeriodSealer::new(&keys.public_key()).expect("a period key");
    let mut out = Vec::with_capacity(messages * 3 + messages * 3 / 10);
    let mut seq = 0u64;
    for (step, word) in ["sent", "delivered", "read"].iter().enumerate() {
        for i in 0..messages {
            let body = format!(
                r#"{{"app":"Bench","timestamp":{},"version":2,"type":"message-event","payload":{{"id":"bench-{i}","type":"{word}","destination":"{TO}","payload":{{"ts":1}}}}}}"#,
                1_800_000_000_000i64 + (step * messages + i) as i64
            );
            let req = CapturedRequest {
                method: "POST".into(),
                path_and_query: format!("{CA_MESSAGES_PATH}{account_id}"),
                headers: vec![Header { name: "content-type".into(), value: b"application/json".to_vec() }],
                body: body.into_bytes(),
                received_at_ms: 1_800_000_000_000,
            };
            let sealed = sealer.seal(&req).expect("seal");
            let copies = if i % 10 == 0 { 2 } else { 1 };
            for _ in 0..copies {
                seq += 1;
                out.push(StoredEvent { seq, sealed: sealed.clone() });
            }
        }
    }
    out
}

/// A new store with the SANDBOX account, a relay channel and `messages` submitted messages, and
/// the sealed status events for them.
fn prepared(path: &std::path::Path, encrypted: bool, messages: usize) -> (Store, ChannelKeys, Vec<StoredEvent>) {
    let (store, account, keys) = support::bench_store(path, encrypted);
    store.seed_submitted_for_bench(&account, TO, messages).expect("seed");
    let evs = events(&keys, &account, messages);
    (store, keys, evs)
}

/// Applies every event with transactions of `batch` events; returns events per second.
fn run(label: &str, encrypted: bool, batch: usize, dir: &std::path::Path, messages: usize) -> f64 {
    let (store, keys, evs) = prepared(&dir.join(format!("{label}-{batch}.db")), encrypted, messages);
    // The store's share alone: envelopes opened beforehand, then applied batch by batch.
    let opened: Vec<Vec<OpenedEvent>> = evs.chunks(batch).map(|c| open_events(&keys, c)).collect();
    let started = Instant::now();
    for chunk in opened {
        store.apply_opened(chunk).expect("apply");
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = evs.len() as f64 / secs;
    let read = store
        .history_page(
            &wadesk_core::messaging::HistoryFilter {
                statuses: Some(vec![wadesk_core::messaging::MessageStatus::Read]),
                ..Default::default()
            },
            0,
            1,
        )
        .expect("history")
        .total;
    println!(
        "{label:<10} batch {batch:>3}: {} events ({} messages, {} duplicates) in {secs:.2} s: {rate:>8.0} events/s; {read} read",
        evs.len(),
        messages,
        evs.len() - messages * 3
    );
    assert_eq!(read as usize, messages, "every message must end read");
    rate
}

/// The whole desktop path: open each batch (two threads) and apply it, SQLCipher.
fn full_path(dir: &std::path::Path, messages: usize, batch: usize) -> f64 {
    let (store, keys, evs) = prepared(&dir.join(format!("full-{batch}.db")), true, messages);
    let started = Instant::now();
    for chunk in evs.chunks(batch) {
        store.apply_relay_events(&keys, chunk).expect("apply");
    }
    let rate = evs.len() as f64 / started.elapsed().as_secs_f64();
    println!("open + apply, sqlcipher, batch {batch:>3}: {rate:>8.0} events/s");
    rate
}

fn main() {
    let messages = env_or("WADESK_BENCH_MESSAGES", 20_000);
    let base = std::env::var_os("WADESK_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(b) => tempfile::tempdir_in(b).expect("dir"),
        None => tempfile::tempdir().expect("dir"),
    };
    // The envelope alone, so the store's share is visible.
    let keys = ChannelKeys::generate();
    let sample = events(&keys, "x", 2_000);
    let started = Instant::now();
    for e in &sample {
        open(&keys, &e.sealed).expect("open");
    }
    let open_rate = sample.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for chunk in sample.chunks(512) {
        open_events(&keys, chunk);
    }
    let open_two = sample.len() as f64 / started.elapsed().as_secs_f64();
    println!("envelopes opened: {open_rate:>8.0}/s on one thread, {open_two:>8.0}/s on two");
    // 1: one transaction per event (a quiet stream); 64 and 512: what the stream's group commit
    // takes when events arrive faster than they are applied (512 is its cap).
    for batch in [1, 64, 512] {
        let cipher = run("sqlcipher", true, batch, dir.path(), messages);
        let plain = run("plain", false, batch, dir.path(), messages);
        println!("batch {batch:>3}: sqlcipher / plain = {:.2}", cipher / plain);
    }
    for batch in [1, 512] {
        full_path(dir.path(), messages, batch);
    }
}
