//! Tauri commands of bulk sends, and the background sender that sends started campaigns while
//! the app is open: one started here, or one a crashed or quit process left running.
//!
//! Commands are thin: each calls one core function. Sending happens in a background task per
//! campaign; the window follows it through `store-changed` events (`campaign` and `message`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Manager, State};
use wadesk_core::contacts::Audience;
use wadesk_core::messaging::MessageView;
use wadesk_core::outbox::{
    CampaignEdit, CampaignReport, CampaignView, DryRun, NewCampaign, Outbox, RecipientFilter, RecipientPage,
    UncertainAction, VariableMapping,
};
use wadesk_core::{ApiError, Error};

use crate::commands::AppState;
use crate::messaging::{blocking, MessagingState};
use crate::registration::RegistrationState;

type CmdResult<T> = Result<T, ApiError>;

/// How often the app looks for campaigns nobody is sending (scheduled ones coming due, or ones a
/// stopped process left running).
const SUPERVISE_EVERY: Duration = Duration::from_secs(3);

/// The outbox and the campaigns this process is sending.
#[derive(Default)]
pub struct BulkState {
    outbox: tokio::sync::Mutex<Option<Outbox>>,
    sending: Arc<Mutex<HashSet<String>>>,
}

impl BulkState {
    async fn get(&self, app: &AppHandle) -> CmdResult<Outbox> {
        let mut guard = self.outbox.lock().await;
        if let Some(o) = &*guard {
            return Ok(o.clone());
        }
        let messaging =
            app.state::<MessagingState>().get(&app.state::<AppState>(), &app.state::<RegistrationState>()).await?;
        let outbox = Outbox::new(messaging);
        *guard = Some(outbox.clone());
        Ok(outbox)
    }

    /// Sends campaign `id` in the background unless this process already does.
    fn send_soon(&self, outbox: Outbox, id: String) {
        let sending = self.sending.clone();
        if !sending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.clone()) {
            return;
        }
        tauri::async_runtime::spawn(async move {
            match outbox.run(&id, &|_| {}).await {
                Ok(c) => tracing::info!(campaign = %id, state = c.state.as_str(), "bulk send stopped"),
                Err(Error::Busy(_)) => tracing::debug!(campaign = %id, "another process sends it"),
                // The campaign shows why (its `waiting`); the supervisor tries again in a few seconds.
                Err(e) => tracing::debug!(campaign = %id, "bulk send could not go on: {e}"),
            }
            sending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
        });
    }
}

/// Once the store is unlocked: sends, in the background, every campaign nobody sends.
pub fn supervise(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<BulkState>();
            if let Ok(outbox) = state.get(&app).await {
                match outbox.unattended() {
                    Ok(ids) => ids.into_iter().for_each(|id| state.send_soon(outbox.clone(), id)),
                    Err(e) => tracing::warn!("looking for campaigns to send: {e}"),
                }
            }
            tokio::time::sleep(SUPERVISE_EVERY).await;
        }
    });
}

/// How many contacts an audience selects.
#[tauri::command]
pub async fn audience_count(app: AppHandle, state: State<'_, BulkState>, audience: Audience) -> CmdResult<u64> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.audience_count(&audience)).await
}

/// The mapping saved for a template.
#[tauri::command]
pub async fn template_mapping(
    app: AppHandle,
    state: State<'_, BulkState>,
    account_id: String,
    template_id: String,
) -> CmdResult<Vec<VariableMapping>> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.template_mapping(&account_id, &template_id)).await
}

/// Saves a sample contacts CSV for a template; returns its path.
#[tauri::command]
pub async fn template_sample_csv(
    app: AppHandle,
    state: State<'_, BulkState>,
    account_id: String,
    template_id: String,
) -> CmdResult<String> {
    let outbox = state.get(&app).await?;
    let dir = wadesk_core::messaging::history::export_dir();
    blocking(move || outbox.sample_csv_to_dir(&account_id, &template_id, &dir).map(|p| p.display().to_string())).await
}

/// Writes a draft campaign.
#[tauri::command]
pub async fn campaign_create(
    app: AppHandle,
    state: State<'_, BulkState>,
    campaign: NewCampaign,
) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.create(&campaign)).await
}

/// Changes a draft.
#[tauri::command]
pub async fn campaign_update(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    edit: CampaignEdit,
) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.update(&id, &edit)).await
}

/// Renders every recipient of a draft.
#[tauri::command]
pub async fn campaign_dry_run(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<DryRun> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.dry_run(&id)).await
}

/// Excludes contacts from a draft (or takes them back), then dry-runs it again.
#[tauri::command]
pub async fn campaign_exclude(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    contact_ids: Vec<i64>,
    excluded: bool,
) -> CmdResult<DryRun> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.exclude(&id, &contact_ids, excluded)).await
}

/// Sends the campaign's message for one contact to the admin's own number.
#[tauri::command]
pub async fn campaign_send_test(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    to: String,
    contact_id: Option<i64>,
) -> CmdResult<MessageView> {
    Ok(state.get(&app).await?.send_test(&id, &to, contact_id).await?)
}

/// Starts a draft after the admin confirmed `expected_count` messages, and sends it in the background.
#[tauri::command]
pub async fn campaign_start(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    expected_count: u64,
) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    let (o, i) = (outbox.clone(), id.clone());
    let view = blocking(move || o.start(&i, Some(expected_count))).await?;
    state.send_soon(outbox, id);
    Ok(view)
}

/// Pauses a campaign.
#[tauri::command]
pub async fn campaign_pause(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.pause(&id)).await
}

/// Resumes a paused campaign in the background.
#[tauri::command]
pub async fn campaign_resume(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    let (o, i) = (outbox.clone(), id.clone());
    let view = blocking(move || o.resume(&i)).await?;
    state.send_soon(outbox, id);
    Ok(view)
}

/// Cancels a campaign.
#[tauri::command]
pub async fn campaign_cancel(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.cancel(&id)).await
}

/// Sends the failed recipients again (all, or those with `failure_code`).
#[tauri::command]
pub async fn campaign_retry_failed(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    failure_code: Option<i64>,
) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    let (o, i) = (outbox.clone(), id.clone());
    let (view, _) = blocking(move || o.retry_failed(&i, failure_code)).await?;
    state.send_soon(outbox, id);
    Ok(view)
}

/// Resends or drops uncertain recipients (`positions`, or all).
#[tauri::command]
pub async fn campaign_resolve_uncertain(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    positions: Option<Vec<i64>>,
    action: UncertainAction,
) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    let (o, i) = (outbox.clone(), id.clone());
    let (view, _) = blocking(move || o.resolve_uncertain(&i, positions.as_deref(), action)).await?;
    if action == UncertainAction::Resend {
        state.send_soon(outbox, id);
    }
    Ok(view)
}

/// The account's campaigns, newest first.
#[tauri::command]
pub async fn campaigns_list(
    app: AppHandle,
    state: State<'_, BulkState>,
    account_id: String,
) -> CmdResult<Vec<CampaignView>> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.list(Some(&account_id))).await
}

/// One campaign.
#[tauri::command]
pub async fn campaign_get(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<CampaignView> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.get(&id)).await
}

/// The funnel over time and the failure reasons.
#[tauri::command]
pub async fn campaign_report(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<CampaignReport> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.report(&id)).await
}

/// One page of recipients.
#[tauri::command]
pub async fn campaign_recipients(
    app: AppHandle,
    state: State<'_, BulkState>,
    id: String,
    filter: RecipientFilter,
) -> CmdResult<RecipientPage> {
    let outbox = state.get(&app).await?;
    blocking(move || outbox.recipients(&id, &filter)).await
}

/// Exports every recipient as CSV to the Downloads folder; returns the path.
#[tauri::command]
pub async fn campaign_export_csv(app: AppHandle, state: State<'_, BulkState>, id: String) -> CmdResult<String> {
    let outbox = state.get(&app).await?;
    let dir = wadesk_core::messaging::history::export_dir();
    blocking(move || outbox.export_csv_to_dir(&id, &dir).map(|(p, _)| p.display().to_string())).await
}
