//! The control surface under `/d360/_sandbox/`: what tests and demos need to steer the simulated
//! 360dialog and see what it did. Not part of 360dialog's API; the signing secret routes stand in
//! for the Partner Hub UI, where the secret is generated.
//!
//! Every route takes a partner key (`X-API-Key`, or Bearer) and sees only that partner's
//! channels (another partner's: 404). Errors are the Partner Hub's shape. Views never show an API
//! key, a secret or an echoed header value.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::channel::Stage;
use super::error::HubError;
use super::store::Endpoint;
use super::{auth, events};
use crate::chatarchitect::partners::PartnerId;
use crate::sendzen::inbound::Written;
use crate::sendzen::project::Secret;
use crate::Sandbox;

type Answer = Result<Json<Value>, HubError>;

/// Longest signing secret accepted, in bytes.
const MAX_SECRET: usize = 256;
/// Most forced failures armed at once.
const MAX_FAIL: u64 = 1000;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/partner", get(partner))
        .route("/partner/signing_secret", post(partner_secret))
        .route("/partner/deliveries", get(partner_deliveries))
        .route("/channels/{id}", get(channel))
        .route("/channels/{id}/signing_secret", post(channel_secret))
        .route("/channels/{id}/hold", post(hold))
        .route("/channels/{id}/release", post(release))
        .route("/signups", get(signups))
        .route("/fail_next", post(fail_next))
        .route("/inbound", post(inbound))
}

fn caller(sandbox: &Sandbox, headers: &HeaderMap) -> Result<PartnerId, HubError> {
    auth::partner(sandbox.d360(), headers)
}

/// `{secret: string|null}` → the secret to set.
fn secret(map: &Map<String, Value>) -> Result<Option<Secret>, HubError> {
    match map.get("secret") {
        Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SECRET => Ok(Some(Secret::new(s.clone()))),
        _ => Err(HubError::bad_request("secret must be a non-empty string of at most 256 bytes, or null")),
    }
}

async fn partner(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let id = auth::identity(sandbox.d360(), p);
    Ok(Json(json!({
        "partner_id": id.partner_id,
        "solution_id": id.solution_id,
        "meta_app_id": id.meta_app_id,
        "meta_config_id": id.meta_config_id,
    })))
}

async fn partner_secret(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let s = secret(&auth::object(body, false)?)?;
    let d = sandbox.d360();
    let set = s.is_some();
    d.store.with(|st| st.partner(p, d.config.partner_rate_per_second).secret = s);
    Ok(Json(json!({ "signing_secret_set": set })))
}

async fn partner_deliveries(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let d = sandbox.d360();
    let list = d.store.with(|st| serde_json::to_value(&st.partner(p, d.config.partner_rate_per_second).deliveries));
    Ok(Json(json!({ "deliveries": list.unwrap_or(Value::Null) })))
}

fn not_found() -> HubError {
    HubError::not_found("No such channel")
}

async fn channel(State(sandbox): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let d = sandbox.d360();
    let partner_id = auth::identity(d, p).partner_id;
    let rate = d.config.partner_rate_per_second;
    d.store.with(|st| {
        let ch = st.own_channel(p, &id).ok_or_else(not_found)?;
        let view = json!({
            "channel": ch.object(&partner_id),
            "hold": ch.hold.map(Stage::as_str),
            "api_key_id": ch.key_id,
            "pricing_tier": ch.pricing_tier,
            "webhook": ch.hook.as_ref().map(|h| json!({
                "url": h.url, "header_names": h.headers.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            })),
            "signing_secret_set": ch.secret.is_some(),
            "sent": ch.sent,
            "inbound": ch.inbound,
        });
        let deliveries: Vec<Value> = st
            .partner(p, rate)
            .deliveries
            .iter()
            .filter(|r| r.channel_id.as_deref() == Some(id.as_str()))
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
        let mut view = view;
        view["deliveries"] = Value::Array(deliveries);
        Ok(Json(view))
    })
}

async fn channel_secret(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let s = secret(&auth::object(body, false)?)?;
    let set = s.is_some();
    sandbox.d360().store.with(|st| st.own_channel(p, &id).map(|c| c.secret = s)).ok_or_else(not_found)?;
    Ok(Json(json!({ "signing_secret_set": set })))
}

/// `{stage}`: the lifecycle stops before `stage` (`created` … `live`, or `channel_<stage>`).
async fn hold(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let map = auth::object(body, false)?;
    let stage = map
        .get("stage")
        .and_then(Value::as_str)
        .and_then(Stage::parse)
        .ok_or_else(|| HubError::bad_request("stage must be one of created, submitted, ready, running, live"))?;
    sandbox.d360().store.with(|st| st.own_channel(p, &id).map(|c| c.hold = Some(stage))).ok_or_else(not_found)?;
    Ok(Json(json!({ "hold": stage.as_str() })))
}

async fn release(State(sandbox): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    let p = caller(&sandbox, &headers)?;
    sandbox.d360().store.with(|st| st.own_channel(p, &id).map(|c| c.hold = None)).ok_or_else(not_found)?;
    Ok(Json(json!({ "hold": null })))
}

async fn signups(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let d = sandbox.d360();
    let list: Vec<Value> = d.store.with(|st| {
        st.partner(p, d.config.partner_rate_per_second)
            .signups
            .iter()
            .rev()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect()
    });
    Ok(Json(json!({ "signups": list })))
}

/// `{count, endpoint}`: the next `count` calls of `endpoint` answer 500.
async fn fail_next(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let map = auth::object(body, false)?;
    let endpoint = map
        .get("endpoint")
        .and_then(Value::as_str)
        .and_then(Endpoint::parse)
        .ok_or_else(|| HubError::bad_request("endpoint must be one of clients, numbers, api_keys, messages"))?;
    let count = map
        .get("count")
        .and_then(Value::as_u64)
        .filter(|n| *n <= MAX_FAIL)
        .ok_or_else(|| HubError::bad_request("count must be an integer from 0 to 1000"))?;
    let d = sandbox.d360();
    d.store.with(|st| st.partner(p, d.config.partner_rate_per_second).arm(endpoint, count as u32));
    Ok(Json(json!({ "armed": count })))
}

/// `{channel_id, from, text, name?}`: a customer writes; the Meta-envelope webhook follows.
async fn inbound(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let p = caller(&sandbox, &headers)?;
    let map = auth::object(body, false)?;
    let channel_id = map.get("channel_id").and_then(Value::as_str).unwrap_or_default().to_owned();
    if !sandbox.d360().store.with(|st| st.own_channel(p, &channel_id).is_some()) {
        return Err(not_found());
    }
    let text = map.get("text").and_then(Value::as_str).ok_or_else(|| HubError::bad_request("text is required"))?;
    let mut req =
        json!({ "from": map.get("from").cloned().unwrap_or(Value::Null), "type": "text", "text": { "body": text } });
    if let Some(name) = map.get("name") {
        req["name"] = name.clone();
    }
    let written = Written::from_request(req.as_object().unwrap_or(&Map::new())).map_err(HubError::bad_request)?;
    let (message_id, bytes) = events::record(&sandbox, &channel_id, &written).ok_or_else(not_found)?;
    let task = Arc::clone(&sandbox);
    let id = channel_id.clone();
    tokio::spawn(async move { super::webhooks::messaging_event(&task, &id, "message", bytes).await });
    Ok(Json(json!({ "message_id": message_id, "channel_id": channel_id })))
}
