//! The relay status's backlog (stream version 2 announces it; a version 1 relay does not) and the
//! switch from a remote relay back to the embedded one.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use wadesk_core::relay_client::{self, RelayChannel, RelayMode, RelayService, RelayStatus, WaitingWebhooks};
use wadesk_core::{ErrorCode, Install, KeyChoice, Secret, Store};
use wadesk_relay_protocol::{seal, CapturedRequest, ChannelKeys, ClientFrame, ServerFrame, StoredEvent};

const ADMIN: &str = "core-remote-relay-admin-token-0c1d";

fn store(dir: &std::path::Path) -> Arc<Store> {
    Arc::new(Install::at(dir.join("data")).create(KeyChoice::Passphrase(Secret::new("relay test pass"))).unwrap())
}

/// A standalone relay on loopback standing in for a remote one; served until the test ends.
async fn remote_relay(dir: &std::path::Path) -> String {
    let relay_store = Arc::new(wadesk_relay::SqliteStore::open(&dir.join("remote-relay")).unwrap());
    let config = wadesk_relay::Config { admin_token: Some(ADMIN.into()), ..wadesk_relay::Config::default() };
    let state = wadesk_relay::RelayState::new(relay_store, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(wadesk_relay::serve(listener, state, std::future::pending()));
    url
}

/// Posts `n` webhooks to `hook`, a few at a time.
async fn post_many(hook: &str, n: usize) {
    let http = reqwest::Client::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let posts = chunk.iter().map(|i| http.post(hook).body(format!("{{\"n\":{i}}}")).send());
        for res in futures_util::future::join_all(posts).await {
            assert!(res.unwrap().status().is_success());
        }
    }
}

/// Waits until `rx`'s status satisfies `done`, returning every status seen on the way (the
/// first included) and the last.
async fn watch_until(
    rx: &mut tokio::sync::watch::Receiver<RelayStatus>,
    done: impl Fn(&RelayStatus) -> bool,
) -> Vec<RelayStatus> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let s = rx.borrow_and_update().clone();
            let finished = done(&s);
            seen.push(s);
            if finished {
                return;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("condition not met; last status {:?}", seen.last()));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backlog_waiting_at_the_relay_shows_as_the_stream_opens_and_counts_down_to_zero() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let relay_url = remote_relay(t.path()).await;
    let channel = relay_client::use_remote(&store, &relay_url, &Secret::new(ADMIN)).await.unwrap();
    // 300 webhooks arrive while the desktop is not streaming.
    post_many(channel.hook_url.expose(), 300).await;

    let service = RelayService::start(store.clone(), &t.path().join("data/relay")).await.unwrap();
    let mut rx = service.subscribe();
    let seen = watch_until(&mut rx, |s| s.caught_up).await;
    // Announced before anything was applied: the first count is the whole backlog.
    let counts: Vec<_> = seen.iter().filter(|s| s.backlog_known).map(|s| (s.backlog, s.caught_up)).collect();
    assert_eq!(counts.first(), Some(&(300, false)), "{seen:#?}");
    assert!(counts.windows(2).all(|w| w[1].0 <= w[0].0), "the backlog only counts down: {counts:?}");
    let last = seen.last().unwrap();
    assert_eq!((last.backlog, last.backlog_known, last.state), (0, true, relay_client::ConnectionState::Connected));
    assert_eq!(store.webhook_counts().unwrap().0 + store.webhook_counts().unwrap().2, 300);
}

/// A hand-driven relay on loopback: sends the frames the test gives it, reports the client's acks
/// and the stream request's query. Speaks whatever version the test's frames make it.
struct StubRelay {
    url: String,
    frames: mpsc::UnboundedSender<ServerFrame>,
    acks: mpsc::UnboundedReceiver<u64>,
    query: tokio::sync::oneshot::Receiver<String>,
}

async fn stub_relay() -> StubRelay {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (frames, mut frames_rx) = mpsc::unbounded_channel::<ServerFrame>();
    let (acks_tx, acks) = mpsc::unbounded_channel();
    let (query_tx, query) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut query_tx = Some(query_tx);
        // The callback's error type is tungstenite's (a whole HTTP response); it never errs here.
        #[allow(clippy::result_large_err)]
        let callback = |req: &tokio_tungstenite::tungstenite::handshake::server::Request, res| {
            if let Some(tx) = query_tx.take() {
                let _ = tx.send(req.uri().query().unwrap_or_default().to_owned());
            }
            Ok(res)
        };
        let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback).await.unwrap();
        loop {
            tokio::select! {
                frame = frames_rx.recv() => {
                    let Some(frame) = frame else { return };
                    ws.send(Message::Binary(frame.encode().into())).await.unwrap();
                }
                msg = ws.next() => match msg {
                    Some(Ok(Message::Binary(bytes))) => {
                        let ClientFrame::Ack { seq } = ClientFrame::decode(&bytes).unwrap();
                        let _ = acks_tx.send(seq);
                    }
                    Some(Ok(_)) => {}
                    _ => return,
                },
            }
        }
    });
    StubRelay { url, frames, acks, query }
}

/// Saves a remote channel at `relay_url` with a fresh key pair, as `use_remote` would.
fn remote_channel(store: &Store, relay_url: &str, channel_id: &str) -> ChannelKeys {
    let keys = ChannelKeys::generate();
    store
        .save_relay_channel(&RelayChannel {
            mode: RelayMode::Remote,
            relay_url: relay_url.to_owned(),
            channel_id: channel_id.into(),
            hook_url: Secret::new(format!("{relay_url}/h/wh_stubhooktoken0123456789")),
            client_key: Secret::new("ck_stub_client_key_0123456789"),
            keys: ChannelKeys::from_secret_bytes(keys.secret_bytes()),
            port: None,
        })
        .unwrap();
    keys
}

fn event(keys: &ChannelKeys, seq: u64) -> ServerFrame {
    let req = CapturedRequest {
        method: "POST".into(),
        path_and_query: "/".into(),
        headers: vec![],
        body: format!("{{\"n\":{seq}}}").into_bytes(),
        received_at_ms: 1,
    };
    ServerFrame::Event(StoredEvent { seq, sealed: seal(&keys.public_key(), &req).unwrap() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_relay_s_head_sets_the_backlog_and_each_applied_batch_counts_it_down() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let mut stub = stub_relay().await;
    let keys = remote_channel(&store, &stub.url, "ch_stub");
    let service = RelayService::start(store.clone(), &t.path().join("data/relay")).await.unwrap();
    let mut rx = service.subscribe();
    let query = (&mut stub.query).await.unwrap();
    assert!(query.split('&').any(|p| p == "v=2"), "the desktop asks for stream version 2: {query}");

    stub.frames.send(ServerFrame::Head { head: 5, waiting: 5 }).unwrap();
    watch_until(&mut rx, |s| s.backlog_known && s.backlog == 5 && !s.caught_up).await;
    for seq in 1..=2 {
        stub.frames.send(event(&keys, seq)).unwrap();
    }
    // Acked after each commit; the status follows.
    while stub.acks.recv().await.unwrap() < 2 {}
    watch_until(&mut rx, |s| s.cursor == 2).await;
    assert_eq!((service.status().backlog, service.status().caught_up), (3, false));
    for seq in 3..=5 {
        stub.frames.send(event(&keys, seq)).unwrap();
    }
    stub.frames.send(ServerFrame::CaughtUp { head: 5 }).unwrap();
    let last = watch_until(&mut rx, |s| s.caught_up).await.pop().unwrap();
    assert_eq!((last.backlog, last.backlog_known, last.cursor), (0, true, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_relay_that_sends_no_head_still_streams_and_settles_at_caught_up() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let mut stub = stub_relay().await;
    let keys = remote_channel(&store, &stub.url, "ch_stub");
    let service = RelayService::start(store.clone(), &t.path().join("data/relay")).await.unwrap();
    let mut rx = service.subscribe();
    // A version 1 relay ignores `v` and starts with the backlog itself.
    for seq in 1..=3 {
        stub.frames.send(event(&keys, seq)).unwrap();
    }
    while stub.acks.recv().await.unwrap() < 3 {}
    let before = watch_until(&mut rx, |s| s.cursor == 3).await.pop().unwrap();
    assert_eq!((before.backlog_known, before.caught_up), (false, false), "no count was announced: {before:?}");
    assert_eq!(before.state, relay_client::ConnectionState::Connected);

    stub.frames.send(ServerFrame::CaughtUp { head: 3 }).unwrap();
    let last = watch_until(&mut rx, |s| s.caught_up).await.pop().unwrap();
    assert_eq!((last.backlog, last.backlog_known, last.cursor), (0, true, 3));
    assert_eq!(store.webhook_counts().unwrap().0 + store.webhook_counts().unwrap().2, 3);
    assert!(service.wait_caught_up(Duration::from_secs(1)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_the_embedded_relay_fetches_the_remote_backlog_first_then_streams_from_a_new_channel() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let relay_dir = t.path().join("data/relay");
    // First run: the embedded relay; then the install moves to a remote relay.
    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    drop(service);
    let relay_url = remote_relay(t.path()).await;
    let remote = relay_client::use_remote(&store, &relay_url, &Secret::new(ADMIN)).await.unwrap();
    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    assert_eq!(service.status().mode, RelayMode::Remote);
    drop(service);
    // Four webhooks wait at the remote relay when the user switches back.
    post_many(remote.hook_url.expose(), 4).await;

    let (service, switch) =
        relay_client::use_embedded(store.clone(), &relay_dir, WaitingWebhooks::FetchFirst).await.unwrap();
    assert_eq!((switch.fetched, switch.remote_drained, switch.left_behind), (4, true, None));
    assert_eq!(switch.previous_relay_url, relay_url);
    assert_eq!(store.webhook_counts().unwrap().0 + store.webhook_counts().unwrap().2, 4);

    // A channel on the embedded relay, with a new hook URL, shown masked.
    let channel = store.relay_channel().unwrap().unwrap();
    assert_eq!(channel.mode, RelayMode::Embedded);
    assert!(channel.relay_url.starts_with("http://127.0.0.1:"));
    assert_eq!(switch.relay_url, channel.relay_url);
    assert_eq!(switch.channel_id, channel.channel_id);
    assert_ne!(channel.hook_url.expose(), remote.hook_url.expose());
    assert_eq!(switch.hook_url_masked, channel.hook_url.masked());
    let json = serde_json::to_string(&switch).unwrap();
    assert!(!json.contains(channel.hook_url.expose()) && !json.contains(channel.client_key.expose()), "{json}");
    assert!(service.wait_caught_up(Duration::from_secs(10)).await, "{:?}", service.status());
    let status = service.status();
    assert_eq!((status.mode, status.relay_url.as_str()), (RelayMode::Embedded, channel.relay_url.as_str()));
    assert_eq!(status.hook_url_masked, switch.hook_url_masked);
    // The cursor started over for the new channel, and the whole path works on it: the self-test
    // finds its own row in the webhook log, though the new channel's seqs repeat the old one's.
    assert_eq!(store.relay_cursor().unwrap(), 0);
    service.self_test(Duration::from_secs(10)).await.unwrap();
    let (applied, duplicates, rejected) = store.webhook_counts().unwrap();
    assert_eq!(applied + duplicates + rejected, 5, "every event of both channels has its log row");

    // Again: already embedded, so nothing to do and nothing changed.
    let e = relay_client::use_embedded(store.clone(), &relay_dir, WaitingWebhooks::FetchFirst).await.unwrap_err();
    assert_eq!((e.code(), e.code().exit_status()), (ErrorCode::NothingToDo, 16), "{e}");
    assert_eq!(store.relay_channel().unwrap().unwrap().channel_id, channel.channel_id);
    // And after a restart the install keeps streaming from the embedded relay on its port.
    drop(service);
    let service = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    assert_eq!(store.relay_channel().unwrap().unwrap().port, channel.port);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_remote_relay_blocks_the_switch_unless_its_backlog_is_left_behind() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let relay_dir = t.path().join("data/relay");
    // Nothing listens on port 9 of loopback.
    remote_channel(&store, "http://127.0.0.1:9", "ch_stub");

    let e = relay_client::use_embedded(store.clone(), &relay_dir, WaitingWebhooks::FetchFirst).await.unwrap_err();
    assert_eq!((e.code(), e.code().exit_status()), (ErrorCode::RelayBacklog, 17), "{e}");
    let message = e.to_string();
    assert!(message.contains("http://127.0.0.1:9") && message.contains("nothing changed"), "{message}");
    assert!(!message.contains("ck_stub") && !message.contains("wh_stub"), "no secret in {message}");
    let channel = store.relay_channel().unwrap().unwrap();
    assert_eq!((channel.mode, channel.channel_id.as_str()), (RelayMode::Remote, "ch_stub"));

    let (service, switch) =
        relay_client::use_embedded(store.clone(), &relay_dir, WaitingWebhooks::LeaveBehind).await.unwrap();
    assert_eq!((switch.fetched, switch.remote_drained, switch.left_behind), (0, false, None));
    assert_eq!(store.relay_channel().unwrap().unwrap().mode, RelayMode::Embedded);
    assert!(service.wait_caught_up(Duration::from_secs(10)).await);
    // The whole path works on the new channel.
    service.self_test(Duration::from_secs(10)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_from_a_channel_the_install_left_stops_instead_of_moving_the_new_cursor() {
    let t = tempfile::tempdir().unwrap();
    let store = store(t.path());
    let stub = stub_relay().await;
    let keys = remote_channel(&store, &stub.url, "ch_stub");
    let service = RelayService::start(store.clone(), &t.path().join("data/relay")).await.unwrap();
    let mut rx = service.subscribe();
    stub.frames.send(ServerFrame::Head { head: 9, waiting: 0 }).unwrap();
    stub.frames.send(ServerFrame::CaughtUp { head: 9 }).unwrap();
    watch_until(&mut rx, |s| s.caught_up).await;
    // Another process (the CLI) switches the install to another channel meanwhile.
    remote_channel(&store, "http://127.0.0.1:9", "ch_other");
    stub.frames.send(event(&keys, 10)).unwrap();
    let last = watch_until(&mut rx, |s| s.state == relay_client::ConnectionState::Offline).await.pop().unwrap();
    assert!(last.last_error.as_deref().unwrap_or_default().contains("switched"), "{last:?}");
    assert_eq!(store.relay_cursor().unwrap(), 0, "the new channel's cursor is untouched");
    assert_eq!(store.webhook_counts().unwrap(), (0, 0, 0));
}
