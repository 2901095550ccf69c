//! The Crisp account's callback URL (seed 004): Crisp has no API to set it, so the owner copies it
//! from the app into the WhatsApp plugin's API Settings. It is a capability URL (the relay hook
//! plus this account's secret), shown only on request, for pasting. And the Crisp account on the
//! built-in simulator, whose stand-in for the API Settings takes the URL without pasting.

use tauri::State;
use wadesk_core::providers::crisp::options::CrispMessageType;
use wadesk_core::{AccountView, ApiError};

use crate::commands::AppState;
use crate::messaging::MessagingState;
use crate::registration::RegistrationState;

/// The URL to paste into the plugin's API Settings (made on first request).
#[tauri::command]
pub async fn crisp_callback_url(account_id: String, app: State<'_, AppState>) -> Result<String, ApiError> {
    Ok(app.store()?.crisp_callback_url(&account_id)?.expose().to_owned())
}

/// The Crisp account on the built-in simulator (made on first use, callback URL set, templates
/// synced): Crisp to try without a Crisp plan.
#[tauri::command]
pub async fn crisp_sandbox_account(
    app: State<'_, AppState>,
    registration: State<'_, RegistrationState>,
    messaging: State<'_, MessagingState>,
) -> Result<AccountView, ApiError> {
    Ok(messaging.get(&app, &registration).await?.crisp_sandbox_account().await?)
}

/// How this Crisp account's templates appear in the Crisp conversation (`note` until set).
#[tauri::command]
pub async fn crisp_message_type(account_id: String, app: State<'_, AppState>) -> Result<CrispMessageType, ApiError> {
    Ok(app.store()?.crisp_message_type(&account_id)?)
}

/// Sets how this Crisp account's templates appear in the Crisp conversation; answers with the
/// stored choice.
#[tauri::command]
pub async fn crisp_set_message_type(
    account_id: String,
    message_type: CrispMessageType,
    app: State<'_, AppState>,
) -> Result<CrispMessageType, ApiError> {
    app.store()?.set_crisp_message_type(&account_id, message_type)?;
    Ok(message_type)
}
