//! The partner's channels and their API keys (PROVIDERS.md §4).
//!
//! - `GET /partners/{partner_id}/channels?filters={"id"|"client_id"|"waba_external_id": …}` →
//!   `{"partner_channels": [channel…], count, total, offset, limit}` (the list shape is **C**;
//!   `waba_account.phone_number_id` is UNCONFIRMED: the sandbox puts Meta's number id there).
//! - `POST /partners/{partner_id}/channels/{channel_id}/api_keys` → **201** `{api_key, address,
//!   app_id, id}` once the channel is `running` or `live` (400 before; 404 for a channel the
//!   partner does not have). A new key revokes the channel's older keys (**D**).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::channel::Stage;
use super::clients::page;
use super::error::HubError;
use super::identity::{api_key, app_id};
use super::input::Listing;
use super::store::Endpoint;
use super::{auth, waba_address};
use crate::chatarchitect::{random_string, ALNUM};
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/partners/{partner_id}/channels", get(list))
        .route("/partners/{partner_id}/channels/{channel_id}/api_keys", post(create_key))
}

async fn list(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, HubError> {
    let d = sandbox.d360();
    let (partner, identity) = auth::hub(d, &headers, &partner_id, None)?;
    let listing = Listing::parse(&query, &["id", "client_id", "waba_external_id"]).map_err(HubError::bad_request)?;
    let matching: Vec<Value> = d.store.with(|st| {
        st.partner_channels(partner)
            .into_iter()
            .filter(|c| {
                listing.matches(&[("id", &c.id), ("client_id", &c.client_id), ("waba_external_id", &c.waba_id)])
            })
            .map(|c| c.object(&identity.partner_id))
            .collect()
    });
    Ok(Json(page("partner_channels", matching, &listing)))
}

async fn create_key(
    State(sandbox): State<Arc<Sandbox>>,
    Path((partner_id, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, HubError> {
    let d = sandbox.d360();
    let (partner, _) = auth::hub(d, &headers, &partner_id, Some(Endpoint::ApiKeys))?;
    auth::object(body, true)?;
    let key_id = format!("K{}", random_string(15, ALNUM));
    let claims = d.store.with(|st| {
        let ch = st.own_channel(partner, &channel_id).ok_or_else(|| HubError::not_found("No such channel"))?;
        if ch.status < Stage::Running {
            return Err(HubError::bad_request("channel is not running yet"));
        }
        ch.key_id = Some(key_id.clone());
        Ok(ch.claims(&key_id))
    })?;
    let key = d.partners.signing_key(partner);
    let answer = json!({
        "api_key": api_key(key, &claims),
        "address": waba_address(&sandbox),
        "app_id": app_id(key, &channel_id),
        "id": key_id,
    });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}
