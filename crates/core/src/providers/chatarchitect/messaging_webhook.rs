//! ChatArchitect's messaging webhooks (seed 000, "Webhook events"): the Gupshup-v2-shaped envelope
//! `{app, timestamp, version, type, payload}` carrying `message-event` statuses and `message`
//! inbound messages.
//!
//! The shape is checked field by field before anything is trusted; what does not fit is refused
//! with a reason naming the field, and the caller keeps the raw event with that reason. Fields the
//! seed does not promise but Gupshup sends (`gsId`, `sender`) are read when present
//! (PROVIDERS.md §1, "Inference").

use serde_json::{Map, Value};

use crate::providers::fields::{is_status_word, one_line, phone, string, MAX_TEXT};
use crate::providers::messaging::{InboundReport, StatusReport, WebhookEvent};

/// Parses one webhook body. `Err` says which field does not fit the documented shape.
pub fn parse(body: &[u8]) -> Result<WebhookEvent, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let root = root.as_object().ok_or("body is not a JSON object")?;
    let event_type = string(root, "type")?;
    let timestamp = root.get("timestamp").and_then(as_ms).ok_or("timestamp: missing or not a number")?;
    let payload = root.get("payload").and_then(Value::as_object).ok_or("payload: missing or not an object")?;
    match event_type.as_str() {
        "message-event" => status(payload, timestamp).map(WebhookEvent::Status),
        "message" => inbound(payload, timestamp).map(WebhookEvent::Inbound),
        _ => Ok(WebhookEvent::Other { event_type: one_line(&event_type, 60) }),
    }
}

fn status(p: &Map<String, Value>, timestamp: i64) -> Result<StatusReport, String> {
    let id = field_id(p, "id")?;
    let status = string(p, "type").map_err(|e| format!("payload.{e}"))?;
    if !is_status_word(&status) {
        return Err("payload.type: not a status word".into());
    }
    let destination = match p.get("destination") {
        None | Some(Value::Null) => None,
        Some(v) => Some(phone(v).ok_or("payload.destination: not a phone number")?),
    };
    let gs_id = match p.get("gsId") {
        None | Some(Value::Null) => None,
        Some(_) => Some(field_id(p, "gsId")?),
    };
    let inner = p.get("payload").and_then(Value::as_object);
    let code = inner.and_then(|i| i.get("code")).and_then(|c| match c {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let reason = inner.and_then(|i| i.get("reason")).and_then(Value::as_str).map(|r| one_line(r, 500));
    Ok(StatusReport { id, gs_id, status, destination, at_ms: timestamp, code, reason })
}

fn inbound(p: &Map<String, Value>, timestamp: i64) -> Result<InboundReport, String> {
    let id = field_id(p, "id")?;
    let source = p.get("source").and_then(phone).ok_or("payload.source: missing or not a phone number")?;
    let message_type = string(p, "type").map_err(|e| format!("payload.{e}"))?;
    let inner = p.get("payload").and_then(Value::as_object).ok_or("payload.payload: missing or not an object")?;
    let text = ["text", "caption", "title", "name"]
        .iter()
        .find_map(|k| inner.get(*k).and_then(Value::as_str))
        .map(|t| t.chars().take(MAX_TEXT).collect());
    let sender_name = p
        .get("sender")
        .and_then(Value::as_object)
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .map(|n| one_line(n, 120));
    Ok(InboundReport {
        id,
        source,
        message_type: one_line(&message_type, 40),
        text,
        payload_json: Value::Object(inner.clone()).to_string(),
        sender_name,
        at_ms: timestamp,
    })
}

fn field_id(m: &Map<String, Value>, key: &str) -> Result<String, String> {
    crate::providers::fields::id(m, "payload.", key)
}

/// Milliseconds: the seed's samples are ms; a value that can only be seconds is scaled.
fn as_ms(v: &Value) -> Option<i64> {
    let n = v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))?;
    Some(if (0..100_000_000_000).contains(&n) { n * 1000 } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_status_example_parses_field_by_field() {
        let body = br#"{"app":"aQWPjCAmjav","timestamp":1580311136040,"version":2,"type":"message-event",
            "payload":{"id":"ee4a68a0-1203-4c85-8dc3-49d0b3226a35","type":"failed","destination":"421233221242",
            "payload":{"code":1008,"reason":"User is not Opted in and Inactive"}}}"#;
        let WebhookEvent::Status(s) = parse(body).unwrap() else { panic!("not a status") };
        assert_eq!(s.id, "ee4a68a0-1203-4c85-8dc3-49d0b3226a35");
        assert_eq!(s.status, "failed");
        assert_eq!(s.destination.as_deref(), Some("421233221242"));
        assert_eq!(s.at_ms, 1580311136040);
        assert_eq!(s.code, Some(1008));
        assert_eq!(s.reason.as_deref(), Some("User is not Opted in and Inactive"));
    }

    #[test]
    fn the_seeds_inbound_example_parses_and_gupshup_extras_are_read() {
        let body = br#"{"app":"aQWPjCAmjav","timestamp":1580227766370,"version":2,"type":"message",
            "payload":{"id":"ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c","source":"421233221242","type":"text",
            "payload":{"text":"Hi"},"sender":{"phone":"421233221242","name":"Jana"}}}"#;
        let WebhookEvent::Inbound(m) = parse(body).unwrap() else { panic!("not inbound") };
        assert_eq!(
            (m.id.as_str(), m.source.as_str(), m.message_type.as_str()),
            ("ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c", "421233221242", "text")
        );
        assert_eq!(m.text.as_deref(), Some("Hi"));
        assert_eq!(m.sender_name.as_deref(), Some("Jana"));
        let gs = br#"{"timestamp":1,"type":"message-event","payload":{"id":"gBEGkY","gsId":"m-1","type":"read","destination":"421233221242"}}"#;
        let WebhookEvent::Status(s) = parse(gs).unwrap() else { panic!() };
        assert_eq!((s.id.as_str(), s.gs_id.as_deref()), ("gBEGkY", Some("m-1")));
    }

    #[test]
    fn bad_shapes_are_refused_with_the_field_named() {
        let cases: [(&[u8], &str); 7] = [
            (b"not json", "not JSON"),
            (b"[]", "not a JSON object"),
            (br#"{"type":"message-event","payload":{}}"#, "timestamp"),
            (br#"{"type":"message-event","timestamp":1}"#, "payload:"),
            (br#"{"type":"message-event","timestamp":1,"payload":{"type":"sent"}}"#, "payload.id: missing"),
            (
                br#"{"type":"message-event","timestamp":1,"payload":{"id":"a b","type":"sent"}}"#,
                "payload.id: not an id",
            ),
            (
                br#"{"type":"message","timestamp":1,"payload":{"id":"x","source":"abc","type":"text","payload":{}}}"#,
                "payload.source",
            ),
        ];
        for (body, want) in cases {
            let err = parse(body).unwrap_err();
            assert!(err.contains(want), "{err} should mention {want}");
        }
    }

    #[test]
    fn other_event_types_are_valid_but_change_nothing() {
        let body = br#"{"timestamp":1,"type":"user-event","payload":{"type":"opted-in","phone":"1"}}"#;
        assert_eq!(parse(body).unwrap(), WebhookEvent::Other { event_type: "user-event".into() });
    }
}
