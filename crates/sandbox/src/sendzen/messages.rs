//! `POST /v1/messages` in SendZen's dialect (PROVIDERS.md §2: `from` = the business number, `to`,
//! `type` `text` or `template` with `template.lang_code`) and Meta's mark-read on
//! `POST /v1/{phone_number_id}/messages`.
//!
//! Order of checks: the customer key (401), an armed failure (500/429), the body (400 not JSON),
//! `from` (400: missing; `WABA_NOT_CONNECTED` before onboarding completes; `INVALID_SENDER` when it
//! is not this project's number), `to` (400), `type` and its content (400; unknown template or
//! language 404; PENDING/REJECTED 400; parameters 400, see [`template_send`]), then the project's
//! send rate (429 with `Retry-After`; a refused call consumes nothing). Numbers are international
//! digits with or without a leading `+` (which form SendZen wants is UNCONFIRMED: both are
//! accepted, and statuses name the recipient without `+`, as Meta does).
//!
//! Accepted messages answer `queued` with a wamid as `message_id` (whether SendZen returns the
//! wamid or an id of its own is UNCONFIRMED; the sandbox uses the wamid, which its statuses carry
//! too). A free-form message outside the 24-hour window is still accepted and then fails (131047).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::catalogue::{self, Template};
use super::error::{
    ApiError, CODE_ACCESS_DENIED, CODE_INVALID_JSON, CODE_INVALID_RECIPIENT, CODE_INVALID_SENDER, CODE_NOT_FOUND,
    CODE_TEMPLATE_NOT_APPROVED, CODE_TEMPLATE_NOT_FOUND, CODE_WABA_NOT_CONNECTED,
};
use super::events::{self, destination_failure, Job, WINDOW_CLOSED};
use super::project::{wamid, ReadMark, SentMessage};
use super::store::State as Store;
use super::{auth, template_send, BODY_LIMIT};
use crate::chatarchitect::messaging::destinations::Destination;
use crate::chatarchitect::messaging::rfc3339_ms;
use crate::Sandbox;

/// Longest text body, in characters (WhatsApp's limit).
pub(crate) const MAX_TEXT: usize = 4096;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/v1/messages", post(send)).route("/v1/{id}/messages", post(mark_read))
}

/// `raw` as international digits: 8 to 15 digits not starting with 0, with or without one `+`.
pub(crate) fn e164_digits(raw: &str) -> Option<String> {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    ((8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'))
        .then(|| digits.to_owned())
}

/// The body as a JSON object.
fn object(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, ApiError> {
    let body =
        body.map_err(|_| ApiError::invalid(CODE_INVALID_JSON, format!("Body larger than {BODY_LIMIT} bytes")))?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid(CODE_INVALID_JSON, "The request body must be a JSON object")),
    }
}

/// A checked send.
#[derive(Debug)]
struct Outbound {
    /// `to` as given.
    to: String,
    /// `to` as digits.
    recipient: String,
    kind: &'static str,
    /// The text, or the filled-in template body.
    text: String,
    template: Option<&'static Template>,
}

/// `POST /v1/messages`.
async fn send(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let sz = sandbox.sendzen();
    let project_id = auth::customer(sz, &headers)?;
    let body = object(body)?;
    let business =
        sz.store.with(|st| st.project(&project_id).and_then(|p| p.waba.as_ref().map(|w| w.phone_number.clone())));
    let out = parse(&body, business.as_deref())?;
    let now = chrono::Utc::now();
    let job = sz.store.with(|st| {
        let p = st.project(&project_id).ok_or_else(ApiError::server)?;
        p.bucket.take(p.settings.rate_per_second).map_err(ApiError::rate_limited)?;
        let destination = Destination::demo(&out.recipient);
        let window_closed = out.template.is_none()
            && p.settings.enforce_window
            && !p.last_inbound.is_open(&out.recipient, now.timestamp_millis());
        let failure = destination_failure(destination).or(window_closed.then_some(WINDOW_CLOSED));
        let job = Job::plan(&p.settings, wamid(), out.recipient.clone(), destination, failure);
        p.record_sent(SentMessage {
            message_id: job.message_id.clone(),
            from: business.clone().unwrap_or_default(),
            to: out.to.clone(),
            recipient_id: out.recipient.clone(),
            kind: out.kind.to_owned(),
            text: out.text.clone(),
            template: out.template.map(|t| json!({ "name": t.name, "lang_code": t.language })),
            request: Value::Object(body.clone()),
            statuses: job.names(),
            failure_code: job.failure_code(),
            accepted_at: rfc3339_ms(now),
        });
        Ok::<_, ApiError>(job)
    })?;
    let answer = json!({
        "message": "Message queued successfully",
        "data": [{ "message_id": job.message_id, "status": "queued", "timestamp": rfc3339_ms(now), "to": out.to }],
    });
    events::spawn(Arc::clone(&sandbox), project_id, job);
    Ok(Json(answer))
}

/// A required string field (400 naming it otherwise).
fn string<'a>(map: &'a Map<String, Value>, field: &str, place: &str) -> Result<&'a str, ApiError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        None | Some(Value::Null) => Err(ApiError::field(format!("{place}{field} is required"))),
        Some(_) => Err(ApiError::field(format!("{place}{field} must be a non-empty string"))),
    }
}

fn parse(body: &Map<String, Value>, business: Option<&str>) -> Result<Outbound, ApiError> {
    let from = string(body, "from", "")?;
    let Some(business) = business else {
        return Err(ApiError::invalid(
            CODE_WABA_NOT_CONNECTED,
            "This project has no connected WhatsApp number yet: complete onboarding first",
        ));
    };
    if e164_digits(from).as_deref() != Some(business) {
        return Err(ApiError::invalid(CODE_INVALID_SENDER, format!("from must be this project's number, {business}")));
    }
    let to = string(body, "to", "")?;
    let recipient = e164_digits(to).ok_or_else(|| {
        ApiError::invalid(
            CODE_INVALID_RECIPIENT,
            "to must be an international number: 8 to 15 digits, with or without +",
        )
    })?;
    let (kind, text, template) = match string(body, "type", "")? {
        "text" => ("text", text(body)?, None),
        "template" => {
            let (t, filled) = template(body)?;
            ("template", filled, Some(t))
        }
        _ => return Err(ApiError::field("type must be text or template")),
    };
    Ok(Outbound { to: to.to_owned(), recipient, kind, text, template })
}

/// `text.body` (1 to [`MAX_TEXT`] characters), optional boolean `text.preview_url`.
fn text(body: &Map<String, Value>) -> Result<String, ApiError> {
    let text = body
        .get("text")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::field("text must be an object with a body"))?;
    let content = string(text, "body", "text.")?;
    let chars = content.chars().count();
    if chars > MAX_TEXT {
        return Err(ApiError::field(format!("text.body has {chars} characters, at most {MAX_TEXT}")));
    }
    if text.get("preview_url").is_some_and(|v| !v.is_boolean() && !v.is_null()) {
        return Err(ApiError::field("text.preview_url must be true or false"));
    }
    Ok(content.to_owned())
}

/// `template {name, lang_code, components?}` against the catalogue.
fn template(body: &Map<String, Value>) -> Result<(&'static Template, String), ApiError> {
    let spec = body
        .get("template")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::field("template must be an object with name and lang_code"))?;
    let name = string(spec, "name", "template.")?;
    let lang = string(spec, "lang_code", "template.")?;
    let t = catalogue::find(name, lang).map_err(|name_exists| {
        let details = if name_exists {
            format!(
                "Template {name} is not available in {lang} (it is in {})",
                catalogue::template_languages(name).join(", ")
            )
        } else {
            format!("Template {name} does not exist")
        };
        ApiError::not_found(CODE_TEMPLATE_NOT_FOUND, details)
    })?;
    if t.status != "APPROVED" {
        return Err(ApiError::invalid(
            CODE_TEMPLATE_NOT_APPROVED,
            format!("Template {name} ({lang}) is {}: only APPROVED templates can be sent", t.status),
        ));
    }
    let filled = template_send::check(t, spec.get("components"))?;
    Ok((t, filled))
}

/// Whether the caller's project owns number `phone_number_id`: 401 if another project does, 404
/// if none.
fn owns_number(st: &Store, caller: &str, phone_number_id: &str) -> Result<(), ApiError> {
    match st.by_phone_number_id(phone_number_id) {
        Some(p) if p.id == caller => Ok(()),
        Some(_) => Err(ApiError::unauthorized(
            CODE_ACCESS_DENIED,
            "This API key does not belong to the project of this number",
        )),
        None => Err(ApiError::not_found(CODE_NOT_FOUND, format!("No phone number {phone_number_id}"))),
    }
}

/// `POST /v1/{phone_number_id}/messages` `{messaging_product: "whatsapp", status: "read",
/// message_id, typing_indicator?: {type: "text"}}` → `{"success": true}`. The message must be
/// one a customer sent this project.
async fn mark_read(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(phone_number_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let sz = sandbox.sendzen();
    let project_id = auth::customer(sz, &headers)?;
    sz.store.with(|st| owns_number(st, &project_id, &phone_number_id))?;
    let body = object(body)?;
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(ApiError::field("messaging_product must be \"whatsapp\""));
    }
    if body.get("status").and_then(Value::as_str) != Some("read") {
        return Err(ApiError::field("status must be \"read\" (send messages with POST /v1/messages)"));
    }
    let message_id = string(&body, "message_id", "")?.to_owned();
    let typing = match body.get("typing_indicator") {
        None | Some(Value::Null) => false,
        Some(t) if t.get("type").and_then(Value::as_str) == Some("text") => true,
        Some(_) => return Err(ApiError::field("typing_indicator must be {\"type\": \"text\"}")),
    };
    sz.store.with(|st| {
        let p = st.project(&project_id).ok_or_else(ApiError::server)?;
        if !p.received(&message_id) {
            return Err(ApiError::field(format!("message_id {message_id} is not a message this number received")));
        }
        p.record_read(ReadMark { message_id, typing_indicator: typing, at: rfc3339_ms(chrono::Utc::now()) });
        Ok(())
    })?;
    Ok(Json(json!({ "success": true })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sendzen::error::CODE_VALIDATION;

    fn parsed(body: Value) -> Result<Outbound, ApiError> {
        parse(body.as_object().unwrap(), Some("15557654321"))
    }

    #[test]
    fn numbers_are_accepted_with_or_without_plus() {
        assert_eq!(e164_digits("+15551234567").as_deref(), Some("15551234567"));
        assert_eq!(e164_digits("15551234567").as_deref(), Some("15551234567"));
        for bad in ["", "+", "++15551234567", "1555 1234567", "0155512345", "1234567", "1234567890123456"] {
            assert_eq!(e164_digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn sends_are_checked_field_by_field() {
        let ok =
            parsed(json!({ "from": "+15557654321", "to": "+15551234567", "type": "text", "text": { "body": "Hi" } }))
                .unwrap();
        assert_eq!((ok.to.as_str(), ok.recipient.as_str(), ok.text.as_str()), ("+15551234567", "15551234567", "Hi"));
        let code = |body: Value| parsed(body).unwrap_err().code;
        assert_eq!(code(json!({ "to": "1", "type": "text" })), CODE_VALIDATION);
        assert_eq!(code(json!({ "from": "15550000000", "to": "15551234567", "type": "text" })), CODE_INVALID_SENDER);
        assert_eq!(code(json!({ "from": "15557654321", "to": "555", "type": "text" })), CODE_INVALID_RECIPIENT);
        assert_eq!(code(json!({ "from": "15557654321", "to": "15551234567", "type": "audio" })), CODE_VALIDATION);
        assert_eq!(
            code(json!({ "from": "15557654321", "to": "15551234567", "type": "text", "text": { "body": " " } })),
            CODE_VALIDATION
        );
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            code(json!({ "from": "15557654321", "to": "15551234567", "type": "text", "text": { "body": long } })),
            CODE_VALIDATION
        );
        let pending = json!({ "from": "15557654321", "to": "15551234567", "type": "template", "template": { "name": "summer_sale", "lang_code": "en_US" } });
        assert_eq!(code(pending), CODE_TEMPLATE_NOT_APPROVED);
        let unknown = json!({ "from": "15557654321", "to": "15551234567", "type": "template", "template": { "name": "hello_world", "lang_code": "fr_FR" } });
        let e = parsed(unknown).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (404, CODE_TEMPLATE_NOT_FOUND));
        let not_yet = parse(json!({ "from": "15557654321" }).as_object().unwrap(), None).unwrap_err();
        assert_eq!(not_yet.code, CODE_WABA_NOT_CONNECTED);
    }
}
