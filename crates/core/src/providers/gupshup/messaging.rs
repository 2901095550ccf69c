//! Gupshup's messaging client for a linked app (PROVIDERS.md §3): `Authorization: <app token>`
//! (raw). Sends go to v3 (`POST /partner/app/{appId}/v3/message`, Meta bodies; the answer's id is
//! Gupshup's, reported back as `gs_id`); v3 is a beta for select partners, so a template Gupshup
//! refuses on v3 as not enabled (403/404) goes out through the v2 template endpoint
//! (`…/template/msg`, form, by Gupshup's template id) — nothing was sent by the refused call.
//! Templates come from `GET …/templates` (Gupshup objects, read into the Meta model with
//! `elementName` as the name). The webhook is a v3 subscription carrying the link's secret.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use super::partner_api::{answer_error, segment, PartnerApi, TokenKind};
use super::HOOK_SECRET_HEADER;
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{root, send_message};
use crate::providers::messaging::{MessagingApi, Outbound, ProviderTemplate, SendError, SendReceipt, TemplateSyntax};
use crate::providers::meta::templates;
use crate::secret::Secret;

/// One linked Gupshup app's messaging.
#[derive(Debug, Clone)]
pub struct GupshupMessaging {
    api: PartnerApi,
    app_id: String,
    app_name: String,
    app_token: Secret,
    hook_secret: Secret,
    /// The number sends go from (v2 `source`), digits.
    business_number: String,
}

#[derive(Deserialize)]
struct TemplateList {
    #[serde(default)]
    templates: Vec<Value>,
}

impl GupshupMessaging {
    /// A client for the app.
    pub fn new(
        api: PartnerApi,
        app_id: &str,
        app_name: &str,
        app_token: Secret,
        hook_secret: Secret,
        business_number: &str,
    ) -> GupshupMessaging {
        GupshupMessaging {
            api,
            app_id: app_id.to_owned(),
            app_name: app_name.to_owned(),
            app_token,
            hook_secret,
            business_number: business_number.chars().filter(char::is_ascii_digit).collect(),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/partner/app/{}{rest}", segment(&self.app_id))
    }

    /// A subscription per hook URL: its tag is derived from the URL, so registering the same URL
    /// again finds Gupshup's "tag must be unique" refusal and counts as done.
    async fn register(&self, hook_url: &str) -> Result<()> {
        let mut headers = serde_json::Map::new();
        headers.insert(HOOK_SECRET_HEADER.into(), self.hook_secret.expose().into());
        let tag = subscription_tag(hook_url);
        match self.api.subscribe(&self.app_token, &self.app_id, &tag, hook_url, &headers).await {
            Ok(_) => Ok(()),
            Err(Error::Provider(ProviderFailure::Rejected, m)) if m.to_ascii_lowercase().contains("tag") => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn raw_templates(&self) -> Result<Vec<Value>> {
        let req = self.api.request(reqwest::Method::GET, &self.path("/templates"), &self.app_token);
        let res = req
            .send()
            .await
            .map_err(|e| crate::providers::http::unreachable("list templates", self.api.base_url(), &e))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("list templates: cut off: {}", root(&e)))
        })?;
        if !status.is_success() {
            return Err(answer_error("list templates", status, &bytes, None, TokenKind::App));
        }
        let list: TemplateList = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Provider(ProviderFailure::BadAnswer, format!("list templates: unexpected answer: {e}"))
        })?;
        Ok(list.templates)
    }

    async fn list(&self) -> Result<Vec<ProviderTemplate>> {
        Ok(self
            .raw_templates()
            .await?
            .iter()
            .map(|g| {
                let v = as_meta(g);
                let (category, media) = match templates::read(&v) {
                    Ok(t) => (t.category, t.media),
                    Err(_) => ("UNKNOWN".to_owned(), "TEXT".to_owned()),
                };
                ProviderTemplate { category, media, raw: v.to_string(), syntax: TemplateSyntax::Meta }
            })
            .collect())
    }

    async fn send_one(&self, to: &str, message: Outbound<'_>) -> Result<SendReceipt, SendError> {
        let body = crate::providers::d360::messaging::send_body(to, &message).map_err(SendError::NotAccepted)?;
        let req = self.api.request(reqwest::Method::POST, &self.path("/v3/message"), &self.app_token).json(&body);
        let error = |status, body: &[u8], retry_after: Option<&str>| {
            answer_error("send", status, body, retry_after, TokenKind::App)
        };
        match send_message(req, self.api.base_url(), &error).await {
            Ok(bytes) => receipt_v3(&bytes).map_err(SendError::Uncertain),
            Err(SendError::NotAccepted(Error::Provider(f, m)))
                if matches!(f, ProviderFailure::NotFound | ProviderFailure::Unauthorized)
                    && matches!(message, Outbound::Template { .. })
                    && v3_not_enabled(&m) =>
            {
                tracing::info!("Gupshup's v3 API is not enabled for this app; sending the template through v2");
                self.send_v2(to, &message).await
            }
            Err(e) => Err(e),
        }
    }

    /// v2: `POST …/template/msg` (form) by Gupshup's template id.
    async fn send_v2(&self, to: &str, message: &Outbound<'_>) -> Result<SendReceipt, SendError> {
        let Outbound::Template { filled_raw, .. } = message else {
            return Err(SendError::NotAccepted(Error::InvalidInput("v2 sends templates only".into())));
        };
        let send = templates::stored_send(filled_raw).map_err(SendError::NotAccepted)?;
        let list = self.raw_templates().await.map_err(SendError::NotAccepted)?;
        let id = list
            .iter()
            .find(|g| {
                text(g, "elementName") == Some(send.name.as_str())
                    && text(g, "languageCode") == Some(send.language.as_str())
            })
            .and_then(|g| text(g, "id"))
            .ok_or_else(|| {
                SendError::NotAccepted(Error::InvalidInput(format!("Gupshup no longer lists template {}", send.name)))
            })?;
        let params: Vec<&str> = send.body.iter().map(|p| p.text.as_str()).collect();
        let template = json!({ "id": id, "params": params }).to_string();
        let destination: String = to.chars().filter(char::is_ascii_digit).collect();
        let form = [
            ("source", self.business_number.as_str()),
            ("destination", destination.as_str()),
            ("src.name", self.app_name.as_str()),
            ("template", template.as_str()),
        ];
        let req = self.api.request(reqwest::Method::POST, &self.path("/template/msg"), &self.app_token).form(&form);
        let error = |status, body: &[u8], retry_after: Option<&str>| {
            answer_error("send", status, body, retry_after, TokenKind::App)
        };
        let bytes = send_message(req, self.api.base_url(), &error).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        match v.get("messageId").and_then(Value::as_str).filter(|s| super::valid_id(s)) {
            Some(id) => Ok(SendReceipt { provider_message_id: id.to_owned(), wamid: None }),
            None => Err(SendError::Uncertain(Error::Provider(
                ProviderFailure::BadAnswer,
                "send: Gupshup's v2 answer has no usable messageId".into(),
            ))),
        }
    }
}

/// The subscription tag of a hook URL (tags are unique per app, so one URL is one subscription).
pub(crate) fn subscription_tag(hook_url: &str) -> String {
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(hook_url.as_bytes()));
    format!("wadesk{}", &digest[..12])
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Whether a v3 refusal says the passthrough API is not enabled for the app.
fn v3_not_enabled(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not enabled") || m.contains("passthrough") || m.contains("http 404")
}

/// A Gupshup template object in Meta's model: `elementName` as the name, `data` as the body.
fn as_meta(g: &Value) -> Value {
    let media = text(g, "templateType").unwrap_or("TEXT");
    let mut components = vec![json!({ "type": "BODY", "text": text(g, "data").unwrap_or("") })];
    if media != "TEXT" {
        components.insert(0, json!({ "type": "HEADER", "format": media }));
    }
    json!({
        "name": text(g, "elementName"),
        "language": text(g, "languageCode"),
        "status": text(g, "status"),
        "category": text(g, "category"),
        "components": components,
        "gupshup_id": text(g, "id"),
    })
}

/// `messages[0].id` of a v3 answer: Gupshup's id (`gs_id` in its callbacks), not a wamid.
fn receipt_v3(bytes: &[u8]) -> Result<SendReceipt> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("send: unexpected answer: {e}")))?;
    match v.pointer("/messages/0/id").and_then(Value::as_str).filter(|s| super::valid_id(s)) {
        Some(id) => Ok(SendReceipt { provider_message_id: id.to_owned(), wamid: None }),
        None => {
            Err(Error::Provider(ProviderFailure::BadAnswer, "send: the answer has no usable messages[0].id".into()))
        }
    }
}

impl MessagingApi for GupshupMessaging {
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

    #[test]
    fn gupshup_templates_read_as_meta_and_the_v3_id_is_gupshups() {
        let g = json!({"id": "f7a1", "elementName": "order_update", "languageCode": "en", "category": "UTILITY",
            "status": "APPROVED", "templateType": "TEXT", "data": "Hi {{1}}, order {{2}}"});
        let t = templates::read(&as_meta(&g)).unwrap();
        assert_eq!(t.id, "order_update:en");
        assert!(t.parsed.is_ok(), "{:?}", t.parsed);
        let image = json!({"elementName": "promo", "languageCode": "en", "status": "APPROVED", "templateType": "IMAGE", "data": "x"});
        assert_eq!(templates::read(&as_meta(&image)).unwrap().media, "IMAGE");
        let r = receipt_v3(
            br#"{"messages":[{"id":"ee4a68a0-1203-4c85-8dc3-49d0b3226a35"}],"messaging_product":"whatsapp"}"#,
        )
        .unwrap();
        assert_eq!((r.provider_message_id.as_str(), r.wamid), ("ee4a68a0-1203-4c85-8dc3-49d0b3226a35", None));
        assert!(v3_not_enabled("send: HTTP 403: Passthrough is not enabled for the app"));
        assert!(!v3_not_enabled("send: HTTP 401: Authentication Failed"));
    }
}
