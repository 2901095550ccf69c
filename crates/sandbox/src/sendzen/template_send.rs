//! Checks the `components` of a template send against the catalogue template, as Meta does before
//! accepting it, and fills the body in for the sent log.
//!
//! Components are Meta's (PROVIDERS.md §2/§6, SendZen's n8n template builder): `{"type": "header" |
//! "body" | "button", "parameters": [...]}`, buttons with `sub_type` (`url`, `quick_reply`) and
//! `index` (a number or a numeric string). Rules:
//! - the body takes exactly one parameter per distinct variable, `{"type": "text", "text"}` (also
//!   `currency` / `date_time` with a `fallback_value`); positional templates take them in order and
//!   without `parameter_name`; named templates need a `parameter_name` on each, naming each
//!   variable once (order free);
//! - a text header with variables takes them the same way; a media header takes one parameter of
//!   its type (`{"type": "image", "image": {"link": <http(s) URL>}}` or `{"id"}`); a template
//!   without a header takes no header component;
//! - a URL button whose `url` has a variable takes one text parameter; a quick-reply button may
//!   take one `payload` parameter; nothing else takes button components;
//! - parameter text may not hold a new line or a tab (Meta's rule), and is at most
//!   [`MAX_PARAMETER`] characters.
//!
//! Count errors are Meta's #132000, format errors #132012; both are answered synchronously with
//! 400, the Meta text quoted in `details`.

use serde_json::{Map, Value};

use super::catalogue::{placeholders, Button, Format, Header, Template};
use super::error::{ApiError, CODE_PARAMETER_COUNT, CODE_PARAMETER_FORMAT};

/// Longest parameter text accepted, in characters.
pub(crate) const MAX_PARAMETER: usize = 1024;

const COUNT: &str = "(#132000) Number of parameters does not match the expected number of params";
const FORMAT: &str = "(#132012) Parameter format does not match format in the created template";

/// The components a send gave, by kind.
#[derive(Default)]
struct Given<'a> {
    header: Option<&'a [Value]>,
    body: Option<&'a [Value]>,
    buttons: Vec<(usize, &'a str, &'a [Value])>,
}

/// Checks `components` (the send's `template.components`) against `t`; returns the body text with
/// its variables filled in.
pub(crate) fn check(t: &Template, components: Option<&Value>) -> Result<String, ApiError> {
    let given = split(components)?;
    check_header(t, given.header)?;
    let names = placeholders(t.body);
    let values = text_values(t, "body", &names, given.body.unwrap_or(&[]))?;
    check_buttons(t, &given.buttons)?;
    let mut text = t.body.to_owned();
    for (name, value) in names.iter().zip(values) {
        text = text.replace(&format!("{{{{{name}}}}}"), &value);
    }
    Ok(text)
}

fn split(components: Option<&Value>) -> Result<Given<'_>, ApiError> {
    let list = match components {
        None | Some(Value::Null) => return Ok(Given::default()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(ApiError::field("template.components must be an array")),
    };
    let mut given = Given::default();
    for c in list {
        let c = c.as_object().ok_or_else(|| ApiError::field("Each template component must be an object"))?;
        let params = match c.get("parameters") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(p)) => p.as_slice(),
            Some(_) => return Err(ApiError::field("component parameters must be an array")),
        };
        let kind = c.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase);
        match kind.as_deref() {
            Some("header") if given.header.is_none() => given.header = Some(params),
            Some("body") if given.body.is_none() => given.body = Some(params),
            Some("header" | "body") => return Err(ApiError::field("Each of header and body may be given once")),
            Some("button") => given.buttons.push(button_component(c, params)?),
            _ => return Err(ApiError::field("component type must be header, body or button")),
        }
    }
    Ok(given)
}

fn button_component<'a>(
    c: &'a Map<String, Value>,
    params: &'a [Value],
) -> Result<(usize, &'a str, &'a [Value]), ApiError> {
    let index = match c.get("index") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        _ => None,
    }
    .and_then(|n| usize::try_from(n).ok())
    .ok_or_else(|| ApiError::field("button component index must be a non-negative integer"))?;
    let sub_type =
        c.get("sub_type").and_then(Value::as_str).ok_or_else(|| ApiError::field("button component needs sub_type"))?;
    Ok((index, sub_type, params))
}

fn check_header(t: &Template, given: Option<&[Value]>) -> Result<(), ApiError> {
    match (t.header, given) {
        (None, None) => Ok(()),
        (None, Some(_)) => {
            Err(ApiError::invalid(CODE_PARAMETER_COUNT, format!("{COUNT}: template {} has no header", t.name)))
        }
        (Some(Header::Text(text)), given) => {
            text_values(t, "header", &placeholders(text), given.unwrap_or(&[])).map(|_| ())
        }
        (Some(Header::Media(format)), given) => media_parameter(t, &format.to_ascii_lowercase(), given.unwrap_or(&[])),
    }
}

/// The one media parameter of an IMAGE/VIDEO/DOCUMENT header.
fn media_parameter(t: &Template, kind: &str, params: &[Value]) -> Result<(), ApiError> {
    if params.len() != 1 {
        return Err(ApiError::invalid(
            CODE_PARAMETER_COUNT,
            format!("{COUNT}: template {} header expects 1 {kind} parameter, got {}", t.name, params.len()),
        ));
    }
    let p = &params[0];
    if p.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(ApiError::invalid(
            CODE_PARAMETER_FORMAT,
            format!("{FORMAT}: template {} header takes a parameter of type {kind}", t.name),
        ));
    }
    let media = p.get(kind).and_then(Value::as_object);
    let link_ok = media.and_then(|m| m.get("link")).and_then(Value::as_str).is_some_and(is_http_url);
    let id_ok = media.and_then(|m| m.get("id")).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty());
    if link_ok || id_ok {
        Ok(())
    } else {
        Err(ApiError::field(format!("header {kind} parameter needs {kind}.link (an http(s) URL) or {kind}.id")))
    }
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// The values of `names` from text parameters, in `names` order, by the template's format.
fn text_values(t: &Template, place: &str, names: &[&str], params: &[Value]) -> Result<Vec<String>, ApiError> {
    if params.len() != names.len() {
        return Err(ApiError::invalid(
            CODE_PARAMETER_COUNT,
            format!("{COUNT}: template {} {place} expects {}, got {}", t.name, names.len(), params.len()),
        ));
    }
    let mut values: Vec<Option<String>> = vec![None; names.len()];
    for (i, p) in params.iter().enumerate() {
        let value = text_of(p, place)?;
        let given_name = p.get("parameter_name");
        let slot = match (t.format, given_name) {
            (Format::Positional, None | Some(Value::Null)) => i,
            (Format::Positional, Some(_)) => {
                return Err(format_error(t, "uses positional parameters: remove parameter_name"));
            }
            (Format::Named, Some(Value::String(n))) => {
                names.iter().position(|x| x == n).ok_or_else(|| format_error(t, &format!("has no parameter {n:?}")))?
            }
            (Format::Named, _) => {
                return Err(format_error(t, "uses named parameters: every parameter needs parameter_name"))
            }
        };
        if values[slot].replace(value).is_some() {
            return Err(format_error(t, &format!("{place} parameter {} is given twice", names[slot])));
        }
    }
    Ok(values.into_iter().map(Option::unwrap_or_default).collect())
}

fn format_error(t: &Template, what: &str) -> ApiError {
    ApiError::invalid(CODE_PARAMETER_FORMAT, format!("{FORMAT}: template {} {what}", t.name))
}

/// The text a `text`, `currency` or `date_time` parameter stands for.
fn text_of(p: &Value, place: &str) -> Result<String, ApiError> {
    let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
    let text = match kind {
        "text" => p.get("text").and_then(Value::as_str),
        "currency" | "date_time" => p.get(kind).and_then(|v| v.get("fallback_value")).and_then(Value::as_str),
        _ => return Err(ApiError::field(format!("{place} parameters must be of type text, currency or date_time"))),
    };
    let text = text.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        ApiError::field(format!(
            "{place} {kind} parameter needs a non-empty {}",
            if kind == "text" { "text" } else { "fallback_value" }
        ))
    })?;
    if text.contains(['\n', '\t']) {
        return Err(ApiError::field("(#100) Param text cannot have new-line/tab characters"));
    }
    if text.chars().count() > MAX_PARAMETER {
        return Err(ApiError::field(format!("parameter text must be at most {MAX_PARAMETER} characters")));
    }
    Ok(text.to_owned())
}

fn check_buttons(t: &Template, given: &[(usize, &str, &[Value])]) -> Result<(), ApiError> {
    for (i, button) in t.buttons.iter().enumerate() {
        let mine: Vec<_> = given.iter().filter(|(index, ..)| *index == i).collect();
        if mine.len() > 1 {
            return Err(ApiError::field(format!("button index {i} is given twice")));
        }
        match (button, mine.first()) {
            (Button::Url { url, .. }, g) if !placeholders(url).is_empty() => {
                let Some((_, "url", params)) = g else {
                    return Err(ApiError::invalid(
                        CODE_PARAMETER_COUNT,
                        format!("{COUNT}: template {} button {i} needs a url component with 1 parameter", t.name),
                    ));
                };
                text_values(t, "button", &placeholders(url), params)?;
            }
            (Button::QuickReply(_), Some((_, "quick_reply", params))) => quick_reply(params)?,
            (_, None) => {}
            (_, Some((_, sub_type, _))) => {
                return Err(ApiError::field(format!(
                    "button {i} of template {} takes no {sub_type} component",
                    t.name
                )));
            }
        }
    }
    match given.iter().find(|(index, ..)| *index >= t.buttons.len()) {
        Some((index, ..)) => Err(ApiError::field(format!("template {} has no button {index}", t.name))),
        None => Ok(()),
    }
}

fn quick_reply(params: &[Value]) -> Result<(), ApiError> {
    let ok = params.len() == 1
        && params[0].get("type").and_then(Value::as_str) == Some("payload")
        && params[0].get("payload").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ApiError::field("a quick_reply button takes one {\"type\": \"payload\", \"payload\"} parameter"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sendzen::catalogue::{find, TEMPLATE_CUSTOMER_GREETING, TEMPLATE_NEW_COLLECTION, TEMPLATE_ORDER_UPDATE};
    use serde_json::json;

    fn body(params: Value) -> Value {
        json!([{ "type": "body", "parameters": params }])
    }

    fn code(r: Result<String, ApiError>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn positional_bodies_fill_in_order_and_count_exactly() {
        let t = find(TEMPLATE_ORDER_UPDATE, "en_US").unwrap();
        let url = json!({ "type": "button", "sub_type": "url", "index": 0, "parameters": [{ "type": "text", "text": "ABC123" }] });
        let mut ok = body(
            json!([{ "type": "text", "text": "Maria" }, { "type": "text", "text": "ABC123" }, { "type": "text", "text": "Friday" }]),
        );
        ok.as_array_mut().unwrap().push(url.clone());
        assert_eq!(
            check(t, Some(&ok)).unwrap(),
            "Hi Maria, your order ABC123 has shipped and should arrive on Friday."
        );
        let mut short = body(json!([{ "type": "text", "text": "Maria" }]));
        short.as_array_mut().unwrap().push(url);
        assert_eq!(code(check(t, Some(&short))), CODE_PARAMETER_COUNT);
        let no_button = body(
            json!([{ "type": "text", "text": "a" }, { "type": "text", "text": "b" }, { "type": "text", "text": "c" }]),
        );
        assert_eq!(code(check(t, Some(&no_button))), CODE_PARAMETER_COUNT, "the URL variable is required");
        let p = |n: &str| json!({ "type": "text", "text": "a", "parameter_name": n });
        let mut named = body(json!([p("1"), p("2"), p("3")]));
        named.as_array_mut().unwrap().push(json!({ "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": "A" }] }));
        assert_eq!(code(check(t, Some(&named))), CODE_PARAMETER_FORMAT);
    }

    #[test]
    fn named_bodies_need_every_name_once_in_any_order() {
        let t = find(TEMPLATE_CUSTOMER_GREETING, "en_US").unwrap();
        let p = |name: &str, text: &str| json!({ "type": "text", "text": text, "parameter_name": name });
        let ok = body(json!([p("discount_code", "W10"), p("customer_name", "Ann"), p("shop_name", "Shop")]));
        assert_eq!(check(t, Some(&ok)).unwrap(), "Hello Ann, welcome to Shop! Your discount code is W10.");
        let unknown = body(json!([p("discount_code", "W10"), p("customer", "Ann"), p("shop_name", "Shop")]));
        assert_eq!(code(check(t, Some(&unknown))), CODE_PARAMETER_FORMAT);
        let twice = body(json!([p("shop_name", "W10"), p("customer_name", "Ann"), p("shop_name", "Shop")]));
        assert_eq!(code(check(t, Some(&twice))), CODE_PARAMETER_FORMAT);
        let positional = body(
            json!([{ "type": "text", "text": "a" }, { "type": "text", "text": "b" }, { "type": "text", "text": "c" }]),
        );
        assert_eq!(code(check(t, Some(&positional))), CODE_PARAMETER_FORMAT);
        let newline = body(json!([p("discount_code", "W\n10"), p("customer_name", "Ann"), p("shop_name", "Shop")]));
        assert!(check(t, Some(&newline)).unwrap_err().details.contains("new-line"));
    }

    #[test]
    fn media_headers_need_their_media() {
        let t = find(TEMPLATE_NEW_COLLECTION, "en_US").unwrap();
        let text = json!({ "type": "body", "parameters": [{ "type": "text", "text": "Maria" }] });
        assert_eq!(code(check(t, Some(&json!([text])))), CODE_PARAMETER_COUNT);
        let image = json!({ "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://x.example/a.png" } }] });
        assert!(check(t, Some(&json!([image, text]))).is_ok());
        let video = json!({ "type": "header", "parameters": [{ "type": "video", "video": { "link": "https://x.example/a.mp4" } }] });
        assert_eq!(code(check(t, Some(&json!([video, text])))), CODE_PARAMETER_FORMAT);
        let no_link = json!({ "type": "header", "parameters": [{ "type": "image", "image": { "link": "ftp://x" } }] });
        assert!(check(t, Some(&json!([no_link, text]))).is_err());
        let extra = json!({ "type": "button", "sub_type": "url", "index": 0, "parameters": [] });
        assert!(check(t, Some(&json!([image, text, extra]))).is_err(), "a static URL button takes no component");
    }
}
