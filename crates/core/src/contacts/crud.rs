//! Listing, reading, editing and deleting contacts.
//!
//! Lists are built from fixed SQL fragments with bound parameters only. Search folds case over all
//! of Unicode (`Müller` finds `MÜLLER`, `иван` finds `Иван`) through a SQL function registered on
//! the connection here, since SQLite's own `lower()` and `LIKE` fold ASCII only.

use std::collections::BTreeMap;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::import::MAX_CELL_CHARS;
use super::phone;
use super::rules;
use super::tags::set_tags;
use super::{ContactEdit, ContactPage, ContactQuery, ContactView, OptOutSource, TagCount};
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::store::{now_ms, Store};

/// Most contacts one page returns.
pub const MAX_PAGE: u32 = 500;
/// Contacts a page returns when the query does not say.
pub const DEFAULT_PAGE: u32 = 200;

const COLUMNS: &str =
    "c.id, c.phone, c.name, c.first_name, c.fields_json, c.opted_out_at, c.opt_out_source, c.created_at, c.updated_at";

fn view_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContactView> {
    let fields: String = r.get(4)?;
    let source: Option<String> = r.get(6)?;
    Ok(ContactView {
        id: r.get(0)?,
        phone: r.get(1)?,
        name: r.get(2)?,
        first_name: r.get(3)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        tags: Vec::new(),
        opted_out_at: r.get(5)?,
        opt_out_source: source.as_deref().map(|s| match s {
            "import" => OptOutSource::Import,
            "reply" => OptOutSource::Reply,
            _ => OptOutSource::Manual,
        }),
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// Registers `wadesk_fold(text)`: Unicode lower case (NULL stays NULL).
pub(super) fn register_fold(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "wadesk_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )?;
    Ok(())
}

/// The WHERE clause on `c` (a `contacts` alias) and its parameters for `q`. Needs
/// [`register_fold`] on the connection that runs it.
fn where_clause(q: &ContactQuery) -> (String, Vec<Value>) {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut args: Vec<Value> = Vec::new();
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        args.push(Value::Text(search.to_lowercase()));
        let n = args.len();
        let mut any = vec![
            format!("instr(wadesk_fold(c.name), ?{n}) > 0"),
            format!("instr(wadesk_fold(c.first_name), ?{n}) > 0"),
            format!("EXISTS (SELECT 1 FROM json_each(c.fields_json) j WHERE instr(wadesk_fold(j.value), ?{n}) > 0)"),
        ];
        let phone_like = search.chars().all(|ch| ch.is_ascii_digit() || " +-()./".contains(ch));
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_start_matches('0');
        if phone_like && !digits.is_empty() {
            args.push(Value::Text(digits.to_owned()));
            any.push(format!("instr(c.phone, ?{}) > 0", args.len()));
        }
        sql.push(format!("({})", any.join(" OR ")));
    }
    for tag in q.tags.iter().flatten() {
        args.push(Value::Text(tag.trim().to_owned()));
        sql.push(format!(
            "EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?{} COLLATE NOCASE)",
            args.len()
        ));
    }
    match q.opted_out {
        Some(true) => sql.push("c.opted_out_at IS NOT NULL".into()),
        Some(false) => sql.push("c.opted_out_at IS NULL".into()),
        None => {}
    }
    (sql.join(" AND "), args)
}

/// Fills in the tags of `contacts`.
pub(super) fn attach_tags(conn: &Connection, contacts: &mut [ContactView]) -> Result<()> {
    if contacts.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
    let ids = serde_json::to_string(&ids).map_err(|e| Error::Internal(e.to_string()))?;
    let mut by_id: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (SELECT value FROM json_each(?1))
         ORDER BY contact_id, tag",
    )?;
    for row in stmt.query_map([ids], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, tag) = row?;
        by_id.entry(id).or_default().push(tag);
    }
    for c in contacts {
        c.tags = by_id.remove(&c.id).unwrap_or_default();
    }
    Ok(())
}

/// Every custom field name in use, sorted.
pub(super) fn field_names(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT j.key FROM contacts c, json_each(c.fields_json) j WHERE c.fields_json != '{}' ORDER BY 1",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

/// The ids of every contact `q` selects (offset and limit ignored), in list order: by name
/// (case-insensitive) then phone, contacts without a name last. Two walks of the name and phone
/// indexes rather than one sort of every row; one evaluation of the filter serves the total and
/// the page. Needs [`register_fold`].
pub(super) fn ordered_ids(conn: &Connection, q: &ContactQuery) -> Result<Vec<i64>> {
    let (clause, args) = where_clause(q);
    let mut ids = Vec::new();
    for part in ["c.name IS NOT NULL ORDER BY c.name COLLATE NOCASE, c.phone", "c.name IS NULL ORDER BY c.phone"] {
        let mut stmt = conn.prepare(&format!("SELECT c.id FROM contacts c WHERE {clause} AND {part}"))?;
        for id in stmt.query_map(params_from_iter(&args), |r| r.get::<_, i64>(0))? {
            ids.push(id?);
        }
    }
    Ok(ids)
}

/// The contacts `ids` (without tags), in that order.
pub(super) fn by_ids(conn: &Connection, ids: &[i64]) -> Result<Vec<ContactView>> {
    let json = serde_json::to_string(ids).map_err(|e| Error::Internal(e.to_string()))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM json_each(?1) k JOIN contacts c ON c.id = k.value ORDER BY k.key"
    ))?;
    let rows = stmt.query_map([json], view_of)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One contact on `conn`, with its tags.
fn contact_on(conn: &Connection, id: i64) -> Result<ContactView> {
    let mut c = conn
        .query_row(&format!("SELECT {COLUMNS} FROM contacts c WHERE c.id = ?1"), [id], view_of)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("contact {id}")))?;
    attach_tags(conn, std::slice::from_mut(&mut c))?;
    Ok(c)
}

/// `text` trimmed, `None` when empty; longer than [`MAX_CELL_CHARS`] is an error at `field`.
fn text_value(text: &str, field: &str) -> Result<Option<String>> {
    let t = text.trim();
    if t.chars().count() > MAX_CELL_CHARS {
        return Err(Error::Field(field.into(), format!("at most {MAX_CELL_CHARS} characters")));
    }
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// The custom fields of an edit, checked; empty values are dropped.
fn edited_fields(fields: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, value) in fields {
        let name = rules::custom_field_name(name.trim(), "fields")?;
        if let Some(value) = text_value(value, &format!("fields.{name}"))? {
            out.insert(name, value);
        }
    }
    Ok(out)
}

impl Store {
    /// One page of the contacts `q` selects, ordered by name (contacts without one last) then
    /// phone; with the total, every tag in use with its count, and every custom field name.
    pub fn contacts_page(&self, q: &ContactQuery) -> Result<ContactPage> {
        let limit = q.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE) as usize;
        let conn = self.conn()?;
        register_fold(&conn)?;
        let ids = ordered_ids(&conn, q)?;
        let from = (q.offset.unwrap_or(0) as usize).min(ids.len());
        let mut contacts = by_ids(&conn, &ids[from..(from + limit).min(ids.len())])?;
        attach_tags(&conn, &mut contacts)?;
        let tags = conn
            .prepare_cached("SELECT tag, count(*) FROM contact_tags GROUP BY tag ORDER BY tag COLLATE NOCASE")?
            .query_map([], |r| Ok(TagCount { tag: r.get(0)?, count: r.get::<_, i64>(1)? as u64 }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ContactPage { contacts, total: ids.len() as u64, tags, fields: field_names(&conn)? })
    }

    /// One contact.
    pub fn contact(&self, id: i64) -> Result<ContactView> {
        contact_on(&*self.conn()?, id)
    }

    /// The contact with number `raw` (normalised; `default_country`, else the setting, applies
    /// to a number without a country code).
    pub fn contact_by_phone(&self, raw: &str, default_country: Option<&str>) -> Result<ContactView> {
        let digits = phone::normalize_field(raw, self.default_country(default_country)?, "phone")?;
        let conn = self.conn()?;
        let id: i64 = conn
            .query_row("SELECT id FROM contacts WHERE phone = ?1", [&digits], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("contact +{digits}")))?;
        contact_on(&conn, id)
    }

    /// Opts the contact with number `raw` out by hand (`true`; a number that is not a contact yet
    /// becomes one, opted out) or back in (`false`).
    pub fn set_opt_out_by_phone(
        &self,
        raw: &str,
        opted_out: bool,
        default_country: Option<&str>,
    ) -> Result<ContactView> {
        let digits = phone::normalize_field(raw, self.default_country(default_country)?, "phone")?;
        let conn = self.conn()?;
        let id: Option<i64> =
            conn.query_row("SELECT id FROM contacts WHERE phone = ?1", [&digits], |r| r.get(0)).optional()?;
        let id = match id {
            Some(id) => id,
            None if opted_out => {
                conn.execute(
                    "INSERT INTO contacts (phone, opted_out_at, opt_out_source, created_at, updated_at)
                     VALUES (?1, ?2, 'manual', ?2, ?2)",
                    params![digits, now_ms()],
                )?;
                let created = contact_on(&conn, conn.last_insert_rowid())?;
                drop(conn);
                self.announce([Change::Contacts]);
                return Ok(created);
            }
            None => return Err(Error::NotFound(format!("contact +{digits}"))),
        };
        drop(conn);
        self.update_contact(id, &ContactEdit { opted_out: Some(opted_out), ..ContactEdit::default() }, default_country)
    }

    /// Applies `edit` to contact `id` and returns it. A new phone is normalised (`default_country`,
    /// else the setting); one that another contact has is `Error::Field("phone", …)`. Opting out
    /// by hand records the time and source `manual`; opting back in clears both.
    pub fn update_contact(&self, id: i64, edit: &ContactEdit, default_country: Option<&str>) -> Result<ContactView> {
        let checked = Checked::of(edit, self.default_country(default_country)?)?;
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let before = contact_on(&tx, id)?;
        if let Some(phone) = &checked.phone {
            let other: Option<i64> = tx
                .query_row("SELECT id FROM contacts WHERE phone = ?1 AND id != ?2", params![phone, id], |r| r.get(0))
                .optional()?;
            if other.is_some() {
                return Err(Error::Field("phone".into(), format!("+{phone} is already another contact's number")));
            }
        }
        checked.write(&tx, &before, edit.opted_out)?;
        if let Some(tags) = &edit.tags {
            set_tags(&tx, id, tags)?;
        }
        let after = contact_on(&tx, id)?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Contacts]);
        Ok(after)
    }

    /// Deletes the contacts `ids` (and their tags); returns how many there were.
    pub fn delete_contacts(&self, ids: &[i64]) -> Result<u64> {
        let ids = serde_json::to_string(ids).map_err(|e| Error::Internal(e.to_string()))?;
        let n = self.conn()?.execute("DELETE FROM contacts WHERE id IN (SELECT value FROM json_each(?1))", [ids])?;
        if n > 0 {
            self.announce([Change::Contacts]);
        }
        Ok(n as u64)
    }
}

/// An edit's values, checked before the store is locked. `Some(None)` clears a name.
struct Checked {
    phone: Option<String>,
    name: Option<Option<String>>,
    first_name: Option<Option<String>>,
    fields_json: Option<String>,
}

impl Checked {
    fn of(edit: &ContactEdit, country: Option<phone::Country>) -> Result<Checked> {
        let phone = edit.phone.as_deref().map(|raw| phone::normalize_field(raw, country, "phone")).transpose()?;
        let name = edit.name.as_deref().map(|n| text_value(n, "name")).transpose()?;
        let first_name = edit.first_name.as_deref().map(|n| text_value(n, "first_name")).transpose()?;
        let fields_json = match edit.fields.as_ref().map(edited_fields).transpose()? {
            Some(f) => Some(serde_json::to_string(&f).map_err(|e| Error::Internal(e.to_string()))?),
            None => None,
        };
        Ok(Checked { phone, name, first_name, fields_json })
    }

    /// Writes the edit over `before`; `opted_out` as in [`ContactEdit::opted_out`].
    fn write(&self, conn: &Connection, before: &ContactView, opted_out: Option<bool>) -> Result<()> {
        let (opt_at, opt_source) = match (opted_out, before.opted_out_at) {
            (Some(true), None) => (Some(now_ms()), Some("manual")),
            (Some(false), _) => (None, None),
            _ => (before.opted_out_at, before.opt_out_source.map(source_name)),
        };
        conn.execute(
            "UPDATE contacts SET phone = coalesce(?2, phone),
                    name = CASE WHEN ?3 THEN ?4 ELSE name END,
                    first_name = CASE WHEN ?5 THEN ?6 ELSE first_name END,
                    fields_json = coalesce(?7, fields_json),
                    opted_out_at = ?8, opt_out_source = ?9, updated_at = ?10
             WHERE id = ?1",
            params![
                before.id,
                self.phone,
                self.name.is_some(),
                self.name.clone().flatten(),
                self.first_name.is_some(),
                self.first_name.clone().flatten(),
                self.fields_json,
                opt_at,
                opt_source,
                now_ms()
            ],
        )?;
        Ok(())
    }
}

fn source_name(s: OptOutSource) -> &'static str {
    match s {
        OptOutSource::Manual => "manual",
        OptOutSource::Import => "import",
        OptOutSource::Reply => "reply",
    }
}
