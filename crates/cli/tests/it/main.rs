//! The `wadesk` binary as a script would use it: exit codes, JSON, and the same data as the app.
// Test helpers may panic on failure like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

pub(crate) const PASS: &str = "cli test passphrase";

fn wadesk(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("wadesk").unwrap();
    cmd.arg("--data-dir").arg(data).env("WADESK_NO_KEYCHAIN", "1").env_remove("WADESK_PASSPHRASE");
    cmd
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn init(data: &Path) {
    wadesk(data).env("WADESK_PASSPHRASE", PASS).arg("init").assert().success();
}

#[test]
fn status_before_init_says_there_is_no_store_and_creates_nothing() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("d");
    let out = wadesk(&data).args(["--json", "status"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(json(&out)["state"], "uninitialized");
    assert!(!data.exists());
}

#[test]
fn init_then_list_shows_the_sandbox_account() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "account", "list"]).output().unwrap();
    let accounts = json(&out);
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    assert_eq!(accounts[0]["is_sandbox"], true);
    let human = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("[SANDBOX]"));
}

#[test]
fn add_rename_remove_round_trip_with_secrets_from_stdin_never_printed() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .args(["--json", "account", "add", "--provider", "chatarchitect", "--name", "Shop", "--secrets-stdin"])
        .write_stdin("app_id=app-000111222333\napp_secret=very-secret-value-9876\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("very-secret-value"));
    let added = json(&out);
    assert_eq!(added["base_url"], "https://api.chatarchitect.com");
    assert_eq!(added["credentials"][1]["masked"], "••••9876");

    wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "rename", "Shop", "Shop EU"]).assert().success();
    // Removing needs confirmation: without a terminal and without --yes nothing is removed.
    let refused =
        wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "remove", "Shop EU"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "remove", "Shop EU", "--yes"]).assert().success();
    let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "account", "list"]).output().unwrap();
    assert_eq!(json(&out).as_array().unwrap().len(), 1);
}

#[test]
fn errors_have_stable_exit_codes_and_json_shape() {
    let t = tempfile::tempdir().unwrap();
    // No store yet.
    let out = wadesk(t.path()).args(["--json", "account", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "store_uninitialized");

    init(t.path());
    // Wrong passphrase: exit 5, and the store still opens with the right one.
    let out =
        wadesk(t.path()).env("WADESK_PASSPHRASE", "wrong wrong").args(["--json", "account", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stderr).unwrap()["code"], "wrong_passphrase");
    // Locked with no way to ask: a message that says what to do.
    let out = wadesk(t.path()).args(["account", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WADESK_PASSPHRASE"));
    // Bad input names the field; unknown account is 3; init twice is 7.
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .args([
            "account",
            "add",
            "--provider",
            "chatarchitect",
            "--name",
            "X",
            "--base-url",
            "ftp://x",
            "--secrets-stdin",
        ])
        .write_stdin("app_id=1\napp_secret=2\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base URL"));
    let out =
        wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "rename", "nobody", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).arg("init").assert().code(7);
    // A credential missing with no terminal to prompt on: exit 2, nothing added.
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .args(["account", "add", "--provider", "d360", "--name", "Y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("api_key"));
}

#[test]
fn secret_env_reads_a_credential_from_the_named_variable() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("D360_KEY", "d360-api-key-abcdef-1234")
        .args([
            "--json",
            "account",
            "add",
            "--provider",
            "d360",
            "--name",
            "Dialog",
            "--secret-env",
            "api_key=D360_KEY",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["credentials"][0]["masked"], "••••1234");
}

#[test]
fn relay_self_test_status_and_sync_work_on_the_embedded_relay() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "relay", "self-test"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(json(&out)["round_trip_ms"].as_u64().is_some());

    let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "relay", "status"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = json(&out);
    assert_eq!(status["relay"]["mode"], "embedded");
    assert_eq!(status["relay"]["state"], "connected");
    assert_eq!(status["webhooks"]["applied"], 1, "the self-test event was applied once");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("••••") && !stdout.contains("/h/wh_"), "the hook URL is shown masked only");

    let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "relay", "sync"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(json(&out)["cursor"], 1);
}

#[test]
fn use_remote_refuses_plain_http_to_other_hosts_and_unreachable_relays_exit_8() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_RELAY_ADMIN_TOKEN", "admin-token-0123456789")
        .args(["relay", "use-remote", "http://relay.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
    // Nothing listens on port 9 of loopback.
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_RELAY_ADMIN_TOKEN", "admin-token-0123456789")
        .args(["--json", "relay", "use-remote", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", String::from_utf8_lossy(&out.stderr));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "relay_unavailable");
    assert!(!err["message"].as_str().unwrap().contains("admin-token"));
}

mod bulk;
mod contacts;
mod hardening;
mod inbox;
mod messaging;
mod providers;
mod register;
mod relay_switch;
