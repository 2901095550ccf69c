//! A conversation's timeline, oldest first, a page at a time (the window virtualises it), and
//! where one item sits in it (to jump to a search hit).

use rusqlite::{params, Connection, OptionalExtension};

use super::{content, Direction, InboundView, TimelineItem, TimelinePage};
use crate::error::{Error, Result};
use crate::messaging::history::{view_of, VIEW_COLUMNS};
use crate::store::Store;

/// The most items one page may have.
pub const MAX_PAGE: u32 = 1000;

impl Store {
    /// Items `offset..offset+limit` of conversation `id`'s timeline, oldest first.
    pub fn timeline(&self, id: i64, offset: u32, limit: u32) -> Result<TimelinePage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::Field("limit".into(), format!("between 1 and {MAX_PAGE}")));
        }
        let conn = self.conn()?;
        let total = count(&conn, id)?;
        let rows: Vec<(i64, i64, Option<i64>, Option<String>)> = conn
            .prepare_cached(
                "SELECT id, at, inbound_id, message_id FROM conversation_items
                 WHERE conversation_id = ?1 ORDER BY at, id LIMIT ?2 OFFSET ?3",
            )?
            .query_map(params![id, limit, offset], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let items = rows
            .into_iter()
            .map(|(item_id, at, inbound_id, message_id)| item(&conn, item_id, at, inbound_id, message_id))
            .collect::<Result<Vec<_>>>()?;
        Ok(TimelinePage { total, offset, items })
    }

    /// How many items come before item `item_id` in its conversation's timeline.
    pub fn timeline_position(&self, item_id: i64) -> Result<u32> {
        let conn = self.conn()?;
        position(&conn, item_id)
    }
}

fn count(conn: &Connection, id: i64) -> Result<u32> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Err(Error::NotFound(format!("conversation {id}")));
    }
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM conversation_items WHERE conversation_id = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(n as u32)
}

pub(super) fn position(conn: &Connection, item_id: i64) -> Result<u32> {
    let (conversation_id, at): (i64, i64) = conn
        .prepare_cached("SELECT conversation_id, at FROM conversation_items WHERE id = ?1")?
        .query_row([item_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("message {item_id}")))?;
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM conversation_items
             WHERE conversation_id = ?1 AND (at < ?2 OR (at = ?2 AND id < ?3))",
        )?
        .query_row(params![conversation_id, at, item_id], |r| r.get(0))?;
    Ok(n as u32)
}

fn item(
    conn: &Connection,
    id: i64,
    at: i64,
    inbound_id: Option<i64>,
    message_id: Option<String>,
) -> Result<TimelineItem> {
    if let Some(message_id) = message_id {
        let outbound = conn
            .prepare_cached(&format!("SELECT {VIEW_COLUMNS} FROM messages WHERE id = ?1"))?
            .query_row([&message_id], view_of)?;
        return Ok(TimelineItem { id, at, direction: Direction::Outbound, inbound: None, outbound: Some(outbound) });
    }
    let inbound_id = inbound_id.ok_or_else(|| Error::Internal(format!("timeline item {id} names no message")))?;
    let inbound = conn
        .prepare_cached(
            "SELECT provider_id, type, payload_json, sender_name, at, received_at FROM inbound_messages WHERE id = ?1",
        )?
        .query_row([inbound_id], |r| {
            let message_type: String = r.get(1)?;
            let raw_json: String = r.get(2)?;
            Ok(InboundView {
                id: inbound_id,
                provider_id: r.get(0)?,
                content: content::read(&message_type, &raw_json),
                message_type,
                raw_json,
                sender_name: r.get(3)?,
                at: r.get(4)?,
                received_at: r.get(5)?,
            })
        })?;
    Ok(TimelineItem { id, at, direction: Direction::Inbound, inbound: Some(inbound), outbound: None })
}

impl Store {
    /// The stored payload of inbound message `inbound_id` (for opening its media).
    pub(crate) fn inbound_payload(&self, inbound_id: i64) -> Result<String> {
        self.conn()?
            .prepare_cached("SELECT payload_json FROM inbound_messages WHERE id = ?1")?
            .query_row([inbound_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("inbound message {inbound_id}")))
    }
}
