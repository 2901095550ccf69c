//! "Connect a number" in the real window against the embedded ChatArchitect sandbox: every iframe
//! step, the Meta signup popup, credentials in the store (read back with the CLI), the cancel and
//! fail outcomes, and a postMessage from a foreign origin being ignored.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

use super::{first_run, wait, PASS};

/// Waits until `css` has attribute `name` equal to `value` (in the current frame).
async fn wait_attr(c: &Client, css: &str, name: &str, value: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = match c.find(Locator::Css(css)).await {
            Ok(e) => e.attr(name).await.ok().flatten(),
            Err(_) => None,
        };
        if got.as_deref() == Some(value) {
            return;
        }
        assert!(Instant::now() < deadline, "{css} [{name}] is {got:?}, expected {value:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn step_state(c: &Client, step: &str) -> Option<String> {
    wait(c, &format!("[data-testid=registration-step][data-step={step}]")).await.attr("data-state").await.unwrap()
}

/// From the app's page into the registration iframe (app → host page → registration).
async fn enter_registration(c: &Client) {
    top(c).await;
    let frame = wait(c, "[data-testid=registration-frame]").await;
    // WebKitWebDriver clicks by viewport coordinates and does not scroll a nested frame's
    // ancestors for us: put the frame at the top of the window first.
    c.execute("arguments[0].scrollIntoView({block: 'start'});", vec![serde_json::to_value(&frame).unwrap()])
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    wait(c, "#ca-whatsapp-registration").await.enter_frame().await.unwrap();
}

/// Back to the app's page, whatever frame we are in.
async fn top(c: &Client) {
    while c.enter_parent_frame().await.is_ok() {
        // WebDriver answers success at the top too; stop once the app's page is the context.
        if c.find(Locator::Css("#accounts")).await.is_ok() {
            return;
        }
    }
}

/// Clicks an element of the registration frame (in view: see `enter_registration`).
async fn click(c: &Client, css: &str) {
    wait(c, css).await.click().await.unwrap();
}

/// Types into an input of the registration frame (WebKitWebDriver wants it focused by a click).
async fn type_into(c: &Client, css: &str, text: &str) {
    let input = wait(c, css).await;
    input.click().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Phone, code and form: up to the "Connect WhatsApp" button.
async fn fill_to_meta_step(c: &Client) {
    enter_registration(c).await;
    type_into(c, "input#phone", "421233221242").await;
    click(c, "button#send-code").await;
    let code = wait(c, "[data-testid=sandbox-code]").await.text().await.unwrap();
    type_into(c, "input#code", code.trim()).await;
    click(c, "button#verify").await;
    wait(c, "input#business-name").await;
    top(c).await;
    wait_attr(c, "[data-testid=registration-step][data-step=details]", "data-state", "current").await;

    enter_registration(c).await;
    type_into(c, "input#business-name", "Corner Shop").await;
    type_into(c, "input#email", "owner@corner.example").await;
    // Set the <select> from script: WebKitGTK opens a native menu for a clicked <select>, which
    // WebDriver cannot drive inside a nested frame.
    let select = wait(c, "select#category").await;
    c.execute(
        "arguments[0].selectedIndex = 1; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        vec![serde_json::to_value(&select).unwrap()],
    )
    .await
    .unwrap();
    click(c, "button#form-submit").await;
    if c.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css("button#connect-whatsapp")).await.is_err() {
        panic!("the form was not accepted: {}", c.execute("return [document.querySelector('#business-name').value, document.querySelector('#email').value, document.querySelector('#category').value, document.querySelector('#category').selectedIndex, document.querySelector('#category').options.length, document.activeElement && document.activeElement.id, location.href]", vec![]).await.unwrap());
    }
}

/// Clicks "Connect WhatsApp" in the frame and answers the Meta popup with `button`.
async fn meta_popup(c: &Client, button: &str) {
    let main = c.window().await.unwrap();
    // Handles open before the click: a popup from an earlier round may still be closing.
    let before = c.windows().await.unwrap();
    enter_registration(c).await;
    click(c, "button#connect-whatsapp").await;
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
    // The popup closes itself once the sandbox has the outcome; wait for that before going on.
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.windows().await.unwrap().contains(&popup) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.switch_to_window(main).await.unwrap();
    top(c).await;
}

#[tokio::test]
async fn a_number_connected_in_the_window_lands_its_credentials_in_the_store() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, "#connect-number").await.click().await.unwrap();
    wait(c, "[data-testid=registration-panel]").await;
    // `ready` came through sandbox → host page → app: the listener chain works.
    wait_attr(c, "[data-testid=registration-panel]", "data-phase", "active").await;
    assert_eq!(step_state(c, "phone").await.as_deref(), Some("current"));
    let id = wait(c, "[data-testid=registration-panel]").await.attr("data-registration-id").await.unwrap().unwrap();

    // A message from a foreign origin (the app's own page here) is ignored, even if well-formed.
    c.execute(
        "window.postMessage({type:'ca.whatsapp.registration', event:'completed', registration_id: arguments[0]}, '*');",
        vec![serde_json::Value::String(id.clone())],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(step_state(c, "phone").await.as_deref(), Some("current"));
    assert_eq!(
        wait(c, "[data-testid=registration-panel]").await.attr("data-phase").await.unwrap().as_deref(),
        Some("active")
    );

    fill_to_meta_step(c).await;
    top(c).await;
    super::relay::screenshot(c, "wadesk-registration-form.png").await;
    meta_popup(c, "meta-connect").await;
    wait(c, "[data-testid=registration-connected]").await;
    super::relay::screenshot(c, "wadesk-registration-connected.png").await;
    let app_id = wait(c, "[data-testid=registration-app-id]").await.text().await.unwrap();
    assert!(app_id.starts_with("••••"), "app id shown masked: {app_id}");
    assert_eq!(step_state(c, "done").await.as_deref(), Some("done"));

    // The CLI, on the same store, sees the new account and the webhook-completed registration.
    let out = cli(&app.data_dir(), PASS, &["--json", "register", "list"], "");
    let regs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reg = regs.as_array().unwrap().iter().find(|r| r["registration_id"] == id.as_str()).unwrap();
    assert_eq!(reg["status"], "completed");
    assert_eq!(reg["completed_via"], "webhook", "credentials arrived through the signed webhook: {reg}");
    let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == reg["account_id"]).unwrap();
    assert_eq!(account["provider"], "chatarchitect");
    assert_eq!(account["display_name"], "WhatsApp +421233221242");
    assert!(account["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["masked"].as_str().unwrap().starts_with("••••")));
    // And the accounts list in the window shows it connected, with nothing but masked values.
    top(c).await;
    let account_id = reg["account_id"].as_str().unwrap();
    wait(c, &format!("[data-testid=account-row][data-account-id=\"{account_id}\"][data-connected=true]")).await;
    let store = wadesk_core::Install::at(app.data_dir()).unlock(Some(&wadesk_core::Secret::new(PASS))).unwrap();
    let secret = store.account_credential(account_id, "app_secret").unwrap();
    assert!(secret.expose().len() >= 16);
    assert!(!c.source().await.unwrap().contains(secret.expose()), "the app secret must never reach the webview");
    app.close().await;
}

#[tokio::test]
async fn cancelled_and_failed_meta_signups_are_shown_and_can_be_retried() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, "#connect-number").await.click().await.unwrap();
    wait_attr(c, "[data-testid=registration-panel]", "data-phase", "active").await;
    fill_to_meta_step(c).await;

    meta_popup(c, "meta-cancel").await;
    let note = wait(c, "[data-testid=registration-note]").await.text().await.unwrap();
    assert!(note.contains("cancelled"), "{note}");
    // A cancelled Meta signup keeps the user on the Meta step, as the registration page does.
    wait_attr(c, "[data-testid=registration-step][data-step=meta]", "data-state", "current").await;

    meta_popup(c, "meta-fail").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let note = wait(c, "[data-testid=registration-note]").await.text().await.unwrap();
        if note.contains("failed") {
            break;
        }
        assert!(Instant::now() < deadline, "failure never shown: {note}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing was stored, and the session can still be completed afterwards.
    let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(accounts.as_array().unwrap().iter().all(|a| a["provider"] != "chatarchitect"));
    meta_popup(c, "meta-connect").await;
    wait(c, "[data-testid=registration-connected]").await;
    app.close().await;
}
