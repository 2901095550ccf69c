//! `wadesk inbox list|show|reply|search` against a standalone sandbox and relay: simulated
//! customers write every inbound type (one twice, as a provider retry), the conversation lists
//! them once each with its unread count, replies follow the 24-hour window (exit 15 outside it,
//! nothing stored), templates go any time, and search finds part of a word and part of a number.

use std::time::{Duration, Instant};

use serde_json::{json as j, Value};

use super::{json, wadesk, PASS};

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    wadesk(data).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap()
}

fn ok(data: &std::path::Path, args: &[&str]) -> Value {
    let out = run(data, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

/// A simulated customer's message through the sandbox's control surface (`body` adds `type`,
/// `payload`, `timestamp`, `copies`…), then waits until the CLI sees `count` messages from them.
pub(crate) fn customer_writes(data: &std::path::Path, sandbox_url: &str, from: &str, body: Value, count: u64) {
    let mut req = j!({ "source": from });
    req.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    let res = reqwest::blocking::Client::new()
        .post(format!("{sandbox_url}/_sandbox/messaging/inbound"))
        .basic_auth(wadesk_sandbox::SANDBOX_APP_ID, Some(wadesk_sandbox::SANDBOX_APP_SECRET))
        .json(&req)
        .send()
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let shown = run(data, &["--json", "inbox", "show", from, "--account", "Shop", "--limit", "1000"]);
        if shown.status.success() {
            let items = json(&shown)["timeline"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["direction"] == "inbound")
                .count();
            if items as u64 >= count {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the message from {from} never arrived");
        std::thread::sleep(Duration::from_millis(200));
    }
}

const JANA: &str = "4915120000000";
const OLD: &str = "4915120000001";
const SEED: &str = "26815959-f5b8-49b4-9b0e-7458d34777cc";

#[test]
fn customers_write_every_type_once_each_and_replies_follow_the_window() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let (relay_url, sandbox_url, _rt) = super::messaging::servers_at_rate(t.path(), 80);
    super::bulk::shop(&data, &relay_url, &sandbox_url, 2, t.path());

    // Every type the sandbox's customers send, the first one delivered twice (a provider retry).
    customer_writes(&data, &sandbox_url, JANA, j!({ "payload": { "text": "Where is my parcel?" }, "copies": 2 }), 1);
    let kinds = ["image", "file", "audio", "video", "location", "contact", "button_reply", "list_reply", "sticker"];
    for (i, kind) in kinds.iter().enumerate() {
        customer_writes(&data, &sandbox_url, JANA, j!({ "type": kind }), i as u64 + 2);
    }
    customer_writes(&data, &sandbox_url, JANA, j!({ "type": "reaction", "payload": { "emoji": "👍" } }), 11);
    let shown = ok(&data, &["--json", "inbox", "show", JANA, "--account", "Shop"]);
    let items = shown["timeline"]["items"].as_array().unwrap();
    assert_eq!(shown["timeline"]["total"], 11, "the duplicate is one message");
    let contents: Vec<&str> = items.iter().map(|i| i["inbound"]["content"]["kind"].as_str().unwrap()).collect();
    assert_eq!(
        contents,
        ["text", "media", "media", "media", "media", "location", "contacts", "reply", "reply", "media", "unknown"]
    );
    assert!(items[10]["inbound"]["raw_json"].as_str().unwrap().contains("👍"), "the unknown type's payload is kept");
    assert_eq!(shown["conversation"]["name"], "Kunde0", "linked to the imported contact");

    let list = ok(&data, &["--json", "inbox", "list", "--account", "Shop", "--unread"]);
    assert_eq!((list["total"].as_u64(), list["unread_total"].as_u64()), (Some(1), Some(11)), "{list}");
    assert_eq!(list["rows"][0]["window"]["open"], true);

    // Inside the window free text goes; the customer's reply window is the core's to check.
    let sent =
        ok(&data, &["--json", "inbox", "reply", JANA, "--text", "It ships today", "--account", "Shop", "--wait", "20"]);
    assert_eq!(sent["status"], "read", "{sent}");

    // A customer who last wrote 25 hours ago: free text exits 15 and stores nothing; a template goes.
    let day_ago = wadesk_core::store::now_ms() - 25 * 3600 * 1000;
    customer_writes(&data, &sandbox_url, OLD, j!({ "payload": { "text": "Hallo" }, "timestamp": day_ago }), 1);
    let refused = run(&data, &["--json", "inbox", "reply", OLD, "--text", "Hi again", "--account", "Shop"]);
    assert_eq!(refused.status.code(), Some(15), "{}", String::from_utf8_lossy(&refused.stderr));
    let err: Value = serde_json::from_slice(&refused.stderr).unwrap();
    assert_eq!(err["code"], "window_closed");
    let history = ok(&data, &["--json", "history", "--number", OLD]);
    assert_eq!(history["total"], 0, "nothing was written");
    let by_send = run(&data, &["--json", "send", "text", "--to", OLD, "--text", "Hi", "--account", "Shop"]);
    assert_eq!(by_send.status.code(), Some(15), "`send text` obeys the same rule");
    let template =
        ok(&data, &["--json", "inbox", "reply", OLD, "--template", SEED, "--var", "1=Kunde1", "--account", "Shop"]);
    assert_eq!(template["status"], "submitted");
    let closed = ok(&data, &["--json", "inbox", "list", "--account", "Shop", "--window-open"]);
    assert_eq!(closed["total"], 1, "only Jana's window is open");

    // Search: part of a word, part of a number.
    let found = ok(&data, &["--json", "inbox", "search", "arce", "--account", "Shop"]);
    assert_eq!(found["messages"].as_array().unwrap().len(), 1, "{found}");
    let marked: Vec<&str> = found["messages"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["hit"] == true)
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["arce"]);
    let by_number = ok(&data, &["--json", "inbox", "search", "20000001", "--account", "Shop"]);
    assert_eq!(by_number["conversations"].as_array().unwrap().len(), 1, "{by_number}");
    let human = run(&data, &["inbox", "search", "ships", "--account", "Shop"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("[ships]"), "{}", String::from_utf8_lossy(&human.stdout));
    let missing = run(&data, &["--json", "inbox", "show", "4915129999999", "--account", "Shop"]);
    assert_eq!(missing.status.code(), Some(3));
}
