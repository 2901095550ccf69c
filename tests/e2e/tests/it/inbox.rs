//! The inbox in the real window on the embedded sandbox: a simulated customer writes from the
//! window; another writes twice over (a provider retry) and the conversation appears live with one
//! unread message; the agent replies with Enter and the ticks move to read; every inbound type the
//! sandbox sends is shown, an unknown one with its raw payload; a customer who last wrote 25 hours
//! ago gets the template picker in the window and the CLI's free-text reply is refused with exit
//! 15; search finds part of a word and part of a number and jumps to the message.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use wadesk_e2e::{bin, AppSession};

use super::screens::shoot_if_asked as shoot;
use super::{click, first_run, until_attr, wait, PASS};

const JANA: &str = "421233221242";
const OLD: &str = "4915120000001";
const SIMULATED: &str = "4915120000002";

/// The embedded sandbox's URL, as the Settings screen's messaging health shows it.
async fn sandbox_url(c: &Client) -> String {
    click(c, "[data-testid=nav-settings]").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = wait(c, "[data-testid=health-api-base]").await.text().await.unwrap();
        if url.starts_with("http") {
            return url.trim_end_matches('/').to_owned();
        }
        assert!(Instant::now() < deadline, "no sandbox URL shown: {url:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A sandbox customer writes (the sandbox's control surface, as a demo would use it).
async fn customer_writes(sandbox: &str, from: &str, extra: Value) {
    let mut body = json!({ "source": from });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let res = reqwest::Client::new()
        .post(format!("{sandbox}/_sandbox/messaging/inbound"))
        .basic_auth(wadesk_sandbox::SANDBOX_APP_ID, Some(wadesk_sandbox::SANDBOX_APP_SECRET))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// Every bubble part (`data-testid`) the timeline shows, scrolling it from the oldest message to
/// the newest (only what is in view is rendered).
async fn shown_kinds(c: &Client) -> Vec<String> {
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const el = document.querySelector('[data-testid=timeline] [role=log]');
             const seen = new Set(); el.scrollTop = 0;
             const look = () => document.querySelectorAll('[data-testid=timeline-item] [data-testid]')
               .forEach(e => { seen.add(e.dataset.testid); if (e.dataset.media) seen.add('media:' + e.dataset.media); });
             const step = () => { look();
               if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) { done([...seen]); return; }
               el.scrollTop += el.clientHeight / 2; setTimeout(step, 150); };
             setTimeout(step, 150);",
            vec![],
        )
        .await
        .unwrap();
    found.as_array().unwrap().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// Waits until `css`'s text is `want` (one unread each: the duplicate webhook counts once).
async fn until_text(c: &Client, css: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if now.trim() == want {
            return;
        }
        assert!(Instant::now() < deadline, "{css} reads {now:?}, waited for {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
}

async fn until_count(c: &Client, css: &str, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = count(c, css).await;
        if n == want {
            return;
        }
        assert!(Instant::now() < deadline, "{css}: {n}, waited for {want}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn a_customer_writes_the_agent_answers_and_the_window_rules_the_composer() {
    let app = AppSession::start().await;
    let c = &app.client;
    first_run(c).await;
    wait(c, ".sidebar [data-testid=sandbox-badge]").await;
    let sandbox = sandbox_url(c).await;

    // Empty inbox; the sandbox's simulated customer writes from the window itself.
    click(c, "[data-testid=nav-inbox]").await;
    shoot(c, "inbox-empty").await;
    click(c, "[data-testid=simulate-customer] summary").await;
    let from = wait(c, "#simulate-from").await;
    from.clear().await.unwrap();
    from.send_keys(SIMULATED).await.unwrap();
    click(c, "#simulate-send").await;
    wait(c, &format!("[data-testid=conversation-row][data-customer='{SIMULATED}'] [data-testid=conversation-unread]"))
        .await;

    // Another customer writes; the same webhook arrives twice, one message shows.
    customer_writes(&sandbox, JANA, json!({ "payload": { "text": "Hello, is my parcel on its way?" }, "copies": 2 }))
        .await;
    let row = format!("[data-testid=conversation-row][data-customer='{JANA}']");
    wait(c, &format!("{row} [data-testid=conversation-unread]")).await;
    until_text(c, "[data-testid=nav-inbox-unread]", "2").await;

    // Open it: the message is there, unread clears; reply with Enter, the ticks move to read.
    click(c, &row).await;
    until_count(c, "[data-testid=timeline-item][data-direction=inbound]", 1).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(c, &format!("{row} [data-testid=conversation-unread]")).await > 0 {
        assert!(Instant::now() < deadline, "opening did not mark it read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait(c, "[data-testid=window-countdown]").await;
    let composer = wait(c, "[data-testid=composer-text]").await;
    composer.send_keys("It left the warehouse today").await.unwrap();
    composer.send_keys("\u{e007}").await.unwrap(); // Enter
    let outbound = "[data-testid=timeline-item][data-direction=outbound] [data-testid=message-status]";
    until_attr(c, outbound, "data-status", "read").await;
    shoot(c, "inbox-conversation").await;

    // Every inbound type the sandbox's customers send, and one this version does not know.
    for kind in ["image", "file", "audio", "video", "location", "contact", "button_reply", "list_reply", "sticker"] {
        customer_writes(&sandbox, JANA, json!({ "type": kind })).await;
    }
    customer_writes(&sandbox, JANA, json!({ "type": "reaction", "payload": { "emoji": "👍", "message_id": "x" } }))
        .await;
    // The timeline is virtualized: walk it top to bottom and collect what each bubble shows.
    wait(c, "[data-testid=timeline-item] [data-testid=unknown-kind]").await;
    let seen = shown_kinds(c).await;
    for kind in ["media-card", "location-card", "contact-cards", "reply-tap", "unknown-kind"] {
        assert!(seen.contains(&kind.to_owned()), "{kind} is shown: {seen:?}");
    }
    for media in ["image", "file", "audio", "video", "sticker"] {
        assert!(seen.contains(&format!("media:{media}")), "{media} is shown: {seen:?}");
    }
    wait(c, "[data-testid=timeline-item] [data-testid=unknown-kind]").await;
    let clicked = c
        .execute(
            "const item = document.querySelector('[data-testid=unknown-kind]').closest('[data-testid=timeline-item]');
             item.scrollIntoView({ block: 'center' });
             const b = [...item.querySelectorAll('button')].find(b => b.offsetParent && /View raw/.test(b.textContent));
             if (b) b.click(); return !!b;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(clicked, json!(true), "the unknown type offers its raw payload");
    let raw = wait(c, "[data-testid=raw-payload]").await.text().await.unwrap();
    assert!(raw.contains("emoji"), "{raw}");
    shoot(c, "inbox-types").await;

    // A customer who last wrote 25 hours ago: the window is closed, the composer is a template picker.
    let day_ago = chrono_ms() - 25 * 3600 * 1000;
    customer_writes(&sandbox, OLD, json!({ "payload": { "text": "Hallo, noch da?" }, "timestamp": day_ago })).await;
    let old_row = format!("[data-testid=conversation-row][data-customer='{OLD}']");
    click(c, &old_row).await;
    wait(c, "[data-testid=template-picker]").await;
    assert_eq!(count(c, "[data-testid=composer-text]").await, 0, "no free text once the window closed");
    shoot(c, "inbox-window-closed").await;
    let refused = std::process::Command::new(bin("wadesk"))
        .args(["--json", "--data-dir"])
        .arg(app.data_dir())
        .args(["inbox", "reply", OLD, "--text", "Still there?"])
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_NO_KEYCHAIN", "1")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(15), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("window_closed"));

    // Search: part of a word finds the message and jumps to it; part of a number finds the customer.
    let search = wait(c, "[data-testid=inbox-search]").await;
    search.send_keys("parc").await.unwrap();
    let hit = wait(c, "[data-testid=search-hit]").await;
    assert!(hit.find(Locator::Css("mark")).await.unwrap().text().await.unwrap().eq_ignore_ascii_case("parc"));
    shoot(c, "inbox-search").await;
    hit.click().await.unwrap();
    wait(c, "[data-testid=timeline-item][data-highlighted=true]").await;
    let search = wait(c, "[data-testid=inbox-search]").await;
    search.clear().await.unwrap();
    search.send_keys("23322").await.unwrap();
    let by_number = wait(c, "[data-testid=search-conversation]").await;
    assert_eq!(by_number.find(Locator::Css("mark")).await.unwrap().text().await.unwrap(), "23322");
    assert!(by_number.text().await.unwrap().contains(JANA));
    app.close().await;
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Benchmark, not part of the test run: a 100,000-message conversation (stored before the app
/// starts, through the webhook door) opened in the real webview, then scrolled to its oldest
/// message and back. Prints the times. Run:
/// `xvfb-run -a cargo nextest run -p wadesk-e2e --run-ignored only inbox_bench --no-capture`
#[tokio::test]
#[ignore = "a benchmark: run by hand, figures go to the README"]
async fn inbox_bench_a_100k_message_conversation_opens_and_scrolls() {
    const N: usize = 100_000;
    let seeded = Instant::now();
    let app = AppSession::start_with(|data| seed_big_conversation(data, N)).await;
    println!("seeded {N} messages in {:.1} s", seeded.elapsed().as_secs_f64());
    let c = &app.client;
    wait(c, "#unlock-passphrase").await.send_keys(PASS).await.unwrap();
    click(c, "#unlock-button").await;
    wait(c, ".sidebar").await;
    click(c, "[data-testid=nav-inbox]").await;
    let row = format!("[data-testid=conversation-row][data-customer='{JANA}']");
    wait(c, &row).await;
    let started = Instant::now();
    click(c, &row).await;
    let newest = format!("[data-testid=timeline-item][data-item-id='{N}']");
    wait(c, &newest).await;
    println!(
        "open a {N}-message conversation, newest message shown: {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    // Scroll to the top through the list's own scroller, as a user dragging the scrollbar would.
    let scroll = |to: &'static str| {
        c.execute(
            "const el = document.querySelector('[data-testid=timeline] [role=log]'); el.scrollTop = arguments[0] === 'top' ? 0 : el.scrollHeight; return true;",
            vec![json!(to)],
        )
    };
    let started = Instant::now();
    scroll("top").await.unwrap();
    wait(c, "[data-testid=timeline-item][data-item-id='1']").await;
    println!("jump to the oldest message: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
    let started = Instant::now();
    scroll("bottom").await.unwrap();
    wait(c, &newest).await;
    println!("jump back to the newest: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
    let frames = |step: u32| {
        c.execute_async(
            "const [step, done] = [arguments[0], arguments[arguments.length - 1]];
             const el = document.querySelector('[data-testid=timeline] [role=log]');
             let last = performance.now(); const gaps = []; let steps = 0;
             function frame(now) { gaps.push(now - last); last = now; el.scrollTop -= step; steps += 1;
               if (steps < 120) requestAnimationFrame(frame); else done(gaps); }
             requestAnimationFrame(frame);",
            vec![json!(step)],
        )
    };
    let summary = |v: Value| {
        let mut gaps: Vec<f64> = v.as_array().unwrap().iter().filter_map(Value::as_f64).collect();
        gaps.sort_by(|a, b| a.total_cmp(b));
        format!("median {:.1} ms, p95 {:.1} ms, worst {:.1} ms", gaps[60], gaps[114], gaps[119])
    };
    // Frame times over 120 frames: idle (what this machine's webview gives at all), scrolling the
    // big timeline 120 px a frame, and the same in a 500-message conversation for comparison.
    println!("idle: {}", summary(frames(0).await.unwrap()));
    println!("scrolling the {N}-message timeline: {}", summary(frames(120).await.unwrap()));
    click(c, &format!("[data-testid=conversation-row][data-customer='{OLD}']")).await;
    wait(c, &format!("[data-testid=timeline-item][data-item-id='{}']", N + 500)).await;
    println!("scrolling a 500-message timeline: {}", summary(frames(120).await.unwrap()));
    app.close().await;
}

/// A store with `n` inbound messages from JANA, written through the webhook door as the relay
/// stream would (a stand-in remote relay channel gives the cursor a home).
fn seed_big_conversation(data: &std::path::Path, n: usize) {
    use wadesk_core::relay_client::{OpenedEvent, RelayChannel, RelayMode};
    use wadesk_core::{Install, KeyChoice, Secret};
    let store = Install::at(data).create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    let account = store.list_accounts().unwrap().into_iter().find(|a| a.is_sandbox).unwrap().id;
    store
        .save_relay_channel(&RelayChannel {
            mode: RelayMode::Remote,
            relay_url: "http://127.0.0.1:9".into(),
            channel_id: "bench".into(),
            hook_url: Secret::new("http://127.0.0.1:9/h/bench"),
            client_key: Secret::new("bench"),
            keys: wadesk_relay_protocol::ChannelKeys::generate(),
            port: None,
        })
        .unwrap();
    let start = chrono_ms() - n as i64 * 1000;
    // Then 500 from OLD: a small conversation to scroll for comparison.
    for chunk in (0..n + 500).collect::<Vec<_>>().chunks(5000) {
        let events = chunk
            .iter()
            .map(|&i| {
                let body = json!({ "app": "Bench", "timestamp": start + i as i64 * 1000, "version": 2, "type": "message",
                    "payload": { "id": format!("ABEGk{i:010}"), "source": if i < n { JANA } else { OLD }, "type": "text",
                                 "payload": { "text": format!("Message number {} about order #{}", i + 1, 10_000 + i % 90_000) } } });
                OpenedEvent {
                    seq: i as u64 + 1,
                    request: Ok(wadesk_relay_protocol::CapturedRequest {
                        method: "POST".into(),
                        path_and_query: format!("{}{account}", wadesk_core::messaging::CA_MESSAGES_PATH),
                        headers: vec![],
                        body: body.to_string().into_bytes(),
                        received_at_ms: chrono_ms(),
                    }),
                }
            })
            .collect();
        store.apply_opened(events).unwrap();
    }
}
