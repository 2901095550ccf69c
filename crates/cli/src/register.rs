//! `wadesk register …`: ChatArchitect embedded registration from the command line.
//!
//! The CLI is a partner backend like the app: it creates the session, prints the page to open, and
//! receives the signed completion webhook through the relay. It streams the relay while it waits,
//! so the credentials land in the store the moment the webhook arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::providers::chatarchitect::{RegistrationStatus, RegistrationView, Registrations, StartRegistration};
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Error, Install, Result, Secret, Store};

use crate::args::{ProviderArg, RegisterCommand, RegisterProvider};
use crate::commands::Output;

/// How long the webhook gets after the provider reports `completed`, before `result` is used.
const WEBHOOK_GRACE: Duration = Duration::from_secs(10);

pub fn run(install: &Install, store: Store, cmd: RegisterCommand, json: bool) -> Result<()> {
    let out = Output { json };
    match provider_of(&cmd) {
        RegisterProvider::Chatarchitect => {}
        RegisterProvider::Sendzen => return crate::register_sendzen::run(install, store, cmd, &out),
        RegisterProvider::D360 => return crate::register_d360::run(install, store, cmd, &out),
        RegisterProvider::Gupshup => return crate::register_gupshup::run(install, store, cmd, &out),
    }
    let store = Arc::new(store);
    let relay_dir = install.dir().join("relay");
    crate::relay::runtime()?.block_on(async move {
        let registrations = Registrations::new(store.clone());
        match cmd {
            RegisterCommand::Start { lang, integration, account, wait, .. } => {
                // The relay must run: the session's webhook_url is this install's hook URL.
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let account_id = match account {
                    Some(a) => Some(store.find_account(&a)?.id),
                    None => None,
                };
                let view = registrations.start(StartRegistration { lang: Some(lang), integration, account_id }).await?;
                let hosted = registrations.sandbox_hosted_here().await;
                if !json {
                    println!("Registration {} started ({:?} mode).", view.registration_id, view.mode);
                    println!("Open this page in a browser to connect the number:\n  {}", view.iframe_url);
                    if hosted {
                        println!("The sandbox runs inside this command; keep it running until you finish.");
                    }
                }
                let wait = wait.or(hosted.then_some(30 * 60));
                let view = match wait {
                    Some(secs) => wait_for_end(&registrations, &store, &view.registration_id, secs).await?,
                    None => view,
                };
                relay.stop();
                print_view(&out, &view)
            }
            RegisterCommand::Result { registration_id, .. } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                // Apply a webhook that is already waiting before asking the provider.
                relay.wait_caught_up(Duration::from_secs(5)).await;
                let view = registrations.refresh(&registration_id).await?;
                relay.stop();
                print_view(&out, &view)
            }
            RegisterCommand::RetryWebhook { registration_id } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let outcome = registrations.retry_webhook(&registration_id).await?;
                // The resent webhook goes through the relay: take it in before exiting.
                relay.wait_caught_up(Duration::from_secs(5)).await;
                tokio::time::sleep(Duration::from_millis(300)).await;
                relay.wait_caught_up(Duration::from_secs(5)).await;
                relay.stop();
                out.print(&outcome, |w| {
                    writeln!(w, "Webhook {}: {} attempt(s)", outcome.status, outcome.attempts)?;
                    if !outcome.last_error.is_empty() {
                        writeln!(w, "last error: {}", outcome.last_error)?;
                    }
                    Ok(())
                })
            }
            RegisterCommand::List { .. } => {
                let list = store.list_registrations()?;
                out.print(&list, |w| {
                    if list.is_empty() {
                        writeln!(w, "No registrations yet. Start one with `wadesk register start`.")?;
                    }
                    for r in &list {
                        writeln!(
                            w,
                            "{}  {:<16} {:?}  expires {}",
                            r.registration_id,
                            r.status.as_str(),
                            r.mode,
                            r.expires_at
                        )?;
                    }
                    Ok(())
                })
            }
            RegisterCommand::Settings { .. } => {
                let s = store.registration_settings()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UsePartner { url, .. } => {
                let token = match std::env::var("WADESK_PARTNER_TOKEN") {
                    Ok(t) => Secret::new(t),
                    Err(_) => crate::prompt::passphrase(
                        "ChatArchitect partner token: ",
                        Error::InvalidInput("set WADESK_PARTNER_TOKEN (no terminal to ask)".into()),
                    )?,
                };
                let s = store.use_partner_registration(&url, &token)?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UseSandbox { .. } => {
                let s = store.use_sandbox_registration()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::Submit { .. } | RegisterCommand::SigningSecret { .. } => {
                Err(Error::InvalidInput("`submit` and `signing-secret` are 360dialog's: add --provider d360".into()))
            }
        }
    })
}

/// The `--provider` of any `register` command (`retry-webhook` is ChatArchitect's alone).
fn provider_of(cmd: &RegisterCommand) -> RegisterProvider {
    match cmd {
        RegisterCommand::Start { provider, .. }
        | RegisterCommand::Result { provider, .. }
        | RegisterCommand::List { provider }
        | RegisterCommand::Settings { provider }
        | RegisterCommand::UsePartner { provider, .. }
        | RegisterCommand::UseSandbox { provider }
        | RegisterCommand::Submit { provider, .. }
        | RegisterCommand::SigningSecret { provider, .. } => {
            let ProviderArg { provider } = provider;
            *provider
        }
        RegisterCommand::RetryWebhook { .. } => RegisterProvider::Chatarchitect,
    }
}

fn print_settings(
    w: &mut dyn std::io::Write,
    s: &wadesk_core::providers::chatarchitect::RegistrationSettingsView,
) -> std::io::Result<()> {
    writeln!(w, "mode:          {:?}", s.mode)?;
    writeln!(w, "partner URL:   {}", s.partner_base_url.as_deref().unwrap_or("-"))?;
    writeln!(w, "partner token: {}", s.partner_token_masked.as_deref().unwrap_or("-"))
}

/// Follows the session until it completes (credentials stored) or expires, or `secs` pass.
async fn wait_for_end(registrations: &Registrations, store: &Store, id: &str, secs: u64) -> Result<RegistrationView> {
    // `secs` is bounded by the argument parser; checked anyway, since an overflow would panic.
    let deadline = Instant::now()
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| Error::InvalidInput(format!("--wait {secs}: too long")))?;
    let mut last = None;
    loop {
        let view = store.registration(id)?;
        if view.status.is_final() {
            return Ok(view);
        }
        match registrations.provider_status(id).await {
            Ok(RegistrationStatus::Completed) => return registrations.confirm_completion(id, WEBHOOK_GRACE).await,
            Ok(status) if Some(status) != last => {
                eprintln!("status: {}", status.as_str());
                last = Some(status);
            }
            Ok(_) => {}
            Err(e) => eprintln!("status check failed (will retry): {e}"),
        }
        if Instant::now() >= deadline {
            return Err(Error::InvalidInput(format!(
                "registration {id} did not finish within {secs} s; check later with `wadesk register result {id}`"
            )));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn print_view(out: &Output, view: &RegistrationView) -> Result<()> {
    out.print(view, |w| {
        writeln!(w, "registration: {}", view.registration_id)?;
        writeln!(w, "status:       {}", view.status.as_str())?;
        if let Some(account) = &view.account_id {
            writeln!(
                w,
                "account:      {account} (app id {}, via {})",
                view.app_id_masked.as_deref().unwrap_or("-"),
                view.completed_via.as_deref().unwrap_or("-")
            )?;
        }
        if view.status == RegistrationStatus::Expired {
            writeln!(w, "The session expired. Start again with `wadesk register start`.")?;
        }
        if let Some(e) = &view.last_error {
            writeln!(w, "last error:   {e}")?;
        }
        Ok(())
    })
}
