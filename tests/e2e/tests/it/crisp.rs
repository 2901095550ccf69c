//! Crisp in the real window on the built-in Crisp simulator: the account added with one button,
//! its callback URL shown on request, its templates set to appear in Crisp as text, a template
//! sent from the Send screen (free text not offered) whose callback turns it "Sent" in the history
//! with Crisp's conversation and the note that Crisp reports nothing further, and the inbox
//! pointing to the Crisp inbox for replies.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

use super::screens::shoot_if_asked;
use super::{click, first_run, until_attr, wait, PASS};

/// Fills every variable of the chosen template on the Send screen.
async fn fill_variables(c: &Client) {
    for (i, input) in c.find_all(Locator::Css("[data-testid=send-vars] input")).await.unwrap().into_iter().enumerate() {
        input.send_keys(&format!("Value{}", i + 1)).await.unwrap();
    }
}

#[tokio::test]
async fn a_crisp_template_sent_in_the_window_is_reported_sent_with_its_crisp_conversation() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;

    // Add account → Crisp → the simulator: nothing to type.
    click(c, "#add-account").await;
    wait(c, "select#provider").await.select_by_value("crisp").await.unwrap();
    wait(c, "[data-testid=crisp-help]").await;
    click(c, "#crisp-use-simulator").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.find(Locator::Css("[data-testid=crisp-callback]")).await.is_err() {
        if Instant::now() > deadline {
            panic!("no Crisp account row: {}", wait(c, "#accounts").await.text().await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = cli(&app.data_dir(), PASS, &["--json", "account", "list"], "");
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let crisp = listed.as_array().unwrap().iter().find(|a| a["provider"] == "crisp").expect("a Crisp account");
    assert_eq!(crisp["is_sandbox"], true);
    let id = crisp["id"].as_str().unwrap().to_owned();
    let row_css = format!("[data-testid=account-row][data-account-id='{id}']");

    // Its callback URL, shown when asked: the relay hook with the account's own secret.
    click(c, &format!("{row_css} [data-testid=crisp-callback-show]")).await;
    let url = wait(c, "[data-testid=crisp-callback-url]").await.prop("value").await.unwrap().unwrap();
    assert!(url.contains(&format!("/crisp/{id}/")), "{url}");
    shoot_if_asked(c, "crisp-account").await;
    click(c, "[data-testid=crisp-callback-hide]").await;
    let same = cli(&app.data_dir(), PASS, &["--json", "account", "callback-url", &id], "");
    assert!(String::from_utf8_lossy(&same.stdout).contains(&url), "the CLI gives the same URL");

    // Its templates as a business message with their text rather than a note: saved at once, and
    // the simulator refuses a text send without the text, so "Sent" below also checks the body.
    let kind = wait(c, &format!("{row_css} [data-testid=crisp-message-type-select]")).await;
    assert_eq!(kind.prop("value").await.unwrap().as_deref(), Some("note"));
    kind.select_by_value("text").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !wait(c, &format!("{row_css} [data-testid=crisp-message-type-hint]"))
        .await
        .text()
        .await
        .unwrap()
        .contains("Saved")
    {
        assert!(Instant::now() < deadline, "the choice was never saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let chosen = cli(&app.data_dir(), PASS, &["--json", "account", "crisp-message-type", &id], "");
    let chosen: serde_json::Value = serde_json::from_slice(&chosen.stdout).unwrap();
    assert_eq!(chosen["message_type"], "text");

    // Send: templates only, and why.
    click(c, "[data-testid=nav-send]").await;
    wait(c, &format!("#account-switcher option[value='{id}']")).await;
    wait(c, "#account-switcher").await.select_by_value(&id).await.unwrap();
    wait(c, "[data-testid=send-templates-only]").await;
    assert!(!wait(c, "#send-mode-text").await.is_enabled().await.unwrap(), "free text is not offered");
    let select = wait(c, "#send-template").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let template = loop {
        let options = select.find_all(Locator::Css("option:not([disabled])")).await.unwrap();
        if let Some(first) = options.first() {
            break first.attr("value").await.unwrap().unwrap();
        }
        assert!(Instant::now() < deadline, "the simulator's templates never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    select.select_by_value(&template).await.unwrap();
    wait(c, "#send-to").await.send_keys("+1 555 123 0003").await.unwrap();
    fill_variables(c).await;
    shoot_if_asked(c, "crisp-send").await;
    click(c, "#send-submit").await;
    wait(c, "[data-testid=send-result]").await;

    // The history: sent once the callback came, with the Crisp conversation, and nothing further.
    click(c, "#send-view-history").await;
    until_attr(c, "[data-testid=history-row]", "data-status", "sent").await;
    wait(c, "[data-testid=detail-reports-only-sent]").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !wait(c, "[data-testid=message-timeline]").await.text().await.unwrap().contains("Crisp conversation") {
        assert!(Instant::now() < deadline, "the callback's Crisp conversation never showed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    shoot_if_asked(c, "crisp-history").await;

    // The inbox: replies live in Crisp; the conversation names its Crisp session.
    click(c, "[data-testid=nav-inbox]").await;
    wait(c, "[data-testid=inbox-crisp-note]").await;
    click(c, "[data-testid=conversation-row]").await;
    let session = wait(c, "[data-testid=inbox-crisp-session-id]").await.text().await.unwrap();
    assert!(!session.trim().is_empty());
    wait(c, "[data-testid=template-picker]").await;
    assert!(c.find(Locator::Css("[data-testid=composer-text]")).await.is_err(), "no free-text box");
    shoot_if_asked(c, "crisp-inbox").await;

    let page = c.source().await.unwrap();
    let secret = url.rsplit('/').next().unwrap();
    if let Some(at) = page.find(secret) {
        panic!(
            "the callback secret is still on the page: …{}…",
            &page[at.saturating_sub(300)..(at + 100).min(page.len())]
        );
    }
    app.close().await;
}
