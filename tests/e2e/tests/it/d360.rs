//! "Connect a number" through 360dialog in the real window against the embedded 360dialog
//! sandbox: the client form, the relay's Embedded Signup host page framed, the simulated Meta
//! signup in a real popup, the stages followed to a connected account (read back with the CLI),
//! no key in the webview; a page message from elsewhere ignored; a cancelled signup shown with
//! its step and started again.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

use super::{click, first_run, until_attr, wait, PASS};

/// Opens "Connect a number" with 360dialog chosen, fills in the client and continues to the
/// signup stage; gives the onboarding id.
async fn open_d360(c: &Client, email: &str) -> String {
    click(c, "#connect-number").await;
    click(c, "input[name=connect-provider][value=d360]").await;
    for (field, value) in [("#d360-name", "Loja Azul"), ("#d360-email", email), ("#d360-user-name", "Maria Silva")] {
        let input = wait(c, field).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    click(c, "#d360-continue").await;
    until_attr(c, "[data-testid=d360-connect]", "data-stage", "signup").await;
    wait(c, "[data-testid=d360-connect]").await.attr("data-onboarding-id").await.unwrap().unwrap()
}

/// Back to the app's page from the host frame or a popup.
async fn top(c: &Client, main: &fantoccini::wd::WindowHandle) {
    c.switch_to_window(main.clone()).await.unwrap();
    while c.find(Locator::Css("#accounts")).await.is_err() {
        if c.enter_parent_frame().await.is_err() {
            break;
        }
    }
}

/// Starts Meta's (simulated) signup from the host page and answers its popup with `button`.
async fn meta_popup(c: &Client, button: &str) {
    let main = c.window().await.unwrap();
    let before = c.windows().await.unwrap();
    let frame = wait(c, "[data-testid=d360-host-frame]").await;
    c.execute("arguments[0].scrollIntoView({block: 'start'});", vec![serde_json::to_value(&frame).unwrap()])
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    let start = wait(c, "#meta-signup-start").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !start.is_enabled().await.unwrap() {
        assert!(Instant::now() < deadline, "the host page never got ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    start.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let popup = loop {
        if let Some(new) = c.windows().await.unwrap().into_iter().find(|w| !before.contains(w)) {
            break new;
        }
        assert!(Instant::now() < deadline, "the Meta signup popup never opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    c.switch_to_window(popup.clone()).await.unwrap();
    wait(c, "#meta-signup").await;
    click(c, &format!("button#{button}")).await;
    // The result page tells its opener and closes itself.
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.windows().await.unwrap().contains(&popup) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    top(c, &main).await;
}

#[tokio::test]
async fn a_number_signed_up_through_360dialog_in_the_window_becomes_an_account() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    let id = open_d360(c, "owner@loja-azul.example").await;

    // A well-formed Meta result posted by the app's own page (not the host frame) is ignored.
    c.execute("window.postMessage({type:'wadesk.meta-signup', state:'x', event:'FINISH', waba_id:'1'}, '*');", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    until_attr(c, "[data-testid=d360-connect]", "data-stage", "signup").await;
    super::relay::screenshot(c, "wadesk-d360-signup.png").await;

    meta_popup(c, "meta-finish").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let stage = wait(c, "[data-testid=d360-connect]").await.attr("data-stage").await.unwrap();
        if stage.as_deref() == Some("connected") {
            break;
        }
        assert!(Instant::now() < deadline, "the onboarding stopped at {stage:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait(c, "[data-testid=d360-connected]").await;
    super::relay::screenshot(c, "wadesk-d360-connected.png").await;

    // The CLI, on the same store, sees the connected onboarding and the new 360dialog account.
    let out = cli(&app.data_dir(), PASS, &["--json", "register", "list", "--provider", "d360"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let onboarding = list.as_array().unwrap().iter().find(|o| o["id"] == id.as_str()).unwrap();
    assert_eq!(onboarding["stage"], "connected", "{onboarding}");
    let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).cloned().unwrap();
    assert_eq!(account["provider"], "d360");
    assert!(account["display_name"].as_str().unwrap().starts_with("360dialog +1555"), "{account}");
    let store = wadesk_core::Install::at(app.data_dir()).unlock(Some(&wadesk_core::Secret::new(PASS))).unwrap();
    let key = store.account_credential(&id, "api_key").unwrap();
    assert!(!c.source().await.unwrap().contains(key.expose()), "the channel's key must never reach the webview");
    app.close().await;
}

#[tokio::test]
async fn a_cancelled_360dialog_signup_shows_its_step_and_starts_again() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    open_d360(c, "cafe@example.org").await;
    meta_popup(c, "meta-cancel").await;
    until_attr(c, "[data-testid=d360-connect]", "data-stage", "cancelled").await;
    let text = wait(c, "[data-testid=d360-stage-text]").await.text().await.unwrap();
    assert!(text.to_lowercase().contains("business account selection"), "{text}");
    super::relay::screenshot(c, "wadesk-d360-cancelled.png").await;
    click(c, "#d360-retry").await;
    until_attr(c, "[data-testid=d360-connect]", "data-stage", "signup").await;
    app.close().await;
}
