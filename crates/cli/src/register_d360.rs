//! `wadesk register … --provider d360`: 360dialog onboarding from the command line (seed 003).
//!
//! Like the app, the CLI is the partner backend: it creates (or reuses) the client and the
//! onboarding. Meta's Embedded Signup runs in a browser window, which a terminal has not, so the
//! CLI takes the WABA it created (`register submit … --waba-id`), submits it to 360dialog, and
//! follows the channel until it is live, then creates the API key and the account. Partner events
//! arrive through the relay it streams while it waits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::providers::chatarchitect::embedded_sandbox::SandboxHost;
use wadesk_core::providers::d360::settings::{D360PartnerInput, D360SettingsView};
use wadesk_core::providers::d360::{D360OnboardingView, D360Onboardings, D360Stage, StartD360};
use wadesk_core::relay_client::RelayService;
use wadesk_core::{Error, Install, Result, Secret, Store};

use crate::args::{D360PartnerArgs, RegisterCommand};
use crate::commands::Output;

/// How often a waiting command asks 360dialog about the channel.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

pub fn run(install: &Install, store: Store, cmd: RegisterCommand, out: &Output) -> Result<()> {
    let store = Arc::new(store);
    let relay_dir = install.dir().join("relay");
    crate::relay::runtime()?.block_on(async move {
        let sandbox = SandboxHost::new(store.clone());
        let onboardings = D360Onboardings::new(store.clone(), sandbox.clone());
        match cmd {
            RegisterCommand::Start { lang, integration, account, wait, client, .. } => {
                if integration.is_some() || lang != "en" {
                    return Err(Error::InvalidInput("--lang and --integration are ChatArchitect's".into()));
                }
                let account_id = match account {
                    Some(a) => Some(store.find_account(&a)?.id),
                    None => None,
                };
                let input = StartD360 {
                    name: need(client.name, "--name")?,
                    email: need(client.email, "--email")?,
                    user_name: need(client.user_name, "--user-name")?,
                    tier: client.tier,
                    account_id,
                };
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let view = onboardings.start(input).await;
                let view = match (view, wait.or(sandbox.hosted_here().await.then_some(30 * 60))) {
                    (Ok(v), Some(secs)) => {
                        announce(out, &v, sandbox.hosted_here().await);
                        wait_for_end(&onboardings, &v.id, secs, true).await
                    }
                    (Ok(v), None) => {
                        announce(out, &v, false);
                        Ok(v)
                    }
                    (Err(e), _) => Err(e),
                };
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::Submit { registration_id, waba_id, phone_number_id, business_id, wait, .. } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                let view = onboardings
                    .submit_waba(&registration_id, &waba_id, phone_number_id.as_deref(), business_id.as_deref())
                    .await;
                let view = match (view, wait) {
                    (Ok(v), Some(secs)) if v.stage.following() => wait_for_end(&onboardings, &v.id, secs, false).await,
                    (v, _) => v,
                };
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::Result { registration_id, .. } => {
                let relay = RelayService::start(store.clone(), &relay_dir).await?;
                // Apply partner events already waiting before asking 360dialog.
                relay.wait_caught_up(Duration::from_secs(5)).await;
                let view = onboardings.follow(&registration_id).await;
                relay.stop();
                print_view(out, &view?)
            }
            RegisterCommand::List { .. } => {
                let list = store.d360_onboardings()?;
                out.print(&list, |w| {
                    if list.is_empty() {
                        writeln!(
                            w,
                            "No 360dialog onboardings yet. Start one with `wadesk register start --provider d360`."
                        )?;
                    }
                    for o in &list {
                        writeln!(w, "{}  {:<17} {}  client {}", o.id, o.stage.as_str(), o.mode, o.client_id)?;
                    }
                    Ok(())
                })
            }
            RegisterCommand::Settings { .. } => {
                let s = store.d360_settings()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UsePartner { url, d360, .. } => {
                let key = match std::env::var("WADESK_D360_PARTNER_KEY") {
                    Ok(k) => Some(Secret::new(k)),
                    Err(_) if store.d360_settings()?.partner_key_masked.is_some() => None,
                    Err(_) => Some(crate::prompt::passphrase(
                        "360dialog partner API key: ",
                        Error::InvalidInput("set WADESK_D360_PARTNER_KEY (no terminal to ask)".into()),
                    )?),
                };
                let s = store.use_d360_partner(&partner_input(url, d360, key)?)?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::UseSandbox { .. } => {
                let s = store.use_d360_sandbox()?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::SigningSecret { clear, .. } => {
                let secret = if clear {
                    None
                } else {
                    Some(match std::env::var("WADESK_D360_SIGNING_SECRET") {
                        Ok(s) => Secret::new(s),
                        Err(_) => crate::prompt::passphrase(
                            "360dialog partner webhook signing secret: ",
                            Error::InvalidInput("set WADESK_D360_SIGNING_SECRET (no terminal to ask)".into()),
                        )?,
                    })
                };
                let s = store.set_d360_partner_signing_secret(secret.as_ref())?;
                out.print(&s, |w| print_settings(w, &s))
            }
            RegisterCommand::RetryWebhook { .. } => Err(Error::InvalidInput(
                "360dialog has no call to resend partner events; use `wadesk register result --provider d360 <id>`"
                    .into(),
            )),
        }
    })
}

/// The value of a flag a provider's command needs, or the field error naming it (exit 2).
pub(crate) fn need(v: Option<String>, flag: &str) -> Result<String> {
    v.ok_or_else(|| Error::Field(flag.trim_start_matches("--").replace('-', "_"), format!("{flag} is required")))
}

fn partner_input(url: String, a: D360PartnerArgs, key: Option<Secret>) -> Result<D360PartnerInput> {
    Ok(D360PartnerInput {
        hub_url: url,
        messaging_url: a.messaging_url,
        partner_id: need(a.partner_id, "--partner-id")?,
        partner_key: key,
        solution_id: need(a.solution_id, "--solution-id")?,
        default_tier: a.tier,
        meta_app_id: need(a.meta_app_id, "--meta-app-id")?,
        meta_config_id: need(a.meta_config_id, "--meta-config-id")?,
        route_partner_events: !a.no_partner_events,
    })
}

fn announce(out: &Output, view: &D360OnboardingView, hosted: bool) {
    if out.json {
        return;
    }
    println!("360dialog onboarding {} started ({} mode, client {}).", view.id, view.mode, view.client_id);
    println!("Meta's Embedded Signup runs in the app (Accounts → Connect a number → 360dialog).");
    println!(
        "With a WABA from your own signup page: wadesk register submit --provider d360 {} --waba-id <id>",
        view.id
    );
    if hosted {
        println!("The sandbox runs inside this command; keep it running until you finish.");
    }
}

/// Follows the onboarding until it is connected or needs the customer again, or `secs` pass.
/// `from_signup`: still at the signup stage is waiting too.
async fn wait_for_end(
    onboardings: &D360Onboardings,
    id: &str,
    secs: u64,
    from_signup: bool,
) -> Result<D360OnboardingView> {
    let deadline = Instant::now()
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| Error::InvalidInput(format!("--wait {secs}: too long")))?;
    loop {
        match onboardings.follow(id).await {
            Ok(view) if view.stage == D360Stage::Connected => return Ok(view),
            Ok(view) if !(view.stage.following() || from_signup && view.stage == D360Stage::Signup) => return Ok(view),
            Ok(_) => {}
            Err(e) => eprintln!("follow failed (will retry): {e}"),
        }
        if Instant::now() >= deadline {
            return Err(Error::InvalidInput(format!(
                "onboarding {id} did not finish within {secs} s; check later with `wadesk register result --provider d360 {id}`"
            )));
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

fn print_view(out: &Output, view: &D360OnboardingView) -> Result<()> {
    out.print(view, |w| {
        writeln!(w, "Onboarding {}: {}", view.id, view.stage.as_str())?;
        if let Some(d) = &view.stage_detail {
            writeln!(w, "  {d}")?;
        }
        if let Some(w_id) = &view.waba_id {
            writeln!(w, "  WABA {w_id}")?;
        }
        if let Some(ch) = &view.channel_id {
            writeln!(
                w,
                "  channel {ch}{}",
                view.phone_number.as_deref().map(|p| format!(" ({p})")).unwrap_or_default()
            )?;
        }
        if let Some(a) = &view.account_id {
            writeln!(w, "  account {a}")?;
        }
        Ok(())
    })
}

fn print_settings(w: &mut dyn std::io::Write, s: &D360SettingsView) -> std::io::Result<()> {
    writeln!(w, "360dialog onboardings: {} mode", s.mode)?;
    if s.mode == "partner" {
        writeln!(w, "  Partner Hub: {}", s.hub_url.as_deref().unwrap_or("-"))?;
        writeln!(w, "  messaging: {}", s.messaging_url.as_deref().unwrap_or("-"))?;
        writeln!(
            w,
            "  partner {}  key {}",
            s.partner_id.as_deref().unwrap_or("-"),
            s.partner_key_masked.as_deref().unwrap_or("-")
        )?;
        writeln!(w, "  solution {}  default tier {}", s.solution_id.as_deref().unwrap_or("-"), s.default_tier)?;
        writeln!(
            w,
            "  Meta app {}  configuration {}",
            s.meta_app_id.as_deref().unwrap_or("-"),
            s.meta_config_id.as_deref().unwrap_or("-")
        )?;
    }
    writeln!(
        w,
        "  partner events: {}; signing secret {}",
        if s.route_partner_events { "sent to this install" } else { "left alone" },
        if s.partner_signing_secret_set { "set" } else { "not set" }
    )
}
