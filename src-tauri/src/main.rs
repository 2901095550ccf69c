//! Wadesk desktop: a Tauri window over wadesk-core.
//!
//! The shell owns no logic: commands parse arguments, call one core function and map the typed
//! error to `{code, message}`. No SQL, HTTP or crypto here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bulk;
mod commands;
mod contacts;
mod crisp;
mod d360;
mod gupshup;
mod inbox;
mod messaging;
mod registration;
mod sendzen;

use tauri::webview::NewWindowResponse;
use tauri::{Manager, WebviewWindowBuilder};
use wadesk_core::Install;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WADESK_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let install = match Install::default_dir().and_then(Install::for_dir) {
        Ok(install) => install,
        Err(e) => {
            tracing::error!("{e}");
            std::process::exit(1);
        }
    };
    tracing::info!(data_dir = %install.dir().display(), "starting Wadesk");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_notification::init())
        .manage(commands::AppState::new(install))
        .manage(registration::RegistrationState::default())
        .manage(sendzen::SendzenState::default())
        .manage(d360::D360State::default())
        .manage(gupshup::GupshupState::default())
        .manage(messaging::MessagingState::default())
        .manage(bulk::BulkState::default())
        .manage(contacts::ContactsState::default())
        .setup(|app| {
            // The main window is built here rather than from the config alone so it can decide on
            // popups: the registration frame opens Meta signup with window.open, which WebKitGTK
            // refuses unless the app answers. Only registration origins and Meta are allowed.
            let origins = app.state::<registration::RegistrationState>().popup_origins();
            let config = app.config().app.windows.first().cloned().ok_or("no window in tauri.conf.json")?;
            WebviewWindowBuilder::from_config(app.handle(), &config)?
                .on_new_window(move |url, _features| {
                    let allowed = origins.read().map(|o| registration::popup_allowed(&url, &o)).unwrap_or(false);
                    if allowed {
                        NewWindowResponse::Allow
                    } else {
                        tracing::warn!(origin = %url.origin().ascii_serialization(), "refused a popup");
                        NewWindowResponse::Deny
                    }
                })
                .build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::store_status,
            commands::store_create,
            commands::store_unlock,
            commands::providers_catalog,
            commands::accounts_list,
            commands::account_add,
            commands::account_rename,
            commands::account_remove,
            commands::relay_status,
            commands::relay_self_test,
            commands::relay_use_remote,
            commands::relay_use_embedded,
            registration::registration_start,
            registration::registration_refresh,
            registration::registration_confirm,
            registration::registration_retry_webhook,
            registration::registration_settings,
            registration::registration_use_partner,
            registration::registration_use_sandbox,
            sendzen::sendzen_start,
            d360::d360_start,
            d360::d360_signup,
            d360::d360_follow,
            d360::d360_retry,
            d360::d360_settings,
            d360::d360_use_partner,
            d360::d360_use_sandbox,
            crisp::crisp_callback_url,
            crisp::crisp_sandbox_account,
            crisp::crisp_message_type,
            crisp::crisp_set_message_type,
            gupshup::gupshup_link,
            gupshup::gupshup_follow,
            gupshup::gupshup_links,
            gupshup::gupshup_settings,
            gupshup::gupshup_use_partner,
            gupshup::gupshup_use_sandbox,
            sendzen::sendzen_iframe,
            sendzen::sendzen_report,
            sendzen::sendzen_follow,
            sendzen::sendzen_settings,
            sendzen::sendzen_use_partner,
            sendzen::sendzen_use_sandbox,
            messaging::account_check,
            messaging::templates_list,
            messaging::templates_sync,
            messaging::messaging_health,
            messaging::webhook_register,
            messaging::messaging_set_number,
            messaging::send_text,
            messaging::send_template,
            messaging::message_retry,
            messaging::history_page,
            messaging::message_detail,
            messaging::history_export_csv,
            bulk::audience_count,
            bulk::template_mapping,
            bulk::template_sample_csv,
            bulk::campaign_create,
            bulk::campaign_update,
            bulk::campaign_dry_run,
            bulk::campaign_exclude,
            bulk::campaign_send_test,
            bulk::campaign_start,
            bulk::campaign_pause,
            bulk::campaign_resume,
            bulk::campaign_cancel,
            bulk::campaign_retry_failed,
            bulk::campaign_resolve_uncertain,
            bulk::campaigns_list,
            bulk::campaign_get,
            bulk::campaign_report,
            bulk::campaign_recipients,
            bulk::campaign_export_csv,
            contacts::contacts_import_stage,
            contacts::contacts_import_run,
            contacts::contacts_import_cancel,
            contacts::contacts_page,
            contacts::contact_update,
            contacts::contacts_delete,
            contacts::contacts_tag,
            contacts::contacts_export_csv,
            contacts::contact_settings,
            contacts::contact_settings_set,
            inbox::conversations_list,
            inbox::conversation_get,
            inbox::conversation_open,
            inbox::conversation_timeline,
            inbox::conversation_position,
            inbox::conversation_mark_read,
            inbox::conversation_reply_text,
            inbox::conversation_reply_template,
            inbox::conversation_open_media,
            inbox::inbox_search,
            inbox::inbox_simulate_customer,
            inbox::canned_replies_list,
            inbox::canned_reply_save,
            inbox::canned_reply_delete,
            inbox::canned_replies_for,
            inbox::inbox_settings,
            inbox::inbox_settings_set,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the window could not start: {e}");
        std::process::exit(1);
    }
}
