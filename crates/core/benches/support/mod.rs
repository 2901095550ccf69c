//! What the store benchmarks share: a new store with the SANDBOX-provider account "Bench" and a
//! stand-in remote relay channel, which gives the relay cursor (and `apply_opened`) a home.

use wadesk_core::relay_client::{RelayChannel, RelayMode};
use wadesk_core::{NewAccount, ProviderKind, Secret, Store};
use wadesk_relay_protocol::ChannelKeys;

/// A new store at `path` (SQLCipher, or plain SQLite when `encrypted` is false), its account id, and
/// the channel's keys (to seal events to it).
pub fn bench_store(path: &std::path::Path, encrypted: bool) -> (Store, String, ChannelKeys) {
    let store = Store::create_for_bench(path, encrypted).expect("store");
    let account = store
        .add_account(NewAccount {
            provider: ProviderKind::Sandbox,
            display_name: "Bench".into(),
            base_url: wadesk_core::providers::EMBEDDED_SANDBOX_URL.into(),
            credentials: vec![],
        })
        .expect("account");
    let keys = ChannelKeys::generate();
    store
        .save_relay_channel(&RelayChannel {
            mode: RelayMode::Remote,
            relay_url: "http://127.0.0.1:9".into(),
            channel_id: "bench".into(),
            hook_url: Secret::new("http://127.0.0.1:9/h/bench"),
            client_key: Secret::new("bench"),
            keys: ChannelKeys::from_secret_bytes(keys.secret_bytes()),
            port: None,
        })
        .expect("channel");
    (store, account.id, keys)
}
