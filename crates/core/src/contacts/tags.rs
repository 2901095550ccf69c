//! Tags on contacts. A tag keeps the spelling it was first given: adding `vip` where `VIP` is in
//! use adds `VIP`, so one tag never splits into two chips that differ only in case.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::rules;
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::store::Store;

/// The spelling in use of every tag, by its lower case.
#[derive(Debug, Default)]
pub(crate) struct Spellings(HashMap<String, String>);

impl Spellings {
    /// Every tag in use.
    pub(crate) fn load(conn: &Connection) -> Result<Spellings> {
        let mut stmt = conn.prepare("SELECT DISTINCT tag FROM contact_tags")?;
        let mut map = HashMap::new();
        for tag in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let tag = tag?;
            map.entry(tag.to_lowercase()).or_insert(tag);
        }
        Ok(Spellings(map))
    }

    /// `tag` as it is spelled in use, else as given (and remembered).
    pub(crate) fn canonical(&mut self, tag: &str) -> String {
        self.0.entry(tag.to_lowercase()).or_insert_with(|| tag.to_owned()).clone()
    }
}

/// Replaces the tags of contact `id` with `tags` (checked); used by the editor.
pub(crate) fn set_tags(conn: &Connection, id: i64, tags: &[String]) -> Result<()> {
    let mut spellings = Spellings::load(conn)?;
    conn.execute("DELETE FROM contact_tags WHERE contact_id = ?1", [id])?;
    let mut add = conn.prepare_cached("INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        add.execute(params![id, spellings.canonical(&rules::tag(tag, "tags")?)])?;
    }
    Ok(())
}

impl Store {
    /// Adds `tag` to (`add`) or removes it from the contacts `ids`; returns how many contacts
    /// changed. Ids that do not exist are skipped.
    pub fn tag_contacts(&self, ids: &[i64], tag: &str, add: bool) -> Result<u64> {
        let tag = rules::tag(tag, "tag")?;
        let ids_json = serde_json::to_string(ids).map_err(|e| Error::Internal(e.to_string()))?;
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let changed = if add {
            let tag = Spellings::load(&tx)?.canonical(&tag);
            tx.execute(
                "INSERT OR IGNORE INTO contact_tags (contact_id, tag)
                 SELECT id, ?2 FROM contacts WHERE id IN (SELECT value FROM json_each(?1))",
                params![ids_json, tag],
            )?
        } else {
            tx.execute(
                "DELETE FROM contact_tags WHERE tag = ?2 COLLATE NOCASE
                   AND contact_id IN (SELECT value FROM json_each(?1))",
                params![ids_json, tag],
            )?
        };
        if changed > 0 {
            tx.execute(
                "UPDATE contacts SET updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))",
                params![ids_json, crate::store::now_ms()],
            )?;
        }
        tx.commit()?;
        drop(conn);
        if changed > 0 {
            self.announce([Change::Contacts]);
        }
        Ok(changed as u64)
    }
}
