//! Tauri commands of SendZen's onboarding in "Connect a number" (seed 001) and its settings.
//!
//! Thin: each calls one core function. The partner key goes in once (`sendzen_use_partner`) and
//! never comes back; the customer's key never leaves the core. The iframe's `postMessage` is
//! passed on with its origin, which the core checks again.

use std::sync::Arc;

use tauri::{AppHandle, State};
use wadesk_core::providers::sendzen::settings::SendzenSettingsView;
use wadesk_core::providers::sendzen::{OnboardingView, SendzenOnboardings, StartOnboarding};
use wadesk_core::{ApiError, Error, Secret};

use crate::commands::AppState;
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// The onboarding flow of the unlocked store (sharing the embedded sandbox with registration).
#[derive(Default)]
pub struct SendzenState {
    flow: tokio::sync::Mutex<Option<Arc<SendzenOnboardings>>>,
}

impl SendzenState {
    async fn flow(&self, app: &AppState, registration: &RegistrationState) -> CmdResult<Arc<SendzenOnboardings>> {
        let mut flow = self.flow.lock().await;
        if let Some(f) = &*flow {
            return Ok(f.clone());
        }
        let sandbox = registration.flow(app).await?.sandbox_host();
        let f = Arc::new(SendzenOnboardings::new(app.store()?, sandbox));
        *flow = Some(f.clone());
        Ok(f)
    }
}

/// Onboards a customer; the UI frames the view's `iframe_url`.
#[tauri::command]
pub async fn sendzen_start(
    input: StartOnboarding,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, SendzenState>,
) -> CmdResult<OnboardingView> {
    Ok(state.flow(&app, &registration).await?.start(input).await?)
}

/// The onboarding with an iframe URL that loads (a new one when it expired or fails to load).
#[tauri::command]
pub async fn sendzen_iframe(
    id: String,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, SendzenState>,
) -> CmdResult<OnboardingView> {
    Ok(state.flow(&app, &registration).await?.iframe(&id).await?)
}

/// The iframe's message (a hint): a completion is confirmed with SendZen first.
#[tauri::command]
pub async fn sendzen_report(
    id: String,
    origin: String,
    data: serde_json::Value,
    handle: AppHandle,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, SendzenState>,
) -> CmdResult<OnboardingView> {
    let view = state.flow(&app, &registration).await?.report(&id, &origin, &data).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// Where the onboarding stands (the webhook may have completed it).
#[tauri::command]
pub async fn sendzen_follow(
    id: String,
    handle: AppHandle,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, SendzenState>,
) -> CmdResult<OnboardingView> {
    let view = state.flow(&app, &registration).await?.follow(&id).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// Where SendZen onboardings go (masked).
#[tauri::command]
pub async fn sendzen_settings(app: State<'_, AppState>) -> CmdResult<SendzenSettingsView> {
    Ok(app.store()?.sendzen_settings()?)
}

/// Uses SendZen's API with `partner_key` (stored encrypted, never returned).
#[tauri::command]
pub async fn sendzen_use_partner(
    base_url: String,
    partner_key: String,
    app: State<'_, AppState>,
) -> CmdResult<SendzenSettingsView> {
    let store = app.store()?;
    let key = Secret::new(partner_key);
    Ok(tauri::async_runtime::spawn_blocking(move || store.use_sendzen_partner(&base_url, &key))
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))??)
}

/// Uses the embedded sandbox again.
#[tauri::command]
pub async fn sendzen_use_sandbox(app: State<'_, AppState>) -> CmdResult<SendzenSettingsView> {
    Ok(app.store()?.use_sendzen_sandbox()?)
}
