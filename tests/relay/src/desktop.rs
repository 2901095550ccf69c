//! The desktop side: the `wadesk` CLI on a throwaway install, and that install's store read
//! directly through `wadesk-core`.
//!
//! The install is protected by a passphrase (`WADESK_NO_KEYCHAIN=1`), so no test touches a real
//! keychain, and `HOME` points into the temp dir. Reading the store in-process is how tests see a
//! commit while a CLI process is still streaming: `wadesk relay status` would itself connect to the
//! relay and apply (and ack) what is waiting, which is exactly what a crash test must not do. Both
//! processes open the same SQLCipher file; WAL mode lets the reader run beside the writer.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use wadesk_core::{Install, Secret, Store};

use crate::bin;

/// The passphrase of every test install.
pub const PASSPHRASE: &str = "relay tests passphrase";

/// Environment the CLI reads that must not leak in from the caller's.
const CLI_ENV: &[&str] = &["WADESK_DATA_DIR", "WADESK_RELAY_ADMIN_TOKEN", "WADESK_TEST_HOLD_ACK_MS", "WADESK_LOG"];

/// One install in a temp dir.
#[derive(Debug)]
pub struct Desktop {
    home: tempfile::TempDir,
}

impl Desktop {
    /// `wadesk init` on a fresh data dir, with a passphrase.
    pub fn init() -> Desktop {
        let home = tempfile::Builder::new().prefix("wadesk-desktop-test-").tempdir().expect("a temp dir");
        let desktop = Desktop { home };
        desktop.run(&["init"], &[]);
        desktop
    }

    /// The install's data dir.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// `wadesk --data-dir … <args>` with the passphrase and `env` set, stdin closed.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(bin("wadesk"));
        cmd.arg("--data-dir").arg(self.data_dir()).args(args);
        for var in CLI_ENV {
            cmd.env_remove(var);
        }
        cmd.env("WADESK_PASSPHRASE", PASSPHRASE).env("WADESK_NO_KEYCHAIN", "1").env("HOME", self.home.path());
        cmd.envs(env.iter().copied()).stdin(Stdio::null());
        cmd
    }

    /// Runs the CLI to completion.
    pub fn output(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args, env).output().expect("run wadesk")
    }

    /// Runs the CLI, which must succeed.
    ///
    /// # Panics
    /// When it exits non-zero, with its stderr.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self.output(args, env);
        assert!(
            out.status.success(),
            "wadesk {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs the CLI with `--json`, which must succeed, and parses what it printed.
    pub fn run_json(&self, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let out = self.run(&with_json, env);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("wadesk {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
        })
    }

    /// Starts the CLI in the background; its output goes to a log file.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Background {
        let log = self.home.path().join(format!("wadesk-{}.log", std::process::id() ^ rand::random::<u32>()));
        let out = File::create(&log).expect("a log file");
        let err = out.try_clone().expect("a log file");
        let child = self.command(args, env).stdout(out).stderr(err).spawn().expect("spawn wadesk");
        Background { child: Some(child), log }
    }

    /// Opens the install's store in this process, as the app would.
    ///
    /// # Panics
    /// When it cannot be unlocked.
    pub fn store(&self) -> Store {
        Install::at(self.data_dir()).unlock(Some(&Secret::new(PASSPHRASE))).expect("unlock the test install")
    }
}

/// A CLI process running in the background. Killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Background {
    child: Option<Child>,
    log: PathBuf,
}

impl Background {
    /// SIGKILLs the process and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL wadesk");
            child.wait().expect("reap wadesk");
        }
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// What it printed so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
