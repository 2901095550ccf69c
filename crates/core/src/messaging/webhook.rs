//! Applying messaging webhooks (statuses and inbound messages) inside the webhook door's
//! transaction (`crate::webhooks`).
//!
//! The account comes from the hook URL's path, which this install gave the provider when it
//! registered the webhook (`…/chatarchitect/messages/<account id>`, `…/sendzen/<account id>`, `…/d360/<account id>`).
//! ChatArchitect signs nothing here, so the relay's unguessable hook URL is what proves the sender
//! (ARCHITECTURE.md §5); SendZen's Meta-envelope webhooks are also checked against
//! `X-Hub-Signature-256` when the account has a webhook secret. A
//! status is matched by the provider's `messageId`, or Gupshup-style by `gsId` with the wamid in
//! `id` (PROVIDERS.md §1). An exact repeat changes nothing; an older event is kept in the timeline
//! without moving the status; an event for no known message is kept with its reason, and adopted
//! if the send's answer comes later.

use rusqlite::{params, OptionalExtension, Transaction};

use super::record::set_status;
use super::status::from_event_type;
use super::Change;
use crate::error::Result;
use crate::providers::chatarchitect::messaging_webhook;
use crate::providers::messaging::{InboundReport, StatusReport, WebhookEvent};
use crate::providers::{meta, sendzen};
use crate::store::now_ms;
use crate::webhooks::Outcome;

/// Path segment of the hook URL that carries ChatArchitect messaging webhooks.
pub const CA_MESSAGES_PATH: &str = "/chatarchitect/messages/";

/// Path segment of the hook URL that carries a SendZen account's webhooks (its
/// `client_webhook_url`: onboarding results and Meta-envelope messages).
pub const SZ_HOOK_PATH: &str = "/sendzen/";

/// Path segment of the hook URL that carries a 360dialog account's messaging webhooks (the URL
/// registered with `POST /v1/configs/webhook`).
pub const D360_HOOK_PATH: &str = "/d360/";

/// The account a ChatArchitect messaging webhook's path names, if it is one.
pub(crate) fn account_of_path(path_and_query: &str) -> Option<&str> {
    account_after(path_and_query, CA_MESSAGES_PATH)
}

/// The account a SendZen webhook's path names, if it is one.
pub(crate) fn sendzen_account_of_path(path_and_query: &str) -> Option<&str> {
    account_after(path_and_query, SZ_HOOK_PATH)
}

/// The account a 360dialog messaging webhook's path names, if it is one.
pub(crate) fn d360_account_of_path(path_and_query: &str) -> Option<&str> {
    account_after(path_and_query, D360_HOOK_PATH)
}

fn account_after<'a>(path_and_query: &'a str, segment: &str) -> Option<&'a str> {
    let path = path_and_query.split(['?', '#']).next().unwrap_or("");
    let (_, rest) = path.split_once(segment)?;
    let id = rest.trim_end_matches('/');
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).then_some(id)
}

fn account_exists(tx: &Transaction<'_>, account_id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM accounts WHERE id = ?1")?
        .query_row([account_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Verifies the shape of one ChatArchitect messaging webhook and applies it.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    if !account_exists(tx, account_id)? {
        return Ok(Outcome::Unmatched(format!("messaging webhook for account {account_id}, which no longer exists")));
    }
    match messaging_webhook::parse(body) {
        Ok(event) => apply_events(tx, account_id, seq, vec![event], changes),
        Err(why) => Ok(Outcome::Rejected(format!("messaging webhook: {why}"))),
    }
}

/// Verifies (signature when the account has a webhook secret, then shape) and applies one
/// Meta-envelope webhook of a SendZen account.
pub(crate) fn apply_meta(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    signature: Option<&str>,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    // Seed 001: the URL "returns a 200 status code for validation requests" at onboarding; what
    // they look like is not documented (the sandbox's assumption: `{"event": "webhook.validation"}`).
    // The relay already answered 200; the request is kept in the log and changes nothing.
    if sendzen::onboarding::is_validation(body) {
        return Ok(Outcome::Applied);
    }
    // The same URL gets the onboarding's result, before the account exists (seed 001).
    if sendzen::onboarding::is_result(body) {
        let outcome = sendzen::onboarding::apply_result(tx, account_id, body)?;
        if outcome == Outcome::Applied {
            changes.push(Change::Health { account_id: account_id.to_owned() });
        }
        return Ok(outcome);
    }
    if !account_exists(tx, account_id)? {
        return Ok(Outcome::Unmatched(format!("webhook for account {account_id}, which no longer exists")));
    }
    let secret = webhook_secret(tx, account_id)?;
    if let Some(secret) = &secret {
        if let Err(e) = meta::signature::verify(secret.expose(), signature, body) {
            return Ok(Outcome::Rejected(format!("webhook: {e}")));
        }
    }
    apply_envelope(tx, account_id, seq, body, changes)
}

/// Verifies (`x-360dialog-signature` when the account has a webhook secret, then shape) and
/// applies one Meta-envelope webhook of a 360dialog account.
pub(crate) fn apply_d360(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    signature: Option<&str>,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    if !account_exists(tx, account_id)? {
        return Ok(Outcome::Unmatched(format!("webhook for account {account_id}, which no longer exists")));
    }
    if let Some(secret) = webhook_secret(tx, account_id)? {
        if let Err(e) = crate::providers::d360::signature::verify(secret.expose(), signature, body) {
            return Ok(Outcome::Rejected(format!("webhook: {e}")));
        }
    }
    apply_envelope(tx, account_id, seq, body, changes)
}

/// The secret an account's provider signs its webhooks with, when one is set.
fn webhook_secret(tx: &Transaction<'_>, account_id: &str) -> Result<Option<crate::secret::Secret>> {
    Ok(tx
        .prepare_cached("SELECT value FROM account_credentials WHERE account_id = ?1 AND name = 'webhook_secret'")?
        .query_row([account_id], |r| r.get::<_, String>(0).map(crate::secret::Secret::new))
        .optional()?
        .filter(|s| !s.expose().is_empty()))
}

/// A verified Meta envelope for an account that exists, applied.
fn apply_envelope(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    match meta::webhook::parse(body) {
        Ok(events) => apply_events(tx, account_id, seq, events, changes),
        Err(why) => Ok(Outcome::Rejected(format!("webhook: {why}"))),
    }
}

/// Applies verified events in order: applied if any was, a duplicate if all were, otherwise the
/// first event's outcome (a body's only event is the common case).
pub(crate) fn apply_events(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    events: Vec<WebhookEvent>,
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    let mut outcomes = Vec::with_capacity(events.len());
    for event in events {
        outcomes.push(match event {
            WebhookEvent::Status(report) => apply_status(tx, account_id, seq, &report, changes)?,
            WebhookEvent::Inbound(report) => apply_inbound(tx, account_id, seq, &report, changes)?,
            WebhookEvent::Other { .. } => Outcome::Applied,
        });
    }
    let outcome = if outcomes.contains(&Outcome::Applied) {
        Outcome::Applied
    } else if !outcomes.is_empty() && outcomes.iter().all(|o| *o == Outcome::Duplicate) {
        Outcome::Duplicate
    } else {
        outcomes.into_iter().next().unwrap_or(Outcome::Applied)
    };
    if outcome != Outcome::Duplicate {
        tx.prepare_cached(
            "INSERT INTO account_messaging (account_id, last_event_at) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET last_event_at = excluded.last_event_at",
        )?
        .execute(params![account_id, now_ms()])?;
        changes.push(Change::Health { account_id: account_id.to_owned() });
    }
    Ok(outcome)
}

fn apply_status(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    r: &StatusReport,
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    let found = find_message(tx, account_id, r)?;
    let Some((message_id, destination, provider_id)) = found else {
        insert_event(tx, None, account_id, seq, r, false, Some("no message with this id (yet)"))?;
        return Ok(Outcome::Unmatched(format!("status {:?} for unknown message {}", r.status, r.id)));
    };
    if let Some(d) = &r.destination {
        if *d != destination {
            return Ok(Outcome::Rejected(format!(
                "status for message {message_id} names destination {d}, but it was sent to {destination}"
            )));
        }
    }
    let repeat = tx
        .prepare_cached(
            "SELECT 1 FROM message_events WHERE message_id = ?1 AND status = ?2 AND at = ?3
               AND coalesce(code, -1) = coalesce(?4, -1) AND webhook_seq IS NOT NULL",
        )?
        .query_row(params![message_id, r.status, r.at_ms, r.code], |_| Ok(()))
        .optional()?
        .is_some();
    if repeat {
        return Ok(Outcome::Duplicate);
    }
    let (moved, note) = match from_event_type(&r.status) {
        Some(status) => (set_status(tx, &message_id, status, r.code, r.reason.as_deref())?, None),
        None => (false, Some("a status word this version does not know; kept")),
    };
    // Gupshup-style events carry WhatsApp's id in `id` and ours in `gsId`.
    if provider_id.as_deref() != Some(r.id.as_str()) {
        tx.execute("UPDATE messages SET wamid = coalesce(wamid, ?2) WHERE id = ?1", params![message_id, r.id])?;
    }
    insert_event(tx, Some(&message_id), account_id, seq, r, moved, note)?;
    changes.push(Change::Message { account_id: account_id.to_owned(), message_id });
    Ok(Outcome::Applied)
}

/// The message a report is about: by the provider id in `id`, by `gsId`, or by a wamid learnt
/// earlier. One indexed lookup each (an OR across columns would scan the table).
fn find_message(
    tx: &Transaction<'_>,
    account_id: &str,
    r: &StatusReport,
) -> Result<Option<(String, String, Option<String>)>> {
    let by = |column: &str, value: &str| -> Result<Option<(String, String, Option<String>)>> {
        Ok(tx
            .prepare_cached(&format!(
                "SELECT id, destination, provider_message_id FROM messages WHERE account_id = ?1 AND {column} = ?2"
            ))?
            .query_row(params![account_id, value], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?)
    };
    if let Some(found) = by("provider_message_id", &r.id)? {
        return Ok(Some(found));
    }
    if let Some(gs) = &r.gs_id {
        if let Some(found) = by("provider_message_id", gs)? {
            return Ok(Some(found));
        }
    }
    by("wamid", &r.id)
}

fn insert_event(
    tx: &Transaction<'_>,
    message_id: Option<&str>,
    account_id: &str,
    seq: u64,
    r: &StatusReport,
    advanced: bool,
    note: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO message_events (message_id, account_id, webhook_seq, status, at, received_at, code, reason,
                                     advanced, provider_ref, gs_id, destination, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        message_id,
        account_id,
        seq as i64,
        r.status,
        r.at_ms,
        now_ms(),
        r.code,
        r.reason,
        advanced,
        r.id,
        r.gs_id,
        r.destination,
        note
    ])?;
    Ok(())
}

fn apply_inbound(
    tx: &Transaction<'_>,
    account_id: &str,
    seq: u64,
    m: &InboundReport,
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    let customer = crate::conversations::ingest::customer_key(&m.source);
    let inbound_id: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO inbound_messages (account_id, provider_id, source, customer, type, text, payload_json,
                                           sender_name, at, received_at, webhook_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (account_id, provider_id) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                account_id,
                m.id,
                m.source,
                customer,
                m.message_type,
                m.text,
                m.payload_json,
                m.sender_name,
                m.at_ms,
                now_ms(),
                seq as i64
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(inbound_id) = inbound_id else {
        return Ok(Outcome::Duplicate);
    };
    let conversation_id = crate::conversations::ingest::inbound(tx, account_id, &customer, inbound_id, m)?;
    if crate::contacts::opt_out::apply_reply(tx, &customer, m.text.as_deref())? {
        changes.push(Change::Contacts);
    }
    changes.push(Change::Inbound { account_id: account_id.to_owned(), from: customer, conversation_id });
    Ok(Outcome::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_comes_from_the_hook_path() {
        assert_eq!(account_of_path("/h/tok/chatarchitect/messages/abc-123"), Some("abc-123"));
        assert_eq!(account_of_path("/h/tok/chatarchitect/messages/abc-123/?x=1"), Some("abc-123"));
        assert_eq!(account_of_path("/h/tok/chatarchitect/messages/"), None);
        assert_eq!(account_of_path("/h/tok/chatarchitect/messages/a'b"), None);
        assert_eq!(account_of_path("/h/tok/chatarchitect/registration"), None);
        assert_eq!(sendzen_account_of_path("/h/tok/sendzen/abc-123"), Some("abc-123"));
        assert_eq!(sendzen_account_of_path("/h/tok/chatarchitect/messages/abc-123"), None);
    }
}
