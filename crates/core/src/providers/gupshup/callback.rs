//! Gupshup's callbacks, applied inside the webhook door's transaction (seed 002; PROVIDERS.md §3).
//!
//! Gupshup signs nothing, so every callback must carry the link's secret: the live event comes to
//! the `callbackUrl` given when the app was linked (`…/gupshup/<link id>/<secret>`), and
//! subscription callbacks to `…/gupshup/<link id>` with the secret in the header the
//! subscription's `meta.headers` sets. Both are compared in constant time; a callback without the
//! secret, or for another app, changes nothing.
//!
//! Bodies: the live event (`type: onboarding-event`, inner `docker-status-event`, `status: live`),
//! v3 (Meta's envelope with `gs_app_id` and `gs_id`), v2 (`{app, timestamp, version: 2, type,
//! payload}`, the shape ChatArchitect's events share).

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::HOOK_PATH;
use crate::error::Result;
use crate::messaging::Change;
use crate::providers::chatarchitect::messaging_webhook;
use crate::providers::meta;
use crate::webhooks::Outcome;

/// The link and (for the live event) the secret a callback's path names.
pub(crate) fn link_of_path(path_and_query: &str) -> Option<(&str, Option<&str>)> {
    let path = path_and_query.split(['?', '#']).next().unwrap_or("");
    let (_, rest) = path.split_once(HOOK_PATH)?;
    let rest = rest.trim_end_matches('/');
    let (id, secret) = match rest.split_once('/') {
        Some((id, s)) => (id, Some(s)),
        None => (rest, None),
    };
    let ok =
        |s: &str, n: usize| !s.is_empty() && s.len() <= n && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (ok(id, 64) && secret.is_none_or(|s| ok(s, 128))).then_some((id, secret))
}

/// Verifies the secret, then applies one callback for link `id`.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    id: &str,
    path_secret: Option<&str>,
    header_secret: Option<&str>,
    seq: u64,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    let link: Option<(String, String, bool, Option<String>)> = tx
        .query_row("SELECT hook_secret, app_id, live, account_id FROM gupshup_links WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((secret, app_id, live, account)) = link else {
        return Ok(Outcome::Unmatched(format!("Gupshup callback for link {id}, which this install did not make")));
    };
    let given = path_secret.or(header_secret).unwrap_or("");
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(secret.as_bytes())) {
        return Ok(Outcome::Rejected("Gupshup callback without this link's secret".into()));
    }
    let v: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Ok(Outcome::Rejected("Gupshup callback: not a JSON object".into())),
    };
    let named_app = v.get("appId").or_else(|| v.get("gs_app_id")).and_then(Value::as_str);
    if named_app.is_some_and(|a| a != app_id) {
        return Ok(Outcome::Rejected("Gupshup callback names another app than the link's".into()));
    }
    if v.get("type").and_then(Value::as_str) == Some("onboarding-event") {
        return live_event(tx, id, live, &v);
    }
    if account.is_none() {
        return Ok(Outcome::Unmatched(format!("Gupshup messaging callback for link {id}, which is not connected yet")));
    }
    let events = if v.get("object").is_some() {
        meta::webhook::parse(body)
    } else {
        messaging_webhook::parse(body).map(|e| vec![e])
    };
    match events {
        Ok(events) => crate::messaging::webhook::apply_events(tx, id, seq, events, changes),
        Err(why) => Ok(Outcome::Rejected(format!("Gupshup callback: {why}"))),
    }
}

/// The live event (seed 002): marks the link live once; a repeat is a duplicate.
fn live_event(tx: &Transaction<'_>, id: &str, live: bool, v: &Value) -> Result<Outcome> {
    let inner = v.pointer("/payload/type").and_then(Value::as_str);
    let status = v.pointer("/payload/payload/status").and_then(Value::as_str);
    if inner != Some("docker-status-event") || status.is_none() {
        return Ok(Outcome::Applied); // another onboarding event: kept in the log, nothing to move
    }
    if status != Some("live") {
        return Ok(Outcome::Applied);
    }
    if live {
        return Ok(Outcome::Duplicate);
    }
    tx.execute(
        "UPDATE gupshup_links SET live = 1, updated_at = ?2 WHERE id = ?1",
        params![id, crate::store::now_ms()],
    )?;
    tracing::info!(link = %id, "Gupshup app is live");
    Ok(Outcome::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_link_and_maybe_its_secret() {
        assert_eq!(link_of_path("/h/t/gupshup/ab-12/s3cret"), Some(("ab-12", Some("s3cret"))));
        assert_eq!(link_of_path("/h/t/gupshup/ab-12"), Some(("ab-12", None)));
        assert_eq!(link_of_path("/h/t/gupshup/ab-12/../x"), None);
        assert_eq!(link_of_path("/h/t/sendzen/ab-12"), None);
    }
}
