//! An inbound message's payload read by type (Gupshup-v2 shapes, which ChatArchitect's envelope
//! copies: PROVIDERS.md §1 "Inference"), and the text search finds in it.
//!
//! Reading is lenient where the shape is an assumption and never fails: a payload that does not fit
//! its type, or a type this version does not know, becomes [`InboundContent::Unknown`], shown with
//! its raw JSON. The media URL is not part of the content: it stays in core and opens through
//! [`media_url`], so the webview never holds a provider link (some carry access tokens).

use serde_json::{Map, Value};

use super::{ContactCard, InboundContent, MediaKind, ReplyKind};

/// Longest field kept from a payload, in characters.
const MAX_FIELD: usize = 4096;

/// The content of an inbound message of type `message_type` with payload `raw_json`.
pub fn read(message_type: &str, raw_json: &str) -> InboundContent {
    let Ok(Value::Object(p)) = serde_json::from_str::<Value>(raw_json) else {
        return unknown("the payload is not a JSON object");
    };
    let content = match message_type {
        "text" => s(&p, "text").map(|text| InboundContent::Text { text }),
        "image" => media(&p, MediaKind::Image),
        "video" => media(&p, MediaKind::Video),
        "audio" | "voice" => media(&p, MediaKind::Audio),
        "file" | "document" => media(&p, MediaKind::File),
        "sticker" => media(&p, MediaKind::Sticker),
        "location" => location(&p),
        "contact" | "contacts" => contacts(&p),
        "button_reply" | "quick_reply" => reply(&p, ReplyKind::Button),
        "list_reply" => reply(&p, ReplyKind::List),
        other => {
            return unknown(&format!("\"{}\" messages are not known to this version", one_line(other, 40)));
        }
    };
    content.unwrap_or_else(|| unknown(&format!("this {message_type} message does not have the expected fields")))
}

/// The text search finds in `content`.
pub fn search_text(content: &InboundContent) -> String {
    match content {
        InboundContent::Text { text } => text.clone(),
        InboundContent::Media { caption, file_name, .. } => {
            [caption.as_deref(), file_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }
        InboundContent::Location { name, address, .. } => {
            [name.as_deref(), address.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }
        InboundContent::Contacts { cards } => cards
            .iter()
            .flat_map(|c| std::iter::once(c.name.clone()).chain(c.phones.iter().cloned()))
            .collect::<Vec<_>>()
            .join(" "),
        InboundContent::Reply { title, description, .. } => {
            [Some(title.as_str()), description.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }
        InboundContent::Unknown { .. } => String::new(),
    }
}

/// One line for the conversation list and notifications.
pub fn preview(content: &InboundContent) -> String {
    let line = match content {
        InboundContent::Text { text } => text.clone(),
        InboundContent::Media { media, caption, file_name, .. } => {
            let label = match media {
                MediaKind::Image => "Photo",
                MediaKind::Video => "Video",
                MediaKind::Audio => "Audio",
                MediaKind::File => "Document",
                MediaKind::Sticker => "Sticker",
            };
            match caption.as_deref().or(file_name.as_deref()) {
                Some(t) => format!("{label}: {t}"),
                None => label.to_owned(),
            }
        }
        InboundContent::Location { name, .. } => match name {
            Some(n) => format!("Location: {n}"),
            None => "Location".to_owned(),
        },
        InboundContent::Contacts { cards } => match cards.as_slice() {
            [one] => format!("Contact: {}", one.name),
            many => format!("{} contacts", many.len()),
        },
        InboundContent::Reply { title, .. } => title.clone(),
        InboundContent::Unknown { .. } => "Message of a type this version does not show".to_owned(),
    };
    one_line(&line, 200)
}

/// The media link of a media payload, when it is one this app may open: https, or http on
/// loopback (a sandbox on this machine). Anything else is refused with a reason.
pub fn media_url(raw_json: &str) -> Result<String, String> {
    let p: Value = serde_json::from_str(raw_json).map_err(|_| "the message's payload is not JSON".to_owned())?;
    let raw = ["url", "originalUrl", "link"]
        .iter()
        .find_map(|k| p.get(*k).and_then(Value::as_str))
        .ok_or("this message has no media link")?;
    let url = url::Url::parse(raw).map_err(|_| "the media link is not a valid URL".to_owned())?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url.into()),
        "http" if loopback => Ok(url.into()),
        other => Err(format!("media links are opened only over https (this one is {other})")),
    }
}

fn unknown(note: &str) -> InboundContent {
    InboundContent::Unknown { note: note.to_owned() }
}

fn s(p: &Map<String, Value>, key: &str) -> Option<String> {
    p.get(key).and_then(Value::as_str).map(|v| v.chars().take(MAX_FIELD).collect::<String>()).filter(|v| !v.is_empty())
}

fn media(p: &Map<String, Value>, media: MediaKind) -> Option<InboundContent> {
    let url = ["url", "originalUrl", "link"].iter().find_map(|k| p.get(*k).and_then(Value::as_str));
    let url_host = url.and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_owned));
    let caption = s(p, "caption");
    let file_name = s(p, "name").or_else(|| s(p, "filename"));
    if url.is_none() && caption.is_none() && file_name.is_none() {
        return None;
    }
    Some(InboundContent::Media { media, caption, file_name, content_type: s(p, "contentType"), url_host })
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn location(p: &Map<String, Value>) -> Option<InboundContent> {
    let latitude = number(p.get("latitude")).filter(|l| (-90.0..=90.0).contains(l))?;
    let longitude = number(p.get("longitude")).filter(|l| (-180.0..=180.0).contains(l))?;
    Some(InboundContent::Location { latitude, longitude, name: s(p, "name"), address: s(p, "address") })
}

fn contacts(p: &Map<String, Value>) -> Option<InboundContent> {
    let list = p.get("contacts").and_then(Value::as_array)?;
    let cards: Vec<ContactCard> = list
        .iter()
        .filter_map(Value::as_object)
        .map(|c| {
            let name = match c.get("name") {
                Some(Value::Object(n)) => s(n, "formatted_name")
                    .or_else(|| {
                        let parts: Vec<String> = ["first_name", "last_name"].iter().filter_map(|k| s(n, k)).collect();
                        (!parts.is_empty()).then(|| parts.join(" "))
                    })
                    .unwrap_or_default(),
                Some(Value::String(n)) => n.clone(),
                _ => String::new(),
            };
            let phones = c
                .get("phones")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().filter_map(|ph| ph.as_object().and_then(|o| s(o, "phone"))).collect())
                .unwrap_or_default();
            ContactCard { name, phones }
        })
        .collect();
    (!cards.is_empty()).then_some(InboundContent::Contacts { cards })
}

fn reply(p: &Map<String, Value>, reply: ReplyKind) -> Option<InboundContent> {
    let title = s(p, "title").or_else(|| s(p, "text")).or_else(|| s(p, "reply"))?;
    Some(InboundContent::Reply {
        reply,
        title,
        option_id: s(p, "id").or_else(|| s(p, "postbackText")),
        description: s(p, "description"),
    })
}

fn one_line(s: &str, max: usize) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sandbox_type_reads_as_its_content() {
        let image = read("image", r#"{"url":"https://m.example/p.png","caption":"A photo","contentType":"image/png"}"#);
        assert_eq!(
            image,
            InboundContent::Media {
                media: MediaKind::Image,
                caption: Some("A photo".into()),
                file_name: None,
                content_type: Some("image/png".into()),
                url_host: Some("m.example".into())
            }
        );
        let file = read("file", r#"{"url":"https://m.example/a.pdf","name":"invoice.pdf"}"#);
        assert!(
            matches!(file, InboundContent::Media { media: MediaKind::File, ref file_name, .. } if file_name.as_deref() == Some("invoice.pdf"))
        );
        assert!(matches!(read("location", r#"{"latitude":48.1,"longitude":"17.1"}"#), InboundContent::Location { .. }));
        let card = read(
            "contact",
            r#"{"contacts":[{"name":{"first_name":"Jane","last_name":"Doe"},"phones":[{"phone":"+1555"}]}]}"#,
        );
        assert_eq!(search_text(&card), "Jane Doe +1555");
        let list = read("list_reply", r#"{"title":"Tuesday","id":"slot-2","description":"Morning"}"#);
        assert_eq!(preview(&list), "Tuesday");
        assert!(matches!(list, InboundContent::Reply { reply: ReplyKind::List, .. }));
        assert!(matches!(
            read("button_reply", r#"{"title":"Yes","id":"yes"}"#),
            InboundContent::Reply { reply: ReplyKind::Button, .. }
        ));
    }

    #[test]
    fn unknown_types_and_misfits_are_kept_as_unknown_not_dropped() {
        assert!(
            matches!(read("reaction", r#"{"emoji":"👍"}"#), InboundContent::Unknown { ref note } if note.contains("reaction"))
        );
        assert!(matches!(read("location", r#"{"latitude":500,"longitude":1}"#), InboundContent::Unknown { .. }));
        assert!(matches!(read("text", "[1,2]"), InboundContent::Unknown { .. }));
        assert_eq!(search_text(&read("reaction", "{}")), "");
    }

    #[test]
    fn media_opens_only_over_https_or_loopback() {
        assert_eq!(media_url(r#"{"url":"https://cdn.example/x.png"}"#).unwrap(), "https://cdn.example/x.png");
        assert!(media_url(r#"{"url":"http://127.0.0.1:9/_sandbox/media/sample.png"}"#).is_ok());
        assert!(media_url(r#"{"url":"http://evil.example/x"}"#).unwrap_err().contains("https"));
        assert!(media_url(r#"{"url":"file:///etc/passwd"}"#).is_err());
        assert!(media_url(r#"{"url":"javascript:alert(1)"}"#).is_err());
        assert!(media_url(r#"{"text":"hi"}"#).is_err());
    }
}
