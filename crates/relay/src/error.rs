//! The relay's HTTP errors, answered in the seeds' shape: `{"status":"error","message":…}`.
//! Unknown hook tokens get a bare 404 with no body, so probing reveals nothing.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Everything a relay handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Unknown hook token: 404 with an empty body.
    #[error("not found")]
    UnknownHook,
    /// Missing or wrong client key / admin token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Channel creation is disabled (no admin token configured).
    #[error("channel creation is disabled on this relay: no admin token is configured")]
    AdminDisabled,
    /// Bad request body or query.
    #[error("{0}")]
    BadRequest(String),
    /// The channel is over its rate limit.
    #[error("rate limit exceeded for this channel; retry later")]
    RateLimited,
    /// The body is over the configured limit.
    #[error("the body exceeds this relay's limit of {0} bytes")]
    TooLarge(usize),
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

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let status = match self {
            RelayError::UnknownHook => return StatusCode::NOT_FOUND.into_response(),
            RelayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            RelayError::AdminDisabled => StatusCode::FORBIDDEN,
            RelayError::BadRequest(_) => StatusCode::BAD_REQUEST,
            RelayError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            RelayError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RelayError::CursorAhead { .. } => StatusCode::CONFLICT,
            RelayError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        let body = Json(serde_json::json!({ "status": "error", "message": self.to_string() }));
        match self {
            RelayError::RateLimited | RelayError::Unavailable => {
                (status, [(header::RETRY_AFTER, "1")], body).into_response()
            }
            _ => (status, body).into_response(),
        }
    }
}
