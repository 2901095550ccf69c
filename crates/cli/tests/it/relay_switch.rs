//! `wadesk relay use-embedded`: back from a remote relay (a standalone one served from this test
//! process) to the embedded relay, its JSON and exit codes.

use super::{json, wadesk, PASS};

const ADMIN: &str = "cli-switch-relay-admin-token-a1b2";

/// A standalone relay on loopback, served until the runtime is dropped.
fn remote_relay(dir: &std::path::Path) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let store = std::sync::Arc::new(wadesk_relay::SqliteStore::open(&dir.join("remote-relay")).unwrap());
    let config = wadesk_relay::Config { admin_token: Some(ADMIN.into()), ..wadesk_relay::Config::default() };
    let state = wadesk_relay::RelayState::new(store, config).unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(wadesk_relay::serve(listener, state, std::future::pending()));
    (url, rt)
}

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    wadesk(data).env("WADESK_PASSPHRASE", PASS).env("WADESK_RELAY_ADMIN_TOKEN", ADMIN).args(args).output().unwrap()
}

fn ok(data: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = run(data, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

fn refused(out: &std::process::Output, exit: i32, code: &str) -> String {
    assert_eq!(out.status.code(), Some(exit), "{}", String::from_utf8_lossy(&out.stderr));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], code);
    err["message"].as_str().unwrap().to_owned()
}

#[test]
fn use_embedded_moves_a_remote_install_back_with_a_new_hook_url_and_says_when_there_is_nothing_to_do() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let (relay_url, _rt) = remote_relay(t.path());
    super::init(&data);
    // Already embedded (the default): exit 16, nothing changed.
    let message = refused(&run(&data, &["--json", "relay", "use-embedded"]), 16, "nothing_to_do");
    assert!(message.contains("already uses the embedded relay"), "{message}");

    let remote = ok(&data, &["--json", "relay", "use-remote", &relay_url]);
    let switch = ok(&data, &["--json", "relay", "use-embedded"]);
    assert_eq!(switch["mode"], "embedded");
    assert_eq!(switch["previous_relay_url"], relay_url.as_str());
    assert!(switch["relay_url"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{switch}");
    assert_eq!((switch["remote_drained"].as_bool(), switch["fetched"].as_u64()), (Some(true), Some(0)));
    let masked = switch["hook_url_masked"].as_str().unwrap();
    assert!(masked.starts_with("••••") && masked != remote["hook_url_masked"], "{switch}");
    assert!(!switch.to_string().contains("/h/"), "the hook URL is shown masked only: {switch}");

    let status = ok(&data, &["--json", "relay", "status"]);
    assert_eq!(status["relay"]["mode"], "embedded");
    assert_eq!(status["relay"]["relay_url"], switch["relay_url"]);
    assert_eq!(status["relay"]["hook_url_masked"], masked);
    assert_eq!(
        (status["relay"]["backlog"].as_u64(), status["relay"]["backlog_known"].as_bool()),
        (Some(0), Some(true))
    );
    ok(&data, &["--json", "relay", "self-test"]);
    refused(&run(&data, &["--json", "relay", "use-embedded"]), 16, "nothing_to_do");

    // The words for a person say what to do next.
    let (relay_url, _rt2) = remote_relay(&t.path().join("second"));
    ok(&data, &["--json", "relay", "use-remote", &relay_url]);
    let out = run(&data, &["relay", "use-embedded"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Now using the embedded relay") && text.contains("point your providers at it"), "{text}");
}

#[test]
fn use_embedded_refuses_with_exit_17_while_the_remote_relay_cannot_be_emptied_unless_told_to_leave_it() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    super::init(&data);
    let (relay_url, rt) = remote_relay(t.path());
    ok(&data, &["--json", "relay", "use-remote", &relay_url]);
    // The remote relay goes away.
    drop(rt);

    let message = refused(&run(&data, &["--json", "relay", "use-embedded"]), 17, "relay_backlog");
    assert!(message.contains(&relay_url) && message.contains("nothing changed"), "{message}");
    assert!(!message.contains(ADMIN));
    let status = ok(&data, &["--json", "relay", "status"]);
    assert_eq!(status["relay"]["mode"], "remote", "nothing changed: {status}");
    let switch = ok(&data, &["--json", "relay", "use-embedded", "--leave-waiting"]);
    assert_eq!((switch["mode"].as_str(), switch["remote_drained"].as_bool()), (Some("embedded"), Some(false)));
    assert!(switch["left_behind"].is_null());
}
