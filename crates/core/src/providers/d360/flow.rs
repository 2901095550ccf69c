//! The 360dialog onboarding flow (seed 003, self-hosted Embedded Signup): create or reuse the
//! client, hand out the Embedded Signup host page, submit the number Meta's signup created,
//! follow 360dialog's stages, and once the channel is live create its API key and the account.
//!
//! The desktop is the partner backend. Meta's flow needs an https page on a domain allowed in the
//! partner's Meta app, so it runs in a host page the relay serves (`/embed/meta-signup`, README:
//! "Connecting a number through 360dialog"); in sandbox mode the same page opens the sandbox's
//! simulated signup instead of Meta's SDK.

use std::sync::Arc;

use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use serde_json::json;
use ts_rs::TS;

use super::hub::{Channel, HubApi, NewClient, SubmitNumber};
use super::onboarding::{D360Completion, D360OnboardingView, D360Stage, NewD360};
use super::partner_events::PARTNER_HOOK_SUFFIX;
use super::settings::{checked_tier, valid_id, D360Partner};
use super::signup::{self, SignupEvent};
use super::{SANDBOX_HUB_PATH, SANDBOX_MESSAGING_PATH, SANDBOX_SIGNUP_PATH};
use crate::error::{Error, Result};
use crate::providers::chatarchitect::embedded_sandbox::SandboxHost;
use crate::providers::chatarchitect::registration::origin_of;
use crate::providers::fields::one_line;
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::Store;

/// The relay's Embedded Signup host page.
pub const HOST_PAGE_PATH: &str = "/embed/meta-signup";

/// What the UI or CLI asks for when starting an onboarding (seed 003 step 1's fields).
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct StartD360 {
    /// The business (the client's `name`).
    pub name: String,
    /// The client user's email.
    pub email: String,
    /// The client user's name.
    pub user_name: String,
    /// The pricing tier; the settings' default when absent.
    #[ts(optional)]
    pub tier: Option<String>,
    /// An existing 360dialog account to connect again.
    #[ts(optional)]
    pub account_id: Option<String>,
}

/// 360dialog onboardings of one install.
#[derive(Debug)]
pub struct D360Onboardings {
    store: Arc<Store>,
    sandbox: Arc<SandboxHost>,
}

/// The sandbox's partner identity (`GET /d360/_sandbox/partner`).
#[derive(Deserialize)]
struct SandboxPartner {
    partner_id: String,
    solution_id: String,
    meta_app_id: String,
    meta_config_id: String,
}

impl D360Onboardings {
    /// The flow over `store`, sharing the embedded sandbox.
    pub fn new(store: Arc<Store>, sandbox: Arc<SandboxHost>) -> D360Onboardings {
        D360Onboardings { store, sandbox }
    }

    /// The partner settings onboardings use now, their mode, and (sandbox) the signup page.
    async fn partner(&self) -> Result<(&'static str, D360Partner, Option<String>)> {
        let row = self.store.d360_row()?;
        if row.mode != "sandbox" {
            return Ok(("partner", row.partner()?, None));
        }
        let url = self.sandbox.url().await?.trim_end_matches('/').to_owned();
        let key = self.store.registration_settings_full()?.sandbox_token;
        let ids: SandboxPartner = reqwest::Client::new()
            .get(format!("{url}/d360/_sandbox/partner"))
            .header("X-API-Key", key.expose())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| {
                Error::Internal(format!("the embedded 360dialog sandbox: {}", crate::providers::http::root(&e)))
            })?
            .json()
            .await
            .map_err(|e| Error::Internal(format!("the embedded 360dialog sandbox: {e}")))?;
        let partner = D360Partner {
            hub_url: format!("{url}{SANDBOX_HUB_PATH}"),
            messaging_url: format!("{url}{SANDBOX_MESSAGING_PATH}"),
            partner_id: ids.partner_id,
            partner_key: key,
            solution_id: ids.solution_id,
            default_tier: row.default_tier,
            meta_app_id: ids.meta_app_id,
            meta_config_id: ids.meta_config_id,
            route_partner_events: true,
        };
        Ok(("sandbox", partner, Some(format!("{url}{SANDBOX_SIGNUP_PATH}"))))
    }

    /// The partner an existing onboarding runs under (its hub and key).
    async fn partner_of(&self, id: &str) -> Result<D360Partner> {
        let (_, partner, _) = self.partner().await?;
        let wanted = self.store.d360_onboarding_partner(id)?;
        if partner.partner_id != wanted {
            return Err(Error::InvalidInput(format!(
                "onboarding {id} was started under another 360dialog partner; switch the settings back to finish it"
            )));
        }
        Ok(partner)
    }

    /// The origin the simulated signup popup comes from (sandbox mode), for the window's popup rule.
    pub async fn signup_origin(&self) -> Result<Option<String>> {
        if self.store.d360_row()?.mode != "sandbox" {
            return Ok(None);
        }
        Ok(origin_of(&self.sandbox.url().await?))
    }

    /// Step 1 and 2: the client (created once per email and kept), the partner webhook pointed
    /// here when the settings say so, and a new onboarding with its host page.
    pub async fn start(&self, input: StartD360) -> Result<D360OnboardingView> {
        let name = one_line_field("name", "the business name", &input.name)?;
        let user_name = one_line_field("user_name", "your name", &input.user_name)?;
        let email = input.email.trim().to_ascii_lowercase();
        if email.len() > 254
            || email.split('@').count() != 2
            || email.starts_with('@')
            || email.ends_with('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::Field("email".into(), "an email address such as owner@example.com".into()));
        }
        let id = self.onboarding_id(input.account_id.as_deref())?;
        let (mode, partner, signup_page) = self.partner().await?;
        let tier = match &input.tier {
            Some(t) => checked_tier(t)?,
            None => partner.default_tier.clone(),
        };
        let hub = HubApi::new(&partner.hub_url, &partner.partner_id)?;
        let client_id = match self.store.d360_client(&partner.partner_id, &email)? {
            Some(c) => c,
            None => {
                let client = hub
                    .create_client(
                        &partner.partner_key,
                        &NewClient { name: &name, email: &email, user_name: &user_name },
                    )
                    .await?;
                if !valid_id(&client.id) {
                    return Err(Error::Provider(
                        crate::error::ProviderFailure::BadAnswer,
                        "create client: 360dialog's client id is not an id".into(),
                    ));
                }
                self.store.keep_d360_client(&partner.partner_id, &email, &client.id)?;
                client.id
            }
        };
        if partner.route_partner_events {
            self.route_partner_events(&hub, &partner.partner_key).await;
        }
        let state = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let host_url = self.host_url(&partner, signup_page.as_deref(), &state)?;
        self.store.insert_d360_onboarding(&NewD360 {
            id: &id,
            mode,
            partner_id: &partner.partner_id,
            client_id: &client_id,
            client_name: &name,
            tier: &tier,
            state: &state,
            host_url: &host_url,
        })?;
        self.store.d360_onboarding(&id)
    }

    /// The id a new onboarding gets: a fresh one, or an existing 360dialog account's (whose
    /// earlier onboarding row makes way, unless 360dialog is still working on it).
    fn onboarding_id(&self, account_id: Option<&str>) -> Result<String> {
        let Some(id) = account_id else { return Ok(uuid::Uuid::new_v4().to_string()) };
        let account = self.store.account(id)?;
        if account.provider != ProviderKind::D360 {
            return Err(Error::InvalidInput(format!("account {id} is not a 360dialog account")));
        }
        if let Ok(old) = self.store.d360_onboarding(id) {
            if old.stage.following() {
                return Err(Error::InvalidInput(format!(
                    "360dialog is still setting up this number ({}); wait for it to finish",
                    old.stage.as_str()
                )));
            }
            self.store.conn()?.execute("DELETE FROM d360_onboardings WHERE id = ?1", [id])?;
        }
        Ok(account.id)
    }

    /// Points the partner webhook URL at this install's relay if it is not already. A failure is
    /// logged and the onboarding goes on: the channel list reaches the same stages.
    async fn route_partner_events(&self, hub: &HubApi, key: &Secret) {
        let Ok(Some(channel)) = self.store.relay_channel() else { return };
        let ours = format!("{}{PARTNER_HOOK_SUFFIX}", channel.hook_url.expose());
        let result = match hub.webhook_url(key).await {
            Ok(Some(current)) if current == ours => Ok(()),
            Ok(_) => hub.set_webhook_url(key, &ours).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not point 360dialog's partner webhook here; following the channel list instead");
        }
    }

    /// The host page URL: everything it needs travels in the fragment, which no server sees.
    fn host_url(&self, partner: &D360Partner, signup_page: Option<&str>, state: &str) -> Result<String> {
        let channel = self.store.relay_channel()?.ok_or_else(|| {
            Error::Relay("the relay is not set up yet, so the signup page has nowhere to be served from".into())
        })?;
        let origin = origin_of(&channel.relay_url)
            .ok_or_else(|| Error::Relay("the relay's URL has no origin for the signup page".into()))?;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let fragment = match signup_page {
            Some(page) => {
                let signup =
                    format!("{page}?app_id={}&config_id={}", enc(&partner.meta_app_id), enc(&partner.meta_config_id));
                format!("state={state}&mode=sandbox&signup={}", enc(&signup))
            }
            None => format!(
                "state={state}&mode=facebook&app_id={}&config_id={}",
                enc(&partner.meta_app_id),
                enc(&partner.meta_config_id)
            ),
        };
        Ok(format!("{origin}{HOST_PAGE_PATH}#{fragment}"))
    }

    /// After a cancelled or failed signup, a new host page; after a refused submission, submits
    /// again.
    pub async fn retry(&self, id: &str) -> Result<D360OnboardingView> {
        let view = self.store.d360_onboarding(id)?;
        if view.stage == D360Stage::SubmitFailed {
            return self.submit(id).await;
        }
        if !view.stage.restartable() {
            return Err(Error::InvalidInput(format!("nothing to retry: the onboarding is at {}", view.stage.as_str())));
        }
        let (_, partner, signup_page) = self.partner().await?;
        let state = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let host_url = self.host_url(&partner, signup_page.as_deref(), &state)?;
        self.store.restart_d360_signup(id, &state, &host_url)?;
        self.store.d360_onboarding(id)
    }

    /// The host page's message (from `origin`): Meta's result. A finished signup is submitted to
    /// 360dialog at once, which decides whether the WABA is the partner's to submit.
    pub async fn signup(&self, id: &str, origin: &str, data: &serde_json::Value) -> Result<D360OnboardingView> {
        let view = self.store.d360_onboarding(id)?;
        if origin != view.host_origin {
            return Err(Error::InvalidInput(format!("a message from {origin:?} is not from the signup host page")));
        }
        if !view.stage.restartable() && view.stage != D360Stage::SubmitFailed {
            return Ok(view);
        }
        match signup::read(data, &view.state)? {
            SignupEvent::Finish { waba_id, phone_number_id, business_id } => {
                self.submit_waba(id, &waba_id, phone_number_id.as_deref(), business_id.as_deref()).await
            }
            SignupEvent::Cancel { current_step } => {
                let step = current_step.unwrap_or_else(|| "an unknown step".into());
                self.store.record_d360_signup(id, D360Stage::Cancelled, Some(&step), None)?;
                self.store.d360_onboarding(id)
            }
            SignupEvent::Error { message, code } => {
                let words = match (message, code) {
                    (Some(m), Some(c)) => format!("{m} (code {c})"),
                    (Some(m), None) => m,
                    (None, Some(c)) => format!("Meta's signup failed with code {c}"),
                    (None, None) => "Meta's signup failed without a reason".into(),
                };
                self.store.record_d360_signup(id, D360Stage::SignupError, Some(&words), None)?;
                self.store.d360_onboarding(id)
            }
        }
    }

    /// Records a WABA the signup created and submits it (also the CLI's way in, for a WABA from
    /// the partner's own signup page).
    pub async fn submit_waba(
        &self,
        id: &str,
        waba_id: &str,
        phone_number_id: Option<&str>,
        business_id: Option<&str>,
    ) -> Result<D360OnboardingView> {
        let ok = |s: &str| valid_id(s) && s.len() <= 64;
        if !ok(waba_id) || !phone_number_id.is_none_or(ok) || !business_id.is_none_or(ok) {
            return Err(Error::Field("waba_id".into(), "Meta ids are digits, as the signup reported them".into()));
        }
        let view = self.store.d360_onboarding(id)?;
        if !view.stage.restartable() && view.stage != D360Stage::SubmitFailed {
            return Ok(view);
        }
        self.store.record_d360_signup(id, D360Stage::Signup, None, Some((waba_id, phone_number_id, business_id)))?;
        self.submit(id).await
    }

    /// Step 3: `POST …/account_sharing/numbers`. A refusal is the onboarding's stage (with
    /// 360dialog's words and the next step), not an error, so the panel can offer a retry.
    async fn submit(&self, id: &str) -> Result<D360OnboardingView> {
        let (waba, business, client_id, tier) = self.store.d360_submission(id)?;
        let waba =
            waba.ok_or_else(|| Error::InvalidInput("no WABA to submit yet: finish Meta's signup first".into()))?;
        let partner = self.partner_of(id).await?;
        let hub = HubApi::new(&partner.hub_url, &partner.partner_id)?;
        let body = SubmitNumber {
            solution_id: &partner.solution_id,
            waba_external_id: &waba,
            waba_business_id: business.as_deref(),
            client_id: &client_id,
            tier: &tier,
        };
        match hub.submit_number(&partner.partner_key, &body).await {
            Ok(_) => self.store.record_d360_signup(id, D360Stage::Submitted, None, None)?,
            Err(e @ Error::Provider(..)) => {
                self.store.record_d360_signup(id, D360Stage::SubmitFailed, Some(&e.to_string()), None)?
            }
            Err(e) => return Err(e),
        }
        self.store.d360_onboarding(id)
    }

    /// Where the onboarding stands: while 360dialog works on the number, its channel is looked
    /// up; once live, step 4 makes the API key and the account.
    pub async fn follow(&self, id: &str) -> Result<D360OnboardingView> {
        let view = self.store.d360_onboarding(id)?;
        if !view.stage.following() {
            return Ok(view);
        }
        let partner = self.partner_of(id).await?;
        let hub = HubApi::new(&partner.hub_url, &partner.partner_id)?;
        let filters = match &view.channel_id {
            Some(ch) => json!({ "id": ch }),
            None => json!({ "waba_external_id": view.waba_id }),
        };
        let channels = hub.channels(&partner.partner_key, &filters).await?;
        let Some(channel) = channels.into_iter().find(|c| matches(c, &view)) else { return Ok(view) };
        let stage = channel.status.as_deref().and_then(D360Stage::of_channel_word);
        let phone = channel.setup_info.as_ref().and_then(|s| s.phone_number.clone());
        let phone = phone.filter(|p| !p.is_empty() && p.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()));
        self.store.advance_d360(id, stage.unwrap_or(D360Stage::Submitted), Some(&channel.id), phone.as_deref())?;
        if stage == Some(D360Stage::ChannelLive) {
            return self.connect(id, &hub, &partner, &channel.id, phone.as_deref()).await;
        }
        self.store.d360_onboarding(id)
    }

    /// Step 4: the channel's API key, then the account with its number.
    async fn connect(
        &self,
        id: &str,
        hub: &HubApi,
        partner: &D360Partner,
        channel_id: &str,
        phone: Option<&str>,
    ) -> Result<D360OnboardingView> {
        let api_key = hub.create_api_key(&partner.partner_key, channel_id).await?;
        self.store.complete_d360_onboarding(&D360Completion {
            id,
            channel_id,
            api_key: &api_key,
            messaging_url: &partner.messaging_url,
        })?;
        self.store.record_credential_check(id, Some(true), "360dialog issued this API key for the channel.")?;
        if let Some(number) = phone {
            if self.store.business_number(id)?.is_none() {
                self.store.set_business_number(id, number)?;
            }
        }
        self.store.d360_onboarding(id)
    }
}

/// Whether `c` is the onboarding's channel: by id once known, else by its WABA.
fn matches(c: &Channel, view: &D360OnboardingView) -> bool {
    if !valid_id(&c.id) {
        return false;
    }
    match &view.channel_id {
        Some(ch) => *ch == c.id,
        None => {
            let waba = c.waba_account.as_ref().and_then(|w| w.external_id.as_deref());
            waba.is_some() && waba == view.waba_id.as_deref()
        }
    }
}

fn one_line_field(field: &str, what: &str, raw: &str) -> Result<String> {
    let s = one_line(raw, 201);
    if s.is_empty() || s.chars().count() > 200 {
        return Err(Error::Field(field.into(), format!("{what}: 1 to 200 characters")));
    }
    Ok(s)
}
