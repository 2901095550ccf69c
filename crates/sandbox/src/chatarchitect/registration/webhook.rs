//! The completion webhook (seed "Completion Webhook"): the body, its HMAC signature, delivery and
//! retries.
//!
//! The body is serialised once, at completion, and every attempt sends exactly those bytes; only
//! `X-CA-Event-Id` (`evt_<registration_id>_<attempt>`), `X-CA-Timestamp` and the signature change
//! per attempt. Attempts are numbered per registration across automatic retries and
//! `retry_webhook`, so event ids never repeat. The body carries `app_secret` and the signature is
//! keyed with the partner token: neither is ever logged.
//!
//! Automatic delivery runs on a tokio task: attempt 1 at once, then one attempt after each
//! configured backoff delay until one is accepted (any 2xx). Redirects are not followed (a 3xx is
//! a failed delivery), and each attempt times out after [`TIMEOUT`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::{rfc3339, Completion, Session};
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

/// Each attempt's time limit.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// The webhook's `event`.
pub(crate) const EVENT: &str = "whatsapp.registration.completed";
/// `last_error` of a failure injected with `POST /_sandbox/webhook-failures`.
pub(crate) const FORCED_FAILURE: &str = "sandbox: forced delivery failure";

/// Delivery bookkeeping of one registration.
#[derive(Debug, Default, Clone)]
pub(crate) struct DeliveryState {
    /// Attempts made so far (automatic and `retry_webhook`).
    pub(crate) attempts: u32,
    /// The last attempt's error; `""` after a success.
    pub(crate) last_error: String,
    /// Whether any attempt was accepted; stops the automatic retries.
    pub(crate) delivered: bool,
    /// Every attempt, oldest first.
    pub(crate) log: Vec<DeliveryRecord>,
}

/// What started an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Trigger {
    /// The completion itself, or a scheduled retry.
    Automatic,
    /// `POST /partner?action=retry_webhook`.
    RetryWebhook,
}

/// One delivery attempt, as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryRecord {
    pub(crate) attempt: u32,
    pub(crate) event_id: String,
    pub(crate) trigger: Trigger,
    /// When the attempt started (RFC 3339).
    pub(crate) sent_at: String,
    /// The `X-CA-Timestamp` it carried.
    pub(crate) timestamp: i64,
    /// The receiver's HTTP status, if one answered.
    pub(crate) http_status: Option<u16>,
    pub(crate) ok: bool,
    /// `""` on success.
    pub(crate) error: String,
    pub(crate) duration_ms: u64,
}

/// The result of one attempt, as `retry_webhook` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttemptOutcome {
    pub(crate) ok: bool,
    pub(crate) attempts: u32,
    pub(crate) last_error: String,
}

/// The seed's payload, fields in the seed's order.
#[derive(Serialize)]
struct Payload<'a> {
    event: &'static str,
    registration_id: &'a str,
    partner_user_id: Option<&'a str>,
    partner_state: Option<&'a str>,
    app_id: &'a str,
    app_secret: &'a str,
    phone: &'a str,
    integration: &'a str,
    completed_at: String,
}

/// The webhook body for `session` completed as `completion`. `partner_user_id` and
/// `partner_state` are returned unchanged, `null` when they were not given.
pub(crate) fn payload(session: &Session, completion: &Completion) -> Bytes {
    let payload = Payload {
        event: EVENT,
        registration_id: &session.id,
        partner_user_id: session.request.partner_user_id.as_deref(),
        partner_state: session.request.partner_state.as_deref(),
        app_id: &completion.app_id,
        app_secret: &completion.app_secret,
        phone: &completion.phone,
        integration: &session.request.integration,
        completed_at: rfc3339(completion.completed_at),
    };
    // Serialising plain strings cannot fail.
    Bytes::from(serde_json::to_vec(&payload).unwrap_or_default())
}

/// `sha256=<hex HMAC-SHA256(key = partner token, message = timestamp + "." + raw body)>`.
pub(crate) fn signature(key: &[u8], timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts automatic delivery of `id`'s webhook on a tokio task (needs a tokio runtime).
pub(crate) fn spawn_delivery(sandbox: Arc<Sandbox>, id: String) {
    tokio::spawn(async move {
        let backoff = sandbox.chatarchitect().registration().backoff.clone();
        for delay in std::iter::once(Duration::ZERO).chain(backoff) {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match attempt(&sandbox, &id, Trigger::Automatic).await {
                Some(outcome) if !outcome.ok => continue,
                // Accepted, delivered meanwhile by retry_webhook, or gone.
                _ => return,
            }
        }
    });
}

/// What one attempt needs, copied out of the session so the lock is not held while sending.
struct Plan {
    attempt: u32,
    partner: PartnerId,
    url: String,
    body: Bytes,
}

/// Makes one delivery attempt for completed registration `id` and records it.
///
/// `None` if there is no such completed registration, or if an automatic attempt finds the
/// webhook already delivered.
pub(crate) async fn attempt(sandbox: &Sandbox, id: &str, trigger: Trigger) -> Option<AttemptOutcome> {
    let registrations = sandbox.chatarchitect().registration();
    let plan = registrations
        .with(id, |s| {
            let completion = s.completion.as_ref()?;
            if trigger == Trigger::Automatic && s.delivery.delivered {
                return None;
            }
            s.delivery.attempts += 1;
            Some(Plan {
                attempt: s.delivery.attempts,
                partner: s.partner,
                url: s.request.webhook_url.clone(),
                body: completion.webhook_body.clone(),
            })
        })
        .flatten()?;
    let sent_at = Utc::now();
    let clock = Instant::now();
    let event_id = format!("evt_{id}_{}", plan.attempt);
    let timestamp = sent_at.timestamp();
    let (http_status, result) = if registrations.take_webhook_failure(plan.partner) {
        (None, Err(FORCED_FAILURE.to_owned()))
    } else {
        let signature =
            signature(sandbox.chatarchitect().partners().signing_key(plan.partner), &timestamp.to_string(), &plan.body);
        match &registrations.http {
            Ok(client) => send(client, &plan, &event_id, timestamp, &signature).await,
            Err(e) => (None, Err(e.clone())),
        }
    };
    let error = result.err().unwrap_or_default();
    tracing::info!(registration_id = id, attempt = plan.attempt, ?http_status, error = %error, "completion webhook attempt");
    let record = DeliveryRecord {
        attempt: plan.attempt,
        event_id,
        trigger,
        sent_at: rfc3339(sent_at),
        timestamp,
        http_status,
        ok: error.is_empty(),
        error: error.clone(),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    registrations.with(id, |s| {
        s.delivery.delivered |= record.ok;
        s.delivery.last_error = error;
        s.delivery.log.push(record.clone());
        AttemptOutcome { ok: record.ok, attempts: s.delivery.attempts, last_error: s.delivery.last_error.clone() }
    })
}

/// POSTs the body; `Err` carries `last_error` ("HTTP 503", "connection refused", ...).
async fn send(
    client: &reqwest::Client,
    plan: &Plan,
    event_id: &str,
    timestamp: i64,
    signature: &str,
) -> (Option<u16>, Result<(), String>) {
    let res = client
        .post(&plan.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-CA-Event-Id", event_id)
        .header("X-CA-Timestamp", timestamp.to_string())
        .header("X-CA-Signature", signature)
        .body(plan.body.clone())
        .send()
        .await;
    attempt_outcome(res)
}

/// An attempt's HTTP status (if any answer came) and `Ok` for a 2xx, else `last_error` ("HTTP
/// 503", "connection refused", ...). The messaging webhooks record their attempts the same way.
pub(crate) fn attempt_outcome(res: Result<reqwest::Response, reqwest::Error>) -> (Option<u16>, Result<(), String>) {
    match res {
        Ok(res) if res.status().is_success() => (Some(res.status().as_u16()), Ok(())),
        Ok(res) => (Some(res.status().as_u16()), Err(format!("HTTP {}", res.status().as_u16()))),
        Err(e) => (None, Err(describe(&e))),
    }
}

/// A short, stable description of a transport error, without the URL (it may hold a hook token).
/// The messaging webhooks report their errors the same way.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    if e.is_timeout() {
        return format!("timed out after {} s", TIMEOUT.as_secs());
    }
    let mut innermost: Option<&dyn std::error::Error> = None;
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                _ => {}
            }
        }
        innermost = Some(s);
        source = s.source();
    }
    match (innermost, e.is_connect()) {
        (Some(s), true) => format!("connection failed: {s}"),
        (Some(s), false) => format!("request failed: {s}"),
        (None, _) => "request failed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // Expected value computed independently with Python's hmac module.
        let body = br#"{"event":"whatsapp.registration.completed"}"#;
        assert_eq!(
            signature(b"partner-token", "1751623200", body),
            "sha256=b8a64696326bc90f628cc7a2211b76feb389697685a4286ac8634facebd53a84"
        );
    }
}
