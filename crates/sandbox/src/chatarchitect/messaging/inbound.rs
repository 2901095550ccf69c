//! Simulated customers: inbound `message` webhooks, the personas that answer once a message is
//! read, and the small sample files inbound media point at.
//!
//! Seed: only the inbound `text` shape is documented (`payload: {id, source, type, payload:
//! {text}}`). The other types and `sender` follow Gupshup's v2 callbacks, which ChatArchitect's
//! envelope copies (PROVIDERS.md §1 "Inference") — assumptions: `image {url, caption,
//! contentType}`, `file {url, name, contentType}`, `audio {url, contentType}`, `video {url,
//! caption, contentType}`, `location {latitude, longitude}`, `contact {contacts: [...]}`,
//! `button_reply {title, id, reply}`, `sender {phone, name, country_code, dial_code}`.
//!
//! Media URLs point at `GET /_sandbox/media/sample.{png,pdf,ogg,mp4}` on the sandbox itself: a
//! valid 1×1 PNG, a minimal PDF, and labelled stand-ins for audio and video (a few bytes with the
//! right magic number, not playable).

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::destinations::Persona;
use super::events::deliver;
use super::{validate, Hook};
use crate::chatarchitect::{random_string, ALNUM};
use crate::Sandbox;

/// Inbound message types the control surface can simulate.
pub(crate) const TYPES: &[&str] = &["text", "image", "file", "audio", "video", "location", "contact", "button_reply"];

/// A 1×1 transparent PNG.
const SAMPLE_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21, 196,
    137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2, 135, 1, 128, 235, 71, 186, 146, 0, 0,
    0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];
/// A one-page empty PDF.
const SAMPLE_PDF: &[u8] = b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";
/// Not playable: the Ogg magic and a label.
const SAMPLE_OGG: &[u8] = b"OggS\0wadesk-sandbox audio stand-in";
/// Not playable: an `ftyp` box and a label.
const SAMPLE_MP4: &[u8] = b"\0\0\0\x14ftypisom\0\0\0\0isomwadesk-sandbox video stand-in";

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/_sandbox/media/{name}", get(media))
}

/// `GET /_sandbox/media/{sample.png|sample.pdf|sample.ogg|sample.mp4}` (no auth: the files are
/// public samples).
async fn media(Path(name): Path<String>) -> Response {
    let (bytes, content_type) = match name.as_str() {
        "sample.png" => (SAMPLE_PNG, "image/png"),
        "sample.pdf" => (SAMPLE_PDF, "application/pdf"),
        "sample.ogg" => (SAMPLE_OGG, "audio/ogg"),
        "sample.mp4" => (SAMPLE_MP4, "video/mp4"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

/// The default inner payload of an inbound `kind`, media on the sandbox's own origin.
fn default_payload(sandbox: &Sandbox, kind: &str) -> Option<Value> {
    let media = |file: &str| format!("{}/_sandbox/media/{file}", sandbox.public_url());
    Some(match kind {
        "text" => json!({ "text": "Hi" }),
        "image" => json!({ "url": media("sample.png"), "caption": "A photo", "contentType": "image/png" }),
        "file" => json!({ "url": media("sample.pdf"), "name": "sample.pdf", "contentType": "application/pdf" }),
        "audio" => json!({ "url": media("sample.ogg"), "contentType": "audio/ogg" }),
        "video" => json!({ "url": media("sample.mp4"), "caption": "A video", "contentType": "video/mp4" }),
        "location" => json!({ "latitude": 48.1486, "longitude": 17.1077 }),
        "contact" => json!({ "contacts": [{
            "name": { "first_name": "Jane", "last_name": "Doe", "formatted_name": "Jane Doe" },
            "phones": [{ "phone": "+15550000199", "type": "CELL" }]
        }] }),
        "button_reply" => json!({ "title": "Yes", "id": "yes", "reply": "Yes" }),
        _ => return None,
    })
}

/// A simulated customer's message: `{"source": <phone>, "type": <kind>, "payload": {…fields to
/// override…}, "name": <sender name>}`; everything but `source` is optional (`type` defaults to
/// text). Overrides must name fields the type has and keep their JSON type.
pub(crate) fn message_from_request(sandbox: &Sandbox, app_id: &str, req: &Map<String, Value>) -> Result<Value, String> {
    let source = validate::phone_field(req, "source").map_err(|e| e.message.into_owned())?;
    let kind = match req.get("type") {
        None | Some(Value::Null) => "text",
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => t.as_str(),
        Some(_) => return Err(format!("Invalid type: expected one of {}", TYPES.join(", "))),
    };
    let Some(Value::Object(mut payload)) = default_payload(sandbox, kind) else {
        unreachable!("every TYPE has a default")
    };
    match req.get("payload") {
        None | Some(Value::Null) => {}
        Some(Value::Object(over)) => {
            for (key, value) in over {
                let same_type =
                    payload.get(key).is_some_and(|d| std::mem::discriminant(d) == std::mem::discriminant(value));
                if !same_type {
                    return Err(format!("Invalid payload.{key}: not a field of {kind}, or of the wrong type"));
                }
                payload.insert(key.clone(), value.clone());
            }
        }
        Some(_) => return Err("Invalid payload: expected an object".to_owned()),
    }
    if kind == "text" && payload.get("text").and_then(Value::as_str).is_none_or(|t| t.trim().is_empty()) {
        return Err("Empty message: payload.text must not be empty".to_owned());
    }
    let name = match req.get("name") {
        None | Some(Value::Null) => "Sandbox Customer",
        Some(Value::String(n)) if !n.trim().is_empty() && n.len() <= 256 => n.as_str(),
        Some(_) => return Err("Invalid name: a non-empty string".to_owned()),
    };
    Ok(message(app_id, &source, kind, Value::Object(payload), name))
}

/// The inbound webhook body.
pub(crate) fn message(app_id: &str, source: &str, kind: &str, payload: Value, name: &str) -> Value {
    let (country_code, dial_code) = split_country(source);
    json!({
        "app": app_id,
        "timestamp": chrono::Utc::now().timestamp_millis(),
        "version": 2,
        "type": "message",
        "payload": {
            "id": format!("ABEGk{}", random_string(31, ALNUM)),
            "source": source,
            "type": kind,
            "payload": payload,
            "sender": { "phone": source, "name": name, "country_code": country_code, "dial_code": dial_code }
        }
    })
}

/// Delivers an inbound body (its `payload.id` names it in the delivery log).
pub(crate) async fn send(sandbox: &Sandbox, app_id: &str, body: &Value) {
    let id = body["payload"]["id"].as_str().unwrap_or_default().to_owned();
    deliver(sandbox, app_id, Hook::Message, &id, "message", body).await;
}

/// A persona's answer to a message it read.
pub(crate) async fn persona_reply(sandbox: &Sandbox, app_id: &str, destination: &str, persona: Persona) {
    let body = message(app_id, destination, "text", json!({ "text": persona.reply() }), "Sandbox Customer");
    send(sandbox, app_id, &body).await;
}

/// Country calling code and national number, by the longest known prefix (1, 2 or 3 digits; an
/// approximation good enough for demo numbers).
fn split_country(phone: &str) -> (String, String) {
    const ONE: &[&str] = &["1", "7"];
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    let len = if ONE.contains(&&phone[..1]) {
        1
    } else if TWO.contains(&&phone[..2]) {
        2
    } else {
        3
    };
    (phone[..len].to_owned(), phone[len..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_split_by_known_prefixes() {
        assert_eq!(split_country("15550000005"), ("1".into(), "5550000005".into()));
        assert_eq!(split_country("421233221242"), ("421".into(), "233221242".into()));
        assert_eq!(split_country("919876543210"), ("91".into(), "9876543210".into()));
    }

    #[test]
    fn the_sample_png_is_a_png() {
        assert_eq!(&SAMPLE_PNG[..8], b"\x89PNG\r\n\x1a\n");
        assert!(SAMPLE_PDF.starts_with(b"%PDF") && SAMPLE_OGG.starts_with(b"OggS"));
    }
}
