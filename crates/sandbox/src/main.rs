//! `wadesk-sandbox` binary: flags and environment, logging, serve until Ctrl-C / SIGTERM.
//!
//! Partner tokens are secrets: they are never logged, and `--help` does not echo the environment.

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use wadesk_sandbox::{
    D360Config, DuplicateClient, MessagingConfig, Sandbox, SandboxConfig, SendzenConfig, WebhookCheck,
};

/// The Wadesk provider sandbox: a local simulator of ChatArchitect's registration domain and
/// messaging API, of SendZen's partner onboarding and messaging API (under /sendzen), and of
/// 360dialog's Partner Hub, Embedded Signup and messaging API (under /d360).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "WADESK_SANDBOX_LISTEN", default_value = "127.0.0.1:8790")]
    listen: std::net::SocketAddr,
    /// A partner's Bearer token (also its webhook signing secret), and a SendZen Partner API Key.
    /// Repeat for several partners; the environment variable holds one.
    #[arg(long = "partner-token", env = "WADESK_SANDBOX_PARTNER_TOKEN", hide_env_values = true)]
    partner_tokens: Vec<String>,
    /// The origin clients reach the sandbox at, used in iframe_url (default: http://<bound address>).
    #[arg(long, env = "WADESK_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// Session lifetime in seconds (default 24 h).
    #[arg(long, default_value_t = 24 * 3600)]
    session_ttl_secs: u64,
    /// Delays in seconds before webhook attempts 2..=N, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [2u64, 10, 30, 60])]
    webhook_backoff_secs: Vec<u64>,
    /// Messaging: milliseconds from acceptance to the `sent` (or `failed`) webhook.
    #[arg(long, default_value_t = 300)]
    sent_delay_ms: u64,
    /// Messaging: milliseconds from acceptance to the `delivered` webhook.
    #[arg(long, default_value_t = 800)]
    delivered_delay_ms: u64,
    /// Messaging: milliseconds from acceptance to the `read` webhook.
    #[arg(long, default_value_t = 2000)]
    read_delay_ms: u64,
    /// Messaging: messages per second each app may send (above it: 429 with Retry-After).
    #[arg(long, default_value_t = 80)]
    rate_per_second: u32,
    /// Messaging: let free-form messages through outside the 24-hour customer service window
    /// (by default they fail with 470 unless the customer wrote in the last 24 hours).
    #[arg(long)]
    no_enforce_window: bool,
    /// SendZen: seconds an iframe_url stays loadable (the seed's 1 hour by default).
    #[arg(long, default_value_t = 3600)]
    sendzen_iframe_ttl_secs: u64,
    /// SendZen: how client_webhook_url is validated at onboarding: post, get or off.
    #[arg(long, default_value = "post", value_parser = ["post", "get", "off"])]
    sendzen_webhook_check: String,
    /// SendZen: onboarding calls per second each partner key may make (above it: 429).
    #[arg(long, default_value_t = 10)]
    sendzen_partner_rate_per_second: u32,
    /// SendZen: messages per second each project may send (above it: 429 with Retry-After).
    #[arg(long, default_value_t = 80)]
    sendzen_rate_per_second: u32,
    /// SendZen: the targetOrigin the onboarding iframe posts its outcome to ("*" or an origin).
    #[arg(long, default_value = "*")]
    sendzen_post_message_target: String,
    /// 360dialog: milliseconds between the stages of a submitted channel (channel_created …
    /// channel_live).
    #[arg(long, default_value_t = 1000)]
    d360_stage_delay_ms: u64,
    /// 360dialog: what a second client with the same email answers: existing (200 with the
    /// client) or conflict (409).
    #[arg(long, default_value = "existing", value_parser = ["existing", "conflict"])]
    d360_duplicate_client: String,
}

fn public_url(arg: Option<&str>, bound: std::net::SocketAddr) -> anyhow::Result<String> {
    let Some(raw) = arg else {
        // An unspecified address is not a URL a browser can open; loopback reaches it.
        let ip = if bound.ip().is_unspecified() { std::net::Ipv4Addr::LOCALHOST.into() } else { bound.ip() };
        return Ok(format!("http://{}", std::net::SocketAddr::new(ip, bound.port())));
    };
    let url = url::Url::parse(raw).with_context(|| format!("--public-url {raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || url.path() != "/" || url.query().is_some() {
        bail!("--public-url must be an http(s) origin such as http://127.0.0.1:8790 (no path or query)");
    }
    Ok(url.origin().ascii_serialization())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let tokens: Vec<String> =
        args.partner_tokens.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    if tokens.is_empty() {
        eprintln!(
            "wadesk-sandbox: no partner token: pass --partner-token TOKEN (repeatable) or set \
             WADESK_SANDBOX_PARTNER_TOKEN. Partners authenticate with it and completion webhooks are signed with it."
        );
        std::process::exit(2);
    }
    let messaging = MessagingConfig {
        sent_delay: Duration::from_millis(args.sent_delay_ms),
        delivered_delay: Duration::from_millis(args.delivered_delay_ms),
        read_delay: Duration::from_millis(args.read_delay_ms),
        rate_per_second: args.rate_per_second,
        enforce_window: !args.no_enforce_window,
        ..MessagingConfig::default()
    };
    // SendZen's statuses follow the same timing flags; only its send rate has a flag of its own.
    let sendzen = SendzenConfig {
        iframe_ttl: Duration::from_secs(args.sendzen_iframe_ttl_secs),
        webhook_check: WebhookCheck::parse(&args.sendzen_webhook_check).unwrap_or(WebhookCheck::Post),
        partner_rate_per_second: args.sendzen_partner_rate_per_second,
        post_message_target: args.sendzen_post_message_target.clone(),
        messaging: MessagingConfig { rate_per_second: args.sendzen_rate_per_second, ..messaging.clone() },
    };
    // 360dialog's statuses follow the same timing flags as SendZen's.
    let d360 = D360Config {
        stage_delay: Duration::from_millis(args.d360_stage_delay_ms),
        duplicate_client: DuplicateClient::parse(&args.d360_duplicate_client).unwrap_or(DuplicateClient::Existing),
        messaging: messaging.clone(),
        ..D360Config::default()
    };
    let mut config = SandboxConfig {
        partner_tokens: tokens,
        public_url: String::new(),
        session_ttl: Duration::from_secs(args.session_ttl_secs),
        webhook_backoff: args.webhook_backoff_secs.iter().copied().map(Duration::from_secs).collect(),
        loopback_identity: None,
        messaging,
        sendzen,
        d360,
        crisp: wadesk_sandbox::CrispConfig::default(),
        gupshup: wadesk_sandbox::GupshupConfig::default(),
    };
    if let Err(message) = config.validate() {
        eprintln!("wadesk-sandbox: {message}");
        std::process::exit(2);
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let public_url = public_url(args.public_url.as_deref(), listener.local_addr()?)?;
    config.public_url = public_url.clone();
    tracing::info!(url = %public_url, addr = %listener.local_addr()?, partners = config.partner_tokens.len(), "sandbox listening");
    wadesk_sandbox::serve(listener, Sandbox::new(config), shutdown()).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_defaults_to_the_bound_address_and_must_be_an_origin() {
        let bound: std::net::SocketAddr = "0.0.0.0:8790".parse().unwrap();
        assert_eq!(public_url(None, bound).unwrap(), "http://127.0.0.1:8790");
        assert_eq!(public_url(Some("https://sandbox.example/"), bound).unwrap(), "https://sandbox.example");
        assert!(public_url(Some("https://sandbox.example/app"), bound).is_err());
        assert!(public_url(Some("ftp://sandbox.example"), bound).is_err());
    }
}
