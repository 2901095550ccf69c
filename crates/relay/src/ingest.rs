//! `POST /h/<hook token>[/<anything>]`: capture, seal, commit, then answer.
//!
//! The answer is 200 only after the store has durably committed the sealed event; if it cannot, the
//! answer is 503 with `Retry-After`, so the provider retries. The body is taken as raw bytes and
//! never parsed. Header names are as hyper gives them (lower-cased: HTTP names are case-insensitive,
//! and HTTP/2 forbids upper case); header values and their order are kept byte for byte.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use wadesk_relay_protocol::{seal, CapturedRequest, Header};

use crate::error::RelayError;
use crate::store::EventStore;
use crate::{now_ms, tokens, RelayState};

/// The hook handler.
pub async fn hook<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    Path(params): Path<Vec<(String, String)>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, RelayError> {
    let received_at_ms = now_ms();
    let token = params.iter().find(|(k, _)| k == "token").map(|(_, v)| v.as_str()).unwrap_or_default();
    let channel = state.store.channel_by_hook(&tokens::hash(token)).ok_or(RelayError::UnknownHook)?;
    if state.limiter.check_key(&channel.id).is_err() {
        return Err(RelayError::RateLimited);
    }
    // Everything after /h/<token>, as received (still percent-encoded), plus the query.
    let raw_path = uri.path();
    let after = raw_path.find(token).map(|i| &raw_path[i + token.len()..]).unwrap_or("");
    let mut path_and_query = if after.is_empty() { "/".to_owned() } else { after.to_owned() };
    if let Some(q) = uri.query() {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let captured = CapturedRequest {
        method: method.as_str().to_owned(),
        path_and_query,
        headers: headers.iter().map(|(n, v)| Header::new(n.as_str(), v.as_bytes())).collect(),
        body: body.to_vec(),
        received_at_ms,
    };
    let sealed = seal(&channel.public_key, &captured).map_err(|_| RelayError::Unavailable)?;
    let seq = state.store.append(&channel.id, received_at_ms, sealed).await.map_err(|e| {
        tracing::error!(channel = %channel.id, "could not commit a webhook: {e}");
        RelayError::Unavailable
    })?;
    Ok(Json(serde_json::json!({ "status": "ok", "seq": seq })))
}
