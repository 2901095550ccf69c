//! Tauri commands of Gupshup Tech Partner linking in "Connect a number" (seed 002) and its
//! settings. Thin: each calls one core function. The partner token goes in once
//! (`gupshup_use_partner`) and never comes back; the app token never leaves the core.

use std::sync::Arc;

use tauri::{AppHandle, State};
use wadesk_core::providers::gupshup::settings::GupshupSettingsView;
use wadesk_core::providers::gupshup::{GupshupLinkView, GupshupLinks, StartLink};
use wadesk_core::{ApiError, Error, Secret};

use crate::commands::AppState;
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// The link flow of the unlocked store (sharing the embedded sandbox with registration).
#[derive(Default)]
pub struct GupshupState {
    flow: tokio::sync::Mutex<Option<Arc<GupshupLinks>>>,
}

impl GupshupState {
    async fn flow(&self, app: &AppState, registration: &RegistrationState) -> CmdResult<Arc<GupshupLinks>> {
        let mut flow = self.flow.lock().await;
        if let Some(f) = &*flow {
            return Ok(f.clone());
        }
        let sandbox = registration.flow(app).await?.sandbox_host();
        let f = Arc::new(GupshupLinks::new(app.store()?, sandbox));
        *flow = Some(f.clone());
        Ok(f)
    }
}

/// Links the app the customer's signup created and fetches its token.
#[tauri::command]
pub async fn gupshup_link(
    input: StartLink,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, GupshupState>,
) -> CmdResult<GupshupLinkView> {
    Ok(state.flow(&app, &registration).await?.link(input).await?)
}

/// Where the link stands (the pipeline when due; subscription and account once live).
#[tauri::command]
pub async fn gupshup_follow(
    id: String,
    handle: AppHandle,
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    state: State<'_, GupshupState>,
) -> CmdResult<GupshupLinkView> {
    let view = state.flow(&app, &registration).await?.follow(&id).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// The links, newest first.
#[tauri::command]
pub async fn gupshup_links(app: State<'_, AppState>) -> CmdResult<Vec<GupshupLinkView>> {
    Ok(app.store()?.gupshup_links()?)
}

/// Where links go (masked).
#[tauri::command]
pub async fn gupshup_settings(app: State<'_, AppState>) -> CmdResult<GupshupSettingsView> {
    Ok(app.store()?.gupshup_settings()?)
}

/// Uses Gupshup's partner URL with `partner_token` (stored encrypted, never returned).
#[tauri::command]
pub async fn gupshup_use_partner(
    partner_url: String,
    partner_token: String,
    app: State<'_, AppState>,
) -> CmdResult<GupshupSettingsView> {
    let store = app.store()?;
    let token = Secret::new(partner_token);
    Ok(tauri::async_runtime::spawn_blocking(move || store.use_gupshup_partner(&partner_url, &token))
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))??)
}

/// Uses the embedded sandbox again.
#[tauri::command]
pub async fn gupshup_use_sandbox(app: State<'_, AppState>) -> CmdResult<GupshupSettingsView> {
    Ok(app.store()?.use_gupshup_sandbox()?)
}
