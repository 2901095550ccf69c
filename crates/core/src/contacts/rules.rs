//! What a tag and a custom field name may be, checked the same way by the import, the editor,
//! the CLI and audience expressions.

use crate::error::{Error, Result};

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// Longest custom field name, in characters.
pub const MAX_FIELD_NAME_CHARS: usize = 40;
/// Field names a custom field cannot take: the contact's own columns.
pub const BUILT_IN_FIELDS: [&str; 3] = ["phone", "name", "first_name"];

/// The tag `raw` trimmed, or why it is not one. `what` names the input for the error
/// (`tags`, `tag`, `audience`).
pub fn tag(raw: &str, what: &str) -> Result<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Error::Field(what.into(), "a tag cannot be empty".into()));
    }
    if t.chars().count() > MAX_TAG_CHARS {
        return Err(Error::Field(what.into(), format!("the tag \"{t}\" is longer than {MAX_TAG_CHARS} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::Field(what.into(), format!("the tag {t:?} contains a control character")));
    }
    Ok(t.to_owned())
}

/// Whether `name` is a valid custom field name: `[a-z][a-z0-9_]{0,39}`, not a built-in one.
pub fn is_custom_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    first_ok
        && name.len() <= MAX_FIELD_NAME_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !BUILT_IN_FIELDS.contains(&name)
}

/// `name` if it is a valid custom field name, else why not.
pub fn custom_field_name(name: &str, what: &str) -> Result<String> {
    if BUILT_IN_FIELDS.contains(&name) {
        return Err(Error::Field(what.into(), format!("\"{name}\" is a built-in field, not a custom one")));
    }
    if !is_custom_field_name(name) {
        return Err(Error::Field(
            what.into(),
            format!(
                "\"{name}\" is not a field name: use a lower-case letter, then up to {} letters, digits or _",
                MAX_FIELD_NAME_CHARS - 1
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Whether `name` names a contact field in an audience or a mapping: built-in or custom.
pub fn is_field_name(name: &str) -> bool {
    BUILT_IN_FIELDS.contains(&name) || is_custom_field_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_bounded() {
        assert_eq!(tag("  vip ", "tags").unwrap(), "vip");
        assert!(tag("   ", "tags").is_err());
        assert!(tag(&"x".repeat(41), "tags").is_err());
        assert_eq!(tag(&"ü".repeat(40), "tags").unwrap().chars().count(), 40);
        assert!(tag("a\u{7}b", "tags").is_err());
    }

    #[test]
    fn field_names_are_lower_case_identifiers_but_not_built_in() {
        assert!(is_custom_field_name("city"));
        assert!(is_custom_field_name("order_2024"));
        assert!(!is_custom_field_name("City"));
        assert!(!is_custom_field_name("2city"));
        assert!(!is_custom_field_name("phone"));
        assert!(!is_custom_field_name(&"a".repeat(41)));
        assert!(is_field_name("first_name"));
        assert!(custom_field_name("name", "mapping").is_err());
    }
}
