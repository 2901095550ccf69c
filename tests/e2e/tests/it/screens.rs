//! Screenshots of every main screen in the real window, at 900×700 and 1600×1000, for the README
//! and for looking at the layout as a user would. Not part of the test run: it checks nothing a
//! user needs beyond "each screen opens". `bash scripts/screenshots.sh` runs it.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Client;
use wadesk_e2e::AppSession;

use super::{click, first_run, wait};

const SIZES: [(u32, u32); 2] = [(900, 700), (1600, 1000)];

fn out_dir() -> PathBuf {
    // The test runs in its package's directory (cargo and nextest set it). Not CARGO_MANIFEST_DIR:
    // clones sharing one CARGO_TARGET_DIR share this binary, and it would name the clone that built it.
    std::env::var_os("WADESK_E2E_SCREENSHOTS")
        .map_or_else(|| std::env::current_dir().expect("working directory").join("../../docs/screens"), PathBuf::from)
}

/// With `WADESK_E2E_SCREENSHOTS` set: [`shoot`] into that folder (tests record their screens only
/// when asked, so a test run does not rewrite docs/screens).
pub(crate) async fn shoot_if_asked(c: &Client, name: &str) {
    if std::env::var_os("WADESK_E2E_SCREENSHOTS").is_some() {
        shoot(c, name).await;
    }
}

/// Saves `name-900.png` and `name-1600.png`.
pub(crate) async fn shoot(c: &Client, name: &str) {
    let dir = out_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (w, h) in SIZES {
        c.set_window_size(w, h).await.unwrap();
        // WebKitWebDriver returns the last painted frame; under Xvfb that can lag the DOM.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        std::fs::write(dir.join(format!("{name}-{w}.png")), c.screenshot().await.unwrap()).unwrap();
    }
    c.set_window_size(1280, 800).await.unwrap();
}

#[tokio::test]
#[ignore = "writes screenshots for the README; run by scripts/screenshots.sh"]
async fn every_main_screen_at_900_and_1600() {
    let app = AppSession::start().await;
    let c = &app.client;
    wait(c, "#first-run").await;
    shoot(c, "first-run").await;
    first_run(c).await;
    shoot(c, "accounts").await;

    click(c, "#connect-number").await;
    wait(c, "[data-testid=registration-frame]").await;
    shoot(c, "connect-number").await;
    c.find(fantoccini::Locator::Css("body")).await.unwrap().send_keys("\u{e00c}").await.unwrap();

    click(c, "[data-testid=nav-templates]").await;
    wait(c, "[data-testid=template-row]").await;
    click(c, "[data-testid=template-row]").await;
    shoot(c, "templates").await;

    click(c, "#template-use").await;
    wait(c, "#send-to").await.send_keys("421233221242").await.unwrap();
    if let Ok(var) = c.find(fantoccini::Locator::Css("#send-var-1")).await {
        var.send_keys("Jana").await.unwrap();
    }
    shoot(c, "send").await;
    click(c, "#send-submit").await;
    wait(c, "[data-testid=send-result]").await;
    click(c, "#send-view-history").await;
    wait(c, "[data-testid=message-detail]").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    shoot(c, "history").await;

    click(c, "[data-testid=nav-settings]").await;
    wait(c, "[data-testid=messaging-health]").await;
    shoot(c, "settings").await;

    click(c, "[data-testid=relay-indicator]").await;
    wait(c, "[data-testid=relay-panel]").await;
    shoot(c, "relay").await;
    app.close().await;
}
