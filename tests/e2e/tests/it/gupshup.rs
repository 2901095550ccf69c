//! Gupshup Tech Partner linking in the real window against the embedded Gupshup simulator: the
//! seed's name rule refused at its field before any call, then an app linked and followed through
//! the pipeline's stages and the live event (through the relay) to a subscribed account, read back
//! with the CLI.

use fantoccini::Locator;
use wadesk_e2e::{cli, AppSession};

use super::screens::shoot_if_asked;
use super::{click, first_run, until_attr, wait, PASS};

#[tokio::test]
async fn a_number_linked_through_gupshup_in_the_window_becomes_a_subscribed_account() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    click(c, "#connect-number").await;
    click(c, "input[name=connect-provider][value=gupshup]").await;
    wait(c, "[data-testid=gupshup-connect][data-stage=form]").await;

    // "Special characters are not allowed": said at the field, nothing linked.
    for (field, value) in [
        ("#gupshup-app-name", "Loja Azul!"),
        ("#gupshup-waba-id", "102290129340398"),
        ("#gupshup-phone", "+1 555 765 4321"),
    ] {
        wait(c, field).await.send_keys(value).await.unwrap();
    }
    shoot_if_asked(c, "gupshup-link").await;
    click(c, "#gupshup-link").await;
    until_attr(c, "#gupshup-app-name", "aria-invalid", "true").await;
    let out = cli(&app.data_dir(), PASS, &["--json", "register", "list", "--provider", "gupshup"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]", "nothing was linked");

    let name = wait(c, "#gupshup-app-name").await;
    name.clear().await.unwrap();
    name.send_keys("LojaAzulWindow").await.unwrap();
    click(c, "#gupshup-link").await;
    wait(c, "[data-testid=gupshup-steps]").await;
    let id = wait(c, "[data-testid=gupshup-connect]").await.attr("data-link-id").await.unwrap().unwrap();
    wait(c, "[data-testid=gupshup-stage-text]").await;
    shoot_if_asked(c, "gupshup-following").await;

    // The simulator runs the pipeline to FINALIZE and posts the live event through the relay.
    until_attr(c, "[data-testid=gupshup-connect]", "data-stage", "connected").await;
    let connected = wait(c, "[data-testid=gupshup-connected]").await.text().await.unwrap();
    assert!(connected.contains("+15557654321"), "{connected}");
    let steps = c.find_all(Locator::Css("[data-testid=gupshup-steps] li[data-state=done]")).await.unwrap();
    assert_eq!(steps.len(), 5, "every step done");
    shoot_if_asked(c, "gupshup-connected").await;

    let out = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).expect("the linked account");
    assert_eq!(account["provider"], "gupshup");
    let out = cli(&app.data_dir(), PASS, &["--json", "register", "result", "--provider", "gupshup", &id], "");
    let link: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(link["stage"], "connected", "{link}");

    click(c, "#gupshup-done").await;
    wait(c, &format!("[data-testid=account-row][data-account-id='{id}']")).await;
    app.close().await;
}
