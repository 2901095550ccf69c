//! The operator's routes, all behind the admin token (`Authorization: Bearer <admin token>`):
//!
//! - `GET /v1/channels`: every channel with its counters ([`ChannelInfo`]);
//! - `DELETE /v1/channels/{id}`: revokes a channel — its hook URL and client key stop working at
//!   once, its open streams end, and its stored events are deleted;
//! - `POST /v1/channels/{id}/client-key`: a new client key, shown once (the old one stops working
//!   and its streams end; the hook URL is unchanged, so providers need no change).
//!
//! Channel creation (`POST /v1/channels`) is in [`crate::channels`]. `wadesk-relay channels …`
//! ([`crate::admin_client`]) calls these routes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::channels::bearer;
use crate::error::RelayError;
use crate::store::{ChannelInfo, EventStore};
use crate::{tokens, RelayState};

/// `GET /v1/channels` answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChannelList {
    /// Oldest first.
    pub channels: Vec<ChannelInfo>,
}

/// `DELETE /v1/channels/{id}` answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Revoked {
    /// The revoked channel.
    pub channel_id: String,
}

/// `POST /v1/channels/{id}/client-key` answer: the new key, shown once.
#[derive(Debug, Serialize, Deserialize)]
pub struct RotatedKey {
    /// The channel.
    pub channel_id: String,
    /// The new client key (`Authorization: Bearer …` for the stream). Only its hash is kept.
    pub client_key: String,
}

/// Refuses the call unless it carries the configured admin token.
pub(crate) fn require_admin<S>(state: &RelayState<S>, headers: &HeaderMap) -> Result<(), RelayError> {
    let Some(admin) = state.config.admin_token.as_deref() else {
        return Err(RelayError::AdminDisabled);
    };
    if bearer(headers).is_some_and(|t| tokens::equal(t, admin)) {
        Ok(())
    } else {
        Err(RelayError::Unauthorized("a valid admin token is required"))
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> RelayError {
    tracing::error!("could not {what}: {e}");
    RelayError::Unavailable
}

/// `GET /v1/channels`.
pub async fn list<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
) -> Result<Json<ChannelList>, RelayError> {
    require_admin(&state, &headers)?;
    let channels = state.store.channels().await.map_err(|e| unavailable("list channels", e))?;
    Ok(Json(ChannelList { channels }))
}

/// `DELETE /v1/channels/{id}`.
pub async fn revoke<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Revoked>, RelayError> {
    require_admin(&state, &headers)?;
    if !state.store.revoke_channel(&id).await.map_err(|e| unavailable("revoke a channel", e))? {
        return Err(RelayError::NoChannel(id));
    }
    state.sealers.forget(&id);
    tracing::info!(channel = %id, "channel revoked");
    Ok(Json(Revoked { channel_id: id }))
}

/// `POST /v1/channels/{id}/client-key`.
pub async fn rotate_client_key<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<RotatedKey>, RelayError> {
    require_admin(&state, &headers)?;
    let client_key = tokens::generate("wk_");
    let found = state
        .store
        .rotate_client_key(&id, tokens::hash(&client_key))
        .await
        .map_err(|e| unavailable("rotate a client key", e))?;
    if !found {
        return Err(RelayError::NoChannel(id));
    }
    tracing::info!(channel = %id, "client key rotated");
    Ok(Json(RotatedKey { channel_id: id, client_key }))
}
