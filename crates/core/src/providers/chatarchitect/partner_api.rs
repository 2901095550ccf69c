//! The Partner API client (seed 000): `create_session`, `result`, `retry_webhook`.
//!
//! Every call carries the partner token as a Bearer header and nothing else of it: the token never
//! appears in a URL, a log line or an error message. Error answers (`{"status":"error","message"}`)
//! become typed errors by HTTP status, so the UI can say what to do next (401 → check the partner
//! token, 404 → unknown session, 409 → not completed yet, 5xx → try again later).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::answer::{error_message, root};
use crate::error::{Error, ProviderFailure, Result};
use crate::secret::Secret;

/// The body of `create_session`.
#[derive(Debug, Clone, Serialize)]
pub struct CreateSession<'a> {
    /// Origin of the page hosting the iframe (scheme, host, port).
    pub parent_origin: &'a str,
    /// Where the completion webhook goes (this install's relay hook URL). A capability: not logged.
    pub webhook_url: &'a str,
    /// Returned unchanged in the webhook.
    pub partner_user_id: &'a str,
    /// The nonce the webhook must echo.
    pub partner_state: &'a str,
    /// Shown in the registration; blank means "Partner".
    pub integration: &'a str,
    /// de, en, es, pt or ru.
    pub lang: &'a str,
}

/// The answer of `create_session`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedSession {
    /// The session id.
    pub registration_id: String,
    /// What the iframe loads.
    pub iframe_url: String,
    /// RFC 3339.
    pub expires_at: String,
    /// `started`.
    pub status: String,
}

/// The answer of `result`: a status, plus the credentials once completed.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionResult {
    /// A seed status (`started` … `expired`, `completed`).
    pub status: String,
    /// Set when completed.
    pub app_id: Option<String>,
    /// Set when completed. Wrapped at once so it cannot be printed.
    #[serde(default, deserialize_with = "secret_opt")]
    pub app_secret: Option<Secret>,
    /// Set when completed.
    pub phone: Option<String>,
    /// Set when completed.
    pub completed_at: Option<String>,
}

/// The answer of `retry_webhook`.
#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct RetryOutcome {
    /// `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error, empty when the last attempt succeeded.
    pub last_error: String,
}

fn secret_opt<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Secret::new))
}

/// A Partner API endpoint: the registration domain and the token for it.
#[derive(Debug, Clone)]
pub struct PartnerApi {
    base_url: String,
    token: Secret,
    http: reqwest::Client,
}

impl PartnerApi {
    /// A client for `base_url` (no trailing slash needed) with `token`.
    pub fn new(base_url: &str, token: Secret) -> Result<PartnerApi> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(PartnerApi { base_url: base_url.trim_end_matches('/').to_owned(), token, http })
    }

    /// The registration domain.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST /partner?action=create_session`.
    pub async fn create_session(&self, body: &CreateSession<'_>) -> Result<CreatedSession> {
        let req = self.http.post(self.url("create_session")).json(body);
        self.send(req, "create_session").await
    }

    /// `GET /partner?action=result&registration_id=…`.
    pub async fn result(&self, registration_id: &str) -> Result<SessionResult> {
        let req = self.http.get(self.url("result")).query(&[("registration_id", registration_id)]);
        self.send(req, "result").await
    }

    /// `POST /partner?action=retry_webhook`.
    pub async fn retry_webhook(&self, registration_id: &str) -> Result<RetryOutcome> {
        let req =
            self.http.post(self.url("retry_webhook")).json(&serde_json::json!({ "registration_id": registration_id }));
        self.send(req, "retry_webhook").await
    }

    fn url(&self, action: &str) -> String {
        format!("{}/partner?action={action}", self.base_url)
    }

    async fn send<T: for<'de> Deserialize<'de>>(&self, req: reqwest::RequestBuilder, action: &str) -> Result<T> {
        let res = req.bearer_auth(self.token.expose()).send().await.map_err(|e| {
            // reqwest's message can include the URL; ours has no secret in it (the token is a header).
            Error::Provider(
                ProviderFailure::Unreachable,
                format!("{action}: cannot reach {}: {}", self.base_url, root(&e)),
            )
        })?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                Error::Provider(
                    ProviderFailure::BadAnswer,
                    format!("{action}: unexpected answer from the provider: {e}"),
                )
            });
        }
        let message = error_message(status, &bytes);
        let failure = match status.as_u16() {
            400 => ProviderFailure::Rejected,
            401 | 403 => ProviderFailure::Unauthorized,
            404 => ProviderFailure::NotFound,
            409 => ProviderFailure::Conflict,
            _ => ProviderFailure::Unavailable,
        };
        Err(Error::Provider(failure, format!("{action}: HTTP {}: {message}", status.as_u16())))
    }
}
