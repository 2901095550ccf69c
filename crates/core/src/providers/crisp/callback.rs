//! Crisp's per-request callback (seed 004): one POST per accepted send, naming its `request_id`;
//! on success `crisp_fingerprint`, `whatsapp_message_id` and `session_id`, otherwise a message
//! saying why the template was not sent. Field names beyond those are UNCONFIRMED, so success is
//! `success: true` or the presence of `whatsapp_message_id`, and the failure's words come from
//! `message`, `error` or `reason`.
//!
//! Crisp signs nothing here. The callback URL this install gives the owner to paste into the
//! plugin's API Settings is the relay hook URL plus `/crisp/<account id>/<secret>`, the secret
//! random per account and compared in constant time; a callback without it changes nothing.

use rand::distr::{Alphanumeric, SampleString};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::providers::fields::one_line;
use crate::providers::messaging::{StatusReport, WebhookEvent};
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::{now_ms, Store};
use crate::webhooks::Outcome;

/// Path segment of the hook URL that carries a Crisp account's callbacks.
pub const CALLBACK_PATH: &str = "/crisp/";

/// What one callback says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// The send's `request_id`.
    pub request_id: String,
    /// Sent (with Crisp's ids) or not (with Crisp's words).
    pub outcome: std::result::Result<Sent, String>,
}

/// A successful callback's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The Crisp conversation.
    pub session_id: Option<String>,
    /// Crisp's fingerprint of the message.
    pub crisp_fingerprint: Option<String>,
    /// WhatsApp's id (wamid).
    pub whatsapp_message_id: Option<String>,
}

/// The account and secret a callback's path names, if it is one.
pub(crate) fn account_of_path(path_and_query: &str) -> Option<(&str, &str)> {
    let path = path_and_query.split(['?', '#']).next().unwrap_or("");
    let (_, rest) = path.split_once(CALLBACK_PATH)?;
    let (account, secret) = rest.trim_end_matches('/').split_once('/')?;
    let ok =
        |s: &str, n: usize| !s.is_empty() && s.len() <= n && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (ok(account, 64) && ok(secret, 128)).then_some((account, secret))
}

fn id_text(v: &Value, field: &str) -> Option<String> {
    match v.get(field) {
        Some(Value::String(s)) => Some(one_line(s, 200)).filter(|s| !s.is_empty() && !s.contains(' ')),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads one callback body.
pub fn parse(body: &[u8]) -> std::result::Result<Callback, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    // Crisp's usual envelope puts the payload in `data`; take either.
    let v = match v.get("data") {
        Some(d @ Value::Object(_)) if v.get("request_id").is_none() => d.clone(),
        _ => v,
    };
    if !v.is_object() {
        return Err("body is not a JSON object".into());
    }
    let request_id = id_text(&v, "request_id").ok_or("request_id: missing or not an id")?;
    let wamid = id_text(&v, "whatsapp_message_id");
    let success = match v.get("success") {
        Some(Value::Bool(b)) => *b,
        _ => wamid.is_some(),
    };
    let outcome = if success {
        Ok(Sent {
            session_id: id_text(&v, "session_id"),
            crisp_fingerprint: id_text(&v, "crisp_fingerprint"),
            whatsapp_message_id: wamid,
        })
    } else {
        let words = ["message", "error", "reason"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
            .map(|m| one_line(m, 300))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "Crisp did not send the template and gave no reason".into());
        Err(words)
    };
    Ok(Callback { request_id, outcome })
}

/// Checks the path's secret, then applies one callback for `account_id` inside `tx`.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    account_id: &str,
    given_secret: &str,
    seq: u64,
    body: &[u8],
    changes: &mut Vec<Change>,
) -> Result<Outcome> {
    let secret: Option<String> = tx
        .query_row(
            "SELECT value FROM account_credentials WHERE account_id = ?1 AND name = 'callback_secret'",
            [account_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(secret) = secret else {
        return Ok(Outcome::Unmatched(format!("Crisp callback for account {account_id}, which has no callback URL")));
    };
    if !bool::from(given_secret.as_bytes().ct_eq(secret.as_bytes())) {
        return Ok(Outcome::Rejected("Crisp callback: the URL's secret is not this account's".into()));
    }
    let cb = match parse(body) {
        Ok(cb) => cb,
        Err(why) => return Ok(Outcome::Rejected(format!("Crisp callback: {why}"))),
    };
    let seen = tx
        .query_row(
            "SELECT 1 FROM crisp_callbacks WHERE account_id = ?1 AND request_id = ?2",
            params![account_id, cb.request_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if seen {
        return Ok(Outcome::Duplicate);
    }
    let (status, reason, sent) = match &cb.outcome {
        Ok(sent) => ("sent", sent.session_id.as_ref().map(|s| format!("Crisp conversation {s}")), Some(sent)),
        Err(words) => ("failed", Some(words.clone()), None),
    };
    let report = StatusReport {
        id: cb.request_id.clone(),
        gs_id: None,
        status: status.into(),
        destination: None,
        at_ms: now_ms(),
        code: None,
        reason,
    };
    let outcome =
        crate::messaging::webhook::apply_events(tx, account_id, seq, vec![WebhookEvent::Status(report)], changes)?;
    if let Some(wamid) = sent.and_then(|s| s.whatsapp_message_id.as_deref()) {
        tx.execute(
            "UPDATE messages SET wamid = coalesce(wamid, ?3) WHERE account_id = ?1 AND provider_message_id = ?2",
            params![account_id, cb.request_id, wamid],
        )?;
    }
    tx.execute(
        "INSERT INTO crisp_callbacks (account_id, request_id, success, session_id, crisp_fingerprint,
             whatsapp_message_id, message, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            account_id,
            cb.request_id,
            sent.is_some(),
            sent.and_then(|s| s.session_id.clone()),
            sent.and_then(|s| s.crisp_fingerprint.clone()),
            sent.and_then(|s| s.whatsapp_message_id.clone()),
            cb.outcome.as_ref().err(),
            now_ms()
        ],
    )?;
    Ok(outcome)
}

impl Store {
    /// The callback URL a Crisp account's owner pastes into the plugin's API Settings: the relay
    /// hook URL with this account's own secret (made on first use, kept encrypted). A capability:
    /// shown to the owner, never logged.
    pub fn crisp_callback_url(&self, account_id: &str) -> Result<Secret> {
        let account = self.account(account_id)?;
        if account.provider != ProviderKind::Crisp {
            return Err(Error::InvalidInput(format!(
                "{} accounts have no Crisp callback URL",
                account.provider.label()
            )));
        }
        let channel = self
            .relay_channel()?
            .ok_or_else(|| Error::Relay("the relay is not set up yet, so callbacks would have nowhere to go".into()))?;
        let conn = self.conn()?;
        let existing: Option<String> = conn
            .query_row(
                "SELECT value FROM account_credentials WHERE account_id = ?1 AND name = 'callback_secret'",
                [account_id],
                |r| r.get(0),
            )
            .optional()?;
        let secret = match existing {
            Some(s) => s,
            None => {
                let s = Alphanumeric.sample_string(&mut rand::rng(), 40);
                conn.execute(
                    "INSERT INTO account_credentials (account_id, name, value) VALUES (?1, 'callback_secret', ?2)",
                    params![account_id, s],
                )?;
                s
            }
        };
        Ok(Secret::new(format!("{}{CALLBACK_PATH}{account_id}/{secret}", channel.hook_url.expose())))
    }

    /// The Crisp conversation a sent message went to, once its callback came.
    pub fn crisp_session(&self, account_id: &str, request_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT session_id FROM crisp_callbacks WHERE account_id = ?1 AND request_id = ?2",
                params![account_id, request_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_failure_callbacks_are_read_and_paths_carry_account_and_secret() {
        let ok = parse(br#"{"request_id":"r-1","success":true,"crisp_fingerprint":163,"whatsapp_message_id":"wamid.X","session_id":"session_9"}"#)
            .unwrap();
        assert_eq!(ok.request_id, "r-1");
        assert_eq!(
            ok.outcome,
            Ok(Sent {
                session_id: Some("session_9".into()),
                crisp_fingerprint: Some("163".into()),
                whatsapp_message_id: Some("wamid.X".into())
            })
        );
        let wrapped = parse(br#"{"error":false,"data":{"request_id":"r-2","whatsapp_message_id":"wamid.Y"}}"#).unwrap();
        assert!(wrapped.outcome.is_ok());
        let failed = parse(br#"{"request_id":"r-3","success":false,"message":"Number is not on\nWhatsApp"}"#).unwrap();
        assert_eq!(failed.outcome, Err("Number is not on WhatsApp".into()));
        assert!(parse(br#"{"success":true}"#).is_err());
        assert!(parse(b"[]").is_err());
        assert_eq!(account_of_path("/h/tok/crisp/acct-1/s3cr3t"), Some(("acct-1", "s3cr3t")));
        assert_eq!(account_of_path("/h/tok/crisp/acct-1"), None);
        assert_eq!(account_of_path("/h/tok/crisp/acct-1/../x"), None);
    }
}
