//! Harness for driving the real Wadesk window: tauri-driver (with Debian's WebKitWebDriver) in its
//! own process group, a private HOME and data directory per test, and the built binaries.
//!
//! Needs an X display (the test command runs these tests under `xvfb-run`), `tauri-driver` on PATH
//! and the app and CLI built into the same target directory as the test binary.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// Runs the `wadesk` CLI on `data_dir` with the passphrase in its environment.
pub fn cli(data_dir: &Path, passphrase: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(bin("wadesk"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("WADESK_PASSPHRASE", passphrase)
        .env("WADESK_NO_KEYCHAIN", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wadesk");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wadesk output");
    assert!(out.status.success(), "wadesk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Where cargo put the binaries: the test executable lives in `<target>/debug/deps/`.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe.parent().and_then(Path::parent).expect("target dir").join(name);
    assert!(path.exists(), "{} is not built; run the test command (scripts/test.sh)", path.display());
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn wait_listening(port: u16, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[allow(missing_debug_implementations)] // fantoccini::Client is not Debug
/// One app session: its own HOME and data dir, tauri-driver, and a WebDriver client on the window.
pub struct AppSession {
    /// The WebDriver client; the window is the current browsing context.
    pub client: Client,
    /// Temporary home holding HOME, XDG dirs and the data dir.
    pub home: tempfile::TempDir,
    driver: Child,
}

impl AppSession {
    /// The data directory the app uses (and the CLI should be pointed at).
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Starts tauri-driver and opens the app window on an empty data dir. Keychain use is disabled
    /// so the passphrase path is exercised the same way on every machine.
    pub async fn start() -> AppSession {
        Self::start_with(|_| {}).await
    }

    /// Like [`AppSession::start`], after `prepare` has run on the (not yet existing) data dir path,
    /// e.g. to create a store with the CLI first.
    pub async fn start_with(prepare: impl FnOnce(&Path)) -> AppSession {
        assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run under xvfb-run (scripts/test.sh does)");
        // Err only means another test of this process installed it first.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let home = tempfile::tempdir().expect("tempdir");
        prepare(&home.path().join("data"));
        let (port, native_port) = (free_port(), free_port());
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("share"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("WADESK_DATA_DIR", home.path().join("data"))
            .env("WADESK_NO_KEYCHAIN", "1")
            .stdout(Stdio::null())
            // A file, not our stderr: the app outlives the driver by a moment and would keep the
            // test's output pipe open (nextest reports that as a leak).
            .stderr(std::fs::File::create(home.path().join("driver.log")).expect("driver log"));
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        let mut session = PartialSession { driver: Some(driver) };
        // Both the proxy and WebKitWebDriver must listen before a session is asked for (PLATFORM.md).
        assert!(wait_listening(port, Duration::from_secs(20)), "tauri-driver did not listen");
        assert!(wait_listening(native_port, Duration::from_secs(20)), "WebKitWebDriver did not listen");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": bin("wadesk-desktop").display().to_string() }),
        );
        let client = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session on the app");
        AppSession { client, home, driver: session.driver.take().expect("driver") }
    }

    /// Ends the WebDriver session and the driver's whole process group.
    pub async fn close(self) {
        let AppSession { client, home, driver } = self;
        let _ = client.close().await;
        kill_group(driver);
        drop(home);
    }
}

/// Kills the driver if `start` panics half-way, so no orphan keeps CI from finishing.
#[derive(Debug)]
struct PartialSession {
    driver: Option<Child>,
}

impl Drop for PartialSession {
    fn drop(&mut self) {
        if let Some(d) = self.driver.take() {
            kill_group(d);
        }
    }
}

fn kill_group(mut child: Child) {
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
}
