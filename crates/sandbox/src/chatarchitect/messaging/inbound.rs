//! Simulated customers: inbound `message` webhooks, the personas that answer once a message is
//! read, and the small sample files inbound media point at. Every customer message opens or
//! refreshes that customer's 24-hour service window ([`window`](super::window)) before it is
//! delivered.
//!
//! Seed: only the inbound `text` shape is documented (`payload: {id, source, type, payload:
//! {text}}`). The other types and `sender` follow Gupshup's v2 callbacks, which ChatArchitect's
//! envelope copies (PROVIDERS.md §1 "Inference") — assumptions: `image {url, caption,
//! contentType}`, `file {url, name, contentType}`, `audio {url, contentType}`, `video {url,
//! caption, contentType}`, `location {latitude, longitude}`, `contact {contacts: [...]}`,
//! `button_reply {title, id, reply}`, `list_reply {title, id, description, postbackText}`,
//! `sticker {url, contentType}`, `sender {phone, name, country_code, dial_code}`.
//!
//! The control surface can also send a type the product may not know (any lower-case word): its
//! payload is delivered exactly as given, without defaults or checks. It can back-date a message
//! (`timestamp`, the envelope's time the customer wrote) and deliver the very same body up to
//! [`MAX_COPIES`] times, one after the other, as a provider retrying would (same `payload.id`; the
//! product must de-duplicate by id).
//!
//! Media URLs point at `GET /_sandbox/media/sample.{png,pdf,ogg,mp4,webp}` on the sandbox itself:
//! a valid 1×1 PNG, a minimal PDF, labelled stand-ins for audio and video (a few bytes with the
//! right magic number, not playable) and a valid 1×1 WebP for stickers.

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
pub(crate) const TYPES: &[&str] =
    &["text", "image", "file", "audio", "video", "location", "contact", "button_reply", "list_reply", "sticker"];

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
/// A 1×1 lossless WebP (the image WebP feature checks use).
const SAMPLE_WEBP: &[u8] = &[
    82, 73, 70, 70, 26, 0, 0, 0, 87, 69, 66, 80, 86, 80, 56, 76, 13, 0, 0, 0, 47, 0, 0, 0, 16, 7, 16, 17, 17, 136, 136,
    254, 7, 0,
];

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/_sandbox/media/{name}", get(media))
}

/// `GET /_sandbox/media/{sample.png|sample.pdf|sample.ogg|sample.mp4|sample.webp}` (no auth: the
/// files are public samples).
async fn media(Path(name): Path<String>) -> Response {
    let (bytes, content_type) = match name.as_str() {
        "sample.png" => (SAMPLE_PNG, "image/png"),
        "sample.pdf" => (SAMPLE_PDF, "application/pdf"),
        "sample.ogg" => (SAMPLE_OGG, "audio/ogg"),
        "sample.mp4" => (SAMPLE_MP4, "video/mp4"),
        "sample.webp" => (SAMPLE_WEBP, "image/webp"),
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
        "list_reply" => json!({
            "title": "Tuesday 10:00", "id": "slot-2", "description": "Morning slot", "postbackText": "slot-2"
        }),
        "sticker" => json!({ "url": media("sample.webp"), "contentType": "image/webp" }),
        _ => return None,
    })
}

/// Most copies of one inbound message the control surface delivers.
pub(crate) const MAX_COPIES: u32 = 5;
/// The earliest envelope timestamp the control surface accepts: 2000-01-01T00:00:00Z, in ms.
const MIN_TIMESTAMP_MS: i64 = 946_684_800_000;
/// How far ahead of now an envelope timestamp may be, in ms (one day).
const MAX_AHEAD_MS: i64 = 24 * 3600 * 1000;

/// Whether `t` could be a type name the sandbox does not know: `[a-z][a-z0-9_]{0,29}`.
fn is_type_word(t: &str) -> bool {
    let mut bytes = t.bytes();
    t.len() <= 30
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What `POST /_sandbox/messaging/inbound` asked for.
#[derive(Debug)]
pub(crate) struct Simulated {
    pub(crate) message: CustomerMessage,
    /// How many times the very same body is delivered (1..=[`MAX_COPIES`]), as a provider's
    /// retries would.
    pub(crate) copies: u32,
}

/// A simulated customer's message: `{"source": <phone>, "type": <kind>, "payload": {…fields to
/// override…}, "name": <sender name>, "timestamp": <ms>, "copies": <n>}`; everything but `source`
/// is optional (`type` defaults to text, `timestamp` to now, `copies` to 1). For a type in
/// [`TYPES`], overrides must name fields the type has and keep their JSON type. Any other type
/// that is a lower-case word (`[a-z][a-z0-9_]{0,29}`) stands for one the product may not know:
/// its `payload` object is required and delivered as given. `timestamp` is when the customer
/// wrote (the envelope's), from 2000-01-01 to a day ahead of now.
pub(crate) fn message_from_request(
    sandbox: &Sandbox,
    app_id: &str,
    req: &Map<String, Value>,
) -> Result<Simulated, String> {
    let source = validate::phone_field(req, "source").map_err(|e| e.message.into_owned())?;
    let kind = match req.get("type") {
        None | Some(Value::Null) => "text",
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) || is_type_word(t) => t.as_str(),
        Some(_) => {
            return Err(format!(
                "Invalid type: expected one of {}, or another lower-case word ([a-z][a-z0-9_], \
                 at most 30 characters) with its payload",
                TYPES.join(", ")
            ))
        }
    };
    let payload = if TYPES.contains(&kind) {
        known_payload(sandbox, kind, req.get("payload"))?
    } else {
        match req.get("payload") {
            Some(Value::Object(p)) => p.clone(),
            None | Some(Value::Null) => {
                return Err(format!(
                    "Missing payload: type {kind} is not one the sandbox knows ({}), so payload must be \
                     given as an object; it is delivered as-is",
                    TYPES.join(", ")
                ))
            }
            Some(_) => return Err("Invalid payload: expected an object".to_owned()),
        }
    };
    let name = match req.get("name") {
        None | Some(Value::Null) => "Sandbox Customer",
        Some(Value::String(n)) if !n.trim().is_empty() && n.len() <= 256 => n.as_str(),
        Some(_) => return Err("Invalid name: a non-empty string".to_owned()),
    };
    let now = chrono::Utc::now().timestamp_millis();
    let latest = now + MAX_AHEAD_MS;
    let written_at = match req.get("timestamp") {
        None | Some(Value::Null) => now,
        Some(v) => v.as_i64().filter(|t| (MIN_TIMESTAMP_MS..=latest).contains(t)).ok_or_else(|| {
            format!(
                "Invalid timestamp: expected integer milliseconds since the epoch from \
                 {MIN_TIMESTAMP_MS} (2000-01-01) to {latest} (now + 1 day), not {v}"
            )
        })?,
    };
    let copies = match req.get("copies") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=MAX_COPIES).contains(n))
            .ok_or_else(|| format!("Invalid copies: expected an integer from 1 to {MAX_COPIES}, not {v}"))?,
    };
    let message = CustomerMessage::new(app_id, &source, kind, Value::Object(payload), name, written_at);
    Ok(Simulated { message, copies })
}

/// The payload of a type in [`TYPES`]: its default with `overrides` applied.
fn known_payload(sandbox: &Sandbox, kind: &str, overrides: Option<&Value>) -> Result<Map<String, Value>, String> {
    let Some(Value::Object(mut payload)) = default_payload(sandbox, kind) else {
        unreachable!("every TYPE has a default")
    };
    match overrides {
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
    Ok(payload)
}

/// One customer message: its inbound webhook body, and who wrote it when (for the service
/// window).
#[derive(Debug, Clone)]
pub(crate) struct CustomerMessage {
    source: String,
    /// The envelope's `timestamp`.
    written_at_ms: i64,
    /// The webhook body.
    pub(crate) body: Value,
}

impl CustomerMessage {
    /// The inbound webhook body of a message `source` wrote at `written_at_ms`.
    pub(crate) fn new(
        app_id: &str,
        source: &str,
        kind: &str,
        payload: Value,
        name: &str,
        written_at_ms: i64,
    ) -> CustomerMessage {
        let (country_code, dial_code) = split_country(source);
        let body = json!({
            "app": app_id,
            "timestamp": written_at_ms,
            "version": 2,
            "type": "message",
            "payload": {
                "id": format!("ABEGk{}", random_string(31, ALNUM)),
                "source": source,
                "type": kind,
                "payload": payload,
                "sender": { "phone": source, "name": name, "country_code": country_code, "dial_code": dial_code }
            }
        });
        CustomerMessage { source: source.to_owned(), written_at_ms, body }
    }

    /// Opens or refreshes the customer's service window. Synchronous (one short lock), so a send
    /// accepted right after already sees it, whatever the webhook delivery is doing.
    pub(crate) fn record(&self, sandbox: &Sandbox, app_id: &str) {
        sandbox
            .chatarchitect()
            .messaging()
            .with_app(app_id, |app| app.last_inbound.note(&self.source, self.written_at_ms));
    }

    /// Delivers the body once, with the webhook retries (its `payload.id` names it in the
    /// delivery log).
    pub(crate) async fn deliver(&self, sandbox: &Sandbox, app_id: &str) {
        let id = self.body["payload"]["id"].as_str().unwrap_or_default().to_owned();
        deliver(sandbox, app_id, Hook::Message, &id, "message", &self.body).await;
    }
}

/// A persona's answer to a message it read: written now, so it opens the customer's window.
pub(crate) async fn persona_reply(sandbox: &Sandbox, app_id: &str, destination: &str, persona: Persona) {
    let now = chrono::Utc::now().timestamp_millis();
    let reply =
        CustomerMessage::new(app_id, destination, "text", json!({ "text": persona.reply() }), "Sandbox Customer", now);
    reply.record(sandbox, app_id);
    reply.deliver(sandbox, app_id).await;
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
    use crate::SandboxConfig;

    fn simulate(req: Value) -> Result<Simulated, String> {
        let sandbox = Sandbox::new(SandboxConfig::default());
        message_from_request(&sandbox, "app", req.as_object().unwrap())
    }

    fn inner(req: Value) -> Value {
        simulate(req).unwrap().message.body["payload"]["payload"].clone()
    }

    #[test]
    fn list_replies_and_stickers_have_defaults() {
        assert_eq!(
            inner(json!({ "source": "421233221242", "type": "list_reply" })),
            json!({ "title": "Tuesday 10:00", "id": "slot-2", "description": "Morning slot", "postbackText": "slot-2" })
        );
        assert_eq!(
            inner(json!({ "source": "421233221242", "type": "sticker" })),
            json!({ "url": "http://127.0.0.1:8790/_sandbox/media/sample.webp", "contentType": "image/webp" })
        );
        let picked = json!({ "source": "421233221242", "type": "list_reply", "payload": { "id": "slot-3" } });
        assert_eq!(inner(picked)["id"], "slot-3", "known types keep their override checks");
    }

    #[test]
    fn an_unknown_word_type_is_delivered_as_given_and_needs_a_payload() {
        let reaction = json!({ "emoji": "👍", "msgId": 7, "nested": { "any": ["thing"] } });
        let req = json!({ "source": "421233221242", "type": "reaction", "payload": reaction });
        let simulated = simulate(req).unwrap();
        assert_eq!(simulated.message.body["payload"]["type"], "reaction");
        assert_eq!(simulated.message.body["payload"]["payload"], reaction);
        assert_eq!(inner(json!({ "source": "421233221242", "type": "order_v2", "payload": {} })), json!({}));
        let missing = simulate(json!({ "source": "421233221242", "type": "reaction" })).unwrap_err();
        assert!(missing.starts_with("Missing payload: type reaction is not one the sandbox knows"), "{missing}");
        for bad in ["Reaction", "2fa", "has space", "a-b", "", &"x".repeat(31)] {
            let err = simulate(json!({ "source": "421233221242", "type": bad, "payload": {} })).unwrap_err();
            assert!(err.starts_with("Invalid type"), "{bad:?}: {err}");
        }
        assert!(is_type_word("a") && is_type_word(&"x".repeat(30)) && is_type_word("v2_reply"));
        let not_object = simulate(json!({ "source": "421233221242", "type": "reaction", "payload": [1] }));
        assert_eq!(not_object.unwrap_err(), "Invalid payload: expected an object");
    }

    #[test]
    fn timestamp_and_copies_are_checked() {
        let now = chrono::Utc::now().timestamp_millis();
        let day_ago = now - 25 * 3600 * 1000;
        let old = simulate(json!({ "source": "421233221242", "timestamp": day_ago })).unwrap();
        assert_eq!((old.message.body["timestamp"].as_i64(), old.message.written_at_ms), (Some(day_ago), day_ago));
        assert_eq!(old.copies, 1);
        assert!(simulate(json!({ "source": "421233221242", "timestamp": MIN_TIMESTAMP_MS })).is_ok());
        for bad in [json!(MIN_TIMESTAMP_MS - 1), json!(now + MAX_AHEAD_MS + 60_000), json!("1"), json!(1.7e12)] {
            let err = simulate(json!({ "source": "421233221242", "timestamp": bad })).unwrap_err();
            assert!(err.starts_with("Invalid timestamp: "), "{bad}: {err}");
        }
        assert_eq!(simulate(json!({ "source": "421233221242", "copies": 5 })).unwrap().copies, 5);
        for bad in [json!(0), json!(6), json!(-1), json!("2"), json!(2.5)] {
            let err = simulate(json!({ "source": "421233221242", "copies": bad })).unwrap_err();
            assert!(err.starts_with("Invalid copies: "), "{bad}: {err}");
        }
    }

    #[test]
    fn country_codes_split_by_known_prefixes() {
        assert_eq!(split_country("15550000005"), ("1".into(), "5550000005".into()));
        assert_eq!(split_country("421233221242"), ("421".into(), "233221242".into()));
        assert_eq!(split_country("919876543210"), ("91".into(), "9876543210".into()));
    }

    #[test]
    fn the_samples_have_their_formats_magic() {
        assert_eq!(&SAMPLE_PNG[..8], b"\x89PNG\r\n\x1a\n");
        assert!(SAMPLE_PDF.starts_with(b"%PDF") && SAMPLE_OGG.starts_with(b"OggS"));
        assert!(SAMPLE_WEBP.starts_with(b"RIFF") && &SAMPLE_WEBP[8..12] == b"WEBP");
        let riff_size = u32::from_le_bytes(SAMPLE_WEBP[4..8].try_into().unwrap());
        assert_eq!(usize::try_from(riff_size).unwrap(), SAMPLE_WEBP.len() - 8);
    }
}
