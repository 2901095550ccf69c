//! The load generator's side of the relay benchmarks, shared by `wadesk-relay`'s `ingest` bench and
//! `wadesk-core`'s `relay_latency` bench (included there with `#[path]`): a minimal HTTP/1.1
//! keep-alive client, the webhook payload, a thread of its own to run in, CPU-time accounting,
//! percentiles, and the machine description printed at the top of each report.
//!
//! Why a hand-written client and not reqwest or hyper's: the benchmarks share two cores with the relay, and a client
//! library's pooling, header maps and body plumbing would be charged to the figure. Here a request is
//! one pre-built buffer and one `write_all`; an answer is read into a reused buffer and only its
//! status line, `Content-Length` and body are looked at.
//!
//! Deliberately not supported: chunked or close-delimited answers, `100 Continue`, pipelining (one
//! request in flight per connection). The relay answers everything with a `Content-Length`, and an
//! answer without one is reported as an error rather than guessed at.

// Each bench uses a different subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive connection with at most one request in flight.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// An answer: its status code and body.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Conn {
    /// Connects with `TCP_NODELAY`, as providers' HTTP clients do.
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(4096) })
    }

    /// Writes one complete request (head and body in one buffer) and reads its answer.
    pub async fn round_trip(&mut self, request: &[u8]) -> io::Result<Answer> {
        self.stream.write_all(request).await?;
        loop {
            if let Some((status, head_len, body_len)) = parse_head(&self.buf)? {
                let end = head_len + body_len;
                if self.buf.len() >= end {
                    let body = self.buf[head_len..end].to_vec();
                    self.buf.drain(..end);
                    return Ok(Answer { status, body });
                }
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
            }
        }
    }
}

/// `(status, head length, body length)` once the whole head is in `buf`.
fn parse_head(buf: &[u8]) -> io::Result<Option<(u16, usize, usize)>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(None) };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| invalid("answer head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|l| l.get(..3))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid("malformed status line"))?;
    let length = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
    });
    match (length, status) {
        (Some(n), _) => Ok(Some((status, end + 4, n))),
        (None, 204 | 304) => Ok(Some((status, end + 4, 0))),
        (None, _) => Err(invalid("answer without Content-Length")),
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// A complete `POST` request: request line, `Host`, the given headers in order, `Content-Length`,
/// then the body.
pub fn post(host: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    request
}

/// A ChatArchitect-style inbound-message webhook (Gupshup-v2 shape, see PROVIDERS.md) of about
/// 1 KiB, made unique by `n` and `sent_at_ms`.
pub fn chatarchitect_body(n: u64, sent_at_ms: u128) -> Vec<u8> {
    // The text pads the body to a typical ~1 KiB: a few sentences of a customer message.
    const TEXT: &str = "Hello! I ordered two of the blue ceramic mugs last week (order 48213) and the parcel \
        arrived today, but one mug is chipped on the rim. Could you send a replacement, or should I return it \
        first? I can send a photo of the damage and of the box if that helps. Also, is the matching teapot back \
        in stock yet? I would like to add it to the replacement shipment if possible and pay the difference. \
        By the way, the delivery driver left the parcel with my neighbour at number 14, which was fine, but \
        next time please ask them to ring twice. Thanks a lot for your help, the rest of the order is lovely.";
    format!(
        concat!(
            r#"{{"app":"wadesk-bench","timestamp":{ts},"version":2,"type":"message","payload":{{"#,
            r#""id":"ABEGkZlgQyWAAgo-sDVSUOa9jH0z{n:012}","source":"4917612345678","type":"text","#,
            r#""payload":{{"text":"{text}"}},"#,
            r#""sender":{{"phone":"4917612345678","name":"Jana Nowak","country_code":"49","dial_code":"17612345678"}},"#,
            r#""context":{{"id":"gBEGkZlgQyWAAgnmPhFUwUm7LdA","gsId":"9b71295f-f7af-4c1f-b2b4-31b4a4867bad"}}}}}}"#
        ),
        ts = sent_at_ms,
        n = n,
        text = TEXT,
    )
    .into_bytes()
}

/// Headers a webhook sender typically adds (besides `Host` and `Content-Length`).
pub const WEBHOOK_HEADERS: &[(&str, &str)] = &[
    ("User-Agent", "ChatArchitect-Webhook/2.0"),
    ("Content-Type", "application/json; charset=utf-8"),
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
    ("X-Forwarded-For", "203.0.113.7"),
];

/// The `seq` of a relay hook answer (`{"status":"ok","seq":N}`).
pub fn answer_seq(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?;
    let rest = &text[text.find("\"seq\":")? + 6..];
    let digits = rest.trim_start().split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// The `p`-th percentile (0–100) of sorted `values`, nearest-rank.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `make()` to completion on a fresh current-thread runtime in its own OS thread named
/// `loadgen`, so the load generator can use at most one core; returns its output and the CPU time
/// that thread used.
pub fn on_loadgen<T, F>(make: impl FnOnce() -> F + Send + 'static) -> io::Result<(T, Duration)>
where
    T: Send + 'static,
    F: Future<Output = T>,
{
    let thread = std::thread::Builder::new().name("loadgen".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let out = rt.block_on(make());
        drop(rt);
        Ok::<_, io::Error>((out, thread_cpu()))
    })?;
    thread.join().map_err(|_| io::Error::other("the load generator panicked"))?
}

/// Busy CPU time of the whole machine, all processes (the `cpu` line of /proc/stat: everything but
/// idle and iowait). Subtract [`process_cpu`] over the same window to see what other processes took.
pub fn machine_busy_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return Duration::ZERO };
    let ticks: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    let busy: u64 = [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| ticks.get(i)).sum();
    Duration::from_millis(busy * 10)
}

/// CPU time (user + system) of the whole process, threads that have exited included.
pub fn process_cpu() -> Duration {
    stat_cpu("/proc/self/stat")
}

/// CPU time (user + system) of this process's live threads, summed by thread name (`comm`, at most
/// 15 bytes). Threads that have exited are missing; use [`process_cpu`] for the total.
pub fn cpu_by_thread_name() -> std::collections::BTreeMap<String, Duration> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return by_name };
    for task in tasks.flatten() {
        let path = task.path();
        let Ok(name) = std::fs::read_to_string(path.join("comm")) else { continue };
        let cpu = stat_cpu(&path.join("stat").to_string_lossy());
        *by_name.entry(name.trim().to_owned()).or_insert(Duration::ZERO) += cpu;
    }
    by_name
}

/// CPU time (user + system) of the calling thread.
pub fn thread_cpu() -> Duration {
    stat_cpu("/proc/thread-self/stat")
}

/// utime + stime from a `/proc/…/stat` file, counted in 10 ms ticks (USER_HZ is 100 on Linux).
/// Zero where /proc is missing.
fn stat_cpu(path: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(path) else { return Duration::ZERO };
    // Fields after the parenthesised command name (which may hold spaces) start at field 3 (state);
    // utime and stime are fields 14 and 15.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return Duration::ZERO };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

/// One line on the machine: cores, CPU model, load average, and the filesystem holding `data_dir`
/// (a tmpfs would make fsync free, so the reader must see it).
pub fn describe_machine(data_dir: &Path) -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_owned()).unwrap_or_default();
    // Other work on the machine (a build, another bench) skews every figure; say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), Linux {kernel}, load average before the run {load}; data dir {} on {}",
        data_dir.display(),
        filesystem_of(data_dir)
    )
}

/// The filesystem type of the mount holding `path` (longest matching mount point in /proc/mounts).
fn filesystem_of(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (device, mount, fs) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(mount).then(|| (mount.len(), format!("{fs} ({device})")))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
        .unwrap_or_else(|| "unknown filesystem".into())
}

/// Where the benches put their data: a directory under `WADESK_BENCH_DIR`, default the system temp
/// dir. Removed when dropped.
pub fn data_dir() -> io::Result<tempfile::TempDir> {
    let base = std::env::var_os("WADESK_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    tempfile::tempdir_in(base)
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

/// Microseconds as fractional milliseconds, for printing.
pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The environment variable `name` parsed, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
