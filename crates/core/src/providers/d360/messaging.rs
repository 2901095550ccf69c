//! 360dialog's messaging client (PROVIDERS.md §4): `D360-API-KEY: <channel key>` on
//! `https://waba-v2.360dialog.io`; Meta bodies on `POST /messages` (no phone number id in the
//! path: the key is the number's), templates from `GET /v1/configs/templates` (`waba_templates`,
//! paged by `limit`/`offset`), the webhook set with `POST /v1/configs/webhook`. Webhooks are
//! Meta's envelope unchanged.
//!
//! The key goes only into its header. A send that gets no answer is uncertain, never failed.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, root, send_message, unreachable};
use crate::providers::messaging::{MessagingApi, Outbound, ProviderTemplate, SendError, SendReceipt, TemplateSyntax};
use crate::providers::meta::templates;
use crate::secret::Secret;

/// Templates asked for per page.
const PAGE: usize = 100;
/// Most pages read in one sync: a provider that pages forever is cut off.
const MAX_PAGES: usize = 50;

/// One 360dialog number's messaging.
#[derive(Debug, Clone)]
pub struct D360Messaging {
    base_url: String,
    api_key: Secret,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    waba_templates: Vec<Value>,
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<Sent>,
}

#[derive(Deserialize)]
struct Sent {
    #[serde(default)]
    id: Option<String>,
}

impl D360Messaging {
    /// A client for `base_url` with the channel's `api_key`.
    pub fn new(base_url: &str, api_key: Secret) -> Result<D360Messaging> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(D360Messaging { base_url: base_url.trim_end_matches('/').to_owned(), api_key, http })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base_url)).header("D360-API-KEY", self.api_key.expose())
    }

    async fn call(&self, req: reqwest::RequestBuilder, action: &str) -> Result<Vec<u8>> {
        let res = req.send().await.map_err(|e| unreachable(action, &self.base_url, &e))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if !status.is_success() {
            return Err(answer_error(action, status, &bytes, retry_after.as_deref()));
        }
        Ok(bytes.to_vec())
    }

    async fn register(&self, hook_url: &str) -> Result<()> {
        let req = self.request(reqwest::Method::POST, "/v1/configs/webhook").json(&json!({ "url": hook_url }));
        self.call(req, "register webhook").await.map(|_| ())
    }

    async fn list(&self) -> Result<Vec<ProviderTemplate>> {
        let mut all = Vec::new();
        for page in 0..MAX_PAGES {
            let offset = (page * PAGE).to_string();
            let req = self
                .request(reqwest::Method::GET, "/v1/configs/templates")
                .query(&[("limit", PAGE.to_string().as_str()), ("offset", offset.as_str())]);
            let bytes = self.call(req, "list templates").await?;
            let page: TemplatePage = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Provider(ProviderFailure::BadAnswer, format!("list templates: unexpected answer: {e}"))
            })?;
            let count = page.waba_templates.len();
            all.extend(page.waba_templates.into_iter().map(|v| {
                let (category, media) = match templates::read(&v) {
                    Ok(t) => (t.category, t.media),
                    Err(_) => ("UNKNOWN".to_owned(), "TEXT".to_owned()),
                };
                ProviderTemplate { category, media, raw: v.to_string(), syntax: TemplateSyntax::Meta }
            }));
            let more = page.total.map_or(count == PAGE, |t| (all.len() as u64) < t);
            if count == 0 || !more {
                return Ok(all);
            }
        }
        Err(Error::Provider(
            ProviderFailure::BadAnswer,
            format!("list templates: still more after {MAX_PAGES} pages; the provider's paging does not end"),
        ))
    }

    async fn send_one(&self, to: &str, message: Outbound<'_>) -> Result<SendReceipt, SendError> {
        let body = send_body(to, &message).map_err(SendError::NotAccepted)?;
        let req = self.request(reqwest::Method::POST, "/messages").json(&body);
        let error = |status, body: &[u8], retry_after: Option<&str>| answer_error("send", status, body, retry_after);
        let bytes = send_message(req, &self.base_url, &error).await?;
        receipt(&bytes).map_err(SendError::Uncertain)
    }
}

/// A Meta Cloud API body (PROVIDERS.md §6).
pub(crate) fn send_body(to: &str, message: &Outbound<'_>) -> Result<Value> {
    let to: String = to.chars().filter(char::is_ascii_digit).collect();
    Ok(match message {
        Outbound::Text { text } => json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": { "body": text, "preview_url": false }
        }),
        Outbound::Template { filled_raw, .. } => {
            let send = templates::stored_send(filled_raw)?;
            let mut template = json!({ "name": send.name, "language": { "code": send.language } });
            if let Some(components) = templates::body_components(&send) {
                template["components"] = components;
            }
            json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                    "type": "template", "template": template })
        }
    })
}

/// `messages[0].id` (a wamid) of a 2xx answer; a 2xx without one may still have queued it.
fn receipt(bytes: &[u8]) -> Result<SendReceipt> {
    let answer: SendAnswer = serde_json::from_slice(bytes)
        .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("send: unexpected answer: {e}")))?;
    let id = answer.messages.into_iter().next().and_then(|m| m.id);
    match id.filter(|id| !id.trim().is_empty() && id.len() <= 200 && !id.chars().any(char::is_whitespace)) {
        Some(id) => Ok(SendReceipt { provider_message_id: id.clone(), wamid: Some(id) }),
        None => {
            Err(Error::Provider(ProviderFailure::BadAnswer, "send: the answer has no usable messages[0].id".into()))
        }
    }
}

/// A non-2xx messaging answer (assumed Meta-shaped, PROVIDERS.md §4) with the next step.
fn answer_error(action: &str, status: reqwest::StatusCode, body: &[u8], retry_after: Option<&str>) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let code = v.pointer("/error/code").and_then(Value::as_i64);
    let words = text("/error/error_data/details")
        .or_else(|| text("/error/message"))
        .or_else(|| text("/meta/developer_message"))
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let words: String = words.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    let words = match code {
        Some(c) => format!("{words} (code {c})"),
        None => words,
    };
    let http = status.as_u16();
    let next = match (http, retry_after) {
        (400 | 422, _) => " (360dialog refused the request as sent; nothing was sent)".to_owned(),
        (401 | 403, _) => " (the channel's API key was refused: connect the number again to get a new one)".to_owned(),
        (429, Some(s)) => format!(" (360dialog's rate limit; try again in {} s)", s.trim()),
        (429, None) => " (360dialog's rate limit; try again in a minute)".to_owned(),
        (500..=599, _) => " (a fault at 360dialog; try again later)".to_owned(),
        _ => String::new(),
    };
    Error::Provider(failure_of(http), format!("{action}: HTTP {http}: {words}{next}"))
}

impl MessagingApi for D360Messaging {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::meta::templates::{MetaParam, MetaSend};

    #[test]
    fn text_and_templates_go_out_as_meta_bodies() {
        let text = send_body("+15551234567", &Outbound::Text { text: "Hi" }).unwrap();
        assert_eq!(
            text,
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "15551234567",
                   "type": "text", "text": {"body": "Hi", "preview_url": false}})
        );
        let payload = serde_json::to_string(&MetaSend {
            name: "order_update".into(),
            language: "en_US".into(),
            body: vec![MetaParam { text: "Maria".into(), parameter_name: Some("customer_name".into()) }],
        })
        .unwrap();
        let t =
            send_body("15551234567", &Outbound::Template { template_id: "x", filled_raw: &payload, body: "" }).unwrap();
        assert_eq!(t["template"]["language"], json!({"code": "en_US"}));
        assert!(t["template"].get("lang_code").is_none());
        assert_eq!(
            t["template"]["components"],
            json!([{"type": "body", "parameters": [{"type": "text", "text": "Maria", "parameter_name": "customer_name"}]}])
        );
        assert!(send_body("1", &Outbound::Template { template_id: "x", filled_raw: "{{u}}\nHi", body: "" }).is_err());
    }

    #[test]
    fn the_receipt_is_the_wamid_and_errors_read_metas_shape() {
        let r = receipt(
            br#"{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.X"}]}"#,
        )
        .unwrap();
        assert_eq!((r.provider_message_id.as_str(), r.wamid.as_deref()), ("wamid.X", Some("wamid.X")));
        assert!(receipt(br#"{"messages":[]}"#).is_err());
        let e = answer_error(
            "send",
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"error":{"message":"(#132000) Number of parameters does not match","type":"OAuthException","code":132000,"error_data":{"messaging_product":"whatsapp","details":"body: expected 2, got 1"}}}"#,
            None,
        );
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Rejected, t) if t.contains("expected 2, got 1 (code 132000)")),
            "{e:?}"
        );
        let e = answer_error("send", reqwest::StatusCode::UNAUTHORIZED, b"", None);
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Unauthorized, t) if t.contains("connect the number again"))
        );
    }
}
