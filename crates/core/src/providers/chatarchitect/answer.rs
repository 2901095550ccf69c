//! Reading ChatArchitect's answers the same way for both of its APIs (Partner and messaging):
//! the `{"status":"error","message"}` error shape, and reqwest's errors without the URL.

/// The provider's message from an error answer (the seed's shape), else the status's reason. It
/// is shown to people, so it is kept to one short line.
pub(super) fn error_message(status: reqwest::StatusCode, body: &[u8]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    message.chars().filter(|c| !c.is_control()).take(300).collect()
}

pub(super) use crate::providers::http::root;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_message_is_one_short_line_else_the_status_reason() {
        let s = reqwest::StatusCode::UNAUTHORIZED;
        assert_eq!(error_message(s, br#"{"status":"error","message":"Invalid\nBearer token"}"#), "InvalidBearer token");
        assert_eq!(error_message(s, b"<html>"), "Unauthorized");
        assert_eq!(error_message(s, format!(r#"{{"message":"{}"}}"#, "x".repeat(500)).as_bytes()).len(), 300);
    }
}
