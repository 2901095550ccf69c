//! SendZen's HTTP API (seed 001; PROVIDERS.md §2): `Authorization: Bearer <key>`, the partner key
//! for `POST /v1/partner/onboard` and the customer's `user_data.api_key` for everything else.
//!
//! Keys go only into the Authorization header: never a URL, a log line or an error. Error answers
//! come in two shapes — the partner API's `{"error", "message"}` (seed 001) and messaging's
//! `{"message", "error": {"code", "details"}}` (SendZen's own client code) — and both are read into
//! one typed error whose text says what to do next.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, root, unreachable};
use crate::secret::Secret;

/// How long one call may take before its fate is uncertain.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A SendZen endpoint (`https://api.sendzen.io`, or the sandbox's `…/sendzen`).
#[derive(Debug, Clone)]
pub struct SendzenApi {
    base_url: String,
    http: reqwest::Client,
}

/// `POST /v1/partner/onboard`'s body (seed 001, "Request Body").
#[derive(Debug, Serialize)]
pub struct Onboard<'a> {
    /// Unique per customer; Wadesk uses the account id it will create.
    pub client_identifier: &'a str,
    /// This install's relay hook for the customer (a capability: never logged).
    pub client_webhook_url: &'a str,
}

/// Its answer (seed 001, "Response").
#[derive(Debug, Deserialize)]
pub struct Onboarded {
    /// The customer's credentials and project.
    pub user_data: UserData,
    /// What the onboarding iframe loads; valid for an hour.
    pub iframe_url: String,
    /// What SendZen made of the webhook URL.
    #[serde(default)]
    pub webhook: Option<WebhookCheck>,
}

/// `user_data`.
#[derive(Debug, Deserialize)]
pub struct UserData {
    /// As given.
    #[serde(default)]
    pub client_identifier: Option<String>,
    /// The customer's project.
    pub project_id: String,
    /// Its name.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The customer's own key, for every later call about them.
    pub api_key: Secret,
}

/// `webhook`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookCheck {
    /// Whether SendZen could reach the URL.
    #[serde(default)]
    pub valid: bool,
    /// Its explanation.
    #[serde(default)]
    pub detail: Option<String>,
}

/// One WhatsApp number of a project (`GET /v1/waba`, PROVIDERS.md §2).
#[derive(Debug, Clone, Deserialize)]
pub struct Waba {
    /// The WhatsApp Business Account.
    pub waba_id: String,
    /// The number's id.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// The number sends go `from`.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// The business's name.
    #[serde(default)]
    pub waba_business_name: Option<String>,
}

#[derive(Deserialize)]
struct WabaAnswer {
    data: WabaData,
}

#[derive(Deserialize)]
struct WabaData {
    #[serde(default)]
    projects: Vec<WabaProject>,
}

#[derive(Deserialize)]
struct WabaProject {
    #[serde(default)]
    wabas: Vec<Waba>,
}

/// One page of `GET /v1/{waba_id}/message_templates`: `{data: {data: [...]}, paging}`.
#[derive(Deserialize)]
struct TemplatePage {
    data: TemplateData,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct TemplateData {
    #[serde(default)]
    data: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

/// Most template pages read in one sync (100 each): a provider that pages forever is cut off.
const MAX_TEMPLATE_PAGES: usize = 50;

impl SendzenApi {
    /// A client for `base_url`.
    pub fn new(base_url: &str) -> Result<SendzenApi> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(SendzenApi { base_url: base_url.trim_end_matches('/').to_owned(), http })
    }

    /// The endpoint, for messages.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(super) fn request(&self, method: reqwest::Method, path: &str, key: &Secret) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base_url)).bearer_auth(key.expose())
    }

    /// Sends `req` and reads a 2xx answer as `T`; anything else is a typed error.
    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder, action: &str) -> Result<T> {
        let res = req.send().await.map_err(|e| unreachable(action, &self.base_url, &e))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if !status.is_success() {
            return Err(answer_error(action, status, &bytes, retry_after.as_deref()));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("{action}: unexpected answer: {e}")))
    }

    /// `POST /v1/partner/onboard` with the partner key.
    pub async fn onboard(&self, partner_key: &Secret, body: &Onboard<'_>) -> Result<Onboarded> {
        let req = self.request(reqwest::Method::POST, "/v1/partner/onboard", partner_key).json(body);
        self.call(req, "onboard").await
    }

    /// `GET /v1/waba` with the customer's key: every number of their projects.
    pub async fn wabas(&self, api_key: &Secret) -> Result<Vec<Waba>> {
        let answer: WabaAnswer =
            self.call(self.request(reqwest::Method::GET, "/v1/waba", api_key), "list numbers").await?;
        Ok(answer.data.projects.into_iter().flat_map(|p| p.wabas).collect())
    }

    /// Every template of `waba_id`, page by page (`limit=100`, then `after=<cursor>`).
    pub async fn templates(&self, api_key: &Secret, waba_id: &str) -> Result<Vec<serde_json::Value>> {
        let path = format!("/v1/{}/message_templates", urlencoding(waba_id));
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_TEMPLATE_PAGES {
            let mut req = self.request(reqwest::Method::GET, &path, api_key).query(&[("limit", "100")]);
            if let Some(cursor) = &after {
                req = req.query(&[("after", cursor.as_str())]);
            }
            let page: TemplatePage = self.call(req, "list templates").await?;
            let count = page.data.data.len();
            all.extend(page.data.data);
            let paging = page.paging.unwrap_or(Paging { cursors: None, next: None });
            after = match (paging.next, paging.cursors.and_then(|c| c.after)) {
                (Some(_), Some(cursor)) if count > 0 && after.as_deref() != Some(cursor.as_str()) => Some(cursor),
                _ => return Ok(all),
            };
        }
        Err(Error::Provider(
            ProviderFailure::BadAnswer,
            format!("list templates: still more after {MAX_TEMPLATE_PAGES} pages; the provider's paging does not end"),
        ))
    }
}

/// A path segment from a provider id: ids are digits in practice, anything else is escaped.
fn urlencoding(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The provider's own words from either error shape, on one short line.
fn provider_message(status: reqwest::StatusCode, body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let message = v.get("message").and_then(text);
    let error = match v.get("error") {
        Some(e @ serde_json::Value::String(_)) => text(e),
        Some(e) => e.get("details").and_then(text),
        None => None,
    };
    let words = match (error, message) {
        (Some(e), Some(m)) if e != m => format!("{e}: {m}"),
        (Some(e), _) => e,
        (None, Some(m)) => m,
        (None, None) => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    words.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect()
}

/// A non-2xx answer as a typed error with the next step (seed 001, "Error Handling").
pub(super) fn answer_error(action: &str, status: reqwest::StatusCode, body: &[u8], retry_after: Option<&str>) -> Error {
    let message = provider_message(status, body);
    let code = status.as_u16();
    let failure = failure_of(code);
    let next = match (code, retry_after) {
        (400 | 422, _) => " (SendZen refused the request as sent; nothing was changed)".to_owned(),
        (401 | 403, _) => " (check the SendZen API key in Settings; it may be wrong, revoked or expired)".to_owned(),
        (429, Some(s)) => format!(" (SendZen's rate limit; try again in {} s)", s.trim()),
        (429, None) => " (SendZen's rate limit; try again in a minute)".to_owned(),
        (500..=599, _) => " (a fault at SendZen; try again later)".to_owned(),
        _ => String::new(),
    };
    Error::Provider(failure, format!("{action}: HTTP {code}: {message}{next}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes_give_the_providers_words_and_a_next_step() {
        let e = answer_error(
            "onboard",
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"error":"Invalid API key","message":"The provided API key is invalid or expired"}"#,
            None,
        );
        let Error::Provider(ProviderFailure::Unauthorized, text) = &e else { panic!("{e:?}") };
        assert!(text.contains("Invalid API key: The provided API key is invalid or expired"), "{text}");
        assert!(text.contains("check the SendZen API key"), "{text}");
        let e = answer_error(
            "send",
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"message":"Validation failed","error":{"code":"INVALID_TO","details":"to must be E.164"}}"#,
            None,
        );
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Rejected, t) if t.contains("to must be E.164: Validation failed"))
        );
        let e = answer_error("onboard", reqwest::StatusCode::TOO_MANY_REQUESTS, b"", Some("30"));
        assert!(matches!(&e, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("try again in 30 s")));
        let e = answer_error("onboard", reqwest::StatusCode::INTERNAL_SERVER_ERROR, b"<html>", None);
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("Internal Server Error (a fault at SendZen"))
        );
    }
}
