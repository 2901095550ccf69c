//! Request bodies, read in one place before any handler sees them: at most `body_limit` bytes,
//! all within `body_timeout` of the head. Handlers then extract from the buffered bytes, so none
//! of them can wait on a slow client or answer a body error in a shape of its own.
//!
//! - A declared `Content-Length` over the limit is refused from the head alone, before a byte of
//!   the body is read (with `Expect: 100-continue`, before the client is asked to send it).
//! - The deadline is for the whole body, not for each read, so a trickle cannot stretch it.
//! - Every failure is a [`RelayError`]: 413 over the limit, 408 past the deadline (with
//!   `Connection: close`, see error.rs), 400 for a body that breaks its own framing. A 408 rather
//!   than a silent close tells the provider the event was not stored, so it retries.
//!
//! Requests without a body (WebSocket upgrades among them) pass through untouched.

use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use crate::error::RelayError;

/// How much body a request may have, and how long it may take to arrive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyBounds {
    pub(crate) limit: usize,
    pub(crate) timeout: Duration,
}

/// Middleware: buffers the body within `bounds`, or answers the error.
pub(crate) async fn buffer(State(bounds): State<BodyBounds>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    match read(body, bounds).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) => e.into_response(),
    }
}

async fn read(mut body: Body, bounds: BodyBounds) -> Result<Bytes, RelayError> {
    // hyper gives a Content-Length body an exact size hint; a chunked one has a lower bound of 0.
    let declared = body.size_hint().lower();
    if declared > bounds.limit as u64 {
        return Err(RelayError::TooLarge(bounds.limit));
    }
    let mut buf = Vec::with_capacity(declared as usize);
    let deadline = tokio::time::Instant::now() + bounds.timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(RelayError::BodyTimeout(bounds.timeout)),
            Ok(None) => return Ok(Bytes::from(buf)),
            Ok(Some(Err(e))) => return Err(RelayError::BadRequest(unreadable(&e))),
            Ok(Some(Ok(frame))) => frame,
        };
        // Trailers carry nothing the relay keeps.
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > bounds.limit {
                return Err(RelayError::TooLarge(bounds.limit));
            }
            buf.extend_from_slice(&data);
        }
    }
}

/// What went wrong, with its causes: hyper's own text ("error reading a body from connection")
/// does not say that a chunk size was invalid. axum's error repeats its inner one, once skipped.
fn unreadable(e: &axum::Error) -> String {
    let mut message = String::from("the request body could not be read");
    let mut last = String::new();
    let mut next: Option<&dyn std::error::Error> = Some(e);
    while let Some(cause) = next {
        let text = cause.to_string();
        if text != last {
            message.push_str(": ");
            message.push_str(&text);
        }
        last = text;
        next = cause.source();
    }
    message
}
