//! `/crisp/_sandbox/`: stands in for the plugin's "API Tokens" and "API Settings" sections, and
//! test hooks. Authenticated with the partner token (`X-API-Key`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::api::error;
use super::website;
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/_sandbox/website", get(site))
        .route("/_sandbox/website/callback_url", post(callback_url))
        .route("/_sandbox/website/requests", get(requests))
        .route("/_sandbox/website/next_outcome", post(next_outcome))
        .route("/_sandbox/fail_next", post(fail_next))
}

fn partner(sandbox: &Sandbox, headers: &HeaderMap) -> Result<PartnerId, Box<Response>> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    sandbox.crisp().partners.find(key).ok_or_else(|| Box::new(error(StatusCode::UNAUTHORIZED, "unauthorized", "")))
}

async fn site(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let p = match partner(&sandbox, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let w = website(sandbox.crisp().partners.signing_key(p));
    Json(json!({ "website_id": w.website_id, "identifier": w.identifier, "key": w.key, "from_number": w.from_number }))
        .into_response()
}

async fn callback_url(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let p = match partner(&sandbox, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let url = match body.get("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) => match crate::d360::input::webhook_url(u, "url", false) {
            Ok(u) => Some(u),
            Err(m) => return error(StatusCode::BAD_REQUEST, "invalid_data", &m),
        },
        Some(_) => return error(StatusCode::BAD_REQUEST, "invalid_data", "url must be a string or null"),
    };
    sandbox.crisp().store.with(p, |s| s.callback_url = url.clone());
    Json(json!({ "callback_url": url })).into_response()
}

async fn requests(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let p = match partner(&sandbox, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let list = sandbox.crisp().store.with(p, |s| serde_json::to_value(&s.requests).unwrap_or(Value::Null));
    Json(json!({ "requests": list })).into_response()
}

async fn next_outcome(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let p = match partner(&sandbox, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let success = body.get("success").and_then(Value::as_bool).unwrap_or(true);
    let message = body.get("message").and_then(Value::as_str).unwrap_or("The template was not sent").to_owned();
    sandbox.crisp().store.with(p, |s| s.next_outcome = Some((success, message)));
    Json(json!({ "armed": true })).into_response()
}

async fn fail_next(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let p = match partner(&sandbox, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1).min(1000) as u32;
    let endpoint = body.get("endpoint").and_then(Value::as_str).unwrap_or("");
    let armed = sandbox.crisp().store.with(p, |s| match endpoint {
        "templates" => {
            s.fail_templates = count;
            true
        }
        "send" => {
            s.fail_send = count;
            true
        }
        _ => false,
    });
    if !armed {
        return error(StatusCode::BAD_REQUEST, "invalid_data", "endpoint must be templates or send");
    }
    Json(json!({ "armed": count })).into_response()
}
