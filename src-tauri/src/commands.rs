//! Tauri commands: one core call each. Results and errors are the generated binding types.
//!
//! Commands are `async` so they run off the main (GTK) thread; Argon2id key derivation and SQLCipher
//! work never freeze the window.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, State};
use wadesk_core::relay_client::{
    self, EmbeddedSwitch, RelayMode, RelayService, RelayStatus, SelfTestResult, WaitingWebhooks,
};
use wadesk_core::{
    providers, AccountView, ApiError, Error, Install, KeyChoice, KeySource, NewAccount, ProviderInfo, Secret, Store,
    StoreState, StoreStatus,
};

type CmdResult<T> = Result<T, ApiError>;

/// The install this window works on, its store once unlocked, and the relay connection.
pub struct AppState {
    install: Install,
    store: RwLock<Option<Arc<Store>>>,
    /// The running relay service (or why it could not start), and the task pushing its status.
    relay: tokio::sync::Mutex<Option<RelayRun>>,
}

/// One run of the relay service. Replaced as a whole when the install switches relays.
struct RelayRun {
    /// Shared so a self-test can run without holding the `relay` lock for its whole duration.
    service: Result<Arc<RelayService>, ApiError>,
    /// Forwards the service's status to the window; `None` when the service did not start.
    forwarder: Option<JoinHandle<()>>,
}

impl RelayRun {
    /// Wraps a started (or failed) service, pushing its status to the window as `relay-status`.
    fn forwarding(service: Result<Arc<RelayService>, ApiError>, app: &AppHandle) -> RelayRun {
        let forwarder = match &service {
            Ok(service) => {
                let mut rx = service.subscribe();
                let app = app.clone();
                Some(tauri::async_runtime::spawn(async move {
                    loop {
                        let status = rx.borrow_and_update().clone();
                        if let Err(e) = app.emit("relay-status", status) {
                            tracing::warn!("cannot emit relay status: {e}");
                        }
                        if rx.changed().await.is_err() {
                            break;
                        }
                    }
                }))
            }
            Err(e) => {
                tracing::warn!("the relay could not start: {}", e.message);
                None
            }
        };
        RelayRun { service, forwarder }
    }

    fn service(&self) -> CmdResult<Arc<RelayService>> {
        self.service.clone()
    }

    /// Stops the status forwarder first, then the service: a stopping service still publishes
    /// `offline`, and that must not reach the window after the next service's first status.
    async fn stop(self) {
        if let Some(forwarder) = self.forwarder {
            forwarder.abort();
            let _ = forwarder.await;
        }
        if let Ok(service) = &self.service {
            service.stop();
        }
    }
}

impl AppState {
    pub fn new(install: Install) -> Self {
        AppState { install, store: RwLock::new(None), relay: tokio::sync::Mutex::new(None) }
    }

    /// Starts the relay connection once the store is open, and pushes its status to the window as
    /// `relay-status` events. A relay that cannot start does not block the app: its error is kept
    /// for `relay_status`.
    async fn start_relay(&self, app: &AppHandle) -> CmdResult<()> {
        let mut relay = self.relay.lock().await;
        if matches!(&*relay, Some(RelayRun { service: Ok(_), .. })) {
            return Ok(());
        }
        *relay = Some(self.run_relay(app).await?);
        Ok(())
    }

    /// Starts a relay service on the install's current channel; the caller holds the `relay` lock
    /// and has stopped any previous run.
    async fn run_relay(&self, app: &AppHandle) -> CmdResult<RelayRun> {
        let store = self.store()?;
        let service =
            RelayService::start(store, &self.install.dir().join("relay")).await.map(Arc::new).map_err(ApiError::from);
        Ok(RelayRun::forwarding(service, app))
    }

    pub(crate) fn store(&self) -> CmdResult<Arc<Store>> {
        let guard = self.store.read().map_err(|_| Error::Internal("state lock poisoned".into()))?;
        guard.clone().ok_or_else(|| Error::StoreLocked.into())
    }

    fn set_store(&self, store: Store) -> CmdResult<()> {
        *self.store.write().map_err(|_| Error::Internal("state lock poisoned".into()))? = Some(Arc::new(store));
        Ok(())
    }

    fn status(&self) -> CmdResult<StoreStatus> {
        let mut status = self.install.status()?;
        if self.store().is_ok() {
            status.state = StoreState::Unlocked;
        }
        Ok(status)
    }
}

/// Runs blocking core work on Tauri's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> CmdResult<T> + Send + 'static) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("task failed: {e}"))))?
}

/// The store's state. A keychain store is unlocked on the spot, so people with a keychain never see
/// an unlock screen; if the keychain refuses, the state stays `locked` and the UI offers a retry.
#[tauri::command]
pub async fn store_status(app: AppHandle, state: State<'_, AppState>) -> CmdResult<StoreStatus> {
    let status = state.status()?;
    if status.state == StoreState::Locked && status.key_source == Some(KeySource::Keychain) {
        let install = state.install.clone();
        if let Ok(store) = blocking(move || Ok(install.unlock(None)?)).await {
            state.set_store(store)?;
            state.start_relay(&app).await?;
            crate::messaging::on_unlocked(&app).await;
            return state.status();
        }
    }
    Ok(status)
}

/// Creates the store: `passphrase` null keeps a random key in the OS keychain.
#[tauri::command]
pub async fn store_create(
    app: AppHandle,
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> CmdResult<StoreStatus> {
    let install = state.install.clone();
    let choice = match passphrase {
        Some(p) => KeyChoice::Passphrase(Secret::new(p)),
        None => KeyChoice::Keychain,
    };
    let store = blocking(move || Ok(install.create(choice)?)).await?;
    state.set_store(store)?;
    state.start_relay(&app).await?;
    crate::messaging::on_unlocked(&app).await;
    state.status()
}

/// Unlocks an existing store.
#[tauri::command]
pub async fn store_unlock(
    app: AppHandle,
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> CmdResult<StoreStatus> {
    let install = state.install.clone();
    let passphrase = passphrase.map(Secret::new);
    let store = blocking(move || Ok(install.unlock(passphrase.as_ref())?)).await?;
    state.set_store(store)?;
    state.start_relay(&app).await?;
    crate::messaging::on_unlocked(&app).await;
    state.status()
}

/// Providers an account can be added for.
#[tauri::command]
pub fn providers_catalog() -> Vec<ProviderInfo> {
    providers::catalog()
}

/// Every account, credentials masked.
#[tauri::command]
pub async fn accounts_list(state: State<'_, AppState>) -> CmdResult<Vec<AccountView>> {
    let store = state.store()?;
    blocking(move || Ok(store.list_accounts()?)).await
}

/// Adds an account.
#[tauri::command]
pub async fn account_add(app: AppHandle, state: State<'_, AppState>, input: NewAccount) -> CmdResult<AccountView> {
    let store = state.store()?;
    let view = blocking(move || Ok(store.add_account(input)?)).await?;
    // Say at once whether the provider accepts the credentials (its cheapest authenticated call).
    let view = match crate::messaging::check_credentials(&app, &view.id).await {
        Some(checked) => checked,
        None => view,
    };
    crate::messaging::webhooks_may_have_changed(&app).await;
    Ok(view)
}

/// Renames an account.
#[tauri::command]
pub async fn account_rename(state: State<'_, AppState>, id: String, name: String) -> CmdResult<AccountView> {
    let store = state.store()?;
    blocking(move || Ok(store.rename_account(&id, &name)?)).await
}

/// Removes an account (the UI asks for confirmation first).
#[tauri::command]
pub async fn account_remove(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    let store = state.store()?;
    blocking(move || Ok(store.remove_account(&id)?)).await
}

/// The relay connection's status (also pushed as `relay-status` events).
#[tauri::command]
pub async fn relay_status(state: State<'_, AppState>) -> CmdResult<RelayStatus> {
    match &*state.relay.lock().await {
        Some(run) => Ok(run.service()?.status()),
        None => Err(Error::StoreLocked.into()),
    }
}

/// Posts a synthetic event to this install's own hook URL and waits until it is applied.
#[tauri::command]
pub async fn relay_self_test(state: State<'_, AppState>) -> CmdResult<SelfTestResult> {
    // Released before the (up to 10 s) wait, so status reads and the indicator are not held up.
    let service = match &*state.relay.lock().await {
        Some(run) => run.service()?,
        None => return Err(Error::StoreLocked.into()),
    };
    Ok(service.self_test(Duration::from_secs(10)).await?)
}

/// Switches the install to the remote relay at `url`: creates a channel there with the operator's
/// `admin_token` (used for this one request, never stored, logged or returned), then replaces the
/// running relay service with one streaming from the new channel. If the relay refuses, nothing
/// changes and the current service keeps running.
#[tauri::command]
pub async fn relay_use_remote(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
    admin_token: String,
) -> CmdResult<RelayStatus> {
    let admin_token = Secret::new(admin_token);
    let store = state.store()?;
    // Held throughout, so a second switch or a status read never sees a half-replaced service.
    let mut relay = state.relay.lock().await;
    relay_client::use_remote(&store, &url, &admin_token).await?;
    drop(admin_token);
    if let Some(previous) = relay.take() {
        previous.stop().await;
    }
    let run = state.run_relay(&app).await?;
    let status = run.service().map(|service| service.status());
    *relay = Some(run);
    drop(relay);
    crate::messaging::webhooks_may_have_changed(&app).await;
    status
}

/// Switches the install from its remote relay back to the embedded one (the UI confirms first: the
/// hook URL changes). The remote stream is stopped, then what still waits at the remote relay is
/// fetched (`leave_waiting` switches even if that fails), and a service streaming from the new
/// embedded channel replaces it. If the switch is refused (already embedded, or the remote
/// backlog could not be fetched), nothing changes and a service on the current channel runs again.
#[tauri::command]
pub async fn relay_use_embedded(
    app: AppHandle,
    state: State<'_, AppState>,
    leave_waiting: bool,
) -> CmdResult<EmbeddedSwitch> {
    let store = state.store()?;
    let waiting = if leave_waiting { WaitingWebhooks::LeaveBehind } else { WaitingWebhooks::FetchFirst };
    // Held throughout, so a second switch or a status read never sees a half-replaced service.
    let mut relay = state.relay.lock().await;
    // The remote stream stops before the fetch, so nothing else applies the old channel's events
    // once the new channel is saved. An embedded service is left running: the core refuses the
    // switch, and restarting it could lose its port.
    let streaming_remote =
        relay.as_ref().and_then(|run| run.service().ok()).is_some_and(|s| s.status().mode == RelayMode::Remote);
    if streaming_remote {
        if let Some(previous) = relay.take() {
            previous.stop().await;
        }
    }
    match relay_client::use_embedded(store, &state.install.dir().join("relay"), waiting).await {
        Ok((service, switch)) => {
            if let Some(previous) = relay.take() {
                previous.stop().await;
            }
            *relay = Some(RelayRun::forwarding(Ok(Arc::new(service)), &app));
            drop(relay);
            crate::messaging::webhooks_may_have_changed(&app).await;
            Ok(switch)
        }
        Err(e) => {
            if relay.is_none() {
                *relay = Some(state.run_relay(&app).await?);
            }
            Err(e.into())
        }
    }
}
