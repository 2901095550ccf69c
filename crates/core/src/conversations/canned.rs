//! Saved replies an agent picks with `/shortcut`, filled with the conversation's contact:
//! `{{name}}`, `{{first_name}}`, `{{phone}}` and the contact's custom fields.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::{CannedReply, CannedReplyEdit, RenderedCannedReply};
use crate::error::{Error, Result};
use crate::messaging::MAX_TEXT_CHARS;
use crate::store::{now_ms, Store};

/// Most saved replies.
pub const MAX_REPLIES: usize = 500;
/// Longest shortcut.
const MAX_SHORTCUT: usize = 32;

fn check(edit: &CannedReplyEdit) -> Result<(String, String)> {
    let shortcut = edit.shortcut.trim().trim_start_matches('/').to_owned();
    if shortcut.is_empty() || shortcut.chars().count() > MAX_SHORTCUT {
        return Err(Error::Field("shortcut".into(), format!("1 to {MAX_SHORTCUT} characters")));
    }
    if !shortcut.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::Field("shortcut".into(), "letters, digits, - and _ only (no spaces)".into()));
    }
    let text = edit.text.trim().to_owned();
    if text.is_empty() {
        return Err(Error::Field("text".into(), "write the reply".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::Field("text".into(), format!("at most {MAX_TEXT_CHARS} characters")));
    }
    for var in variables(&text) {
        if !crate::contacts::rules::is_field_name(&var) && !["name", "first_name", "phone"].contains(&var.as_str()) {
            return Err(Error::Field(
                "text".into(),
                format!("{{{{{var}}}}} is not a contact field: use name, first_name, phone or a custom field name"),
            ));
        }
    }
    Ok((shortcut, text))
}

/// The `{{…}}` names in `text`, in order, without repeats.
fn variables(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim().to_owned();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &after[end + 2..];
    }
    out
}

/// `text` with each `{{var}}` from `values`; the names without a value are returned.
fn fill(text: &str, values: &HashMap<String, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        match values.get(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => out.push_str(v),
            None if !missing.iter().any(|m| m == name) => missing.push(name.to_owned()),
            None => {}
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    (out, missing)
}

impl Store {
    /// Every saved reply, by shortcut.
    pub fn canned_replies(&self) -> Result<Vec<CannedReply>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached("SELECT id, shortcut, text FROM canned_replies ORDER BY shortcut")?;
        let rows = stmt
            .query_map([], |r| Ok(CannedReply { id: r.get(0)?, shortcut: r.get(1)?, text: r.get(2)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Adds or changes a saved reply.
    pub fn save_canned_reply(&self, edit: &CannedReplyEdit) -> Result<CannedReply> {
        let (shortcut, text) = check(edit)?;
        let conn = self.conn()?;
        let taken: Option<i64> = conn
            .query_row("SELECT id FROM canned_replies WHERE shortcut = ?1", [&shortcut], |r| r.get(0))
            .optional()?;
        if taken.is_some_and(|t| Some(t) != edit.id) {
            return Err(Error::Field("shortcut".into(), format!("/{shortcut} is already a saved reply")));
        }
        let id = match edit.id {
            Some(id) => {
                let n = conn.execute(
                    "UPDATE canned_replies SET shortcut = ?2, text = ?3, updated_at = ?4 WHERE id = ?1",
                    params![id, shortcut, text, now_ms()],
                )?;
                if n == 0 {
                    return Err(Error::NotFound(format!("saved reply {id}")));
                }
                id
            }
            None => {
                let count: i64 = conn.query_row("SELECT count(*) FROM canned_replies", [], |r| r.get(0))?;
                if count as usize >= MAX_REPLIES {
                    return Err(Error::InvalidInput(format!("at most {MAX_REPLIES} saved replies")));
                }
                conn.execute(
                    "INSERT INTO canned_replies (shortcut, text, updated_at) VALUES (?1, ?2, ?3)",
                    params![shortcut, text, now_ms()],
                )?;
                conn.last_insert_rowid()
            }
        };
        Ok(CannedReply { id, shortcut, text })
    }

    /// Deletes saved reply `id`.
    pub fn delete_canned_reply(&self, id: i64) -> Result<()> {
        let n = self.conn()?.execute("DELETE FROM canned_replies WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(Error::NotFound(format!("saved reply {id}")));
        }
        Ok(())
    }

    /// Every saved reply filled for conversation `conversation_id`'s contact (or, without one,
    /// its number and profile name).
    pub fn canned_replies_for(&self, conversation_id: i64) -> Result<Vec<RenderedCannedReply>> {
        let c = self.conversation(conversation_id)?;
        let mut values: HashMap<String, String> = HashMap::new();
        values.insert("phone".into(), format!("+{}", c.customer));
        if let Some(name) = c.profile_name.clone() {
            values.insert("name".into(), name.clone());
            values.insert("first_name".into(), name.split_whitespace().next().unwrap_or_default().to_owned());
        }
        if let Some(contact_id) = c.contact_id {
            let conn = self.conn()?;
            let (name, first, fields): (Option<String>, Option<String>, String) = conn.query_row(
                "SELECT name, first_name, fields_json FROM contacts WHERE id = ?1",
                [contact_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let fields: HashMap<String, String> = serde_json::from_str(&fields).unwrap_or_default();
            values.extend(fields);
            if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
                values.insert("name".into(), n);
            }
            if let Some(f) = first.filter(|f| !f.trim().is_empty()) {
                values.insert("first_name".into(), f);
            }
        }
        Ok(self
            .canned_replies()?
            .into_iter()
            .map(|reply| {
                let (text, missing) = fill(&reply.text, &values);
                RenderedCannedReply { reply, text, missing }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_fill_from_the_contact_and_missing_ones_are_named() {
        let values: HashMap<String, String> =
            [("first_name".to_owned(), "Jana".to_owned()), ("city".to_owned(), " ".to_owned())].into();
        let (text, missing) = fill("Hi {{first_name}}, your {{ city }} order: {{city}} {{order}}", &values);
        assert_eq!(text, "Hi Jana, your  order:  ");
        assert_eq!(missing, vec!["city".to_owned(), "order".to_owned()]);
        assert_eq!(fill("no vars {{ open", &values).0, "no vars {{ open");
    }

    #[test]
    fn shortcuts_and_variables_are_checked() {
        let edit = |s: &str, t: &str| CannedReplyEdit { id: None, shortcut: s.into(), text: t.into() };
        assert_eq!(check(&edit("/hours", " Open 9–5 ")).unwrap(), ("hours".into(), "Open 9–5".into()));
        assert!(check(&edit("two words", "x")).is_err());
        assert!(check(&edit("", "x")).is_err());
        assert!(check(&edit("a", "")).is_err());
        assert!(check(&edit("a", "Hi {{Not A Field}}")).is_err());
        assert!(check(&edit("a", "Hi {{name}} {{order_id}}")).is_ok());
    }
}
