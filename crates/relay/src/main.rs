//! `wadesk-relay` binary: configuration from flags, environment and an optional TOML file (flags win
//! over the file), validated once before anything starts ([`Config::validate`]), logging, the purge
//! task, and graceful shutdown on Ctrl-C / SIGTERM.
//!
//! A bad setting exits non-zero with a message naming it and its allowed range; nothing is served
//! with a value that would panic or misbehave later.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use wadesk_relay::admin_cli::ChannelsCommand;
use wadesk_relay::{Config, DatabaseUrl, EventStore, PgStore, RelayState, SqliteStore};

/// See Cargo.toml: glibc's allocator was a fifth of the relay's CPU per webhook.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Wadesk webhook relay: stores provider webhooks, sealed, until the desktop streams them.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Without a command, the relay serves.
    #[command(subcommand)]
    command: Option<Command>,
    /// TOML file with any of: body_limit (bytes), retention (s), rate_per_sec, burst, admin_token, heartbeat (s),
    /// dead_after (s), header_timeout (s), body_timeout (s), max_connections.
    #[arg(long, env = "WADESK_RELAY_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address to listen on. Put it behind a TLS reverse proxy when it faces the internet.
    #[arg(long, env = "WADESK_RELAY_LISTEN", default_value = "127.0.0.1:8787", global = true)]
    listen: std::net::SocketAddr,
    /// Where relay.db lives (the embedded SQLite store, used without --database-url).
    #[arg(long, env = "WADESK_RELAY_DATA_DIR", default_value = "./relay-data")]
    data_dir: PathBuf,
    /// PostgreSQL connection string (postgres://user:password@host/db): several relay instances over one
    /// database. Without it, SQLite in --data-dir. Never logged with its password.
    #[arg(long, env = "WADESK_RELAY_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Largest webhook body in bytes, 1024 to 8388608 (default 4 MiB).
    #[arg(long, env = "WADESK_RELAY_BODY_LIMIT")]
    body_limit: Option<usize>,
    /// Days to keep acked events, 1 to 3650 (default 7).
    #[arg(long, env = "WADESK_RELAY_RETENTION_DAYS", value_parser = clap::value_parser!(u64).range(1..=3650))]
    retention_days: Option<u64>,
    /// Sustained webhooks per second per channel, 1 to 10000000 (default 200).
    #[arg(long, env = "WADESK_RELAY_RATE")]
    rate_per_sec: Option<u32>,
    /// Burst per channel, 1 to 10000000 (default 2000).
    #[arg(long, env = "WADESK_RELAY_BURST")]
    burst: Option<u32>,
    /// File holding the admin token for channel creation (or set WADESK_RELAY_ADMIN_TOKEN).
    #[arg(long, env = "WADESK_RELAY_ADMIN_TOKEN_FILE", global = true)]
    admin_token_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the channels of a running relay. The admin token comes from this relay's
    /// configuration (--admin-token-file, WADESK_RELAY_ADMIN_TOKEN or the config file), never
    /// from an argument.
    Channels {
        #[command(subcommand)]
        action: ChannelsCommand,
        /// The relay's URL (default: http:// and --listen, a wildcard address read as loopback).
        #[arg(long, env = "WADESK_RELAY_URL", global = true)]
        url: Option<String>,
        /// Print JSON (errors as {"code","message"} on stderr).
        #[arg(long, global = true)]
        json: bool,
    },
}

/// Runs `wadesk-relay channels …`; returns the exit code.
async fn channels(args: &Args, action: ChannelsCommand, url: Option<String>, json: bool) -> i32 {
    let fail = |code: &str, message: String, exit: i32| {
        if json {
            eprintln!("{}", serde_json::json!({ "code": code, "message": message }));
        } else {
            eprintln!("error: {message}");
        }
        exit
    };
    let config = match load_config(args) {
        Ok(c) => c,
        Err(e) => return fail("invalid_input", format!("{e:#}"), 2),
    };
    let Some(token) = config.admin_token else {
        return fail(
            "invalid_input",
            "no admin token in this relay's configuration: give --admin-token-file, WADESK_RELAY_ADMIN_TOKEN or \
             admin_token in the config file"
                .into(),
            2,
        );
    };
    let url = url.unwrap_or_else(|| {
        let mut addr = args.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    });
    match wadesk_relay::admin_client::AdminClient::new(&url, &token) {
        Ok(client) => wadesk_relay::admin_cli::run(&client, action, json).await,
        Err(e) => fail(e.code(), e.to_string(), e.exit_code()),
    }
}

/// The file's settings, then flags and environment over them, validated as a whole.
fn load_config(args: &Args) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Config::from_toml_str(&text).with_context(|| format!("invalid config file {}", p.display()))?
        }
        None => Config::default(),
    };
    if let Some(v) = args.body_limit {
        config.body_limit = v;
    }
    if let Some(days) = args.retention_days {
        config.retention = Duration::from_secs(days.saturating_mul(24 * 3600));
    }
    if let Some(v) = args.rate_per_sec {
        config.rate_per_sec = v;
    }
    if let Some(v) = args.burst {
        config.burst = v;
    }
    if let Some(p) = &args.admin_token_file {
        let token = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        config.admin_token = Some(token.trim().to_owned());
    } else if let Ok(token) = std::env::var("WADESK_RELAY_ADMIN_TOKEN") {
        config.admin_token = Some(token.trim().to_owned());
    }
    config.validate().context("invalid configuration (flags, environment or config file)")?;
    Ok(config)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    // Before logging starts: the operator's commands print only their own output.
    if let Some(Command::Channels { action, url, json }) = args.command.take() {
        std::process::exit(channels(&args, action, url, json).await);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    // Go as far as the hard limit allows before the default connection cap is derived from the
    // soft one: a public relay needs more than the usual 1024 descriptors.
    #[cfg(unix)]
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!("could not raise the file-descriptor limit: {e}");
    }
    let config = load_config(&args)?;
    if config.admin_token.is_none() {
        tracing::warn!("no admin token configured: channel administration and /metrics are disabled");
    }
    match args.database_url.clone().map(DatabaseUrl::new) {
        Some(url) => {
            let store = PgStore::open(&url).await.context("opening the relay's PostgreSQL store")?;
            let described = store.describe();
            run(Arc::new(store), config, &args, &described).await
        }
        None => {
            let store = SqliteStore::open(&args.data_dir).context("opening the relay store")?;
            run(Arc::new(store), config, &args, &args.data_dir.display().to_string()).await
        }
    }
}

/// Serves `store` until Ctrl-C or SIGTERM; `where_` names it in the log (a URL without its password).
async fn run<S: EventStore>(store: Arc<S>, config: Config, args: &Args, where_: &str) -> anyhow::Result<()> {
    let state = RelayState::new(store, config)?;
    tokio::spawn(wadesk_relay::purge_loop(state.clone(), Duration::from_secs(600)));
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(addr = %listener.local_addr()?, store = %where_, "relay listening");
    wadesk_relay::serve(listener, state, shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
