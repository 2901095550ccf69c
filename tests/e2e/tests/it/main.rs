//! The real app window, driven over WebDriver, and the CLI on the same data directory.
// Test helpers may panic on failure like the tests themselves.
#![allow(clippy::unwrap_used)]

mod bulk;
mod crisp;
mod d360;
mod gupshup;
mod inbox;
mod messaging;
mod registration;
mod relay;
mod screens;
mod sendzen;

use std::time::Duration;

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

const PASS: &str = "e2e passphrase 1";
const SECRET: &str = "ui-typed-app-secret-5150";

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

/// Clicks `css` once it is there. A live list may re-render the element between finding and
/// clicking it (stale or not yet interactable): it is found again for up to 10 s.
async fn click(c: &Client, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match wait(c, css).await.click().await {
            Ok(()) => return,
            Err(e) if std::time::Instant::now() < deadline => {
                eprintln!("clicking {css} again: {e}");
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            Err(e) => panic!("clicking {css}: {e}"),
        }
    }
}

/// Waits until `css` has attribute `name` equal to `want` (the UI updates it from pushed events).
async fn until_attr(c: &Client, css: &str, name: &str, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let now = match c.find(Locator::Css(css)).await {
            Ok(e) => e.attr(name).await.unwrap_or(None),
            Err(_) => None,
        };
        if now.as_deref() == Some(want) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{css} [{name}] is {now:?}, waited for {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates the store with a passphrase and waits for the accounts screen.
async fn first_run(c: &Client) {
    wait(c, "#first-run").await;
    wait(c, "#passphrase").await.send_keys(PASS).await.unwrap();
    wait(c, "#passphrase-confirm").await.send_keys(PASS).await.unwrap();
    wait(c, "#create-store").await.click().await.unwrap();
    wait(c, "#accounts").await;
}

async fn account_names(client: &Client) -> Vec<String> {
    let mut names = Vec::new();
    for row in client.find_all(Locator::Css("[data-testid=account-row] .account-name")).await.unwrap() {
        names.push(row.text().await.unwrap());
    }
    names
}

#[tokio::test]
async fn account_added_in_the_window_is_read_back_by_the_cli() {
    let app = AppSession::start().await;
    let c = &app.client;

    // First run without a keychain: choose a passphrase; the accounts screen starts with SANDBOX.
    first_run(c).await;
    wait(c, "[data-testid=sandbox-badge]").await;
    assert_eq!(account_names(c).await, ["Sandbox"]);

    // Add a ChatArchitect account through the form.
    wait(c, "#add-account").await.click().await.unwrap();
    wait(c, "form#account-form").await;
    wait(c, "select#provider").await.select_by_value("chatarchitect").await.unwrap();
    wait(c, "#display-name").await.send_keys("Shop from the window").await.unwrap();
    wait(c, "input[data-credential=app_id]").await.send_keys("app-42424242").await.unwrap();
    wait(c, "input[data-credential=app_secret]").await.send_keys(SECRET).await.unwrap();
    wait(c, "#save-account").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while account_names(c).await.len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the new account never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(account_names(c).await, ["Sandbox", "Shop from the window"]);
    let page = c.source().await.unwrap();
    assert!(page.contains("••••5150"), "the masked secret is shown");
    assert!(!page.contains(SECRET), "the clear secret must never reach the webview");

    // The CLI opens the same database and sees the account, credentials masked.
    let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shop = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["display_name"] == "Shop from the window")
        .expect("the CLI sees the account added in the window");
    assert_eq!(shop["provider"], "chatarchitect");
    assert_eq!(shop["base_url"], "https://api.chatarchitect.com");
    assert_eq!(shop["credentials"][1]["masked"], "••••5150");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));

    app.close().await;
}

#[tokio::test]
async fn a_store_made_by_the_cli_is_unlocked_in_the_window_and_a_wrong_passphrase_changes_nothing() {
    let app = AppSession::start_with(|data| {
        cli(data, PASS, &["init"], "");
        cli(
            data,
            PASS,
            &["account", "add", "--provider", "d360", "--name", "Made by the CLI", "--secrets-stdin"],
            "api_key=cli-api-key-000-7777\n",
        );
    })
    .await;
    let c = &app.client;
    wait(c, "#unlock").await;
    let input = wait(c, "#unlock-passphrase").await;
    input.send_keys("not the passphrase").await.unwrap();
    wait(c, "#unlock-button").await.click().await.unwrap();
    let error = wait(c, "[data-testid=error][data-code=wrong_passphrase]").await;
    assert!(error.text().await.unwrap().contains("Wrong passphrase"));
    assert!(c.find(Locator::Css("#accounts")).await.is_err(), "a wrong passphrase must not open the store");

    input.clear().await.unwrap();
    input.send_keys(PASS).await.unwrap();
    wait(c, "#unlock-button").await.click().await.unwrap();
    wait(c, "#accounts").await;
    // The screen appears before its list has loaded: wait for the rows, then read them.
    wait(c, "[data-testid=account-row]").await;
    assert_eq!(account_names(c).await, ["Sandbox", "Made by the CLI"]);
    app.close().await;
}
