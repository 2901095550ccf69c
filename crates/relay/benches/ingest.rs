//! Relay ingest benchmark: durable webhooks per second through the real HTTP/1.1 server
//! ([`wadesk_relay::serve`]) into the fsync'ing, group-committing [`SqliteStore`], at 16, 64 and 256
//! concurrent keep-alive connections. Prints figures; asserts nothing about time.
//!
//! ```sh
//! cargo bench -p wadesk-relay --bench ingest
//! # knobs: WADESK_BENCH_POSTS=50000  WADESK_BENCH_CONNECTIONS=16,64,256  WADESK_BENCH_DIR=/some/disk
//! # and WADESK_BENCH_DATABASE_URL=postgres://… to run the same loads on the PostgreSQL store too
//! # (a fresh channel in that database; source scripts/lib/postgres.sh for a local server)
//! ```
//!
//! How it is set up, and why:
//! - **One process, two runtimes.** The relay runs on its own multi-thread runtime with 2 workers
//!   (what it gets on a 2-core server), plus the store's writer thread and tokio's blocking pool. The
//!   load generator runs on a separate current-thread runtime in one OS thread (`loadgen`), so it can
//!   never take more than one core. Both still share the machine's cores, so the bench prints the
//!   CPU time each side used, and the relay's CPU per webhook: the figure to extrapolate from, not
//!   the raw rate, if the load generator is what ran out of core. It also prints the CPU other
//!   processes took during each run; a run beside a build is not a figure.
//! - **A cheap client.** Requests are pre-built byte buffers written with one `write_all` over raw
//!   keep-alive TCP (`support/loadgen.rs`); no client library sits in the measurement.
//! - **Durable events only.** The rate counts 2xx answers, which the relay sends only after the
//!   commit holding the event (`synchronous = FULL`, one fsync per group commit). After each run the
//!   channel's head must have moved by exactly the number of 2xx answers, and at the end the events
//!   table is counted through a separate SQLite connection.
//! - **Real disk.** The data dir is a fresh temp dir under `WADESK_BENCH_DIR` (default: the system
//!   temp dir); its filesystem is printed, because a tmpfs would make fsync free.
//!
//! After the HTTP runs, a breakdown measures the pieces alone: sealing one captured webhook under a
//! period key (envelope version 2) beside a version 1 sealed box; and appends of a pre-sealed event
//! straight into a fresh store with no HTTP in front.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_relay::{Config, EventStore, RelayState, SqliteStore};
use wadesk_relay_protocol::{seal, CapturedRequest, ChannelKeys, CreatedChannel, Header, PeriodSealer};

#[path = "support/loadgen.rs"]
mod loadgen;

use loadgen::{cpu_by_thread_name, env_or, machine_busy_cpu, ms, on_loadgen, process_cpu, unix_ms};

/// The allocator the `wadesk-relay` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const ADMIN: &str = "bench-admin-token-0123456789abcdef";
const HOST: &str = "relay.bench.example";
/// Posts before the measured runs (warms the page cache, the WAL and the allocator; not reported).
const WARMUP_POSTS: u64 = 2_000;

fn main() -> BenchResult<()> {
    let posts: u64 = env_or("WADESK_BENCH_POSTS", 50_000);
    let connection_counts: Vec<usize> = std::env::var("WADESK_BENCH_CONNECTIONS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![16, 64, 256]);
    let dir = loadgen::data_dir()?;

    println!("wadesk-relay ingest benchmark");
    println!("machine: {}", loadgen::describe_machine(dir.path()));
    println!("note: the load generator (1 thread) shares these cores with the relay (2 tokio workers + writer thread)");

    let relay_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("relay-rt").enable_all().build()?;
    let store = Arc::new(SqliteStore::open(dir.path())?);
    let config = Config {
        admin_token: Some(ADMIN.into()),
        // The per-channel limiter (default 200/s, burst 2000) would answer 429 long before the store
        // is the limit; this bench measures the store and the HTTP path.
        rate_per_sec: 10_000_000,
        burst: 10_000_000,
        ..Config::default()
    };
    let state = RelayState::new(store.clone(), config)?;
    let listener = relay_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = relay_rt.spawn(wadesk_relay::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let keys = ChannelKeys::generate();
    let public_key = keys.public_key_b64();
    let (channel, _) = on_loadgen(move || create_channel(addr, public_key))?;
    let channel = channel?;
    let hook_path: Arc<str> = channel.hook_path.clone().into();
    let body_len = loadgen::chatarchitect_body(0, 0).len();
    let request_len = request(&hook_path, 0).len();
    println!(
        "payload: {body_len} B JSON body, {request_len} B request ({} headers); posts per run: {posts}",
        loadgen::WEBHOOK_HEADERS.len() + 2
    );

    let mut total_ok = 0u64;
    let warm = run(&relay_rt, &store, &channel.channel_id, addr, &hook_path, 16, WARMUP_POSTS)?;
    total_ok += warm.ok;

    println!();
    println!(
        "{:>5} {:>10} {:>7} {:>7} {:>7} {:>7} {:>11} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "conns",
        "webhooks/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "non-2xx",
        "posts/commit",
        "workers",
        "writer",
        "loadgen",
        "others",
        "µs/webhook"
    );
    let mut cpu_per_webhook = Vec::new();
    for &connections in &connection_counts {
        let r = run(&relay_rt, &store, &channel.channel_id, addr, &hook_path, connections, posts)?;
        total_ok += r.ok;
        let secs = r.elapsed.as_secs_f64();
        let relay_us = r.relay_cpu.as_secs_f64() * 1e6 / r.ok.max(1) as f64;
        cpu_per_webhook.push(relay_us);
        println!(
            "{:>5} {:>10.0} {:>7.2} {:>7.2} {:>7.2} {:>7} {:>11.1} {:>7.0}% {:>7.0}% {:>7.0}% {:>7.0}% {:>9.0}",
            connections,
            r.ok as f64 / secs,
            ms(loadgen::percentile(&r.latencies_us, 50.0)),
            ms(loadgen::percentile(&r.latencies_us, 99.0)),
            ms(r.latencies_us.last().copied().unwrap_or(0)),
            r.failed,
            r.ok as f64 / r.commits.max(1) as f64,
            100.0 * r.workers_cpu.as_secs_f64() / secs,
            100.0 * r.writer_cpu.as_secs_f64() / secs,
            100.0 * r.loadgen_cpu.as_secs_f64() / secs,
            100.0 * r.others_cpu.as_secs_f64() / secs,
            relay_us,
        );
        if !r.statuses.is_empty() {
            println!("      non-2xx answers / errors: {:?}", r.statuses);
        }
    }
    println!(
        "latency: request written → answer read. CPU columns: % of one core (both cores = 200%) for the relay's \
         tokio workers, its store writer thread, the load generator, and other processes on the machine (a busy \
         machine skews every figure); µs/webhook: relay CPU (whole process \
         minus the load generator) per 2xx answer. posts/commit is an upper bound on the group-commit batch \
         (commits are counted from head-watch wake-ups, which can merge)."
    );
    if let Some(best) = cpu_per_webhook.iter().copied().reduce(f64::min) {
        println!(
            "extrapolated, not measured: at {best:.0} µs of CPU per webhook, both cores given to the relay alone \
             would take ≈ {:.0} webhooks/s",
            2e6 / best
        );
    }

    // The store must hold exactly what was answered 2xx: count the rows, not just the head.
    let stored = count_events(dir.path(), &channel.channel_id)?;
    println!();
    if stored == total_ok {
        println!("verified: the relay's store holds {stored} events = {total_ok} 2xx answers (incl. warm-up)");
    } else {
        println!("MISMATCH: the relay's store holds {stored} events but {total_ok} posts were answered 2xx");
    }

    print_disk_use(dir.path(), stored)?;
    breakdown(&relay_rt, &keys, body_len, posts)?;
    if let Ok(url) = std::env::var("WADESK_BENCH_DATABASE_URL") {
        postgres_runs(&relay_rt, &wadesk_relay::DatabaseUrl::new(url), &connection_counts, posts)?;
    }

    let _ = stop.send(());
    relay_rt.block_on(server)??;
    if stored != total_ok {
        return Err("stored events and 2xx answers differ".into());
    }
    Ok(())
}

/// One load run's results.
#[derive(Debug)]
struct Run {
    ok: u64,
    failed: u64,
    statuses: BTreeMap<String, u64>,
    /// Sorted post latencies (write of the request → last byte of the answer), µs.
    latencies_us: Vec<u64>,
    elapsed: Duration,
    commits: u64,
    /// The whole process minus the load generator.
    relay_cpu: Duration,
    /// The relay runtime's threads (`relay-rt`: workers and blocking pool).
    workers_cpu: Duration,
    /// The store's writer thread.
    writer_cpu: Duration,
    loadgen_cpu: Duration,
    /// Other processes on the machine.
    others_cpu: Duration,
}

/// Posts `posts` webhooks over `connections` keep-alive connections as fast as the relay answers,
/// and checks the channel's head moved by exactly the number of 2xx answers.
fn run<S: EventStore>(
    relay_rt: &tokio::runtime::Runtime,
    store: &Arc<S>,
    channel_id: &str,
    addr: SocketAddr,
    hook_path: &Arc<str>,
    connections: usize,
    posts: u64,
) -> BenchResult<Run> {
    let head_before = relay_rt.block_on(store.stats(channel_id))?.head;
    let (commits, watcher) = count_commits(relay_rt, &**store, channel_id);
    let cpu_before = (process_cpu(), cpu_by_thread_name(), machine_busy_cpu());
    let path = hook_path.clone();
    let (load, loadgen_cpu) = on_loadgen(move || generate_load(addr, path, connections, posts))?;
    let cpu_after = (process_cpu(), cpu_by_thread_name(), machine_busy_cpu());
    watcher.abort();
    let mut load = load?;
    load.latencies_us.sort_unstable();
    let head_after = relay_rt.block_on(store.stats(channel_id))?.head;
    if head_after - head_before != load.ok {
        return Err(
            format!("the head moved by {} but {} posts were answered 2xx", head_after - head_before, load.ok).into()
        );
    }
    let process = cpu_after.0.saturating_sub(cpu_before.0);
    let thread = |name: &str| {
        let before = cpu_before.1.get(name).copied().unwrap_or_default();
        cpu_after.1.get(name).copied().unwrap_or_default().saturating_sub(before)
    };
    Ok(Run {
        ok: load.ok,
        failed: load.failed,
        statuses: load.statuses,
        latencies_us: load.latencies_us,
        elapsed: load.elapsed,
        commits: commits.load(Ordering::Relaxed),
        // The main thread only waits on the join, so the rest of the process is the relay.
        relay_cpu: process.saturating_sub(loadgen_cpu),
        others_cpu: cpu_after.2.saturating_sub(cpu_before.2).saturating_sub(process),
        workers_cpu: thread("relay-rt"),
        writer_cpu: thread("relay-writer"),
        loadgen_cpu,
    })
}

#[derive(Debug, Default)]
struct Load {
    ok: u64,
    failed: u64,
    statuses: BTreeMap<String, u64>,
    latencies_us: Vec<u64>,
    elapsed: Duration,
}

/// The load generator: all connections are opened first, then each one posts back to back (one
/// request in flight) until `posts` have been taken from the shared counter.
async fn generate_load(addr: SocketAddr, hook_path: Arc<str>, connections: usize, posts: u64) -> BenchResult<Load> {
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(loadgen::Conn::connect(addr).await?);
    }
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for conn in conns {
        tasks.spawn(client(conn, next.clone(), posts, hook_path.clone()));
    }
    let mut total = Load::default();
    while let Some(part) = tasks.join_next().await {
        let part = part?;
        total.ok += part.ok;
        total.failed += part.failed;
        for (k, v) in part.statuses {
            *total.statuses.entry(k).or_default() += v;
        }
        total.latencies_us.extend(part.latencies_us);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

async fn client(mut conn: loadgen::Conn, next: Arc<AtomicU64>, posts: u64, hook_path: Arc<str>) -> Load {
    let mut mine = Load::default();
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= posts {
            return mine;
        }
        // Built before the clock starts: the latency is the relay's, not the formatting's.
        let req = request(&hook_path, n);
        let sent = Instant::now();
        match conn.round_trip(&req).await {
            Ok(answer) => {
                mine.latencies_us.push(sent.elapsed().as_micros() as u64);
                if (200..300).contains(&answer.status) {
                    mine.ok += 1;
                } else {
                    mine.failed += 1;
                    *mine.statuses.entry(answer.status.to_string()).or_default() += 1;
                }
            }
            Err(e) => {
                // A broken connection ends this client; the others carry on and the count shows it.
                mine.failed += 1;
                *mine.statuses.entry(format!("io error: {e}")).or_default() += 1;
                return mine;
            }
        }
    }
}

fn request(hook_path: &str, n: u64) -> Vec<u8> {
    let body = loadgen::chatarchitect_body(n, unix_ms());
    loadgen::post(HOST, &format!("{hook_path}/chatarchitect"), loadgen::WEBHOOK_HEADERS, &body)
}

async fn create_channel(addr: SocketAddr, public_key: String) -> BenchResult<CreatedChannel> {
    let body = serde_json::json!({ "public_key": public_key, "label": "ingest bench" }).to_string();
    let auth = format!("Bearer {ADMIN}");
    let req = loadgen::post(
        HOST,
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

/// Seal cost, and the store with no HTTP in front, to show where the time goes.
fn breakdown(relay_rt: &tokio::runtime::Runtime, keys: &ChannelKeys, body_len: usize, posts: u64) -> BenchResult<()> {
    println!();
    println!("breakdown");
    let captured = CapturedRequest {
        method: "POST".into(),
        path_and_query: "/chatarchitect".into(),
        headers: std::iter::once(("Host", HOST))
            .chain(loadgen::WEBHOOK_HEADERS.iter().copied())
            .chain(std::iter::once(("Content-Length", "1000")))
            .map(|(n, v)| Header::new(n, v.as_bytes()))
            .collect(),
        body: loadgen::chatarchitect_body(1, unix_ms()),
        received_at_ms: unix_ms() as i64,
    };
    let public_key = keys.public_key();
    let rounds = 3_000u32;
    let started = Instant::now();
    let mut sealed = Vec::new();
    let mut period = PeriodSealer::new(&public_key)?;
    for _ in 0..rounds {
        sealed = period.seal(&captured)?;
    }
    let per_seal = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(seal(&public_key, &captured)?);
    }
    let per_seal_v1 = started.elapsed() / rounds;
    println!(
        "  seal one {body_len} B webhook (postcard + XSalsa20-Poly1305 under the period key), 1 thread: {:.1} µs → at \
         most {:.0}/s per core; a version 1 sealed box (fresh X25519 key pair and key agreement) took {:.1} µs",
        per_seal.as_secs_f64() * 1e6,
        1.0 / per_seal.as_secs_f64(),
        per_seal_v1.as_secs_f64() * 1e6,
    );

    // Appends straight into a fresh store, 256 at a time, from the relay's runtime.
    let dir = loadgen::data_dir()?;
    let store = Arc::new(SqliteStore::open(dir.path())?);
    let channel_id = "bench-store-only";
    relay_rt.block_on(store.create_channel(wadesk_relay::store::NewChannel {
        id: channel_id.into(),
        label: "store only".into(),
        public_key,
        hook_hash: [1; 32],
        client_hash: [2; 32],
    }))?;
    let commits = count_commits(relay_rt, &*store, channel_id);
    let cpu_before = (process_cpu(), cpu_by_thread_name());
    let elapsed = relay_rt.block_on(async {
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..256 {
            let (store, next, sealed) = (store.clone(), next.clone(), sealed.clone());
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < posts {
                    store.append(channel_id, unix_ms() as i64, sealed.clone()).await?;
                }
                Ok::<_, wadesk_relay::store::StoreError>(())
            });
        }
        while let Some(t) = tasks.join_next().await {
            t.map_err(|e| e.to_string())??;
        }
        BenchResult::Ok(started.elapsed())
    })?;
    let cpu_after = (process_cpu(), cpu_by_thread_name());
    let writer = cpu_after.1.get("relay-writer").copied().unwrap_or_default()
        - cpu_before.1.get("relay-writer").copied().unwrap_or_default();
    println!(
        "  store alone (256 concurrent appends of a sealed event; no HTTP, no sealing): {:.0} appends/s, \
         {:.1} posts/commit, CPU {:.1} µs/append of which the writer thread {:.1} µs",
        posts as f64 / elapsed.as_secs_f64(),
        posts as f64 / commits.0.load(Ordering::Relaxed).max(1) as f64,
        cpu_after.0.saturating_sub(cpu_before.0).as_secs_f64() * 1e6 / posts as f64,
        writer.as_secs_f64() * 1e6 / posts as f64,
    );
    commits.1.abort();
    Ok(())
}

/// Counts group commits that move `channel_id`'s head: one head-watch wake-up per commit, unless two
/// commits land before the counting task runs (so a lower bound). Abort the handle to stop.
fn count_commits<S: EventStore>(
    relay_rt: &tokio::runtime::Runtime,
    store: &S,
    channel_id: &str,
) -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let commits = Arc::new(AtomicU64::new(0));
    let mut head = store.subscribe(channel_id);
    let counter = commits.clone();
    let task = relay_rt.spawn(async move {
        while head.changed().await.is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    (commits, task)
}

/// Bytes of `relay.db` (its pages in use, WAL included: a reader sees the logical file) per stored
/// event, against the sealed payload's own size.
fn print_disk_use(dir: &Path, stored: u64) -> BenchResult<()> {
    let conn = rusqlite::Connection::open_with_flags(dir.join("relay.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (pages, free, page_size, sealed): (i64, i64, i64, i64) = conn.query_row(
        "SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count),
                (SELECT page_size FROM pragma_page_size), (SELECT sum(length(sealed)) FROM events)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let per_event = ((pages - free) * page_size) as f64 / stored.max(1) as f64;
    let payload = sealed as f64 / stored.max(1) as f64;
    println!(
        "disk: {:.0} B of relay.db per event for {payload:.0} B sealed payloads ({:.2}x; {} pages of {page_size} B)",
        per_event,
        per_event / payload,
        pages - free
    );
    Ok(())
}

fn count_events(dir: &Path, channel_id: &str) -> BenchResult<u64> {
    let conn = rusqlite::Connection::open_with_flags(dir.join("relay.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM events e JOIN channels c ON c.no = e.chan WHERE c.id = ?1",
        [channel_id],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The same HTTP loads into the PostgreSQL store ([`wadesk_relay::PgStore`], one instance). The
/// database server is another process: its CPU shows under "others", not in µs/webhook.
fn postgres_runs(
    relay_rt: &tokio::runtime::Runtime,
    url: &wadesk_relay::DatabaseUrl,
    connection_counts: &[usize],
    posts: u64,
) -> BenchResult<()> {
    println!();
    println!("PostgreSQL store ({}), same loads:", url.redacted());
    let store = Arc::new(relay_rt.block_on(wadesk_relay::PgStore::open(url))?);
    let config =
        Config { admin_token: Some(ADMIN.into()), rate_per_sec: 10_000_000, burst: 10_000_000, ..Config::default() };
    let state = RelayState::new(store.clone(), config)?;
    let listener = relay_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = relay_rt.spawn(wadesk_relay::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let public_key = ChannelKeys::generate().public_key_b64();
    let (channel, _) = on_loadgen(move || create_channel(addr, public_key))?;
    let channel = channel?;
    let hook_path: Arc<str> = channel.hook_path.clone().into();
    let mut total_ok = run(relay_rt, &store, &channel.channel_id, addr, &hook_path, 16, WARMUP_POSTS)?.ok;
    println!(
        "{:>5} {:>10} {:>7} {:>7} {:>7} {:>7} {:>11} {:>8} {:>8} {:>9}",
        "conns",
        "webhooks/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "non-2xx",
        "posts/commit",
        "workers",
        "others",
        "µs/webhook"
    );
    for &connections in connection_counts {
        let r = run(relay_rt, &store, &channel.channel_id, addr, &hook_path, connections, posts)?;
        total_ok += r.ok;
        let secs = r.elapsed.as_secs_f64();
        println!(
            "{:>5} {:>10.0} {:>7.2} {:>7.2} {:>7.2} {:>7} {:>11.1} {:>7.0}% {:>7.0}% {:>9.0}",
            connections,
            r.ok as f64 / secs,
            ms(loadgen::percentile(&r.latencies_us, 50.0)),
            ms(loadgen::percentile(&r.latencies_us, 99.0)),
            ms(r.latencies_us.last().copied().unwrap_or(0)),
            r.failed,
            r.ok as f64 / r.commits.max(1) as f64,
            100.0 * r.workers_cpu.as_secs_f64() / secs,
            100.0 * r.others_cpu.as_secs_f64() / secs,
            r.relay_cpu.as_secs_f64() * 1e6 / r.ok.max(1) as f64,
        );
    }
    let stored = relay_rt.block_on(store.count_after(&channel.channel_id, 0))?;
    if stored == total_ok {
        println!("verified: the database holds {stored} events = {total_ok} 2xx answers (incl. warm-up)");
    } else {
        println!("MISMATCH: the database holds {stored} events but {total_ok} posts were answered 2xx");
    }
    let _ = stop.send(());
    relay_rt.block_on(server)??;
    if stored != total_ok {
        return Err("stored events and 2xx answers differ".into());
    }
    Ok(())
}
