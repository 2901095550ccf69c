//! `wadesk templates|send|history|webhook` against a standalone sandbox and relay (both served
//! from this test process on loopback, as separate servers): register the webhook, sync
//! templates, send, follow statuses through the relay, export CSV; exit codes and field errors.

use std::time::{Duration, Instant};

use super::{json, wadesk, PASS};

pub(crate) const ADMIN: &str = "cli-relay-admin-token-5f1e2d3c";
const TO: &str = "421233221242";
const SEED: &str = "26815959-f5b8-49b4-9b0e-7458d34777cc";

/// A relay (fsync'ing SQLite store) and a sandbox with quick statuses, each on its own port.
fn servers(dir: &std::path::Path) -> (String, String, tokio::runtime::Runtime) {
    servers_at_rate(dir, wadesk_sandbox::MessagingConfig::default().rate_per_second)
}

/// [`servers`] with a sandbox that takes `rate` messages a second.
pub(crate) fn servers_at_rate(dir: &std::path::Path, rate: u32) -> (String, String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let relay_store = std::sync::Arc::new(wadesk_relay::SqliteStore::open(&dir.join("relay")).unwrap());
    let config = wadesk_relay::Config { admin_token: Some(ADMIN.into()), ..wadesk_relay::Config::default() };
    let state = wadesk_relay::RelayState::new(relay_store, config).unwrap();
    let relay = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let relay_url = format!("http://{}", relay.local_addr().unwrap());
    rt.spawn(wadesk_relay::serve(relay, state, std::future::pending()));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        public_url: sandbox_url.clone(),
        messaging: wadesk_sandbox::MessagingConfig {
            sent_delay: Duration::from_millis(20),
            delivered_delay: Duration::from_millis(40),
            read_delay: Duration::from_millis(60),
            rate_per_second: rate,
            ..wadesk_sandbox::MessagingConfig::default()
        },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    rt.spawn(wadesk_sandbox::serve(listener, sandbox, std::future::pending()));
    (relay_url, sandbox_url, rt)
}

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    wadesk(data).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap()
}

fn ok(data: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = run(data, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

#[test]
fn sync_send_follow_statuses_and_export_through_a_standalone_sandbox_and_relay() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let (relay_url, sandbox_url, _rt) = servers(t.path());
    super::init(&data);
    let out = wadesk(&data)
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_RELAY_ADMIN_TOKEN", ADMIN)
        .args(["relay", "use-remote", &relay_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wadesk(&data)
        .env("WADESK_PASSPHRASE", PASS)
        .args(["--json", "account", "add", "--provider", "chatarchitect", "--name", "Shop", "--base-url", &sandbox_url])
        .arg("--secrets-stdin")
        .write_stdin(format!(
            "app_id={}\napp_secret={}\n",
            wadesk_sandbox::SANDBOX_APP_ID,
            wadesk_sandbox::SANDBOX_APP_SECRET
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Not verified until the provider could be asked (it needs the connected number).
    let unchecked = ok(&data, &["--json", "account", "check", "Shop"]);
    assert_eq!(unchecked["state"], "not_verified", "{unchecked}");
    // The connected number first: the provider's /webhook and /getHSM name it.
    let missing = run(&data, &["--json", "templates", "sync", "--account", "Shop"]);
    assert_eq!(missing.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&missing.stderr).unwrap();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("business_number")));
    ok(&data, &["--json", "webhook", "set-number", "+421 900 000 001", "--account", "Shop"]);
    let checked = ok(&data, &["--json", "account", "check", "Shop"]);
    assert_eq!(checked["state"], "connected", "{checked}");
    let health = ok(&data, &["--json", "webhook", "register", "--account", "Shop"]);
    assert_eq!(health["webhook_current"], true, "{health}");
    assert_eq!(health["business_number"], "421900000001");

    let sync = ok(&data, &["--json", "templates", "sync", "--account", "Shop"]);
    assert!(sync["total"].as_u64().unwrap() >= 10, "{sync}");
    let list = ok(&data, &["--json", "templates", "list", "--account", "Shop", "--category", "otp"]);
    assert!(list.as_array().unwrap().iter().all(|t| t["category"] == "OTP") && !list.as_array().unwrap().is_empty());
    let seed = ok(&data, &["--json", "templates", "show", SEED, "--account", "Shop"]);
    assert_eq!(seed["placeholders"], serde_json::json!([1]));

    // A field error writes nothing: exit 2 and the field in the JSON error.
    let bad = run(&data, &["--json", "send", "template", SEED, "--to", TO, "--account", "Shop"]);
    assert_eq!(bad.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert_eq!(err["field"], "values.1");

    let sent = ok(&data, &["--json", "send", "template", SEED, "--to", TO, "--var", "1=John", "--account", "Shop"]);
    assert_eq!(sent["status"], "submitted");
    let id = sent["id"].as_str().unwrap().to_owned();

    // Free text before the customer wrote: refused in core, exit 15, nothing sent.
    let closed = run(&data, &["--json", "send", "text", "--to", "15550000001", "--text", "Hi", "--account", "Shop"]);
    assert_eq!(closed.status.code(), Some(15), "{}", String::from_utf8_lossy(&closed.stderr));
    super::inbox::customer_writes(&data, &sandbox_url, "15550000001", serde_json::json!({}), 1);
    // A number that is not opted in: --wait follows the relay until the failure arrives; exit 10.
    let failed = run(
        &data,
        &["--json", "send", "text", "--to", "15550000001", "--text", "Hi", "--account", "Shop", "--wait", "20"],
    );
    assert_eq!(failed.status.code(), Some(10), "{}", String::from_utf8_lossy(&failed.stderr));
    let failed = json(&failed);
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure"]["code"], 1008);
    assert_eq!(failed["failure"]["reason"], "User is not Opted in and Inactive");

    // The first send's statuses wait in the relay; history applies them before it reads.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let read = ok(&data, &["--json", "history", "--status", "read"]);
        if read["total"] == 1 {
            assert_eq!(read["rows"][0]["id"], id.as_str());
            break;
        }
        assert!(Instant::now() < deadline, "never read: {read}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let detail = ok(&data, &["--json", "history", "show", &id, "--account", "Shop"]);
    let elsewhere = run(&data, &["--json", "history", "show", &id, "--account", "Sandbox"]);
    assert_eq!(elsewhere.status.code(), Some(3), "another account's message is not found there");
    let steps: Vec<_> = detail["events"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["pending", "submitted", "sent", "delivered", "read"]);

    let csv = run(&data, &["history", "--csv"]);
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let statuses: Vec<String> = rows.records().map(|r| r.unwrap()[5].to_owned()).collect();
    assert_eq!(statuses, ["failed", "read"], "{csv}");
    assert!(csv.contains("User is not Opted in and Inactive"));

    let bad_status = run(&data, &["history", "--status", "lost"]);
    assert_eq!(bad_status.status.code(), Some(2));
}
