//! The Embedded Signup's result as the host page forwards it (PROVIDERS.md §6): Meta posts
//! `WA_EMBEDDED_SIGNUP` with `FINISH` (`waba_id`, `phone_number_id`), `FINISH_ONLY_WABA`
//! (`waba_id`), `CANCEL` (`current_step`) or `ERROR` (`error_message`, …) to the host page, which
//! checks Meta's origin and passes a reduced copy to the app as `wadesk.meta-signup`, with the
//! onboarding's `state`. The window checks the host page's origin and the frame; here the origin,
//! the type, the state (in constant time) and every id are checked again. A WABA from here is a
//! claim: 360dialog decides whether it was shared with the partner (step 3).

use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::providers::fields::one_line;

/// The host page's message type.
pub const MESSAGE_TYPE: &str = "wadesk.meta-signup";

/// What Meta's signup reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignupEvent {
    /// A WABA with a number (`FINISH`) or without (`FINISH_ONLY_WABA`).
    Finish {
        /// Meta's WABA id.
        waba_id: String,
        /// The number's id (absent for `FINISH_ONLY_WABA`).
        phone_number_id: Option<String>,
        /// The client's Business Manager id, when given.
        business_id: Option<String>,
    },
    /// The customer closed the flow.
    Cancel {
        /// The step they were at.
        current_step: Option<String>,
    },
    /// The flow failed.
    Error {
        /// Meta's words.
        message: Option<String>,
        /// Meta's code.
        code: Option<String>,
    },
}

/// A Meta id: digits in practice; at most 64 characters of letters, digits, `_` and `-`.
fn id(v: &Value, field: &str) -> Result<Option<String>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if crate::providers::d360::settings::valid_id(s) && s.len() <= 64 => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(Error::InvalidInput(format!("the signup's {field} is not an id"))),
    }
}

fn words(v: &Value, field: &str, max: usize) -> Option<String> {
    match v.get(field) {
        Some(Value::String(s)) => Some(one_line(s, max)).filter(|s| !s.is_empty()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the host page's message for the onboarding whose state is `state`.
pub fn read(data: &Value, state: &str) -> Result<SignupEvent> {
    if data.get("type").and_then(Value::as_str) != Some(MESSAGE_TYPE) {
        return Err(Error::InvalidInput("the message is not the signup host page's".into()));
    }
    let given = data.get("state").and_then(Value::as_str).unwrap_or("");
    if state.is_empty() || !bool::from(given.as_bytes().ct_eq(state.as_bytes())) {
        return Err(Error::InvalidInput("the signup message is about another onboarding".into()));
    }
    let event = data.get("event").and_then(Value::as_str).unwrap_or("");
    match event {
        "FINISH" | "FINISH_ONLY_WABA" => {
            let waba_id = id(data, "waba_id")?
                .ok_or_else(|| Error::InvalidInput("Meta's signup finished without a WABA id".into()))?;
            let phone_number_id = if event == "FINISH" { id(data, "phone_number_id")? } else { None };
            Ok(SignupEvent::Finish { waba_id, phone_number_id, business_id: id(data, "business_id")? })
        }
        "CANCEL" => Ok(SignupEvent::Cancel { current_step: words(data, "current_step", 80) }),
        "ERROR" => {
            Ok(SignupEvent::Error { message: words(data, "error_message", 300), code: words(data, "error_code", 40) })
        }
        other => Err(Error::InvalidInput(format!("unknown signup event {:?}", one_line(other, 40)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_outcome_is_read_and_anything_foreign_is_refused() {
        let m = |v: Value| read(&v, "st4te");
        let finish = m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "FINISH",
            "waba_id": "102290129340398", "phone_number_id": "106540352242922", "business_id": "1"}))
        .unwrap();
        assert_eq!(
            finish,
            SignupEvent::Finish {
                waba_id: "102290129340398".into(),
                phone_number_id: Some("106540352242922".into()),
                business_id: Some("1".into())
            }
        );
        let only = m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "FINISH_ONLY_WABA",
            "waba_id": "1", "phone_number_id": "2"}))
        .unwrap();
        assert!(matches!(only, SignupEvent::Finish { phone_number_id: None, .. }));
        let cancel =
            m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "CANCEL", "current_step": "PHONE\nNUMBER"}))
                .unwrap();
        assert_eq!(cancel, SignupEvent::Cancel { current_step: Some("PHONE NUMBER".into()) });
        let error = m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "ERROR", "error_message": "x",
            "error_code": 524126}))
        .unwrap();
        assert_eq!(error, SignupEvent::Error { message: Some("x".into()), code: Some("524126".into()) });

        assert!(m(json!({"type": "WA_EMBEDDED_SIGNUP", "state": "st4te", "event": "FINISH", "waba_id": "1"})).is_err());
        assert!(m(json!({"type": MESSAGE_TYPE, "state": "other", "event": "FINISH", "waba_id": "1"})).is_err());
        assert!(m(json!({"type": MESSAGE_TYPE, "event": "FINISH", "waba_id": "1"})).is_err());
        assert!(m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "FINISH"})).is_err());
        assert!(m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "FINISH", "waba_id": "1/../2"})).is_err());
        assert!(m(json!({"type": MESSAGE_TYPE, "state": "st4te", "event": "DONE", "waba_id": "1"})).is_err());
        assert!(read(&json!({"type": MESSAGE_TYPE, "state": "", "event": "CANCEL"}), "").is_err());
    }
}
