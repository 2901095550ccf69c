//! Tauri commands of messaging (templates, sends, history) and the push of store changes to the
//! window as `store-changed` events, so no screen polls.
//!
//! Commands are thin: each calls one core function. Messaging shares the embedded sandbox with
//! the registration flow, so both talk to the same simulated provider.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, State};
use wadesk_core::messaging::{
    Change, HistoryFilter, HistoryPage, MessageDetail, MessageView, Messaging, MessagingHealth, SendTemplate, SendText,
};
use wadesk_core::templates::{TemplateSync, TemplateView};
use wadesk_core::{AccountView, ApiError, Error, Store};

use crate::commands::AppState;
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// Event carrying one `Change`.
pub const STORE_CHANGED_EVENT: &str = "store-changed";

/// Messaging over the unlocked store, made on first use.
#[derive(Default)]
pub struct MessagingState {
    messaging: tokio::sync::Mutex<Option<Arc<Messaging>>>,
}

impl MessagingState {
    pub async fn get(&self, app: &AppState, registration: &RegistrationState) -> CmdResult<Arc<Messaging>> {
        let mut guard = self.messaging.lock().await;
        if let Some(m) = &*guard {
            return Ok(m.clone());
        }
        let flow = registration.flow(app).await?;
        let m = Arc::new(Messaging::new(app.store()?, flow.sandbox_host())?);
        *guard = Some(m.clone());
        Ok(m)
    }
}

/// Forwards every committed change of `store` to the window until the app ends. A window that
/// fell behind gets a `resync` so it reloads what it shows.
pub fn forward_changes(app: &AppHandle, store: &Store) {
    let mut rx = store.subscribe_changes();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(change) => {
                    if let Err(e) = app.emit(STORE_CHANGED_EVENT, change) {
                        tracing::warn!("cannot emit a store change: {e}");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the window fell behind the store's changes");
                    let _ = app.emit(STORE_CHANGED_EVENT, Change::Resync);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Once the store is unlocked: pushes its changes to the window and registers webhooks.
pub async fn on_unlocked(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(store) = state.store() else { return };
    let messaging_state = app.state::<MessagingState>();
    let first = messaging_state.messaging.lock().await.is_none();
    match messaging_state.get(&state, &app.state::<RegistrationState>()).await {
        Ok(messaging) => {
            if first {
                forward_changes(app, &store);
                crate::inbox::notify_inbound(app);
                crate::bulk::supervise(app);
            }
            ensure_webhooks_soon(messaging);
        }
        Err(e) => tracing::warn!("messaging could not start: {}", e.message),
    }
}

/// Checks an account's credentials with its provider, if messaging can start; `None` when it
/// cannot (the account is then shown as not verified, with the reason from the next check).
pub async fn check_credentials(app: &AppHandle, account_id: &str) -> Option<AccountView> {
    let state = app.state::<AppState>();
    let messaging = app.state::<MessagingState>().get(&state, &app.state::<RegistrationState>()).await.ok()?;
    messaging.check_credentials(account_id).await.ok()
}

/// Checks the account's credentials with the provider now ("Check again").
#[tauri::command]
pub async fn account_check(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    id: String,
) -> CmdResult<AccountView> {
    Ok(state.get(&app, &reg).await?.check_credentials(&id).await?)
}

/// Registers webhooks again after something that may have changed them (an account added, a
/// registration completed, a relay switch), if messaging has started.
pub async fn webhooks_may_have_changed(app: &AppHandle) {
    if let Some(m) = app.state::<MessagingState>().messaging.lock().await.clone() {
        ensure_webhooks_soon(m);
    }
}

/// Registers the webhook of every account that needs it, in the background (after unlocking,
/// adding an account, a completed registration or a relay switch). Failures show in the
/// account's messaging health.
pub fn ensure_webhooks_soon(messaging: Arc<Messaging>) {
    tauri::async_runtime::spawn(async move {
        if let Err(e) = messaging.ensure_webhooks().await {
            tracing::warn!("webhook registration: {e}");
        }
    });
}

pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))?
        .map_err(ApiError::from)
}

/// The account's cached templates.
#[tauri::command]
pub async fn templates_list(app: State<'_, AppState>, account_id: String) -> CmdResult<Vec<TemplateView>> {
    let store = app.store()?;
    blocking(move || store.templates(&account_id)).await
}

/// Fetches the account's templates from the provider.
#[tauri::command]
pub async fn templates_sync(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    account_id: String,
) -> CmdResult<TemplateSync> {
    Ok(state.get(&app, &reg).await?.sync_templates(&account_id).await?)
}

/// The account's webhook and sync health.
#[tauri::command]
pub async fn messaging_health(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    account_id: String,
) -> CmdResult<MessagingHealth> {
    Ok(state.get(&app, &reg).await?.health(&account_id).await?)
}

/// Registers this install's hook with the provider for the account.
#[tauri::command]
pub async fn webhook_register(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    account_id: String,
) -> CmdResult<MessagingHealth> {
    Ok(state.get(&app, &reg).await?.register_webhook(&account_id).await?)
}

/// Sets the WhatsApp number connected to the account.
#[tauri::command]
pub async fn messaging_set_number(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    account_id: String,
    number: String,
) -> CmdResult<MessagingHealth> {
    let messaging = state.get(&app, &reg).await?;
    let store = app.store()?;
    let id = account_id.clone();
    blocking(move || store.set_business_number(&id, &number)).await?;
    // The number was what a credential check and the webhook registration were waiting for.
    let _ = messaging.check_credentials(&account_id).await;
    ensure_webhooks_soon(messaging.clone());
    Ok(messaging.health(&account_id).await?)
}

/// Sends free text.
#[tauri::command]
pub async fn send_text(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    input: SendText,
) -> CmdResult<MessageView> {
    Ok(state.get(&app, &reg).await?.send_text(input).await?)
}

/// Sends a template.
#[tauri::command]
pub async fn send_template(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    input: SendTemplate,
) -> CmdResult<MessageView> {
    Ok(state.get(&app, &reg).await?.send_template(input).await?)
}

/// Sends a failed, not submitted or (confirmed) uncertain message again, as a new message.
#[tauri::command]
pub async fn message_retry(
    app: State<'_, AppState>,
    reg: State<'_, RegistrationState>,
    state: State<'_, MessagingState>,
    id: String,
    confirm_uncertain: bool,
) -> CmdResult<MessageView> {
    Ok(state.get(&app, &reg).await?.retry(&id, confirm_uncertain).await?)
}

/// One window of the send history.
#[tauri::command]
pub async fn history_page(
    app: State<'_, AppState>,
    filter: HistoryFilter,
    offset: u32,
    limit: u32,
) -> CmdResult<HistoryPage> {
    let store = app.store()?;
    blocking(move || store.history_page(&filter, offset, limit)).await
}

/// One message with its status timeline.
#[tauri::command]
pub async fn message_detail(app: State<'_, AppState>, id: String) -> CmdResult<MessageDetail> {
    let store = app.store()?;
    blocking(move || store.message_detail(&id)).await
}

/// Exports the filtered history as CSV into the Downloads folder; returns the file's path.
#[tauri::command]
pub async fn history_export_csv(app: State<'_, AppState>, filter: HistoryFilter) -> CmdResult<String> {
    let store = app.store()?;
    let dir = wadesk_core::messaging::history::export_dir();
    blocking(move || store.export_history_csv_to_dir(&filter, &dir).map(|(p, _)| p.display().to_string())).await
}
