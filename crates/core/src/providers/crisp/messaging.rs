//! Crisp's messaging client (PROVIDERS.md §5): `Authorization: Basic base64(identifier:key)` on
//! `…/wa/api/website/{website_id}/…`; templates from `GET …/templates` (`data.templates`, paged
//! by `data.paging_next`), sends with `POST …/template/send` (`message_template`,
//! `crisp_options`, `to_number`, `from_number`), answered with `data.request_id`.
//!
//! What the plugin cannot do is refused with the reason, never pretended: free text (replies
//! are made in the Crisp inbox), and registering the callback URL (there is no API for it: the
//! owner pastes it into the plugin's API Settings). Templates go out as Crisp's `note` (the
//! documented default), so the inbox records that a template was sent, or as `text` with the
//! filled body when the account asks for it ([`super::options`]).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, root, send_message, unreachable};
use crate::providers::messaging::{MessagingApi, Outbound, ProviderTemplate, SendError, SendReceipt, TemplateSyntax};
use crate::providers::meta::templates;
use crate::secret::Secret;

use super::options::CrispMessageType;

/// Templates asked for per page.
const PAGE: &str = "100";
/// Most pages read in one sync.
const MAX_PAGES: usize = 50;

/// One Crisp website's WhatsApp messaging.
#[derive(Debug, Clone)]
pub struct CrispMessaging {
    /// `…/wa/api/website/{website_id}`.
    root: String,
    identifier: String,
    key: Secret,
    /// The business number sends go `from`, digits only.
    from_number: String,
    /// On the embedded sandbox only: its control surface and partner token, which stand in for
    /// the plugin's API Settings, so the callback URL is set there rather than pasted.
    sandbox_settings: Option<(String, Secret)>,
    /// `crisp_options.type` of every send.
    message_type: CrispMessageType,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer<T> {
    data: T,
}

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    templates: Vec<Value>,
    #[serde(default)]
    paging_next: Option<Value>,
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    request_id: Option<String>,
}

impl CrispMessaging {
    /// A client for website `website_id` under the plugin API at `base_url`.
    pub fn new(base_url: &str, website_id: &str, identifier: &str, key: Secret, from_number: &str) -> Result<Self> {
        if website_id.is_empty()
            || website_id.len() > 64
            || !website_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(Error::Field(
                "website_id".into(),
                "the website ID from Crisp's settings (letters, digits and dashes)".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(CrispMessaging {
            root: format!("{}/wa/api/website/{website_id}", base_url.trim_end_matches('/')),
            identifier: identifier.to_owned(),
            key,
            from_number: from_number.chars().filter(char::is_ascii_digit).collect(),
            sandbox_settings: None,
            message_type: CrispMessageType::Note,
            http,
        })
    }

    /// On the embedded sandbox: the callback URL goes to its stand-in for the API Settings
    /// (`control_url`, authenticated with `partner_token`) instead of being pasted by hand.
    pub fn with_sandbox_settings(mut self, control_url: &str, partner_token: Secret) -> Self {
        self.sandbox_settings = Some((control_url.trim_end_matches('/').to_owned(), partner_token));
        self
    }

    /// Sends templates as `message_type` in the Crisp conversation.
    pub fn with_message_type(mut self, message_type: CrispMessageType) -> Self {
        self.message_type = message_type;
        self
    }

    /// Sets the callback URL on the sandbox's stand-in for the plugin's API Settings.
    async fn set_sandbox_callback(&self, control_url: &str, partner_token: &Secret, hook_url: &str) -> Result<()> {
        let res = self
            .http
            .post(format!("{control_url}/website/callback_url"))
            .header("X-API-Key", partner_token.expose())
            .json(&json!({ "url": hook_url }))
            .send()
            .await
            .map_err(|e| unreachable("set the callback URL", control_url, &e))?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = res.bytes().await.unwrap_or_default();
        Err(answer_error("set the callback URL", status, &bytes, None))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.root)).basic_auth(&self.identifier, Some(self.key.expose()))
    }

    async fn list(&self) -> Result<Vec<ProviderTemplate>> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = self.request(reqwest::Method::GET, "/templates").query(&[("limit", PAGE)]);
            if let Some(cursor) = &after {
                req = req.query(&[("after", cursor.as_str())]);
            }
            let res = req.send().await.map_err(|e| unreachable("list templates", &self.root, &e))?;
            let status = res.status();
            let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let bytes = res.bytes().await.map_err(|e| {
                Error::Provider(ProviderFailure::Unreachable, format!("list templates: cut off: {}", root(&e)))
            })?;
            if !status.is_success() {
                return Err(answer_error("list templates", status, &bytes, retry_after.as_deref()));
            }
            let page: Answer<TemplatePage> = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Provider(ProviderFailure::BadAnswer, format!("list templates: unexpected answer: {e}"))
            })?;
            let count = page.data.templates.len();
            all.extend(page.data.templates.into_iter().map(|v| {
                let (category, media) = match templates::read(&v) {
                    Ok(t) => (t.category, t.media),
                    Err(_) => ("UNKNOWN".to_owned(), "TEXT".to_owned()),
                };
                ProviderTemplate { category, media, raw: v.to_string(), syntax: TemplateSyntax::Meta }
            }));
            let next = match page.data.paging_next {
                Some(Value::String(s)) if !s.is_empty() => Some(s),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            match next {
                Some(cursor) if count > 0 && after.as_deref() != Some(cursor.as_str()) => after = Some(cursor),
                _ => return Ok(all),
            }
        }
        Err(Error::Provider(
            ProviderFailure::BadAnswer,
            format!("list templates: still more after {MAX_PAGES} pages; the provider's paging does not end"),
        ))
    }

    async fn send_one(&self, to: &str, message: Outbound<'_>) -> Result<SendReceipt, SendError> {
        let body = send_body(&self.from_number, to, &message, self.message_type).map_err(SendError::NotAccepted)?;
        let req = self.request(reqwest::Method::POST, "/template/send").json(&body);
        let error = |status, body: &[u8], retry_after: Option<&str>| answer_error("send", status, body, retry_after);
        let bytes = send_message(req, &self.root, &error).await?;
        receipt(&bytes).map_err(SendError::Uncertain)
    }
}

/// The body of `POST …/template/send` (PROVIDERS.md §5): `language` a plain string, body
/// parameters in Meta's shape, sent as a Crisp note, or as text with the filled body on the BODY
/// component (Crisp wants the text in at least one component then).
fn send_body(from: &str, to: &str, message: &Outbound<'_>, kind: CrispMessageType) -> Result<Value> {
    let Outbound::Template { filled_raw, body, .. } = message else {
        return Err(Error::InvalidInput(
            "Crisp's WhatsApp plugin sends templates only; free-text replies are written in the Crisp inbox".into(),
        ));
    };
    let send = templates::stored_send(filled_raw)?;
    let mut template = json!({ "language": send.language, "name": send.name });
    let mut components = templates::body_components(&send).unwrap_or_else(|| json!([{ "parameters": [] }]));
    if let Some(first) = components.get_mut(0) {
        first["type"] = json!("BODY");
        if kind == CrispMessageType::Text {
            first["text"] = json!(body);
        }
    }
    if kind == CrispMessageType::Text || !send.body.is_empty() {
        template["components"] = components;
    }
    Ok(json!({
        "message_template": template,
        "crisp_options": { "type": kind.as_str() },
        "to_number": to.chars().filter(char::is_ascii_digit).collect::<String>(),
        "from_number": from,
    }))
}

/// `data.request_id` of a 2xx answer: the id the callback will name.
fn receipt(bytes: &[u8]) -> Result<SendReceipt> {
    let answer: Answer<Accepted> = serde_json::from_slice(bytes)
        .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("send: unexpected answer: {e}")))?;
    match answer.data.request_id.filter(|id| !id.is_empty() && id.len() <= 100 && !id.chars().any(char::is_whitespace))
    {
        Some(id) => Ok(SendReceipt { provider_message_id: id, wamid: None }),
        None => {
            Err(Error::Provider(ProviderFailure::BadAnswer, "send: the answer has no usable data.request_id".into()))
        }
    }
}

/// A non-2xx answer (Crisp's `{error, reason, data}`, UNCONFIRMED for the plugin) with the next step.
fn answer_error(action: &str, status: reqwest::StatusCode, body: &[u8], retry_after: Option<&str>) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let words = match (text("/reason"), text("/data/message")) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(r), None) => r.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let words: String = words.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    let code = status.as_u16();
    let next = match (code, retry_after) {
        (400, _) => " (Crisp refused the request as sent; nothing was sent)".to_owned(),
        (401, _) => " (check the plugin token pair: identifier and key from the plugin's API Tokens)".to_owned(),
        (403, _) => " (the token pair does not belong to this website ID)".to_owned(),
        (404, _) => " (check the website ID)".to_owned(),
        (420 | 429, Some(s)) => format!(" (Crisp's rate limit; try again in {} s)", s.trim()),
        (420 | 429, None) => " (Crisp's rate limit; try again in a minute)".to_owned(),
        (500..=599, _) => " (a fault at Crisp; try again later)".to_owned(),
        _ => String::new(),
    };
    let failure = if code == 420 { ProviderFailure::Unavailable } else { failure_of(code) };
    Error::Provider(failure, format!("{action}: HTTP {code}: {words}{next}"))
}

impl MessagingApi for CrispMessaging {
    fn register_webhook<'a>(&'a self, hook_url: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let Some((control_url, token)) = &self.sandbox_settings {
                return self.set_sandbox_callback(control_url, token, hook_url).await;
            }
            Err(Error::InvalidInput(
                "Crisp has no API for the callback URL: copy it from the account into the plugin's API Settings".into(),
            ))
        })
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
    fn templates_go_out_in_crisps_shape_and_free_text_is_refused() {
        let payload = serde_json::to_string(&MetaSend {
            name: "sample_issue_resolution".into(),
            language: "en_US".into(),
            body: vec![MetaParam { text: "John".into(), parameter_name: None }],
        })
        .unwrap();
        let b =
            send_body("33612345678", "+15551234567", &outbound(&payload, "Hi John"), CrispMessageType::Note).unwrap();
        assert_eq!(
            b,
            json!({"message_template": {"language": "en_US", "name": "sample_issue_resolution",
                     "components": [{"type": "BODY", "parameters": [{"type": "text", "text": "John"}]}]},
                   "crisp_options": {"type": "note"}, "to_number": "15551234567", "from_number": "33612345678"})
        );
        let as_text = send_body("33612345678", "+15551234567", &outbound(&payload, "Hi John"), CrispMessageType::Text);
        let as_text = as_text.unwrap();
        assert_eq!(as_text["crisp_options"], json!({"type": "text"}));
        assert_eq!(
            as_text["message_template"]["components"],
            json!([{"type": "BODY", "text": "Hi John", "parameters": [{"type": "text", "text": "John"}]}])
        );
        let no_variables =
            serde_json::to_string(&MetaSend { name: "hello".into(), language: "en".into(), body: vec![] });
        let no_variables = no_variables.unwrap();
        let plain = send_body("1", "2", &outbound(&no_variables, "Hello"), CrispMessageType::Note).unwrap();
        assert!(plain["message_template"].get("components").is_none(), "{plain}");
        let plain_text = send_body("1", "2", &outbound(&no_variables, "Hello"), CrispMessageType::Text).unwrap();
        assert_eq!(
            plain_text["message_template"]["components"],
            json!([{"type": "BODY", "text": "Hello", "parameters": []}])
        );
        let text = Outbound::Text { text: "hi" };
        assert!(matches!(send_body("1", "2", &text, CrispMessageType::Text), Err(Error::InvalidInput(_))));
    }

    fn outbound<'a>(payload: &'a str, body: &'a str) -> Outbound<'a> {
        Outbound::Template { template_id: "x", filled_raw: payload, body }
    }

    #[test]
    fn the_receipt_is_the_request_id_and_errors_read_crisps_envelope() {
        let r = receipt(br#"{"error":false,"reason":"request_accepted","data":{"request_id":"5f1c-id"}}"#).unwrap();
        assert_eq!((r.provider_message_id.as_str(), r.wamid), ("5f1c-id", None));
        assert!(receipt(br#"{"error":false,"data":{}}"#).is_err());
        let e = answer_error(
            "send",
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"error":true,"reason":"unauthorized","data":{}}"#,
            None,
        );
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Unauthorized, t) if t.contains("unauthorized") && t.contains("token pair"))
        );
        let e = answer_error("send", reqwest::StatusCode::from_u16(420).unwrap(), b"", Some("9"));
        assert!(matches!(&e, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("try again in 9 s")));
        assert!(CrispMessaging::new("https://x", "../etc", "i", Secret::new("k"), "1").is_err());
    }
}
