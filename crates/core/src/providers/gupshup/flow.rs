//! Gupshup Tech Partner linking (seed 002): link the app the customer's Embedded Signup made,
//! fetch its app token, follow the pipeline, and once the live event has come, subscribe to the
//! app's events and create the account.
//!
//! The partner token lasts 24 hours; when Gupshup refuses it the link says so with the next step
//! and waits a minute before asking again, never looping. The pipeline is asked at most once a
//! second, backing off to 30 s while nothing changes (seed 002: 10 requests per second).

use std::sync::Arc;

use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use ts_rs::TS;

use super::linking::{GupshupLinkView, GupshupStage, NewLink};
use super::partner_api::PartnerApi;
use super::{HOOK_PATH, HOOK_SECRET_HEADER, SANDBOX_PATH};
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::chatarchitect::embedded_sandbox::SandboxHost;
use crate::providers::fields::phone;
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::{now_ms, Store};

/// What the UI or CLI gives to link an app (seed 002 step 1).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct StartLink {
    /// The Gupshup app's name: 6–150 letters and digits, unique across Gupshup.
    pub app_name: String,
    /// The live WABA the customer's Embedded Signup created.
    pub waba_id: String,
    /// The number to link with it.
    pub phone: String,
}

/// Gupshup links of one install.
#[derive(Debug)]
pub struct GupshupLinks {
    store: Arc<Store>,
    sandbox: Arc<SandboxHost>,
}

#[derive(Deserialize)]
struct Login {
    token: Secret,
}

/// Checks an app name as seed 002 states it: 6 to 150 characters, no special characters (read
/// here as: ASCII letters and digits only).
pub fn check_app_name(name: &str) -> Result<String> {
    let name = name.trim();
    let len = name.chars().count();
    if !(6..=150).contains(&len) {
        return Err(Error::Field("app_name".into(), "App name should be between 6 to 150 characters in length".into()));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::Field(
            "app_name".into(),
            "Invalid characters used in app name: letters and digits only (no spaces or symbols)".into(),
        ));
    }
    Ok(name.to_owned())
}

impl GupshupLinks {
    /// The flow over `store`, sharing the embedded sandbox.
    pub fn new(store: Arc<Store>, sandbox: Arc<SandboxHost>) -> GupshupLinks {
        GupshupLinks { store, sandbox }
    }

    /// `(mode, partner URL, partner token)` links use now. The sandbox's token comes from its
    /// partner login with the install's sandbox token.
    async fn partner(&self) -> Result<(&'static str, String, Secret)> {
        let (mode, url, token, _) = self.store.gupshup_partner()?;
        if mode != "sandbox" {
            let token = token.ok_or_else(|| {
                Error::InvalidInput("no Gupshup partner token: enter it in Settings → Gupshup first".into())
            })?;
            return Ok(("partner", url.unwrap_or_else(|| ProviderKind::Gupshup.default_base_url().into()), token));
        }
        let base = format!("{}{SANDBOX_PATH}", self.sandbox.url().await?.trim_end_matches('/'));
        let password = self.store.registration_settings_full()?.sandbox_token;
        let login: Login = reqwest::Client::new()
            .post(format!("{base}/partner/account/login"))
            .form(&[("email", "sandbox@wadesk.invalid"), ("password", password.expose())])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| {
                Error::Internal(format!("the embedded Gupshup sandbox: {}", crate::providers::http::root(&e)))
            })?
            .json()
            .await
            .map_err(|e| Error::Internal(format!("the embedded Gupshup sandbox: {e}")))?;
        Ok(("sandbox", base, login.token))
    }

    /// Step 1 and 2: links the app (nothing is recorded if Gupshup refuses) and fetches its token.
    pub async fn link(&self, input: StartLink) -> Result<GupshupLinkView> {
        let app_name = check_app_name(&input.app_name)?;
        let waba_id = input.waba_id.trim();
        if !(5..=30).contains(&waba_id.len()) || !waba_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Field(
                "waba_id".into(),
                "the live WABA ID: digits, as Meta's signup reported it".into(),
            ));
        }
        let phone = phone(&serde_json::Value::String(input.phone.clone())).ok_or_else(|| {
            Error::Field("phone".into(), "the number in international format, such as +91 98765 43210".into())
        })?;
        let channel = self.store.relay_channel()?.ok_or_else(|| {
            Error::Relay("the relay is not set up yet, so Gupshup's events would have nowhere to go".into())
        })?;
        let (mode, url, token) = self.partner().await?;
        let id = uuid::Uuid::new_v4().to_string();
        let secret = Secret::new(Alphanumeric.sample_string(&mut rand::rng(), 40));
        let callback = Secret::new(format!("{}{HOOK_PATH}{id}/{}", channel.hook_url.expose(), secret.expose()));
        let api = PartnerApi::new(&url)?;
        let app_id = api.link_app(&token, &app_name, waba_id, &phone, callback.expose()).await?;
        if !super::valid_id(&app_id) {
            return Err(Error::Provider(ProviderFailure::BadAnswer, "link app: Gupshup's appId is not an id".into()));
        }
        self.store.insert_gupshup_link(&NewLink {
            id: &id,
            mode,
            partner_url: &url,
            app_name: &app_name,
            waba_id,
            phone: &phone,
            app_id: &app_id,
            hook_secret: &secret,
        })?;
        self.fetch_token(&api, &token, &id, &app_id).await;
        self.store.gupshup_link(&id)
    }

    /// Step 2, kept as the link's error when it fails (asked again on the next follow).
    async fn fetch_token(&self, api: &PartnerApi, partner_token: &Secret, id: &str, app_id: &str) -> bool {
        match api.app_token(partner_token, app_id).await {
            Ok(t) => self.store.set_gupshup_app_token(id, &t).is_ok(),
            Err(e) => {
                let wait = if matches!(e, Error::Provider(ProviderFailure::Unauthorized, _)) { 60_000 } else { 5_000 };
                let _ = self.store.record_gupshup_error(id, &e.to_string(), wait);
                false
            }
        }
    }

    /// Where the link stands: asks the pipeline when it is time to, and once live, subscribes and
    /// creates the account. Gupshup's refusals are the view's `last_error`, not an error.
    pub async fn follow(&self, id: &str) -> Result<GupshupLinkView> {
        let view = self.store.gupshup_link(id)?;
        match view.stage {
            GupshupStage::Connected => return Ok(view),
            GupshupStage::Live => return self.connect(id, &view).await,
            _ if now_ms() < view.next_poll_at => return Ok(view),
            _ => {}
        }
        let (url, app_token, _) = self.store.gupshup_link_access(id)?;
        let api = PartnerApi::new(&url)?;
        let app_token = match app_token {
            Some(t) => t,
            None => {
                let (_, _, partner_token) = self.partner().await?;
                if !self.fetch_token(&api, &partner_token, id, &view.app_id).await {
                    return self.store.gupshup_link(id);
                }
                self.store.gupshup_link_access(id)?.1.ok_or_else(|| Error::Internal("app token vanished".into()))?
            }
        };
        match api.pipeline(&app_token, &view.app_id).await {
            Ok(p) => self.store.record_gupshup_pipeline(id, &p)?,
            Err(e) => self.store.record_gupshup_error(id, &e.to_string(), 5_000)?,
        }
        self.store.gupshup_link(id)
    }

    /// Step 4 (seed 002: only after the live event): a v3 subscription carrying the link's
    /// secret in `meta.headers`, then the account.
    async fn connect(&self, id: &str, view: &GupshupLinkView) -> Result<GupshupLinkView> {
        let (url, app_token, secret) = self.store.gupshup_link_access(id)?;
        let app_token = app_token.ok_or_else(|| Error::Internal("a live Gupshup link without its app token".into()))?;
        let channel = self.store.relay_channel()?.ok_or_else(|| Error::Relay("the relay is not set up yet".into()))?;
        let hook = Secret::new(format!("{}{HOOK_PATH}{id}", channel.hook_url.expose()));
        let mut headers = serde_json::Map::new();
        headers.insert(HOOK_SECRET_HEADER.into(), secret.expose().into());
        let tag = super::messaging::subscription_tag(hook.expose());
        let api = PartnerApi::new(&url)?;
        match api.subscribe(&app_token, &view.app_id, &tag, hook.expose(), &headers).await {
            Ok(subscription) => {
                self.store.complete_gupshup_link(id, &subscription)?;
                self.store.set_business_number(id, &view.phone)?;
                self.store.record_credential_check(
                    id,
                    Some(true),
                    "Gupshup accepted the app token and the subscription.",
                )?;
            }
            Err(e) => self.store.record_gupshup_error(id, &e.to_string(), 5_000)?,
        }
        self.store.gupshup_link(id)
    }
}
