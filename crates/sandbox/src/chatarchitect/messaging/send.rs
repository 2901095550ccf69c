//! `POST /whatsappmessage`: validation, the rate limit, the sent log, and the hand-off to
//! [`events`] that delivers the statuses.
//!
//! Seed: the synchronous answer is `{"status":"submitted","messageId":"<uuid>"}` and "delivery
//! errors are asynchronous". So a template send is always accepted as long as its shape is valid;
//! a text that names an unknown template or does not fill it in correctly fails later, by webhook
//! ([`catalogue::check`]). Destinations that cannot receive fail the same way, and so does a
//! free-form (non-template) message to a customer who has not written in the last 24 hours
//! ([`window`], 470). Only the request's shape, the credentials and the rate are checked
//! synchronously (400, 401, 429). A failure's order of precedence: the destination's, then the
//! template check for a template send or the window for any other message.
//!
//! Payload types besides `text` follow PROVIDERS.md §1 "Other message types" with light checks:
//! `image` (`originalUrl` or `url`, optional `previewUrl`, `caption`), `file` (`url`, optional
//! `filename`, `caption`), `audio` (`url`), `video` (`url`, optional `caption`), `location`
//! (`latitude`, `longitude`, optional `name`, `address`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::catalogue;
use super::events::{self, Job};
use super::{auth, rfc3339_ms, validate, window, SentMessage};
use crate::chatarchitect::error::ApiError;
use crate::Sandbox;

/// Longest text message, in characters (WhatsApp's limit for a text body).
pub(crate) const MAX_TEXT: usize = 4096;
/// Longest media caption, in characters.
const MAX_CAPTION: usize = 1024;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/whatsappmessage", post(send))
}

/// A validated send.
#[derive(Debug)]
struct Outbound {
    destination: String,
    kind: String,
    /// The text, or the media's caption.
    message: Option<String>,
    payload: Map<String, Value>,
}

/// `POST /whatsappmessage` `{channel, destination, payload: {type, …}}`.
async fn send(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ApiError> {
    let app_id = auth::authenticate(&sandbox, &headers)?;
    let out = parse(&validate::object(&body)?)?;
    let messaging = sandbox.chatarchitect().messaging();
    let job = messaging
        .with_app(&app_id, |app| -> Result<Job, u64> {
            app.bucket.take(app.settings.rate_per_second)?;
            let message_id = uuid::Uuid::new_v4().to_string();
            let template = out.message.as_deref().filter(|_| out.kind == "text").and_then(catalogue::template_send);
            let destination = app.destination(&out.destination);
            let now = chrono::Utc::now();
            let failure = destination.behaviour.failure().or_else(|| match &template {
                Some((id, text)) => catalogue::check(&app.templates, id, text).err(),
                None => (app.settings.enforce_window
                    && !app.last_inbound.is_open(&out.destination, now.timestamp_millis()))
                .then(window::closed),
            });
            app.record_sent(SentMessage {
                message_id: message_id.clone(),
                destination: out.destination.clone(),
                kind: out.kind.clone(),
                message: out.message.clone(),
                payload: Value::Object(out.payload.clone()),
                template_id: template.map(|(id, _)| id),
                accepted_at: rfc3339_ms(now),
            });
            Ok(Job::plan(&app.settings, message_id, out.destination.clone(), destination, failure))
        })
        .map_err(ApiError::too_many_requests)?;
    let message_id = job.message_id.clone();
    events::spawn(Arc::clone(&sandbox), app_id, job);
    Ok(Json(json!({ "status": "submitted", "messageId": message_id })))
}

fn parse(body: &Map<String, Value>) -> Result<Outbound, ApiError> {
    validate::channel(body)?;
    let destination = validate::destination(body)?;
    let payload = match body.get("payload") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("Missing payload")),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err(ApiError::bad_request("Invalid payload: expected an object")),
    };
    let kind = match payload.get("type") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("Missing payload.type")),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(ApiError::bad_request("Invalid payload.type: must be a string")),
    };
    let message = match kind.as_str() {
        "text" => Some(text(&payload)?),
        "image" => media(&payload, &["originalUrl", "url"], true)?,
        "file" => {
            optional_string(&payload, "filename", 256)?;
            media(&payload, &["url"], true)?
        }
        "audio" => media(&payload, &["url"], false)?,
        "video" => media(&payload, &["url"], true)?,
        "location" => {
            location(&payload)?;
            None
        }
        _ => {
            return Err(ApiError::bad_request(
                "Invalid payload.type: expected text, image, file, audio, video or location",
            ))
        }
    };
    Ok(Outbound { destination, kind, message, payload })
}

/// `payload.message` of a text: present, not blank, at most [`MAX_TEXT`] characters.
fn text(payload: &Map<String, Value>) -> Result<String, ApiError> {
    let message = match payload.get("message") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("Missing payload.message")),
        Some(Value::String(m)) => m,
        Some(_) => return Err(ApiError::bad_request("Invalid payload.message: must be a string")),
    };
    if message.trim().is_empty() {
        return Err(ApiError::bad_request("Empty message: payload.message must not be empty"));
    }
    let chars = message.chars().count();
    if chars > MAX_TEXT {
        return Err(ApiError::bad_request(format!(
            "Message too long: payload.message has {chars} characters, at most {MAX_TEXT}"
        )));
    }
    Ok(message.clone())
}

/// A media payload: one of `url_fields` holds an http(s) URL; returns the caption if allowed and
/// given.
fn media(payload: &Map<String, Value>, url_fields: &[&str], caption: bool) -> Result<Option<String>, ApiError> {
    let url = url_fields.iter().find_map(|f| payload.get(*f).filter(|v| !v.is_null()).map(|v| (*f, v)));
    let Some((field, url)) = url else {
        return Err(ApiError::bad_request(format!("Missing payload.{}", url_fields[0])));
    };
    if !url.as_str().is_some_and(validate::media_url) {
        return Err(ApiError::bad_request(format!("Invalid payload.{field}: expected an http(s) URL")));
    }
    if let Some(preview) = payload.get("previewUrl").filter(|v| !v.is_null()) {
        if !preview.as_str().is_some_and(validate::media_url) {
            return Err(ApiError::bad_request("Invalid payload.previewUrl: expected an http(s) URL"));
        }
    }
    if caption {
        optional_string(payload, "caption", MAX_CAPTION)
    } else {
        Ok(None)
    }
}

fn optional_string(payload: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    match payload.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("Invalid payload.{field}: a string of at most {max} characters"))),
    }
}

/// `latitude` in −90..=90 and `longitude` in −180..=180, as numbers or numeric strings.
fn location(payload: &Map<String, Value>) -> Result<(), ApiError> {
    for (field, limit) in [("latitude", 90.0), ("longitude", 180.0)] {
        let value = match payload.get(field) {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        if !value.is_some_and(|v: f64| v.is_finite() && v.abs() <= limit) {
            return Err(ApiError::bad_request(format!(
                "Invalid payload.{field}: expected a number between -{limit} and {limit}"
            )));
        }
    }
    optional_string(payload, "name", 256)?;
    optional_string(payload, "address", 256)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: Value) -> Result<Outbound, String> {
        parse(body.as_object().unwrap()).map_err(|e| e.message.into_owned())
    }

    #[test]
    fn the_seed_text_shape_is_accepted_with_its_exact_text() {
        let out = parsed(json!({ "channel": "whatsapp", "destination": "421233221242",
            "payload": { "type": "text", "message": "Hi John, how are you?" } }))
        .unwrap();
        assert_eq!((out.kind.as_str(), out.message.as_deref()), ("text", Some("Hi John, how are you?")));
    }

    #[test]
    fn other_payload_types_get_light_checks() {
        let ok = |p: Value| parsed(json!({ "channel": "whatsapp", "destination": "421233221242", "payload": p }));
        assert!(ok(json!({ "type": "image", "originalUrl": "https://x.example/a.png", "caption": "c" })).is_ok());
        assert!(ok(json!({ "type": "image", "url": "https://x.example/a.png" })).is_ok());
        assert!(ok(json!({ "type": "file", "url": "https://x.example/a.pdf", "filename": "a.pdf" })).is_ok());
        assert!(ok(json!({ "type": "audio", "url": "https://x.example/a.ogg" })).is_ok());
        assert!(ok(json!({ "type": "video", "url": "https://x.example/a.mp4", "caption": "v" })).is_ok());
        assert!(ok(json!({ "type": "location", "latitude": 48.1, "longitude": "17.1" })).is_ok());
        assert!(ok(json!({ "type": "image", "originalUrl": "not a url" })).unwrap_err().contains("originalUrl"));
        assert!(ok(json!({ "type": "audio" })).unwrap_err().contains("Missing payload.url"));
        assert!(ok(json!({ "type": "location", "latitude": 91, "longitude": 0 })).unwrap_err().contains("latitude"));
        assert!(ok(json!({ "type": "sticker" })).unwrap_err().starts_with("Invalid payload.type"));
    }
}
