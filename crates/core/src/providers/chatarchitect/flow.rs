//! The registration flow: create a session, follow it, fall back to `result`, resend the webhook.
//!
//! The desktop is the partner backend of seed 000: it calls the Partner API, gives the provider
//! this install's relay hook URL as `webhook_url`, and gives the relay's origin (which serves the
//! host page that frames the registration iframe) as `parent_origin`. Credentials arrive through
//! the signed webhook (see `webhook.rs`) or, as a fallback, through the authenticated `result`
//! call; both land through the same idempotent function.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use ts_rs::TS;

use super::embedded_sandbox::SandboxHost;
use super::partner_api::{CreateSession, PartnerApi, RetryOutcome};
use super::registration::{origin_of, Completion, CompletionSource, NewSession, RegistrationStatus, RegistrationView};
use super::settings::{RegistrationMode, RegistrationSettings};
use super::LANGUAGES;
use crate::error::{Error, ProviderFailure, Result};
use crate::input::display_text;
use crate::secret::Secret;
use crate::store::Store;

/// What the UI or CLI asks for when starting a registration.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct StartRegistration {
    /// Page language: de, en, es, pt or ru (default en).
    pub lang: Option<String>,
    /// The integration name shown in the registration (default "Wadesk").
    pub integration: Option<String>,
    /// An existing account whose credentials the registration should replace.
    pub account_id: Option<String>,
}

/// Registration sessions of one install. Holds the embedded sandbox while it is in use.
#[derive(Debug)]
pub struct Registrations {
    store: Arc<Store>,
    sandbox: Arc<SandboxHost>,
}

impl Registrations {
    /// The flow over `store`.
    pub fn new(store: Arc<Store>) -> Registrations {
        let sandbox = SandboxHost::new(store.clone());
        Registrations { store, sandbox }
    }

    /// The embedded sandbox's base URL, starting it if needed (for demos, the CLI and tests).
    pub async fn sandbox_url(&self) -> Result<String> {
        self.sandbox.url().await
    }

    /// The embedded sandbox this flow uses, for messaging to share.
    pub fn sandbox_host(&self) -> Arc<SandboxHost> {
        self.sandbox.clone()
    }

    /// The Partner API of `mode`, with the settings already loaded by the caller.
    async fn api(&self, mode: RegistrationMode, settings: RegistrationSettings) -> Result<PartnerApi> {
        match mode {
            RegistrationMode::Sandbox => {
                let url = self.sandbox.url().await?;
                PartnerApi::new(&url, settings.sandbox_token)
            }
            RegistrationMode::Partner => match (settings.partner_base_url, settings.partner_token) {
                (Some(url), Some(token)) => PartnerApi::new(&url, token),
                _ => Err(Error::InvalidInput(
                    "no ChatArchitect partner settings: enter the registration URL and partner token first".into(),
                )),
            },
        }
    }

    /// The Partner API a recorded session belongs to.
    async fn api_of(&self, id: &str) -> Result<PartnerApi> {
        let mode = self.store.registration_mode(id)?;
        self.api(mode, self.store.registration_settings_full()?).await
    }

    /// Creates a session on the current endpoint and records it.
    pub async fn start(&self, opts: StartRegistration) -> Result<RegistrationView> {
        let lang = opts.lang.as_deref().map(str::trim).filter(|l| !l.is_empty()).unwrap_or("en").to_ascii_lowercase();
        if !LANGUAGES.contains(&lang.as_str()) {
            return Err(Error::InvalidInput(format!("language: {lang:?} is not one of {}", LANGUAGES.join(", "))));
        }
        let integration = match opts.integration.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            Some(name) => display_text("integration name", name, 80)?,
            None => "Wadesk".to_owned(),
        };
        let integration = integration.as_str();
        if let Some(id) = &opts.account_id {
            self.store.account(id)?;
        }
        let channel = self.store.relay_channel()?.ok_or_else(|| {
            Error::Relay("the relay is not set up yet, so the completion webhook would have nowhere to go".into())
        })?;
        let parent_origin = origin_of(&channel.relay_url)
            .ok_or_else(|| Error::Internal(format!("relay URL {} has no origin", channel.relay_url)))?;
        let webhook_url = Secret::new(format!("{}/chatarchitect/registration", channel.hook_url.expose()));
        let partner_state = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let partner_user_id = opts.account_id.clone().unwrap_or_else(|| format!("new-{}", uuid::Uuid::new_v4()));
        let settings = self.store.registration_settings_full()?;
        let mode = settings.mode;
        let api = self.api(mode, settings).await?;
        let created = api
            .create_session(&CreateSession {
                parent_origin: &parent_origin,
                webhook_url: webhook_url.expose(),
                partner_user_id: &partner_user_id,
                partner_state: &partner_state,
                integration,
                lang: &lang,
            })
            .await?;
        check_created(&created.registration_id, &created.iframe_url)?;
        let status = RegistrationStatus::parse(&created.status).unwrap_or(RegistrationStatus::Started);
        self.store.insert_registration(&NewSession {
            registration_id: &created.registration_id,
            mode,
            base_url: api.base_url(),
            parent_origin: &parent_origin,
            partner_state: &partner_state,
            partner_user_id: &partner_user_id,
            integration,
            lang: &lang,
            iframe_url: &created.iframe_url,
            status,
            expires_at: &created.expires_at,
            account_id: opts.account_id.as_deref(),
        })?;
        tracing::info!(registration = %created.registration_id, mode = mode.as_str(), "registration session created");
        self.store.registration(&created.registration_id)
    }

    /// Asks the provider for the session's result (the fallback when the webhook is late or lost)
    /// and stores credentials if it is completed. Idempotent.
    pub async fn refresh(&self, id: &str) -> Result<RegistrationView> {
        let result = match self.api_of(id).await?.result(id).await {
            Ok(r) => r,
            Err(e) => {
                self.store.set_registration_error(id, &e.to_string())?;
                return Err(e);
            }
        };
        let status = parse_status(&result.status)?;
        if status == RegistrationStatus::Completed {
            let (Some(app_id), Some(app_secret)) = (result.app_id, result.app_secret) else {
                return Err(Error::Provider(
                    ProviderFailure::BadAnswer,
                    "result: completed without app_id/app_secret".into(),
                ));
            };
            self.store.complete_registration_from_result(&Completion {
                registration_id: id.to_owned(),
                app_id,
                app_secret,
                phone: result.phone,
                completed_at: result.completed_at,
                source: CompletionSource::Result,
            })?;
        } else {
            self.store.set_registration_status(id, status, None)?;
        }
        self.store.registration(id)
    }

    /// The provider's status of a session without taking credentials from it (records any
    /// in-progress status). For waiting loops that want the webhook to deliver the credentials.
    pub async fn provider_status(&self, id: &str) -> Result<RegistrationStatus> {
        let result = self.api_of(id).await?.result(id).await?;
        let status = parse_status(&result.status)?;
        if status != RegistrationStatus::Completed {
            self.store.set_registration_status(id, status, None)?;
        }
        Ok(status)
    }

    /// Whether the embedded sandbox is served by this process (its sessions end with it).
    pub async fn sandbox_hosted_here(&self) -> bool {
        self.sandbox.hosted_here().await
    }

    /// After the iframe said `completed`: waits up to `wait` for the signed webhook to land, then
    /// falls back to `result`.
    pub async fn confirm_completion(&self, id: &str, wait: Duration) -> Result<RegistrationView> {
        // A wait too long to add to the clock (a caller's `Duration::MAX`) means no deadline.
        let deadline = Instant::now().checked_add(wait);
        loop {
            let view = self.store.registration(id)?;
            if view.status == RegistrationStatus::Completed {
                return Ok(view);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                tracing::info!(registration = %id, "no completion webhook yet; asking the provider for the result");
                return self.refresh(id).await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Asks the provider to send the completion webhook again (409 before completion).
    pub async fn retry_webhook(&self, id: &str) -> Result<RetryOutcome> {
        let outcome = self.api_of(id).await?.retry_webhook(id).await;
        if let Err(e) = &outcome {
            self.store.set_registration_error(id, &e.to_string())?;
        }
        outcome
    }
}

/// A status as `result` spells it; anything else is an answer we cannot use.
fn parse_status(status: &str) -> Result<RegistrationStatus> {
    RegistrationStatus::parse(status)
        .ok_or_else(|| Error::Provider(ProviderFailure::BadAnswer, format!("result: unknown status {status:?}")))
}

/// The provider's answer is external input too: the id goes into URLs and the iframe URL into the
/// window, so both are checked before they are kept.
fn check_created(registration_id: &str, iframe_url: &str) -> Result<()> {
    let bad = |why: String| Error::Provider(ProviderFailure::BadAnswer, format!("create_session: {why}"));
    if registration_id.is_empty()
        || registration_id.len() > 128
        || !registration_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad(format!("unusable registration_id {registration_id:?}")));
    }
    let url = url::Url::parse(iframe_url).map_err(|e| bad(format!("iframe_url: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("iframe_url is not http(s)".into()));
    }
    Ok(())
}
