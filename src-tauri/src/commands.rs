//! Tauri commands: one core call each. Results and errors are the generated binding types.
//!
//! Commands are `async` so they run off the main (GTK) thread; Argon2id key derivation and SQLCipher
//! work never freeze the window.

use std::sync::{Arc, RwLock};

use tauri::State;
use wadesk_core::{
    providers, AccountView, ApiError, Error, Install, KeyChoice, KeySource, NewAccount, ProviderInfo, Secret, Store,
    StoreState, StoreStatus,
};

type CmdResult<T> = Result<T, ApiError>;

/// The install this window works on, and its store once unlocked.
pub struct AppState {
    install: Install,
    store: RwLock<Option<Arc<Store>>>,
}

impl AppState {
    pub fn new(install: Install) -> Self {
        AppState { install, store: RwLock::new(None) }
    }

    fn store(&self) -> CmdResult<Arc<Store>> {
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
pub async fn store_status(state: State<'_, AppState>) -> CmdResult<StoreStatus> {
    let status = state.status()?;
    if status.state == StoreState::Locked && status.key_source == Some(KeySource::Keychain) {
        let install = state.install.clone();
        if let Ok(store) = blocking(move || Ok(install.unlock(None)?)).await {
            state.set_store(store)?;
            return state.status();
        }
    }
    Ok(status)
}

/// Creates the store: `passphrase` null keeps a random key in the OS keychain.
#[tauri::command]
pub async fn store_create(state: State<'_, AppState>, passphrase: Option<String>) -> CmdResult<StoreStatus> {
    let install = state.install.clone();
    let choice = match passphrase {
        Some(p) => KeyChoice::Passphrase(Secret::new(p)),
        None => KeyChoice::Keychain,
    };
    let store = blocking(move || Ok(install.create(choice)?)).await?;
    state.set_store(store)?;
    state.status()
}

/// Unlocks an existing store.
#[tauri::command]
pub async fn store_unlock(state: State<'_, AppState>, passphrase: Option<String>) -> CmdResult<StoreStatus> {
    let install = state.install.clone();
    let passphrase = passphrase.map(Secret::new);
    let store = blocking(move || Ok(install.unlock(passphrase.as_ref())?)).await?;
    state.set_store(store)?;
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
pub async fn account_add(state: State<'_, AppState>, input: NewAccount) -> CmdResult<AccountView> {
    let store = state.store()?;
    blocking(move || Ok(store.add_account(input)?)).await
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
