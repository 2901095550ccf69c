//! Reading conversations: the list with its filters, one conversation, the unread count, and
//! marking read. A conversation's contact is the contact with the same number (joined at read
//! time, so a contact imported later links at once).

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::{content, window, ConversationPage, ConversationQuery, ConversationView, Direction};
use crate::error::{Error, Result};
use crate::messaging::{Change, MessageStatus};
use crate::store::{now_ms, Store};

/// Rows a page has when the query does not say.
pub const DEFAULT_PAGE: u32 = 100;
/// The most rows one page may have.
pub const MAX_PAGE: u32 = 1000;

/// The columns [`view`] reads, in its order.
pub(super) const SELECT_VIEW: &str = "
    SELECT c.id, c.account_id, c.customer, c.profile_name, c.last_inbound_at, c.last_at, c.unread,
           ct.id, coalesce(nullif(ct.name, ''), nullif(ct.first_name, '')),
           (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = ct.id ORDER BY tag)),
           i.message_id IS NOT NULL, m.body, m.status, ib.type, ib.payload_json,
           CASE WHEN (SELECT provider FROM accounts WHERE id = c.account_id) = 'crisp' THEN
             (SELECT cc.session_id FROM conversation_items ci
                JOIN messages cm ON cm.id = ci.message_id
                JOIN crisp_callbacks cc ON cc.account_id = cm.account_id AND cc.request_id = cm.provider_message_id
              WHERE ci.conversation_id = c.id AND cc.session_id IS NOT NULL
              ORDER BY ci.at DESC, ci.id DESC LIMIT 1)
           END
    FROM conversations c
    LEFT JOIN contacts ct ON ct.phone = c.customer
    LEFT JOIN conversation_items i ON i.id = c.last_item_id
    LEFT JOIN messages m ON m.id = i.message_id
    LEFT JOIN inbound_messages ib ON ib.id = i.inbound_id";

/// One row of [`SELECT_VIEW`].
pub(super) fn view(row: &Row<'_>, now: i64) -> rusqlite::Result<ConversationView> {
    let profile_name: Option<String> = row.get(3)?;
    let contact_name: Option<String> = row.get(8)?;
    let tags: Option<String> = row.get(9)?;
    let outbound: Option<bool> = row.get(10)?;
    let (last_direction, last_preview, last_status) = match outbound {
        None => (None, String::new(), None),
        Some(true) => {
            let body: Option<String> = row.get(11)?;
            let status: Option<String> = row.get(12)?;
            (
                Some(Direction::Outbound),
                one_line(&body.unwrap_or_default()),
                status.as_deref().and_then(MessageStatus::parse),
            )
        }
        Some(false) => {
            let kind: Option<String> = row.get(13)?;
            let payload: Option<String> = row.get(14)?;
            let c = content::read(kind.as_deref().unwrap_or(""), payload.as_deref().unwrap_or(""));
            (Some(Direction::Inbound), content::preview(&c), None)
        }
    };
    Ok(ConversationView {
        id: row.get(0)?,
        account_id: row.get(1)?,
        customer: row.get(2)?,
        name: contact_name.or_else(|| profile_name.clone()).unwrap_or_default(),
        contact_id: row.get(7)?,
        profile_name,
        tags: tags.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
        unread: row.get::<_, i64>(6)?.clamp(0, u32::MAX as i64) as u32,
        last_at: row.get(5)?,
        last_preview,
        last_direction,
        last_status,
        window: window::state(row.get(4)?, now),
        crisp_session: row.get(15)?,
    })
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect::<String>().trim().to_owned()
}

impl Store {
    /// One page of conversations, newest first.
    pub fn conversations(&self, q: &ConversationQuery) -> Result<ConversationPage> {
        let offset = q.offset.unwrap_or(0);
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::Field("limit".into(), format!("between 1 and {MAX_PAGE}")));
        }
        let now = now_ms();
        let mut clauses = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(account) = &q.account_id {
            args.push(account.clone().into());
            clauses.push(format!("c.account_id = ?{}", args.len()));
        }
        if q.unread == Some(true) {
            clauses.push("c.unread > 0".to_owned());
        }
        if q.window_open == Some(true) {
            args.push((now - window::WINDOW_MS).into());
            clauses.push(format!("c.last_inbound_at > ?{}", args.len()));
        }
        if let Some(tag) = q.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            args.push(tag.to_owned().into());
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM contacts t1 JOIN contact_tags t2 ON t2.contact_id = t1.id
                          WHERE t1.phone = c.customer AND t2.tag = ?{})",
                args.len()
            ));
        }
        let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
        let conn = self.conn()?;
        let total: i64 =
            conn.query_row(&format!("SELECT count(*) FROM conversations c{filter}"), params_from_iter(&args), |r| {
                r.get(0)
            })?;
        let mut page_args = args.clone();
        page_args.push(i64::from(limit).into());
        page_args.push(i64::from(offset).into());
        let n = page_args.len();
        let sql = format!("{SELECT_VIEW}{filter} ORDER BY c.last_at DESC, c.id DESC LIMIT ?{} OFFSET ?{n}", n - 1);
        let rows = conn
            .prepare(&sql)?
            .query_map(params_from_iter(&page_args), |r| view(r, now))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let unread_total = unread_total(&conn, q.account_id.as_deref())?;
        Ok(ConversationPage { total: total as u32, offset, rows, unread_total })
    }

    /// Conversation `id`.
    pub fn conversation(&self, id: i64) -> Result<ConversationView> {
        let conn = self.conn()?;
        conversation_tx(&conn, id)
    }

    /// The conversation of account `account_id` with `customer` (international digits), if any.
    pub fn conversation_with(&self, account_id: &str, customer: &str) -> Result<Option<ConversationView>> {
        let conn = self.conn()?;
        let id: Option<i64> = conn
            .prepare_cached("SELECT id FROM conversations WHERE account_id = ?1 AND customer = ?2")?
            .query_row(params![account_id, customer], |r| r.get(0))
            .optional()?;
        id.map(|id| conversation_tx(&conn, id)).transpose()
    }

    /// The conversation of `account_id` with `customer`, started (empty) if there is none yet: an
    /// agent opening a contact found by search.
    pub fn open_conversation(&self, account_id: &str, customer: &str) -> Result<ConversationView> {
        self.account(account_id)?;
        let id: i64 = {
            let conn = self.conn()?;
            let id = conn
                .prepare_cached(
                    "INSERT INTO conversations (account_id, customer, last_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account_id, customer) DO UPDATE SET account_id = excluded.account_id RETURNING id",
                )?
                .query_row(params![account_id, customer, now_ms()], |r| r.get(0))?;
            id
        };
        self.announce([Change::Conversation { conversation_id: id }]);
        self.conversation(id)
    }

    /// Marks every message of conversation `id` read (unread 0).
    pub fn mark_conversation_read(&self, id: i64) -> Result<ConversationView> {
        let changed = {
            let conn = self.conn()?;
            let n = conn.execute(
                "UPDATE conversations SET unread = 0, read_at = ?2 WHERE id = ?1 AND unread > 0",
                params![id, now_ms()],
            )?;
            if n == 0 {
                conversation_tx(&conn, id)?;
            }
            n > 0
        };
        if changed {
            self.announce([Change::Conversation { conversation_id: id }]);
        }
        self.conversation(id)
    }
}

pub(super) fn conversation_tx(conn: &Connection, id: i64) -> Result<ConversationView> {
    conn.prepare_cached(&format!("{SELECT_VIEW} WHERE c.id = ?1"))?
        .query_row([id], |r| view(r, now_ms()))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("conversation {id}")))
}

fn unread_total(conn: &Connection, account_id: Option<&str>) -> Result<u32> {
    let n: i64 = match account_id {
        Some(a) => {
            conn.query_row("SELECT coalesce(sum(unread), 0) FROM conversations WHERE account_id = ?1", [a], |r| {
                r.get(0)
            })?
        }
        None => conn.query_row("SELECT coalesce(sum(unread), 0) FROM conversations", [], |r| r.get(0))?,
    };
    Ok(n.clamp(0, u32::MAX as i64) as u32)
}
