//! Meta template objects (PROVIDERS.md §2 and §6), as SendZen and 360dialog list them:
//! `{name, language, status, category, parameter_format?, components[{type: HEADER|BODY|FOOTER|BUTTONS, …}]}`.
//!
//! Wadesk's template model is the numbered one of seed 000 (`{{1}}`, `{{2}}`, …), which the
//! preview, the variable mapping and bulk send all use. A positional Meta template already is one.
//! A named one (`{{customer_name}}`) is numbered in order of first appearance, and the names are
//! kept beside the numbers: the send gives each value its `parameter_name`, and the screens show
//! the name.
//!
//! A template this version cannot send is listed as unusable with the reason: not approved yet,
//! a media header (the send would need a media link), or variables outside the body (header text,
//! URL buttons). What is sent is [`MetaSend`]: the name, the language and the body parameters in
//! order, as JSON in the message's payload, so a retry or a bulk run sends the same thing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::templates::syntax::{ParsedTemplate, SendForm, MAX_BODY_CHARS, MAX_PLACEHOLDER};

/// Longest template name accepted (Meta allows 512).
const MAX_NAME: usize = 512;

/// A Meta template read into Wadesk's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaTemplate {
    /// `name:language`, unique within an account (one name exists in several languages).
    pub id: String,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`, as spelled.
    pub category: String,
    /// `TEXT`, or the header's media format.
    pub media: String,
    /// The numbered form, or why it cannot be sent.
    pub parsed: Result<ParsedTemplate, String>,
}

/// What a Meta-style client sends for a template (the message payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaSend {
    /// The template's name.
    pub name: String,
    /// Its language code (`en_US`).
    pub language: String,
    /// The body parameters, in placeholder order.
    pub body: Vec<MetaParam>,
}

/// One body parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaParam {
    /// The value.
    pub text: String,
    /// Its name, for a template with named parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_name: Option<String>,
}

/// A stored send payload (`filled_raw`) back as its template send; another provider's payload
/// (seed 000's filled text) is refused with what to do.
pub(crate) fn stored_send(filled_raw: &str) -> crate::error::Result<MetaSend> {
    serde_json::from_str(filled_raw).map_err(|_| {
        crate::error::Error::InvalidInput(
            "this message was prepared for another provider's template model; send it again from the template".into(),
        )
    })
}

/// The Meta `components` of a template send: one body component with a text parameter per value
/// (named templates add `parameter_name`), or none for a template without variables.
pub(crate) fn body_components(send: &MetaSend) -> Option<Value> {
    if send.body.is_empty() {
        return None;
    }
    let parameters: Vec<Value> = send
        .body
        .iter()
        .map(|p| match &p.parameter_name {
            Some(name) => serde_json::json!({ "type": "text", "text": p.text, "parameter_name": name }),
            None => serde_json::json!({ "type": "text", "text": p.text }),
        })
        .collect();
    Some(serde_json::json!([{ "type": "body", "parameters": parameters }]))
}

/// Reads one template object. Only a value that is not an object with a name and a language is an
/// error; everything else becomes a template, usable or not.
pub fn read(v: &Value) -> Result<MetaTemplate, String> {
    let t = v.as_object().ok_or("a template is not a JSON object")?;
    let name = text_field(t, "name").filter(|n| n.len() <= MAX_NAME && !n.chars().any(char::is_control));
    let name = name.ok_or("a template has no usable name")?;
    let language = match t.get("language") {
        Some(Value::String(s)) => Some(s.clone()),
        // Meta's own API nests it on send; some listings do too.
        Some(Value::Object(l)) => l.get("code").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let language = language
        .filter(|l| {
            (2..=15).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .ok_or_else(|| format!("template {name:?} has no usable language"))?;
    let category = text_field(t, "category").unwrap_or_else(|| "UNKNOWN".into());
    let components = t.get("components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let header = component(components, "HEADER");
    let media = header.and_then(|h| text_field(h, "format")).map(|f| f.to_ascii_uppercase()).unwrap_or("TEXT".into());
    let id = format!("{name}:{language}");
    let parsed = numbered(t, components, &media).map(|(body, placeholders, names)| ParsedTemplate {
        id: id.clone(),
        body,
        placeholders,
        form: SendForm::Meta { name: name.clone(), language: language.clone(), names },
    });
    Ok(MetaTemplate { id, category, media, parsed })
}

/// The body in numbered form, its numbers and (named templates) the names; or why not sendable.
fn numbered(
    t: &Map<String, Value>,
    components: &[Value],
    media: &str,
) -> Result<(String, Vec<u32>, Vec<String>), String> {
    let status = text_field(t, "status").unwrap_or_default().to_ascii_uppercase();
    if status != "APPROVED" {
        let status = if status.is_empty() { "no status".to_owned() } else { status };
        return Err(format!("not approved by Meta yet ({status})"));
    }
    if media != "TEXT" {
        return Err(format!("a {} header needs a media link, which this version cannot add yet", media.to_lowercase()));
    }
    if let Some(h) = component(components, "HEADER").and_then(|h| text_field(h, "text")) {
        if h.contains("{{") {
            return Err("its header has variables, which this version cannot fill yet".into());
        }
    }
    let buttons = component(components, "BUTTONS").and_then(|b| b.get("buttons")).and_then(Value::as_array);
    if buttons.is_some_and(|b| b.iter().any(|b| b.get("url").and_then(Value::as_str).is_some_and(|u| u.contains("{{"))))
    {
        return Err("a button link has a variable, which this version cannot fill yet".into());
    }
    let body = component(components, "BODY").and_then(|b| text_field(b, "text")).ok_or("it has no body text")?;
    if body.chars().count() > MAX_BODY_CHARS || body.chars().any(|c| c.is_control() && !"\n\r\t".contains(c)) {
        return Err("its body text is too long or holds control characters".into());
    }
    renumber(&body)
}

/// `{{1}}`… stay as they are; `{{name}}`… become `{{1}}`… in order of first appearance. A body
/// must use one kind, and every `{{` must open a placeholder.
fn renumber(body: &str) -> Result<(String, Vec<u32>, Vec<String>), String> {
    let (mut out, mut numbers, mut names) = (String::with_capacity(body.len()), Vec::new(), Vec::<String>::new());
    let mut named: Option<bool> = None;
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or("a '{{' in its body is not closed")?;
        let inner = &after[..close];
        let unreadable = || format!("its body has a placeholder {{{{{inner}}}}} this version cannot read");
        let is_number =
            inner.parse::<u32>().is_ok_and(|n| (1..=MAX_PLACEHOLDER).contains(&n)) && !inner.starts_with('0');
        let is_name = !inner.is_empty()
            && inner.len() <= 60
            && inner.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !inner.bytes().all(|b| b.is_ascii_digit());
        // One kind per body: Meta's parameter_format is either positional or named.
        if !(is_number || is_name) || *named.get_or_insert(is_name) != is_name {
            return Err(unreadable());
        }
        let n = if is_number {
            inner.parse::<u32>().map_err(|_| unreadable())?
        } else {
            match names.iter().position(|x| x == inner) {
                Some(i) => i as u32 + 1,
                None => {
                    names.push(inner.to_owned());
                    names.len() as u32
                }
            }
        };
        if !numbers.contains(&n) {
            numbers.push(n);
        }
        out.push_str(&format!("{{{{{n}}}}}"));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    if sorted.iter().enumerate().any(|(i, n)| *n != i as u32 + 1) {
        return Err("its body's placeholders are not numbered 1, 2, 3… without gaps".into());
    }
    Ok((out, numbers, names))
}

/// The payload of a send: `values` are the checked values by placeholder number.
pub fn send_payload(name: &str, language: &str, names: &[String], order: &[u32], values: &[(u32, String)]) -> String {
    let mut numbers = order.to_vec();
    numbers.sort_unstable();
    let body = numbers
        .iter()
        .map(|n| MetaParam {
            text: values.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim().to_owned()).unwrap_or_default(),
            parameter_name: names.get(*n as usize - 1).cloned(),
        })
        .collect();
    let send = MetaSend { name: name.to_owned(), language: language.to_owned(), body };
    serde_json::to_string(&send).unwrap_or_default()
}

fn component<'a>(components: &'a [Value], kind: &str) -> Option<&'a Map<String, Value>> {
    components
        .iter()
        .filter_map(Value::as_object)
        .find(|c| c.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(kind)))
}

fn text_field(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn approved(body: &str) -> Value {
        json!({"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
               "components": [{"type": "BODY", "text": body}]})
    }

    #[test]
    fn a_positional_template_keeps_its_numbers() {
        let t = read(&approved("Hi {{1}}, order {{2}} ships {{1}}")).unwrap();
        assert_eq!((t.id.as_str(), t.category.as_str(), t.media.as_str()), ("order_update:en_US", "UTILITY", "TEXT"));
        let p = t.parsed.unwrap();
        assert_eq!((p.body.as_str(), p.placeholders.as_slice()), ("Hi {{1}}, order {{2}} ships {{1}}", &[1, 2][..]));
        assert_eq!(p.form, SendForm::Meta { name: "order_update".into(), language: "en_US".into(), names: vec![] });
    }

    #[test]
    fn a_named_template_is_numbered_in_order_and_sends_its_names() {
        let mut v = approved("Hello {{customer_name}}, your {{order_id}} is ready, {{customer_name}}!");
        v["parameter_format"] = json!("named");
        let p = read(&v).unwrap().parsed.unwrap();
        assert_eq!(p.body, "Hello {{1}}, your {{2}} is ready, {{1}}!");
        let SendForm::Meta { names, .. } = &p.form else { panic!() };
        assert_eq!(names, &["customer_name", "order_id"]);
        let payload =
            send_payload("order_update", "en_US", names, &p.placeholders, &[(2, " A-17 ".into()), (1, "Maria".into())]);
        let send: MetaSend = serde_json::from_str(&payload).unwrap();
        assert_eq!(send.body[0], MetaParam { text: "Maria".into(), parameter_name: Some("customer_name".into()) });
        assert_eq!(send.body[1], MetaParam { text: "A-17".into(), parameter_name: Some("order_id".into()) });
        assert!(!send_payload("n", "en", &[], &[1], &[(1, "x".into())]).contains("parameter_name"));
    }

    #[test]
    fn what_cannot_be_sent_is_listed_with_the_reason() {
        let mut pending = approved("Hi");
        pending["status"] = json!("PENDING");
        let mut image = approved("Hi {{1}}");
        image["components"] = json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hi {{1}}"}]);
        let mut url = approved("Track it");
        url["components"] = json!([{"type": "BODY", "text": "Track it"}, {"type": "BUTTONS", "buttons": [{"type": "URL", "url": "https://x.test/{{1}}"}]}]);
        let cases = [
            (pending, "not approved by Meta yet (PENDING)"),
            (image, "image header needs a media link"),
            (url, "button link has a variable"),
            (approved("Hi {{1}} and {{3}}"), "without gaps"),
            (approved("Hi {{ 1 }}"), "cannot read"),
            (approved("Hi {{1}} {{name}}"), "cannot read"),
            (approved("Hi {{1"), "not closed"),
        ];
        for (v, why) in cases {
            let t = read(&v).unwrap();
            let err = t.parsed.unwrap_err();
            assert!(err.contains(why), "{err:?} should say {why:?}");
        }
        assert_eq!(read(&json!({"name": "x", "language": "en", "status": "APPROVED"})).unwrap().media, "TEXT");
        assert!(read(&json!({"language": "en"})).is_err());
        assert!(read(&json!({"name": "x", "language": "e n"})).is_err());
        assert!(read(&json!("x")).is_err());
    }
}
