//! A desktop (the real `wadesk` CLI's data dir) pointed at a real relay process with
//! `wadesk relay use-remote`, and what the cross-process tests post and watch through it.

use wadesk_core::Store;

use crate::http::post_request;
use crate::process::ChannelStats;
use crate::{Desktop, RelayOptions, RelayProcess, ADMIN_TOKEN};

/// A relay, a desktop with its channel there, the desktop's store (read from this process) and
/// the channel's hook path and client key.
#[derive(Debug)]
pub struct RemoteDesktop {
    /// The relay process.
    pub relay: RelayProcess,
    /// The desktop's data dir.
    pub desktop: Desktop,
    /// The desktop's store, opened here to watch what it applied.
    pub store: Store,
    /// The hook URL's path on the relay.
    pub hook_path: String,
    /// The desktop's client key, for the relay's channel stats.
    pub client_key: String,
}

impl RemoteDesktop {
    /// Starts a relay and points a fresh desktop at it.
    pub fn start() -> RemoteDesktop {
        let relay = RelayProcess::start(RelayOptions::default());
        let desktop = Desktop::init();
        let used =
            desktop.run_json(&["relay", "use-remote", &relay.url()], &[("WADESK_RELAY_ADMIN_TOKEN", ADMIN_TOKEN)]);
        assert_eq!(used["mode"], "remote", "{used}");
        let store = desktop.store();
        let channel = store.relay_channel().expect("the desktop store reads").expect("use-remote saves a channel");
        let hook_path =
            channel.hook_url.expose().strip_prefix(&relay.url()).expect("the hook URL is on the relay").to_owned();
        let client_key = channel.client_key.expose().to_owned();
        RemoteDesktop { relay, desktop, store, hook_path, client_key }
    }

    /// Posts a ChatArchitect inbound-message webhook (seed 000's shape: unsigned, like every
    /// message webhook) with message id `id` and `X-CA-Event-Id: event_id`, and returns its seq.
    /// Signed webhooks are registration completions, which the desktop verifies against a partner
    /// token these tests do not have; an inbound message is applied as it is. The desktop drops a
    /// second webhook with the same event id as a provider retry.
    pub fn post_message(&self, id: &str, event_id: &str) -> u64 {
        let body = serde_json::json!({
            "app": "aQWPjCAmjav",
            "timestamp": 1580227766370u64,
            "version": 2,
            "type": "message",
            "payload": { "id": id, "source": "421233221242", "type": "text", "payload": { "text": "Hi" } },
        })
        .to_string();
        let res = self.relay.request(&post_request(
            &self.hook_path,
            &[("Content-Type", b"application/json"), ("X-CA-Event-Id", event_id.as_bytes())],
            body.as_bytes(),
        ));
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["seq"].as_u64().expect("the relay answers the seq")
    }

    /// (applied, duplicates, rejected) in the desktop's store.
    pub fn counts(&self) -> (u64, u64, u64) {
        self.store.webhook_counts().expect("the desktop store reads")
    }

    /// The highest relay seq the desktop applied.
    pub fn cursor(&self) -> u64 {
        self.store.relay_cursor().expect("the desktop store reads")
    }

    /// The relay's view of the channel.
    pub fn stats(&self) -> ChannelStats {
        self.relay.stats(&self.client_key)
    }
}
