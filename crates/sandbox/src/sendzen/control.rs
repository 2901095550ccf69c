//! The control surface under `/sendzen/_sandbox/`: what tests and demos need to steer the
//! simulated SendZen and to see what it did. Not part of SendZen's API; the webhook secret routes
//! stand in for SendZen's dashboard, where a customer sets the secret that signs its webhooks.
//!
//! Callers: a project's routes take the partner key that created it or the project's own
//! `api_key` (another project: 404); `partner-errors` and the project list take a partner key.
//! Answers are JSON; errors are the Partner API's `{"error", "message"}`. Views never show an
//! `api_key` or a secret.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::auth::{self, Caller};
use super::error::PartnerError;
use super::inbound::{self, Written};
use super::outcome::{Connect, Outcome, Refused};
use super::project::{Forced, Onboarding, Project, Secret};
use super::webhooks::{self, Event};
use super::{messages::e164_digits, SendZen};
use crate::chatarchitect::messaging::rfc3339_ms;
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/_sandbox/partner-errors", post(partner_errors))
        .route("/_sandbox/projects", get(list))
        .route("/_sandbox/projects/{id}", get(view))
        .route("/_sandbox/projects/{id}/complete", post(complete))
        .route("/_sandbox/projects/{id}/fail", post(fail))
        .route("/_sandbox/projects/{id}/expire-iframes", post(expire))
        .route("/_sandbox/projects/{id}/webhook-secret", post(set_secret).put(set_secret).delete(clear_secret))
        .route("/_sandbox/projects/{id}/inbound", post(inbound))
        .route("/_sandbox/projects/{id}/messages", get(messages))
        .route("/_sandbox/projects/{id}/webhooks", get(deliveries))
        .route("/_sandbox/projects/{id}/errors", post(project_errors))
}

type Answer = Result<Json<Value>, PartnerError>;

/// The body as a JSON object; an empty body is `{}`.
fn object(body: &[u8]) -> Result<Map<String, Value>, PartnerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(PartnerError::bad_request("Request body must be a JSON object")),
    }
}

/// Checks that the caller may use project `id`.
fn authorize(sz: &SendZen, headers: &HeaderMap, id: &str) -> Result<Caller, PartnerError> {
    let caller = auth::caller(sz, headers)?;
    let allowed = sz.store.with(|st| st.project(id).is_some_and(|p| caller.may_use(id, p.partner)));
    if allowed {
        Ok(caller)
    } else {
        Err(PartnerError::project_not_found())
    }
}

/// Runs `f` on project `id` (after [`authorize`]).
fn with_project<R>(sz: &SendZen, id: &str, f: impl FnOnce(&mut Project) -> R) -> Result<R, PartnerError> {
    sz.store.with(|st| st.project(id).map(f)).ok_or_else(PartnerError::project_not_found)
}

fn project_view(p: &Project, live_iframes: usize) -> Value {
    let failure = match &p.onboarding {
        Onboarding::Failed(m) => Some(m.clone()),
        _ => None,
    };
    json!({
        "project_id": p.id,
        "client_identifier": p.client_identifier,
        "project_name": p.name,
        "created_at": rfc3339_ms(p.created_at),
        "onboarding": p.onboarding.as_str(),
        "failure_message": failure,
        "waba": p.waba.as_ref().map(|w| json!({
            "waba_id": w.waba_id, "phone_number_id": w.phone_number_id, "phone_number": w.phone_number,
            "business_name": w.business_name, "connected_at": rfc3339_ms(w.connected_at),
        })),
        "webhook": p.webhook_status,
        "webhook_url": p.webhook_url,
        "webhook_secret_set": p.webhook_secret.is_some(),
        "live_iframe_urls": live_iframes,
    })
}

fn view_of(sz: &SendZen, id: &str) -> Result<Value, PartnerError> {
    let now = Utc::now();
    sz.store
        .with(|st| {
            let live = st.live_tokens(id, now).count();
            st.project(id).map(|p| project_view(p, live))
        })
        .ok_or_else(PartnerError::project_not_found)
}

/// `GET /_sandbox/projects` (partner key): the partner's projects, oldest first.
async fn list(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let sz = sandbox.sendzen();
    let partner = auth::partner(sz, &headers)?;
    let now = Utc::now();
    let views: Vec<Value> = sz.store.with(|st| {
        let ids: Vec<String> = st.partner_projects(partner).iter().map(|p| p.id.clone()).collect();
        ids.iter()
            .filter_map(|id| {
                let live = st.live_tokens(id, now).count();
                st.project(id).map(|p| project_view(p, live))
            })
            .collect()
    });
    Ok(Json(json!({ "projects": views })))
}

/// `GET /_sandbox/projects/{id}`.
async fn view(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    Ok(Json(view_of(sz, &id)?))
}

/// Announces `outcome` by webhook and answers the project's view.
fn announced(sandbox: &Arc<Sandbox>, id: &str, outcome: Result<Outcome, Refused>) -> Answer {
    let o = outcome.map_err(|r| match r {
        Refused::AlreadyCompleted => PartnerError::conflict("Onboarding is already completed for this project"),
        Refused::PhoneInUse => PartnerError::conflict("That phone number is connected to another project"),
        Refused::UnknownProject => PartnerError::project_not_found(),
    })?;
    let event = Event { kind: "onboarding", event: o.event.to_owned(), reference: id.to_owned() };
    webhooks::spawn(Arc::clone(sandbox), id.to_owned(), event, o.body);
    Ok(Json(view_of(sandbox.sendzen(), id)?))
}

fn optional_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, PartnerError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 256 => Ok(Some(s.clone())),
        Some(_) => {
            Err(PartnerError::bad_request(format!("{field} must be a non-empty string of at most 256 characters")))
        }
    }
}

/// `POST /_sandbox/projects/{id}/complete` `[{phone_number?, business_name?}]`: completes the
/// onboarding without the page, as the connect button would (409 once completed).
async fn complete(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let body = object(&body)?;
    let phone_number = match optional_string(&body, "phone_number")? {
        None => None,
        Some(raw) => {
            Some(e164_digits(&raw).ok_or_else(|| PartnerError::bad_request("phone_number must be 8 to 15 digits"))?)
        }
    };
    let connect = Connect { phone_number, business_name: optional_string(&body, "business_name")? };
    let outcome = sz.store.with(|st| st.complete(&id, Utc::now(), connect));
    announced(&sandbox, &id, outcome)
}

/// `POST /_sandbox/projects/{id}/fail` `[{message?}]`: a failed attempt (default: the cancel
/// message), announced like the page's.
async fn fail(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let message =
        optional_string(&object(&body)?, "message")?.unwrap_or_else(|| super::outcome::MESSAGE_CANCELLED.to_owned());
    let outcome = sz.store.with(|st| st.fail(&id, Utc::now(), &message));
    announced(&sandbox, &id, outcome)
}

/// `POST /_sandbox/projects/{id}/expire-iframes`: every iframe URL of the project stops loading.
async fn expire(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let expired = sz.store.with(|st| st.expire_tokens(&id, Utc::now()));
    Ok(Json(json!({ "expired": expired })))
}

/// `PUT|POST /_sandbox/projects/{id}/webhook-secret` `{secret}`: webhooks are signed from now on.
async fn set_secret(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let secret = match object(&body)?.get("secret") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => s.clone(),
        _ => return Err(PartnerError::bad_request("secret must be a non-empty string of at most 256 bytes")),
    };
    with_project(sz, &id, |p| p.webhook_secret = Some(Secret::new(secret)))?;
    Ok(Json(json!({ "webhook_secret_set": true })))
}

/// `DELETE /_sandbox/projects/{id}/webhook-secret`: webhooks go unsigned again.
async fn clear_secret(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    with_project(sz, &id, |p| p.webhook_secret = None)?;
    Ok(Json(json!({ "webhook_secret_set": false })))
}

/// `POST /_sandbox/projects/{id}/inbound` `{from, type?, name?, timestamp?, context_id?,
/// <type>?}`: a customer writes (see [`inbound`]); 409 before onboarding completes.
async fn inbound(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let written = Written::from_request(&object(&body)?).map_err(PartnerError::bad_request)?;
    let (message_id, bytes, webhook) = inbound::record(&sandbox, &id, &written)
        .ok_or_else(|| PartnerError::conflict("The project has no WhatsApp number yet: complete onboarding first"))?;
    let answer = json!({ "status": "submitted", "message_id": message_id, "webhook": webhook });
    let task = Arc::clone(&sandbox);
    tokio::spawn(async move { inbound::deliver(&task, &id, message_id, bytes).await });
    Ok(Json(answer))
}

/// `GET /_sandbox/projects/{id}/messages`: `{sent, inbound, reads}`, oldest first.
async fn messages(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    with_project(sz, &id, |p| Json(json!({ "sent": p.sent, "inbound": p.inbound, "reads": p.reads })))
}

/// `GET /_sandbox/projects/{id}/webhooks`: `{webhook_url, webhook_secret_set, deliveries}`.
async fn deliveries(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    with_project(sz, &id, |p| {
        Json(json!({
            "webhook_url": p.webhook_url,
            "webhook_secret_set": p.webhook_secret.is_some(),
            "deliveries": p.deliveries,
        }))
    })
}

/// `{status: 500|429, count}` of the error routes.
fn forced(body: &[u8]) -> Result<Forced, PartnerError> {
    let body = object(body)?;
    let status = match body.get("status").and_then(Value::as_u64) {
        Some(s @ (429 | 500)) => s as u16,
        _ => return Err(PartnerError::bad_request("status must be 500 or 429")),
    };
    let count = body
        .get("count")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| PartnerError::bad_request("count must be a non-negative integer"))?;
    Ok(Forced::arm(status, count))
}

/// `POST /_sandbox/partner-errors` `{status, count}` (partner key): the partner's next `count`
/// Partner API calls answer `status` (0 disarms).
async fn partner_errors(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    let sz = sandbox.sendzen();
    let partner = auth::partner(sz, &headers)?;
    let forced = forced(&body)?;
    sz.store.with(|st| st.arm_partner(partner, forced, sz.config.partner_rate_per_second));
    Ok(Json(json!({ "status": "ok" })))
}

/// `POST /_sandbox/projects/{id}/errors` `{status, count}`: the project's next `count` messaging
/// API calls answer `status`.
async fn project_errors(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let sz = sandbox.sendzen();
    authorize(sz, &headers, &id)?;
    let forced = forced(&body)?;
    with_project(sz, &id, |p| p.forced = forced)?;
    Ok(Json(json!({ "status": "ok" })))
}
