//! Applying ChatArchitect's completion webhook: verify, then store the credentials once.
//!
//! Order matters: the signature is checked over the raw bytes before the body is parsed; only then
//! are the event, the registration and `partner_state` looked at. Anything that fails is rejected
//! with a reason and changes nothing. A registration that is already completed with the same app id
//! is a duplicate (a provider retry with a new attempt number, or the result fallback got there
//! first); with a different app id the account's credentials are updated.

use rusqlite::{OptionalExtension, Transaction};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use wadesk_relay_protocol::CapturedRequest;

use super::registration::{credentials_landed, Completion, CompletionSource};
use super::settings::{self, RegistrationMode};
use super::{signature, COMPLETED_EVENT};
use crate::error::Result;
use crate::secret::Secret;
use crate::webhooks::Outcome;

/// Whether `req` looks like a registration webhook (it carries the seed's signature header).
pub(crate) fn is_registration_webhook(req: &CapturedRequest) -> bool {
    req.header_str("x-ca-signature").is_some()
}

#[derive(Deserialize)]
struct Body {
    event: String,
    registration_id: String,
    #[serde(default)]
    partner_state: Option<String>,
    app_id: String,
    app_secret: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    completed_at: Option<String>,
}

/// Verifies and applies one completion webhook inside `tx`.
pub(crate) fn apply_completion_webhook(tx: &Transaction<'_>, req: &CapturedRequest) -> Result<Outcome> {
    let settings = settings::load(tx)?;
    let timestamp = req.header_str("x-ca-timestamp");
    let sig = req.header_str("x-ca-signature");
    // Which token signed it tells which endpoint it came from; a session only trusts its own.
    let mut signed_by = None;
    let mut first_error = None;
    for mode in [RegistrationMode::Partner, RegistrationMode::Sandbox] {
        let Some(token) = settings.token_for(mode) else { continue };
        match signature::verify(token.expose(), timestamp, sig, &req.body, req.received_at_ms) {
            Ok(()) => {
                signed_by = Some(mode);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(signed_by) = signed_by else {
        let why = first_error.map_or_else(|| "no partner token configured".to_owned(), |e| e.to_string());
        return Ok(reject(format!("registration webhook: {why}")));
    };
    let body: Body = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => return Ok(reject(format!("registration webhook: body is not the documented JSON: {e}"))),
    };
    if body.event != COMPLETED_EVENT {
        return Ok(reject(format!("registration webhook: unexpected event {:?}", body.event)));
    }
    let row = tx
        .query_row(
            "SELECT mode, partner_state FROM registrations WHERE registration_id = ?1",
            [&body.registration_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    let Some((mode, expected_state)) = row else {
        return Ok(reject(format!("registration webhook: unknown registration {}", body.registration_id)));
    };
    if RegistrationMode::parse(&mode)? != signed_by {
        return Ok(reject(format!(
            "registration webhook: {} was signed with the {} token but the session belongs to {mode}",
            body.registration_id,
            signed_by.as_str()
        )));
    }
    let given_state = body.partner_state.unwrap_or_default();
    if !bool::from(given_state.as_bytes().ct_eq(expected_state.as_bytes())) {
        return Ok(reject(format!("registration webhook: partner_state does not match for {}", body.registration_id)));
    }
    let completion = Completion {
        registration_id: body.registration_id,
        app_id: body.app_id,
        app_secret: Secret::new(body.app_secret),
        phone: body.phone,
        completed_at: body.completed_at,
        source: CompletionSource::Webhook,
    };
    credentials_landed(tx, &completion)
}

fn reject(reason: String) -> Outcome {
    tracing::warn!("{reason}");
    Outcome::Rejected(reason)
}
