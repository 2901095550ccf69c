//! Destination numbers: the seed's "international format without `+`, spaces, or brackets".
//!
//! People paste numbers with `+`, spaces, dashes, dots and brackets; those are removed. What is
//! left must be 8 to 15 digits (E.164's maximum) and must not start with 0 (a national prefix,
//! which the provider would read as a different country). Anything else is refused at the field.

use crate::error::{Error, Result};

/// The international digits of `raw`, or a field error for `field`.
pub fn normalize(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::Field(field.into(), "enter the customer's number".into()));
    }
    if let Some(bad) = raw.chars().find(|c| !(c.is_ascii_digit() || " +-().".contains(*c))) {
        let shown = if bad.is_control() { "a control character".to_owned() } else { format!("{bad:?}") };
        return Err(Error::Field(field.into(), format!("a phone number has only digits; found {shown}")));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.starts_with('0') {
        return Err(Error::Field(
            field.into(),
            "use the international format with the country code and no leading 0 (e.g. 421233221242)".into(),
        ));
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(Error::Field(
            field.into(),
            format!("an international number has 8 to 15 digits with the country code; this has {}", digits.len()),
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_numbers_are_normalised() {
        assert_eq!(normalize("to", " +421 (233) 221-242 ").unwrap(), "421233221242");
        assert_eq!(normalize("to", "15550000001").unwrap(), "15550000001");
    }

    #[test]
    fn bad_numbers_get_a_reason_at_the_field() {
        for (raw, want) in [
            ("", "enter"),
            ("0911 222 333", "leading 0"),
            ("12345", "8 to 15"),
            ("1234567890123456", "8 to 15"),
            ("42123x3221242", "only digits"),
            ("4212\n33221242", "control"),
        ] {
            match normalize("to", raw) {
                Err(Error::Field(f, m)) => assert!(f == "to" && m.contains(want), "{raw:?}: {m}"),
                other => panic!("{raw:?}: {other:?}"),
            }
        }
    }
}
