//! The inbox settings (desktop notifications), kept in the install's `settings` table under
//! `inbox.*` keys. Unset keys read as the defaults: notify, with the message text.

use rusqlite::{params, OptionalExtension};

use super::{InboundNotice, InboxSettings};
use crate::error::Result;
use crate::store::Store;

const NOTIFY_KEY: &str = "inbox.notify";
const NOTIFY_TEXT_KEY: &str = "inbox.notify_text";

impl Store {
    /// The inbox settings.
    pub fn inbox_settings(&self) -> Result<InboxSettings> {
        let conn = self.conn()?;
        let get = |key: &str| -> Result<Option<bool>> {
            let v: Option<String> =
                conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
            Ok(v.map(|v| v == "true"))
        };
        let d = InboxSettings::default();
        Ok(InboxSettings {
            notify: get(NOTIFY_KEY)?.unwrap_or(d.notify),
            notify_text: get(NOTIFY_TEXT_KEY)?.unwrap_or(d.notify_text),
        })
    }

    /// Replaces the inbox settings.
    pub fn set_inbox_settings(&self, s: &InboxSettings) -> Result<InboxSettings> {
        {
            let mut conn = self.conn()?;
            let tx = conn.transaction()?;
            let upsert = "INSERT INTO settings (key, value) VALUES (?1, ?2)
                          ON CONFLICT (key) DO UPDATE SET value = excluded.value";
            tx.execute(upsert, params![NOTIFY_KEY, s.notify.to_string()])?;
            tx.execute(upsert, params![NOTIFY_TEXT_KEY, s.notify_text.to_string()])?;
            tx.commit()?;
        }
        self.inbox_settings()
    }

    /// What a desktop notification for a new inbound message in conversation `conversation_id`
    /// says, or `None` when notifications are off.
    pub fn inbound_notice(&self, conversation_id: i64) -> Result<Option<InboundNotice>> {
        let settings = self.inbox_settings()?;
        if !settings.notify {
            return Ok(None);
        }
        let c = self.conversation(conversation_id)?;
        let title = if c.name.is_empty() { format!("+{}", c.customer) } else { c.name.clone() };
        let body = if settings.notify_text { c.last_preview.clone() } else { "New message".to_owned() };
        Ok(Some(InboundNotice { conversation_id, title, body }))
    }
}
