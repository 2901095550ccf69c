//! The Crisp account's callback URL (seed 004): Crisp has no API to set it, so the owner copies it
//! from the app into the WhatsApp plugin's API Settings. It is a capability URL (the relay hook
//! plus this account's secret), shown only on request, for pasting.

use tauri::State;
use wadesk_core::ApiError;

use crate::commands::AppState;

/// The URL to paste into the plugin's API Settings (made on first request).
#[tauri::command]
pub async fn crisp_callback_url(account_id: String, app: State<'_, AppState>) -> Result<String, ApiError> {
    Ok(app.store()?.crisp_callback_url(&account_id)?.expose().to_owned())
}
