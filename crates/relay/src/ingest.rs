//! `POST /h/<hook token>[/<anything>][?<query>]`: capture, seal (with the channel's current
//! period key, [`crate::sealing`]), commit, then answer.
//!
//! Everything after the token is recorded byte for byte from the request target, still
//! percent-encoded (`/` when nothing follows). The token is read from the same raw target and
//! percent-decoded only for the lookup, so `%61` names the same hook as `a` (RFC 3986 §6.2.2.2)
//! without changing what the desktop sees. The router's path parameters are not used: they are
//! decoded, and reject a segment that is not UTF-8 once decoded.
//!
//! The answer is 200 only after the store has durably committed the sealed event; if it cannot, the
//! answer is 503 with `Retry-After`, so the provider retries. The body is taken as raw bytes and
//! never parsed. Headers are recorded as sent — names with their case, in order, duplicates
//! interleaved — from the connection tap ([`crate::wire`]); where the tap has nothing for a request
//! (in-process tests, a connection it stopped following) hyper's view is used: lower-cased names,
//! repeated names grouped, values still byte for byte.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::{Extension, Json};
use wadesk_relay_protocol::{CapturedRequest, Header, HOOK_PREFIX};

use crate::error::RelayError;
use crate::store::EventStore;
use crate::wire::WireHead;
use crate::{now_ms, tokens, RelayState};

/// The hook handler.
pub async fn hook<S: EventStore>(
    State(state): State<Arc<RelayState<S>>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    wire: Option<Extension<WireHead>>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, RelayError> {
    let received_at_ms = now_ms();
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let (token, rest) = split_hook_target(target).ok_or(RelayError::UnknownHook)?;
    let channel = state
        .store
        .channel_by_hook(&tokens::hash(&token))
        .await
        .map_err(|e| {
            tracing::error!("could not look up a hook: {e}");
            RelayError::Unavailable
        })?
        .ok_or(RelayError::UnknownHook)?;
    if state.limiter.check_key(&channel.id).is_err() {
        return Err(RelayError::RateLimited);
    }
    // Until the append is queued: the store's group commit may wait a moment for it. Counted
    // only from here, where a webhook is all but sure to be appended: a commit waiting for one
    // that is refused waits until its delay runs out.
    let incoming = state.store.incoming();
    let path_and_query = if rest.starts_with('/') { rest.to_owned() } else { format!("/{rest}") };
    let captured = CapturedRequest {
        method: method.as_str().to_owned(),
        path_and_query,
        headers: recorded_headers(&uri, &headers, wire.map(|Extension(w)| w)),
        body: body.to_vec(),
        received_at_ms,
    };
    let sealed = state.sealers.seal(&channel, &captured).map_err(|e| {
        // Only a channel created before keys were checked can get here (a low-order key): its
        // events could be read by anyone, so none is stored. The operator must recreate it.
        tracing::error!(channel = %channel.id, "refusing to store a webhook: {e}");
        RelayError::Unavailable
    })?;
    drop(incoming);
    let (body_len, appending) = (captured.body.len(), std::time::Instant::now());
    let seq = state.store.append(&channel.id, received_at_ms, sealed).await.map_err(|e| {
        tracing::error!(channel = %channel.id, "could not commit a webhook: {e}");
        RelayError::Unavailable
    })?;
    state.metrics.committed(body_len, appending.elapsed());
    Ok(Json(serde_json::json!({ "status": "ok", "seq": seq })))
}

/// Splits a raw `/h/<token><rest>` target into the percent-decoded token and `rest` as sent
/// (empty, or starting with `/` or `?`). `None` when it is not a hook target or the token does not
/// decode to UTF-8.
fn split_hook_target(target: &str) -> Option<(std::borrow::Cow<'_, str>, &str)> {
    let after_prefix = target.strip_prefix(HOOK_PREFIX)?;
    let (raw_token, rest) = after_prefix.split_at(after_prefix.find(['/', '?']).unwrap_or(after_prefix.len()));
    let token = percent_encoding::percent_decode_str(raw_token).decode_utf8().ok()?;
    Some((token, rest))
}

/// The headers as sent when the tap's head provably belongs to this request (same target, same
/// number of header lines), else hyper's view.
fn recorded_headers(uri: &Uri, headers: &HeaderMap, wire: Option<WireHead>) -> Vec<Header> {
    let target = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    match wire {
        Some(WireHead(head)) if head.target == target && head.headers.len() == headers.len() => {
            head.headers.into_iter().map(|(name, value)| Header::new(name, value)).collect()
        }
        other => {
            if other.is_some() {
                tracing::warn!("the connection tap disagreed with hyper about a request; using hyper's headers");
            }
            headers.iter().map(|(n, v)| Header::new(n.as_str(), v.as_bytes())).collect()
        }
    }
}
