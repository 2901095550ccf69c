//! `wadesk-relay channels …` against a real relay process: the operator's commands, their JSON,
//! their exit codes, and the admin token taken from the configuration only.

use std::process::{Command, Output, Stdio};

use wadesk_relay_protocol::ChannelKeys;
use wadesk_relay_tests::{bin, process::clear_relay_env, RelayOptions, RelayProcess, ADMIN_TOKEN};

/// `wadesk-relay channels <args>` pointed at `relay`, with `token` as its configured admin token.
fn channels(relay: &RelayProcess, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("wadesk-relay"));
    clear_relay_env(&mut cmd);
    cmd.arg("channels").args(args).arg("--url").arg(relay.url());
    if let Some(token) = token {
        cmd.env("WADESK_RELAY_ADMIN_TOKEN", token);
    }
    cmd.stdin(Stdio::null()).output().expect("run wadesk-relay channels")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn error(out: &Output) -> (i32, serde_json::Value) {
    let err = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), err)
}

#[test]
fn an_operator_creates_lists_rotates_and_revokes_channels_from_the_command_line() {
    let relay = RelayProcess::start(RelayOptions::default());
    let keys = ChannelKeys::generate();
    let created = json(&channels(
        &relay,
        Some(ADMIN_TOKEN),
        &["create", "--public-key", &keys.public_key_b64(), "--label", "Shop", "--json"],
    ));
    let id = created["channel_id"].as_str().unwrap().to_owned();
    let hook = created["hook_path"].as_str().unwrap().to_owned();
    let key = created["client_key"].as_str().unwrap().to_owned();
    assert_eq!(relay.post(&hook, b"{}").status, 200, "the new channel's hook works");
    assert_eq!(relay.stats(&key).head, 1);

    let list = json(&channels(&relay, Some(ADMIN_TOKEN), &["list", "--json"]));
    let row = &list["channels"][0];
    assert_eq!((row["id"].as_str(), row["label"].as_str()), (Some(id.as_str()), Some("Shop")));
    assert_eq!((row["head"].as_u64(), row["backlog"].as_u64(), row["stored"].as_u64()), (Some(1), Some(1), Some(1)));
    let table = channels(&relay, Some(ADMIN_TOKEN), &["list"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(&id) && text.contains("Shop") && !text.contains(&key), "{text}");

    let rotated = json(&channels(&relay, Some(ADMIN_TOKEN), &["rotate-client-key", &id, "--json"]));
    let new_key = rotated["client_key"].as_str().unwrap();
    assert_ne!(new_key, key);
    assert_eq!(relay.stats(new_key).head, 1, "the new key reads the same channel");
    assert!(relay.stream(&key, 0).is_err(), "the old key still streams");

    // Revoking asks first; with no terminal to ask on it needs --yes, and nothing changes.
    let (code, err) = error(&channels(&relay, Some(ADMIN_TOKEN), &["revoke", &id, "--json"]));
    assert_eq!((code, err["code"].as_str()), (2, Some("invalid_input")), "{err}");
    assert!(err["message"].as_str().unwrap().contains("--yes"), "{err}");
    assert_eq!(relay.post(&hook, b"{}").status, 200);
    let revoked = json(&channels(&relay, Some(ADMIN_TOKEN), &["revoke", &id, "--yes", "--json"]));
    assert_eq!(revoked["channel_id"].as_str(), Some(id.as_str()));
    assert_eq!(relay.post(&hook, b"{}").status, 404, "a revoked hook still takes webhooks");
    let (code, err) = error(&channels(&relay, Some(ADMIN_TOKEN), &["revoke", &id, "--yes", "--json"]));
    assert_eq!((code, err["code"].as_str()), (3, Some("not_found")), "{err}");
    assert_eq!(json(&channels(&relay, Some(ADMIN_TOKEN), &["list", "--json"]))["channels"], serde_json::json!([]));
}

#[test]
fn a_wrong_or_missing_admin_token_and_an_unreachable_relay_have_their_own_exit_codes() {
    let mut relay = RelayProcess::start(RelayOptions::default());
    let (code, err) = error(&channels(&relay, Some("not-the-admin-token-0123456789"), &["list", "--json"]));
    assert_eq!((code, err["code"].as_str()), (9, Some("unauthorized")), "{err}");
    assert!(!err.to_string().contains("not-the-admin-token"), "the token was echoed: {err}");
    let (code, err) = error(&channels(&relay, None, &["list", "--json"]));
    assert_eq!((code, err["code"].as_str()), (2, Some("invalid_input")), "{err}");
    assert!(err["message"].as_str().unwrap().contains("admin token"), "{err}");
    let (code, err) = error(&channels(&relay, Some(ADMIN_TOKEN), &["revoke", "../v1/channels", "--yes", "--json"]));
    assert_eq!((code, err["code"].as_str()), (2, Some("invalid_input")), "{err}");
    let (code, _) = error(&channels(&relay, Some(ADMIN_TOKEN), &["create", "--public-key", "AAAA", "--json"]));
    assert_eq!(code, 2);
    relay.kill();
    let (code, err) = error(&channels(&relay, Some(ADMIN_TOKEN), &["list", "--json"]));
    assert_eq!((code, err["code"].as_str()), (8, Some("relay_unavailable")), "{err}");
    // The token is never an argument.
    let out =
        Command::new(bin("wadesk-relay")).args(["channels", "list", "--admin-token", ADMIN_TOKEN]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an --admin-token flag was accepted");
}
