//! Where a campaign's recipients stand: the funnel, its timeline, the failure reasons, the
//! recipient list and its CSV export.
//!
//! Counts are of recipients, by their latest attempt. `submitted`, `sent`, `delivered` and `read`
//! are cumulative ("got at least this far"), so the funnel narrows; `failed` holds the provider's
//! failures and its refusals.

use std::collections::HashMap;

use rusqlite::params;

use super::{CampaignState, FailureCount, Funnel, FunnelPoint, RecipientFilter, RecipientPage, RecipientView};
use crate::error::Result;
use crate::messaging::explain::failure;
use crate::messaging::history::{csv_error, csv_safe, utc};
use crate::messaging::MessageStatus;
use crate::store::Store;

/// Seconds the queued recipients take at `rate`.
pub(crate) fn eta_seconds(state: CampaignState, f: &Funnel, rate: f64) -> Option<u64> {
    let left = f.queued + f.sending;
    match state {
        CampaignState::Running | CampaignState::Paused | CampaignState::Scheduled if rate > 0.0 => {
            Some((left as f64 / rate).ceil() as u64)
        }
        _ => None,
    }
}

fn count(f: &mut Funnel, state: &str, status: Option<MessageStatus>, n: u64) {
    f.total += n;
    match (state, status) {
        ("queued", _) => f.queued += n,
        ("sending", _) => f.sending += n,
        ("uncertain", _) => f.uncertain += n,
        ("dropped" | "cancelled", _) => f.dropped += n,
        (_, Some(s)) => {
            let reached = |min: MessageStatus| {
                matches!(s, MessageStatus::Read)
                    || (min == MessageStatus::Delivered && s == MessageStatus::Delivered)
                    || (min == MessageStatus::Sent && matches!(s, MessageStatus::Sent | MessageStatus::Delivered))
            };
            match s {
                MessageStatus::NotSubmitted => f.failed += n,
                MessageStatus::Uncertain | MessageStatus::Pending => f.uncertain += n,
                MessageStatus::Failed => {
                    f.submitted += n;
                    f.failed += n;
                }
                _ => {
                    f.submitted += n;
                    f.sent += if reached(MessageStatus::Sent) { n } else { 0 };
                    f.delivered += if reached(MessageStatus::Delivered) { n } else { 0 };
                    f.read += if s == MessageStatus::Read { n } else { 0 };
                }
            }
        }
        (_, None) => f.uncertain += n,
    }
}

/// How far a status got, for the timeline (0 = not accepted).
fn level(s: MessageStatus) -> u8 {
    match s {
        MessageStatus::Submitted | MessageStatus::Failed => 1,
        MessageStatus::Sent => 2,
        MessageStatus::Delivered => 3,
        MessageStatus::Read => 4,
        _ => 0,
    }
}

const TIMELINE_POINTS: i64 = 200;
/// The finest step of the timeline: a short send still reads as a handful of points.
const MIN_STEP_MS: i64 = 250;

impl Store {
    /// Campaign `id`'s funnel.
    pub(crate) fn funnel(&self, id: &str) -> Result<Funnel> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT r.state, m.status, count(*) FROM campaign_recipients r
             LEFT JOIN messages m ON m.id = r.message_id
             WHERE r.campaign_id = ?1 GROUP BY r.state, m.status",
        )?;
        let mut f = Funnel::default();
        let rows = stmt
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (state, status, n) = row?;
            count(&mut f, &state, status.as_deref().and_then(MessageStatus::parse), n as u64);
        }
        Ok(f)
    }

    /// Cumulative funnel counts over time, from the status events of the latest attempts.
    pub fn campaign_timeline(&self, id: &str) -> Result<Vec<FunnelPoint>> {
        // (message, level reached, when) for every event that moved a message forward.
        let events: Vec<(String, String, i64)> = {
            let conn = self.conn()?;
            let mut stmt = conn.prepare(
                "SELECT e.message_id, e.status, e.received_at FROM campaign_recipients r
                 JOIN messages m ON m.id = r.message_id
                 JOIN message_events e ON e.message_id = m.id AND e.advanced = 1
                 WHERE r.campaign_id = ?1 ORDER BY e.received_at",
            )?;
            let rows = stmt
                .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        let Some(start) = events.first().map(|e| e.2) else { return Ok(Vec::new()) };
        let end = events.last().map_or(start, |e| e.2).max(start + 1);
        let step = ((end - start) / TIMELINE_POINTS).max(MIN_STEP_MS);
        let mut best: HashMap<&str, u8> = HashMap::new();
        let mut failed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut points = Vec::new();
        let mut next_at = start;
        let mut totals = [0u64; 5];
        for (message, status, at) in &events {
            while *at > next_at {
                // A point only where the counts moved: a quiet stretch is one line, not 200 rows.
                if points.last().is_none_or(|p: &FunnelPoint| counts(p) != totals) {
                    points.push(point(next_at, &totals));
                }
                next_at += step;
            }
            let Some(s) = MessageStatus::parse(status) else { continue };
            let was = best.get(message.as_str()).copied().unwrap_or(0);
            let now = level(s).max(was);
            // totals[1..=4]: submitted, sent, delivered, read; a jump (read before delivered) counts every step.
            for total in &mut totals[usize::from(was) + 1..=usize::from(now).max(usize::from(was))] {
                *total += 1;
            }
            best.insert(message, now);
            if matches!(s, MessageStatus::Failed | MessageStatus::NotSubmitted) && failed.insert(message) {
                totals[0] += 1;
            }
        }
        points.push(point(end, &totals));
        Ok(points)
    }

    /// The failure reasons of campaign `id`'s latest attempts, most frequent first.
    pub fn campaign_failures(&self, id: &str) -> Result<Vec<FailureCount>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT m.failure_code, coalesce(m.failure_reason, ''), count(*) FROM campaign_recipients r
             JOIN messages m ON m.id = r.message_id
             WHERE r.campaign_id = ?1 AND m.status IN ('failed', 'not_submitted')
             GROUP BY 1, 2 ORDER BY 3 DESC, 1",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                let (code, reason, n): (Option<i64>, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                Ok(FailureCount { failure: failure(code, &reason), count: n as u64 })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// One page of campaign `id`'s recipients, in send order.
    pub fn campaign_recipients(&self, id: &str, filter: &RecipientFilter) -> Result<RecipientPage> {
        let statuses: Option<String> = filter
            .statuses
            .as_ref()
            .map(|s| serde_json::to_string(&s.iter().map(|s| s.as_str()).collect::<Vec<_>>()).unwrap_or_default());
        let limit = filter.limit.unwrap_or(200).min(500);
        let offset = filter.offset.unwrap_or(0);
        let matches = "r.campaign_id = ?1
             AND (?2 IS NULL OR coalesce(CASE WHEN r.state IN ('queued','sending','uncertain','dropped','cancelled') THEN r.state END, m.status, r.state)
                                IN (SELECT value FROM json_each(?2)))
             AND (?3 IS NULL OR m.failure_code = ?3)";
        let conn = self.conn()?;
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE {matches}"),
            params![id, statuses, filter.failure_code],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare(&format!(
            "SELECT r.position, r.contact_id, r.phone, r.name, r.body, r.state, m.status, r.message_id, r.attempt,
                    m.failure_code, m.failure_reason, r.last_error, max(r.updated_at, coalesce(m.updated_at, 0))
             FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id
             WHERE {matches} ORDER BY r.position LIMIT ?4 OFFSET ?5"
        ))?;
        let recipients = stmt
            .query_map(params![id, statuses, filter.failure_code, limit, offset], recipient_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(RecipientPage { recipients, total: total as u64 })
    }

    /// Writes every recipient of campaign `id` as CSV; returns how many.
    pub fn export_campaign_csv(&self, id: &str, out: impl std::io::Write) -> Result<u64> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "position",
            "phone",
            "name",
            "state",
            "status",
            "failure_code",
            "failure_reason",
            "attempt",
            "updated_at",
            "message_id",
            "message",
        ])
        .map_err(csv_error)?;
        let mut offset = 0u32;
        let mut written = 0;
        loop {
            let page = self.campaign_recipients(
                id,
                &RecipientFilter { offset: Some(offset), limit: Some(500), ..Default::default() },
            )?;
            for r in &page.recipients {
                w.write_record([
                    r.position.to_string(),
                    csv_safe(&r.phone),
                    csv_safe(r.name.as_deref().unwrap_or_default()),
                    r.state.clone(),
                    r.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    r.failure.as_ref().and_then(|f| f.code).map(|c| c.to_string()).unwrap_or_default(),
                    csv_safe(r.failure.as_ref().map(|f| f.reason.as_str()).unwrap_or_default()),
                    r.attempt.to_string(),
                    utc(r.updated_at),
                    r.message_id.clone().unwrap_or_default(),
                    csv_safe(&r.body),
                ])
                .map_err(csv_error)?;
                written += 1;
            }
            if page.recipients.len() < 500 {
                break;
            }
            offset += 500;
        }
        w.flush()?;
        Ok(written)
    }
}

fn counts(p: &FunnelPoint) -> [u64; 5] {
    [p.failed, p.submitted, p.sent, p.delivered, p.read]
}

fn point(at: i64, t: &[u64; 5]) -> FunnelPoint {
    FunnelPoint { at, failed: t[0], submitted: t[1], sent: t[2], delivered: t[3], read: t[4] }
}

fn recipient_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecipientView> {
    let state: String = r.get(5)?;
    let status: Option<String> = r.get(6)?;
    let status = status.as_deref().and_then(MessageStatus::parse);
    let code: Option<i64> = r.get(9)?;
    let reason: Option<String> = r.get(10)?;
    let last_error: Option<String> = r.get(11)?;
    let failed = matches!(status, Some(MessageStatus::Failed | MessageStatus::NotSubmitted | MessageStatus::Uncertain));
    let failure = match (failed, reason, last_error) {
        (true, Some(reason), _) => Some(failure(code, &reason)),
        (_, _, Some(e)) if state == "queued" || state == "uncertain" => Some(failure(None, &e)),
        _ => None,
    };
    Ok(RecipientView {
        position: r.get::<_, i64>(0)? as u64,
        contact_id: r.get(1)?,
        phone: r.get(2)?,
        name: r.get(3)?,
        body: r.get(4)?,
        state,
        status,
        message_id: r.get(7)?,
        attempt: r.get(8)?,
        failure,
        updated_at: r.get(12)?,
    })
}
