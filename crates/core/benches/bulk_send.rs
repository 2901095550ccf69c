//! A bulk send against the embedded sandbox at a configured rate: the achieved rate, the 429s our
//! own pacing caused, and the dry run of a large audience. Prints figures; asserts nothing about time.
//!
//! ```sh
//! cargo bench -p wadesk-core --bench bulk_send
//! # knobs: WADESK_BENCH_RECIPIENTS=10000  WADESK_BENCH_RATE=80  (the send: 10,000 at 80/s ≈ 125 s)
//! #        WADESK_BENCH_DRY_RUN=100000   (contacts rendered by the dry run)
//! ```
//!
//! The whole real path: SQLCipher store, CSV import, the dry run, the frozen outbox, the paced
//! sender over HTTP to the embedded sandbox (its own limit: 80 messages/s per app, a one-second
//! token bucket), status webhooks coming back through the embedded relay while it sends.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::contacts::{Audience, ColumnTarget, ImportOptions};
use wadesk_core::messaging::Messaging;
use wadesk_core::outbox::{NewCampaign, Outbox, VariableMapping, VariableSource};
use wadesk_core::providers::chatarchitect::Registrations;
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Install, KeyChoice, Secret, Store};
use wadesk_sandbox::messaging::TEMPLATE_PROMO;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn csv(n: usize, tag: &str, offset: usize) -> String {
    let mut s = String::with_capacity(n * 40);
    s.push_str("phone,first_name,tags\n");
    for i in 0..n {
        s.push_str(&format!("+49151{:08},Kunde{i},{tag}\n", offset + i));
    }
    s
}

fn import(store: &Store, csv: &str) -> Duration {
    let options = ImportOptions {
        mapping: vec![ColumnTarget::Phone, ColumnTarget::FirstName, ColumnTarget::Tags],
        tags: vec![],
        default_country: None,
    };
    let started = Instant::now();
    let report = store.import_contacts(csv.as_bytes(), &options, &|_| {}, &AtomicBool::new(false)).expect("import");
    assert!(report.errors.is_empty(), "{:?}", &report.errors[..report.errors.len().min(3)]);
    started.elapsed()
}

fn campaign(account_id: &str, tag: &str, rate: f64) -> NewCampaign {
    NewCampaign {
        account_id: account_id.to_owned(),
        name: Some(format!("bench {tag}")),
        template_id: TEMPLATE_PROMO.into(),
        audience: Audience::parse(&format!("tag:{tag}")).expect("audience"),
        mapping: Some(vec![
            VariableMapping { number: 1, source: VariableSource::Field { field: "first_name".into() } },
            VariableMapping { number: 2, source: VariableSource::Constant { text: "20%".into() } },
        ]),
        rate_per_second: Some(rate),
        scheduled_at: None,
    }
}

/// The first and last write time (ms) of the messages of `template_id`.
fn send_span(store: &Store, template_id: &str) -> (i64, i64) {
    let filter = wadesk_core::messaging::HistoryFilter { template_id: Some(template_id.into()), ..Default::default() };
    let (mut first, mut last, mut offset) = (i64::MAX, i64::MIN, 0);
    loop {
        let page = store.history_page(&filter, offset, 500).expect("history");
        for m in &page.rows {
            first = first.min(m.created_at);
            last = last.max(m.created_at);
        }
        offset += 500;
        if offset >= page.total {
            return (first, last);
        }
    }
}

fn main() {
    let recipients = env_or("WADESK_BENCH_RECIPIENTS", 10_000);
    let rate = env_or("WADESK_BENCH_RATE", 80) as f64;
    let dry_n = env_or("WADESK_BENCH_DRY_RUN", 100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        Install::at(dir.path().join("data")).create(KeyChoice::Passphrase(Secret::new("bench pass"))).expect("store"),
    );
    let relay = rt.block_on(RelayService::start(store.clone(), &dir.path().join("data/relay"))).expect("relay");
    let registrations = Registrations::new(store.clone());
    let messaging = Arc::new(Messaging::new(store.clone(), registrations.sandbox_host()).expect("messaging"));
    let account = store.list_accounts().expect("accounts").into_iter().find(|a| a.is_sandbox).expect("sandbox").id;
    rt.block_on(messaging.ensure_webhooks()).expect("webhooks");
    rt.block_on(messaging.sync_templates(&account)).expect("templates");
    let outbox = Outbox::new(messaging.clone());

    // The dry run of a large audience.
    let took = import(&store, &csv(dry_n, "large", 0));
    println!("import: {dry_n} rows in {:.2} s ({:.0} rows/s)", took.as_secs_f64(), dry_n as f64 / took.as_secs_f64());
    let large = outbox.create(&campaign(&account, "large", rate)).expect("campaign");
    let started = Instant::now();
    let dry = outbox.dry_run(&large.id).expect("dry run");
    let took = started.elapsed();
    println!(
        "dry run: {} recipients rendered in {:.2} s ({:.0}/s), {} to send",
        dry.audience,
        took.as_secs_f64(),
        dry.audience as f64 / took.as_secs_f64(),
        dry.to_send
    );
    let started = Instant::now();
    let frozen = outbox.start(&large.id, Some(dry.to_send)).expect("start");
    println!(
        "start (freeze {} recipients in one transaction): {:.2} s",
        frozen.funnel.total,
        started.elapsed().as_secs_f64()
    );
    outbox.cancel(&large.id).expect("cancel");

    // The paced send.
    import(&store, &csv(recipients, "send", dry_n));
    let c = outbox.create(&campaign(&account, "send", rate)).expect("campaign");
    let dry = outbox.dry_run(&c.id).expect("dry run");
    outbox.start(&c.id, Some(dry.to_send)).expect("start");
    let started = Instant::now();
    let done = rt.block_on(outbox.run(&c.id, &|_| {})).expect("send");
    let took = started.elapsed().as_secs_f64();
    // The first send goes out at 0 and the n-th at (n - 1) / rate: that is the schedule to match,
    // measured on the messages' own write times (each is written just before its call).
    let (first, last) = send_span(&store, TEMPLATE_PROMO);
    let achieved = (done.funnel.submitted.saturating_sub(1)) as f64 / ((last - first) as f64 / 1000.0);
    println!(
        "send: {} recipients at {rate}/s configured: {:.2} s in all, first to last call {:.2} s, achieved {achieved:.2}/s ({:+.2}% of the setting), \
         {} answered 429, {} not accepted, {} uncertain",
        done.funnel.total,
        took,
        (last - first) as f64 / 1000.0,
        (achieved / rate - 1.0) * 100.0,
        done.rate_limited,
        done.funnel.failed,
        done.funnel.uncertain
    );
    drop(relay);
}
