//! Conversations: inbound messages applied into the encrypted store per second, search latency
//! (p50/p99) over 1,000,000 stored messages, and the pages of a 100,000-message timeline. Prints
//! figures; asserts only that the work was right (every message stored once, hits found).
//!
//! ```sh
//! cargo bench -p wadesk-core --features bench --bench conversations
//! # knobs: WADESK_BENCH_INGEST=20000        inbound events for the ingest figure
//! #        WADESK_BENCH_SEARCH_MESSAGES=1000000  messages in the search store
//! #        WADESK_BENCH_DIR=/some/disk
//! ```
//!
//! Events take the desktop's path after the envelope is opened (`Store::apply_opened`: the
//! webhook door's parse, dedupe by the provider's id, the conversation upsert, the timeline item,
//! the trigram index, the cursor), with every tenth delivered twice (a provider retry). Texts are
//! sentences of made-up words (about 40,000 distinct ones), an order number now and then, and a
//! tenth of them in Cyrillic, from 10,000 customers; one customer holds 100,000 of the messages.

use std::time::{Duration, Instant};

use wadesk_core::conversations::{ConversationQuery, SearchQuery};
use wadesk_core::messaging::CA_MESSAGES_PATH;
use wadesk_core::relay_client::OpenedEvent;
use wadesk_core::Store;
use wadesk_relay_protocol::CapturedRequest;

mod support;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const LATIN: &[&str] = &[
    "ka", "lo", "me", "ni", "po", "ru", "sa", "te", "vi", "zo", "bar", "den", "fil", "gor", "hum", "jes", "kor", "lin",
    "mar", "nest", "or", "pan", "quo", "ris", "stel", "tor", "ul", "ven", "wil", "xa", "yor", "zen",
];
const CYRILLIC: &[&str] =
    &["ка", "ло", "ме", "ни", "по", "ру", "са", "те", "ви", "зо", "бар", "ден", "гор", "лин", "мар", "тор"];

fn word(rng: &mut Rng, syllables: &[&str]) -> String {
    // 40,000-ish distinct words: two or three syllables from a seeded pool.
    let n = 2 + rng.below(2);
    (0..n).map(|_| syllables[rng.below(syllables.len())]).collect()
}

fn sentence(rng: &mut Rng) -> String {
    let cyrillic = rng.below(10) == 0;
    let words = 5 + rng.below(10);
    let mut out: Vec<String> = (0..words).map(|_| word(rng, if cyrillic { CYRILLIC } else { LATIN })).collect();
    if rng.below(5) == 0 {
        out.push(format!("#{}", 10_000 + rng.below(90_000)));
    }
    out.join(" ")
}

fn customer(i: usize) -> String {
    format!("49151{:08}", 20_000_000 + i)
}

fn store(path: &std::path::Path) -> (Store, String) {
    let (store, account, _) = support::bench_store(path, true);
    (store, account)
}

/// Inbound events `from..to`: message i from customer `i % customers` (every tenth from the big
/// customer 0 when `big` is set), every tenth delivered twice. Seqs continue from `seq`.
fn events(
    account: &str,
    range: std::ops::Range<usize>,
    customers: usize,
    big: bool,
    seq: &mut u64,
) -> Vec<OpenedEvent> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ range.start as u64);
    let mut out = Vec::with_capacity(range.len() * 11 / 10);
    for i in range {
        let who = if big && i % 10 == 0 { 0 } else { 1 + i % (customers - 1) };
        let text = sentence(&mut rng);
        let body = serde_json::json!({
            "app": "Bench", "timestamp": 1_800_000_000_000i64 + i as i64 * 1000, "version": 2, "type": "message",
            "payload": { "id": format!("ABEGk{i:012}"), "source": customer(who), "type": "text",
                         "payload": { "text": text }, "sender": { "phone": customer(who), "name": format!("Kunde {who}") } }
        });
        let request = CapturedRequest {
            method: "POST".into(),
            path_and_query: format!("{CA_MESSAGES_PATH}{account}"),
            headers: vec![],
            body: body.to_string().into_bytes(),
            received_at_ms: 1_800_000_000_000,
        };
        for _ in 0..if i % 10 == 3 { 2 } else { 1 } {
            *seq += 1;
            out.push(OpenedEvent { seq: *seq, request: Ok(request.clone()) });
        }
    }
    out
}

fn ingest(dir: &std::path::Path, n: usize, batch: usize) {
    let (store, account) = store(&dir.join(format!("ingest-{batch}.db")));
    let mut seq = 0;
    let evs = events(&account, 0..n, 2_000, false, &mut seq);
    let count = evs.len();
    let mut chunks = Vec::new();
    let mut evs = evs.into_iter().peekable();
    while evs.peek().is_some() {
        chunks.push(evs.by_ref().take(batch).collect::<Vec<_>>());
    }
    let started = Instant::now();
    for c in chunks {
        store.apply_opened(c).expect("apply");
    }
    let secs = started.elapsed().as_secs_f64();
    let page = store.conversations(&ConversationQuery::default()).expect("list");
    let stored: u32 = page.unread_total;
    println!(
        "ingest, sqlcipher, batch {batch:>3}: {count} events ({n} messages, {} duplicates) in {secs:.2} s: {:>8.0} events/s",
        count - n,
        count as f64 / secs
    );
    assert_eq!(stored as usize, n, "every message once");
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label:<34} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  ({} queries)",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
        times.len()
    );
}

/// Makes one query of a kind from the generator.
type QueryMaker = Box<dyn Fn(&mut Rng) -> String>;

fn search(dir: &std::path::Path, n: usize) {
    let (store, account) = store(&dir.join("search.db"));
    let started = Instant::now();
    let mut seq = 0;
    let step = 5_000;
    for from in (0..n).step_by(step) {
        store.apply_opened(events(&account, from..(from + step).min(n), 10_000, true, &mut seq)).expect("fill");
    }
    let fill = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(dir.join("search.db")).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("search.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "search store: {n} messages in {fill:.0} s ({:.0}/s at batch {step}), {:.0} MB on disk",
        n as f64 / fill,
        size as f64 / 1e6
    );
    store.checkpoint().expect("checkpoint");

    let mut rng = Rng(42);
    let query = |store: &Store, text: String| {
        let q = SearchQuery { account_id: Some(account.clone()), text, limit: Some(50) };
        let t = Instant::now();
        let r = store.search(&q).expect("search");
        (t.elapsed(), r.messages.len() + r.conversations.len())
    };
    let mut kinds: Vec<(&str, QueryMaker)> = vec![
        (
            "part of a word (3-5 letters)",
            Box::new(|r: &mut Rng| {
                let w = word(r, LATIN);
                let len = 3 + r.below(3).min(w.len().saturating_sub(3));
                w[..len.min(w.len())].to_owned()
            }),
        ),
        ("a whole word", Box::new(|r: &mut Rng| word(r, LATIN))),
        ("two words", Box::new(|r: &mut Rng| format!("{} {}", word(r, LATIN), word(r, LATIN)))),
        ("a Cyrillic word", Box::new(|r: &mut Rng| word(r, CYRILLIC))),
        ("part of an order number", Box::new(|r: &mut Rng| format!("{}", 1000 + r.below(9000)))),
        ("part of a customer number", Box::new(|r: &mut Rng| customer(r.below(10_000))[5..11].to_owned())),
        ("no match", Box::new(|r: &mut Rng| format!("qqx{}", r.below(1000)))),
        ("a two-letter term (scan)", Box::new(|r: &mut Rng| LATIN[r.below(10)].to_owned())),
    ];
    let mut all = Vec::new();
    for (label, make) in kinds.drain(..) {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..100 {
            let (t, hits) = query(&store, make(&mut rng));
            times.push(t);
            found += usize::from(hits > 0);
        }
        all.extend(times.iter().copied());
        report(&format!("{label} ({found}/100 found)"), times);
    }
    report("all of the above", all);

    // The big conversation: open at its newest page, jump to the middle and the start.
    let big = store
        .conversations(&ConversationQuery { account_id: Some(account.clone()), ..Default::default() })
        .expect("list")
        .rows
        .into_iter()
        .max_by_key(|c| c.unread)
        .expect("conversations");
    let total = store.timeline(big.id, 0, 1).expect("timeline").total;
    for (label, offset) in [("newest", total.saturating_sub(100)), ("middle", total / 2), ("oldest", 0)] {
        let t = Instant::now();
        let page = store.timeline(big.id, offset, 100).expect("page");
        println!("timeline of {total}: page of 100 at the {label:<6} {:>7.2} ms", t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.items.len(), 100);
    }
    let t = Instant::now();
    let list = store.conversations(&ConversationQuery { limit: Some(100), ..Default::default() }).expect("list");
    println!("conversation list: first 100 of {} in {:.2} ms", list.total, t.elapsed().as_secs_f64() * 1000.0);
}

fn main() {
    let base = std::env::var_os("WADESK_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(b) => tempfile::tempdir_in(b).expect("dir"),
        None => tempfile::tempdir().expect("dir"),
    };
    let n = env_or("WADESK_BENCH_INGEST", 20_000);
    for batch in [1, 64, 512] {
        ingest(dir.path(), n, batch);
    }
    search(dir.path(), env_or("WADESK_BENCH_SEARCH_MESSAGES", 1_000_000));
}
