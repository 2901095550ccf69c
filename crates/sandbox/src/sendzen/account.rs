//! What a customer key can read: `GET /v1/auth/api_key` (the key check SendZen's n8n credential
//! test makes), `GET /v1/waba` (the project and its connected WABA, to learn the `from` number) and
//! `GET /v1/{waba_id}/message_templates` (the catalogue, paged).
//!
//! Shapes are PROVIDERS.md §2's (SendZen's n8n types). Values the types only name (`number_status`,
//! `setup_mode`, `phone_number_type`, `waba_onboard_stage`, `mm_lite_api_status`) are the sandbox's
//! guesses, and the `message` texts are its own. A WABA in the path that belongs to another
//! project answers 401, one nobody has 404.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::catalogue::{self, DEFAULT_LIMIT, MAX_LIMIT};
use super::error::{ApiError, CODE_ACCESS_DENIED, CODE_NOT_FOUND};
use super::project::Project;
use super::store::State as Store;
use super::{auth, PREFIX};
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/v1/auth/api_key", get(api_key))
        .route("/v1/waba", get(wabas))
        .route("/v1/{id}/message_templates", get(templates))
}

type Answer = Result<Json<Value>, ApiError>;

/// `GET /v1/auth/api_key`: 200 for a customer key, 401 otherwise.
async fn api_key(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    auth::customer(sandbox.sendzen(), &headers)?;
    Ok(Json(json!({ "message": "API key is valid", "data": { "valid": true } })))
}

/// `GET /v1/waba`: the key's project with its WABA (none before onboarding completes).
async fn wabas(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let sz = sandbox.sendzen();
    let id = auth::customer(sz, &headers)?;
    let project = sz.store.with(|st| st.project(&id).map(|p| project_json(p)));
    Ok(Json(json!({
        "message": "WABA accounts fetched successfully",
        "data": { "projects": project.into_iter().collect::<Vec<_>>() },
    })))
}

fn project_json(p: &Project) -> Value {
    let wabas: Vec<Value> = p
        .waba
        .iter()
        .map(|w| {
            json!({
                "id": w.number,
                "waba_id": w.waba_id,
                "waba_business_name": w.business_name,
                "phone_number_id": w.phone_number_id,
                "phone_number": w.phone_number,
                "number_status": "CONNECTED",
                "setup_mode": "embedded_signup",
                "mm_lite_api_status": "disabled",
                "phone_number_type": "cloud_api",
                "waba_onboard_stage": "completed",
            })
        })
        .collect();
    json!({ "id": p.number, "project_name": p.name, "client_identifier": p.client_identifier, "wabas": wabas })
}

/// Whether the caller's project owns WABA `waba_id`: 401 if another project does, 404 if none.
pub(crate) fn owns_waba(st: &Store, caller: &str, waba_id: &str) -> Result<(), ApiError> {
    match st.by_waba(waba_id) {
        Some(p) if p.id == caller => Ok(()),
        Some(_) => {
            Err(ApiError::unauthorized(CODE_ACCESS_DENIED, "This API key does not belong to the project of this WABA"))
        }
        None => Err(ApiError::not_found(CODE_NOT_FOUND, format!("No WhatsApp Business Account {waba_id}"))),
    }
}

/// `GET /v1/{waba_id}/message_templates[?limit=N][&after=<cursor>][&status=APPROVED]`.
async fn templates(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(waba_id): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Answer {
    let sz = sandbox.sendzen();
    let caller = auth::customer(sz, &headers)?;
    sz.store.with(|st| owns_waba(st, &caller, &waba_id))?;
    let Query(query) = query.map_err(|_| ApiError::field("Invalid query string"))?;
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::field(format!("limit must be an integer from 1 to {MAX_LIMIT}")))?,
    };
    let status = query.get("status").map(String::as_str);
    let page = catalogue::page(status, limit, query.get("after").map(String::as_str)).map_err(ApiError::field)?;
    let media = format!("{}/_sandbox/media/sample.png", sandbox.public_url());
    let data: Vec<Value> = page.items.iter().map(|t| t.object(&media)).collect();
    let mut answer = json!({ "message": "Templates fetched successfully", "data": { "data": data } });
    if let (Some(before), Some(after), Some(map)) = (page.before, page.after, answer.as_object_mut()) {
        let mut paging = json!({ "cursors": { "before": before, "after": after } });
        if page.more {
            let mut next =
                format!("{}{PREFIX}/v1/{waba_id}/message_templates?limit={limit}&after={after}", sandbox.public_url());
            if let Some(s) = status {
                next.push_str("&status=");
                next.push_str(&url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
            }
            paging["next"] = json!(next);
        }
        map.insert("paging".to_owned(), paging);
    }
    Ok(Json(answer))
}
