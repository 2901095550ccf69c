//! Bulk send in the real window on the embedded sandbox: import a CSV, map the variables, the dry
//! run shows a blocked row, fix it in place, send, and watch statuses arrive live and the funnel
//! fill. The CLI then reads the same campaign from the same database.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use wadesk_e2e::{cli, AppSession};

use super::relay::screenshot;
use super::{click, first_run, until_attr, wait, PASS};

const PROMO: &str = "7a3e9c52-1f64-4b8d-a2c7-3e5f7b9d1a22";

use super::screens::shoot_if_asked as shoot;

async fn text(c: &Client, css: &str) -> String {
    wait(c, css).await.text().await.unwrap()
}

#[tokio::test]
async fn import_map_fix_the_blocked_row_send_and_watch_the_funnel_fill() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, ".sidebar [data-testid=sandbox-badge]").await;

    // Contacts: a Latin-1-free UTF-8 file with `;`, one customer without a first name.
    let csv = app.data_dir().join("../customers.csv");
    std::fs::write(
        &csv,
        "Telefon;Vorname;Tags\n+49 151 23456701;Anna;vip\n+49 151 23456702;;vip\n+49 151 23456703;Jörg;vip\n+49 151 23456704;Zoë;other\n",
    )
    .unwrap();
    click(c, "[data-testid=nav-contacts]").await;
    let input = c.find(Locator::Css("[data-testid=contacts-import-file]")).await.unwrap();
    input.send_keys(csv.canonicalize().unwrap().to_str().unwrap()).await.unwrap();
    wait(c, "[data-testid=contacts-import-preview]").await;
    let mapped = wait(c, "[data-testid=contacts-import-mapping-0]").await.prop("value").await.unwrap();
    assert_eq!(mapped.as_deref(), Some("phone"), "the Telefon column is recognised");
    shoot(c, "contacts-import").await;
    click(c, "[data-testid=contacts-import-run]").await;
    let report = text(c, "[data-testid=contacts-import-report]").await;
    assert!(report.contains('4'), "{report}");
    wait(c, "[data-testid=contact-row][data-phone='4915123456703']").await;
    shoot(c, "contacts").await;

    // A campaign to the vip tag: live count, the template, then the mapping.
    click(c, "[data-testid=nav-bulk]").await;
    click(c, "[data-testid=bulk-new]").await;
    click(c, "[data-testid=bulk-audience-tag-vip]").await;
    until_attr(c, "[data-testid=bulk-audience-count]", "data-count", "3").await;
    screenshot(c, "bulk-audience.png").await;
    click(c, "[data-testid=bulk-next]").await;
    wait(c, "[data-testid=bulk-template-select]").await.select_by_value(PROMO).await.unwrap();
    wait(c, "[data-testid=bulk-map-source-1]").await.select_by_value("field").await.unwrap();
    wait(c, "[data-testid=bulk-map-field-1]").await.select_by_value("first_name").await.unwrap();
    wait(c, "[data-testid=bulk-map-source-2]").await.select_by_value("constant").await.unwrap();
    wait(c, "[data-testid=bulk-map-text-2]").await.send_keys("20%").await.unwrap();
    shoot(c, "bulk-mapping").await;
    click(c, "[data-testid=bulk-next]").await;

    // The dry run blocks the row without a first name; fix the contact in place.
    until_attr(c, "[data-testid=bulk-dry-run]", "data-ok", "false").await;
    let problem = wait(c, "[data-testid=bulk-problem-empty_value]").await;
    assert_eq!(problem.attr("data-count").await.unwrap().as_deref(), Some("1"));
    let samples = c.find_all(Locator::Css("[data-testid=bulk-sample]")).await.unwrap();
    assert!(!samples.is_empty(), "the preview gallery shows the rendered messages");
    shoot(c, "bulk-dry-run").await;
    click(c, "[data-testid=bulk-problem-empty_value] [data-testid=bulk-row-edit]").await;
    wait(c, "[data-testid=contact-edit-first_name]").await.send_keys("Bernd").await.unwrap();
    click(c, "[data-testid=contact-edit-save]").await;
    until_attr(c, "[data-testid=bulk-dry-run]", "data-ok", "true").await;
    until_attr(c, "[data-testid=bulk-dry-run]", "data-to-send", "3").await;
    click(c, "[data-testid=bulk-next]").await;

    // Confirm the exact count, start, and watch the funnel fill live.
    until_attr(c, "[data-testid=bulk-confirm-count]", "data-count", "3").await;
    screenshot(c, "bulk-confirm.png").await;
    click(c, "[data-testid=bulk-start]").await;
    wait(c, "[data-testid=campaign-view]").await;
    until_attr(c, "[data-testid=campaign-state]", "data-state", "done").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while text(c, "[data-testid=campaign-funnel-read]").await.trim() != "3" {
        if Instant::now() > deadline {
            screenshot(c, "bulk-campaign-stuck.png").await;
            panic!("the funnel never reached 3 read: {}", text(c, "[data-testid=campaign-view]").await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let points: usize =
        wait(c, "[data-testid=campaign-chart]").await.attr("data-points").await.unwrap().unwrap().parse().unwrap();
    assert!(points > 0, "the chart has the timeline");
    until_attr(c, "[data-testid=campaign-chart]", "data-drawn", "true").await;
    let canvas = c.find(Locator::Css("[data-testid=campaign-chart] canvas")).await.unwrap();
    let width: f64 = canvas.attr("width").await.unwrap().unwrap().parse().unwrap();
    assert!(width > 100.0, "the chart is drawn at the panel's width: {width}");
    shoot(c, "bulk-campaign").await;

    // The same campaign through the CLI: done, three recipients read, nobody uncertain.
    let out = cli(&app.data_dir(), PASS, &["--json", "bulk", "list"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let campaign = &list[0];
    assert_eq!(campaign["state"], "done");
    assert_eq!((campaign["funnel"]["total"].as_u64(), campaign["funnel"]["uncertain"].as_u64()), (Some(3), Some(0)));
}
