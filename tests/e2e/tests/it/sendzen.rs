//! "Connect a number" through SendZen in the real window against the embedded SendZen sandbox:
//! the onboarding iframe framed directly, its result taken (a page message from elsewhere is
//! ignored), the account in the store read back with the CLI, and no key in the webview; then a
//! failed onboarding shown with SendZen's words, and the SendZen settings.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

use super::{click, first_run, until_attr, wait, PASS};

/// Opens "Connect a number" with SendZen chosen, and waits for SendZen's page.
async fn open_sendzen(c: &Client) -> String {
    click(c, "#connect-number").await;
    click(c, "input[name=connect-provider][value=sendzen]").await;
    until_attr(c, "[data-testid=sendzen-panel]", "data-phase", "active").await;
    wait(c, "[data-testid=sendzen-panel]").await.attr("data-client-identifier").await.unwrap().unwrap()
}

/// Into SendZen's iframe (scrolled to the top first: WebKitWebDriver clicks by viewport position).
async fn enter_frame(c: &Client) {
    let frame = wait(c, "[data-testid=sendzen-frame]").await;
    c.execute("arguments[0].scrollIntoView({block: 'start'});", vec![serde_json::to_value(&frame).unwrap()])
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    wait(c, "main#sz-onboarding").await;
}

/// Back to the app's page. When the frame we are in was removed (the panel took the result), its
/// parent cannot be entered: switching to the window itself lands on its top-level page.
async fn top(c: &Client) {
    while c.enter_parent_frame().await.is_ok() {
        if c.find(Locator::Css("#accounts")).await.is_ok() {
            return;
        }
    }
    let window = c.window().await.unwrap();
    c.switch_to_window(window).await.unwrap();
}

#[tokio::test]
async fn a_number_onboarded_through_sendzen_in_the_window_becomes_an_account() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    let id = open_sendzen(c).await;

    // A well-formed result posted by the app's own page (not SendZen's frame) is ignored.
    c.execute(
        "window.postMessage({status:'completed', project_id:'proj_000000000000', client_identifier: arguments[0], waba_id:'1'}, '*');",
        vec![serde_json::Value::String(id.clone())],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        wait(c, "[data-testid=sendzen-panel]").await.attr("data-phase").await.unwrap().as_deref(),
        Some("active")
    );

    super::relay::screenshot(c, "wadesk-sendzen-onboarding.png").await;
    enter_frame(c).await;
    click(c, "button#sz-connect").await;
    // Not waiting for the page's own "done" inside the frame: the panel may already have taken the
    // result and removed the frame, which WebDriver reports as an error.
    top(c).await;
    wait(c, "[data-testid=sendzen-connected]").await;
    super::relay::screenshot(c, "wadesk-sendzen-connected.png").await;

    // The CLI, on the same store, sees the completed onboarding and the new SendZen account.
    let out = cli(&app.data_dir(), PASS, &["--json", "register", "list", "--provider", "sendzen"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let onboarding = list.as_array().unwrap().iter().find(|o| o["client_identifier"] == id.as_str()).unwrap();
    assert_eq!(onboarding["status"], "completed", "{onboarding}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let account = loop {
        let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
        let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).cloned();
        match found {
            Some(a) if a["display_name"].as_str().is_some_and(|n| n.starts_with("SendZen +1555")) => break a,
            other => assert!(Instant::now() < deadline, "no named SendZen account yet: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(account["provider"], "sendzen");
    // Connected at once: SendZen listing the number with the customer's key is the credential check.
    wait(c, &format!("[data-testid=account-row][data-account-id=\"{id}\"][data-state=connected]")).await;
    let store = wadesk_core::Install::at(app.data_dir()).unlock(Some(&wadesk_core::Secret::new(PASS))).unwrap();
    let key = store.account_credential(&id, "api_key").unwrap();
    assert!(key.expose().starts_with("sk_live_"));
    assert!(!c.source().await.unwrap().contains(key.expose()), "the customer's key must never reach the webview");
    app.close().await;
}

#[tokio::test]
async fn a_cancelled_sendzen_onboarding_is_shown_with_its_reason_and_can_be_started_again() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    open_sendzen(c).await;
    enter_frame(c).await;
    click(c, "button#sz-cancel").await;
    top(c).await;
    let failed = wait(c, "[data-testid=sendzen-failed]").await.text().await.unwrap();
    assert!(failed.contains("User cancelled the authentication process."), "{failed}");
    click(c, "#sendzen-restart").await;
    until_attr(c, "[data-testid=sendzen-panel]", "data-phase", "active").await;

    // SendZen settings open above the page: the sandbox by default, the partner form beside it.
    click(c, "#sendzen-settings-toggle").await;
    let mode = wait(c, "[data-testid=sendzen-mode]").await.text().await.unwrap();
    assert!(mode.starts_with("Sandbox"), "{mode}");
    wait(c, "#sendzen-partner-key").await;
    super::relay::screenshot(c, "wadesk-sendzen-settings.png").await;
    app.close().await;
}
