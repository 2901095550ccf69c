//! The control surface under `/_sandbox/`: what tests and demos need to look inside a session and
//! to steer it without clicking through the pages. Not part of ChatArchitect's API.
//!
//! Same rules as the Partner API: a partner's Bearer token (401), only that partner's sessions
//! (404 otherwise), answers and errors in the seed's JSON shapes. The forced failures it sets are
//! per partner, so partners sharing one sandbox do not disturb each other. The view never shows
//! `app_secret` (the Partner API's `result` does) and never a token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use super::partner_api::json_object;
use super::store::now;
use super::webhook::{self, DeliveryRecord};
use super::{rfc3339, validate, Business, Session, Status, StepError, META_FAILED};
use crate::chatarchitect::error::ApiError;
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/_sandbox/registrations/{id}", get(view))
        .route("/_sandbox/registrations/{id}/complete", post(complete))
        .route("/_sandbox/registrations/{id}/fail", post(fail))
        .route("/_sandbox/registrations/{id}/expire", post(expire))
        .route("/_sandbox/webhook-failures", post(webhook_failures))
        .route("/_sandbox/partner-errors", post(partner_errors))
}

/// Everything about one session except its secret.
#[derive(Serialize)]
struct View {
    registration_id: String,
    status: Status,
    mode: &'static str,
    iframe_url: String,
    lang: &'static str,
    integration: String,
    parent_origin: String,
    webhook_url: String,
    partner_user_id: Option<String>,
    partner_state: Option<String>,
    created_at: String,
    expires_at: String,
    phone: Option<String>,
    verification_code: Option<String>,
    business: Option<Business>,
    meta_attempts: u32,
    app_id: Option<String>,
    completed_at: Option<String>,
    attempts: u32,
    last_error: String,
    delivered: bool,
    deliveries: Vec<DeliveryRecord>,
}

fn view_of(sandbox: &Sandbox, s: &Session) -> View {
    View {
        registration_id: s.id.clone(),
        status: s.status(now()),
        mode: "embed",
        iframe_url: format!("{}/?s={}&mode=embed", sandbox.public_url(), s.id),
        lang: s.lang.code(),
        integration: s.request.integration.clone(),
        parent_origin: s.request.parent_origin.clone(),
        webhook_url: s.request.webhook_url.clone(),
        partner_user_id: s.request.partner_user_id.clone(),
        partner_state: s.request.partner_state.clone(),
        created_at: rfc3339(s.created_at),
        expires_at: rfc3339(s.expires_at),
        phone: s.phone.clone(),
        verification_code: s.code.clone(),
        business: s.business.clone(),
        meta_attempts: s.meta_attempts,
        app_id: s.completion.as_ref().map(|c| c.app_id.clone()),
        completed_at: s.completion.as_ref().map(|c| rfc3339(c.completed_at)),
        attempts: s.delivery.attempts,
        last_error: s.delivery.last_error.clone(),
        delivered: s.delivery.delivered,
        deliveries: s.delivery.log.clone(),
    }
}

/// The caller and the session id, checked.
fn caller<'a>(sandbox: &Sandbox, headers: &HeaderMap, id: &'a str) -> Result<(PartnerId, &'a str), ApiError> {
    let partner = sandbox.chatarchitect().partners().authenticate(headers)?;
    if !validate::is_registration_id(id) {
        return Err(ApiError::bad_request("Invalid registration id"));
    }
    Ok((partner, id))
}

/// Runs a state change on the caller's session and answers its view.
fn change(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    id: &str,
    f: impl FnOnce(&mut Session) -> Result<(), StepError>,
) -> Result<Json<View>, ApiError> {
    let (partner, id) = caller(sandbox, headers, id)?;
    let registrations = sandbox.chatarchitect().registration();
    registrations.with_owned(partner, id, |s| f(s).map(|()| view_of(sandbox, s)))?.map(Json).map_err(conflict)
}

fn conflict(e: StepError) -> ApiError {
    match e {
        StepError::WrongState(Status::Completed) => ApiError::conflict("Registration is already completed"),
        StepError::WrongState(Status::Expired) => ApiError::conflict("Registration has expired"),
        StepError::WrongState(s) => ApiError::conflict(format!(
            "Registration has not reached the Meta Embedded Signup step (status: {})",
            s.as_str()
        )),
        StepError::Invalid(_) => ApiError::bad_request("Invalid input"),
    }
}

/// `GET /_sandbox/registrations/{id}`.
async fn view(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<View>, ApiError> {
    let (partner, id) = caller(&sandbox, &headers, &id)?;
    sandbox.chatarchitect().registration().with_owned(partner, id, |s| Json(view_of(&sandbox, s)))
}

/// `POST /_sandbox/registrations/{id}/complete` with an optional `{"phone": "..."}`: completes
/// without the pages and sends the webhook.
async fn complete(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<View>, ApiError> {
    caller(&sandbox, &headers, &id)?;
    let phone = match optional_string(&body, "phone")? {
        None => None,
        Some(raw) => Some(validate::phone(&raw).map_err(|_| {
            ApiError::bad_request("Invalid phone: use international format with 8 to 15 digits, e.g. +421233221242")
        })?),
    };
    let partners = sandbox.chatarchitect().partners();
    let view = change(&sandbox, &headers, &id, |s| s.complete(now(), phone, partners.signing_key(s.partner)))?;
    webhook::spawn_delivery(Arc::clone(&sandbox), id);
    Ok(view)
}

/// `POST /_sandbox/registrations/{id}/fail` with an optional `{"message": "..."}`: the Meta step
/// fails (from `form_completed` or `fb_started`); the page shows it and posts `failed`.
async fn fail(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<View>, ApiError> {
    caller(&sandbox, &headers, &id)?;
    let message = optional_string(&body, "message")?.filter(|m| !m.trim().is_empty());
    let message = message.unwrap_or_else(|| META_FAILED.to_owned());
    change(&sandbox, &headers, &id, |s| s.fail_meta(now(), &message))
}

/// `POST /_sandbox/registrations/{id}/expire`: the session expires now.
async fn expire(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<View>, ApiError> {
    change(&sandbox, &headers, &id, |s| s.expire(now()))
}

#[derive(Serialize)]
struct Armed {
    status: &'static str,
    count: u32,
}

/// `POST /_sandbox/webhook-failures` `{"count": N}`: the caller's next N deliveries fail unsent.
async fn webhook_failures(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Armed>, ApiError> {
    let partner = sandbox.chatarchitect().partners().authenticate(&headers)?;
    let count = count(&body)?;
    sandbox.chatarchitect().registration().force_webhook_failures(partner, count);
    Ok(Json(Armed { status: "ok", count }))
}

/// `POST /_sandbox/partner-errors` `{"count": N}`: the caller's next N Partner API calls answer 500.
async fn partner_errors(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Armed>, ApiError> {
    let partner = sandbox.chatarchitect().partners().authenticate(&headers)?;
    let count = count(&body)?;
    sandbox.chatarchitect().registration().force_partner_errors(partner, count);
    Ok(Json(Armed { status: "ok", count }))
}

fn count(body: &[u8]) -> Result<u32, ApiError> {
    json_object(body)?
        .get("count")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(ApiError::bad_request("Invalid count: expected a non-negative integer"))
}

/// A string field of an optional JSON body (an empty body has no fields).
fn optional_string(body: &[u8], name: &str) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match json_object(body)?.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("Invalid {name}: must be a string"))),
    }
}
