//! The app-level calls: `POST /webhook` (register where events go) and `POST /getHSM` (list the
//! approved templates), with the seed's request and answer shapes.
//!
//! The seed shows no answer body for `/webhook` (the sequence diagram says "Webhook saved"); the
//! sandbox answers `{"status":"success","message":"Webhook saved"}` — an assumption.
//! `webhook_message_event` and `webhook_user_event` are seen only in public clients; they are
//! validated and stored, and with `webhook_separate` true status events go to
//! `webhook_message_event` (the sandbox sends no user events).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{auth, rfc3339_ms, validate, WebhookRegistration};
use crate::chatarchitect::error::ApiError;
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/webhook", post(register)).route("/getHSM", post(get_hsm))
}

/// `POST /webhook` `{channel, destination, webhook_separate, webhook, [webhook_message_event],
/// [webhook_user_event]}`: stores the app's webhook (replacing an earlier one).
async fn register(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let body = validate::object(&body)?;
    validate::channel(&body)?;
    let destination = validate::destination(&body)?;
    let webhook_separate = validate::flag(&body, "webhook_separate")?
        .ok_or(ApiError::bad_request("Missing webhook_separate: expected \"true\" or \"false\""))?;
    let webhook = validate::webhook_field(&body, "webhook")?.ok_or(ApiError::bad_request("Missing webhook"))?;
    let registration = WebhookRegistration {
        destination,
        webhook_separate,
        webhook,
        webhook_message_event: validate::webhook_field(&body, "webhook_message_event")?,
        webhook_user_event: validate::webhook_field(&body, "webhook_user_event")?,
        registered_at: rfc3339_ms(chrono::Utc::now()),
    };
    sandbox.chatarchitect().messaging().with_app(&app_id, |app| app.webhook = Some(registration));
    Ok(Json(json!({ "status": "success", "message": "Webhook saved" })))
}

/// `POST /getHSM` `{channel, destination, getHSM: "true"}`: the app's approved templates,
/// `{"status":"submitted","templates_status":true,"templates":[{appId, category, data, …}]}`.
async fn get_hsm(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let body = validate::object(&body)?;
    validate::channel(&body)?;
    validate::destination(&body)?;
    if validate::flag(&body, "getHSM")? != Some(true) {
        return Err(ApiError::bad_request("Invalid getHSM: must be \"true\""));
    }
    let templates = sandbox.chatarchitect().messaging().with_app(&app_id, |app| Arc::clone(&app.templates));
    let listed: Vec<_> = templates.iter().map(|t| t.listed(&app_id)).collect();
    Ok(Json(json!({ "status": "submitted", "templates_status": true, "templates": listed })))
}
