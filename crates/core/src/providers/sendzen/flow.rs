//! The SendZen onboarding flow (seed 001): onboard, hand out a loadable iframe URL, take the
//! result, and finish the account.
//!
//! The desktop is the partner backend: it calls `POST /v1/partner/onboard` with the partner key,
//! gives this install's relay hook for the customer as `client_webhook_url`, and keeps the
//! customer's `api_key`. The iframe URL lasts an hour; [`SendzenOnboardings::iframe`] hands out one
//! that works (fetching a new one when it expired or does not load), so the customer keeps their
//! place in the app. The result is trusted from the webhook or from `GET /v1/waba`; the iframe's
//! message only triggers that check.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use ts_rs::TS;

use super::api::{Onboard, SendzenApi};
use super::onboarding::{valid_id, Completion, NewOnboarding, OnboardingStatus, OnboardingView, ResultBody};
use super::SANDBOX_PATH;
use crate::error::{Error, ProviderFailure, Result};
use crate::messaging::SZ_HOOK_PATH;
use crate::providers::chatarchitect::embedded_sandbox::SandboxHost;
use crate::providers::chatarchitect::registration::origin_of;
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::{now_ms, Store};

/// An iframe URL this close to its end is replaced before it is handed out.
const IFRAME_MARGIN_MS: i64 = 5 * 60_000;

/// What the UI or CLI asks for when starting an onboarding.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct StartOnboarding {
    /// An existing SendZen account to onboard again (its key is replaced on completion).
    #[ts(optional)]
    pub account_id: Option<String>,
}

/// SendZen onboardings of one install.
#[derive(Debug)]
pub struct SendzenOnboardings {
    store: Arc<Store>,
    sandbox: Arc<SandboxHost>,
}

impl SendzenOnboardings {
    /// The flow over `store`, sharing the embedded sandbox.
    pub fn new(store: Arc<Store>, sandbox: Arc<SandboxHost>) -> SendzenOnboardings {
        SendzenOnboardings { store, sandbox }
    }

    /// The endpoint onboardings use now, its mode and the partner key.
    async fn partner(&self) -> Result<(&'static str, String, Secret)> {
        let (mode, base_url, key) = self.store.sendzen_partner_settings()?;
        if mode == "sandbox" {
            let url = format!("{}{SANDBOX_PATH}", self.sandbox.url().await?.trim_end_matches('/'));
            return Ok(("sandbox", url, self.store.registration_settings_full()?.sandbox_token));
        }
        let key = key.ok_or_else(|| {
            Error::InvalidInput("no SendZen partner API key: enter it in Settings → SendZen first".into())
        })?;
        Ok(("partner", base_url.unwrap_or_else(|| ProviderKind::Sendzen.default_base_url().to_owned()), key))
    }

    /// Onboards a customer (a new account, or `account_id` again) and records it.
    pub async fn start(&self, opts: StartOnboarding) -> Result<OnboardingView> {
        let client_identifier = match &opts.account_id {
            Some(id) => {
                let account = self.store.account(id)?;
                if account.provider != ProviderKind::Sendzen {
                    return Err(Error::InvalidInput(format!("account {id} is not a SendZen account")));
                }
                account.id
            }
            None => uuid::Uuid::new_v4().to_string(),
        };
        self.onboard(&client_identifier).await
    }

    /// `POST /v1/partner/onboard` for `client_identifier` (a start, a retry or a fresh iframe).
    async fn onboard(&self, client_identifier: &str) -> Result<OnboardingView> {
        let channel = self.store.relay_channel()?.ok_or_else(|| {
            Error::Relay("the relay is not set up yet, so SendZen's result would have nowhere to go".into())
        })?;
        let hook = Secret::new(format!("{}{SZ_HOOK_PATH}{client_identifier}", channel.hook_url.expose()));
        let (mode, base_url, key) = self.partner().await?;
        let api = SendzenApi::new(&base_url)?;
        let answer = api.onboard(&key, &Onboard { client_identifier, client_webhook_url: hook.expose() }).await?;
        check_answer(&answer.iframe_url, &answer.user_data.project_id, &answer.user_data.api_key)?;
        let webhook = answer.webhook.unwrap_or(super::api::WebhookCheck { valid: false, detail: None });
        let detail = webhook.detail.map(|d| crate::providers::fields::one_line(&d, 300));
        self.store.upsert_sendzen_onboarding(&NewOnboarding {
            client_identifier,
            mode,
            base_url: &base_url,
            project_id: &answer.user_data.project_id,
            project_name: answer.user_data.project_name.as_deref(),
            api_key: &answer.user_data.api_key,
            iframe_url: &answer.iframe_url,
            webhook_valid: webhook.valid,
            webhook_detail: detail.as_deref(),
        })?;
        self.store.sendzen_onboarding(client_identifier)
    }

    /// The onboarding with an iframe URL that loads: a new one when the current one expired, is
    /// about to, or does not answer 2xx when fetched from here.
    pub async fn iframe(&self, client_identifier: &str) -> Result<OnboardingView> {
        let view = self.store.sendzen_onboarding(client_identifier)?;
        if view.status == OnboardingStatus::Completed {
            return Ok(view);
        }
        let fresh = view.iframe_expires_at - now_ms() > IFRAME_MARGIN_MS;
        if fresh && loads(&view.iframe_url).await? {
            return Ok(view);
        }
        tracing::info!(onboarding = %client_identifier, "the SendZen iframe URL expired or does not load; fetching a new one");
        self.onboard(client_identifier).await
    }

    /// The iframe's `postMessage` (from `origin`): a hint. A completion is confirmed with
    /// `GET /v1/waba` before anything changes; a failure is recorded as SendZen worded it.
    pub async fn report(
        &self,
        client_identifier: &str,
        origin: &str,
        data: &serde_json::Value,
    ) -> Result<OnboardingView> {
        let view = self.store.sendzen_onboarding(client_identifier)?;
        if origin != view.iframe_origin {
            return Err(Error::InvalidInput(format!(
                "a message from {origin:?} is not from SendZen's onboarding page"
            )));
        }
        let r: ResultBody = serde_json::from_value(data.clone()).map_err(|e| {
            Error::InvalidInput(format!("the onboarding page's message does not fit SendZen's result: {e}"))
        })?;
        if r.client_identifier != client_identifier || r.project_id != view.project_id {
            return Err(Error::InvalidInput("the onboarding page's message is about another onboarding".into()));
        }
        match r.status.as_str() {
            "completed" => self.check(client_identifier).await,
            "failed" => {
                let message = r.message.unwrap_or_else(|| "SendZen gave no reason".into());
                self.store.fail_sendzen_onboarding(client_identifier, &message)?;
                self.store.sendzen_onboarding(client_identifier)
            }
            other => Err(Error::InvalidInput(format!("unknown onboarding status {other:?}"))),
        }
    }

    /// Asks SendZen whether the customer's number is connected (`GET /v1/waba` with their key),
    /// completes the onboarding if it is, and gives the account its sending number.
    pub async fn check(&self, client_identifier: &str) -> Result<OnboardingView> {
        let (base_url, key) = self.store.sendzen_onboarding_access(client_identifier)?;
        let wabas = SendzenApi::new(&base_url)?.wabas(&key).await?;
        let view = self.store.sendzen_onboarding(client_identifier)?;
        let wanted = view.phone_number_id.as_deref();
        let found = wabas
            .iter()
            .filter(|w| valid_id(&w.waba_id))
            .find(|w| wanted.is_none() || w.phone_number_id.as_deref() == wanted);
        let Some(waba) = found else { return Ok(view) };
        self.store.complete_sendzen_onboarding(&Completion {
            client_identifier,
            waba_id: &waba.waba_id,
            phone_number_id: waba.phone_number_id.as_deref().filter(|p| valid_id(p)),
            via: if view.status == OnboardingStatus::Completed {
                view.completed_via.as_deref().unwrap_or("check")
            } else {
                "check"
            },
        })?;
        // SendZen just answered `GET /v1/waba` with this key: the account's credentials work.
        self.store.record_credential_check(
            client_identifier,
            Some(true),
            "SendZen accepted the API key and lists the number.",
        )?;
        if self.store.business_number(client_identifier)?.is_none() {
            if let Some(number) = waba.phone_number.as_deref() {
                let digits = self.store.set_business_number(client_identifier, number)?;
                if self.store.account(client_identifier)?.display_name == super::onboarding::DEFAULT_NAME {
                    self.store.rename_account(client_identifier, &format!("SendZen +{digits}"))?;
                }
            }
        }
        self.store.sendzen_onboarding(client_identifier)
    }

    /// Where the onboarding stands; once completed (by the webhook, say) and the account has no
    /// sending number yet, it is looked up.
    pub async fn follow(&self, client_identifier: &str) -> Result<OnboardingView> {
        let view = self.store.sendzen_onboarding(client_identifier)?;
        if view.status == OnboardingStatus::Completed && self.store.business_number(client_identifier)?.is_none() {
            return self.check(client_identifier).await;
        }
        Ok(view)
    }
}

/// What the webview may load and what the core will keep, from SendZen's answer.
fn check_answer(iframe_url: &str, project_id: &str, api_key: &Secret) -> Result<()> {
    let url = url::Url::parse(iframe_url).ok();
    let loopback = url.as_ref().and_then(|u| u.host_str()).is_some_and(|h| h == "127.0.0.1" || h == "localhost");
    let scheme_ok = url.as_ref().is_some_and(|u| u.scheme() == "https" || (u.scheme() == "http" && loopback));
    if !scheme_ok || origin_of(iframe_url).is_none() {
        return Err(Error::Provider(
            ProviderFailure::BadAnswer,
            "onboard: SendZen's iframe_url is not an https URL".into(),
        ));
    }
    if !valid_id(project_id) {
        return Err(Error::Provider(ProviderFailure::BadAnswer, "onboard: SendZen's project_id is not an id".into()));
    }
    let key = api_key.expose();
    if key.is_empty() || key.len() > 256 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Provider(
            ProviderFailure::BadAnswer,
            "onboard: SendZen's user_data.api_key is not a key".into(),
        ));
    }
    Ok(())
}

/// Whether `url` answers 2xx to a GET from here; an unreachable page is an error to show.
async fn loads(url: &str) -> Result<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
    match client.get(url).send().await {
        Ok(res) => Ok(res.status().is_success()),
        Err(e) => Err(Error::Provider(
            ProviderFailure::Unreachable,
            format!("SendZen's onboarding page cannot be reached: {}", crate::providers::http::root(&e)),
        )),
    }
}
