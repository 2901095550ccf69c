//! Simulated customers writing to a project's number: Meta's inbound envelope
//! (`value.contacts[{profile{name}, wa_id}]` and `value.messages[]`; SendZen documents that
//! inbound messages arrive in it, PROVIDERS.md §2), delivered to the project's webhook.
//!
//! Every message opens (or refreshes) the customer's 24-hour window before it is delivered, with
//! its own `timestamp` (so one written long ago can be simulated). Types the control surface can
//! make: `text`, `image`, `button` (a template quick-reply tap), `button_reply` and `list_reply`
//! (Meta's `interactive` replies) and `location`, each from a default the request may override
//! field by field. Media come as Meta sends them, an `id` with `mime_type` and `sha256`; the
//! sandbox does not serve SendZen media downloads.

use serde_json::{json, Map, Value};

use super::messages::e164_digits;
use super::project::InboundMessage;
use super::webhooks::{self, meta_envelope, Event};
use crate::chatarchitect::{random_string, DIGITS};
use crate::Sandbox;

/// The message types a simulated customer can write.
pub(crate) const TYPES: &[&str] = &["text", "image", "button", "button_reply", "list_reply", "location"];
/// The earliest `timestamp` accepted: 2000-01-01T00:00:00Z.
const MIN_TIMESTAMP: i64 = 946_684_800;
/// How far ahead of now a `timestamp` may be, in seconds.
const MAX_AHEAD: i64 = 24 * 3600;

/// A customer's message before it has an id.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    /// Digits only.
    pub(crate) from: String,
    pub(crate) kind: &'static str,
    /// The type's object (`text: {body}`, `image: {...}`…) after overrides.
    content: Value,
    name: String,
    /// Unix seconds.
    timestamp: i64,
    /// The wamid this message replies to, if any.
    context: Option<String>,
}

impl Written {
    /// A plain text from `from`, written now.
    pub(crate) fn text(from: &str, body: &str) -> Written {
        Written {
            from: from.to_owned(),
            kind: "text",
            content: json!({ "body": body }),
            name: "Sandbox Customer".to_owned(),
            timestamp: chrono::Utc::now().timestamp(),
            context: None,
        }
    }

    /// `{from, type?, name?, timestamp?, context_id?, <type>?: {fields to override}}`.
    pub(crate) fn from_request(req: &Map<String, Value>) -> Result<Written, String> {
        let from = req
            .get("from")
            .and_then(Value::as_str)
            .and_then(e164_digits)
            .ok_or("from must be the customer's number: 8 to 15 digits, with or without +")?;
        let kind = match req.get("type") {
            None | Some(Value::Null) => "text",
            Some(Value::String(t)) => TYPES
                .iter()
                .find(|k| **k == t)
                .copied()
                .ok_or_else(|| format!("type must be one of {}", TYPES.join(", ")))?,
            Some(_) => return Err("type must be a string".to_owned()),
        };
        let content = merged(kind, req.get(kind))?;
        let name = match req.get("name") {
            None | Some(Value::Null) => "Sandbox Customer".to_owned(),
            Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 256 => n.clone(),
            Some(_) => return Err("name must be a non-empty string of at most 256 characters".to_owned()),
        };
        let now = chrono::Utc::now().timestamp();
        let timestamp = match req.get("timestamp") {
            None | Some(Value::Null) => now,
            Some(v) => v.as_i64().filter(|t| (MIN_TIMESTAMP..=now + MAX_AHEAD).contains(t)).ok_or_else(|| {
                format!("timestamp must be integer unix seconds from {MIN_TIMESTAMP} to {}", now + MAX_AHEAD)
            })?,
        };
        let context = match req.get("context_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
            Some(_) => return Err("context_id must be a message id".to_owned()),
        };
        Ok(Written { from, kind, content, name, timestamp, context })
    }

    /// The customer's profile name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The `messages[]` item, with its id.
    pub(crate) fn message(&self, id: &str, business_number: &str) -> Value {
        let (wire_type, key) = match self.kind {
            "button_reply" | "list_reply" => ("interactive", "interactive"),
            k => (k, k),
        };
        let content = match self.kind {
            "button_reply" | "list_reply" => {
                let mut reply = Map::new();
                reply.insert("type".to_owned(), json!(self.kind));
                reply.insert(self.kind.to_owned(), self.content.clone());
                Value::Object(reply)
            }
            _ => self.content.clone(),
        };
        let mut m = json!({ "from": self.from, "id": id, "timestamp": self.timestamp.to_string(), "type": wire_type });
        if let Some(map) = m.as_object_mut() {
            map.insert(key.to_owned(), content);
            if let Some(context) = &self.context {
                map.insert("context".to_owned(), json!({ "from": business_number, "id": context }));
            }
        }
        m
    }
}

/// The default object of `kind`.
fn default_content(kind: &str) -> Value {
    match kind {
        "image" => json!({
            "caption": "A photo",
            "mime_type": "image/jpeg",
            "sha256": format!("{}=", random_string(43, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")),
            "id": format!("{}{}", random_string(1, b"123456789"), random_string(15, DIGITS)),
        }),
        "button" => json!({ "payload": "Yes", "text": "Yes" }),
        "button_reply" => json!({ "id": "yes", "title": "Yes" }),
        "list_reply" => json!({ "id": "slot-2", "title": "Tuesday 10:00", "description": "Morning slot" }),
        "location" => {
            json!({ "latitude": 48.1486, "longitude": 17.1077, "name": "Sandbox Shop", "address": "Main Street 1" })
        }
        _ => json!({ "body": "Hi" }),
    }
}

/// `kind`'s default with `overrides` applied; each override must name a default field and keep
/// its JSON type.
fn merged(kind: &str, overrides: Option<&Value>) -> Result<Value, String> {
    let mut content = default_content(kind);
    match overrides {
        None | Some(Value::Null) => {}
        Some(Value::Object(over)) => {
            for (key, value) in over {
                let slot = content.get_mut(key).filter(|d| std::mem::discriminant(*d) == std::mem::discriminant(value));
                let Some(slot) = slot else {
                    return Err(format!("{kind}.{key} is not a field of {kind}, or has the wrong type"));
                };
                *slot = value.clone();
            }
        }
        Some(_) => return Err(format!("{kind} must be an object")),
    }
    if kind == "text" && content["body"].as_str().is_none_or(|b| b.trim().is_empty()) {
        return Err("text.body must not be empty".to_owned());
    }
    Ok(content)
}

/// Opens the customer's window, logs the message and builds its webhook body; `None` if the
/// project is unknown or has no WABA yet. Synchronous, so a send right after sees the window.
pub(crate) fn record(sandbox: &Sandbox, project_id: &str, w: &Written) -> Option<(String, Vec<u8>, Value)> {
    sandbox.sendzen().store.with(|st| {
        let p = st.project(project_id)?;
        let waba = p.waba.clone()?;
        let id = super::project::wamid();
        let contact = json!({ "profile": { "name": w.name }, "wa_id": w.from });
        let body = meta_envelope(&waba, "messages", w.message(&id, &waba.phone_number), Some(contact));
        p.last_inbound.note(&w.from, w.timestamp.saturating_mul(1000));
        p.record_inbound(InboundMessage {
            message_id: id.clone(),
            from: w.from.clone(),
            kind: w.kind.to_owned(),
            timestamp: w.timestamp.to_string(),
        });
        Some((id, serde_json::to_vec(&body).unwrap_or_default(), body))
    })
}

/// Delivers an inbound message's body (with retries).
pub(crate) async fn deliver(sandbox: &Sandbox, project_id: &str, id: String, bytes: Vec<u8>) {
    let event = Event { kind: "message", event: "message".to_owned(), reference: id };
    webhooks::deliver(sandbox, project_id, event, bytes).await;
}

/// [`record`] then [`deliver`]: a persona's reply.
pub(crate) async fn customer_writes(sandbox: &Sandbox, project_id: &str, w: Written) {
    if let Some((id, bytes, _)) = record(sandbox, project_id, &w) {
        deliver(sandbox, project_id, id, bytes).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(req: Value) -> Result<Written, String> {
        Written::from_request(req.as_object().unwrap())
    }

    #[test]
    fn replies_become_metas_interactive_messages() {
        let w = written(json!({ "from": "+15551234567", "type": "button_reply", "button_reply": { "id": "no", "title": "No" }, "context_id": "wamid.A" })).unwrap();
        let m = w.message("wamid.B", "15557654321");
        assert_eq!(m["type"], "interactive");
        assert_eq!(m["interactive"], json!({ "type": "button_reply", "button_reply": { "id": "no", "title": "No" } }));
        assert_eq!(m["context"], json!({ "from": "15557654321", "id": "wamid.A" }));
        assert_eq!(m["from"], "15551234567");
        let b = written(json!({ "from": "15551234567", "type": "button" })).unwrap().message("wamid.C", "1");
        assert_eq!((b["type"].as_str(), &b["button"]), (Some("button"), &json!({ "payload": "Yes", "text": "Yes" })));
        let i = written(json!({ "from": "15551234567", "type": "image" })).unwrap().message("wamid.D", "1");
        assert_eq!(i["image"]["mime_type"], "image/jpeg");
        assert!(i["image"]["id"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn requests_are_checked() {
        assert_eq!(written(json!({ "from": "15551234567" })).unwrap().content, json!({ "body": "Hi" }));
        for bad in [
            json!({}),
            json!({ "from": "12" }),
            json!({ "from": "15551234567", "type": "video" }),
            json!({ "from": "15551234567", "text": { "body": "" } }),
            json!({ "from": "15551234567", "text": { "bodyy": "x" } }),
            json!({ "from": "15551234567", "text": { "body": 7 } }),
            json!({ "from": "15551234567", "timestamp": 5 }),
            json!({ "from": "15551234567", "name": "" }),
        ] {
            assert!(written(bad.clone()).is_err(), "{bad}");
        }
        let old = written(json!({ "from": "15551234567", "timestamp": 1_700_000_000 })).unwrap();
        assert_eq!(old.message("w", "1")["timestamp"], "1700000000");
    }
}
