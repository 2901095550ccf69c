//! The plugin API: `GET …/templates` and `POST …/template/send` under
//! `/wa/api/website/{website_id}`, with Basic auth from the website's token pair (seed 004).
//!
//! Every answer is Crisp's REST envelope `{"error", "reason", "data"}` (UNCONFIRMED for the
//! plugin): 400 `invalid_data` (the field in `data.message`), 401 `unauthorized`, 403
//! `not_allowed` (another website's id), 429/420 `rate_limited`, 500 `internal_error` (forced).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

use super::{owner, website, Crisp, MESSAGE_NOT_ON_WHATSAPP};
use crate::chatarchitect::partners::PartnerId;
use crate::sendzen::catalogue::{self, placeholders};
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/wa/api/website/{website_id}/templates", get(templates))
        .route("/wa/api/website/{website_id}/template/send", post(send))
}

/// An error answer.
pub(crate) fn error(status: StatusCode, reason: &str, message: &str) -> Response {
    let data = if message.is_empty() { json!({}) } else { json!({ "message": message }) };
    (status, Json(json!({ "error": true, "reason": reason, "data": data }))).into_response()
}

fn ok(reason: &str, data: Value) -> Response {
    Json(json!({ "error": false, "reason": reason, "data": data })).into_response()
}

/// The caller's website, or the error answer (auth, website, rate, forced failure).
fn caller(crisp: &Crisp, headers: &HeaderMap, website_id: &str, endpoint: &str) -> Result<PartnerId, Box<Response>> {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some((identifier, key)) = basic.as_deref().and_then(|b| b.split_once(':')) else {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, "unauthorized", "")));
    };
    let p =
        owner(crisp, identifier, key).ok_or_else(|| Box::new(error(StatusCode::UNAUTHORIZED, "unauthorized", "")))?;
    let key = crisp.partners.signing_key(p);
    if website(key).website_id != website_id {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "not_allowed",
            "the token pair does not belong to this website",
        )));
    }
    let limit = crisp.config.rate_per_minute;
    let status = StatusCode::from_u16(crisp.config.rate_status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    crisp.store.with(p, |s| {
        if !s.admit(limit) {
            let mut res = error(status, "rate_limited", "");
            res.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("60"));
            return Err(Box::new(res));
        }
        let forced = if endpoint == "templates" { &mut s.fail_templates } else { &mut s.fail_send };
        if *forced > 0 {
            *forced -= 1;
            return Err(Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "")));
        }
        Ok(p)
    })
}

async fn templates(
    State(sandbox): State<Arc<Sandbox>>,
    Path(website_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = caller(sandbox.crisp(), &headers, &website_id, "templates") {
        return *res;
    }
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        _ => return error(StatusCode::BAD_REQUEST, "invalid_data", "limit must be 1 to 100"),
    };
    let approved = q.get("filter_approved").is_some_and(|v| v == "true").then_some("APPROVED");
    let page = match catalogue::page(approved, limit, q.get("after").map(String::as_str)) {
        Ok(p) => p,
        Err(m) => return error(StatusCode::BAD_REQUEST, "invalid_data", m),
    };
    let media = format!("{}/_sandbox/media/sample.png", sandbox.public_url());
    let list: Vec<Value> = page
        .items
        .iter()
        .map(|t| {
            let mut o = t.object(&media);
            o["quality_score"] = json!({ "score": "GREEN" });
            o
        })
        .collect();
    ok("resolved", json!({ "templates": list, "paging_next": if page.more { page.after } else { None } }))
}

/// Why a send body is refused, naming the field.
fn check(body: &Value, from: &str) -> Result<(), String> {
    let t = body.get("message_template").and_then(Value::as_object).ok_or("message_template is required")?;
    let name = t.get("name").and_then(Value::as_str).ok_or("message_template.name is required")?;
    let language = t.get("language").and_then(Value::as_str).ok_or("message_template.language must be a string")?;
    let template = catalogue::find(name, language).map_err(|other| {
        if other {
            format!("message_template.language: {name} does not exist in {language}")
        } else {
            format!("message_template.name: no template {name}")
        }
    })?;
    if !template.status.eq_ignore_ascii_case("APPROVED") {
        return Err(format!("message_template.name: {name} is not approved"));
    }
    let components = t.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
    let body_c = components
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("BODY")));
    let given = body_c.and_then(|c| c.get("parameters")).and_then(Value::as_array).map_or(0, Vec::len);
    let wanted = placeholders(template.body).len();
    if given != wanted {
        return Err(format!("message_template.components: BODY takes {wanted} parameters, got {given}"));
    }
    let kind = body.pointer("/crisp_options/type").and_then(Value::as_str).unwrap_or("note");
    if !matches!(kind, "note" | "text") {
        return Err("crisp_options.type must be note or text".into());
    }
    if kind == "text" && !components.iter().any(|c| c.get("text").and_then(Value::as_str).is_some()) {
        return Err("crisp_options.type text needs text in at least one component".into());
    }
    let to = body.get("to_number").and_then(Value::as_str).unwrap_or("").trim_start_matches('+');
    if to.len() < 6 || to.len() > 20 || !to.bytes().all(|b| b.is_ascii_digit()) {
        return Err("to_number must be a phone number in international format".into());
    }
    if body.get("from_number").and_then(Value::as_str).map(|f| f.trim_start_matches('+')) != Some(from) {
        return Err("from_number must be this website's WhatsApp number".into());
    }
    Ok(())
}

async fn send(
    State(sandbox): State<Arc<Sandbox>>,
    Path(website_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let crisp = sandbox.crisp();
    let p = match caller(crisp, &headers, &website_id, "send") {
        Ok(p) => p,
        Err(res) => return *res,
    };
    let Ok(Json(body)) = body else { return error(StatusCode::BAD_REQUEST, "invalid_data", "the body is not JSON") };
    let site = website(crisp.partners.signing_key(p));
    if let Err(m) = check(&body, &site.from_number) {
        return error(StatusCode::BAD_REQUEST, "invalid_data", &m);
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    let to = body.get("to_number").and_then(Value::as_str).unwrap_or("").trim_start_matches('+').to_owned();
    let callback = crisp.store.with(p, |s| {
        let outcome = s.next_outcome.take().or_else(|| {
            (to == crate::sendzen::DEMO_NOT_ON_WHATSAPP).then(|| (false, MESSAGE_NOT_ON_WHATSAPP.to_owned()))
        });
        let callback = match outcome {
            Some((false, message)) => json!({ "request_id": request_id, "website_id": site.website_id,
                                              "success": false, "message": message }),
            _ => json!({ "request_id": request_id, "website_id": site.website_id, "success": true,
                         "crisp_fingerprint": rand::random::<u32>() % 1_000_000_000,
                         "whatsapp_message_id": format!("wamid.{}", crate::chatarchitect::random_string(32, crate::chatarchitect::ALNUM)),
                         "session_id": format!("session_{}", uuid::Uuid::new_v4()) }),
        };
        s.requests.push(super::store::Request {
            request_id: request_id.clone(),
            body: body.clone(),
            callback: Some(callback.clone()),
            callback_url: s.callback_url.clone(),
            attempts: Vec::new(),
            delivered: false,
        });
        s.callback_url.clone().map(|url| (url, callback))
    });
    if let Some((url, payload)) = callback {
        tokio::spawn(deliver(sandbox.clone(), p, request_id.clone(), url, payload));
    }
    ok("request_accepted", json!({ "request_id": request_id }))
}

/// Sends one callback after `callback_delay`, retrying on failure with the sandbox's backoff
/// (retries are UNCONFIRMED for Crisp).
async fn deliver(sandbox: Arc<Sandbox>, p: PartnerId, request_id: String, url: String, payload: Value) {
    let crisp = sandbox.crisp();
    tokio::time::sleep(crisp.config.callback_delay).await;
    let delays = std::iter::once(std::time::Duration::ZERO).chain(sandbox.config().webhook_backoff.iter().copied());
    for delay in delays {
        tokio::time::sleep(delay).await;
        let attempt = match &crisp.http {
            Ok(http) => match http.post(&url).json(&payload).send().await {
                Ok(res) => super::store::Attempt { status: Some(res.status().as_u16()), error: String::new() },
                Err(e) => super::store::Attempt { status: None, error: e.to_string() },
            },
            Err(e) => super::store::Attempt { status: None, error: e.clone() },
        };
        let done = attempt.status.is_some_and(|s| (200..300).contains(&s));
        crisp.store.with(p, |s| {
            if let Some(r) = s.requests.iter_mut().find(|r| r.request_id == request_id) {
                r.attempts.push(attempt);
                r.delivered = done;
            }
        });
        if done {
            return;
        }
    }
}
