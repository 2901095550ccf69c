//! The relay indicator, its panel, the self-test and the switch to a remote relay, in the real
//! window; the CLI then reads the same install's relay status.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{bin, cli, AppSession};

use super::{first_run, wait, PASS};

const ADMIN_TOKEN: &str = "e2e-relay-admin-token-8c41f07d";

async fn text(c: &Client, css: &str) -> String {
    wait(c, css).await.text().await.unwrap()
}

async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    wait(c, css).await.attr(name).await.unwrap()
}

/// Runs the self-test from the open panel and returns the result's text once it is in.
async fn self_test(c: &Client) -> String {
    wait(c, "#relay-self-test").await.click().await.unwrap();
    let result = wait(c, "[data-testid=self-test-result]").await;
    let outcome = result.attr("data-outcome").await.unwrap();
    let shown = result.text().await.unwrap();
    assert_eq!(outcome.as_deref(), Some("passed"), "self-test: {shown}");
    shown
}

/// Saves a screenshot under `$WADESK_E2E_SCREENSHOTS` when that is set (for looking at the layout).
pub(crate) async fn screenshot(c: &Client, name: &str) {
    let Some(dir) = std::env::var_os("WADESK_E2E_SCREENSHOTS") else { return };
    std::fs::create_dir_all(&dir).unwrap();
    // WebKitWebDriver returns the last painted frame; under Xvfb that can be seconds behind the DOM.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::fs::write(Path::new(&dir).join(name), c.screenshot().await.unwrap()).unwrap();
}

fn relay_status_from_cli(data_dir: &Path) -> serde_json::Value {
    let out = cli(data_dir, PASS, &["--json", "relay", "status"], "");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn embedded_relay_connects_and_its_self_test_is_applied_to_the_store() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;

    // The embedded relay starts with the store; the pill turns green once the stream is up.
    wait(c, "[data-testid=relay-indicator][data-state=connected]").await;
    assert!(text(c, "[data-testid=relay-indicator]").await.contains("Connected"));
    wait(c, "[data-testid=relay-indicator]").await.click().await.unwrap();
    wait(c, "[data-testid=relay-panel]").await;
    assert_eq!(attr(c, "[data-testid=relay-mode]", "data-mode").await.as_deref(), Some("embedded"));
    let relay_url = text(c, "[data-testid=relay-url]").await;
    assert!(relay_url.starts_with("http://127.0.0.1:"), "embedded relay URL: {relay_url}");
    // The technical details sit under "Details".
    wait(c, "#relay-details").await.click().await.unwrap();
    assert!(text(c, "[data-testid=relay-hook-url]").await.starts_with("••••"));

    let shown = self_test(c).await;
    assert!(shown.contains("Self-test passed in"), "{shown}");
    // The self-test event moved the cursor and counts as the last event.
    wait(c, "[data-testid=relay-last-event] time").await;
    screenshot(c, "wadesk-relay-panel.png").await;

    // The hook URL is a capability: its path never reaches the webview.
    let page = c.source().await.unwrap();
    assert!(!page.contains("/h/"), "the clear hook URL must not reach the webview");

    // The CLI opens the same store while the app holds it, streams from the app's relay, and counts
    // the self-test among the applied webhooks.
    let report = relay_status_from_cli(&app.data_dir());
    assert_eq!(report["relay"]["mode"], "embedded", "{report}");
    assert_eq!(report["relay"]["relay_url"], relay_url.as_str(), "{report}");
    assert!(report["webhooks"]["applied"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["relay"]["cursor"].as_u64().unwrap() >= 1, "{report}");

    // Closing the panel hands focus back to the pill; the window is still connected.
    wait(c, "button[aria-label='Close relay details']").await.click().await.unwrap();
    assert!(c.find(Locator::Css("[data-testid=relay-panel]")).await.is_err());
    wait(c, "[data-testid=relay-indicator][data-state=connected]").await;
    app.close().await;
}

/// A `wadesk-relay` server on loopback with a known admin token. Killed when dropped.
struct RemoteRelay {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl RemoteRelay {
    fn start() -> RemoteRelay {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.path().join("relay.log")).unwrap();
        let mut child = Command::new(bin("wadesk-relay"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path().join("data"))
            .env("WADESK_RELAY_ADMIN_TOKEN", ADMIN_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn wadesk-relay (cargo build -p wadesk-relay; scripts/build.sh does)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.path().join("relay.log")).unwrap_or_default();
                panic!("wadesk-relay exited ({status}):\n{log}");
            }
            assert!(Instant::now() < deadline, "wadesk-relay did not listen within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        RemoteRelay { child, url: format!("http://127.0.0.1:{port}"), _dir: dir }
    }
}

impl Drop for RemoteRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Empties an input the way typing would (an `input` event), so the UI's binding sees it.
async fn clear_input(c: &Client, css: &str) {
    wait(c, css).await;
    c.execute(
        "const input = document.querySelector(arguments[0]);
         input.value = '';
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![serde_json::json!(css)],
    )
    .await
    .unwrap();
}

async fn fill_remote_form(c: &Client, url: &str, token: &str) {
    clear_input(c, "#relay-remote-url").await;
    wait(c, "#relay-remote-url").await.send_keys(url).await.unwrap();
    clear_input(c, "#relay-admin-token").await;
    wait(c, "#relay-admin-token").await.send_keys(token).await.unwrap();
    wait(c, "#relay-use-remote").await.click().await.unwrap();
}

#[tokio::test]
async fn switching_to_a_remote_relay_streams_from_it_and_never_shows_the_admin_token() {
    let remote = RemoteRelay::start();
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, "[data-testid=relay-indicator][data-state=connected]").await.click().await.unwrap();
    wait(c, "[data-testid=relay-panel]").await;
    wait(c, "#relay-remote-toggle").await.click().await.unwrap();

    // Checked in the window before anything is sent.
    fill_remote_form(c, "http://relay.example.com", "x").await;
    let message = text(c, "#relay-remote-url-error").await;
    assert!(message.contains("Use https://"), "{message}");

    // A wrong admin token is refused by the relay, and nothing changes.
    fill_remote_form(c, &remote.url, "not-the-admin-token").await;
    let error = wait(c, "#relay-remote-form [data-testid=error]").await;
    assert_eq!(error.attr("data-code").await.unwrap().as_deref(), Some("relay_unavailable"));
    let shown = error.text().await.unwrap();
    assert!(shown.contains("nothing changed"), "{shown}");
    assert!(shown.contains("401"), "{shown}");
    assert_eq!(attr(c, "[data-testid=relay-mode]", "data-mode").await.as_deref(), Some("embedded"));

    // The right token creates this install's channel there, and the app streams from it.
    fill_remote_form(c, &remote.url, ADMIN_TOKEN).await;
    assert!(text(c, "[data-testid=remote-switched]").await.contains(&remote.url));
    wait(c, "[data-testid=relay-mode][data-mode=remote]").await;
    assert_eq!(text(c, "[data-testid=relay-url]").await, remote.url);
    wait(c, "[data-testid=relay-indicator][data-state=connected]").await;
    let shown = self_test(c).await;
    assert!(shown.contains("Self-test passed in"), "{shown}");
    screenshot(c, "wadesk-relay-remote.png").await;

    let page = c.source().await.unwrap();
    assert!(!page.contains(ADMIN_TOKEN), "the admin token must not stay in the webview");
    assert!(!page.contains("/h/"), "the clear hook URL must not reach the webview");

    // The install now lives on the remote relay, for the CLI too.
    let report = relay_status_from_cli(&app.data_dir());
    assert_eq!(report["relay"]["mode"], "remote", "{report}");
    assert_eq!(report["relay"]["relay_url"], remote.url.as_str(), "{report}");
    assert!(report["webhooks"]["applied"].as_u64().unwrap() >= 1, "{report}");

    // The relay goes away: the pill says so at once, and the panel says what to do.
    drop(remote);
    let pill = wait(c, "[data-testid=relay-indicator][data-state=reconnecting]").await;
    let tooltip = pill.attr("title").await.unwrap().unwrap_or_default();
    assert!(tooltip.contains("Last error:"), "{tooltip}");
    let problem = text(c, "[data-testid=relay-last-error]").await;
    assert!(problem.contains("Next step:"), "{problem}");
    screenshot(c, "wadesk-relay-reconnecting.png").await;
    app.close().await;
}

/// A local program holds the port the install's relay used and answers like a relay: the window
/// shows the relay connected on another port, says why, and that program was sent no credential.
#[tokio::test]
async fn a_program_squatting_on_the_relay_port_is_shown_and_gets_no_secret() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let log = seen.clone();
    let mut squatted = 0;
    let app = AppSession::start_with(|data| {
        cli(data, PASS, &["init"], "");
        let report = relay_status_from_cli(data);
        let url = report["relay"]["relay_url"].as_str().unwrap().to_owned();
        squatted = url.rsplit(':').next().unwrap().parse::<u16>().unwrap();
        let listener = TcpListener::bind(("127.0.0.1", squatted)).unwrap();
        std::thread::spawn(move || squat(listener, &log));
    })
    .await;
    let c = &app.client;
    wait(c, "#unlock-passphrase").await.send_keys(PASS).await.unwrap();
    wait(c, "#unlock-button").await.click().await.unwrap();
    wait(c, "[data-testid=relay-indicator][data-state=connected]").await;
    wait(c, "[data-testid=relay-indicator]").await.click().await.unwrap();
    let notice = text(c, "[data-testid=relay-notice]").await;
    assert!(notice.contains(&format!("port {squatted}")) && notice.contains("hook URL changed"), "{notice}");
    assert!(!text(c, "[data-testid=relay-url]").await.ends_with(&format!(":{squatted}")));
    assert!(self_test(c).await.contains("Self-test passed in"));
    screenshot(c, "wadesk-relay-moved.png").await;
    let sent = String::from_utf8_lossy(&seen.lock().unwrap()).to_lowercase();
    assert!(!sent.contains("authorization") && !sent.contains("/h/"), "the squatter was sent:\n{sent}");
    app.close().await;
}

/// Answers every connection like a relay's /healthz and keeps what it was sent.
fn squat(listener: TcpListener, seen: &std::sync::Mutex<Vec<u8>>) {
    use std::io::{Read, Write};
    for mut tcp in listener.incoming().flatten() {
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(2)));
        let mut buf = [0u8; 16 * 1024];
        let n = tcp.read(&mut buf).unwrap_or(0);
        seen.lock().unwrap().extend_from_slice(&buf[..n]);
        let body = r#"{"status":"ok","version":"0.1.0"}"#;
        let _ = write!(tcp, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    }
}
