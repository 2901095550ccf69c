//! Reading the fields of a provider's JSON: shared by every webhook parser, so each refuses the
//! same things the same way (an id with spaces, a phone number with letters, control characters
//! in text meant for one line).

use serde_json::{Map, Value};

/// Longest id accepted from a webhook.
pub(crate) const MAX_ID: usize = 200;
/// Longest text kept from one event field.
pub(crate) const MAX_TEXT: usize = 8192;

/// A non-blank string field; the error names the field.
pub(crate) fn string(m: &Map<String, Value>, key: &str) -> Result<String, String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("{key}: empty")),
        Some(_) => Err(format!("{key}: not a string")),
        None => Err(format!("{key}: missing")),
    }
}

/// A string field that is an id: at most [`MAX_ID`] bytes, no whitespace or control characters.
/// `path` prefixes the field's name in the error.
pub(crate) fn id(m: &Map<String, Value>, path: &str, key: &str) -> Result<String, String> {
    let v = string(m, key).map_err(|e| format!("{path}{e}"))?;
    if v.len() > MAX_ID || v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("{path}{key}: not an id"));
    }
    Ok(v)
}

/// Digits of a phone number given as a string (`+` and separators allowed) or a number.
pub(crate) fn phone(v: &Value) -> Option<String> {
    let raw = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let clean = raw.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    (clean && (6..=20).contains(&digits.len())).then_some(digits)
}

/// `s` on one line: control characters become spaces, at most `max` characters, trimmed.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect::<String>().trim().to_owned()
}

/// Whether `s` can be a status word (`sent`, `delivered`, `read`, `failed`, …).
pub(crate) fn is_status_word(s: &str) -> bool {
    s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
