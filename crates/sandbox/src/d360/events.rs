//! What a channel's messaging webhook receives, in Meta's envelope (PROVIDERS.md §4 "Webhooks":
//! "Meta's envelope unchanged"): the statuses of accepted messages and messages simulated
//! customers write.
//!
//! The status plan, failures and personas are the SendZen simulator's
//! ([`Job`](crate::sendzen::events::Job)): `sent`, `delivered`, `read`, or one `failed` with
//! Meta's `errors[]` (131026 not on WhatsApp, 131050 opted out, 131047 outside the 24-hour
//! window); a persona number writes back once it has read a message. One tokio task per message
//! delivers its statuses in order.

use std::sync::Arc;

use serde_json::{json, Value};

use super::webhooks;
use crate::chatarchitect::messaging::events::Status;
use crate::sendzen::events::Job;
use crate::sendzen::inbound::Written;
use crate::sendzen::project::wamid;
use crate::sendzen::webhooks::{envelope, Number};
use crate::Sandbox;

/// The envelope around `item` for channel `channel_id`; `None` if the sandbox does not hold it.
fn channel_envelope(
    sandbox: &Sandbox,
    channel_id: &str,
    key: &str,
    item: Value,
    contact: Option<Value>,
) -> Option<Value> {
    sandbox.d360().store.with(|st| {
        let ch = st.channel(channel_id)?;
        let number = Number { waba_id: &ch.waba_id, phone_number_id: &ch.phone_number_id, display: &ch.phone_number };
        Some(envelope(number, key, item, contact))
    })
}

/// Delivers `job`'s statuses to channel `channel_id`'s webhook on a tokio task.
pub(crate) fn spawn(sandbox: Arc<Sandbox>, channel_id: String, job: Job) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for step in &job.steps {
            tokio::time::sleep_until(start + step.at).await;
            let Some(body) = channel_envelope(&sandbox, &channel_id, "statuses", job.status(step.status), None) else {
                return;
            };
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            for _ in 0..if job.duplicates { 2 } else { 1 } {
                webhooks::messaging_event(&sandbox, &channel_id, step.status.as_str(), bytes.clone()).await;
            }
            if let (Status::Read, Some(persona)) = (step.status, job.persona) {
                let reply = Written::text(&job.recipient_id, persona.reply());
                customer_writes(&sandbox, &channel_id, reply).await;
            }
        }
    });
}

/// Opens the customer's window, logs the message and builds its webhook body: `(message id,
/// bytes)`; `None` if the sandbox does not hold the channel. Synchronous, so a send right after
/// sees the window.
pub(crate) fn record(sandbox: &Sandbox, channel_id: &str, w: &Written) -> Option<(String, Vec<u8>)> {
    let id = wamid();
    let display = sandbox.d360().store.with(|st| st.channel(channel_id).map(|c| c.phone_number.clone()))?;
    let contact = json!({ "profile": { "name": w.name() }, "wa_id": w.from });
    let message = w.message(&id, &display);
    let body = channel_envelope(sandbox, channel_id, "messages", message.clone(), Some(contact))?;
    sandbox.d360().store.with(|st| {
        let ch = st.channel(channel_id)?;
        let at = message["timestamp"].as_str().and_then(|t| t.parse::<i64>().ok()).unwrap_or_default();
        ch.last_inbound.note(&w.from, at.saturating_mul(1000));
        ch.record_inbound(
            json!({ "message_id": id, "from": w.from, "type": w.kind, "timestamp": message["timestamp"] }),
        );
        Some(())
    })?;
    Some((id, serde_json::to_vec(&body).unwrap_or_default()))
}

/// [`record`] then deliver (with retries).
pub(crate) async fn customer_writes(sandbox: &Sandbox, channel_id: &str, w: Written) {
    if let Some((_, bytes)) = record(sandbox, channel_id, &w) {
        webhooks::messaging_event(sandbox, channel_id, "message", bytes).await;
    }
}
