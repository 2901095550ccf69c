//! The Meta webhook envelope (PROVIDERS.md §6), which SendZen, 360dialog and Gupshup v3 forward:
//! `{object, entry[{id, changes[{field, value{metadata, contacts, messages, statuses}}]}]}`.
//!
//! One body may carry several entries, changes, messages and statuses, so a body becomes a list of
//! events. The whole body is checked before any of it is trusted: one event that does not fit the
//! documented shape refuses the body, with the reason naming the field (`entry[0].changes[1]…`),
//! and the caller keeps the raw event with that reason. A change of another `field`
//! (`message_template_status_update`, account updates) is valid and changes nothing.
//!
//! Inbound types are named as the rest of Wadesk names them (ChatArchitect's words): Meta's
//! `document` is `file`, `contacts` is `contact`, a template's quick-reply `button` and an
//! interactive `button_reply` are both `button_reply`. The type's own object is kept as the
//! payload: Meta media carry an id to fetch through the provider, not a link.

use serde_json::{Map, Value};

use crate::providers::fields::{id, is_status_word, one_line, phone, string, MAX_TEXT};
use crate::providers::messaging::{InboundReport, StatusReport, WebhookEvent};

/// The `object` of a WhatsApp Business Account webhook.
pub const OBJECT: &str = "whatsapp_business_account";
/// Most events one body may carry (a provider batches; a body with more is refused, not cut).
const MAX_EVENTS: usize = 1000;

/// Parses one webhook body into its events, in the order they appear.
pub fn parse(body: &[u8]) -> Result<Vec<WebhookEvent>, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let root = root.as_object().ok_or("body is not a JSON object")?;
    let object = string(root, "object")?;
    if object != OBJECT {
        return Err(format!("object: {:?} is not {OBJECT:?}", one_line(&object, 60)));
    }
    let entries = root.get("entry").and_then(Value::as_array).ok_or("entry: missing or not a list")?;
    let mut events = Vec::new();
    for (e, entry) in entries.iter().enumerate() {
        let at = format!("entry[{e}]");
        let changes = entry
            .get("changes")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{at}.changes: missing or not a list"))?;
        for (c, change) in changes.iter().enumerate() {
            change_events(change, &format!("{at}.changes[{c}]"), &mut events)?;
            if events.len() > MAX_EVENTS {
                return Err(format!("more than {MAX_EVENTS} events in one body"));
            }
        }
    }
    Ok(events)
}

fn change_events(change: &Value, at: &str, out: &mut Vec<WebhookEvent>) -> Result<(), String> {
    let change = change.as_object().ok_or_else(|| format!("{at}: not an object"))?;
    let field = string(change, "field").map_err(|e| format!("{at}.{e}"))?;
    if field != "messages" {
        out.push(WebhookEvent::Other { event_type: one_line(&field, 60) });
        return Ok(());
    }
    let value = change
        .get("value")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{at}.value: missing or not an object"))?;
    let names = profile_names(value);
    for (i, m) in list(value, "messages", at)?.iter().enumerate() {
        out.push(WebhookEvent::Inbound(inbound(m, &format!("{at}.value.messages[{i}]"), &names)?));
    }
    for (i, s) in list(value, "statuses", at)?.iter().enumerate() {
        out.push(WebhookEvent::Status(status(s, &format!("{at}.value.statuses[{i}]"))?));
    }
    Ok(())
}

/// An optional list field: absent is empty, anything but a list is refused.
fn list<'a>(value: &'a Map<String, Value>, key: &str, at: &str) -> Result<&'a [Value], String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{at}.value.{key}: not a list")),
    }
}

/// `contacts[].profile.name` by `wa_id`.
fn profile_names(value: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(contacts) = value.get("contacts").and_then(Value::as_array) else { return Vec::new() };
    contacts
        .iter()
        .filter_map(|c| {
            let wa_id = c.get("wa_id").and_then(phone)?;
            let name = c.get("profile")?.get("name")?.as_str()?;
            Some((wa_id, one_line(name, 120)))
        })
        .collect()
}

fn status(v: &Value, at: &str) -> Result<StatusReport, String> {
    let s = v.as_object().ok_or_else(|| format!("{at}: not an object"))?;
    let path = format!("{at}.");
    let wamid = id(s, &path, "id")?;
    let status = string(s, "status").map_err(|e| format!("{path}{e}"))?;
    if !is_status_word(&status) {
        return Err(format!("{path}status: not a status word"));
    }
    let at_ms =
        s.get("timestamp").and_then(seconds_to_ms).ok_or_else(|| format!("{path}timestamp: not unix seconds"))?;
    let destination = match s.get("recipient_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(phone(v).ok_or_else(|| format!("{path}recipient_id: not a phone number"))?),
    };
    let error = s.get("errors").and_then(Value::as_array).and_then(|e| e.first()).and_then(Value::as_object);
    let code = error.and_then(|e| e.get("code")).and_then(|c| match c {
        Value::Number(n) => n.as_i64(),
        Value::String(t) => t.trim().parse().ok(),
        _ => None,
    });
    let reason = error.and_then(|e| {
        let details = e.get("error_data").and_then(|d| d.get("details")).and_then(Value::as_str);
        let text = details.or_else(|| e.get("message").and_then(Value::as_str)).or(e.get("title")?.as_str());
        text.map(|t| one_line(t, 500))
    });
    // Gupshup's v3 events carry its own id beside Meta's (PROVIDERS.md §3).
    let gs_id = s.get("gs_id").and_then(Value::as_str).map(str::trim).filter(|g| !g.is_empty() && g.len() <= 100);
    Ok(StatusReport { id: wamid, gs_id: gs_id.map(str::to_owned), status, destination, at_ms, code, reason })
}

fn inbound(v: &Value, at: &str, names: &[(String, String)]) -> Result<InboundReport, String> {
    let m = v.as_object().ok_or_else(|| format!("{at}: not an object"))?;
    let path = format!("{at}.");
    let message_id = id(m, &path, "id")?;
    let source = m.get("from").and_then(phone).ok_or_else(|| format!("{path}from: missing or not a phone number"))?;
    let at_ms =
        m.get("timestamp").and_then(seconds_to_ms).ok_or_else(|| format!("{path}timestamp: not unix seconds"))?;
    let meta_type = string(m, "type").map_err(|e| format!("{path}{e}"))?;
    let payload = m.get(meta_type.as_str()).cloned().unwrap_or(Value::Object(Map::new()));
    let (message_type, text) = kind_and_text(&meta_type, &payload);
    let sender_name = names.iter().find(|(wa_id, _)| *wa_id == source).map(|(_, n)| n.clone());
    Ok(InboundReport {
        id: message_id,
        source,
        message_type: one_line(&message_type, 40),
        text: text.map(|t| t.chars().take(MAX_TEXT).collect()),
        payload_json: payload.to_string(),
        sender_name,
        at_ms,
    })
}

/// Wadesk's name for a Meta message type, and the text a person reads for it.
fn kind_and_text(meta_type: &str, p: &Value) -> (String, Option<String>) {
    let str_at = |keys: &[&str]| keys.iter().find_map(|k| p.get(*k).and_then(Value::as_str)).map(str::to_owned);
    match meta_type {
        "text" => ("text".into(), str_at(&["body"])),
        "image" | "video" | "sticker" => (meta_type.into(), str_at(&["caption"])),
        "audio" => ("audio".into(), None),
        "document" => ("file".into(), str_at(&["caption", "filename"])),
        "location" => ("location".into(), str_at(&["name", "address"])),
        "contacts" => ("contact".into(), None),
        "button" => ("button_reply".into(), str_at(&["text", "payload"])),
        "reaction" => ("reaction".into(), str_at(&["emoji"])),
        "interactive" => {
            let kind = p.get("type").and_then(Value::as_str).unwrap_or("interactive");
            let reply = p.get(kind);
            let title = reply.and_then(|r| r.get("title")).and_then(Value::as_str).map(str::to_owned);
            (if kind == "list_reply" { "list_reply" } else { "button_reply" }.into(), title)
        }
        other => (other.into(), None),
    }
}

/// Meta's timestamps are unix seconds, as a string or a number.
fn seconds_to_ms(v: &Value) -> Option<i64> {
    let s = match v {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    // `then`, not `then_some`: the product must not be computed for a value out of range.
    (0..100_000_000_000).contains(&s).then(|| s * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meta's example envelope, minified as sent, with one inbound text and its contact.
    const INBOUND: &[u8] = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}"#;

    #[test]
    fn an_inbound_text_with_its_profile_name_parses_field_by_field() {
        let events = parse(INBOUND).unwrap();
        let [WebhookEvent::Inbound(m)] = events.as_slice() else { panic!("{events:?}") };
        assert_eq!(m.id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
        assert_eq!((m.source.as_str(), m.message_type.as_str()), ("16505551234", "text"));
        assert_eq!(m.text.as_deref(), Some("Does it come in another color?"));
        assert_eq!(m.sender_name.as_deref(), Some("Sheena Nelson"));
        assert_eq!(m.at_ms, 1_749_416_383_000);
        assert_eq!(m.payload_json, r#"{"body":"Does it come in another color?"}"#);
    }

    #[test]
    fn statuses_with_errors_and_several_changes_give_every_event_in_order() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"messages","value":{"messaging_product":"whatsapp","statuses":[
              {"id":"wamid.A","status":"delivered","timestamp":"1700000000","recipient_id":"+1 650 555 1234"},
              {"id":"wamid.B","status":"failed","timestamp":1700000001,"recipient_id":"16505551234",
               "errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message",
                          "error_data":{"details":"Message failed to send because more than 24 hours have passed"}}]}]}},
            {"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}"#;
        let events = parse(body).unwrap();
        assert_eq!(events.len(), 3);
        let WebhookEvent::Status(a) = &events[0] else { panic!() };
        assert_eq!(
            (a.id.as_str(), a.status.as_str(), a.destination.as_deref()),
            ("wamid.A", "delivered", Some("16505551234"))
        );
        assert_eq!(a.at_ms, 1_700_000_000_000);
        let WebhookEvent::Status(b) = &events[1] else { panic!() };
        assert_eq!(b.code, Some(131047));
        assert!(b.reason.as_deref().unwrap().contains("more than 24 hours"));
        assert_eq!(events[2], WebhookEvent::Other { event_type: "message_template_status_update".into() });
    }

    #[test]
    fn inbound_types_get_wadesk_names_and_their_text() {
        let cases = [
            (
                r#""type":"image","image":{"id":"m1","mime_type":"image/jpeg","caption":"the crack"}"#,
                "image",
                Some("the crack"),
            ),
            (r#""type":"document","document":{"id":"m2","filename":"invoice.pdf"}"#, "file", Some("invoice.pdf")),
            (r#""type":"button","button":{"text":"Yes please","payload":"YES"}"#, "button_reply", Some("Yes please")),
            (
                r#""type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Tuesday"}}"#,
                "list_reply",
                Some("Tuesday"),
            ),
            (r#""type":"contacts","contacts":[{"name":{"formatted_name":"Ann"}}]"#, "contact", None),
            (r#""type":"unsupported""#, "unsupported", None),
        ];
        for (fields, kind, text) in cases {
            let body = format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messages":[{{"from":"16505551234","id":"wamid.X","timestamp":"1",{fields}}}]}}}}]}}]}}"#
            );
            let events = parse(body.as_bytes()).unwrap_or_else(|e| panic!("{fields}: {e}"));
            let WebhookEvent::Inbound(m) = &events[0] else { panic!() };
            assert_eq!((m.message_type.as_str(), m.text.as_deref()), (kind, text), "{fields}");
        }
    }

    #[test]
    fn bad_shapes_are_refused_with_the_field_named() {
        let wrap = |value: &str| {
            format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{value}}}]}}]}}"#
            )
        };
        let cases = [
            ("not json".to_owned(), "not JSON"),
            (r#"{"object":"page","entry":[]}"#.to_owned(), "object:"),
            (r#"{"object":"whatsapp_business_account"}"#.to_owned(), "entry: missing"),
            (r#"{"object":"whatsapp_business_account","entry":[{"id":"1"}]}"#.to_owned(), "entry[0].changes"),
            (wrap(r#"{"statuses":{}}"#), "value.statuses: not a list"),
            (wrap(r#"{"statuses":[{"status":"sent","timestamp":"1"}]}"#), "statuses[0].id: missing"),
            (wrap(r#"{"statuses":[{"id":"w","status":"sent","timestamp":"yesterday"}]}"#), "statuses[0].timestamp"),
            // Found by fuzzing: multiplying this by 1000 overflowed.
            (
                wrap(r#"{"statuses":[{"id":"w","status":"sent","timestamp":"000000000000120742230885833152"}]}"#),
                "timestamp",
            ),
            (wrap(r#"{"statuses":[{"id":"w","status":"se nt","timestamp":"1"}]}"#), "not a status word"),
            (wrap(r#"{"messages":[{"id":"w","from":"abc","timestamp":"1","type":"text"}]}"#), "messages[0].from"),
        ];
        for (body, want) in cases {
            let err = parse(body.as_bytes()).unwrap_err();
            assert!(err.contains(want), "{err:?} should mention {want:?}");
        }
    }
}
