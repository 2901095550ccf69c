//! 360dialog's two error bodies, both UNCONFIRMED (PROVIDERS.md §4 "Errors / limits"):
//!
//! - Partner Hub and the control surface: `{"meta": {"success": false, "http_code": <n>,
//!   "developer_message": "<text>"}}` (the `meta.developer_message` shape public clients of the
//!   legacy API read);
//! - messaging (`waba-v2`): Meta's `{"error": {"message", "type": "OAuthException", "code",
//!   "error_data": {"messaging_product": "whatsapp", "details"}, "fbtrace_id"}}`.
//!
//! A 429 carries `Retry-After` in whole seconds.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::chatarchitect::{random_string, ALNUM};

/// Meta `error.code`: no, or an unknown, `D360-API-KEY`.
pub const CODE_AUTH: u32 = 190;
/// Meta `error.code`: a parameter is missing or malformed.
pub const CODE_INVALID_PARAMETER: u32 = 100;
/// Meta `error.code`: no such template in that language, or not approved.
pub const CODE_TEMPLATE: u32 = 132_001;
/// Meta `error.code`: the parameter count does not match the template.
pub const CODE_PARAMETER_COUNT: u32 = 132_000;
/// Meta `error.code`: the parameter format does not match the template.
pub const CODE_PARAMETER_FORMAT: u32 = 132_012;
/// Meta `error.code`: the channel's send rate is exceeded.
pub const CODE_RATE_LIMIT: u32 = 130_429;
/// Meta `error.code`: a server-side failure (forced through the control surface).
pub const CODE_UNKNOWN: u32 = 1;

/// An error of the Partner Hub or the control surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HubError {
    pub(crate) status: StatusCode,
    pub(crate) message: Cow<'static, str>,
    retry_after: Option<u64>,
}

impl HubError {
    pub(crate) fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> HubError {
        HubError { status, message: message.into(), retry_after: None }
    }

    /// 400 naming what is wrong.
    pub(crate) fn bad_request(message: impl Into<Cow<'static, str>>) -> HubError {
        HubError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: no partner key, or an unknown one.
    pub(crate) fn unauthorized(message: &'static str) -> HubError {
        HubError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: the path names another partner.
    pub(crate) fn forbidden() -> HubError {
        HubError::new(StatusCode::FORBIDDEN, "partner_id in the path is not the partner of this API key")
    }

    /// 404.
    pub(crate) fn not_found(message: impl Into<Cow<'static, str>>) -> HubError {
        HubError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409.
    pub(crate) fn conflict(message: impl Into<Cow<'static, str>>) -> HubError {
        HubError::new(StatusCode::CONFLICT, message)
    }

    /// 413.
    pub(crate) fn too_large() -> HubError {
        HubError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("Request body larger than {} bytes", super::BODY_LIMIT))
    }

    /// 429, retry after `seconds`.
    pub(crate) fn rate_limited(seconds: u64) -> HubError {
        let mut e = HubError::new(StatusCode::TOO_MANY_REQUESTS, format!("Too many requests: retry after {seconds} s"));
        e.retry_after = Some(seconds);
        e
    }

    /// 500.
    pub(crate) fn server() -> HubError {
        HubError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error (sandbox: forced failure)")
    }
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let body = json!({
            "meta": { "success": false, "http_code": self.status.as_u16(), "developer_message": self.message },
        });
        with_retry_after((self.status, Json(body)).into_response(), self.retry_after)
    }
}

/// An error of the messaging API, in Meta's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetaError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) message: &'static str,
    pub(crate) details: Cow<'static, str>,
    retry_after: Option<u64>,
}

impl MetaError {
    pub(crate) fn new(
        status: StatusCode,
        code: u32,
        message: &'static str,
        details: impl Into<Cow<'static, str>>,
    ) -> MetaError {
        MetaError { status, code, message, details: details.into(), retry_after: None }
    }

    /// 400 #100 naming the parameter.
    pub(crate) fn invalid(details: impl Into<Cow<'static, str>>) -> MetaError {
        MetaError::new(StatusCode::BAD_REQUEST, CODE_INVALID_PARAMETER, "(#100) Invalid parameter", details)
    }

    /// 401 #190.
    pub(crate) fn unauthorized(details: &'static str) -> MetaError {
        MetaError::new(
            StatusCode::UNAUTHORIZED,
            CODE_AUTH,
            "Invalid OAuth access token - Cannot parse access token",
            details,
        )
    }

    /// 404 of an unknown messaging route.
    pub(crate) fn no_route() -> MetaError {
        MetaError::new(
            StatusCode::NOT_FOUND,
            CODE_INVALID_PARAMETER,
            "Unknown path components",
            "No such 360dialog route",
        )
    }

    /// 429 #130429.
    pub(crate) fn rate_limited(seconds: u64) -> MetaError {
        let mut e = MetaError::new(
            StatusCode::TOO_MANY_REQUESTS,
            CODE_RATE_LIMIT,
            "(#130429) Rate limit hit",
            format!("Cloud API message throughput has been reached: retry after {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 500 #1.
    pub(crate) fn server() -> MetaError {
        MetaError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            CODE_UNKNOWN,
            "An unknown error occurred",
            "Server-side failure (sandbox: forced messaging error)",
        )
    }

    /// A SendZen template check's error, in Meta's terms (the checks are shared).
    pub(crate) fn from_template_check(e: crate::sendzen::error::ApiError) -> MetaError {
        use crate::sendzen::error as sz;
        let (code, message) = match e.code {
            sz::CODE_PARAMETER_COUNT => {
                (CODE_PARAMETER_COUNT, "(#132000) Number of parameters does not match the expected number of params")
            }
            sz::CODE_PARAMETER_FORMAT => {
                (CODE_PARAMETER_FORMAT, "(#132012) Parameter format does not match format in the created template")
            }
            _ => (CODE_INVALID_PARAMETER, "(#100) Invalid parameter"),
        };
        MetaError::new(StatusCode::BAD_REQUEST, code, message, e.details)
    }
}

impl IntoResponse for MetaError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "message": self.message,
                "type": "OAuthException",
                "code": self.code,
                "error_data": { "messaging_product": "whatsapp", "details": self.details },
                "fbtrace_id": random_string(27, ALNUM),
            },
        });
        with_retry_after((self.status, Json(body)).into_response(), self.retry_after)
    }
}

fn with_retry_after(mut res: Response, retry_after: Option<u64>) -> Response {
    if let Some(seconds) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    res
}
