//! Messaging in the real window on the embedded sandbox: the templates are there with no setup, a
//! template send ticks to read live in the send history, free text to a customer who has not
//! written is refused (the 24-hour window), a number that is not opted in shows `failed` with the
//! provider's reason, and the history exports as CSV.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use wadesk_e2e::AppSession;

use super::relay::screenshot;
use super::{click, first_run, until_attr, wait};

const SEED_TEMPLATE: &str = "26815959-f5b8-49b4-9b0e-7458d34777cc";
const NOT_OPTED_IN: &str = "15550000001";

#[tokio::test]
async fn a_template_send_ticks_to_read_live_and_a_number_not_opted_in_shows_the_reason() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, ".sidebar [data-testid=sandbox-badge]").await;

    // Templates: a fresh install lists the sandbox's catalogue with no setup.
    click(c, "[data-testid=nav-templates]").await;
    screenshot(c, "templates-opening.png").await;
    let row = format!("[data-testid=template-row][data-template-id='{SEED_TEMPLATE}']");
    wait(c, &row).await;
    let rows = c.find_all(Locator::Css("[data-testid=template-row]")).await.unwrap();
    assert!(rows.len() >= 10, "the sandbox's templates are listed: {}", rows.len());
    wait(c, "[data-testid=templates-synced-at]").await;
    wait(c, "#template-search").await.send_keys("Hello").await.unwrap();
    click(c, &row).await;
    let preview = wait(c, "[data-testid=template-preview]").await;
    assert!(preview.find(Locator::Css("[data-placeholder='1']")).await.is_ok(), "the placeholder is highlighted");
    screenshot(c, "templates.png").await;

    // Send it with a value; the result shows its status.
    click(c, "#template-use").await;
    wait(c, "#send-to").await.send_keys("+421 233 221 242").await.unwrap();
    wait(c, "#send-var-1").await.send_keys("John").await.unwrap();
    let preview = wait(c, "[data-testid=send-preview]").await.text().await.unwrap();
    assert!(preview.contains("HelloJohn") || preview.contains("Hello John"), "{preview}");
    screenshot(c, "send.png").await;
    click(c, "#send-submit").await;
    wait(c, "[data-testid=send-result]").await;

    // The history shows it, and its status ticks to read without a reload.
    click(c, "#send-view-history").await;
    wait(c, "[data-testid=message-detail]").await;
    until_attr(c, "[data-testid=history-row]", "data-status", "read").await;
    let timeline = wait(c, "[data-testid=message-timeline]").await.text().await.unwrap().to_lowercase();
    for step in ["accepted", "sent", "delivered", "read"] {
        assert!(timeline.contains(step), "timeline shows {step}: {timeline}");
    }
    screenshot(c, "history-read.png").await;

    // Free text to a customer who has not written: the core refuses it (the 24-hour window), and
    // the screen says why instead of "sending" something that never arrives.
    click(c, "[data-testid=nav-send]").await;
    click(c, "#send-mode-text").await;
    let to = wait(c, "#send-to").await;
    to.clear().await.unwrap();
    to.send_keys(NOT_OPTED_IN).await.unwrap();
    wait(c, "#send-text").await.send_keys("Your order is ready").await.unwrap();
    click(c, "#send-submit").await;
    let refused = wait(c, "[data-testid=error][data-code=window_closed]").await.text().await.unwrap();
    assert!(refused.contains("24 hours"), "{refused}");

    // A number that is not opted in: failed, with the provider's code and reason, and what it means.
    click(c, "#send-mode-template").await;
    wait(c, "#send-template").await.select_by_value(SEED_TEMPLATE).await.unwrap();
    wait(c, "#send-var-1").await.send_keys("John").await.unwrap();
    click(c, "#send-submit").await;
    wait(c, "[data-testid=send-result]").await;
    click(c, "#send-view-history").await;
    wait(c, "[data-testid=message-detail]").await;
    let failed_row = "[data-testid=history-row][data-status=failed]";
    until_attr(c, failed_row, "data-status", "failed").await;
    let detail = wait(c, "[data-testid=message-detail]").await.text().await.unwrap();
    assert!(detail.contains("1008") && detail.contains("User is not Opted in and Inactive"), "{detail}");
    let explanation = wait(c, "[data-testid=detail-failure-explanation]").await.text().await.unwrap();
    assert!(explanation.to_lowercase().contains("opted in"), "{explanation}");
    screenshot(c, "history-failed.png").await;
    c.set_window_size(1600, 1000).await.unwrap();
    screenshot(c, "history-failed-1600.png").await;
    // Esc closes the detail; the row itself names the reason.
    c.active_element().await.unwrap().send_keys("\u{e00c}").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.find(Locator::Css("[data-testid=message-detail]")).await.is_ok() {
        assert!(Instant::now() < deadline, "Esc did not close the detail panel");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait(c, failed_row).await;
    let row_html = c
        .execute("return document.querySelector(arguments[0]).outerHTML", vec![serde_json::json!(failed_row)])
        .await
        .unwrap();
    let row_html = row_html.as_str().unwrap_or_default().to_owned();
    assert!(row_html.contains("User is not Opted in and Inactive"), "{row_html}");
    c.set_window_size(900, 700).await.unwrap();
    screenshot(c, "history-900.png").await;

    // Export: the file lands in the install's Downloads folder and holds both messages.
    click(c, "#history-export").await;
    let saved = wait(c, "[data-testid=history-export-result] code").await.text().await.unwrap();
    let csv = std::fs::read_to_string(&saved).unwrap_or_else(|e| panic!("{saved}: {e}"));
    assert!(csv.starts_with("created_at_utc,"), "{csv}");
    assert!(csv.contains(",read,") && csv.contains(",failed,1008,"), "{csv}");
    app.close().await;
}
