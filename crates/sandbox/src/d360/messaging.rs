//! The messaging host (`https://waba-v2.360dialog.io`, PROVIDERS.md §4) with a channel's
//! `D360-API-KEY`:
//!
//! - `POST /v1/configs/webhook` `{url, headers?}` → `{"url"}`; `GET` → `{"url", "headers"}` with
//!   the header names and every value `"[redacted]"` (the sandbox's choice: values are often
//!   secrets), `{"url": null}` when none is registered;
//! - `GET /v1/configs/templates?limit=&offset=` → `{count, filters: {}, limit, offset, sort:
//!   ["id"], total, waba_templates}`: the SendZen catalogue as Meta objects with lower-case
//!   `status`, upper-case `category` and `parameter_format`, and the WABA's `namespace`;
//! - `POST /messages`: Meta's body (`text` or `template`; mark-read with `status: "read"`).
//!
//! Order of checks on `/messages`: the key (401), an armed failure (500), the body (400), the
//! fields (400; template checks as SendZen's, with Meta's codes 132001 / 132000 / 132012), then
//! the channel's send rate (429 #130429 with `Retry-After`). A free-form message outside the
//! 24-hour window is accepted and then fails (131047).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::channel::Hook;
use super::error::{MetaError, CODE_TEMPLATE};
use super::input::{self, MAX_LIMIT};
use super::store::Endpoint;
use super::{auth, events};
use crate::chatarchitect::messaging::destinations::Destination;
use crate::chatarchitect::messaging::rfc3339_ms;
use crate::sendzen::catalogue::{self, Template, CATALOGUE};
use crate::sendzen::events::{destination_failure, Job, WINDOW_CLOSED};
use crate::sendzen::messages::{e164_digits, MAX_TEXT};
use crate::sendzen::project::{wamid, Secret};
use crate::sendzen::template_send;
use crate::Sandbox;

type Answer = Result<Json<Value>, MetaError>;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/v1/configs/webhook", get(get_webhook).post(set_webhook))
        .route("/v1/configs/templates", get(templates))
        .route("/messages", post(send))
}

/// The body as a JSON object (413 / 400 in Meta's shape).
fn object(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, MetaError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let mut e = MetaError::invalid(format!("Request body larger than {} bytes", super::BODY_LIMIT));
            e.status = StatusCode::PAYLOAD_TOO_LARGE;
            e
        } else {
            MetaError::invalid("The request body could not be read")
        }
    })?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(MetaError::invalid("The request body must be a JSON object")),
    }
}

async fn set_webhook(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let d = sandbox.d360();
    let channel_id = auth::channel(d, &headers)?;
    let map = object(body)?;
    let raw = map.get("url").and_then(Value::as_str).ok_or_else(|| MetaError::invalid("url is required (a string)"))?;
    let url = input::webhook_url(raw, "url", true).map_err(MetaError::invalid)?;
    let echoed = input::webhook_headers(map.get("headers")).map_err(MetaError::invalid)?;
    let hook = Hook { url: url.clone(), headers: echoed.into_iter().map(|(k, v)| (k, Secret::new(v))).collect() };
    d.store.with(|st| st.channel(&channel_id).map(|c| c.hook = Some(hook))).ok_or_else(MetaError::server)?;
    Ok(Json(json!({ "url": url })))
}

async fn get_webhook(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    let d = sandbox.d360();
    let channel_id = auth::channel(d, &headers)?;
    let hook = d.store.with(|st| st.channel(&channel_id).and_then(|c| c.hook.clone()));
    Ok(Json(match hook {
        None => json!({ "url": null }),
        Some(h) => {
            let names: Map<String, Value> = h.headers.iter().map(|(k, _)| (k.clone(), json!("[redacted]"))).collect();
            json!({ "url": h.url, "headers": names })
        }
    }))
}

/// The WABA's template namespace: derived from its id, in Meta's `xxxxxxxx_xxxx_…` shape.
fn namespace(waba_id: &str) -> String {
    let h = hex::encode(Sha256::digest(format!("d360 namespace:{waba_id}").as_bytes()));
    format!("{}_{}_{}_{}_{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A catalogue template as 360dialog lists it.
fn template_object(t: &Template, namespace: &str, media: &str) -> Value {
    let mut v = t.object(media);
    v["status"] = json!(t.status.to_ascii_lowercase());
    v["category"] = json!(t.category.to_ascii_uppercase());
    v["parameter_format"] = json!(t.format.as_str().to_ascii_uppercase());
    v["namespace"] = json!(namespace);
    v
}

async fn templates(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let d = sandbox.d360();
    let channel_id = auth::channel(d, &headers)?;
    let number = |name: &str, default: usize, max: usize| match query.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| MetaError::invalid(format!("{name} must be an integer from 0 to {max}"))),
    };
    let (limit, offset) = (number("limit", MAX_LIMIT, MAX_LIMIT)?, number("offset", 0, usize::MAX)?);
    let waba_id = d.store.with(|st| st.channel(&channel_id).map(|c| c.waba_id.clone())).unwrap_or_default();
    let ns = namespace(&waba_id);
    let media = format!("{}/_sandbox/media/sample.png", sandbox.public_url());
    let items: Vec<Value> =
        CATALOGUE.iter().skip(offset).take(limit).map(|t| template_object(t, &ns, &media)).collect();
    Ok(Json(json!({
        "count": items.len(),
        "filters": {},
        "limit": limit,
        "offset": offset,
        "sort": ["id"],
        "total": CATALOGUE.len(),
        "waba_templates": items,
    })))
}

/// A checked send.
#[derive(Debug)]
struct Outbound {
    to: String,
    recipient: String,
    kind: &'static str,
    text: String,
    template: Option<&'static Template>,
}

fn string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, MetaError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        None | Some(Value::Null) => Err(MetaError::invalid(format!("{field} is required"))),
        Some(_) => Err(MetaError::invalid(format!("{field} must be a non-empty string"))),
    }
}

fn parse(body: &Map<String, Value>) -> Result<Outbound, MetaError> {
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(MetaError::invalid("messaging_product is required and must be \"whatsapp\""));
    }
    match body.get("recipient_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "individual" => {}
        Some(_) => return Err(MetaError::invalid("recipient_type must be \"individual\"")),
    }
    let to = string(body, "to")?;
    let recipient = e164_digits(to).ok_or_else(|| {
        MetaError::invalid("to must be the recipient's number: 8 to 15 digits, a leading + tolerated")
    })?;
    let (kind, text, template) = match string(body, "type")? {
        "text" => {
            let t = body
                .get("text")
                .and_then(Value::as_object)
                .ok_or_else(|| MetaError::invalid("text must be an object with a body"))?;
            let content = string(t, "body").map_err(|_| MetaError::invalid("text.body is required"))?;
            if content.chars().count() > MAX_TEXT {
                return Err(MetaError::invalid(format!("text.body must be at most {MAX_TEXT} characters")));
            }
            ("text", content.to_owned(), None)
        }
        "template" => {
            let (t, filled) = template(body)?;
            ("template", filled, Some(t))
        }
        _ => return Err(MetaError::invalid("type must be text or template")),
    };
    Ok(Outbound { to: to.to_owned(), recipient, kind, text, template })
}

/// `template {name, language {code}, components?}` against the catalogue.
fn template(body: &Map<String, Value>) -> Result<(&'static Template, String), MetaError> {
    let spec = body
        .get("template")
        .and_then(Value::as_object)
        .ok_or_else(|| MetaError::invalid("template must be an object"))?;
    let name = string(spec, "name").map_err(|_| MetaError::invalid("template.name is required"))?;
    let lang = spec
        .get("language")
        .and_then(|l| l.get("code"))
        .and_then(Value::as_str)
        .ok_or_else(|| MetaError::invalid("template.language.code is required"))?;
    let not_found = |details: String| {
        MetaError::new(
            StatusCode::BAD_REQUEST,
            CODE_TEMPLATE,
            "(#132001) Template name does not exist in the translation",
            details,
        )
    };
    let t = catalogue::find(name, lang).map_err(|exists| {
        not_found(if exists {
            format!(
                "template name ({name}) does not exist in {lang} (it is in {})",
                catalogue::template_languages(name).join(", ")
            )
        } else {
            format!("template name ({name}) does not exist")
        })
    })?;
    if t.status != "APPROVED" {
        return Err(not_found(format!(
            "template {name} ({lang}) is {}: only approved templates can be sent",
            t.status.to_ascii_lowercase()
        )));
    }
    let filled = template_send::check(t, spec.get("components")).map_err(MetaError::from_template_check)?;
    Ok((t, filled))
}

async fn send(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Answer {
    let d = sandbox.d360();
    let channel_id = auth::channel(d, &headers)?;
    let rate = d.config.partner_rate_per_second;
    let forced = d.store.with(|st| {
        let partner = st.channel(&channel_id).map(|c| c.partner)?;
        Some(st.partner(partner, rate).take_failure(Endpoint::Messages))
    });
    if forced == Some(true) {
        return Err(MetaError::server());
    }
    let body = object(body)?;
    if body.get("status").is_some() {
        return mark_read(&sandbox, &channel_id, &body);
    }
    let out = parse(&body)?;
    let now = chrono::Utc::now();
    let job = d.store.with(|st| {
        let ch = st.channel(&channel_id).ok_or_else(MetaError::server)?;
        ch.bucket.take(ch.settings.rate_per_second).map_err(MetaError::rate_limited)?;
        let destination = Destination::demo(&out.recipient);
        let closed = out.template.is_none()
            && ch.settings.enforce_window
            && !ch.last_inbound.is_open(&out.recipient, now.timestamp_millis());
        let failure = destination_failure(destination).or(closed.then_some(WINDOW_CLOSED));
        let job = Job::plan(&ch.settings, wamid(), out.recipient.clone(), destination, failure);
        ch.record_sent(json!({
            "message_id": job.message_id,
            "to": out.to,
            "recipient_id": out.recipient,
            "type": out.kind,
            "text": out.text,
            "template": out.template.map(|t| json!({ "name": t.name, "language": t.language })),
            "request": Value::Object(body.clone()),
            "statuses": job.names(),
            "failure_code": job.failure_code(),
            "accepted_at": rfc3339_ms(now),
        }));
        Ok::<_, MetaError>(job)
    })?;
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": out.to, "wa_id": out.recipient }],
        "messages": [{ "id": job.message_id }],
    });
    events::spawn(Arc::clone(&sandbox), channel_id, job);
    Ok(Json(answer))
}

/// `{messaging_product, status: "read", message_id}` → `{"success": true}`; the message must be
/// one a customer sent this channel.
fn mark_read(sandbox: &Sandbox, channel_id: &str, body: &Map<String, Value>) -> Answer {
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(MetaError::invalid("messaging_product is required and must be \"whatsapp\""));
    }
    if body.get("status").and_then(Value::as_str) != Some("read") {
        return Err(MetaError::invalid("status must be \"read\""));
    }
    let message_id = string(body, "message_id")?;
    let known = sandbox.d360().store.with(|st| st.channel(channel_id).is_some_and(|c| c.received(message_id)));
    if !known {
        return Err(MetaError::invalid(format!("message_id {message_id} is not a message this number received")));
    }
    Ok(Json(json!({ "success": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: Value) -> u32 {
        parse(body.as_object().unwrap()).unwrap_err().code
    }

    #[test]
    fn sends_are_checked_field_by_field() {
        let ok = parse(
            json!({ "messaging_product": "whatsapp", "to": "+15551234567", "type": "text", "text": { "body": "Hi" } })
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!((ok.recipient.as_str(), ok.to.as_str()), ("15551234567", "+15551234567"));
        assert_eq!(code(json!({ "to": "15551234567", "type": "text", "text": { "body": "Hi" } })), 100);
        assert_eq!(code(json!({ "messaging_product": "whatsapp", "to": "12", "type": "text" })), 100);
        assert_eq!(
            code(
                json!({ "messaging_product": "whatsapp", "recipient_type": "group", "to": "15551234567", "type": "text" })
            ),
            100
        );
        let t = |name: &str, lang: &str| json!({ "messaging_product": "whatsapp", "to": "15551234567", "type": "template", "template": { "name": name, "language": { "code": lang } } });
        assert_eq!(code(t("nope", "en_US")), CODE_TEMPLATE);
        assert_eq!(code(t("hello_world", "fr_FR")), CODE_TEMPLATE);
        assert_eq!(code(t("summer_sale", "en_US")), CODE_TEMPLATE);
        assert_eq!(code(t("customer_greeting", "en_US")), super::super::CODE_PARAMETER_COUNT);
        assert!(parse(t("hello_world", "en_US").as_object().unwrap()).is_ok());
    }

    #[test]
    fn templates_are_listed_the_360dialog_way() {
        let v = template_object(&CATALOGUE[8], &namespace("1"), "m");
        assert_eq!((v["status"].as_str(), v["category"].as_str()), (Some("pending"), Some("MARKETING")));
        let ns = v["namespace"].as_str().unwrap();
        assert_eq!(ns.split('_').map(str::len).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert_ne!(namespace("1"), namespace("2"));
    }
}
