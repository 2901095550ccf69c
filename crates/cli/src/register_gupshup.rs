//! `wadesk register … --provider gupshup`: Gupshup Tech Partner linking from the command line
//! (seed 002). The CLI links the WABA the customer's Embedded Signup created to a new Gupshup app,
//! follows the pipeline, and — once Gupshup's live event has come through the relay it streams —
//! subscribes and creates the account.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::providers::chatarchitect::embedded_sandbox::SandboxHost;
use wadesk_core::providers::gupshup::settings::GupshupSettingsView;
use wadesk_core::providers::gupshup::{GupshupLinkView, GupshupLinks, GupshupStage, StartLink};
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Error, Install, Result, Secret, Store};

use crate::args::RegisterCommand;
use crate::commands::Output;
use crate::register_d360::need;

/// How often a waiting command follows the link (the core backs off on its own between polls).
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

pub fn run(install: &Install, store: Store, cmd: RegisterCommand, out: &Output) -> Result<()> {
    let store = Arc::new(store);
    let relay_dir = install.dir().join("relay");
    crate::relay::runtime()?.block_on(async move {
        let sandbox = SandboxHost::new(store.clone());
        let links = GupshupLinks::new(store.clone(), sandbox.clone());
        match cmd {
            RegisterCommand::Start { wait, gupshup, .. } => {
                let input = StartLink {
                    app_name: need(gupshup.app_name, "--app-name")?,
                    waba_id: need(gupshup.waba_id, "--waba-id")?,
                    phone: need(gupshup.phone, "--phone")?,
                };
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let view = links.link(input).await;
                let wait = wait.or(sandbox.hosted_here().await.then_some(30 * 60));
                let view = match (view, wait) {
                    (Ok(v), Some(secs)) => {
                        if !out.json {
                            println!("Gupshup app {} linked ({}); following it…", v.app_id, v.mode);
                        }
                        wait_for_end(&links, &v.id, secs).await
                    }
                    (v, _) => v,
                };
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::Result { registration_id, .. } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                // The live event may be waiting at the relay.
                relay.wait_caught_up(Duration::from_secs(5)).await;
                let view = links.follow(&registration_id).await;
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::List { .. } => {
                let list = store.gupshup_links()?;
                out.print(&list, |w| {
                    if list.is_empty() {
                        writeln!(w, "No Gupshup links yet. Link one with `wadesk register start --provider gupshup`.")?;
                    }
                    for l in &list {
                        writeln!(
                            w,
                            "{}  {:<14} {}  app {} ({})",
                            l.id,
                            stage_word(l.stage),
                            l.mode,
                            l.app_id,
                            l.app_name
                        )?;
                    }
                    Ok(())
                })
            }
            RegisterCommand::Settings { .. } => {
                let s = store.gupshup_settings()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UsePartner { url, .. } => {
                let token = match std::env::var("WADESK_GUPSHUP_PARTNER_TOKEN") {
                    Ok(t) => Secret::new(t),
                    Err(_) => crate::prompt::passphrase(
                        "Gupshup partner token: ",
                        Error::InvalidInput("set WADESK_GUPSHUP_PARTNER_TOKEN (no terminal to ask)".into()),
                    )?,
                };
                let s = store.use_gupshup_partner(&url, &token)?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UseSandbox { .. } => {
                let s = store.use_gupshup_sandbox()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::Submit { .. } | RegisterCommand::SigningSecret { .. } => {
                Err(Error::InvalidInput("`submit` and `signing-secret` are 360dialog's: use --provider d360".into()))
            }
            RegisterCommand::RetryWebhook { .. } => Err(Error::InvalidInput(
                "Gupshup has no call to resend its live event; use `wadesk register result --provider gupshup <id>`"
                    .into(),
            )),
        }
    })
}

fn stage_word(s: GupshupStage) -> &'static str {
    match s {
        GupshupStage::Provisioning => "provisioning",
        GupshupStage::PipelineError => "pipeline_error",
        GupshupStage::AwaitingLive => "awaiting_live",
        GupshupStage::Live => "live",
        GupshupStage::Connected => "connected",
    }
}

/// Follows the link until it is connected, or `secs` pass.
async fn wait_for_end(links: &GupshupLinks, id: &str, secs: u64) -> Result<GupshupLinkView> {
    let deadline = Instant::now()
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| Error::InvalidInput(format!("--wait {secs}: too long")))?;
    loop {
        match links.follow(id).await {
            Ok(view) if view.stage == GupshupStage::Connected => return Ok(view),
            Ok(_) => {}
            Err(e) => eprintln!("follow failed (will retry): {e}"),
        }
        if Instant::now() >= deadline {
            return Err(Error::InvalidInput(format!(
                "link {id} did not connect within {secs} s; check later with `wadesk register result --provider gupshup {id}`"
            )));
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

fn print_view(out: &Output, v: &GupshupLinkView) -> Result<()> {
    out.print(v, |w| {
        writeln!(w, "Link {}: {} — {}", v.id, stage_word(v.stage), v.stage_text)?;
        writeln!(w, "  app {} ({}), WABA {}, +{}", v.app_id, v.app_name, v.waba_id, v.phone)?;
        if let Some(e) = &v.last_error {
            writeln!(w, "  last error: {e}")?;
        }
        if let Some(a) = &v.account_id {
            writeln!(w, "  account {a}")?;
        }
        Ok(())
    })
}

fn print_settings(w: &mut dyn std::io::Write, s: &GupshupSettingsView) -> std::io::Result<()> {
    writeln!(w, "mode:           {}", s.mode)?;
    writeln!(w, "partner URL:    {}", s.partner_url.as_deref().unwrap_or("-"))?;
    writeln!(w, "partner token:  {}", s.partner_token_masked.as_deref().unwrap_or("-"))?;
    if s.token_probably_expired {
        writeln!(w, "  (entered more than 24 hours ago: it has expired; enter a new one)")?;
    }
    Ok(())
}
