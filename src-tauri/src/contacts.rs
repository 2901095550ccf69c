//! Tauri commands of contacts: the CSV import (stage the file's bytes, preview, run with progress
//! events and cancel), the list, edits, tags, deletes, CSV export and settings.
//!
//! Commands are thin: each calls one core function on a blocking thread. The staged file lives
//! here, one at a time, so the webview sends its bytes once (as a raw IPC body, not JSON) and the
//! preview and the import read the same bytes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, State};
use wadesk_core::contacts::{
    ContactEdit, ContactPage, ContactQuery, ContactSettings, ContactView, ImportOptions, ImportPreview, ImportReport,
};
use wadesk_core::{ApiError, Error};

use crate::commands::AppState;
use crate::messaging::blocking;

type CmdResult<T> = Result<T, ApiError>;

/// Event carrying one `ImportProgress` of the running import.
pub const IMPORT_PROGRESS_EVENT: &str = "contacts-import-progress";

/// The staged import file and the cancel flag of the import running, if one is.
#[derive(Default)]
pub struct ContactsState {
    staged: Mutex<Option<Arc<Vec<u8>>>>,
    running: Mutex<Option<Arc<AtomicBool>>>,
}

fn poisoned<T>(_: T) -> ApiError {
    Error::Internal("state lock poisoned".into()).into()
}

impl ContactsState {
    fn staged(&self) -> CmdResult<Arc<Vec<u8>>> {
        self.staged
            .lock()
            .map_err(poisoned)?
            .clone()
            .ok_or_else(|| Error::InvalidInput("no file is staged for import: choose a file first".into()).into())
    }

    /// Marks an import as running and returns its cancel flag; refuses a second one.
    fn start(&self) -> CmdResult<Arc<AtomicBool>> {
        let mut running = self.running.lock().map_err(poisoned)?;
        if running.is_some() {
            return Err(Error::InvalidInput("an import is already running".into()).into());
        }
        let flag = Arc::new(AtomicBool::new(false));
        *running = Some(flag.clone());
        Ok(flag)
    }
}

/// Keeps the raw request body (the file's bytes) as the staged import and returns its preview.
#[tauri::command]
pub async fn contacts_import_stage(
    app: State<'_, AppState>,
    contacts: State<'_, ContactsState>,
    request: Request<'_>,
) -> CmdResult<ImportPreview> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::InvalidInput("send the file's bytes as the request body".into()).into());
    };
    let bytes = Arc::new(bytes.clone());
    let store = app.store()?;
    let staged = bytes.clone();
    let preview = blocking(move || store.import_preview(&staged)).await?;
    *contacts.staged.lock().map_err(poisoned)? = Some(bytes);
    Ok(preview)
}

/// Imports the staged file; emits `contacts-import-progress` events while it runs. A committed
/// import unstages the file; a cancelled or failed one keeps it for another try.
#[tauri::command]
pub async fn contacts_import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    contacts: State<'_, ContactsState>,
    options: ImportOptions,
) -> CmdResult<ImportReport> {
    let bytes = contacts.staged()?;
    let store = state.store()?;
    let cancel = contacts.start()?;
    let flag = cancel.clone();
    let report = blocking(move || {
        let progress = |p| {
            if let Err(e) = app.emit(IMPORT_PROGRESS_EVENT, p) {
                tracing::warn!("cannot emit import progress: {e}");
            }
        };
        store.import_contacts(&bytes, &options, &progress, &flag)
    })
    .await;
    *contacts.running.lock().map_err(poisoned)? = None;
    if matches!(&report, Ok(r) if !r.cancelled) {
        *contacts.staged.lock().map_err(poisoned)? = None;
    }
    report
}

/// Asks the running import to stop; it rolls back at its next check. No import running: nothing.
#[tauri::command]
pub async fn contacts_import_cancel(contacts: State<'_, ContactsState>) -> CmdResult<()> {
    if let Some(flag) = &*contacts.running.lock().map_err(poisoned)? {
        flag.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// One page of contacts.
#[tauri::command]
pub async fn contacts_page(app: State<'_, AppState>, query: ContactQuery) -> CmdResult<ContactPage> {
    let store = app.store()?;
    blocking(move || store.contacts_page(&query)).await
}

/// Edits one contact (the default country of the settings applies to a new number).
#[tauri::command]
pub async fn contact_update(app: State<'_, AppState>, id: i64, edit: ContactEdit) -> CmdResult<ContactView> {
    let store = app.store()?;
    blocking(move || store.update_contact(id, &edit, None)).await
}

/// Deletes contacts; returns how many.
#[tauri::command]
pub async fn contacts_delete(app: State<'_, AppState>, ids: Vec<i64>) -> CmdResult<u64> {
    let store = app.store()?;
    blocking(move || store.delete_contacts(&ids)).await
}

/// Adds or removes a tag; returns how many contacts changed.
#[tauri::command]
pub async fn contacts_tag(app: State<'_, AppState>, ids: Vec<i64>, tag: String, add: bool) -> CmdResult<u64> {
    let store = app.store()?;
    blocking(move || store.tag_contacts(&ids, &tag, add)).await
}

/// Exports the contacts the query selects as CSV into the Downloads folder; returns the path.
#[tauri::command]
pub async fn contacts_export_csv(app: State<'_, AppState>, query: ContactQuery) -> CmdResult<String> {
    let store = app.store()?;
    let dir = wadesk_core::messaging::history::export_dir();
    blocking(move || store.export_contacts_csv_to_dir(&query, &dir).map(|(p, _)| p.display().to_string())).await
}

/// The contact settings.
#[tauri::command]
pub async fn contact_settings(app: State<'_, AppState>) -> CmdResult<ContactSettings> {
    let store = app.store()?;
    blocking(move || store.contact_settings()).await
}

/// Saves the contact settings; returns them as saved.
#[tauri::command]
pub async fn contact_settings_set(app: State<'_, AppState>, settings: ContactSettings) -> CmdResult<ContactSettings> {
    let store = app.store()?;
    blocking(move || store.set_contact_settings(&settings)).await
}
