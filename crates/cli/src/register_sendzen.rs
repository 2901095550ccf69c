//! `wadesk register … --provider sendzen`: SendZen onboarding from the command line (seed 001).
//!
//! Like the app, the CLI is the partner backend: it onboards the customer with the partner key,
//! prints the iframe page to open, and takes the result from the webhook (through the relay it
//! streams while it waits) or from `GET /v1/waba`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::providers::chatarchitect::embedded_sandbox::SandboxHost;
use wadesk_core::providers::sendzen::settings::SendzenSettingsView;
use wadesk_core::providers::sendzen::{OnboardingStatus, OnboardingView, SendzenOnboardings, StartOnboarding};
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Error, Install, Result, Secret, Store};

use crate::args::RegisterCommand;
use crate::commands::Output;

/// How often a waiting `start` asks SendZen whether the number is connected.
const CHECK_EVERY: Duration = Duration::from_secs(3);

pub fn run(install: &Install, store: Store, cmd: RegisterCommand, out: &Output) -> Result<()> {
    let store = Arc::new(store);
    let relay_dir = install.dir().join("relay");
    crate::relay::runtime()?.block_on(async move {
        let sandbox = SandboxHost::new(store.clone());
        let onboardings = SendzenOnboardings::new(store.clone(), sandbox.clone());
        match cmd {
            RegisterCommand::Start { lang, integration, account, wait, client, .. } => {
                if integration.is_some() || lang != "en" || client.email.is_some() || client.name.is_some() {
                    return Err(Error::InvalidInput(
                        "--lang and --integration are ChatArchitect's, --name and --email 360dialog's; SendZen's page takes none".into(),
                    ));
                }
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let view = start(&store, &sandbox, &onboardings, account, wait, out).await;
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::Result { registration_id, .. } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                // Apply a result webhook that is already waiting before asking SendZen.
                relay.wait_caught_up(Duration::from_secs(5)).await;
                let view = onboardings.check(&registration_id).await?;
                relay.stop();
                print_view(out, &view)
            }
            RegisterCommand::List { .. } => {
                let list = store.sendzen_onboardings()?;
                out.print(&list, |w| {
                    if list.is_empty() {
                        writeln!(
                            w,
                            "No SendZen onboardings yet. Start one with `wadesk register start --provider sendzen`."
                        )?;
                    }
                    for o in &list {
                        writeln!(
                            w,
                            "{}  {:<10} {}  project {}",
                            o.client_identifier,
                            status_word(o.status),
                            o.mode,
                            o.project_id
                        )?;
                    }
                    Ok(())
                })
            }
            RegisterCommand::Settings { .. } => {
                let s = store.sendzen_settings()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UsePartner { url, .. } => {
                let key = match std::env::var("WADESK_SENDZEN_PARTNER_KEY") {
                    Ok(k) => Secret::new(k),
                    Err(_) => crate::prompt::passphrase(
                        "SendZen partner API key: ",
                        Error::InvalidInput("set WADESK_SENDZEN_PARTNER_KEY (no terminal to ask)".into()),
                    )?,
                };
                let s = store.use_sendzen_partner(&url, &key)?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UseSandbox { .. } => {
                let s = store.use_sendzen_sandbox()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::Submit { .. } | RegisterCommand::SigningSecret { .. } => {
                Err(Error::InvalidInput("`submit` and `signing-secret` are 360dialog's: use --provider d360".into()))
            }
            RegisterCommand::RetryWebhook { .. } => Err(Error::InvalidInput(
                "SendZen has no call to resend its result; use `wadesk register result --provider sendzen <id>`".into(),
            )),
        }
    })
}

/// Onboards (a new account, or `account` again), prints the page to open, and with `wait` (or a
/// sandbox hosted by this process) follows it to its end. The relay must run meanwhile: the
/// onboarding's `client_webhook_url` is this install's hook URL.
async fn start(
    store: &Store,
    sandbox: &SandboxHost,
    onboardings: &SendzenOnboardings,
    account: Option<String>,
    wait: Option<u64>,
    out: &Output,
) -> Result<OnboardingView> {
    let account_id = match account {
        Some(a) => Some(store.find_account(&a)?.id),
        None => None,
    };
    let view = onboardings.start(StartOnboarding { account_id }).await?;
    let hosted = sandbox.hosted_here().await;
    if !out.json {
        println!("SendZen onboarding {} started ({} mode).", view.client_identifier, view.mode);
        if !view.webhook_valid {
            println!(
                "SendZen could not reach this install's webhook URL ({}); the result will be asked for instead.",
                view.webhook_detail.as_deref().unwrap_or("no detail")
            );
        }
        println!("Open this page in a browser to connect the number (good for an hour):\n  {}", view.iframe_url);
        if hosted {
            println!("The sandbox runs inside this command; keep it running until you finish.");
        }
    }
    match wait.or(hosted.then_some(30 * 60)) {
        Some(secs) => wait_for_end(onboardings, &view.client_identifier, secs).await,
        None => Ok(view),
    }
}

/// Follows the onboarding until it completes or fails, or `secs` pass.
async fn wait_for_end(onboardings: &SendzenOnboardings, id: &str, secs: u64) -> Result<OnboardingView> {
    let deadline = Instant::now()
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| Error::InvalidInput(format!("--wait {secs}: too long")))?;
    loop {
        // The relay applies a result webhook on its own; `check` also asks SendZen directly.
        match onboardings.check(id).await {
            Ok(view) if view.status != OnboardingStatus::Started => return onboardings.follow(id).await,
            Ok(_) => {}
            Err(e) => eprintln!("check failed (will retry): {e}"),
        }
        if Instant::now() >= deadline {
            return Err(Error::InvalidInput(format!(
                "onboarding {id} did not finish within {secs} s; check later with `wadesk register result --provider sendzen {id}`"
            )));
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}

fn status_word(s: OnboardingStatus) -> &'static str {
    match s {
        OnboardingStatus::Started => "started",
        OnboardingStatus::Completed => "completed",
        OnboardingStatus::Failed => "failed",
    }
}

fn print_settings(w: &mut dyn std::io::Write, s: &SendzenSettingsView) -> std::io::Result<()> {
    writeln!(w, "mode:         {}", s.mode)?;
    writeln!(w, "partner URL:  {}", s.partner_base_url.as_deref().unwrap_or("-"))?;
    writeln!(w, "partner key:  {}", s.partner_key_masked.as_deref().unwrap_or("-"))
}

fn print_view(out: &Output, view: &OnboardingView) -> Result<()> {
    out.print(view, |w| {
        writeln!(w, "onboarding:   {}", view.client_identifier)?;
        writeln!(w, "status:       {}", status_word(view.status))?;
        if let Some(account) = &view.account_id {
            writeln!(
                w,
                "account:      {account} (WABA {}, via {})",
                view.waba_id.as_deref().unwrap_or("-"),
                view.completed_via.as_deref().unwrap_or("-")
            )?;
        }
        if let Some(why) = &view.failure_message {
            writeln!(w, "failed:       {why}")?;
            writeln!(w, "Start again with `wadesk register start --provider sendzen`.")?;
        }
        Ok(())
    })
}
