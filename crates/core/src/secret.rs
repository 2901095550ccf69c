//! A string that must never be shown: partner tokens, app secrets, API keys, passphrases.
//!
//! `Secret` zeroes its memory on drop, prints as `Secret(••••)` in Debug, and serialises only its
//! masked form, so a secret can reach a log line or the webview only through an explicit
//! [`Secret::expose`] call, which code review can find.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A secret string. See the module docs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The clear value. Only for the places that must use it (SQL parameters, auth headers, HMAC keys).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `••••` plus the last four characters, or only `••••` when the value is too short for the
    /// tail to be safe to show (fewer than 12 characters).
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "••••".to_owned();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••{tail}")
    }

    /// Number of characters.
    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(••••)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

/// A secret read from a provider's answer (a key in a JSON body) goes straight into a `Secret`.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_display_and_json_never_show_the_value() {
        let s = Secret::new("sk_live_0123456789abcdef");
        for shown in [format!("{s:?}"), format!("{s}"), serde_json::to_string(&s).unwrap()] {
            assert!(!shown.contains("sk_live"), "leaked in {shown}");
            assert!(!shown.contains("0123456789"), "leaked in {shown}");
        }
        assert_eq!(s.masked(), "••••cdef");
        assert_eq!(s.expose(), "sk_live_0123456789abcdef");
    }

    #[test]
    fn short_values_show_no_tail() {
        assert_eq!(Secret::new("abc12345").masked(), "••••");
    }
}
