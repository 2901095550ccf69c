//! `wadesk relay …`: the relay tunnel from the command line, on the same core as the app.

use std::sync::Arc;
use std::time::Duration;

use wadesk_core::relay_client::{self, RelayService, WaitingWebhooks};
use wadesk_core::{Error, Install, Result, Secret, Store};

use crate::args::RelayCommand;
use crate::commands::Output;

/// The small runtime the async CLI commands run on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(Error::Io)
}

pub fn run(install: &Install, store: Store, cmd: RelayCommand, json: bool) -> Result<()> {
    let out = Output { json };
    let store = Arc::new(store);
    let relay_dir = install.dir().join("relay");
    runtime()?.block_on(async move {
        match cmd {
            RelayCommand::UseRemote { url } => {
                let token = match std::env::var("WADESK_RELAY_ADMIN_TOKEN") {
                    Ok(t) => Secret::new(t),
                    Err(_) => crate::prompt::passphrase(
                        "Relay admin token: ",
                        Error::InvalidInput("set WADESK_RELAY_ADMIN_TOKEN (no terminal to ask)".into()),
                    )?,
                };
                let channel = relay_client::use_remote(&store, &url, &token).await?;
                let report = serde_json::json!({
                    "mode": "remote", "relay_url": channel.relay_url, "channel_id": channel.channel_id,
                    "hook_url_masked": channel.hook_url.masked(),
                });
                out.print(&report, |w| {
                    writeln!(w, "Now using the relay at {} (channel {}).", channel.relay_url, channel.channel_id)?;
                    writeln!(w, "Run `wadesk relay self-test` to check the whole path.")
                })
            }
            RelayCommand::UseEmbedded { leave_waiting } => {
                let waiting =
                    if leave_waiting { WaitingWebhooks::LeaveBehind } else { WaitingWebhooks::FetchFirst };
                let (_service, switch) = relay_client::use_embedded(store.clone(), &relay_dir, waiting).await?;
                let mut report = serde_json::to_value(&switch).map_err(|e| Error::Internal(e.to_string()))?;
                report["mode"] = "embedded".into();
                out.print(&report, |w| {
                    writeln!(w, "Now using the embedded relay at {} (channel {}).", switch.relay_url, switch.channel_id)?;
                    if switch.remote_drained {
                        writeln!(
                            w,
                            "Fetched {} waiting webhooks from {} first; nothing was left there.",
                            switch.fetched, switch.previous_relay_url
                        )?;
                    } else {
                        let left = switch.left_behind.map_or_else(|| "Any".to_owned(), |n| n.to_string());
                        writeln!(
                            w,
                            "{left} webhooks still waiting at {} were left behind and will not be fetched.",
                            switch.previous_relay_url
                        )?;
                    }
                    writeln!(w, "The hook URL changed (now {}): point your providers at it.", switch.hook_url_masked)?;
                    writeln!(
                        w,
                        "`wadesk webhook register --account A` does it now for an account; sends and template syncs do it on \
                         their own. The embedded relay listens on 127.0.0.1 only: a provider outside this computer reaches \
                         it only through a tunnel of your own."
                    )?;
                    writeln!(w, "Run `wadesk relay self-test` to check the whole path.")
                })
            }
            RelayCommand::Status => {
                let service = RelayService::start(store.clone(), &relay_dir).await?;
                let caught_up = service.wait_caught_up(Duration::from_secs(5)).await;
                let status = service.status();
                let (applied, duplicates, rejected) = store.webhook_counts()?;
                let report = serde_json::json!({
                    "relay": status, "caught_up": caught_up,
                    "webhooks": { "applied": applied, "duplicates": duplicates, "rejected": rejected },
                });
                out.print(&report, |w| {
                    writeln!(w, "relay:      {:?} at {} ({:?})", status.mode, status.relay_url, status.state)?;
                    writeln!(w, "hook URL:   {}", status.hook_url_masked)?;
                    writeln!(w, "cursor:     {} ({})", status.cursor, if caught_up { "caught up" } else { "not caught up" })?;
                    if status.backlog_known {
                        writeln!(w, "backlog:    {} waiting at the relay", status.backlog)?;
                    } else {
                        writeln!(w, "backlog:    not known yet (this relay does not announce it)")?;
                    }
                    writeln!(w, "webhooks:   {applied} applied, {duplicates} duplicates, {rejected} rejected")?;
                    if let Some(e) = &status.last_error {
                        writeln!(w, "last error: {e}")?;
                    }
                    Ok(())
                })
            }
            RelayCommand::SelfTest { timeout } => {
                let service = RelayService::start(store.clone(), &relay_dir).await?;
                if !service.wait_caught_up(Duration::from_secs(timeout)).await {
                    return Err(Error::Relay(format!(
                        "could not connect to the relay: {}",
                        service.status().last_error.unwrap_or_else(|| "timed out".into())
                    )));
                }
                let result = service.self_test(Duration::from_secs(timeout)).await?;
                out.print(&result, |w| {
                    writeln!(w, "Self-test passed: hook URL → relay → this install in {} ms.", result.round_trip_ms)
                })
            }
            RelayCommand::Sync { follow } => {
                let service = RelayService::start(store.clone(), &relay_dir).await?;
                let caught_up = service.wait_caught_up(Duration::from_secs(30)).await;
                if follow {
                    eprintln!("Streaming webhooks; Ctrl-C to stop.");
                    let _ = tokio::signal::ctrl_c().await;
                } else if !caught_up {
                    return Err(Error::Relay(format!(
                        "could not catch up with the relay: {}",
                        service.status().last_error.unwrap_or_else(|| "timed out".into())
                    )));
                }
                let status = service.status();
                let (applied, duplicates, rejected) = store.webhook_counts()?;
                out.print(&serde_json::json!({ "cursor": status.cursor, "applied": applied, "duplicates": duplicates, "rejected": rejected }), |w| {
                    writeln!(w, "Caught up at cursor {}: {applied} applied, {duplicates} duplicates, {rejected} rejected.", status.cursor)
                })
            }
        }
    })
}
