//! ChatArchitect's messaging API client (seed 000, "Quick Start"): `/webhook`, `/getHSM`,
//! `/whatsappmessage`, with HTTP Basic `APP_ID:APP_SECRET`.
//!
//! The secret goes only into the Authorization header: never a URL, a log line or an error. The
//! registered hook URL is a capability and is treated the same way. A send that gets no answer
//! (timeout, connection cut after the request left) is reported as uncertain, never as failed:
//! the provider may have queued it, and only the admin may decide to send again.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::answer::{error_message, root};
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, send_message, unreachable};
use crate::providers::messaging::{MessagingApi, Outbound, ProviderTemplate, SendError, SendReceipt, TemplateSyntax};
use crate::secret::Secret;

/// How long a send may take before its fate is uncertain.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// One account's ChatArchitect messaging endpoint.
#[derive(Debug, Clone)]
pub struct MessagingClient {
    base_url: String,
    app_id: String,
    app_secret: Secret,
    business_number: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Submitted {
    status: String,
    #[serde(rename = "messageId")]
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct HsmAnswer {
    #[serde(default)]
    templates: Vec<HsmTemplate>,
}

#[derive(Deserialize)]
struct HsmTemplate {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    data: Option<String>,
    /// Not in the seed's fragment; the sandbox sends it for media templates (assumption).
    #[serde(default, rename = "templateType")]
    template_type: Option<String>,
}

impl MessagingClient {
    /// A client for `base_url` with the account's pair; `business_number` is the connected number
    /// the seed wants as `destination` on `/webhook` and `/getHSM`.
    pub fn new(base_url: &str, app_id: String, app_secret: Secret, business_number: String) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(MessagingClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            app_id,
            app_secret,
            business_number,
            http,
        })
    }

    fn post(&self, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base_url))
            .basic_auth(&self.app_id, Some(self.app_secret.expose()))
            .json(&body)
    }

    /// Sends `req`; an error answer becomes a typed error with the provider's message.
    async fn call(&self, req: reqwest::RequestBuilder, action: &str) -> Result<Vec<u8>> {
        let res = req.send().await.map_err(|e| unreachable(action, &self.base_url, &e))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(answer_error(action, status, &bytes, retry_after.as_deref()))
    }

    async fn register(&self, hook_url: &str) -> Result<()> {
        let body = json!({
            "channel": "whatsapp",
            "destination": self.business_number,
            "webhook_separate": "false",
            "webhook": hook_url,
        });
        // The answer's shape is not documented ("Webhook saved"): a 2xx is the confirmation.
        self.call(self.post("/webhook", body), "register webhook").await.map(|_| ())
    }

    async fn list(&self) -> Result<Vec<ProviderTemplate>> {
        let body = json!({ "channel": "whatsapp", "destination": self.business_number, "getHSM": "true" });
        let bytes = self.call(self.post("/getHSM", body), "sync templates").await?;
        let answer: HsmAnswer = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Provider(ProviderFailure::BadAnswer, format!("sync templates: unexpected answer: {e}"))
        })?;
        Ok(answer
            .templates
            .into_iter()
            .map(|t| ProviderTemplate {
                category: t.category.unwrap_or_default(),
                media: t.template_type.unwrap_or_else(|| "TEXT".to_owned()).to_ascii_uppercase(),
                raw: t.data.unwrap_or_default(),
                syntax: TemplateSyntax::ChatArchitect,
            })
            .collect())
    }

    async fn send_one(&self, to: &str, message: Outbound<'_>) -> Result<SendReceipt, SendError> {
        // A template goes out as a text message whose text is the filled send syntax (seed 000).
        let text = match message {
            Outbound::Text { text } => text,
            Outbound::Template { filled_raw, .. } => filled_raw,
        };
        let body = json!({
            "channel": "whatsapp",
            "destination": to,
            "payload": { "type": "text", "message": text },
        });
        let error = |status, body: &[u8], retry_after: Option<&str>| answer_error("send", status, body, retry_after);
        let bytes = send_message(self.post("/whatsappmessage", body), &self.base_url, &error).await?;
        // A 2xx we cannot read may still have queued the message.
        let answer: Submitted = serde_json::from_slice(&bytes).map_err(|e| {
            SendError::Uncertain(Error::Provider(ProviderFailure::BadAnswer, format!("send: unexpected answer: {e}")))
        })?;
        match answer.message_id.filter(|id| !id.trim().is_empty() && id.len() <= 200) {
            Some(id) if answer.status == "submitted" => Ok(SendReceipt { provider_message_id: id, wamid: None }),
            _ => Err(SendError::Uncertain(Error::Provider(
                ProviderFailure::BadAnswer,
                format!("send: the provider answered status {:?} without a usable messageId", answer.status),
            ))),
        }
    }
}

impl MessagingApi for MessagingClient {
    fn register_webhook<'a>(&'a self, hook_url: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.register(hook_url))
    }

    fn templates(&self) -> BoxFuture<'_, Result<Vec<ProviderTemplate>>> {
        Box::pin(self.list())
    }

    fn send<'a>(&'a self, to: &'a str, message: Outbound<'a>) -> BoxFuture<'a, Result<SendReceipt, SendError>> {
        Box::pin(self.send_one(to, message))
    }
}

/// A non-2xx answer as a typed error. The provider's message (seed shape `{"status":"error",
/// "message"}`) is shown to people: one short line.
fn answer_error(action: &str, status: reqwest::StatusCode, body: &[u8], retry_after: Option<&str>) -> Error {
    let message = error_message(status, body);
    let status = status.as_u16();
    let failure = failure_of(status);
    let hint = match (status, retry_after) {
        (401 | 403, _) => " (check the account's App ID and App secret)".to_owned(),
        (429, Some(s)) => format!(" (too many messages; try again in {} s)", s.trim()),
        _ => String::new(),
    };
    Error::Provider(failure, format!("{action}: HTTP {status}: {message}{hint}"))
}
