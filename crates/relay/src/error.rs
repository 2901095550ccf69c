//! The relay's HTTP errors, answered in the seeds' shape: `{"status":"error","message":…}`.
//! Anything under `/h/` that names no hook gets a bare 404 with no body, so probing reveals
//! nothing.
//!
//! Handlers answer [`RelayError`]s. Everything else that can answer an error inside the router —
//! an extractor's rejection (query, JSON body, WebSocket handshake), the method router's 405, the
//! fallback — is put into the same shape by [`shape_rejections`], one layer over every route, so a
//! new route or extractor cannot bring a plain-text error back. Errors hyper answers by itself for
//! a head it cannot parse (400, 414, 431, all with empty bodies) never reach the router.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use wadesk_relay_protocol::HOOK_PREFIX;

/// Everything a relay handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Unknown hook token: 404 with an empty body.
    #[error("not found")]
    UnknownHook,
    /// No route at this path (outside `/h/`).
    #[error("this relay serves nothing at this path")]
    NoRoute,
    /// Missing or wrong client key / admin token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Administration (channels, metrics) is disabled: no admin token is configured.
    #[error("administration is disabled on this relay: no admin token is configured, so channels cannot be created or managed")]
    AdminDisabled,
    /// An admin call named a channel that does not exist.
    #[error("no channel {0} on this relay")]
    NoChannel(String),
    /// Bad request body or query.
    #[error("{0}")]
    BadRequest(String),
    /// The channel is over its rate limit.
    #[error("rate limit exceeded for this channel; retry later")]
    RateLimited,
    /// The body is over the configured limit.
    #[error("the body exceeds this relay's limit of {0} bytes")]
    TooLarge(usize),
    /// The body did not arrive in time.
    #[error("the request body did not arrive within {} s", .0.as_secs_f64())]
    BodyTimeout(std::time::Duration),
    /// A stream cursor the store never issued (past the head, and not from before a restore).
    #[error(
        "stream cursor {cursor} is past this channel's head {head} and was never issued by this relay; \
         resuming there would skip the events between them (reconnect with a cursor at or below the head)"
    )]
    CursorAhead {
        /// The client's cursor.
        cursor: u64,
        /// The channel's committed head.
        head: u64,
    },
    /// The event could not be committed; the provider should retry.
    #[error("the event could not be stored; retry later")]
    Unavailable,
}

/// Marks an error answer as final: in the relay's shape, or deliberately bare.
#[derive(Debug, Clone, Copy)]
struct Shaped;

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let status = match self {
            RelayError::UnknownHook => {
                let mut res = StatusCode::NOT_FOUND.into_response();
                res.extensions_mut().insert(Shaped);
                return res;
            }
            RelayError::NoRoute => StatusCode::NOT_FOUND,
            RelayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            RelayError::AdminDisabled => StatusCode::FORBIDDEN,
            RelayError::NoChannel(_) => StatusCode::NOT_FOUND,
            RelayError::BadRequest(_) => StatusCode::BAD_REQUEST,
            RelayError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            RelayError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RelayError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            RelayError::CursorAhead { .. } => StatusCode::CONFLICT,
            RelayError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut res = error_response(status, &self.to_string());
        let extra = match self {
            RelayError::RateLimited | RelayError::Unavailable => Some((header::RETRY_AFTER, "1")),
            // Part of the body may be unread and still on its way, so there is no telling where a
            // next request would start: close the connection after this answer.
            RelayError::TooLarge(_) | RelayError::BodyTimeout(_) => Some((header::CONNECTION, "close")),
            _ => None,
        };
        if let Some((name, value)) = extra {
            res.headers_mut().insert(name, HeaderValue::from_static(value));
        }
        res
    }
}

/// `{"status":"error","message":…}` with `status`, marked final.
fn error_response(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "status": "error", "message": message }).to_string();
    let mut res = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    res.extensions_mut().insert(Shaped);
    res
}

/// The router's fallback: a bare 404 in the hook namespace, the error shape elsewhere.
pub(crate) async fn fallback(uri: Uri) -> RelayError {
    let path = uri.path();
    if path == HOOK_PREFIX.trim_end_matches('/') || path.starts_with(HOOK_PREFIX) {
        RelayError::UnknownHook
    } else {
        RelayError::NoRoute
    }
}

/// Longest rejection text kept as the message; axum's are a line or two.
const MAX_MESSAGE: usize = 4096;

/// Response layer: an error answer not already final gets the relay's shape, its text (axum's
/// rejection message) as the message, its other headers kept. Successful answers pass untouched.
pub(crate) async fn shape_rejections(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || res.extensions().get::<Shaped>().is_some() {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = match axum::body::to_bytes(body, MAX_MESSAGE).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = match status {
        _ if !text.is_empty() => text,
        // axum adds the Allow header outside this layer, so it cannot be quoted here.
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed at this path (see the Allow header)".into(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let shaped = error_response(status, &message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::TRANSFER_ENCODING);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.extensions.insert(Shaped);
    let (_, body) = shaped.into_parts();
    Response::from_parts(parts, body)
}
