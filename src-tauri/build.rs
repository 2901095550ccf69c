//! Declares the app's commands so each needs an explicit permission in capabilities/ (least privilege).

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "store_status",
        "store_create",
        "store_unlock",
        "providers_catalog",
        "accounts_list",
        "account_add",
        "account_rename",
        "account_remove",
        "relay_status",
        "relay_self_test",
        "relay_use_remote",
        "registration_start",
        "registration_refresh",
        "registration_confirm",
        "registration_retry_webhook",
        "registration_settings",
        "registration_use_partner",
        "registration_use_sandbox",
        "account_check",
        "templates_list",
        "templates_sync",
        "messaging_health",
        "webhook_register",
        "messaging_set_number",
        "send_text",
        "send_template",
        "message_retry",
        "history_page",
        "message_detail",
        "history_export_csv",
    ])))
    .expect("tauri build script failed");
}
