//! Channel administration: creation (admin token) and the desktop's view of its own channel.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use wadesk_relay_protocol::{parse_public_key, CreateChannel, CreatedChannel, HOOK_PREFIX};

use crate::error::RelayError;
use crate::store::{ChannelStats, EventStore, NewChannel};
use crate::{tokens, RelayState};

/// The bearer token of a request, if any. The scheme is matched without regard to case (RFC 9110
/// §11.1: `bearer` and `BEARER` are `Bearer`), as the sandbox does.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `POST /v1/channels`: creates a channel for a desktop's public key. The hook token and client key
/// are returned once; only their hashes are stored.
pub async fn create<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
    body: Result<Json<CreateChannel>, JsonRejection>,
) -> Result<Json<CreatedChannel>, RelayError> {
    crate::admin::require_admin(&state, &headers)?;
    let Json(req) = body.map_err(|e| RelayError::BadRequest(format!("invalid body: {}", e.body_text())))?;
    let public_key = parse_public_key(&req.public_key).map_err(|e| RelayError::BadRequest(e.to_string()))?;
    if req.label.chars().count() > 200 || req.label.chars().any(char::is_control) {
        return Err(RelayError::BadRequest("label: at most 200 characters, no control characters".into()));
    }
    let hook_token = tokens::generate("wh_");
    let client_key = tokens::generate("wk_");
    let id = tokens::generate("ch_")[..19].to_owned();
    state
        .store
        .create_channel(NewChannel {
            id: id.clone(),
            label: req.label,
            public_key,
            hook_hash: tokens::hash(&hook_token),
            client_hash: tokens::hash(&client_key),
        })
        .await
        .map_err(|e| {
            tracing::error!("could not create a channel: {e}");
            RelayError::Unavailable
        })?;
    tracing::info!(channel = %id, "channel created");
    Ok(Json(CreatedChannel { channel_id: id, hook_path: format!("{HOOK_PREFIX}{hook_token}"), client_key }))
}

/// `GET /v1/channel` (client key): the channel's head, acked seq, backlog and last event time.
pub async fn stats<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
) -> Result<Json<ChannelStats>, RelayError> {
    let channel = authenticate(&state, &headers).await?;
    state.store.stats(&channel.id).await.map(Json).map_err(|_| RelayError::Unavailable)
}

/// The channel a client key belongs to, or 401.
pub(crate) async fn authenticate<S: EventStore>(
    state: &RelayState<S>,
    headers: &HeaderMap,
) -> Result<crate::store::Channel, RelayError> {
    let unknown = RelayError::Unauthorized("unknown or missing client key");
    let Some(key) = bearer(headers) else { return Err(unknown) };
    match state.store.channel_by_client(&tokens::hash(key)).await {
        Ok(Some(channel)) => Ok(channel),
        Ok(None) => Err(unknown),
        Err(e) => {
            tracing::error!("could not look up a client key: {e}");
            Err(RelayError::Unavailable)
        }
    }
}
