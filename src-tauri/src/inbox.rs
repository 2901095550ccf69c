//! Tauri commands of the inbox (conversations, timelines, replies, search, saved replies, inbox
//! settings), opening an inbound message's media in the system browser, and desktop notifications
//! of new customer messages while the window is not focused.
//!
//! Commands are thin: each calls one core function. The media link is read and checked by core
//! (https, or a sandbox on loopback) and handed straight to the shell plugin's opener: it never
//! reaches the webview, and the webview has no shell permission of its own.

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Manager, State};
use tauri_plugin_notification::NotificationExt;
use wadesk_core::conversations::{
    CannedReply, CannedReplyEdit, ConversationPage, ConversationQuery, ConversationView, Conversations, InboxSettings,
    RenderedCannedReply, ReplyTemplate, ReplyText, SearchQuery, SearchResults, TimelinePage,
};
use wadesk_core::messaging::{Change, MessageView, Messaging};
use wadesk_core::{ApiError, Error};

use crate::commands::AppState;
use crate::messaging::{blocking, MessagingState};
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// How long new inbound messages are gathered into one notification (a reconnect after a night
/// offline delivers hundreds at once: one notification says how many).
const NOTIFY_GATHER: Duration = Duration::from_millis(1500);

async fn messaging(app: &AppHandle) -> CmdResult<Arc<Messaging>> {
    app.state::<MessagingState>().get(&app.state::<AppState>(), &app.state::<RegistrationState>()).await
}

async fn conversations(app: &AppHandle) -> CmdResult<Conversations> {
    Ok(Conversations::new(messaging(app).await?))
}

/// One page of conversations.
#[tauri::command]
pub async fn conversations_list(app: State<'_, AppState>, query: ConversationQuery) -> CmdResult<ConversationPage> {
    let store = app.store()?;
    blocking(move || store.conversations(&query)).await
}

/// One conversation.
#[tauri::command]
pub async fn conversation_get(app: State<'_, AppState>, conversation_id: i64) -> CmdResult<ConversationView> {
    let store = app.store()?;
    blocking(move || store.conversation(conversation_id)).await
}

/// The conversation with a number, started if new.
#[tauri::command]
pub async fn conversation_open(app: AppHandle, account_id: String, number: String) -> CmdResult<ConversationView> {
    let c = conversations(&app).await?;
    blocking(move || c.open_number(&account_id, &number)).await
}

/// A window of a conversation's timeline.
#[tauri::command]
pub async fn conversation_timeline(
    app: State<'_, AppState>,
    conversation_id: i64,
    offset: u32,
    limit: u32,
) -> CmdResult<TimelinePage> {
    let store = app.store()?;
    blocking(move || store.timeline(conversation_id, offset, limit)).await
}

/// Where an item sits in its timeline.
#[tauri::command]
pub async fn conversation_position(app: State<'_, AppState>, item_id: i64) -> CmdResult<u32> {
    let store = app.store()?;
    blocking(move || store.timeline_position(item_id)).await
}

/// Marks a conversation read.
#[tauri::command]
pub async fn conversation_mark_read(app: State<'_, AppState>, conversation_id: i64) -> CmdResult<ConversationView> {
    let store = app.store()?;
    blocking(move || store.mark_conversation_read(conversation_id)).await
}

/// Free text (core refuses it outside the window).
#[tauri::command]
pub async fn conversation_reply_text(app: AppHandle, input: ReplyText) -> CmdResult<MessageView> {
    Ok(conversations(&app).await?.reply_text(&input).await?)
}

/// A template reply.
#[tauri::command]
pub async fn conversation_reply_template(app: AppHandle, input: ReplyTemplate) -> CmdResult<MessageView> {
    Ok(conversations(&app).await?.reply_template(&input).await?)
}

/// Opens an inbound message's media in the system browser.
#[tauri::command]
pub async fn conversation_open_media(app: AppHandle, inbound_id: i64) -> CmdResult<()> {
    let c = conversations(&app).await?;
    let url = blocking(move || c.media_url(inbound_id)).await?;
    open_in_browser(&app, &url)
}

#[allow(deprecated)] // The design names tauri-plugin-shell's opener; core has checked the link.
fn open_in_browser(app: &AppHandle, url: &str) -> CmdResult<()> {
    use tauri_plugin_shell::ShellExt;
    app.shell()
        .open(url, None)
        .map_err(|e| Error::InvalidInput(format!("the system browser could not be started: {e}")).into())
}

/// For the SANDBOX account: a simulated customer writes to it.
#[tauri::command]
pub async fn inbox_simulate_customer(app: AppHandle, account_id: String, from: String, text: String) -> CmdResult<()> {
    Ok(messaging(&app).await?.simulate_customer(&account_id, &from, &text).await?)
}

/// Searches messages, conversations and contacts.
#[tauri::command]
pub async fn inbox_search(app: State<'_, AppState>, query: SearchQuery) -> CmdResult<SearchResults> {
    let store = app.store()?;
    blocking(move || store.search(&query)).await
}

/// Every saved reply.
#[tauri::command]
pub async fn canned_replies_list(app: State<'_, AppState>) -> CmdResult<Vec<CannedReply>> {
    let store = app.store()?;
    blocking(move || store.canned_replies()).await
}

/// Adds or changes a saved reply.
#[tauri::command]
pub async fn canned_reply_save(app: State<'_, AppState>, edit: CannedReplyEdit) -> CmdResult<CannedReply> {
    let store = app.store()?;
    blocking(move || store.save_canned_reply(&edit)).await
}

/// Deletes a saved reply.
#[tauri::command]
pub async fn canned_reply_delete(app: State<'_, AppState>, id: i64) -> CmdResult<()> {
    let store = app.store()?;
    blocking(move || store.delete_canned_reply(id)).await
}

/// Every saved reply filled for a conversation's contact.
#[tauri::command]
pub async fn canned_replies_for(app: State<'_, AppState>, conversation_id: i64) -> CmdResult<Vec<RenderedCannedReply>> {
    let store = app.store()?;
    blocking(move || store.canned_replies_for(conversation_id)).await
}

/// The inbox settings.
#[tauri::command]
pub async fn inbox_settings(app: State<'_, AppState>) -> CmdResult<InboxSettings> {
    let store = app.store()?;
    blocking(move || store.inbox_settings()).await
}

/// Replaces the inbox settings.
#[tauri::command]
pub async fn inbox_settings_set(app: State<'_, AppState>, settings: InboxSettings) -> CmdResult<InboxSettings> {
    let store = app.store()?;
    blocking(move || store.set_inbox_settings(&settings)).await
}

/// Shows a desktop notification for new inbound messages while the main window is not focused,
/// until the app ends. Messages arriving close together make one notification.
pub fn notify_inbound(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Ok(store) = app.state::<AppState>().store() else { return };
        let mut rx = store.subscribe_changes();
        loop {
            let first = match rx.recv().await {
                Ok(Change::Inbound { conversation_id, .. }) => conversation_id,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            let mut ids = vec![first];
            let deadline = tokio::time::Instant::now() + NOTIFY_GATHER;
            while let Ok(Ok(change)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                if let Change::Inbound { conversation_id, .. } = change {
                    ids.push(conversation_id);
                }
            }
            let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
            if !focused {
                show_notice(&app, &ids).await;
            }
        }
    });
}

async fn show_notice(app: &AppHandle, ids: &[i64]) {
    let Ok(store) = app.state::<AppState>().store() else { return };
    let last = *ids.last().unwrap_or(&0);
    let count = ids.len();
    let notice = match blocking(move || store.inbound_notice(last)).await {
        Ok(Some(n)) => n,
        Ok(None) => return,
        Err(e) => {
            tracing::debug!("no notification: {}", e.message);
            return;
        }
    };
    let mut people: Vec<i64> = ids.to_vec();
    people.sort_unstable();
    people.dedup();
    let (title, body) = match (count, people.len()) {
        (1, _) => (notice.title, notice.body),
        (n, 1) => (notice.title, format!("{n} new messages")),
        (n, p) => ("Wadesk".to_owned(), format!("{n} new messages from {p} customers")),
    };
    // No notification daemon (a headless machine) is not an error worth more than a debug line.
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!("notification not shown: {e}");
    }
}
