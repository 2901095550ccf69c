//! `GET /_wadesk/identity?nonce=…`: an embedded relay proves it is this install's own (see
//! `wadesk-loopback-identity`). A standalone relay has no identity key and answers 404, like any
//! unknown path.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::error::RelayError;
use crate::store::EventStore;
use crate::RelayState;

/// The challenge.
#[derive(Debug, Deserialize)]
pub struct IdentityQuery {
    #[serde(default)]
    nonce: String,
}

/// Answers the challenge with the proof, 400 for a malformed nonce.
pub async fn answer<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    Query(q): Query<IdentityQuery>,
) -> Response {
    let Some(responder) = &state.loopback_identity else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match responder.answer(&q.nonce) {
        Some(proof) => Json(serde_json::json!({ "proof": proof })).into_response(),
        None => RelayError::BadRequest("nonce must be 64 hex characters".into()).into_response(),
    }
}
