//! Which contacts an audience selects, and the `--audience EXPR` text form of an audience.
//!
//! Tags are filtered in SQL; field conditions are checked in Rust on the rows that come back,
//! because their equality is case-insensitive over all of Unicode (SQLite's `lower()` folds ASCII
//! only) and custom fields live in a JSON column. Either way it is one query over the contacts.
//! Opted-out contacts are selected too, flagged: the bulk send's dry run reports them rather than
//! silently leaving them out.

use std::collections::BTreeMap;

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::rules;
use super::{Audience, FieldCondition};
use crate::error::{Error, Result};
use crate::store::Store;

/// A contact as a bulk send renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceContact {
    /// The contact's id.
    pub id: i64,
    /// International digits without `+`.
    pub phone: String,
    /// Full name.
    pub name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Custom fields by name.
    pub fields: BTreeMap<String, String>,
    /// Whether they opted out (a MARKETING template must not go to them).
    pub opted_out: bool,
}

impl AudienceContact {
    /// `phone`, `name`, `first_name` or a custom field; an empty/blank value is None.
    pub fn field(&self, name: &str) -> Option<&str> {
        let value = match name {
            "phone" => Some(self.phone.as_str()),
            "name" => self.name.as_deref(),
            "first_name" => self.first_name.as_deref(),
            other => self.fields.get(other).map(String::as_str),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// Whether every condition holds for this contact.
    fn meets(&self, conditions: &[FieldCondition]) -> bool {
        conditions.iter().all(|c| match c {
            FieldCondition::Equals { field, value } => self.field(field).is_some_and(|v| same_text(v, value)),
            FieldCondition::NotEquals { field, value } => !self.field(field).is_some_and(|v| same_text(v, value)),
            FieldCondition::Present { field } => self.field(field).is_some(),
            FieldCondition::Missing { field } => self.field(field).is_none(),
        })
    }
}

/// Case-insensitive (Unicode lower case) comparison of two trimmed values.
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a == b || a.to_lowercase() == b.to_lowercase()
}

const COLUMNS: &str = "c.id, c.phone, c.name, c.first_name, c.fields_json, c.opted_out_at IS NOT NULL";

fn contact_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<AudienceContact> {
    let fields_json: String = r.get(4)?;
    Ok(AudienceContact {
        id: r.get(0)?,
        phone: r.get(1)?,
        name: r.get(2)?,
        first_name: r.get(3)?,
        // The column is only ever written by this module's siblings from a map of strings.
        fields: serde_json::from_str(&fields_json).unwrap_or_default(),
        opted_out: r.get(5)?,
    })
}

/// The SQL condition on `c` and its parameters for the tag part of `audience`.
fn tag_clause(audience: &Audience) -> (String, Vec<Value>) {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut args = Vec::new();
    let tagged =
        |n: usize| format!("SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?{n} COLLATE NOCASE");
    for tag in &audience.tags {
        args.push(Value::Text(tag.trim().to_owned()));
        sql.push(format!("EXISTS ({})", tagged(args.len())));
    }
    for tag in &audience.without_tags {
        args.push(Value::Text(tag.trim().to_owned()));
        sql.push(format!("NOT EXISTS ({})", tagged(args.len())));
    }
    (sql.join(" AND "), args)
}

impl Audience {
    /// Checks field names, tags and values (an audience may come from the UI as JSON).
    pub fn validate(&self) -> Result<()> {
        for t in self.tags.iter().chain(&self.without_tags) {
            rules::tag(t, "audience")?;
        }
        for c in &self.conditions {
            let field = condition_field(c);
            if !rules::is_field_name(field) {
                return Err(Error::Field(
                    "audience".into(),
                    format!("\"{field}\" is not a field: use phone, name, first_name or a custom field name"),
                ));
            }
            if let FieldCondition::Equals { value, .. } | FieldCondition::NotEquals { value, .. } = c {
                if value.trim().is_empty() {
                    return Err(Error::Field(
                        "audience".into(),
                        format!(
                            "{field}: compare with a value, or use {field}? / !{field}? for has a value / has none"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn condition_field(c: &FieldCondition) -> &str {
    match c {
        FieldCondition::Equals { field, .. }
        | FieldCondition::NotEquals { field, .. }
        | FieldCondition::Present { field }
        | FieldCondition::Missing { field } => field,
    }
}

impl Store {
    /// Every contact the audience selects, ordered by contact id, opted-out ones included (flagged).
    /// One query; the field conditions are checked on its rows.
    pub fn audience_contacts(&self, audience: &Audience) -> Result<Vec<AudienceContact>> {
        audience.validate()?;
        let (clause, args) = tag_clause(audience);
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM contacts c WHERE {clause} ORDER BY c.id"))?;
        let mut out = Vec::new();
        for row in stmt.query_map(params_from_iter(args), contact_of)? {
            let contact = row?;
            if contact.meets(&audience.conditions) {
                out.push(contact);
            }
        }
        Ok(out)
    }

    /// How many contacts the audience selects (opted-out ones included), for a live count.
    pub fn audience_count(&self, audience: &Audience) -> Result<u64> {
        if !audience.conditions.is_empty() {
            return Ok(self.audience_contacts(audience)?.len() as u64);
        }
        audience.validate()?;
        let (clause, args) = tag_clause(audience);
        let conn = self.conn()?;
        let n: i64 =
            conn.query_row(&format!("SELECT count(*) FROM contacts c WHERE {clause}"), params_from_iter(args), |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// Contacts by id (for the outbox's fixes), ordered by id; ids that do not exist are left out.
    pub fn audience_contacts_by_id(&self, ids: &[i64]) -> Result<Vec<AudienceContact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(ids).map_err(|e| Error::Internal(e.to_string()))?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?1)) ORDER BY c.id"
        ))?;
        let rows = stmt.query_map([ids], contact_of)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

// ---- The text form -------------------------------------------------------------------------

fn bad(term: &str, why: &str) -> Error {
    Error::Field("audience".into(), format!("\"{term}\": {why}"))
}

/// Splits `expr` on whitespace outside double quotes; a `\` inside quotes escapes the next char.
fn terms(expr: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for ch in expr.chars() {
        if escaped {
            escaped = false;
        } else if quoted && ch == '\\' {
            escaped = true;
        } else if ch == '"' {
            quoted = !quoted;
        } else if ch.is_whitespace() && !quoted {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push(ch);
    }
    if quoted {
        return Err(bad(&cur, "a double quote is not closed"));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The value `raw` written after an operator: bare, or in double quotes with `\"` and `\\`.
fn unquote(raw: &str, term: &str) -> Result<String> {
    let Some(inner) = raw.strip_prefix('"') else {
        if raw.contains('"') {
            return Err(bad(term, "put the whole value in double quotes"));
        }
        return Ok(raw.to_owned());
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => out.push(chars.next().ok_or_else(|| bad(term, "a double quote is not closed"))?),
            '"' if chars.as_str().is_empty() => return Ok(out),
            '"' => return Err(bad(term, "text follows the closing double quote")),
            c => out.push(c),
        }
    }
    Err(bad(term, "a double quote is not closed"))
}

fn field_name(raw: &str, term: &str) -> Result<String> {
    let name = raw.to_ascii_lowercase();
    if name.is_empty() {
        return Err(bad(term, "a field name is missing"));
    }
    if !rules::is_field_name(&name) {
        return Err(bad(term, "not a field: use phone, name, first_name or a custom field name (letters, digits, _)"));
    }
    Ok(name)
}

/// One term into `audience`.
fn parse_term(term: &str, audience: &mut Audience) -> Result<()> {
    if term.eq_ignore_ascii_case("all") {
        return Ok(());
    }
    let tag_of =
        |raw: &str| rules::tag(&unquote(raw, term)?, "audience").map_err(|_| bad(term, "not a tag (1–40 characters)"));
    if let Some(raw) = term.strip_prefix("-tag:") {
        audience.without_tags.push(tag_of(raw)?);
        return Ok(());
    }
    if let Some(raw) = term.strip_prefix("tag:") {
        audience.tags.push(tag_of(raw)?);
        return Ok(());
    }
    if let Some(rest) = term.strip_prefix('!') {
        let name = rest.strip_suffix('?').ok_or_else(|| bad(term, "write !FIELD? for \"has no value\""))?;
        audience.conditions.push(FieldCondition::Missing { field: field_name(name, term)? });
        return Ok(());
    }
    let end = term.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(term.len());
    let (name, rest) = term.split_at(end);
    let condition = if rest == "?" {
        FieldCondition::Present { field: field_name(name, term)? }
    } else if let Some(raw) = rest.strip_prefix("!=") {
        FieldCondition::NotEquals { field: field_name(name, term)?, value: value_of(raw, term)? }
    } else if let Some(raw) = rest.strip_prefix('=') {
        FieldCondition::Equals { field: field_name(name, term)?, value: value_of(raw, term)? }
    } else {
        return Err(bad(term, "expected tag:T, -tag:T, FIELD=VALUE, FIELD!=VALUE, FIELD? or !FIELD?"));
    };
    audience.conditions.push(condition);
    Ok(())
}

fn value_of(raw: &str, term: &str) -> Result<String> {
    let value = unquote(raw, term)?;
    if value.trim().is_empty() {
        return Err(bad(term, "the value is empty; use FIELD? or !FIELD? for has a value / has none"));
    }
    Ok(value)
}

/// `text` bare when it reads back the same, else in double quotes with `"` and `\` escaped.
fn quote(text: &str) -> String {
    let plain = !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c == '"' || c == '\\');
    if plain {
        return text.to_owned();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Audience {
    /// The CLI's `--audience EXPR`: space-separated terms, all must hold. `all` or empty = everyone;
    /// `tag:T`; `-tag:T` (without tag); `FIELD=VALUE`; `FIELD!=VALUE`; `FIELD?` (has a value);
    /// `!FIELD?` (has none); values with spaces in double quotes (`city="New York"`). Field names:
    /// phone, name, first_name or a custom field. A bad term is `Error::Field("audience", …)`.
    pub fn parse(expr: &str) -> Result<Audience> {
        let mut audience = Audience::default();
        for term in terms(expr)? {
            parse_term(&term, &mut audience)?;
        }
        Ok(audience)
    }

    /// The expression back (`all` for everyone); [`Audience::parse`] reads it as the same audience.
    pub fn to_expr(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        out.extend(self.tags.iter().map(|t| format!("tag:{}", quote(t))));
        out.extend(self.without_tags.iter().map(|t| format!("-tag:{}", quote(t))));
        out.extend(self.conditions.iter().map(|c| match c {
            FieldCondition::Equals { field, value } => format!("{field}={}", quote(value)),
            FieldCondition::NotEquals { field, value } => format!("{field}!={}", quote(value)),
            FieldCondition::Present { field } => format!("{field}?"),
            FieldCondition::Missing { field } => format!("!{field}?"),
        }));
        if out.is_empty() {
            return "all".into();
        }
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn eq(field: &str, value: &str) -> FieldCondition {
        FieldCondition::Equals { field: field.into(), value: value.into() }
    }

    #[test]
    fn parses_every_kind_of_term() {
        let a =
            Audience::parse(r#"tag:vip -tag:"do not call" city="New York" plan!=free email? !first_name?"#).unwrap();
        assert_eq!(a.tags, ["vip"]);
        assert_eq!(a.without_tags, ["do not call"]);
        assert_eq!(
            a.conditions,
            [
                eq("city", "New York"),
                FieldCondition::NotEquals { field: "plan".into(), value: "free".into() },
                FieldCondition::Present { field: "email".into() },
                FieldCondition::Missing { field: "first_name".into() },
            ]
        );
    }

    #[test]
    fn all_and_empty_are_everyone() {
        assert_eq!(Audience::parse("").unwrap(), Audience::default());
        assert_eq!(Audience::parse("  all ").unwrap(), Audience::default());
        assert_eq!(Audience::default().to_expr(), "all");
    }

    #[test]
    fn bad_terms_say_which_and_why() {
        for expr in ["city=", "tag:", "Ciudad🙂=x", "phone", "!city", "city=\"open", "city=a\"b", "tag:\"x\"y"] {
            match Audience::parse(expr) {
                Err(Error::Field(f, m)) => assert!(f == "audience" && m.contains('"'), "{expr}: {m}"),
                other => panic!("{expr}: {other:?}"),
            }
        }
    }

    #[test]
    fn field_names_are_case_folded() {
        assert_eq!(Audience::parse("City=Köln").unwrap().conditions, [eq("city", "Köln")]);
    }

    #[test]
    fn equality_ignores_case_and_blank_is_missing() {
        let c = AudienceContact {
            id: 1,
            phone: "4915112345678".into(),
            name: Some("  ".into()),
            first_name: Some("Ana".into()),
            fields: [("city".to_owned(), "MÜNCHEN".to_owned())].into(),
            opted_out: false,
        };
        assert!(c.meets(&[eq("city", "münchen")]));
        assert!(c.meets(&[FieldCondition::Missing { field: "name".into() }]));
        assert!(c.meets(&[FieldCondition::NotEquals { field: "plan".into(), value: "free".into() }]));
        assert!(!c.meets(&[eq("first_name", "anna")]));
        assert_eq!(c.field("name"), None);
        assert_eq!(c.field("phone"), Some("4915112345678"));
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![Just("phone".to_owned()), Just("name".to_owned()), "[a-z][a-z0-9_]{0,12}"]
            .prop_filter("a custom name or a built-in", |f| rules::is_field_name(f))
    }

    fn value() -> impl Strategy<Value = String> {
        // Any text with something other than blanks; quotes, backslashes, `=` and spaces included.
        "[ a-zA-Z0-9=!?\"\\\\:äöüßñ日本語-]{0,12}[a-z0-9\"\\\\ä]".prop_map(|s| s)
    }

    fn tag() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9:=\" \\\\ü-]{0,10}[a-z0-9ü]".prop_map(|s| s.trim().to_owned())
    }

    fn condition() -> impl Strategy<Value = FieldCondition> {
        prop_oneof![
            (field(), value()).prop_map(|(field, value)| FieldCondition::Equals { field, value }),
            (field(), value()).prop_map(|(field, value)| FieldCondition::NotEquals { field, value }),
            field().prop_map(|field| FieldCondition::Present { field }),
            field().prop_map(|field| FieldCondition::Missing { field }),
        ]
    }

    proptest! {
        #[test]
        fn to_expr_round_trips_through_parse(
            tags in proptest::collection::vec(tag(), 0..3),
            without_tags in proptest::collection::vec(tag(), 0..3),
            conditions in proptest::collection::vec(condition(), 0..4),
        ) {
            let a = Audience { tags, without_tags, conditions };
            let expr = a.to_expr();
            prop_assert_eq!(Audience::parse(&expr).unwrap(), a, "{}", expr);
        }
    }

    #[test]
    fn store_selects_by_tags_and_fields_in_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        store
            .with_tx(|tx| {
                tx.execute_batch(
                    "INSERT INTO contacts (id, phone, name, fields_json, opted_out_at, created_at, updated_at) VALUES
                       (3, '491', 'Ann', '{\"city\":\"Berlin\"}', NULL, 0, 0),
                       (1, '492', 'Bob', '{\"city\":\"berlin\"}', 5, 0, 0),
                       (2, '493', NULL, '{}', NULL, 0, 0);
                     INSERT INTO contact_tags VALUES (3, 'VIP'), (1, 'vip'), (2, 'vip'), (2, 'blocked');",
                )?;
                Ok(())
            })
            .unwrap();
        let ids = |expr: &str| -> Vec<i64> {
            store.audience_contacts(&Audience::parse(expr).unwrap()).unwrap().iter().map(|c| c.id).collect()
        };
        assert_eq!(ids("all"), [1, 2, 3]);
        assert_eq!(ids("tag:vip -tag:blocked"), [1, 3]);
        assert_eq!(ids("city=BERLIN"), [1, 3]);
        assert_eq!(ids("!name?"), [2]);
        assert_eq!(store.audience_count(&Audience::parse("tag:vip").unwrap()).unwrap(), 3);
        assert_eq!(store.audience_count(&Audience::parse("city=berlin").unwrap()).unwrap(), 2);
        let by_id = store.audience_contacts_by_id(&[3, 1, 99]).unwrap();
        assert_eq!(by_id.iter().map(|c| (c.id, c.opted_out)).collect::<Vec<_>>(), [(1, true), (3, false)]);
        assert_eq!(by_id[1].field("city"), Some("Berlin"));
    }
}
