//! The messaging control surface under `/_sandbox/messaging/`: what tests and demos need to steer
//! an app's simulated WhatsApp and to look at what the API accepted and delivered. Not part of
//! ChatArchitect's API.
//!
//! Authenticated like the API itself, with the app's own Basic pair; each app sees and changes
//! only its own state. Answers are JSON; errors are the seed's shape.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{auth, catalogue, inbound, validate};
use crate::chatarchitect::error::ApiError;
use crate::Sandbox;

/// `settings` (GET, POST: delays, rate, delivery options, `enforce_window`), `templates` (GET,
/// PUT|POST), `destinations/{number}` (GET, POST), `inbound` (POST: a customer writes, with
/// optional `timestamp` and `copies`), `sent` (GET) and `webhook` (GET), all under
/// `/_sandbox/messaging/`.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/_sandbox/messaging/settings", get(settings).post(update_settings))
        .route("/_sandbox/messaging/templates", get(templates).put(replace_templates).post(replace_templates))
        .route("/_sandbox/messaging/destinations/{number}", get(destination).post(update_destination))
        .route("/_sandbox/messaging/inbound", post(inbound))
        .route("/_sandbox/messaging/sent", get(sent))
        .route("/_sandbox/messaging/webhook", get(webhook))
}

type Answer = Result<Json<Value>, ApiError>;

/// `GET /_sandbox/messaging/settings`: `{sent_delay_ms, delivered_delay_ms, read_delay_ms,
/// rate_per_second, duplicates, reorder, wamid_ids, enforce_window}`.
async fn settings(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let view = sandbox.chatarchitect().messaging().with_app(&app_id, |app| app.settings.view());
    Ok(Json(json!(view)))
}

/// `POST /_sandbox/messaging/settings` with any of the view's fields; answers the new settings.
/// Applies to messages accepted from now on.
async fn update_settings(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let body = validate::object(&body)?;
    let view = sandbox.chatarchitect().messaging().with_app(&app_id, |app| {
        app.settings = app.settings.updated(&body)?;
        Ok::<_, ApiError>(app.settings.view())
    })?;
    Ok(Json(json!(view)))
}

/// `GET /_sandbox/messaging/templates`: the catalogue in `/getHSM`'s item shape.
async fn templates(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let templates = sandbox.chatarchitect().messaging().with_app(&app_id, |app| Arc::clone(&app.templates));
    let listed: Vec<_> = templates.iter().map(|t| t.listed(&app_id)).collect();
    Ok(Json(json!({ "templates": listed })))
}

/// `PUT|POST /_sandbox/messaging/templates` `{"templates": [{category, data, templateType?,
/// elementName?, languageCode?}]}`: replaces the app's catalogue; answers `{status, count}`.
async fn replace_templates(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let templates = catalogue::parse_replacement(&validate::object(&body)?)?;
    let count = templates.len();
    sandbox.chatarchitect().messaging().with_app(&app_id, |app| app.templates = Arc::new(templates));
    Ok(Json(json!({ "status": "ok", "count": count })))
}

fn number(raw: &str) -> Result<&str, ApiError> {
    if validate::is_phone(raw) {
        Ok(raw)
    } else {
        Err(ApiError::bad_request("Invalid number: use international format without +, 8 to 15 digits"))
    }
}

/// `GET /_sandbox/messaging/destinations/{number}`: `{number, behaviour, persona}`.
async fn destination(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(raw): Path<String>) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let n = number(&raw)?;
    let d = sandbox.chatarchitect().messaging().with_app(&app_id, |app| app.destination(n));
    Ok(Json(json!({ "number": n, "behaviour": d.behaviour, "persona": d.persona })))
}

/// `POST /_sandbox/messaging/destinations/{number}` `{behaviour?, persona?}` (behaviour: normal,
/// not_opted_in, not_on_whatsapp, slow, never_read; persona: thanks, stop or null).
async fn update_destination(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let n = number(&raw)?;
    let body = validate::object(&body)?;
    let d = sandbox.chatarchitect().messaging().with_app(&app_id, |app| {
        let next = app.destination(n).updated(&body)?;
        app.destinations.insert(n.to_owned(), next);
        Ok::<_, ApiError>(next)
    })?;
    Ok(Json(json!({ "number": n, "behaviour": d.behaviour, "persona": d.persona })))
}

/// `POST /_sandbox/messaging/inbound` `{source, type?, payload?, name?, timestamp?, copies?}`: the
/// customer writes in. `type` is one of [`inbound::TYPES`] (default text; `payload` overrides
/// fields of its default) or any other lower-case word with a required `payload` delivered as-is;
/// `timestamp` (ms, default now) is when the customer wrote; `copies` (1..=5, default 1) delivers
/// the same body that many times, one after the other. The customer's service window is updated
/// before the answer; delivery happens after it. Answers `{"status":"submitted","webhook": <the
/// body being delivered>}`.
async fn inbound(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let body = validate::object(&body)?;
    let inbound::Simulated { message, copies } =
        inbound::message_from_request(&sandbox, &app_id, &body).map_err(ApiError::bad_request)?;
    message.record(&sandbox, &app_id);
    let answer = json!({ "status": "submitted", "webhook": message.body });
    let task_sandbox = Arc::clone(&sandbox);
    tokio::spawn(async move {
        for _ in 0..copies {
            message.deliver(&task_sandbox, &app_id).await;
        }
    });
    Ok(Json(answer))
}

#[derive(Deserialize)]
struct SentQuery {
    destination: Option<String>,
}

/// `GET /_sandbox/messaging/sent[?destination=N]`: `{"messages": [{messageId, destination, type,
/// message, payload, template_id, accepted_at}]}`, oldest first.
async fn sent(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Query<SentQuery>) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let messages: Vec<_> = sandbox.chatarchitect().messaging().with_app(&app_id, |app| {
        app.sent.iter().filter(|m| q.destination.as_ref().is_none_or(|d| *d == m.destination)).cloned().collect()
    });
    Ok(Json(json!({ "messages": messages })))
}

/// `GET /_sandbox/messaging/webhook`: `{"webhook": <what /webhook stored or null>, "deliveries":
/// [{message_id, event, url, attempts, last_status, last_error, delivered, body}]}`.
async fn webhook(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let (hook, deliveries) =
        sandbox.chatarchitect().messaging().with_app(&app_id, |app| (app.webhook.clone(), app.deliveries.clone()));
    Ok(Json(json!({ "webhook": hook, "deliveries": deliveries })))
}
