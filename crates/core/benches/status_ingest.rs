//! Status webhooks applied into the store per second: SQLCipher beside plain SQLite, on the same
//! code in the same run. Prints figures; asserts nothing about time.
//!
//! ```sh
//! cargo bench -p wadesk-core --features bench --bench status_ingest
//! # knobs: WADESK_BENCH_MESSAGES=20000 (three events each: sent, delivered, read)
//! #        WADESK_BENCH_DIR=/some/disk
//! ```
//!
//! Each event takes the desktop's real path, `Store::apply_relay_event`: open the sealed
//! envelope, dispatch through the webhook door (parse, match by messageId, state machine, event
//! row, webhook log row) and move the relay cursor, in one transaction per event, as the stream
//! applies them. Events are in delivery order with every tenth delivered twice (a provider
//! retry), so the duplicate path is measured too. Opening the envelopes alone is timed separately,
//! to show what the store's share is.

use std::time::Instant;

use wadesk_core::messaging::CA_MESSAGES_PATH;
use wadesk_core::relay_client::{RelayChannel, RelayMode};
use wadesk_core::{NewAccount, ProviderKind, Secret, Store};
use wadesk_relay_protocol::{open, seal, CapturedRequest, ChannelKeys, Header, StoredEvent};

const TO: &str = "421233221242";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn events(keys: &ChannelKeys, account_id: &str, messages: usize) -> Vec<StoredEvent> {
    let public = keys.public_key();
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
            let sealed = seal(&public, &req).expect("seal");
            let copies = if i % 10 == 0 { 2 } else { 1 };
            for _ in 0..copies {
                seq += 1;
                out.push(StoredEvent { seq, sealed: sealed.clone() });
            }
        }
    }
    out
}

fn run(label: &str, encrypted: bool, dir: &std::path::Path, messages: usize) -> f64 {
    let store = Store::create_for_bench(&dir.join(format!("{label}.db")), encrypted).expect("store");
    let account = store
        .add_account(NewAccount {
            provider: ProviderKind::Sandbox,
            display_name: "Bench".into(),
            base_url: wadesk_core::providers::EMBEDDED_SANDBOX_URL.into(),
            credentials: vec![],
        })
        .expect("account");
    let keys = ChannelKeys::generate();
    let channel_keys = ChannelKeys::from_secret_bytes(keys.secret_bytes());
    store
        .save_relay_channel(&RelayChannel {
            mode: RelayMode::Remote,
            relay_url: "http://127.0.0.1:9".into(),
            channel_id: "bench".into(),
            hook_url: Secret::new("http://127.0.0.1:9/h/bench"),
            client_key: Secret::new("bench"),
            keys: channel_keys,
            port: None,
        })
        .expect("channel");
    store.seed_submitted_for_bench(&account.id, TO, messages).expect("seed");
    let evs = events(&keys, &account.id, messages);
    let started = Instant::now();
    for e in &evs {
        store.apply_relay_event(&keys, e).expect("apply");
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
        "{label:<10} {} events ({} messages, {} duplicates) in {secs:.2} s: {rate:>8.0} events/s; {read} messages read",
        evs.len(),
        messages,
        evs.len() - messages * 3
    );
    assert_eq!(read as usize, messages, "every message must end read");
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
    println!("open alone {open_rate:>8.0} envelopes/s");
    let cipher = run("sqlcipher", true, dir.path(), messages);
    let plain = run("plain", false, dir.path(), messages);
    println!("sqlcipher / plain = {:.2}", cipher / plain);
}
