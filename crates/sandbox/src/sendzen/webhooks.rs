//! Everything the simulator sends to a project's `client_webhook_url`: the validation request at
//! onboarding, the onboarding outcome, message statuses and inbound messages.
//!
//! Bodies are minified JSON serialised once; every attempt sends the same bytes, with
//! `Content-Type: application/json` and, when the project has a webhook secret (set through the
//! control surface, standing in for SendZen's dashboard), `X-Hub-Signature-256: sha256=<lowercase
//! hex HMAC-SHA256(secret, raw body)>` (PROVIDERS.md §2, from SendZen's own n8n trigger). The
//! secret is read at each attempt, so a retry after the secret changed carries the new signature.
//!
//! Deliveries are retried like the ChatArchitect simulator's: after each of the sandbox's
//! `webhook_backoff` delays until a 2xx; redirects are not followed; each attempt times out after
//! the same limit. Messaging events use Meta's envelope ([`meta_envelope`]).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::config::WebhookCheck;
use super::project::{DeliveryRecord, Secret, Waba};
use super::SendZen;
use crate::chatarchitect::registration::webhook::attempt_outcome;
use crate::Sandbox;

/// The signature header (Meta's name, which SendZen's n8n trigger verifies).
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The header that marks the validation request (the sandbox's own name).
pub const EVENT_HEADER: &str = "X-Sendzen-Event";
/// Its value.
pub const VALIDATION_EVENT: &str = "webhook.validation";
/// `webhook.detail` of a URL that answered 200: the seed's wording.
pub const DETAIL_VALID: &str = "Webhook URL is valid and configured";
/// `webhook.detail` when no URL was given.
pub const DETAIL_NONE: &str = "No webhook URL provided";
/// How long the validation request may take.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// `sha256=<lowercase hex HMAC-SHA256(secret, body)>`.
pub(crate) fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Meta's webhook envelope around one `value` item list: `key` is `statuses` or `messages`
/// (with `contacts` for the latter), for the project's WABA and number.
pub(crate) fn meta_envelope(waba: &Waba, key: &str, item: Value, contact: Option<Value>) -> Value {
    let number = Number { waba_id: &waba.waba_id, phone_number_id: &waba.phone_number_id, display: &waba.phone_number };
    envelope(number, key, item, contact)
}

/// The business number a Meta envelope is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Number<'a> {
    pub(crate) waba_id: &'a str,
    pub(crate) phone_number_id: &'a str,
    /// `metadata.display_phone_number`.
    pub(crate) display: &'a str,
}

/// [`meta_envelope`] for any business number (shared with the 360dialog simulator).
pub(crate) fn envelope(number: Number<'_>, key: &str, item: Value, contact: Option<Value>) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": number.display, "phone_number_id": number.phone_number_id },
    });
    if let (Some(map), Some(contact)) = (value.as_object_mut(), contact) {
        map.insert("contacts".to_owned(), json!([contact]));
    }
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), json!([item]));
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": number.waba_id, "changes": [{ "value": value, "field": "messages" }] }],
    })
}

/// What one delivery is: its kind (`onboarding`, `status`, `message`), event and reference.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) kind: &'static str,
    pub(crate) event: String,
    pub(crate) reference: String,
}

/// Delivers `body` to `project_id`'s webhook with retries and logs it; a project without a
/// webhook logs it undelivered (`url: null`).
pub(crate) async fn deliver(sandbox: &Sandbox, project_id: &str, event: Event, body: Vec<u8>) {
    let sz = sandbox.sendzen();
    let logged = sz.store.with(|st| {
        let id = st.next_delivery();
        let p = st.project(project_id)?;
        let url = p.webhook_url.clone();
        p.record_delivery(DeliveryRecord {
            id,
            kind: event.kind,
            event: event.event.clone(),
            reference: event.reference.clone(),
            url: url.clone(),
            attempts: 0,
            last_status: None,
            last_error: if url.is_none() { "no webhook configured".to_owned() } else { String::new() },
            delivered: false,
            signed: p.webhook_secret.is_some(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        Some((id, url?))
    });
    let Some((id, url)) = logged else { return };
    for delay in std::iter::once(Duration::ZERO).chain(sandbox.config().webhook_backoff.iter().copied()) {
        tokio::time::sleep(delay).await;
        let secret = sz.store.with(|st| st.project(project_id).and_then(|p| p.webhook_secret.clone()));
        let mut req = post(sandbox, &url, &body);
        if let Some(secret) = &secret {
            req = req.map(|r| r.header(SIGNATURE_HEADER, signature(secret.expose().as_bytes(), &body)));
        }
        let (status, result) = match req {
            Ok(r) => attempt_outcome(r.send().await),
            Err(e) => (None, Err(e)),
        };
        let ok = result.is_ok();
        tracing::debug!(project_id, kind = event.kind, event = %event.event, ?status, ok, "SendZen webhook attempt");
        sz.store.with(|st| {
            let Some(r) = st.project(project_id).and_then(|p| p.deliveries.iter_mut().rev().find(|r| r.id == id))
            else {
                return;
            };
            r.attempts += 1;
            r.last_status = status;
            r.last_error = result.err().unwrap_or_default();
            r.delivered = ok;
            r.signed = secret.is_some();
        });
        if ok {
            return;
        }
    }
}

/// A POST of `body` as JSON, or the reason the HTTP client is unavailable.
fn post(sandbox: &Sandbox, url: &str, body: &[u8]) -> Result<reqwest::RequestBuilder, String> {
    let client = sandbox.sendzen().http.as_ref().map_err(Clone::clone)?;
    Ok(client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_vec()))
}

/// Starts [`deliver`] on a tokio task.
pub(crate) fn spawn(sandbox: Arc<Sandbox>, project_id: String, event: Event, body: Vec<u8>) {
    tokio::spawn(async move { deliver(&sandbox, &project_id, event, body).await });
}

/// The validation request of `POST /v1/partner/onboard` (form: [`WebhookCheck`]); `(valid,
/// detail)`. Valid means HTTP 200 exactly, as the seed asks. Logged as a `validation` delivery.
pub(crate) async fn validate(
    sandbox: &Sandbox,
    project_id: &str,
    client_identifier: &str,
    url: &str,
) -> (bool, String) {
    let sz = sandbox.sendzen();
    if sz.config.webhook_check == WebhookCheck::Off {
        return (true, "Webhook URL configured without validation (sandbox: webhook check off)".to_owned());
    }
    let body = serde_json::to_vec(&json!({
        "event": VALIDATION_EVENT, "project_id": project_id, "client_identifier": client_identifier,
    }))
    .unwrap_or_default();
    let secret = sz.store.with(|st| st.project(project_id).and_then(|p| p.webhook_secret.clone()));
    let signed = secret.is_some() && sz.config.webhook_check == WebhookCheck::Post;
    let (status, result) = probe(sz, url, &body, secret.as_ref()).await;
    let (valid, detail) = verdict(status, result);
    sz.store.with(|st| {
        let id = st.next_delivery();
        if let Some(p) = st.project(project_id) {
            p.record_delivery(DeliveryRecord {
                id,
                kind: "validation",
                event: VALIDATION_EVENT.to_owned(),
                reference: project_id.to_owned(),
                url: Some(url.to_owned()),
                attempts: 1,
                last_status: status,
                last_error: if valid { String::new() } else { detail.clone() },
                delivered: valid,
                signed,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
        }
    });
    (valid, detail)
}

/// Sends the validation request: a signed (when a secret is set) JSON POST, or a GET.
async fn probe(sz: &SendZen, url: &str, body: &[u8], secret: Option<&Secret>) -> (Option<u16>, Result<(), String>) {
    let client = match &sz.http {
        Ok(c) => c,
        Err(e) => return (None, Err(e.clone())),
    };
    let req = match sz.config.webhook_check {
        WebhookCheck::Get => client.get(url),
        _ => {
            let r = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_vec());
            match secret {
                Some(s) => r.header(SIGNATURE_HEADER, signature(s.expose().as_bytes(), body)),
                None => r,
            }
        }
    };
    match req.header(EVENT_HEADER, VALIDATION_EVENT).timeout(PROBE_TIMEOUT).send().await {
        Ok(res) => (Some(res.status().as_u16()), Ok(())),
        Err(e) => attempt_outcome(Err(e)),
    }
}

/// `(valid, detail)` of a validation answer: 200 exactly is valid.
fn verdict(status: Option<u16>, result: Result<(), String>) -> (bool, String) {
    match (status, result) {
        (Some(200), _) => (true, DETAIL_VALID.to_owned()),
        (Some(code), _) => (
            false,
            format!("Webhook URL answered HTTP {code} to the validation request (200 required); it was not configured"),
        ),
        (None, Err(e)) => {
            (false, format!("Webhook URL could not be reached for validation ({e}); it was not configured"))
        }
        (None, Ok(())) => (false, "Webhook URL could not be validated; it was not configured".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_the_raw_body_in_lowercase_hex() {
        // Python: hmac.new(b"dashboard-secret", b'{"object":"whatsapp_business_account"}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"dashboard-secret", br#"{"object":"whatsapp_business_account"}"#),
            "sha256=a9c70dafa7a09bc6e7a94bc565815808a1b9088cbdac320ff08b8c734af1e479"
        );
    }

    #[test]
    fn only_http_200_validates() {
        assert_eq!(verdict(Some(200), Ok(())), (true, DETAIL_VALID.to_owned()));
        assert!(!verdict(Some(204), Ok(())).0 && verdict(Some(204), Ok(())).1.contains("HTTP 204"));
        let refused = verdict(None, Err("connection refused".into()));
        assert!(!refused.0 && refused.1.contains("connection refused"), "{}", refused.1);
    }

    #[test]
    fn the_envelope_is_metas() {
        let waba = Waba {
            number: 1,
            waba_id: "109876543210987".into(),
            phone_number_id: "201234567890123".into(),
            phone_number: "15551234567".into(),
            business_name: "b".into(),
            connected_at: chrono::Utc::now(),
        };
        let v = meta_envelope(&waba, "statuses", json!({ "id": "wamid.x" }), None);
        assert_eq!(v["object"], "whatsapp_business_account");
        assert_eq!(v["entry"][0]["id"], "109876543210987");
        let change = &v["entry"][0]["changes"][0];
        assert_eq!(change["field"], "messages");
        assert_eq!(change["value"]["metadata"]["phone_number_id"], "201234567890123");
        assert_eq!(change["value"]["statuses"][0]["id"], "wamid.x");
        assert!(change["value"].get("contacts").is_none());
    }
}
