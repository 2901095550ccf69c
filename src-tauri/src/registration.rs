//! Tauri commands of "Connect a number" (ChatArchitect embedded registration), and the popup rule
//! for the registration frame.
//!
//! Commands are thin: each calls one core function. The partner token goes in once
//! (`registration_use_partner`) and never comes back; views carry masked values only.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tauri::{AppHandle, State};
use wadesk_core::providers::chatarchitect::partner_api::RetryOutcome;
use wadesk_core::providers::chatarchitect::{
    RegistrationSettingsView, RegistrationView, Registrations, StartRegistration,
};
use wadesk_core::{ApiError, Error, Secret};

use crate::commands::AppState;

type CmdResult<T> = Result<T, ApiError>;

/// How long the app waits for the signed webhook after the iframe said `completed`, before it
/// asks the provider for the result instead.
const WEBHOOK_GRACE: Duration = Duration::from_secs(8);

/// The registration flow of the unlocked store, and the origins whose popups the window may open.
#[derive(Default)]
pub struct RegistrationState {
    flow: tokio::sync::Mutex<Option<Arc<Registrations>>>,
    popup_origins: Arc<RwLock<Vec<String>>>,
}

impl RegistrationState {
    pub(crate) async fn flow(&self, app: &AppState) -> CmdResult<Arc<Registrations>> {
        let mut flow = self.flow.lock().await;
        if let Some(f) = &*flow {
            return Ok(f.clone());
        }
        let f = Arc::new(Registrations::new(app.store()?));
        *flow = Some(f.clone());
        Ok(f)
    }

    /// Shared with the window's new-window handler.
    pub fn popup_origins(&self) -> Arc<RwLock<Vec<String>>> {
        self.popup_origins.clone()
    }

    pub(crate) fn allow_popups_from(&self, origin: &str) {
        if let Ok(mut list) = self.popup_origins.write() {
            if !list.iter().any(|o| o == origin) {
                list.push(origin.to_owned());
            }
        }
    }
}

/// Whether a `window.open` from the registration frame may open a window: the registration
/// domain of a session this install started (the sandbox's simulated Meta step lives there), or
/// Meta's own signup pages, as a browser would allow. Anything else is refused.
pub fn popup_allowed(url: &tauri::Url, registration_origins: &[String]) -> bool {
    let origin = url.origin().ascii_serialization();
    if registration_origins.contains(&origin) {
        return true;
    }
    url.scheme() == "https" && url.host_str().is_some_and(|h| h == "facebook.com" || h.ends_with(".facebook.com"))
}

/// Creates a registration session; the UI frames its `host_url`.
#[tauri::command]
pub async fn registration_start(
    input: StartRegistration,
    app: State<'_, AppState>,
    state: State<'_, RegistrationState>,
) -> CmdResult<RegistrationView> {
    let view = state.flow(&app).await?.start(input).await?;
    state.allow_popups_from(&view.registration_origin);
    Ok(view)
}

/// Asks the provider for the result; stores the credentials if completed.
#[tauri::command]
pub async fn registration_refresh(
    id: String,
    handle: AppHandle,
    app: State<'_, AppState>,
    state: State<'_, RegistrationState>,
) -> CmdResult<RegistrationView> {
    let view = state.flow(&app).await?.refresh(&id).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// After the iframe's `completed` hint: waits for the webhook, then falls back to the result.
#[tauri::command]
pub async fn registration_confirm(
    id: String,
    handle: AppHandle,
    app: State<'_, AppState>,
    state: State<'_, RegistrationState>,
) -> CmdResult<RegistrationView> {
    let view = state.flow(&app).await?.confirm_completion(&id, WEBHOOK_GRACE).await?;
    if view.account_id.is_some() {
        crate::messaging::webhooks_may_have_changed(&handle).await;
    }
    Ok(view)
}

/// Asks the provider to resend the completion webhook.
#[tauri::command]
pub async fn registration_retry_webhook(
    id: String,
    app: State<'_, AppState>,
    state: State<'_, RegistrationState>,
) -> CmdResult<RetryOutcome> {
    Ok(state.flow(&app).await?.retry_webhook(&id).await?)
}

/// Where registrations go (masked).
#[tauri::command]
pub async fn registration_settings(app: State<'_, AppState>) -> CmdResult<RegistrationSettingsView> {
    Ok(app.store()?.registration_settings()?)
}

/// Uses the real registration domain with `partner_token` (stored encrypted, never returned).
#[tauri::command]
pub async fn registration_use_partner(
    base_url: String,
    partner_token: String,
    app: State<'_, AppState>,
) -> CmdResult<RegistrationSettingsView> {
    let store = app.store()?;
    let token = Secret::new(partner_token);
    Ok(tauri::async_runtime::spawn_blocking(move || store.use_partner_registration(&base_url, &token))
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))??)
}

/// Uses the embedded sandbox again.
#[tauri::command]
pub async fn registration_use_sandbox(app: State<'_, AppState>) -> CmdResult<RegistrationSettingsView> {
    Ok(app.store()?.use_sandbox_registration()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popups_are_allowed_only_for_registration_origins_and_meta() {
        let origins = vec!["http://127.0.0.1:8790".to_owned()];
        let ok = |u: &str| popup_allowed(&tauri::Url::parse(u).unwrap(), &origins);
        assert!(ok("http://127.0.0.1:8790/meta/signup?s=abc"));
        assert!(ok("https://www.facebook.com/v19.0/dialog/oauth?x=1"));
        assert!(!ok("http://127.0.0.1:8791/meta/signup"));
        assert!(!ok("http://localhost:8790/meta/signup"));
        assert!(!ok("https://facebook.com.evil.example/"));
        assert!(!ok("http://www.facebook.com/"));
    }
}
