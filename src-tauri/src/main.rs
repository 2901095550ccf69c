//! Wadesk desktop: a Tauri window over wadesk-core.
//!
//! The shell owns no logic: commands parse arguments, call one core function and map the typed
//! error to `{code, message}`. No SQL, HTTP or crypto here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use wadesk_core::Install;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WADESK_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let dir = match Install::default_dir() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("{e}");
            std::process::exit(1);
        }
    };
    tracing::info!(data_dir = %dir.display(), "starting Wadesk");
    let result = tauri::Builder::default()
        .manage(commands::AppState::new(Install::at(dir)))
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
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the window could not start: {e}");
        std::process::exit(1);
    }
}
