//! SendZen's two error bodies.
//!
//! - The Partner API (seed 001 "Error Handling"): `{"error": "<short title>", "message": "<what
//!   went wrong>"}` with 400, 401, 429 and 500; the seed's one example is `{"error": "Invalid API
//!   key", "message": "The provided API key is invalid or expired"}`. The control surface answers
//!   in the same shape (it simulates SendZen's dashboard, a partner-facing tool).
//! - The messaging API (PROVIDERS.md §2, official SDK and n8n types): `{"message": "...",
//!   "error": {"code": "<UPPER_SNAKE string>", "details": "..."}}` with 400, 401, 404, 429, 500.
//!   The codes are the sandbox's own; the SDK only shows that `code` is a string.
//!
//! A 401 carries `WWW-Authenticate: Bearer`, a 429 `Retry-After` in whole seconds.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Messaging `error.code`: no `Authorization: Bearer` header.
pub const CODE_MISSING_API_KEY: &str = "MISSING_API_KEY";
/// Messaging `error.code`: a key nobody issued, or a partner key.
pub const CODE_INVALID_API_KEY: &str = "INVALID_API_KEY";
/// Messaging `error.code`: the WABA or phone number in the path is another project's.
pub const CODE_ACCESS_DENIED: &str = "ACCESS_DENIED";
/// Messaging `error.code`: the body is not a JSON object.
pub const CODE_INVALID_JSON: &str = "INVALID_JSON";
/// Messaging `error.code`: a field is missing or malformed.
pub const CODE_VALIDATION: &str = "VALIDATION_ERROR";
/// Messaging `error.code`: `from` is not this project's number.
pub const CODE_INVALID_SENDER: &str = "INVALID_SENDER";
/// Messaging `error.code`: the project has no connected number yet (onboarding not completed).
pub const CODE_WABA_NOT_CONNECTED: &str = "WABA_NOT_CONNECTED";
/// Messaging `error.code`: `to` is not a phone number.
pub const CODE_INVALID_RECIPIENT: &str = "INVALID_RECIPIENT";
/// Messaging `error.code`: no template of that name, or not in that language.
pub const CODE_TEMPLATE_NOT_FOUND: &str = "TEMPLATE_NOT_FOUND";
/// Messaging `error.code`: the template is PENDING or REJECTED.
pub const CODE_TEMPLATE_NOT_APPROVED: &str = "TEMPLATE_NOT_APPROVED";
/// Messaging `error.code`: too few or too many parameters for the template (Meta's #132000).
pub const CODE_PARAMETER_COUNT: &str = "PARAMETER_COUNT_MISMATCH";
/// Messaging `error.code`: named parameters for a positional template or the reverse, or names
/// that are not the template's (Meta's #132012).
pub const CODE_PARAMETER_FORMAT: &str = "PARAMETER_FORMAT_MISMATCH";
/// Messaging `error.code`: a WABA, phone number or route that does not exist.
pub const CODE_NOT_FOUND: &str = "NOT_FOUND";
/// Messaging `error.code`: the project's send rate is exceeded.
pub const CODE_RATE_LIMIT: &str = "RATE_LIMIT_EXCEEDED";
/// Messaging `error.code`: a server-side failure (forced through the control surface).
pub const CODE_INTERNAL: &str = "INTERNAL_ERROR";

/// An error of the Partner API or the control surface: `{"error", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartnerError {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    pub(crate) message: Cow<'static, str>,
    retry_after: Option<u64>,
}

impl PartnerError {
    fn new(status: StatusCode, error: &'static str, message: impl Into<Cow<'static, str>>) -> PartnerError {
        PartnerError { status, error, message: message.into(), retry_after: None }
    }

    /// 400 with the seed's wording for bad parameters.
    pub(crate) fn bad_request(message: impl Into<Cow<'static, str>>) -> PartnerError {
        PartnerError::new(StatusCode::BAD_REQUEST, "Invalid request parameters", message)
    }

    /// 401, no key: the header is missing or not `Bearer`.
    pub(crate) fn missing_key() -> PartnerError {
        PartnerError::new(
            StatusCode::UNAUTHORIZED,
            "Missing API key",
            "Send your Partner API Key as Authorization: Bearer YOUR_PARTNER_API_KEY",
        )
    }

    /// 401 with the seed's own example body.
    pub(crate) fn invalid_key() -> PartnerError {
        PartnerError::new(StatusCode::UNAUTHORIZED, "Invalid API key", "The provided API key is invalid or expired")
    }

    /// 404 of the control surface: no such project, or another partner's.
    pub(crate) fn project_not_found() -> PartnerError {
        PartnerError::new(StatusCode::NOT_FOUND, "Not found", "No such project for this key")
    }

    /// 409 of the control surface: the project's state does not allow the step.
    pub(crate) fn conflict(message: impl Into<Cow<'static, str>>) -> PartnerError {
        PartnerError::new(StatusCode::CONFLICT, "Conflict", message)
    }

    /// 429, retry after `seconds`.
    pub(crate) fn rate_limited(seconds: u64) -> PartnerError {
        let mut e = PartnerError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded",
            format!("Too many requests: retry after {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 500.
    pub(crate) fn server() -> PartnerError {
        PartnerError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            "Server-side failure (sandbox: forced partner API error)",
        )
    }
}

impl IntoResponse for PartnerError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            message: &'a str,
        }
        let res = (self.status, Json(Body { error: self.error, message: &self.message })).into_response();
        with_headers(res, self.status, self.retry_after)
    }
}

/// An error of the messaging API: `{"message", "error": {"code", "details"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: &'static str,
    pub(crate) code: &'static str,
    pub(crate) details: Cow<'static, str>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        message: &'static str,
        code: &'static str,
        details: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError { status, message, code, details: details.into(), retry_after: None }
    }

    /// 400 "Validation failed" with `code`.
    pub(crate) fn invalid(code: &'static str, details: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "Validation failed", code, details)
    }

    /// 400 [`CODE_VALIDATION`]: a field is missing or malformed.
    pub(crate) fn field(details: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::invalid(CODE_VALIDATION, details)
    }

    /// 401 with `code` ([`CODE_MISSING_API_KEY`], [`CODE_INVALID_API_KEY`], [`CODE_ACCESS_DENIED`]).
    pub(crate) fn unauthorized(code: &'static str, details: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", code, details)
    }

    /// 404 with `code`.
    pub(crate) fn not_found(code: &'static str, details: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not found", code, details)
    }

    /// 429, retry after `seconds`.
    pub(crate) fn rate_limited(seconds: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            CODE_RATE_LIMIT,
            format!("Rate limit exceeded: retry after {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 500.
    pub(crate) fn server() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            CODE_INTERNAL,
            "Server-side failure (sandbox: forced messaging API error)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "message": self.message,
            "error": { "code": self.code, "details": self.details },
        });
        with_headers((self.status, Json(body)).into_response(), self.status, self.retry_after)
    }
}

fn with_headers(mut res: Response, status: StatusCode, retry_after: Option<u64>) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if let Some(seconds) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    res
}
