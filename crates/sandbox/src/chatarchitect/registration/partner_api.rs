//! The Partner API, `/partner?action=...`, exactly as the seed documents it: `create_session`,
//! `result` and `retry_webhook`, each behind `Authorization: Bearer <partner_token>`.
//!
//! Order of checks, so every answer is predictable: the token (401), then an injected server
//! failure (500, see `/_sandbox/partner-errors`), then the action (400 if missing or unknown), its
//! method (405 with `Allow`, the sandbox's choice where the seed says nothing), its input (400), the
//! session (404, also for another partner's session) and its state (409).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

use super::store::now;
use super::webhook::{self, Trigger};
use super::{rfc3339, validate, Lang, Session, SessionRequest, Status};
use crate::chatarchitect::error::ApiError;
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

/// Largest accepted request body.
const BODY_LIMIT: usize = 64 * 1024;
/// Longest accepted `partner_user_id`, `partner_state` or `integration` (characters).
const FIELD_LIMIT: usize = 2048;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/partner", any(dispatch)).layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn dispatch(
    State(sandbox): State<Arc<Sandbox>>,
    method: Method,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match handle(&sandbox, &method, &headers, query, body).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn handle(
    sandbox: &Arc<Sandbox>,
    method: &Method,
    headers: &HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let registrations = sandbox.chatarchitect().registration();
    let partner = sandbox.chatarchitect().partners().authenticate(headers)?;
    if registrations.take_partner_error(partner) {
        return Err(ApiError::server("Server-side failure (sandbox: forced partner API error)"));
    }
    let Query(query) = query.map_err(|_| ApiError::bad_request("Invalid query string"))?;
    let action = query.get("action").map_or("", String::as_str);
    let body =
        || body.map_err(|_| ApiError::bad_request(format!("Invalid request body: larger than {BODY_LIMIT} bytes")));
    match action {
        "" => Err(ApiError::bad_request("Missing action")),
        "create_session" => {
            require(method, Method::POST, action)?;
            Ok(Json(create_session(sandbox, partner, &body()?)?).into_response())
        }
        "result" => {
            require(method, Method::GET, action)?;
            let id = registration_id(query.get("registration_id").map(String::as_str))?;
            result(sandbox, partner, id)
        }
        "retry_webhook" => {
            require(method, Method::POST, action)?;
            retry_webhook(sandbox, partner, &body()?).await
        }
        _ => Err(ApiError::bad_request("Invalid action")),
    }
}

fn require(method: &Method, expected: Method, action: &str) -> Result<(), ApiError> {
    let allow = if expected == Method::GET { "GET" } else { "POST" };
    if *method == expected {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(action, allow))
    }
}

/// `create_session`'s answer, fields in the seed's order.
#[derive(Serialize)]
struct Created {
    registration_id: String,
    iframe_url: String,
    expires_at: String,
    status: Status,
}

fn create_session(sandbox: &Sandbox, partner: PartnerId, body: &[u8]) -> Result<Created, ApiError> {
    let body = json_object(body)?;
    let parent_origin = string_field(&body, "parent_origin")?
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::bad_request("Missing parent_origin"))?;
    let parent_origin = validate::parent_origin(&parent_origin).map_err(ApiError::bad_request)?;
    let webhook_url = string_field(&body, "webhook_url")?
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::bad_request("Missing webhook_url"))?;
    validate::webhook_url(&webhook_url).map_err(ApiError::bad_request)?;
    let integration = string_field(&body, "integration")?.filter(|s| !s.trim().is_empty());
    let lang = match string_field(&body, "lang")?.filter(|s| !s.is_empty()) {
        None => Lang::En,
        Some(code) => {
            Lang::parse(&code).ok_or(ApiError::bad_request("Invalid lang: supported values are de, en, es, pt, ru"))?
        }
    };
    let request = SessionRequest {
        parent_origin,
        webhook_url,
        partner_user_id: string_field(&body, "partner_user_id")?,
        partner_state: string_field(&body, "partner_state")?,
        integration: integration.unwrap_or_else(|| "Partner".to_owned()),
    };
    let registrations = sandbox.chatarchitect().registration();
    let session = Session::new(partner, request, lang, now(), registrations.ttl);
    let expires_at = rfc3339(session.expires_at);
    let id = registrations.insert(session);
    tracing::info!(registration_id = %id, "registration session created");
    let iframe_url = format!("{}/?s={id}&mode=embed", sandbox.public_url());
    Ok(Created { registration_id: id, iframe_url, expires_at, status: Status::Started })
}

/// `result`'s answer: the status alone while in progress, everything once completed.
#[derive(Serialize)]
#[serde(untagged)]
enum RegistrationResult {
    InProgress {
        status: Status,
    },
    Completed {
        status: Status,
        registration_id: String,
        app_id: String,
        app_secret: String,
        phone: String,
        integration: String,
        completed_at: String,
    },
}

fn result(sandbox: &Sandbox, partner: PartnerId, id: &str) -> Result<Response, ApiError> {
    let registrations = sandbox.chatarchitect().registration();
    let answer = registrations.with_owned(partner, id, |s| match &s.completion {
        Some(c) => RegistrationResult::Completed {
            status: Status::Completed,
            registration_id: s.id.clone(),
            app_id: c.app_id.clone(),
            app_secret: c.app_secret.clone(),
            phone: c.phone.clone(),
            integration: s.request.integration.clone(),
            completed_at: rfc3339(c.completed_at),
        },
        None => RegistrationResult::InProgress { status: s.status(now()) },
    })?;
    Ok(Json(answer).into_response())
}

/// `retry_webhook`'s answer, as in the seed.
#[derive(Serialize)]
struct Retried {
    status: &'static str,
    attempts: u32,
    last_error: String,
}

async fn retry_webhook(sandbox: &Sandbox, partner: PartnerId, body: &[u8]) -> Result<Response, ApiError> {
    let body = json_object(body)?;
    let id = match body.get("registration_id") {
        None | Some(Value::Null) => registration_id(None)?,
        Some(Value::String(s)) => registration_id(Some(s))?,
        Some(_) => return Err(ApiError::bad_request("Invalid registration id")),
    };
    let registrations = sandbox.chatarchitect().registration();
    let completed = registrations.with_owned(partner, id, |s| s.completion.is_some())?;
    if !completed {
        return Err(ApiError::conflict("Registration is not completed; there is no webhook to retry yet"));
    }
    let outcome =
        webhook::attempt(sandbox, id, Trigger::RetryWebhook).await.ok_or_else(ApiError::registration_not_found)?;
    let status = if outcome.ok { "sent" } else { "failed" };
    Ok(Json(Retried { status, attempts: outcome.attempts, last_error: outcome.last_error }).into_response())
}

/// A registration id as given in the query or the body.
fn registration_id(raw: Option<&str>) -> Result<&str, ApiError> {
    match raw {
        None | Some("") => Err(ApiError::bad_request("Missing registration id")),
        Some(id) if validate::is_registration_id(id) => Ok(id),
        Some(_) => Err(ApiError::bad_request("Invalid registration id")),
    }
}

/// The body as a JSON object.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("Invalid request body: expected a JSON object")),
        Err(_) => Err(ApiError::bad_request("Invalid JSON body")),
    }
}

/// An optional string field: absent or `null` is `None`; another type, or more than
/// [`FIELD_LIMIT`] characters, is a 400 naming the field.
fn string_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= FIELD_LIMIT => Ok(Some(s.clone())),
        Some(Value::String(_)) => {
            Err(ApiError::bad_request(format!("Invalid {name}: longer than {FIELD_LIMIT} characters")))
        }
        Some(_) => Err(ApiError::bad_request(format!("Invalid {name}: must be a string"))),
    }
}
