//! The message rows: written before the provider is called, then moved only forward.
//!
//! Every function here runs in one transaction and announces its change after the commit. The
//! status column is only written through [`set_status`], which applies the state machine
//! (`status.rs`); every status event, local or from a webhook, is kept in `message_events`.

use rusqlite::{params, OptionalExtension, Transaction};

use super::status::{advance, rank};
use super::{Change, MessageKind, MessageStatus};
use crate::error::{Error, Result};
use crate::providers::messaging::SendReceipt;
use crate::store::{now_ms, Store};

/// A message about to be sent.
pub(crate) struct NewMessage<'a> {
    pub account_id: &'a str,
    pub to: &'a str,
    pub kind: MessageKind,
    pub template_id: Option<&'a str>,
    /// What the customer reads.
    pub body: &'a str,
    /// Exactly what goes out as the provider's message text.
    pub payload: &'a str,
    pub retry_of: Option<&'a str>,
}

/// A status event from this install (not from a webhook).
struct LocalEvent<'a> {
    status: MessageStatus,
    code: Option<i64>,
    reason: Option<&'a str>,
}

impl Store {
    /// Writes `m` as `pending` and returns its id: the record exists before any byte goes out.
    pub(crate) fn insert_pending(&self, m: &NewMessage<'_>) -> Result<String> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let id = insert_pending_tx(&tx, m, None)?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Message { account_id: m.account_id.to_owned(), message_id: id.clone() }]);
        Ok(id)
    }

    /// The provider accepted message `id`: keep its ids, and adopt events that arrived for them
    /// before this answer was written (a fast webhook can overtake the HTTP answer).
    pub(crate) fn mark_submitted(&self, id: &str, receipt: &SendReceipt) -> Result<()> {
        self.mark_submitted_with(id, receipt, |_| Ok(()))
    }

    /// [`Store::mark_submitted`], with `also` in the same transaction (a bulk recipient's state).
    pub(crate) fn mark_submitted_with(
        &self,
        id: &str,
        receipt: &SendReceipt,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        self.local_outcome(id, |tx, account_id| {
            tx.prepare_cached(
                "UPDATE messages SET provider_message_id = ?2, wamid = coalesce(wamid, ?3) WHERE id = ?1",
            )?
            .execute(params![id, receipt.provider_message_id, receipt.wamid])?;
            local_event(tx, id, &LocalEvent { status: MessageStatus::Submitted, code: None, reason: None })?;
            adopt_orphans(tx, account_id, id, &receipt.provider_message_id)?;
            also(tx)
        })
    }

    /// The provider refused message `id`: nothing was sent.
    pub(crate) fn mark_not_submitted(&self, id: &str, code: Option<i64>, reason: &str) -> Result<()> {
        self.mark_not_submitted_with(id, code, reason, |_| Ok(()))
    }

    /// [`Store::mark_not_submitted`], with `also` in the same transaction.
    pub(crate) fn mark_not_submitted_with(
        &self,
        id: &str,
        code: Option<i64>,
        reason: &str,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        self.local_outcome(id, |tx, _| {
            local_event(tx, id, &LocalEvent { status: MessageStatus::NotSubmitted, code, reason: Some(reason) })?;
            also(tx)
        })
    }

    /// The provider call did not answer: message `id` may or may not be on its way.
    pub(crate) fn mark_uncertain(&self, id: &str, reason: &str) -> Result<()> {
        self.mark_uncertain_with(id, reason, |_| Ok(()))
    }

    /// [`Store::mark_uncertain`], with `also` in the same transaction.
    pub(crate) fn mark_uncertain_with(
        &self,
        id: &str,
        reason: &str,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        self.local_outcome(id, |tx, _| {
            local_event(tx, id, &LocalEvent { status: MessageStatus::Uncertain, code: None, reason: Some(reason) })?;
            also(tx)
        })
    }

    fn local_outcome(&self, id: &str, f: impl FnOnce(&Transaction<'_>, &str) -> Result<()>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let account_id: String = tx
            .prepare_cached("SELECT account_id FROM messages WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("message {id}")))?;
        f(&tx, &account_id)?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Message { account_id, message_id: id.to_owned() }]);
        Ok(())
    }

    /// Messages left `pending` by a process that died mid-call (their HTTP call may have gone
    /// out): marked `uncertain`, so they are shown and never resent silently. Returns how many.
    pub fn settle_interrupted_sends(&self, older_than_ms: i64) -> Result<usize> {
        let cutoff = now_ms() - older_than_ms;
        let ids: Vec<String> = {
            let conn = self.conn()?;
            let mut stmt = conn.prepare("SELECT id FROM messages WHERE status = 'pending' AND created_at < ?1")?;
            let ids = stmt.query_map([cutoff], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            ids
        };
        for id in &ids {
            self.mark_uncertain(
                id,
                "Wadesk stopped while this message was being sent; it may or may not have gone out",
            )?;
        }
        Ok(ids.len())
    }
}

/// Writes `m` as `pending` inside `tx` (of campaign `campaign_id`, for a bulk send) and returns its id.
pub(crate) fn insert_pending_tx(tx: &Transaction<'_>, m: &NewMessage<'_>, campaign_id: Option<&str>) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO messages (id, account_id, destination, kind, template_id, body, payload, status, status_rank,
                               retry_of, campaign_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        id,
        m.account_id,
        m.to,
        kind_str(m.kind),
        m.template_id,
        m.body,
        m.payload,
        m.retry_of,
        campaign_id,
        now
    ])?;
    local_event(tx, &id, &LocalEvent { status: MessageStatus::Pending, code: None, reason: None })?;
    crate::conversations::ingest::outbound(tx, m.account_id, m.to, &id, m.body, now)?;
    Ok(id)
}

pub(crate) fn kind_str(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Text => "text",
        MessageKind::Template => "template",
    }
}

/// Moves message `id` to `event` if that is forward; returns whether it moved. Failure details
/// are set with a failure and cleared when a delivery overrides it.
pub(crate) fn set_status(
    tx: &Transaction<'_>,
    id: &str,
    event: MessageStatus,
    code: Option<i64>,
    reason: Option<&str>,
) -> Result<bool> {
    let current: String =
        tx.prepare_cached("SELECT status FROM messages WHERE id = ?1")?.query_row([id], |r| r.get(0))?;
    let current = MessageStatus::parse(&current)
        .ok_or_else(|| Error::StoreCorrupt(format!("message {id}: status {current:?}")))?;
    let (next, moved) = advance(current, event);
    if moved {
        let failed = matches!(next, MessageStatus::Failed | MessageStatus::NotSubmitted | MessageStatus::Uncertain);
        tx.prepare_cached(
            "UPDATE messages SET status = ?2, status_rank = ?3, updated_at = ?4,
                    failure_code = CASE WHEN ?5 THEN ?6 ELSE NULL END,
                    failure_reason = CASE WHEN ?5 THEN ?7 ELSE NULL END
             WHERE id = ?1",
        )?
        .execute(params![id, next.as_str(), rank(next), now_ms(), failed, code, reason])?;
    }
    Ok(moved)
}

fn local_event(tx: &Transaction<'_>, id: &str, e: &LocalEvent<'_>) -> Result<()> {
    let moved = if e.status == MessageStatus::Pending { true } else { set_status(tx, id, e.status, e.code, e.reason)? };
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO message_events (message_id, account_id, status, at, received_at, code, reason, advanced)
         SELECT id, account_id, ?2, ?3, ?3, ?4, ?5, ?6 FROM messages WHERE id = ?1",
    )?
    .execute(params![id, e.status.as_str(), now, e.code, e.reason, moved])?;
    Ok(())
}

/// Attaches events that named `provider_id` before message `id` knew it, and applies them.
fn adopt_orphans(tx: &Transaction<'_>, account_id: &str, id: &str, provider_id: &str) -> Result<()> {
    /// (event id, status word, code, reason, id it named, gsId it named)
    type Orphan = (i64, String, Option<i64>, Option<String>, String, Option<String>);
    let orphans: Vec<Orphan> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, status, code, reason, provider_ref, gs_id FROM message_events
             WHERE message_id IS NULL AND account_id = ?1 AND (provider_ref = ?2 OR gs_id = ?2) ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![account_id, provider_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows
    };
    for (event_id, word, code, reason, provider_ref, gs_id) in orphans {
        let moved = match super::status::from_event_type(&word) {
            Some(status) => set_status(tx, id, status, code, reason.as_deref())?,
            None => false,
        };
        if gs_id.as_deref() == Some(provider_id) && provider_ref != provider_id {
            tx.execute("UPDATE messages SET wamid = coalesce(wamid, ?2) WHERE id = ?1", params![id, provider_ref])?;
        }
        tx.execute(
            "UPDATE message_events SET message_id = ?2, advanced = ?3,
                    note = 'arrived before the provider''s answer to the send; matched when it came'
             WHERE id = ?1",
            params![event_id, id, moved],
        )?;
    }
    Ok(())
}

impl Store {
    /// A message and exactly what was sent as its provider text (for a retry).
    pub(crate) fn message_with_payload(&self, id: &str) -> Result<(super::MessageView, String)> {
        let view = self.message(id)?;
        let payload: String =
            self.conn()?.query_row("SELECT payload FROM messages WHERE id = ?1", [id], |r| r.get(0))?;
        Ok((view, payload))
    }
}

#[cfg(feature = "bench")]
impl Store {
    /// Benchmarks only: `n` submitted text messages of `account_id` to `to`, with provider ids
    /// `bench-0` … `bench-{n-1}`, written in one transaction.
    pub fn seed_submitted_for_bench(&self, account_id: &str, to: &str, n: usize) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO messages (id, account_id, destination, kind, body, payload, status, status_rank,
                                       provider_message_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'text', 'Hi', 'Hi', 'submitted', 2, ?4, ?5, ?5)",
            )?;
            for i in 0..n {
                stmt.execute(params![
                    uuid::Uuid::new_v4().to_string(),
                    account_id,
                    to,
                    format!("bench-{i}"),
                    now_ms()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
