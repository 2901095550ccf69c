//! Tauri commands of 360dialog's onboarding in "Connect a number" (seed 003, self-hosted
//! Embedded Signup) and its settings.
//!
//! Thin: each calls one core function. The partner key goes in once (`d360_use_partner`) and
//! never comes back; the channel's key never leaves the core. The host page's `postMessage` is
//! passed on with its origin, which the core checks again with the onboarding's state.

use std::sync::Arc;

use tauri::{AppHandle, State};
use wadesk_core::providers::d360::settings::{D360PartnerInput, D360SettingsView};
use wadesk_core::providers::d360::{D360OnboardingView, D360Onboardings, StartD360};
use wadesk_core::{ApiError, Error};

use crate::commands::AppState;
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// The onboarding flow of the unlocked store (sharing the embedded sandbox with registration).
#[derive(Default)]
pub struct D360State {
    flow: tokio::sync::Mutex<Option<Arc<D360Onboardings>>>,
}

impl D360State {
    async fn flow(&self, app: &AppState, registration: &RegistrationState) -> CmdResult<Arc<D360Onboardings>> {
        let mut flow = self.flow.lock().await;
        if let Some(f) = &*flow {
            return Ok(f.clone());
        }
        let sandbox = registration.flow(app).await?.sandbox_host();
        let f = Arc::new(D360Onboardings::new(app.store()?, sandbox));
        *flow = Some(f.clone());
        Ok(f)
    }
}

/// Lets the host page open the simulated signup's popup (sandbox mode); Meta's own is always allowed.
async fn allow_signup_popup(flow: &D360Onboardings, registration: &RegistrationState) -> CmdResult<()> {
    if let Some(origin) = flow.signup_origin().await? {
        registration.allow_popups_from(&origin);
    }
    Ok(())
}

/// Creates or reuses the client and starts an onboarding; the UI frames the view's `host_url`.
#[tauri::command]
pub async fn d360_start(
    input: StartD360,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, D360State>,
) -> CmdResult<D360OnboardingView> {
    let flow = state.flow(&app, &registration).await?;
    let view = flow.start(input).await?;
    allow_signup_popup(&flow, &registration).await?;
    Ok(view)
}

/// The host page's message (Meta's result): a finished signup is submitted to 360dialog.
#[tauri::command]
pub async fn d360_signup(
    id: String,
    origin: String,
    data: serde_json::Value,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, D360State>,
) -> CmdResult<D360OnboardingView> {
    Ok(state.flow(&app, &registration).await?.signup(&id, &origin, &data).await?)
}

/// Where the onboarding stands; once the channel is live, its key and the account are made.
#[tauri::command]
pub async fn d360_follow(
    id: String,
    handle: AppHandle,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, D360State>,
) -> CmdResult<D360OnboardingView> {
    let view = state.flow(&app, &registration).await?.follow(&id).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// A new signup after a cancel or an error, or the submission again after a refusal.
#[tauri::command]
pub async fn d360_retry(
    id: String,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, D360State>,
) -> CmdResult<D360OnboardingView> {
    let flow = state.flow(&app, &registration).await?;
    let view = flow.retry(&id).await?;
    allow_signup_popup(&flow, &registration).await?;
    Ok(view)
}

/// Where 360dialog onboardings go (masked).
#[tauri::command]
pub async fn d360_settings(app: State<'_, AppState>) -> CmdResult<D360SettingsView> {
    Ok(app.store()?.d360_settings()?)
}

/// Uses 360dialog's Partner Hub with these settings (the key stored encrypted, never returned).
#[tauri::command]
pub async fn d360_use_partner(input: D360PartnerInput, app: State<'_, AppState>) -> CmdResult<D360SettingsView> {
    let store = app.store()?;
    Ok(tauri::async_runtime::spawn_blocking(move || store.use_d360_partner(&input))
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))??)
}

/// Uses the embedded sandbox again.
#[tauri::command]
pub async fn d360_use_sandbox(app: State<'_, AppState>) -> CmdResult<D360SettingsView> {
    Ok(app.store()?.use_d360_sandbox()?)
}
