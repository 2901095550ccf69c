//! SendZen's messaging client (PROVIDERS.md §2): sends in SendZen's own dialect — `from` (the
//! business number), `to`, and for templates `template.lang_code` with Meta components — and
//! lists Meta template objects from `GET /v1/{waba_id}/message_templates`.
//!
//! What the sources leave open, and what is done here:
//! - `to` with or without `+` (UNCONFIRMED): sent as `+<digits>`, the E.164 form SendZen's newer
//!   official code (its n8n node) validates.
//! - Whether `data[0].message_id` is the wamid (UNCONFIRMED): kept as the provider id, and also as
//!   the wamid when it has a wamid's shape (`wamid.…`), so statuses match either way.
//! - The webhook is set at onboarding (`client_webhook_url`); SendZen documents no other call. To
//!   point it at a new hook (after a relay switch) the onboard call is made again with the same
//!   `client_identifier`, which needs the partner key.
//!
//! A send that gets no answer (timeout, connection cut after the request left) is uncertain,
//! never failed: SendZen may have queued it.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::{answer_error, Onboard, SendzenApi};
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::send_message;
use crate::providers::messaging::{MessagingApi, Outbound, ProviderTemplate, SendError, SendReceipt, TemplateSyntax};
use crate::providers::meta::templates;
use crate::secret::Secret;

/// One SendZen account's messaging.
#[derive(Debug, Clone)]
pub struct SendzenMessaging {
    api: SendzenApi,
    api_key: Secret,
    /// The number sends go `from`, digits only.
    business_number: String,
    /// The WhatsApp Business Account templates are listed from, when known.
    waba_id: Option<String>,
    /// The partner key and the account's `client_identifier`, to point its webhook elsewhere.
    partner: Option<(Secret, String)>,
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    data: Vec<Sent>,
}

#[derive(Deserialize)]
struct Sent {
    #[serde(default)]
    message_id: Option<String>,
}

impl SendzenMessaging {
    /// A client for the account with customer key `api_key` and connected number `business_number`.
    pub fn new(api: SendzenApi, api_key: Secret, business_number: &str) -> SendzenMessaging {
        let business_number = business_number.chars().filter(char::is_ascii_digit).collect();
        SendzenMessaging { api, api_key, business_number, waba_id: None, partner: None }
    }

    /// The WABA id the onboarding reported (saves a `GET /v1/waba` per template sync).
    pub fn with_waba(mut self, waba_id: Option<String>) -> Self {
        self.waba_id = waba_id.filter(|w| !w.trim().is_empty());
        self
    }

    /// What re-pointing the webhook needs.
    pub fn with_partner(mut self, partner_key: Secret, client_identifier: String) -> Self {
        self.partner = Some((partner_key, client_identifier));
        self
    }

    async fn register(&self, hook_url: &str) -> Result<()> {
        let Some((partner_key, client_identifier)) = &self.partner else {
            return Err(Error::InvalidInput(
                "SendZen sets a number's webhook only through the partner onboarding call: enter the SendZen partner \
                 API key in Settings, then register the webhook again"
                    .into(),
            ));
        };
        // The key first: re-pointing the webhook is only for a number whose key still works, and a
        // refused key then says so instead of starting a new onboarding.
        self.api.wabas(&self.api_key).await?;
        let body = Onboard { client_identifier, client_webhook_url: hook_url };
        let answer = self.api.onboard(partner_key, &body).await?;
        match answer.webhook {
            Some(check) if check.valid => Ok(()),
            check => {
                let detail = check.and_then(|c| c.detail).unwrap_or_else(|| "no webhook check in the answer".into());
                let detail: String = detail.chars().filter(|c| !c.is_control()).take(200).collect();
                Err(Error::Provider(
                    ProviderFailure::Rejected,
                    format!("SendZen did not accept this install's webhook URL: {detail} (is the relay reachable from the internet?)"),
                ))
            }
        }
    }

    /// The WABA to list templates from: the one onboarding reported, else the one whose number
    /// this account sends from.
    async fn waba(&self) -> Result<String> {
        if let Some(w) = &self.waba_id {
            return Ok(w.clone());
        }
        let wabas = self.api.wabas(&self.api_key).await?;
        let digits =
            |s: &Option<String>| s.as_deref().unwrap_or("").chars().filter(char::is_ascii_digit).collect::<String>();
        wabas
            .iter()
            .find(|w| digits(&w.phone_number) == self.business_number)
            .or(wabas.first())
            .map(|w| w.waba_id.clone())
            .ok_or_else(|| {
                Error::Provider(
                    ProviderFailure::NotFound,
                    "SendZen lists no WhatsApp number for this account yet; finish its onboarding first".into(),
                )
            })
    }

    async fn list(&self) -> Result<Vec<ProviderTemplate>> {
        let waba = self.waba().await?;
        let objects = self.api.templates(&self.api_key, &waba).await?;
        Ok(objects
            .into_iter()
            .map(|v| {
                let (category, media) = match templates::read(&v) {
                    Ok(t) => (t.category, t.media),
                    Err(_) => ("UNKNOWN".to_owned(), "TEXT".to_owned()),
                };
                ProviderTemplate { category, media, raw: v.to_string(), syntax: TemplateSyntax::Meta }
            })
            .collect())
    }

    async fn send_one(&self, to: &str, message: Outbound<'_>) -> Result<SendReceipt, SendError> {
        let body = send_body(&self.business_number, to, &message).map_err(SendError::NotAccepted)?;
        let req = self.api.request(reqwest::Method::POST, "/v1/messages", &self.api_key).json(&body);
        let error = |status, body: &[u8], retry_after: Option<&str>| answer_error("send", status, body, retry_after);
        let bytes = send_message(req, self.api.base_url(), &error).await?;
        receipt(&bytes).map_err(SendError::Uncertain)
    }
}

/// The body of `POST /v1/messages` in SendZen's dialect.
fn send_body(from: &str, to: &str, message: &Outbound<'_>) -> Result<Value> {
    let to = format!("+{}", to.trim_start_matches('+'));
    Ok(match message {
        Outbound::Text { text } => json!({
            "from": from, "to": to, "type": "text", "text": { "body": text, "preview_url": false }
        }),
        Outbound::Template { filled_raw, .. } => {
            let send = templates::stored_send(filled_raw)?;
            let mut template = json!({ "name": send.name, "lang_code": send.language });
            if let Some(components) = templates::body_components(&send) {
                template["components"] = components;
            }
            json!({ "from": from, "to": to, "type": "template", "template": template })
        }
    })
}

/// `data[0].message_id` of a 2xx answer; a 2xx without one may still have queued the message.
fn receipt(bytes: &[u8]) -> Result<SendReceipt> {
    let answer: SendAnswer = serde_json::from_slice(bytes)
        .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("send: unexpected answer: {e}")))?;
    let id = answer.data.into_iter().next().and_then(|d| d.message_id);
    match id.filter(|id| !id.trim().is_empty() && id.len() <= 200 && !id.chars().any(char::is_whitespace)) {
        Some(id) => {
            let wamid = id.starts_with("wamid.").then(|| id.clone());
            Ok(SendReceipt { provider_message_id: id, wamid })
        }
        None => {
            Err(Error::Provider(ProviderFailure::BadAnswer, "send: the answer has no usable data[0].message_id".into()))
        }
    }
}

impl MessagingApi for SendzenMessaging {
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
    fn text_and_templates_go_out_in_sendzens_dialect() {
        let text = send_body("919099913506", "15551234567", &Outbound::Text { text: "Hi" }).unwrap();
        assert_eq!(
            text,
            json!({"from": "919099913506", "to": "+15551234567", "type": "text", "text": {"body": "Hi", "preview_url": false}})
        );
        let payload = serde_json::to_string(&MetaSend {
            name: "order_update".into(),
            language: "en_US".into(),
            body: vec![
                MetaParam { text: "Maria".into(), parameter_name: Some("customer_name".into()) },
                MetaParam { text: "A-1".into(), parameter_name: Some("order_id".into()) },
            ],
        })
        .unwrap();
        let t = send_body(
            "919099913506",
            "+15551234567",
            &Outbound::Template { template_id: "x", filled_raw: &payload, body: "" },
        )
        .unwrap();
        assert_eq!(t["to"], "+15551234567");
        assert_eq!(t["template"]["name"], "order_update");
        assert_eq!(t["template"]["lang_code"], "en_US");
        assert!(t["template"].get("language").is_none(), "SendZen's lang_code, not Meta's language");
        assert_eq!(
            t["template"]["components"],
            json!([{"type": "body", "parameters": [
                {"type": "text", "text": "Maria", "parameter_name": "customer_name"},
                {"type": "text", "text": "A-1", "parameter_name": "order_id"}]}])
        );
        let plain =
            serde_json::to_string(&MetaSend { name: "hello".into(), language: "en".into(), body: vec![] }).unwrap();
        let t = send_body("1", "2", &Outbound::Template { template_id: "x", filled_raw: &plain, body: "" }).unwrap();
        assert!(t["template"].get("components").is_none());
        let foreign = Outbound::Template { template_id: "x", filled_raw: "{{uuid}}\nHello", body: "" };
        assert!(matches!(send_body("1", "2", &foreign), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn the_receipt_is_data_0_message_id_and_a_wamid_is_recognised() {
        let r =
            receipt(br#"{"message":"ok","data":[{"message_id":"wamid.HBgL","status":"queued","to":"+1"}]}"#).unwrap();
        assert_eq!((r.provider_message_id.as_str(), r.wamid.as_deref()), ("wamid.HBgL", Some("wamid.HBgL")));
        let r = receipt(br#"{"data":[{"message_id":"msg_123"}]}"#).unwrap();
        assert_eq!((r.provider_message_id.as_str(), r.wamid), ("msg_123", None));
        assert!(receipt(br#"{"data":[]}"#).is_err());
        assert!(receipt(br#"{"data":[{"message_id":"a b"}]}"#).is_err());
        assert!(receipt(b"<html>").is_err());
    }
}
