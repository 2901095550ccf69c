//! The seed's error answer, `{"status":"error","message":"..."}`, with the HTTP statuses it lists
//! (400, 401, 404, 409, 500) plus 405 for a known action called with the wrong method. The
//! messaging API answers in the same shape (its own errors are undocumented), adding 429.
//!
//! Messages are specific and stable; clients should branch on the HTTP status, not on the text.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answer of the Partner API or the control surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: Cow<'static, str>,
    allow: Option<&'static str>,
    /// `WWW-Authenticate` of a 401: the Partner API wants Bearer, the messaging API Basic.
    challenge: &'static str,
    /// `Retry-After` (seconds) of a 429.
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError { status, message: message.into(), allow: None, challenge: "Bearer", retry_after: None }
    }

    /// 400: invalid action, request body, `parent_origin`, `webhook_url` or registration id.
    pub(crate) fn bad_request(message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: missing or invalid Bearer token.
    pub(crate) fn unauthorized(message: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 401 of the messaging API: missing or invalid Basic `APP_ID:APP_SECRET`.
    pub(crate) fn unauthorized_basic(message: &'static str) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, message);
        e.challenge = "Basic realm=\"ChatArchitect\"";
        e
    }

    /// 429: the app's send rate is exceeded; retry after `seconds`.
    pub(crate) fn too_many_requests(seconds: u64) -> ApiError {
        let mut e =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("Rate limit exceeded: retry after {seconds} s"));
        e.retry_after = Some(seconds);
        e
    }

    /// 404: no such session, or it belongs to another partner (the two are indistinguishable).
    pub(crate) fn registration_not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Registration not found")
    }

    /// 405: a known action called with the wrong method; `allow` names the right one.
    pub(crate) fn method_not_allowed(action: &str, allow: &'static str) -> ApiError {
        let mut e = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("action={action} requires {allow}"));
        e.allow = Some(allow);
        e
    }

    /// 409: the request conflicts with the registration's state (e.g. retry before completion).
    pub(crate) fn conflict(message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 500: server-side failure.
    pub(crate) fn server(message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "status": "error", "message": self.message }));
        let mut res = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(self.challenge));
        }
        if let Some(seconds) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            res.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        res
    }
}
