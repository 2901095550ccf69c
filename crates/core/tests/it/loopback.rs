//! Loopback trust: a program that holds the embedded relay's or sandbox's remembered port and
//! answers like our service gets no secret; the service moves and says so. Two processes of the
//! same install still share one embedded relay.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wadesk_core::providers::chatarchitect::Registrations;
use wadesk_core::relay_client::{RelayMode, RelayService};
use wadesk_core::{Install, KeyChoice, Secret, Store};

fn store(dir: &std::path::Path) -> Arc<Store> {
    Arc::new(Install::at(dir.join("data")).create(KeyChoice::Passphrase(Secret::new("loopback test pass"))).unwrap())
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap()
}

/// Binds `port` once the previous holder has let go of it.
async fn take_port(port: u16) -> TcpListener {
    for _ in 0..200 {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("port {port} stayed busy");
}

/// A local program squatting on `listener`: answers every request with `status` and `body` (as a
/// relay's or sandbox's health answer would look) and keeps every byte it was sent.
fn squat(listener: TcpListener, status: &'static str, body: &'static str) -> Arc<Mutex<Vec<u8>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let n =
                    tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await.ok().and_then(Result::ok);
                log.lock().unwrap().extend_from_slice(&buf[..n.unwrap_or(0)]);
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
            });
        }
    });
    seen
}

/// What the squatter was sent holds no credential: only identity challenges, no Authorization.
fn assert_no_secret_reached(seen: &Mutex<Vec<u8>>) {
    let text = String::from_utf8_lossy(&seen.lock().unwrap()).to_lowercase();
    assert!(!text.contains("authorization"), "a credential was sent to the squatter:\n{text}");
    assert!(!text.contains("/h/") && !text.contains("bearer"), "{text}");
    for line in text.lines().filter(|l| l.starts_with("get ") || l.starts_with("post ")) {
        assert!(line.starts_with("get /_wadesk/identity?nonce="), "unexpected request to the squatter: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_squatter_on_the_relay_port_gets_no_secret_and_the_relay_moves_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let relay_dir = dir.path().join("data/relay");
    let first = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(first.wait_caught_up(Duration::from_secs(10)).await);
    let port = port_of(&first.status().relay_url);
    assert_eq!(first.status().notice, None);
    drop(first);

    let seen = squat(take_port(port).await, "200 OK", r#"{"status":"ok","version":"0.1.0"}"#);
    let relay = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(relay.wait_caught_up(Duration::from_secs(10)).await, "{:?}", relay.status());
    let status = relay.status();
    assert_eq!(status.mode, RelayMode::Embedded);
    assert_ne!(port_of(&status.relay_url), port);
    let notice = status.notice.expect("the move is reported");
    assert!(notice.contains(&port.to_string()) && notice.contains("hook URL changed"), "{notice}");
    relay.self_test(Duration::from_secs(10)).await.unwrap();
    assert_no_secret_reached(&seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_of_the_install_streams_from_the_relay_the_first_one_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let relay_dir = dir.path().join("data/relay");
    let host = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(host.wait_caught_up(Duration::from_secs(10)).await);
    // The same install, as the CLI beside the app would be: it proves the relay is its own.
    let guest = RelayService::start(store.clone(), &relay_dir).await.unwrap();
    assert!(guest.wait_caught_up(Duration::from_secs(10)).await);
    assert_eq!(guest.status().relay_url, host.status().relay_url);
    assert_eq!(guest.status().notice, None);
    guest.self_test(Duration::from_secs(10)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_squatter_on_the_sandbox_port_never_sees_the_partner_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let first = Registrations::new(store.clone());
    let port = port_of(&first.sandbox_url().await.unwrap());
    drop(first);

    // Answers 400 to everything, as a sandbox answers `result` without an id.
    let seen = squat(take_port(port).await, "400 Bad Request", r#"{"status":"error","message":"x"}"#);
    let registrations = Registrations::new(store.clone());
    let url = registrations.sandbox_url().await.unwrap();
    assert_ne!(port_of(&url), port);
    assert!(registrations.sandbox_hosted_here().await);
    assert_no_secret_reached(&seen);
}
