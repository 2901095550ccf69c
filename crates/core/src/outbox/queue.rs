//! The recipient rows as the sender moves them: claimed (message written, call about to go out),
//! settled by the provider's answer, put back after a 429 or a 5xx, or marked uncertain when a
//! process died mid-call.
//!
//! A claim is one transaction: the message row (`pending`) and the recipient's `sending` state
//! commit together, before any byte goes out. Settling happens in the message's own transaction
//! first (so a webhook finds it) and the recipient's after; a crash between the two leaves the
//! recipient `sending` with a settled message, which [`Store::settle_orphaned_sends`] reads as done.

use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::messaging::record::{insert_pending_tx, NewMessage};
use crate::messaging::{Change, MessageKind};
use crate::store::{now_ms, Store};

/// Sets one recipient's state (and clears its backoff) on `conn`, or inside a transaction.
pub(crate) fn recipient_state(
    conn: &rusqlite::Connection,
    campaign_id: &str,
    position: i64,
    state: &str,
    error: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE campaign_recipients SET state = ?3, not_before = NULL, last_error = coalesce(?4, last_error),
                updated_at = ?5
         WHERE campaign_id = ?1 AND position = ?2",
    )?
    .execute(params![campaign_id, position, state, error, now_ms()])?;
    Ok(())
}

/// Whether the contact of recipient `position` is opted out now.
fn opted_out_since(tx: &rusqlite::Transaction<'_>, campaign_id: &str, position: i64) -> Result<bool> {
    let out: Option<i64> = tx
        .prepare_cached(
            "SELECT c.opted_out_at FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
             WHERE r.campaign_id = ?1 AND r.position = ?2",
        )?
        .query_row(params![campaign_id, position], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(out.is_some())
}

/// A recipient waiting to be sent to.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub position: i64,
    pub phone: String,
    pub body: String,
    pub payload: String,
    /// The previous attempt's message, for a retry (`retry_of` of the new one).
    pub previous: Option<String>,
    /// Calls refused with 429/5xx for this attempt so far.
    pub tries: u32,
}

/// What a claim needs to know of its campaign.
pub(crate) struct Claim<'a> {
    pub campaign_id: &'a str,
    pub account_id: &'a str,
    pub template_id: &'a str,
    /// A MARKETING template: a contact who opted out since the start is dropped, not sent to.
    pub marketing: bool,
}

impl Store {
    /// Recipients of `campaign_id` still `sending` belong to a process that died mid-call (the
    /// caller holds the campaign's lock, so nobody else is sending): a still-pending message is
    /// marked uncertain, and its recipient with it; one whose answer was written is done.
    /// Returns how many became uncertain.
    pub(crate) fn settle_orphaned_sends(&self, campaign_id: &str) -> Result<u64> {
        let orphans: Vec<(i64, Option<String>, Option<String>)> = {
            let conn = self.conn()?;
            let mut stmt = conn.prepare(
                "SELECT r.position, r.message_id, m.status FROM campaign_recipients r
                 LEFT JOIN messages m ON m.id = r.message_id
                 WHERE r.campaign_id = ?1 AND r.state = 'sending'",
            )?;
            let rows = stmt
                .query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        let mut uncertain = 0;
        for (position, message_id, status) in orphans {
            let pending = matches!(status.as_deref(), Some("pending" | "uncertain") | None);
            let state = if pending { "uncertain" } else { "done" };
            uncertain += u64::from(pending);
            match (&message_id, status.as_deref()) {
                // The message and its recipient become uncertain together.
                (Some(id), Some("pending")) => self.mark_uncertain_with(
                    id,
                    "Wadesk stopped while this message was being sent; it may or may not have gone out",
                    |tx| recipient_state(tx, campaign_id, position, state, None),
                )?,
                _ => self.set_recipient_state(campaign_id, position, state, None)?,
            }
        }
        Ok(uncertain)
    }

    /// Up to `limit` queued recipients whose backoff is over, in send order.
    pub(crate) fn next_queued(&self, campaign_id: &str, after: i64, limit: u32) -> Result<Vec<Queued>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT position, phone, body, payload, message_id, tries FROM campaign_recipients
             WHERE campaign_id = ?1 AND state = 'queued' AND position > ?2 AND coalesce(not_before, 0) <= ?3
             ORDER BY position LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![campaign_id, after, now_ms(), limit], |r| {
                Ok(Queued {
                    position: r.get(0)?,
                    phone: r.get(1)?,
                    body: r.get(2)?,
                    payload: r.get(3)?,
                    previous: r.get(4)?,
                    tries: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Whether any recipient of `campaign_id` is queued (backing off or not) or in flight.
    pub(crate) fn has_unsent(&self, campaign_id: &str) -> Result<bool> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT 1 FROM campaign_recipients WHERE campaign_id = ?1 AND state IN ('queued', 'sending') LIMIT 1",
                [campaign_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Writes recipient `q`'s message as pending and the recipient as `sending`, in one
    /// transaction; returns the message id. Nothing has gone out yet. `None`: the contact opted
    /// out of marketing since the campaign started (a STOP reply mid-send), so it is dropped.
    pub(crate) fn claim(&self, c: &Claim<'_>, q: &Queued) -> Result<Option<String>> {
        let m = NewMessage {
            account_id: c.account_id,
            to: &q.phone,
            kind: MessageKind::Template,
            template_id: Some(c.template_id),
            body: &q.body,
            payload: &q.payload,
            retry_of: q.previous.as_deref(),
        };
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        if c.marketing && opted_out_since(&tx, c.campaign_id, q.position)? {
            tx.prepare_cached(
                "UPDATE campaign_recipients SET state = 'dropped', updated_at = ?3,
                        last_error = 'opted out after the campaign started: a MARKETING template is not sent to them'
                 WHERE campaign_id = ?1 AND position = ?2",
            )?
            .execute(params![c.campaign_id, q.position, now_ms()])?;
            tx.commit()?;
            return Ok(None);
        }
        let id = insert_pending_tx(&tx, &m, Some(c.campaign_id))?;
        tx.prepare_cached(
            "UPDATE campaign_recipients SET state = 'sending', message_id = ?3, updated_at = ?4
             WHERE campaign_id = ?1 AND position = ?2",
        )?
        .execute(params![c.campaign_id, q.position, id, now_ms()])?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Message { account_id: c.account_id.to_owned(), message_id: id.clone() }]);
        Ok(Some(id))
    }

    /// The category of campaign `id`'s template, as frozen at its start.
    pub(crate) fn campaign_template_category(&self, id: &str) -> Result<Option<String>> {
        Ok(self.conn()?.query_row("SELECT template_category FROM campaigns WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// The provider refused the call for now (429, 5xx): nothing was sent, so the message row of
    /// the attempt is removed and the recipient queued again after `not_before`.
    pub(crate) fn requeue(
        &self,
        campaign_id: &str,
        q: &Queued,
        message_id: &str,
        not_before: i64,
        why: &str,
        rate_limited: bool,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let account: Option<String> =
            tx.query_row("SELECT account_id FROM messages WHERE id = ?1", [message_id], |r| r.get(0)).optional()?;
        tx.execute("DELETE FROM messages WHERE id = ?1 AND status = 'pending'", [message_id])?;
        tx.execute(
            "UPDATE campaign_recipients SET state = 'queued', message_id = ?3, tries = tries + 1, not_before = ?4,
                    last_error = ?5, updated_at = ?6
             WHERE campaign_id = ?1 AND position = ?2",
            params![campaign_id, q.position, q.previous, not_before, why, now_ms()],
        )?;
        if rate_limited {
            tx.execute("UPDATE campaigns SET rate_limited = rate_limited + 1 WHERE id = ?1", [campaign_id])?;
        }
        tx.commit()?;
        drop(conn);
        if let Some(account_id) = account {
            self.announce([Change::Message { account_id, message_id: message_id.to_owned() }]);
        }
        Ok(())
    }

    /// Sets one recipient's state (and clears its backoff).
    pub(crate) fn set_recipient_state(
        &self,
        campaign_id: &str,
        position: i64,
        state: &str,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn()?
            .prepare_cached(
                "UPDATE campaign_recipients SET state = ?3, not_before = NULL, last_error = coalesce(?4, last_error),
                        updated_at = ?5
                 WHERE campaign_id = ?1 AND position = ?2",
            )?
            .execute(params![campaign_id, position, state, error, now_ms()])?;
        Ok(())
    }

    /// Records why the sender of `campaign_id` holds back (`None`: it does not).
    pub(crate) fn set_campaign_waiting(&self, campaign_id: &str, waiting: Option<&str>) -> Result<()> {
        self.conn()?.execute("UPDATE campaigns SET waiting = ?2 WHERE id = ?1", params![campaign_id, waiting])?;
        self.announce([Change::Campaign { campaign_id: campaign_id.to_owned() }]);
        Ok(())
    }

    /// Queues the recipients whose latest attempt failed (optionally only with `code`) for a new
    /// attempt linked to the failed one; returns how many.
    pub(crate) fn queue_failed_again(&self, campaign_id: &str, code: Option<i64>) -> Result<u64> {
        let n = self.conn()?.execute(
            "UPDATE campaign_recipients SET state = 'queued', attempt = attempt + 1, tries = 0, not_before = NULL,
                    idempotency_key = campaign_id || ':' || position || ':' || (attempt + 1), updated_at = ?3
             WHERE campaign_id = ?1 AND state = 'done' AND message_id IN (
                 SELECT id FROM messages WHERE campaign_id = ?1 AND status IN ('failed', 'not_submitted')
                        AND (?2 IS NULL OR failure_code = ?2))",
            params![campaign_id, code, now_ms()],
        )?;
        self.announce([Change::Campaign { campaign_id: campaign_id.to_owned() }]);
        Ok(n as u64)
    }

    /// Resends (a new attempt) or drops uncertain recipients (`positions`, or all); returns how many.
    pub(crate) fn resolve_uncertain(&self, campaign_id: &str, positions: Option<&[i64]>, resend: bool) -> Result<u64> {
        let list = positions.map(|p| serde_json::to_string(p).unwrap_or_default());
        let sql = if resend {
            "UPDATE campaign_recipients SET state = 'queued', attempt = attempt + 1, tries = 0, not_before = NULL,
                    idempotency_key = campaign_id || ':' || position || ':' || (attempt + 1), updated_at = ?3
             WHERE campaign_id = ?1 AND state = 'uncertain' AND (?2 IS NULL OR position IN (SELECT value FROM json_each(?2)))"
        } else {
            "UPDATE campaign_recipients SET state = 'dropped', updated_at = ?3
             WHERE campaign_id = ?1 AND state = 'uncertain' AND (?2 IS NULL OR position IN (SELECT value FROM json_each(?2)))"
        };
        let n = self.conn()?.execute(sql, params![campaign_id, list, now_ms()])?;
        self.announce([Change::Campaign { campaign_id: campaign_id.to_owned() }]);
        Ok(n as u64)
    }

    /// Numbers that got `template_id` from `account_id` in the last 24 hours (and may have it).
    pub(crate) fn recent_destinations(
        &self,
        account_id: &str,
        template_id: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let since = now_ms() - 24 * 3600 * 1000;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT DISTINCT destination FROM messages
             WHERE account_id = ?1 AND template_id = ?2 AND created_at >= ?3 AND status NOT IN ('not_submitted', 'failed')",
        )?;
        let set =
            stmt.query_map(params![account_id, template_id, since], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(set)
    }
}
