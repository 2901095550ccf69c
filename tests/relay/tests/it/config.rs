//! A bad configuration stops the real `wadesk-relay` at start-up with a message naming the setting
//! and its allowed range, instead of panicking later or running with a value that breaks it
//! (`heartbeat = 0` once started and then failed every stream; a huge retention overflowed).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wadesk_relay_tests::bin;
use wadesk_relay_tests::process::clear_relay_env;

/// Runs `wadesk-relay` with `args` (and a throwaway data dir) and returns its exit code and
/// output, or panics if it is still running after 10 s: it accepted the configuration.
fn run(args: &[&str], toml: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin("wadesk-relay"));
    clear_relay_env(&mut cmd);
    cmd.arg("--listen").arg("127.0.0.1:0").arg("--data-dir").arg(dir.path().join("data")).args(args);
    if let Some(toml) = toml {
        let path = dir.path().join("relay.toml");
        std::fs::write(&path, toml).unwrap();
        cmd.arg("--config").arg(path);
    }
    let log = dir.path().join("out.log");
    let out = std::fs::File::create(&log).unwrap();
    cmd.env("NO_COLOR", "1").stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wadesk-relay {args:?} {toml:?} started:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), std::fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn out_of_range_settings_stop_the_relay_at_start_with_a_message_naming_them() {
    let cases: [(&[&str], Option<&str>, &[&str]); 8] = [
        (&[], Some("heartbeat = 0\n"), &["heartbeat", "300"]),
        (&[], Some("retention = 9223372036854775807\n"), &["retention", "3650 days"]),
        (&[], Some("retention = -1\n"), &["retention"]),
        (&[], Some("heartbeat = 30\ndead_after = 30\n"), &["dead_after", "heartbeat"]),
        (&[], Some("rate_per_sec = 0\n"), &["rate_per_sec"]),
        (&[], Some("retension = 86400\n"), &["retension"]),
        (&["--retention-days", "1000000000000000"], None, &["retention"]),
        (&["--body-limit", "100"], None, &["body_limit", "1024"]),
    ];
    for (args, toml, words) in cases {
        let (code, output) = run(args, toml);
        assert!(code.is_some_and(|c| c != 0), "{args:?} {toml:?}: exit {code:?}\n{output}");
        assert!(!output.contains("panicked"), "{args:?} {toml:?}: a panic instead of a message:\n{output}");
        for word in words {
            assert!(output.contains(word), "{args:?} {toml:?}: the message does not say {word:?}:\n{output}");
        }
    }
}
