//! The relay as the hosts use it: set up the install's channel on first use, run the embedded
//! relay when the install uses one, stream, report status, self-test, and switch between a remote
//! relay and the embedded one.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use ts_rs::TS;
use wadesk_relay_protocol::{ChannelKeys, CreateChannel, CreatedChannel, CHANNELS_PATH};

use super::connection::{self, ConnectionState, Endpoint, RelayStatus};
use super::embedded::{EmbeddedRelay, Hosting};
use super::{RelayChannel, RelayMode};
use crate::error::{Error, Result};
use crate::input::{endpoint_url, PathRule};
use crate::secret::Secret;
use crate::store::{now_ms, Store};
use crate::webhooks::SELF_TEST_HEADER;

/// A running relay connection (and embedded relay, if this process hosts it). Stops when dropped.
#[derive(Debug)]
pub struct RelayService {
    status: watch::Receiver<RelayStatus>,
    stop: watch::Sender<bool>,
    hook_url: Secret,
    store: Arc<Store>,
    http: reqwest::Client,
    _embedded: Option<EmbeddedRelay>,
}

/// The answer of a self-test.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SelfTestResult {
    /// From posting to the hook URL until the event was applied here, in milliseconds.
    #[ts(type = "number")]
    pub round_trip_ms: u64,
    /// When the relay received it (ms since the epoch).
    #[ts(type = "number")]
    pub relay_received_at: i64,
}

fn http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        // The relay closes a kept-alive connection idle for its header timeout (15 s by default);
        // let go of ours first, so a post never lands on a connection the relay is closing.
        .pool_idle_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Relay(e.without_url().to_string()))
}

/// Creates a channel for a fresh key pair on the relay at `relay_url` with its admin token.
async fn create_channel(
    http: &reqwest::Client,
    relay_url: &str,
    admin_token: &Secret,
    mode: RelayMode,
    port: Option<u16>,
) -> Result<RelayChannel> {
    let keys = ChannelKeys::generate();
    let res = http
        .post(format!("{}{CHANNELS_PATH}", relay_url.trim_end_matches('/')))
        .bearer_auth(admin_token.expose())
        .json(&CreateChannel { public_key: keys.public_key_b64(), label: "wadesk desktop".into() })
        .send()
        .await
        .map_err(|e| Error::Relay(format!("cannot reach the relay: {}", e.without_url())))?;
    let status = res.status();
    if !status.is_success() {
        let message = res.json::<serde_json::Value>().await.ok().and_then(|v| v["message"].as_str().map(str::to_owned));
        return Err(Error::Relay(format!(
            "the relay refused to create a channel ({status}): {}",
            message.unwrap_or_else(|| "no detail".into())
        )));
    }
    let created: CreatedChannel =
        res.json().await.map_err(|e| Error::Relay(format!("unexpected answer from the relay: {}", e.without_url())))?;
    Ok(RelayChannel {
        mode,
        relay_url: relay_url.trim_end_matches('/').to_owned(),
        channel_id: created.channel_id,
        hook_url: Secret::new(format!("{}{}", relay_url.trim_end_matches('/'), created.hook_path)),
        client_key: Secret::new(created.client_key),
        keys,
        port,
    })
}

/// What to do about webhooks still waiting at the remote relay when the install leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingWebhooks {
    /// Fetch and apply them first; if that cannot be done (the relay is unreachable, or the
    /// backlog is not through within [`FETCH_FIRST_TIMEOUT`]), refuse and change nothing.
    FetchFirst,
    /// Try to fetch them for a few seconds, then switch even if some stay behind there (for a
    /// relay that is gone for good). What stays behind is never fetched.
    LeaveBehind,
}

/// How long [`WaitingWebhooks::FetchFirst`] lets the remote relay's backlog take.
pub const FETCH_FIRST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long [`WaitingWebhooks::LeaveBehind`] still tries to fetch the backlog.
const LEAVE_BEHIND_TRY: Duration = Duration::from_secs(5);

/// What a switch back to the embedded relay did. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EmbeddedSwitch {
    /// The remote relay the install left.
    pub previous_relay_url: String,
    /// The embedded relay's base URL (loopback).
    pub relay_url: String,
    /// The new channel's id (not secret).
    pub channel_id: String,
    /// The new hook URL, masked. Providers must be pointed at it (the old one led to the remote
    /// relay).
    pub hook_url_masked: String,
    /// Webhooks fetched from the remote relay and applied here just before switching.
    #[ts(type = "number")]
    pub fetched: u64,
    /// Whether everything the remote relay held was fetched. False only with
    /// [`WaitingWebhooks::LeaveBehind`].
    pub remote_drained: bool,
    /// Webhooks known to be left at the remote relay (never fetched now); `null` when not
    /// drained and the relay did not say how many (unreachable, or a stream version 1 relay).
    #[ts(type = "number | null")]
    pub left_behind: Option<u64>,
}

/// Moves the install from its remote relay back to the embedded one: fetches what still waits at
/// the remote relay (see [`WaitingWebhooks`]), starts the embedded relay on a free loopback port,
/// creates a channel there and replaces the current one, then streams from it. The hook URL
/// changes: providers must be pointed at the new one. The caller stops any service streaming from
/// the remote channel first, so the fetch is the only stream applying its events.
///
/// Refused with [`Error::NothingToDo`] when the install already uses the embedded relay, and with
/// [`Error::RelayBacklog`] when webhooks may still wait at the remote relay and
/// [`WaitingWebhooks::FetchFirst`] could not fetch them; nothing changes either way (webhooks
/// fetched before the refusal stay applied).
pub async fn use_embedded(
    store: Arc<Store>,
    relay_dir: &Path,
    waiting: WaitingWebhooks,
) -> Result<(RelayService, EmbeddedSwitch)> {
    let channel = match store.relay_channel()? {
        Some(channel) if channel.mode == RelayMode::Remote => channel,
        _ => return Err(Error::NothingToDo("this install already uses the embedded relay; nothing changed".into())),
    };
    let previous_relay_url = channel.relay_url.clone();
    let endpoint = Endpoint {
        channel_id: channel.channel_id.clone(),
        relay_url: channel.relay_url.clone(),
        client_key: channel.client_key,
        keys: channel.keys,
    };
    let try_for = match waiting {
        WaitingWebhooks::FetchFirst => FETCH_FIRST_TIMEOUT,
        WaitingWebhooks::LeaveBehind => LEAVE_BEHIND_TRY,
    };
    let drained = connection::drain(&store, &endpoint, try_for).await;
    let (fetched, remote_drained, left_behind) = match (drained, waiting) {
        (Ok(d), _) if d.caught_up => (d.fetched, true, None),
        (Ok(d), WaitingWebhooks::LeaveBehind) => (d.fetched, false, d.waiting),
        (Err(e), WaitingWebhooks::LeaveBehind) => {
            tracing::info!("leaving the remote relay without fetching its backlog: {e}");
            (0, false, None)
        }
        (Ok(d), WaitingWebhooks::FetchFirst) => {
            let left = d.waiting.map_or_else(|| "more".to_owned(), |n| n.to_string());
            return Err(Error::RelayBacklog(format!(
                "{left} webhooks still wait at the relay at {previous_relay_url} after {}s ({} fetched and kept);                  nothing changed: try again, or switch anyway and leave them behind",
                try_for.as_secs(),
                d.fetched
            )));
        }
        (Err(e), WaitingWebhooks::FetchFirst) => {
            return Err(Error::RelayBacklog(format!(
                "could not fetch the webhooks that may still wait at the relay at {previous_relay_url} ({e});                  nothing changed: try again once it is reachable, or switch anyway and leave them behind"
            )));
        }
    };
    let http = http()?;
    let (channel, relay) = set_up_embedded(&store, relay_dir, &http).await?;
    let switch = EmbeddedSwitch {
        previous_relay_url,
        relay_url: channel.relay_url.clone(),
        channel_id: channel.channel_id.clone(),
        hook_url_masked: channel.hook_url.masked(),
        fetched,
        remote_drained,
        left_behind,
    };
    tracing::info!(fetched, remote_drained, "switched to the embedded relay");
    let service = RelayService::run(store, channel, Some(relay), None, http)?;
    Ok((service, switch))
}

/// Starts a fresh embedded relay on a free loopback port, creates the install's channel there and
/// saves it in place of the current one (the cursor starts over).
async fn set_up_embedded(
    store: &Arc<Store>,
    relay_dir: &Path,
    http: &reqwest::Client,
) -> Result<(RelayChannel, EmbeddedRelay)> {
    let Hosting::Here(relay) = EmbeddedRelay::start(relay_dir, None, &store.loopback_identity_key()?).await? else {
        return Err(Error::Internal("a fresh embedded relay cannot be hosted elsewhere".into()));
    };
    let port = relay.addr().port();
    let channel = create_channel(http, &relay.url(), relay.admin_token(), RelayMode::Embedded, Some(port)).await?;
    store.save_relay_channel(&channel)?;
    Ok((channel, relay))
}

/// Points the install at a remote relay: creates a channel there with the operator's admin token
/// (used once, not stored) and replaces the current channel.
pub async fn use_remote(store: &Arc<Store>, relay_url: &str, admin_token: &Secret) -> Result<RelayChannel> {
    let url = endpoint_url("relay URL", relay_url, PathRule::Allowed)?;
    let channel = create_channel(&http()?, url.as_str(), admin_token, RelayMode::Remote, None).await?;
    store.save_relay_channel(&channel)?;
    Ok(channel)
}

impl RelayService {
    /// Starts streaming for the install. With no channel yet, sets up the embedded relay and its
    /// channel. `relay_dir` is where the embedded relay keeps its data.
    pub async fn start(store: Arc<Store>, relay_dir: &Path) -> Result<RelayService> {
        let http = http()?;
        let mut embedded = None;
        let mut notice = None;
        let channel = match store.relay_channel()? {
            None => {
                let (channel, relay) = set_up_embedded(&store, relay_dir, &http).await?;
                embedded = Some(relay);
                channel
            }
            Some(mut channel) if channel.mode == RelayMode::Embedded => {
                match EmbeddedRelay::start(relay_dir, channel.port, &store.loopback_identity_key()?).await? {
                    Hosting::Here(relay) => {
                        if let Some(port) = relay.moved_from() {
                            notice = Some(format!(
                                "Another program holds port {port}, where this install's relay used to listen, and \
                                 could not prove it belongs to this install, so the relay moved to port {} and \
                                 the hook URL changed. Nothing was sent to that program.",
                                relay.addr().port()
                            ));
                        }
                        if Some(relay.addr().port()) != channel.port {
                            let old = channel.relay_url.clone();
                            channel.relay_url = relay.url();
                            channel.hook_url = Secret::new(channel.hook_url.expose().replacen(&old, &relay.url(), 1));
                            channel.port = Some(relay.addr().port());
                            store.update_embedded_address(
                                &channel.relay_url,
                                &channel.hook_url,
                                relay.addr().port(),
                            )?;
                        }
                        embedded = Some(relay);
                    }
                    Hosting::Elsewhere(port) => tracing::info!(port, "the embedded relay is hosted by another process"),
                }
                channel
            }
            Some(channel) => channel,
        };
        RelayService::run(store, channel, embedded, notice, http)
    }

    /// Streams from `channel` (with `embedded` when this process hosts its relay).
    fn run(
        store: Arc<Store>,
        channel: RelayChannel,
        embedded: Option<EmbeddedRelay>,
        notice: Option<String>,
        http: reqwest::Client,
    ) -> Result<RelayService> {
        let initial = RelayStatus {
            state: ConnectionState::Connecting,
            mode: channel.mode,
            relay_url: channel.relay_url.clone(),
            hook_url_masked: channel.hook_url.masked(),
            cursor: store.relay_cursor()?,
            backlog: 0,
            backlog_known: false,
            last_event_at: store.last_webhook_applied_at()?,
            caught_up: false,
            last_error: None,
            notice,
        };
        let (status_tx, status) = watch::channel(initial);
        let (stop, stop_rx) = watch::channel(false);
        let endpoint = Endpoint {
            channel_id: channel.channel_id.clone(),
            relay_url: channel.relay_url.clone(),
            client_key: channel.client_key,
            keys: channel.keys,
        };
        tokio::spawn(connection::run(store.clone(), endpoint, status_tx, stop_rx));
        Ok(RelayService { status, stop, hook_url: channel.hook_url, store, http, _embedded: embedded })
    }

    /// The current status.
    pub fn status(&self) -> RelayStatus {
        self.status.borrow().clone()
    }

    /// A receiver that changes with the status (for pushing it to the UI).
    pub fn subscribe(&self) -> watch::Receiver<RelayStatus> {
        self.status.clone()
    }

    /// Waits until the stream is connected and the backlog is applied, or `timeout`.
    pub async fn wait_caught_up(&self, timeout: Duration) -> bool {
        let mut rx = self.status.clone();
        tokio::time::timeout(timeout, async {
            loop {
                {
                    let s = rx.borrow_and_update();
                    if s.state == ConnectionState::Connected && s.caught_up {
                        return;
                    }
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        })
        .await
        .is_ok()
    }

    /// Posts a synthetic event to the channel's own hook URL and waits until it has been applied
    /// here. Proves the whole path: hook URL → relay commit → stream → decrypt → store.
    pub async fn self_test(&self, timeout: Duration) -> Result<SelfTestResult> {
        let nonce = uuid::Uuid::new_v4().to_string();
        let started = Instant::now();
        let res = self
            .http
            .post(self.hook_url.expose())
            .header(SELF_TEST_HEADER, &nonce)
            .json(&serde_json::json!({ "wadesk_self_test": nonce, "sent_at": now_ms() }))
            .send()
            .await
            .map_err(|e| Error::Relay(format!("the self-test could not post to the hook URL: {}", e.without_url())))?;
        if !res.status().is_success() {
            return Err(Error::Relay(format!("the relay answered the self-test with {}", res.status())));
        }
        loop {
            let store = self.store.clone();
            let n = nonce.clone();
            let found = tokio::task::spawn_blocking(move || store.self_test_received_at(&n))
                .await
                .map_err(|e| Error::Internal(e.to_string()))??;
            if let Some(relay_received_at) = found {
                return Ok(SelfTestResult { round_trip_ms: started.elapsed().as_millis() as u64, relay_received_at });
            }
            if started.elapsed() > timeout {
                return Err(Error::Relay(format!(
                    "the self-test event was accepted by the relay but did not arrive within {timeout:?}; status: {:?}",
                    self.status().state
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops streaming (and the embedded relay, if hosted here).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for RelayService {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
