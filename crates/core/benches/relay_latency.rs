//! Hook → desktop latency of the relay tunnel on loopback, at a fixed webhook rate (default 1,000/s
//! for 10 s). Prints percentiles; asserts nothing about time.
//!
//! ```sh
//! cargo bench -p wadesk-core --bench relay_latency
//! # knobs: WADESK_BENCH_RATE=1000  WADESK_BENCH_SECONDS=10  WADESK_BENCH_DIR=/some/disk
//! #        WADESK_BENCH_ACK_EVERY=1 (the bare stream client's ack interval; the desktop acks every event)
//! #        WADESK_BENCH_DUMP=/tmp/lat (writes /tmp/lat-<run>.csv: every post's due time and latencies)
//! ```
//!
//! Two runs, so the reader sees where the time goes:
//! 1. **Stream alone.** The relay (`wadesk_relay::serve` over a fresh fsync'ing `SqliteStore`, with
//!    the embedded relay's limits) and a bare WebSocket client that decodes each frame, opens the
//!    sealed box and acks. Measured: hook POST start → event opened by the client.
//! 2. **Desktop.** The real desktop path: a SQLCipher `wadesk_core::Store` created with a passphrase and
//!    `RelayService::start`, which hosts the embedded relay and runs the stream loop (open, dispatch,
//!    move the cursor in one transaction, then ack). Measured: hook POST start → the status watch
//!    reporting a cursor at or past the event's seq. The service publishes the cursor right after
//!    the commit and the ack, so this is commit time plus the ack write and one task wake-up; when
//!    two events commit before the observer runs, both get the later time (an overestimate, never an
//!    underestimate).
//!
//! Both runs also report hook POST start → 200, which the relay answers only after its own fsync'd
//! group commit, and the CPU taken by the benchmark, the load generator and other processes (a run
//! beside a build is not a figure). After the desktop run, the desktop's per-event work is timed
//! alone on one thread: opening a sealed event, and `Store::apply_relay_event`.
//!
//! The relay and the desktop share one multi-thread runtime with 2 workers, as in the app. The load
//! generator runs on its own current-thread runtime in one OS thread (`support/loadgen.rs` of the
//! relay's benches: raw keep-alive HTTP/1.1, pre-built requests). It is open-loop: request `i` is
//! due at `start + i / rate` whatever happened to earlier ones, spread over 8 connections; the
//! latency is counted from the moment it is written, and requests written more than 2 ms after
//! their due time are counted and printed. tokio's timer has 1 ms resolution, so at 1,000/s the
//! requests leave one per millisecond tick.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Install, KeyChoice, Secret, Store};
use wadesk_relay::{Config, RelayState, SqliteStore};
use wadesk_relay_protocol::{
    open, CapturedRequest, ChannelKeys, ClientFrame, CreatedChannel, Header, PeriodSealer, ServerFrame, StoredEvent,
};

#[path = "../../relay/benches/support/loadgen.rs"]
mod loadgen;

use loadgen::{env_or, ms, on_loadgen, percentile};

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const ADMIN: &str = "bench-admin-token-0123456789abcdef";
/// Connections the load generator spreads requests over (each has at most one in flight).
const CONNECTIONS: usize = 8;
/// Posts before each measured run, at the same rate (not reported).
const WARMUP: Duration = Duration::from_secs(1);

fn main() -> BenchResult<()> {
    let rate: u64 = env_or("WADESK_BENCH_RATE", 1_000);
    let seconds: u64 = env_or("WADESK_BENCH_SECONDS", 10);
    let app_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("app-rt").enable_all().build()?;

    let stream_dir = loadgen::data_dir()?;
    println!("wadesk relay hook → desktop latency benchmark");
    println!("machine: {}", loadgen::describe_machine(stream_dir.path()));
    println!(
        "load: {rate} webhooks/s for {seconds} s (+{} s warm-up), {} B bodies, over {CONNECTIONS} keep-alive \
         connections; the load generator (1 thread) shares the cores with relay + desktop (2 tokio workers)",
        WARMUP.as_secs(),
        loadgen::chatarchitect_body(0, 0).len()
    );

    let stream = stream_only(&app_rt, stream_dir.path(), rate, seconds)?;
    let desktop_dir = loadgen::data_dir()?;
    let desktop = desktop(&app_rt, desktop_dir.path(), rate, seconds)?;

    println!();
    println!("{:<52} {:>7} {:>7} {:>7} {:>7} {:>7}", "ms (n per row below)", "p50", "p95", "p99", "max", "n");
    for (label, run) in [("stream alone", &stream), ("desktop (SQLCipher)", &desktop)] {
        println!(
            "{label}: {} posted, {} late (> 2 ms behind schedule); CPU, % of one core: relay + client {:.0}%, \
             load generator {:.0}%, other processes {:.0}%",
            run.posted, run.late, run.app_cpu_pct, run.loadgen_cpu_pct, run.others_cpu_pct
        );
        row("  hook POST → 200 (relay fsync'd)", &run.post_us);
        row(&format!("  hook POST → {}", run.delivered_label), &run.delivered_us);
        if run.missing > 0 {
            println!("  MISSING: {} accepted events never reached the client", run.missing);
        }
        if run.failed > 0 {
            println!("  FAILED: {} posts were not answered 2xx", run.failed);
        }
    }
    drop(app_rt);
    if stream.missing + desktop.missing + stream.failed + desktop.failed > 0 {
        return Err("some webhooks were refused or never delivered".into());
    }
    Ok(())
}

fn row(label: &str, sorted_us: &[u64]) {
    println!(
        "{label:<52} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7}",
        ms(percentile(sorted_us, 50.0)),
        ms(percentile(sorted_us, 95.0)),
        ms(percentile(sorted_us, 99.0)),
        ms(sorted_us.last().copied().unwrap_or(0)),
        sorted_us.len()
    );
}

/// What one run measured.
#[derive(Debug)]
struct Figures {
    posted: usize,
    late: usize,
    failed: usize,
    missing: usize,
    /// Sorted, µs.
    post_us: Vec<u64>,
    delivered_label: &'static str,
    /// Sorted, µs.
    delivered_us: Vec<u64>,
    /// CPU of everything but the load generator while posting, % of one core.
    app_cpu_pct: f64,
    /// CPU of the load generator while posting, % of one core.
    loadgen_cpu_pct: f64,
    /// CPU of other processes on the machine while posting, % of one core.
    others_cpu_pct: f64,
}

/// Run 1: the relay and a bare stream client, no SQLCipher.
fn stream_only(
    app_rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    rate: u64,
    seconds: u64,
) -> BenchResult<Figures> {
    let store = Arc::new(SqliteStore::open(&dir.join("relay"))?);
    // The embedded relay's limits (crates/core/src/relay_client/embedded.rs).
    let config = Config { admin_token: Some(ADMIN.into()), rate_per_sec: 2000, burst: 10_000, ..Config::default() };
    let state = RelayState::new(store, config)?;
    let listener = app_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = app_rt.spawn(wadesk_relay::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let keys = ChannelKeys::generate();
    let public_key = keys.public_key_b64();
    let (created, _) = on_loadgen(move || create_channel(addr, public_key))?;
    let created = created?;

    // The stream client, on the app runtime as the desktop's would be.
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let secret = keys.secret_bytes();
    let client_key = created.client_key.clone();
    // The desktop acks every event; a larger value shows what the acks cost the relay's stream.
    let ack_every: u64 = env_or("WADESK_BENCH_ACK_EVERY", 1).max(1);
    if ack_every > 1 {
        println!("stream alone: the bare client acks every {ack_every} events (WADESK_BENCH_ACK_EVERY)");
    }
    let client = app_rt.spawn(async move {
        let keys = ChannelKeys::from_secret_bytes(secret);
        let mut req = format!("ws://{addr}/v1/stream?cursor=0").into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {client_key}").parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true).await?;
        while let Some(msg) = ws.next().await {
            let Message::Binary(bytes) = msg? else { continue };
            if let ServerFrame::Event(event) = ServerFrame::decode(&bytes)? {
                let captured = open(&keys, &event.sealed)?;
                let at = Instant::now();
                if captured.body.is_empty() {
                    return Err("an event arrived with an empty body".into());
                }
                if seen_tx.send((event.seq, at)).is_err() {
                    break;
                }
                if event.seq % ack_every == 0 {
                    ws.send(Message::Binary(ClientFrame::Ack { seq: event.seq }.encode().into())).await?;
                }
            }
        }
        BenchResult::Ok(())
    });

    let figures = measure(app_rt, addr, &created.hook_path, rate, seconds, seen, "opened by a bare WS client")?;
    client.abort();
    let _ = stop.send(());
    app_rt.block_on(server)??;
    Ok(figures)
}

/// Run 2: the desktop's real path, SQLCipher commit included.
fn desktop(app_rt: &tokio::runtime::Runtime, dir: &std::path::Path, rate: u64, seconds: u64) -> BenchResult<Figures> {
    let data = dir.join("data");
    let store = Arc::new(Install::at(&data).create(KeyChoice::Passphrase(Secret::new("relay latency bench")))?);
    let service = app_rt.block_on(RelayService::start(store.clone(), &data.join("relay")))?;
    if !app_rt.block_on(service.wait_caught_up(Duration::from_secs(10))) {
        return Err(format!("the desktop never connected to its relay: {:?}", service.status()).into());
    }
    let channel = store.relay_channel()?.ok_or("no relay channel after start")?;
    let hook = url::Url::parse(channel.hook_url.expose())?;
    let addr: SocketAddr = hook.socket_addrs(|| None)?.into_iter().next().ok_or("hook URL without an address")?;

    // Every cursor move is an applied (committed, then acked) event.
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let mut status = service.subscribe();
    let observer = app_rt.spawn(async move {
        let mut last = status.borrow_and_update().cursor;
        while status.changed().await.is_ok() {
            let cursor = status.borrow_and_update().cursor;
            let at = Instant::now();
            for seq in last + 1..=cursor {
                if seen_tx.send((seq, at)).is_err() {
                    return;
                }
            }
            last = last.max(cursor);
        }
    });

    let figures = measure(app_rt, addr, hook.path(), rate, seconds, seen, "committed in SQLCipher, acked")?;
    observer.abort();
    let (applied, duplicates, rejected) = store.webhook_counts()?;
    println!("desktop webhook log: {applied} applied, {duplicates} duplicates, {rejected} rejected");
    drop(service);
    apply_alone(&store, &channel.keys)?;
    Ok(figures)
}

/// The desktop's per-event work with nothing else running: opening a sealed event, and
/// `Store::apply_relay_event` (open, dispatch, cursor, SQLCipher commit) called directly.
fn apply_alone(store: &Store, keys: &ChannelKeys) -> BenchResult<()> {
    let rounds = 2_000u64;
    let captured = CapturedRequest {
        method: "POST".into(),
        path_and_query: "/chatarchitect".into(),
        headers: loadgen::WEBHOOK_HEADERS.iter().map(|(n, v)| Header::new(*n, v.as_bytes())).collect(),
        body: loadgen::chatarchitect_body(0, loadgen::unix_ms()),
        received_at_ms: loadgen::unix_ms() as i64,
    };
    // As the relay seals now (envelope version 2): a period key shared by consecutive events.
    let sealed = PeriodSealer::new(&keys.public_key())?.seal(&captured)?;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(open(keys, &sealed)?);
    }
    let per_open = started.elapsed() / rounds as u32;
    let first = store.relay_cursor()? + 1;
    let started = Instant::now();
    for seq in first..first + rounds {
        store.apply_relay_event(keys, &StoredEvent { seq, sealed: sealed.clone() })?;
    }
    let per_apply = started.elapsed() / rounds as u32;
    println!(
        "desktop work per event, alone on one thread: open {:.0} µs; apply_relay_event (open + dispatch + cursor + \
         SQLCipher commit) {:.0} µs",
        per_open.as_secs_f64() * 1e6,
        per_apply.as_secs_f64() * 1e6
    );
    Ok(())
}

/// Warms up, then posts at `rate` for `seconds`, then waits for every accepted event to be seen.
fn measure(
    app_rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    hook_path: &str,
    rate: u64,
    seconds: u64,
    mut seen: mpsc::UnboundedReceiver<(u64, Instant)>,
    delivered_label: &'static str,
) -> BenchResult<Figures> {
    let path: Arc<str> = format!("{hook_path}/chatarchitect").into();
    let warmup = (rate * WARMUP.as_millis() as u64 / 1000).max(1);
    let p = path.clone();
    on_loadgen(move || fixed_rate(addr, p, rate, warmup))?.0?;
    let cpu_before = (loadgen::process_cpu(), loadgen::machine_busy_cpu());
    let started = Instant::now();
    let (sent, loadgen_cpu) = on_loadgen(move || fixed_rate(addr, path, rate, rate * seconds))?;
    let sent = sent?;
    let elapsed = started.elapsed();
    let process_cpu = loadgen::process_cpu().saturating_sub(cpu_before.0);
    let others_cpu = loadgen::machine_busy_cpu().saturating_sub(cpu_before.1).saturating_sub(process_cpu);

    let wanted: HashMap<u64, &Sent> = sent.iter().filter_map(|s| Some((s.seq?, s))).collect();
    let mut delivered: HashMap<u64, Instant> = HashMap::with_capacity(wanted.len());
    let deadline = Instant::now() + Duration::from_secs(30);
    app_rt.block_on(async {
        while delivered.len() < wanted.len() {
            let Ok(Some((seq, at))) = tokio::time::timeout_at(deadline.into(), seen.recv()).await else { break };
            if wanted.contains_key(&seq) {
                delivered.insert(seq, at);
            }
        }
    });
    if let Ok(prefix) = std::env::var("WADESK_BENCH_DUMP") {
        dump(&format!("{prefix}-{}.csv", delivered_label.split(' ').next().unwrap_or("run")), &sent, &delivered)?;
    }
    let mut delivered_us: Vec<u64> = delivered
        .iter()
        .filter_map(|(seq, at)| Some(at.saturating_duration_since(wanted.get(seq)?.written).as_micros() as u64))
        .collect();
    delivered_us.sort_unstable();
    let mut post_us: Vec<u64> = sent.iter().filter(|s| s.seq.is_some()).map(|s| s.answer_us).collect();
    post_us.sort_unstable();
    Ok(Figures {
        posted: sent.len(),
        late: sent.iter().filter(|s| s.written > s.due + Duration::from_millis(2)).count(),
        failed: sent.len() - wanted.len(),
        missing: wanted.len() - delivered_us.len(),
        post_us,
        delivered_label,
        delivered_us,
        app_cpu_pct: 100.0 * process_cpu.saturating_sub(loadgen_cpu).as_secs_f64() / elapsed.as_secs_f64(),
        loadgen_cpu_pct: 100.0 * loadgen_cpu.as_secs_f64() / elapsed.as_secs_f64(),
        others_cpu_pct: 100.0 * others_cpu.as_secs_f64() / elapsed.as_secs_f64(),
    })
}

/// Writes one line per post — due time (ms from the first), POST → answer and POST → delivered (µs) —
/// for looking at when the slow ones happen.
fn dump(path: &str, sent: &[Sent], delivered: &HashMap<u64, Instant>) -> std::io::Result<()> {
    use std::io::Write;
    let Some(first) = sent.iter().map(|s| s.due).min() else { return Ok(()) };
    let mut rows: Vec<&Sent> = sent.iter().collect();
    rows.sort_by_key(|s| s.due);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "due_ms,seq,post_us,delivered_us")?;
    for s in rows {
        let at = s.seq.and_then(|seq| delivered.get(&seq));
        let delivered_us = at.map(|at| at.saturating_duration_since(s.written).as_micros().to_string());
        writeln!(
            out,
            "{:.3},{},{},{}",
            s.due.duration_since(first).as_secs_f64() * 1e3,
            s.seq.map(|q| q.to_string()).unwrap_or_default(),
            s.answer_us,
            delivered_us.unwrap_or_default()
        )?;
    }
    println!("wrote {path}");
    out.flush()
}

/// One post of the load generator.
#[derive(Debug)]
struct Sent {
    due: Instant,
    written: Instant,
    /// Write of the request → answer read, µs.
    answer_us: u64,
    /// The relay's seq for it; `None` unless answered 2xx.
    seq: Option<u64>,
}

/// Open-loop load: post `n` is due at `start + n / rate`; posts are dealt round-robin to
/// [`CONNECTIONS`] connections.
async fn fixed_rate(addr: SocketAddr, path: Arc<str>, rate: u64, total: u64) -> BenchResult<Vec<Sent>> {
    let mut conns = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        conns.push(loadgen::Conn::connect(addr).await?);
    }
    let start = Instant::now() + Duration::from_millis(20);
    let interval = Duration::from_secs(1) / rate.max(1) as u32;
    let mut tasks = tokio::task::JoinSet::new();
    for (c, mut conn) in conns.into_iter().enumerate() {
        let path = path.clone();
        tasks.spawn(async move {
            let mut sent = Vec::new();
            for n in (c as u64..total).step_by(CONNECTIONS) {
                let due = start + interval * n as u32;
                tokio::time::sleep_until(due.into()).await;
                let body = loadgen::chatarchitect_body(n, loadgen::unix_ms());
                let request = loadgen::post("relay.bench.example", &path, loadgen::WEBHOOK_HEADERS, &body);
                let written = Instant::now();
                let answer = conn.round_trip(&request).await?;
                let answer_us = written.elapsed().as_micros() as u64;
                let seq = if (200..300).contains(&answer.status) { loadgen::answer_seq(&answer.body) } else { None };
                sent.push(Sent { due, written, answer_us, seq });
            }
            Ok::<_, std::io::Error>(sent)
        });
    }
    let mut all = Vec::with_capacity(total as usize);
    while let Some(part) = tasks.join_next().await {
        all.extend(part??);
    }
    Ok(all)
}

async fn create_channel(addr: SocketAddr, public_key: String) -> BenchResult<CreatedChannel> {
    let body = serde_json::json!({ "public_key": public_key, "label": "latency bench" }).to_string();
    let auth = format!("Bearer {ADMIN}");
    let req = loadgen::post(
        "relay.bench.example",
        "/v1/channels",
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        body.as_bytes(),
    );
    let answer = loadgen::Conn::connect(addr).await?.round_trip(&req).await?;
    if answer.status != 200 {
        return Err(
            format!("channel creation answered {}: {}", answer.status, String::from_utf8_lossy(&answer.body)).into()
        );
    }
    Ok(serde_json::from_slice(&answer.body)?)
}
