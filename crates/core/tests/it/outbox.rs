//! Bulk sends end to end against the embedded sandbox, over real HTTP and the real relay: import,
//! dry run with a blocked row, the fix, the start with the confirmed count, exactly one message per
//! recipient at the sandbox, statuses filling the funnel, retry of the failed as linked attempts,
//! pause/resume/cancel, and a 429 storm that slows the send and loses nothing.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::json;
use wadesk_core::contacts::{Audience, ColumnTarget, ContactEdit, ContactQuery, ImportOptions};
use wadesk_core::messaging::{HistoryFilter, MessageStatus};
use wadesk_core::outbox::{CampaignState, NewCampaign, Outbox, ProblemKind, VariableMapping, VariableSource};
use wadesk_core::Error;
use wadesk_sandbox::messaging::{DEMO_NOT_OPTED_IN, TEMPLATE_PROMO};

use crate::messaging::{world, World};

/// `n` customers tagged `vip` (numbers 4915110000000 + i), the first without a first name, the
/// second opted out, and one who is not opted in at the provider.
fn customers_csv(n: usize) -> String {
    let mut csv = String::from("Phone;First name;Tags;Unsubscribed\n");
    for i in 0..n {
        let first = if i == 0 { String::new() } else { format!("Kunde{i}") };
        let out = if i == 1 { "yes" } else { "" };
        csv.push_str(&format!("+49 151 1{:07};{first};vip;{out}\n", i));
    }
    csv.push_str(&format!("+{DEMO_NOT_OPTED_IN};Nora;vip;\n"));
    csv
}

fn import(w: &World, csv: &str) {
    let preview = w.store.import_preview(csv.as_bytes()).unwrap();
    assert_eq!(preview.delimiter, ";");
    let options = ImportOptions {
        mapping: vec![ColumnTarget::Phone, ColumnTarget::FirstName, ColumnTarget::Tags, ColumnTarget::OptOut],
        tags: vec![],
        default_country: None,
    };
    let report = w.store.import_contacts(csv.as_bytes(), &options, &|_| {}, &AtomicBool::new(false)).unwrap();
    assert!(report.errors.is_empty(), "{report:?}");
}

fn promo(w: &World, rate: f64) -> NewCampaign {
    NewCampaign {
        account_id: w.sandbox_account.clone(),
        name: Some("Autumn".into()),
        template_id: TEMPLATE_PROMO.into(),
        audience: Audience::parse("tag:vip").unwrap(),
        mapping: Some(vec![
            VariableMapping { number: 1, source: VariableSource::Field { field: "first_name".into() } },
            VariableMapping { number: 2, source: VariableSource::Constant { text: "20%".into() } },
        ]),
        rate_per_second: Some(rate),
        scheduled_at: None,
    }
}

/// How many messages the sandbox accepted per destination.
async fn accepted(w: &World) -> HashMap<String, usize> {
    let v = w.control(reqwest::Method::GET, "/_sandbox/messaging/sent", None).await;
    let mut counts = HashMap::new();
    for m in v["messages"].as_array().unwrap() {
        *counts.entry(m["destination"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

async fn until_funnel(outbox: &Outbox, id: &str, what: &str, done: impl Fn(&wadesk_core::outbox::Funnel) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let c = outbox.get(id).unwrap();
        if done(&c.funnel) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {:?}", c.funnel);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_blocks_a_broken_row_and_after_the_fix_everyone_gets_exactly_one_message() {
    let w = world().await;
    w.synced().await;
    import(&w, &customers_csv(20));
    let outbox = Outbox::new(w.messaging.clone());
    let draft = outbox.create(&promo(&w, 200.0)).unwrap();
    assert_eq!(draft.state, CampaignState::Draft);
    assert_eq!(outbox.audience_count(&draft.audience).unwrap(), 21);

    let dry = outbox.dry_run(&draft.id).unwrap();
    assert!(!dry.ok);
    assert_eq!((dry.audience, dry.to_send, dry.blocked, dry.skipped), (21, 19, 1, 1));
    let empty = dry.problems.iter().find(|p| p.kind == ProblemKind::EmptyValue).unwrap();
    assert_eq!(empty.rows[0].phone, "4915110000000");
    assert_eq!(dry.samples[0].body.lines().next().unwrap(), "Hi {{1}}, enjoy 20% off your next order this week.");
    let refused = outbox.start(&draft.id, Some(19)).unwrap_err();
    assert!(matches!(&refused, Error::Field(f, _) if f == "dry_run"), "{refused}");
    assert!(outbox.get(&draft.id).unwrap().funnel.total == 0, "a refused start writes no recipient");

    // Fix the row in place: the contact gets a first name.
    let edit = ContactEdit { first_name: Some("Erika".into()), ..Default::default() };
    w.store.update_contact(empty.rows[0].contact_id, &edit, None).unwrap();
    let dry = outbox.dry_run(&draft.id).unwrap();
    assert!(dry.ok, "{:?}", dry.problems);
    assert_eq!(dry.to_send, 20);
    let changed = outbox.start(&draft.id, Some(21)).unwrap_err();
    assert!(matches!(&changed, Error::Field(f, _) if f == "expected_count"), "{changed}");

    let started = outbox.start(&draft.id, Some(20)).unwrap();
    assert_eq!((started.state, started.funnel.total, started.funnel.queued), (CampaignState::Running, 20, 20));
    let done = outbox.run(&draft.id, &|_| {}).await.unwrap();
    assert_eq!(done.state, CampaignState::Done);
    assert_eq!(done.funnel.queued + done.funnel.sending + done.funnel.uncertain, 0);

    let counts = accepted(&w).await;
    assert_eq!(counts.len(), 20, "the opted-out contact got nothing: {counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    assert!(!counts.contains_key("4915110000001"));
    // Statuses arrive through the relay and fill the funnel; the number not opted in fails (1008).
    until_funnel(&outbox, &draft.id, "statuses", |f| f.read == 19 && f.failed == 1).await;
    let report = outbox.report(&draft.id).unwrap();
    assert_eq!(report.failures[0].failure.code, Some(1008));
    assert_eq!(report.failures[0].count, 1);
    let last = report.timeline.last().unwrap();
    assert_eq!((last.submitted, last.read, last.failed), (20, 19, 1));
    // Bulk messages are in the send history like any other.
    let history = w.store.history_page(&HistoryFilter::default(), 0, 100).unwrap();
    assert_eq!(history.total, 20);

    // Retry the failed: a new attempt linked to the failed message, sent once more, nobody else.
    let (retrying, n) = outbox.retry_failed(&draft.id, Some(1008)).unwrap();
    assert_eq!((n, retrying.state), (1, CampaignState::Running));
    outbox.run(&draft.id, &|_| {}).await.unwrap();
    let counts = accepted(&w).await;
    assert_eq!(counts[DEMO_NOT_OPTED_IN], 2);
    assert_eq!(counts.values().sum::<usize>(), 21);
    until_funnel(&outbox, &draft.id, "the retry's status", |f| f.failed == 1 && f.submitted == 20).await;
    let failed = outbox
        .recipients(&draft.id, &wadesk_core::outbox::RecipientFilter { failure_code: Some(1008), ..Default::default() })
        .unwrap();
    let again = w.store.message(failed.recipients[0].message_id.as_deref().unwrap()).unwrap();
    assert!(again.retry_of.is_some(), "linked to the original");
    assert_eq!(failed.recipients[0].attempt, 2);

    // The same template again within 24 hours: everyone who had it is left out as a duplicate.
    let second = outbox.create(&promo(&w, 200.0)).unwrap();
    let dry = outbox.dry_run(&second.id).unwrap();
    let dup = dry.problems.iter().find(|p| p.kind == ProblemKind::Duplicate).unwrap();
    assert_eq!(dup.count, 19);
    assert!(w.store.contacts_page(&ContactQuery::default()).unwrap().total == 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel_stop_where_asked_and_send_nobody_twice() {
    let w = world().await;
    w.synced().await;
    import(&w, &customers_csv(60));
    let outbox = Outbox::new(w.messaging.clone());
    let c = outbox.create(&promo(&w, 20.0)).unwrap();
    outbox.exclude(&c.id, &[1], true).unwrap(); // the row without a first name
    let dry = outbox.dry_run(&c.id).unwrap();
    assert!(dry.ok && dry.excluded == 1, "{:?}", dry.problems);
    outbox.start(&c.id, Some(dry.to_send)).unwrap();

    let runner = {
        let (o, id) = (outbox.clone(), c.id.clone());
        tokio::spawn(async move { o.run(&id, &|_| {}).await })
    };
    until_funnel(&outbox, &c.id, "some sent", |f| f.submitted >= 10).await;
    outbox.pause(&c.id).unwrap();
    let paused = runner.await.unwrap().unwrap();
    assert_eq!(paused.state, CampaignState::Paused);
    let sent_at_pause = accepted(&w).await.values().sum::<usize>();
    assert!(paused.funnel.queued > 0 && sent_at_pause < 59);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(accepted(&w).await.values().sum::<usize>(), sent_at_pause, "nothing goes out while paused");

    outbox.resume(&c.id).unwrap();
    let runner = {
        let (o, id) = (outbox.clone(), c.id.clone());
        tokio::spawn(async move { o.run(&id, &|_| {}).await })
    };
    until_funnel(&outbox, &c.id, "more sent", |f| f.submitted as usize >= sent_at_pause + 5).await;
    outbox.cancel(&c.id).unwrap();
    let cancelled = runner.await.unwrap().unwrap();
    assert_eq!(cancelled.state, CampaignState::Cancelled);
    assert!(cancelled.funnel.dropped > 0, "{:?}", cancelled.funnel);
    let counts = accepted(&w).await;
    assert!(counts.values().all(|n| *n == 1));
    assert_eq!(counts.values().sum::<usize>() as u64, cancelled.funnel.submitted);
    assert!(matches!(outbox.resume(&c.id), Err(Error::InvalidInput(_))), "a cancelled campaign stays cancelled");
    let listed = |statuses| {
        let filter = wadesk_core::outbox::RecipientFilter { statuses: Some(statuses), ..Default::default() };
        outbox.recipients(&c.id, &filter).unwrap().total
    };
    assert_eq!(listed(vec![MessageStatus::Uncertain]), 0, "dropped recipients are not listed as uncertain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_slows_the_send_and_loses_nothing() {
    let w = world().await;
    w.synced().await;
    import(&w, &customers_csv(40));
    // The provider takes 10 messages a second; the campaign asks for 100.
    w.sandbox_settings(json!({ "rate_per_second": 10 })).await;
    let outbox = Outbox::new(w.messaging.clone());
    let c = outbox.create(&promo(&w, 100.0)).unwrap();
    outbox.exclude(&c.id, &[1], true).unwrap();
    let dry = outbox.dry_run(&c.id).unwrap();
    outbox.start(&c.id, Some(dry.to_send)).unwrap();
    let waiting_seen = std::sync::atomic::AtomicBool::new(false);
    let started = Instant::now();
    let done = outbox
        .run(&c.id, &|c| {
            if c.waiting.is_some() {
                waiting_seen.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        })
        .await
        .unwrap();
    assert_eq!(done.state, CampaignState::Done);
    assert!(done.rate_limited > 0, "the storm happened");
    eprintln!("storm: {} answered 429, {:?}", done.rate_limited, started.elapsed());
    assert!(waiting_seen.into_inner(), "the wait was shown while it lasted");
    assert!(started.elapsed() >= Duration::from_secs(2), "slowed to the provider's pace: {:?}", started.elapsed());
    assert_eq!(done.funnel.submitted, 39, "{:?}", done.funnel);
    let counts = accepted(&w).await;
    assert_eq!(counts.len(), 39);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let statuses = w
        .store
        .history_page(&HistoryFilter { statuses: Some(vec![MessageStatus::NotSubmitted]), ..Default::default() }, 0, 10)
        .unwrap();
    assert_eq!(statuses.total, 0, "a 429 leaves no refused message behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_campaign_waits_for_its_time_and_a_stop_reply_mid_send_is_honoured() {
    let w = world().await;
    w.synced().await;
    import(&w, &customers_csv(10));
    let outbox = Outbox::new(w.messaging.clone());
    let mut new = promo(&w, 5.0);
    new.scheduled_at = Some(wadesk_core::store::now_ms() + 1500);
    let c = outbox.create(&new).unwrap();
    outbox.exclude(&c.id, &[1], true).unwrap();
    let dry = outbox.dry_run(&c.id).unwrap();
    let frozen = outbox.start(&c.id, Some(dry.to_send)).unwrap();
    assert_eq!((frozen.state, frozen.funnel.total), (CampaignState::Scheduled, 9));
    // Paused before its time and resumed: it waits for its time again rather than start now.
    assert_eq!(outbox.pause(&c.id).unwrap().state, CampaignState::Paused);
    assert_eq!(outbox.resume(&c.id).unwrap().state, CampaignState::Scheduled);

    let started = Instant::now();
    let runner = {
        let (o, id) = (outbox.clone(), c.id.clone());
        tokio::spawn(async move { o.run(&id, &|_| {}).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(accepted(&w).await.is_empty(), "nothing goes out before the scheduled time");
    // The last customer replies STOP to something else while the campaign waits: the frozen
    // MARKETING message is not sent to them.
    w.store.set_opt_out_by_phone("+4915110000009", true, None).unwrap();
    let done = runner.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1400), "{:?}", started.elapsed());
    assert_eq!(done.state, CampaignState::Done);
    assert_eq!((done.funnel.submitted, done.funnel.dropped), (8, 1), "{:?}", done.funnel);
    let counts = accepted(&w).await;
    assert!(!counts.contains_key("4915110000009"));
    assert_eq!(counts.len(), 8);
}
