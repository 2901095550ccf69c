//! The binary under input it should refuse: racing inits, a damaged store, credentials given the
//! wrong way, numbers and paths that do not fit, URLs and names that would mislead.

use std::process::{Command as StdCommand, Output, Stdio};

use super::{init, json, wadesk, PASS};

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn assert_no_panic(out: &Output) {
    let all = text(out);
    assert!(!all.contains("panicked") && out.status.code() != Some(101), "panicked: {all}");
}

fn error_code(out: &Output) -> String {
    let err: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: stderr is not JSON: {}", String::from_utf8_lossy(&out.stderr)));
    err["code"].as_str().unwrap().to_owned()
}

#[test]
fn concurrent_inits_leave_exactly_one_store_that_opens() {
    for round in 0..3 {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("d");
        // Eight inits, and `status` calls racing them: a store being created must never be seen
        // half-made (each status sees no store, or the whole store).
        let commands = ["init"; 8].into_iter().chain(["status"; 4]);
        let children: Vec<_> = commands
            .map(|command| {
                StdCommand::new(assert_cmd::cargo::cargo_bin("wadesk"))
                    .arg("--data-dir")
                    .arg(&data)
                    .args(["--json", command])
                    .env("WADESK_NO_KEYCHAIN", "1")
                    .env("WADESK_PASSPHRASE", PASS)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut outs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        for status in outs.split_off(8) {
            assert!(status.status.success(), "round {round}: status during init: {}", text(&status));
            let seen = json(&status);
            assert!(
                seen["state"] == "uninitialized" || seen["accounts"].as_array().is_some_and(|a| a.len() == 1),
                "round {round}: {seen}"
            );
        }
        let won = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(won, 1, "round {round}: {won} inits succeeded");
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(7), "round {round}: {}", text(o));
            assert_eq!(error_code(o), "store_already_exists", "round {round}");
        }
        let out = wadesk(&data).env("WADESK_PASSPHRASE", PASS).args(["--json", "account", "list"]).output().unwrap();
        assert!(out.status.success(), "round {round}: the surviving store does not open: {}", text(&out));
        let accounts = json(&out);
        assert_eq!(accounts.as_array().unwrap().len(), 1, "round {round}: {accounts}");
        assert_eq!(accounts[0]["is_sandbox"], true);
        let left: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(!left.iter().any(|n| n.to_string_lossy().contains("creating")), "round {round}: {left:?}");
    }
}

#[test]
fn a_wrong_passphrase_exits_5_and_a_damaged_store_exits_7() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let db = t.path().join("wadesk.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[200..260].iter_mut().for_each(|b| *b ^= 0xa5);
    std::fs::write(&db, bytes).unwrap();
    let wrong = wadesk(t.path()).env("WADESK_PASSPHRASE", "wrong wrong").args(["--json", "status"]).output().unwrap();
    assert_eq!((wrong.status.code(), error_code(&wrong).as_str()), (Some(5), "wrong_passphrase"), "{}", text(&wrong));
    let right = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["account", "list"]).output().unwrap();
    assert_eq!(right.status.code(), Some(7), "{}", text(&right));
    let message = String::from_utf8_lossy(&right.stderr);
    assert!(message.contains("passphrase is right") && message.contains("damaged"), "{message}");
}

#[test]
fn credentials_given_the_wrong_way_are_never_echoed() {
    const VALUE: &str = "sk-live-SUPERSECRET-4242";
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let add = |extra: &[&str], stdin: &str| {
        let mut cmd = wadesk(t.path());
        cmd.env("WADESK_PASSPHRASE", PASS)
            .args(["account", "add", "--provider", "chatarchitect", "--name", "Shop"])
            .args(extra)
            .write_stdin(stdin.to_owned());
        cmd.output().unwrap()
    };
    let cases = [
        // The value where the variable's name belongs.
        add(&["--secret-env", &format!("app_secret={VALUE}"), "--secret-env", "app_id=HOME"], ""),
        // The value alone, or as the name.
        add(&["--secret-env", VALUE], ""),
        add(&["--secret-env", &format!("{VALUE}=HOME")], ""),
        // Malformed stdin lines.
        add(&["--secrets-stdin"], &format!("{VALUE}\n")),
        add(&["--secrets-stdin"], &format!("app_id=1\n{VALUE}=x\n")),
        add(&["--secrets-stdin"], &format!("app_id=1\napp_secret={VALUE}\nzz {VALUE}=1\n")),
    ];
    for (i, out) in cases.iter().enumerate() {
        assert_eq!(out.status.code(), Some(2), "case {i}: {}", text(out));
        assert!(!text(out).contains("SUPERSECRET"), "case {i} echoed the value: {}", text(out));
    }
    // The field is still named, so the message helps.
    assert!(text(&cases[0]).contains("app_secret"), "{}", text(&cases[0]));
}

#[test]
fn out_of_range_numbers_and_non_utf8_paths_are_input_errors_not_panics() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    for args in [
        &["register", "start", "--wait", "18446744073709551615"][..],
        &["register", "start", "--wait", "99999999999999"],
        &["relay", "self-test", "--timeout", "18446744073709551615"],
    ] {
        let out = wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bad = t.path().join(std::ffi::OsStr::from_bytes(b"data-\xff\xfe"));
        for args in [&["init"][..], &["--json", "init"], &["status"]] {
            let out = wadesk(&bad).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap();
            assert_no_panic(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
            assert!(text(&out).contains("UTF-8"), "{}", text(&out));
        }
        // The same rule for the directory named by the environment.
        let out = assert_cmd::Command::cargo_bin("wadesk")
            .unwrap()
            .env("WADESK_DATA_DIR", &bad)
            .env("WADESK_NO_KEYCHAIN", "1")
            .arg("status")
            .output()
            .unwrap();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    }
}

#[test]
fn plain_http_to_other_hosts_and_text_direction_tricks_are_refused_everywhere() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let add = |name: &str, url: &str| {
        wadesk(t.path())
            .env("WADESK_PASSPHRASE", PASS)
            .args(["account", "add", "--provider", "chatarchitect", "--name", name, "--base-url", url])
            .args(["--secrets-stdin"])
            .write_stdin("app_id=1\napp_secret=2\n")
            .output()
            .unwrap()
    };
    let out = add("Shop", "http://api.example.com");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("https://"));
    for ok in ["http://127.0.0.2:8080", "http://localhost:9", "http://[::1]:9", "https://api.example.com"] {
        assert!(add(&format!("Shop {ok}"), ok).status.success(), "{ok}");
    }
    for bidi in ["Shop\u{202E}gpj.exe", "\u{2066}Shop", "Shop\u{200F}", "a\u{061C}b"] {
        let out = add(bidi, "https://api.example.com");
        assert_eq!(out.status.code(), Some(2), "{bidi:?}: {}", text(&out));
        let out = wadesk(t.path())
            .env("WADESK_PASSPHRASE", PASS)
            .args(["account", "rename", "Sandbox", bidi])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "rename to {bidi:?}: {}", text(&out));
    }
    // The same loopback rule for the relay: any 127.0.0.0/8 address is this machine (nothing
    // listens on port 9, so the relay is unavailable: exit 8, not refused as input).
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_RELAY_ADMIN_TOKEN", "admin-token-0123456789")
        .args(["relay", "use-remote", "http://127.0.0.2:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let out = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_PARTNER_TOKEN", "partner-token-0123456789")
        .args(["register", "use-partner", "http://registration.example"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
