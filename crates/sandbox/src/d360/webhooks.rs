//! Everything the simulator POSTs: partner webhooks (to the partner's `webhook_url`: client and
//! channel lifecycle events) and messaging webhooks (to a channel's registered URL: statuses and
//! inbound messages, in Meta's envelope).
//!
//! Bodies are minified JSON serialised once; every attempt sends the same bytes with
//! `Content-Type: application/json`, a messaging delivery also with the channel's registered
//! headers. When a signing secret is set (partner: always signed then; messaging: if
//! `messaging_signature`), `x-360dialog-signature: <lower-case hex HMAC-SHA256(secret, raw
//! body)>` (PROVIDERS.md §4, bare hex). The secret is read at each attempt. Retries follow the
//! sandbox's `webhook_backoff` until a 2xx; redirects are not followed. Each delivery is logged in
//! its partner's state with attempts and the last error.
//!
//! The partner event body is UNCONFIRMED (the docs show images): `{"event", "partner_id",
//! "client_id", "channel_id", "timestamp": "<unix seconds>", "payload": {…}}`.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::store::Delivery;
use super::{auth, SIGNATURE_HEADER};
use crate::chatarchitect::partners::PartnerId;
use crate::chatarchitect::registration::webhook::attempt_outcome;
use crate::sendzen::project::Secret;
use crate::Sandbox;

/// Lower-case hex HMAC-SHA256(`secret`, `body`).
pub(crate) fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Where a delivery's secret comes from at each attempt.
#[derive(Debug, Clone)]
enum Signer {
    Partner,
    Channel(String),
    Unsigned,
}

/// One delivery to run.
struct Job {
    partner: PartnerId,
    kind: &'static str,
    event: String,
    channel_id: Option<String>,
    url: Option<String>,
    headers: Vec<(String, Secret)>,
    signer: Signer,
    body: Vec<u8>,
}

/// Sends partner event `event` about `client_id` / `channel_id` with `payload`, on a task.
pub(crate) fn partner_event(
    sandbox: &Arc<Sandbox>,
    partner: PartnerId,
    event: &str,
    client_id: &str,
    channel_id: Option<&str>,
    payload: Value,
) {
    let d = sandbox.d360();
    let partner_id = auth::identity(d, partner).partner_id;
    let body = json!({
        "event": event,
        "partner_id": partner_id,
        "client_id": client_id,
        "channel_id": channel_id,
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "payload": payload,
    });
    let rate = d.config.partner_rate_per_second;
    let url = d.store.with(|st| st.partner(partner, rate).webhook_url.clone());
    let job = Job {
        partner,
        kind: "partner",
        event: event.to_owned(),
        channel_id: channel_id.map(str::to_owned),
        url,
        headers: Vec::new(),
        signer: Signer::Partner,
        body: serde_json::to_vec(&body).unwrap_or_default(),
    };
    let sandbox = Arc::clone(sandbox);
    tokio::spawn(async move { run(&sandbox, job).await });
}

/// Delivers a messaging webhook body for `channel_id` (with retries); returns when done.
pub(crate) async fn messaging_event(sandbox: &Sandbox, channel_id: &str, event: &str, body: Vec<u8>) {
    let d = sandbox.d360();
    let Some((partner, hook)) = d.store.with(|st| st.channel(channel_id).map(|c| (c.partner, c.hook.clone()))) else {
        return;
    };
    let signer = if d.config.messaging_signature { Signer::Channel(channel_id.to_owned()) } else { Signer::Unsigned };
    let job = Job {
        partner,
        kind: "messaging",
        event: event.to_owned(),
        channel_id: Some(channel_id.to_owned()),
        url: hook.as_ref().map(|h| h.url.clone()),
        headers: hook.map(|h| h.headers).unwrap_or_default(),
        signer,
        body,
    };
    run(sandbox, job).await;
}

fn secret_of(sandbox: &Sandbox, partner: PartnerId, signer: &Signer) -> Option<Secret> {
    let d = sandbox.d360();
    let rate = d.config.partner_rate_per_second;
    d.store.with(|st| match signer {
        Signer::Partner => st.partner(partner, rate).secret.clone(),
        Signer::Channel(id) => st.channel(id).and_then(|c| c.secret.clone()),
        Signer::Unsigned => None,
    })
}

/// Logs `job`, then attempts it until a 2xx or the backoff runs out.
async fn run(sandbox: &Sandbox, job: Job) {
    let d = sandbox.d360();
    let rate = d.config.partner_rate_per_second;
    let id = d.store.with(|st| {
        let id = st.next_delivery();
        st.partner(job.partner, rate).record_delivery(Delivery {
            id,
            kind: job.kind,
            event: job.event.clone(),
            channel_id: job.channel_id.clone(),
            url: job.url.clone(),
            attempts: 0,
            last_status: None,
            last_error: if job.url.is_none() { "no webhook configured".to_owned() } else { String::new() },
            delivered: false,
            signed: false,
            body: serde_json::from_slice(&job.body).unwrap_or(Value::Null),
        });
        id
    });
    let Some(url) = &job.url else { return };
    for delay in std::iter::once(Duration::ZERO).chain(sandbox.config().webhook_backoff.iter().copied()) {
        tokio::time::sleep(delay).await;
        let secret = secret_of(sandbox, job.partner, &job.signer);
        let (status, result) = match &d.http {
            Ok(client) => {
                let mut req = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
                for (name, value) in &job.headers {
                    req = req.header(name.as_str(), value.expose());
                }
                if let Some(s) = &secret {
                    req = req.header(SIGNATURE_HEADER, signature(s.expose().as_bytes(), &job.body));
                }
                attempt_outcome(req.body(job.body.clone()).send().await)
            }
            Err(e) => (None, Err(e.clone())),
        };
        let ok = result.is_ok();
        tracing::debug!(kind = job.kind, event = %job.event, ?status, ok, "360dialog webhook attempt");
        d.store.with(|st| {
            let log = &mut st.partner(job.partner, rate).deliveries;
            if let Some(r) = log.iter_mut().rev().find(|r| r.id == id) {
                r.attempts += 1;
                r.last_status = status;
                r.last_error = result.err().unwrap_or_default();
                r.delivered = ok;
                r.signed = secret.is_some();
            }
        });
        if ok {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_bare_lower_case_hex_hmac_sha256_of_the_raw_body() {
        // Python: hmac.new(b"dashboard-secret", b'{"object":"whatsapp_business_account"}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"dashboard-secret", br#"{"object":"whatsapp_business_account"}"#),
            "a9c70dafa7a09bc6e7a94bc565815808a1b9088cbdac320ff08b8c734af1e479"
        );
    }
}
