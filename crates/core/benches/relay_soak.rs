//! Soak of the relay tunnel, bounded in time: a steady webhook rate (default 2,000/s for 5 minutes)
//! into a real `wadesk-relay` process, while the desktop's connection to it is cut every 10 s.
//! At the end every webhook the relay answered 2xx must have been applied on the desktop exactly
//! once; the relay's and the desktop's memory are sampled throughout. Exits non-zero on a loss or
//! a double application. Prints figures; asserts nothing about time.
//!
//! ```sh
//! cargo build --release -p wadesk-relay && cargo bench -p wadesk-core --bench relay_soak
//! # knobs: WADESK_SOAK_RATE=2000  WADESK_SOAK_SECONDS=300  WADESK_SOAK_CUT_EVERY=10  WADESK_BENCH_DIR=/some/disk
//! ```
//!
//! - **The relay** is the release binary beside this bench (`target/release/wadesk-relay`), a child
//!   process on a fresh data dir, so its memory is its own (`VmRSS` from /proc).
//! - **The desktop** is `wadesk_core` in this process: a SQLCipher store moved to the relay with
//!   `use_remote` and a `RelayService` streaming from it — through a TCP proxy in this process that
//!   drops every connection every `WADESK_SOAK_CUT_EVERY` seconds. The desktop reconnects with its
//!   backoff and resumes from its cursor. Its memory is this process's (the proxy and the load
//!   generator keep nothing per request).
//! - **The load** goes straight to the relay: open loop, post `n` due at `start + n / rate`, over 16
//!   keep-alive connections, each post with a unique body. Only counts are kept.
//! - **Checked:** the desktop's webhook log holds exactly as many events as were answered 2xx (an
//!   event applied twice would add a row), and its cursor reaches the relay's head.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::relay_client::{use_remote, RelayService};
use wadesk_core::{Install, KeyChoice, Secret};

#[path = "../../relay/benches/support/loadgen.rs"]
mod loadgen;

use loadgen::env_or;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const ADMIN: &str = "soak-admin-token-0123456789abcdef";
const CONNECTIONS: u64 = 16;

fn main() -> BenchResult<()> {
    let rate: u64 = env_or("WADESK_SOAK_RATE", 2_000);
    let seconds: u64 = env_or("WADESK_SOAK_SECONDS", 300);
    let cut_every = Duration::from_secs(env_or("WADESK_SOAK_CUT_EVERY", 10));
    let dir = loadgen::data_dir()?;
    println!("wadesk relay soak");
    println!("machine: {}", loadgen::describe_machine(dir.path()));
    println!("load: {rate} webhooks/s for {seconds} s; the desktop's connection is cut every {cut_every:?}");

    let relay = RelayChild::start(&dir.path().join("relay"))?;
    let app_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("app-rt").enable_all().build()?;
    let proxy = app_rt.block_on(CuttingProxy::start(relay.addr))?;
    app_rt.spawn(proxy.clone().cut_every(cut_every));

    let data = dir.path().join("desktop");
    let store = Arc::new(Install::at(&data).create(KeyChoice::Passphrase(Secret::new("relay soak bench")))?);
    let channel = app_rt.block_on(use_remote(&store, &format!("http://{}", proxy.addr), &Secret::new(ADMIN)))?;
    let service = app_rt.block_on(RelayService::start(store.clone(), &data.join("relay")))?;
    if !app_rt.block_on(service.wait_caught_up(Duration::from_secs(10))) {
        return Err(format!("the desktop never connected: {:?}", service.status()).into());
    }
    let hook_path: Arc<str> = url::Url::parse(channel.hook_url.expose())?.path().into();

    let counts = Arc::new(Counts::default());
    let load = {
        let (counts, path, addr) = (counts.clone(), hook_path.clone(), relay.addr);
        std::thread::Builder::new().name("loadgen".into()).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(steady_load(addr, path, rate, rate * seconds, counts))
        })?
    };
    println!();
    println!(
        "{:>6} {:>10} {:>10} {:>14} {:>14} {:>10}",
        "s", "2xx", "applied", "relay RSS MiB", "desktop RSS MiB", "cuts"
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    while !load.is_finished() {
        std::thread::sleep(Duration::from_secs(10).min(Duration::from_secs(seconds.max(1))));
        let sample = (relay.rss_kib()?, own_rss_kib()?);
        samples.push(sample);
        let (applied, duplicates, rejected) = store.webhook_counts()?;
        println!(
            "{:>6} {:>10} {:>10} {:>14.1} {:>14.1} {:>10}",
            started.elapsed().as_secs(),
            counts.ok.load(Ordering::Relaxed),
            applied + duplicates + rejected,
            sample.0 as f64 / 1024.0,
            sample.1 as f64 / 1024.0,
            proxy.cuts.load(Ordering::Relaxed)
        );
    }
    load.join().map_err(|_| "the load generator panicked")??;
    let (ok, failed) = (counts.ok.load(Ordering::Relaxed), counts.failed.load(Ordering::Relaxed));

    // Let the desktop drain what is still waiting, then compare.
    let deadline = Instant::now() + Duration::from_secs(120);
    let logged = loop {
        let (applied, duplicates, rejected) = store.webhook_counts()?;
        let logged = applied + duplicates + rejected;
        if logged >= ok || Instant::now() > deadline {
            break logged;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_secs(1)); // anything applied twice would show by now
    let (applied, duplicates, rejected) = store.webhook_counts()?;
    let logged_after = applied + duplicates + rejected;
    println!();
    println!(
        "posted {} ({failed} not 2xx); the desktop's webhook log: {logged_after} events ({applied} applied, \
         {duplicates} duplicates, {rejected} rejected); connection cuts: {}",
        ok + failed,
        proxy.cuts.load(Ordering::Relaxed)
    );
    print_memory(&samples);
    drop(service);
    drop(app_rt);
    if logged < ok {
        return Err(format!("LOST: {} webhooks answered 2xx never reached the desktop", ok - logged).into());
    }
    if logged_after != ok {
        return Err(format!("APPLIED TWICE: the desktop logged {logged_after} events for {ok} webhooks").into());
    }
    println!("verified: every webhook answered 2xx was applied on the desktop exactly once");
    Ok(())
}

/// Memory at the first sample after a minute (caches filled) against the last one.
fn print_memory(samples: &[(u64, u64)]) {
    let Some(last) = samples.last() else { return };
    let settled = samples.get(6).or(samples.first()).unwrap_or(last);
    let growth = |a: u64, b: u64| 100.0 * (b as f64 - a as f64) / a.max(1) as f64;
    println!(
        "memory from 60 s to the end: relay {:.1} → {:.1} MiB ({:+.1}%), desktop {:.1} → {:.1} MiB ({:+.1}%)",
        settled.0 as f64 / 1024.0,
        last.0 as f64 / 1024.0,
        growth(settled.0, last.0),
        settled.1 as f64 / 1024.0,
        last.1 as f64 / 1024.0,
        growth(settled.1, last.1)
    );
}

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    failed: AtomicU64,
}

/// Open-loop posts, each with its own body, counting answers only.
async fn steady_load(addr: SocketAddr, path: Arc<str>, rate: u64, total: u64, counts: Arc<Counts>) -> BenchResult<()> {
    let start = Instant::now() + Duration::from_millis(20);
    let interval = Duration::from_secs(1) / rate.max(1) as u32;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CONNECTIONS {
        let (path, counts) = (path.clone(), counts.clone());
        tasks.spawn(async move {
            let mut conn = loadgen::Conn::connect(addr).await?;
            for n in (c..total).step_by(CONNECTIONS as usize) {
                tokio::time::sleep_until((start + interval * n as u32).into()).await;
                let body = loadgen::chatarchitect_body(n, loadgen::unix_ms());
                let request = loadgen::post("relay.soak.example", &path, loadgen::WEBHOOK_HEADERS, &body);
                let answer = conn.round_trip(&request).await?;
                let counter = if (200..300).contains(&answer.status) { &counts.ok } else { &counts.failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, std::io::Error>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// The release relay binary as a child process.
struct RelayChild {
    child: Child,
    addr: SocketAddr,
}

impl RelayChild {
    fn start(data_dir: &std::path::Path) -> BenchResult<RelayChild> {
        let exe = std::env::current_exe()?;
        let bin = exe.parent().and_then(std::path::Path::parent).ok_or("no target dir")?.join("wadesk-relay");
        if !bin.is_file() {
            return Err(
                format!("{} is missing: run `cargo build --release -p wadesk-relay` first", bin.display()).into()
            );
        }
        let log_path = data_dir.with_extension("log");
        std::fs::create_dir_all(data_dir)?;
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0", "--rate-per-sec", "1000000", "--burst", "1000000", "--data-dir"])
            .arg(data_dir)
            .env("WADESK_RELAY_ADMIN_TOKEN", ADMIN)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            // "relay listening addr=127.0.0.1:PORT …"
            if let Some(addr) = text.split("addr=").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                return Ok(RelayChild { child, addr: addr.parse()? });
            }
            if Instant::now() > deadline {
                return Err(format!("the relay did not start: {text}").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn rss_kib(&self) -> BenchResult<u64> {
        rss_of(&format!("/proc/{}/status", self.child.id()))
    }
}

impl Drop for RelayChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn own_rss_kib() -> BenchResult<u64> {
    rss_of("/proc/self/status")
}

fn rss_of(status: &str) -> BenchResult<u64> {
    let text = std::fs::read_to_string(status)?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("no VmRSS value")?.parse()?)
}

/// A TCP proxy to the relay that drops every connection it carries on each cut.
#[derive(Clone)]
struct CuttingProxy {
    addr: SocketAddr,
    epoch: tokio::sync::watch::Sender<u64>,
    cuts: Arc<AtomicU64>,
}

impl CuttingProxy {
    async fn start(target: SocketAddr) -> BenchResult<CuttingProxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let proxy = CuttingProxy {
            addr: listener.local_addr()?,
            epoch: tokio::sync::watch::channel(0).0,
            cuts: Arc::default(),
        };
        let epoch = proxy.epoch.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut cut = epoch.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Ok(proxy)
    }

    async fn cut_every(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            self.epoch.send_modify(|e| *e += 1);
            self.cuts.fetch_add(1, Ordering::Relaxed);
        }
    }
}
