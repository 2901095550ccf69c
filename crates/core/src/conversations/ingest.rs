//! Putting messages into conversations, inside the transaction that stores them: an inbound
//! message from the webhook door, an outbound one when it is written as pending. Either creates the
//! conversation if it is the first between the account and that number.

use rusqlite::{params, Transaction};

use super::content;
use crate::contacts::phone;
use crate::error::Result;
use crate::providers::messaging::InboundReport;

/// The conversation key of a provider-given number: the contacts rule (international digits,
/// libphonenumber's E.164), so a customer is one conversation and links to one contact. A number
/// the rule refuses is kept as its digits: a message is never dropped for its sender's format.
pub(crate) fn customer_key(digits: &str) -> String {
    phone::normalize(&format!("+{digits}"), None).unwrap_or_else(|_| digits.to_owned())
}

/// The conversation of `customer` with `account_id`, created if new; returns its id.
fn conversation(tx: &Transaction<'_>, account_id: &str, customer: &str, at: i64) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO conversations (account_id, customer, last_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id, customer) DO UPDATE SET account_id = excluded.account_id
             RETURNING id",
        )?
        .query_row(params![account_id, customer, at], |r| r.get(0))?)
}

/// Adds stored inbound message `inbound_id` (already in `inbound_messages` under `customer`) to
/// its conversation: one more unread, the window from its time. Returns the conversation id.
pub(crate) fn inbound(
    tx: &Transaction<'_>,
    account_id: &str,
    customer: &str,
    inbound_id: i64,
    m: &InboundReport,
) -> Result<i64> {
    let at = m.at_ms;
    let sender_name = m.sender_name.as_deref();
    let conversation_id = conversation(tx, account_id, customer, at)?;
    let text = content::search_text(&content::read(&m.message_type, &m.payload_json));
    let item_id: i64 = tx
        .prepare_cached(
            "INSERT INTO conversation_items (conversation_id, at, inbound_id, text) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
        )?
        .query_row(params![conversation_id, at, inbound_id, text], |r| r.get(0))?;
    tx.prepare_cached(
        "UPDATE conversations SET
             unread = unread + 1,
             profile_name = coalesce(?3, profile_name),
             last_inbound_at = max(coalesce(last_inbound_at, ?2), ?2),
             last_item_id = CASE WHEN ?2 >= last_at OR last_item_id IS NULL THEN ?4 ELSE last_item_id END,
             last_at = max(last_at, ?2)
         WHERE id = ?1",
    )?
    .execute(params![conversation_id, at, sender_name, item_id])?;
    Ok(conversation_id)
}

/// Adds outbound message `message_id` (just written as pending) to the conversation with `to`.
pub(crate) fn outbound(
    tx: &Transaction<'_>,
    account_id: &str,
    to: &str,
    message_id: &str,
    body: &str,
    at: i64,
) -> Result<()> {
    let conversation_id = conversation(tx, account_id, &customer_key(to), at)?;
    let item_id: i64 = tx
        .prepare_cached(
            "INSERT INTO conversation_items (conversation_id, at, message_id, text) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
        )?
        .query_row(params![conversation_id, at, message_id, body], |r| r.get(0))?;
    tx.prepare_cached(
        "UPDATE conversations SET
             last_item_id = CASE WHEN ?2 >= last_at OR last_item_id IS NULL THEN ?3 ELSE last_item_id END,
             last_at = max(last_at, ?2)
         WHERE id = ?1",
    )?
    .execute(params![conversation_id, at, item_id])?;
    Ok(())
}
