//! The one door every webhook comes through on the desktop, whatever carried it.
//!
//! [`dispatch`] runs inside the caller's transaction, so an event's effects and the relay cursor
//! commit together (exactly once across crashes). Verification happens here, on the raw bytes and
//! headers, before anything is parsed or trusted; provider handlers (ChatArchitect registration,
//! statuses, inbound messages) plug in here. A webhook no handler claims is recorded as `unhandled`,
//! and a provider event id seen before is recorded as a `duplicate` with no effect.

use rusqlite::{params, OptionalExtension, Transaction};
use wadesk_relay_protocol::CapturedRequest;

use crate::error::Result;
use crate::messaging::{self, Change};
use crate::providers::chatarchitect;
use crate::store::now_ms;

/// Header the relay self-test sets; its value is a nonce.
pub const SELF_TEST_HEADER: &str = "x-wadesk-self-test";

/// What happened to a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its effects were applied.
    Applied,
    /// A provider event id seen before: recorded, no effect.
    Duplicate,
    /// Refused (bad signature, undecryptable, a shape that does not fit, …): recorded with the
    /// reason, no effect.
    Rejected(String),
    /// Valid, but about nothing this install knows (a status for an unknown message): kept with
    /// the reason, so a later write can still match it.
    Unmatched(String),
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Rejected(_) => "rejected",
            Outcome::Unmatched(_) => "unmatched",
        }
    }
}

/// The provider's own id for an event, used to drop provider retries.
fn provider_event_id(req: &CapturedRequest) -> Option<String> {
    if let Some(nonce) = req.header_str(SELF_TEST_HEADER) {
        return Some(format!("self-test:{nonce}"));
    }
    // ChatArchitect registration webhooks (seed 000): X-CA-Event-Id: evt_<registration_id>_<attempt>.
    req.header_str("x-ca-event-id").map(|id| format!("chatarchitect:{id}"))
}

/// What kind of webhook this is, by the headers its sender documents.
fn kind(req: &CapturedRequest) -> &'static str {
    if req.header_str(SELF_TEST_HEADER).is_some() {
        "self_test"
    } else if chatarchitect::is_registration_webhook(req) {
        "ca_registration"
    } else if messaging::webhook::account_of_path(&req.path_and_query).is_some() {
        "ca_message"
    } else if messaging::webhook::sendzen_account_of_path(&req.path_and_query).is_some() {
        "sz_message"
    } else if crate::providers::gupshup::callback::link_of_path(&req.path_and_query).is_some() {
        "gs_callback"
    } else if crate::providers::crisp::callback::account_of_path(&req.path_and_query).is_some() {
        "crisp_callback"
    } else if crate::providers::d360::partner_events::is_partner_path(&req.path_and_query) {
        "d360_partner"
    } else if messaging::webhook::d360_account_of_path(&req.path_and_query).is_some() {
        "d360_message"
    } else {
        "unhandled"
    }
}

/// Applies one webhook inside `tx` and records it in the webhook log. What a window should see is
/// pushed onto `changes`, for the caller to announce once `tx` has committed.
///
/// A provider event id is claimed only by an event that was applied: a forged or stale request
/// carrying a real id is rejected without shadowing the genuine one.
pub fn dispatch(tx: &Transaction<'_>, seq: u64, req: &CapturedRequest, changes: &mut Vec<Change>) -> Result<Outcome> {
    let event_id = provider_event_id(req);
    let seen = match &event_id {
        Some(id) => tx
            .query_row("SELECT 1 FROM webhook_events WHERE provider_event_id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some(),
        None => false,
    };
    let kind = kind(req);
    let outcome = if seen {
        Outcome::Duplicate
    } else {
        match kind {
            "ca_registration" => chatarchitect::apply_completion_webhook(tx, req)?,
            "ca_message" => match messaging::webhook::account_of_path(&req.path_and_query) {
                Some(account_id) => messaging::webhook::apply(tx, account_id, seq, &req.body, changes)?,
                None => Outcome::Rejected("messaging webhook without an account in its path".into()),
            },
            "sz_message" => match messaging::webhook::sendzen_account_of_path(&req.path_and_query) {
                Some(account_id) => messaging::webhook::apply_meta(
                    tx,
                    account_id,
                    seq,
                    req.header_str(crate::providers::meta::signature::HEADER),
                    &req.body,
                    changes,
                )?,
                None => Outcome::Rejected("SendZen webhook without an account in its path".into()),
            },
            "gs_callback" => match crate::providers::gupshup::callback::link_of_path(&req.path_and_query) {
                Some((id, secret)) => crate::providers::gupshup::callback::apply(
                    tx,
                    id,
                    secret,
                    req.header_str(crate::providers::gupshup::HOOK_SECRET_HEADER),
                    seq,
                    &req.body,
                    changes,
                )?,
                None => Outcome::Rejected("Gupshup callback without a link in its path".into()),
            },
            "crisp_callback" => match crate::providers::crisp::callback::account_of_path(&req.path_and_query) {
                Some((account_id, secret)) => {
                    crate::providers::crisp::callback::apply(tx, account_id, secret, seq, &req.body, changes)?
                }
                None => Outcome::Rejected("Crisp callback without an account in its path".into()),
            },
            "d360_partner" => crate::providers::d360::partner_events::apply(
                tx,
                req.header_str(crate::providers::d360::signature::HEADER),
                &req.body,
            )?,
            "d360_message" => match messaging::webhook::d360_account_of_path(&req.path_and_query) {
                Some(account_id) => messaging::webhook::apply_d360(
                    tx,
                    account_id,
                    seq,
                    req.header_str(crate::providers::d360::signature::HEADER),
                    &req.body,
                    changes,
                )?,
                None => Outcome::Rejected("360dialog webhook without an account in its path".into()),
            },
            _ => Outcome::Applied,
        }
    };
    let claim = if outcome == Outcome::Applied { event_id.as_deref() } else { None };
    // Registration webhooks carry app_secret: the log keeps their headers, not their body.
    let logged_body: &[u8] = if kind == "ca_registration" { b"" } else { &req.body };
    record(tx, seq, req, logged_body, claim, kind, &outcome)?;
    Ok(outcome)
}

/// Records an event that could not even be opened (wrong key, tampered): the cursor still moves on,
/// so one bad event cannot stall the stream.
pub fn record_unreadable(tx: &Transaction<'_>, seq: u64, reason: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO webhook_events (seq, received_at, method, path, headers_json, body, kind, outcome, reason, applied_at)
         VALUES (?1, 0, '', '', '[]', x'', 'unreadable', 'rejected', ?2, ?3)",
        params![seq as i64, reason, now_ms()],
    )?;
    Ok(())
}

fn record(
    tx: &Transaction<'_>,
    seq: u64,
    req: &CapturedRequest,
    body: &[u8],
    event_id: Option<&str>,
    kind: &str,
    outcome: &Outcome,
) -> Result<()> {
    // A readable log for people; verification has already used the raw bytes above.
    let headers: Vec<(&str, String)> =
        req.headers.iter().map(|h| (h.name.as_str(), String::from_utf8_lossy(&h.value).into_owned())).collect();
    let reason = match outcome {
        Outcome::Rejected(r) | Outcome::Unmatched(r) => Some(r.as_str()),
        _ => None,
    };
    tx.prepare_cached(
        "INSERT INTO webhook_events
           (seq, received_at, method, path, headers_json, body, provider_event_id, kind, outcome, reason, applied_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        seq as i64,
        req.received_at_ms,
        req.method,
        req.path_and_query,
        serde_json::to_string(&headers).unwrap_or_else(|_| "[]".into()),
        body,
        event_id,
        kind,
        outcome.as_str(),
        reason,
        now_ms()
    ])?;
    Ok(())
}
