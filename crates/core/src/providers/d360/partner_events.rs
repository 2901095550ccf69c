//! Partner webhook events (PROVIDERS.md §4: `channel_created` … `channel_live`), applied inside
//! the webhook door's transaction.
//!
//! 360dialog has one partner webhook URL per partner; onboardings point it at this install's
//! relay (`…/d360-partner`) when the settings say so. When a signing secret is set, the
//! `x-360dialog-signature` must match the raw bytes, or the event is refused and changes nothing.
//! The events' exact JSON is UNCONFIRMED (the docs show images), so the event name is read from
//! `event`, and the channel, WABA, client and number from where the sandbox and public code put
//! them; an event only moves an onboarding of this install forward, never back. The channel list
//! (`flow::follow`) reaches the same stages without webhooks, and the API key is only made after
//! the channel list says the channel is live.

use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

use super::onboarding::{advance, D360Stage};
use super::signature;
use crate::error::Result;
use crate::providers::fields::one_line;
use crate::webhooks::Outcome;

/// The hook URL's last segment for partner events.
pub const PARTNER_HOOK_SUFFIX: &str = "/d360-partner";

/// Whether a webhook's path is the partner events hook.
pub(crate) fn is_partner_path(path_and_query: &str) -> bool {
    path_and_query.split(['?', '#']).next().unwrap_or("").trim_end_matches('/').ends_with(PARTNER_HOOK_SUFFIX)
}

fn text<'a>(v: &'a Value, pointers: &[&str]) -> Option<&'a str> {
    pointers.iter().find_map(|p| v.pointer(p).and_then(Value::as_str)).map(str::trim).filter(|s| !s.is_empty())
}

/// Verifies and applies one partner event.
pub(crate) fn apply(tx: &Transaction<'_>, signature_header: Option<&str>, body: &[u8]) -> Result<Outcome> {
    let secret: Option<String> = tx
        .query_row("SELECT partner_signing_secret FROM d360_settings WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .flatten()
        .filter(|s: &String| !s.is_empty());
    if let Some(secret) = secret {
        if let Err(e) = signature::verify(&secret, signature_header, body) {
            return Ok(Outcome::Rejected(format!("360dialog partner event: {e}")));
        }
    }
    let v: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Ok(Outcome::Rejected("360dialog partner event: not a JSON object".into())),
        Err(e) => return Ok(Outcome::Rejected(format!("360dialog partner event: {e}"))),
    };
    let Some(event) = text(&v, &["/event", "/name", "/type"]) else {
        return Ok(Outcome::Rejected("360dialog partner event: no event name".into()));
    };
    let Some(stage) = D360Stage::of_channel_word(event) else {
        // client_created, account_violation, template events…: kept in the log, nothing to move.
        return Ok(Outcome::Applied);
    };
    let channel_id = text(&v, &["/channel_id", "/payload/channel_id", "/payload/id"]);
    let waba = text(&v, &["/waba_external_id", "/payload/waba_account/external_id", "/payload/waba_external_id"]);
    let client = text(&v, &["/client_id", "/payload/client_id"]);
    let phone = text(&v, &["/payload/setup_info/phone_number", "/payload/phone_number"]);
    let found: Option<(String, String, String)> = match (channel_id, waba) {
        (Some(ch), _) => tx
            .query_row(
                "SELECT id, partner_id, client_id FROM d360_onboardings WHERE channel_id = ?1
                 UNION ALL SELECT id, partner_id, client_id FROM d360_onboardings
                   WHERE channel_id IS NULL AND waba_id = ?2
                 LIMIT 1",
                rusqlite::params![ch, waba],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
        (None, Some(w)) => tx
            .query_row(
                "SELECT id, partner_id, client_id FROM d360_onboardings WHERE waba_id = ?1
                 ORDER BY created_at DESC LIMIT 1",
                [w],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
        (None, None) => None,
    };
    let Some((id, partner_id, client_id)) = found else {
        return Ok(Outcome::Unmatched(format!(
            "360dialog {} for a channel no onboarding of this install has",
            one_line(event, 40)
        )));
    };
    if text(&v, &["/partner_id", "/payload/partner_id"]).is_some_and(|p| p != partner_id) {
        return Ok(Outcome::Rejected("360dialog partner event names another partner than the onboarding".into()));
    }
    if client.is_some_and(|c| c != client_id) {
        return Ok(Outcome::Rejected("360dialog partner event names another client than the onboarding".into()));
    }
    let channel_id = channel_id.filter(|c| super::settings::valid_id(c));
    let phone =
        phone.map(|p| one_line(p, 32)).filter(|p| p.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()));
    if advance(tx, &id, stage, channel_id, phone.as_deref())? {
        tracing::info!(onboarding = %id, stage = stage.as_str(), "360dialog onboarding moved");
        Ok(Outcome::Applied)
    } else {
        Ok(Outcome::Duplicate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_partner_hook_path_is_the_partner_hook() {
        assert!(is_partner_path("/h/abc/d360-partner"));
        assert!(is_partner_path("/h/abc/d360-partner/?x=1"));
        assert!(!is_partner_path("/h/abc/d360/acct"));
        assert!(!is_partner_path("/h/abc/d360-partnerX"));
    }
}
