//! After `queued`: the status webhooks of one message, in Meta's envelope (PROVIDERS.md §6; SendZen
//! documents a `delivery_status` event kind but not its payload, so Meta's `value.statuses[]` is
//! an assumption).
//!
//! Timing, demo numbers and options are the ChatArchitect simulator's
//! ([`plan_steps`](crate::chatarchitect::messaging::events::plan_steps), the project's copy of
//! `MessagingConfig`): `sent`, `delivered`, `read`, or one `failed` carrying Meta's `errors[]`.
//! Failures, by precedence: the destination's (the demo number not on WhatsApp: 131026; not opted
//! in: 131050), then the 24-hour window for a non-template message (131047). A persona number
//! writes back once it has read a message.
//!
//! One tokio task per message delivers its statuses in order, each retried on non-2xx; a retry
//! delays that message's later statuses, never another message's.

use std::sync::Arc;

use serde_json::{json, Value};

use super::inbound;
use super::webhooks::{self, meta_envelope, Event};
use crate::chatarchitect::messaging::destinations::{Behaviour, Destination, Persona};
use crate::chatarchitect::messaging::events::{plan_steps, Status, Step};
use crate::{MessagingConfig, Sandbox};

/// Meta's code for a free-form message outside the 24-hour customer service window.
pub const CODE_WINDOW_CLOSED: u32 = 131047;
/// Meta's code for a message that cannot be delivered (the number is not on WhatsApp).
pub const CODE_UNDELIVERABLE: u32 = 131026;
/// Meta's code for a recipient who stopped marketing messages from the business.
pub const CODE_MARKETING_OPT_OUT: u32 = 131050;

/// One entry of a failed status's `errors[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MetaError {
    pub(crate) code: u32,
    pub(crate) title: &'static str,
    pub(crate) details: &'static str,
}

impl MetaError {
    fn json(&self) -> Value {
        json!({
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": { "details": self.details },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        })
    }
}

/// The failure of a free-form message outside the window (Meta's wording).
pub(crate) const WINDOW_CLOSED: MetaError = MetaError {
    code: CODE_WINDOW_CLOSED,
    title: "Re-engagement message",
    details:
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
};

/// The failure every message to a destination ends in, if any.
pub(crate) fn destination_failure(d: Destination) -> Option<MetaError> {
    match d.behaviour {
        Behaviour::NotOnWhatsapp => Some(MetaError {
            code: CODE_UNDELIVERABLE,
            title: "Message undeliverable",
            details: "Message Undeliverable.",
        }),
        Behaviour::NotOptedIn => Some(MetaError {
            code: CODE_MARKETING_OPT_OUT,
            title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
            details: "The recipient has chosen to stop receiving marketing messages from this business.",
        }),
        _ => None,
    }
}

/// Everything one message's statuses need, fixed at acceptance.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) message_id: String,
    /// The customer's number, digits only.
    pub(crate) recipient_id: String,
    pub(crate) steps: Vec<Step>,
    failure: Option<MetaError>,
    pub(crate) duplicates: bool,
    pub(crate) persona: Option<Persona>,
}

impl Job {
    pub(crate) fn plan(
        settings: &MessagingConfig,
        message_id: String,
        recipient_id: String,
        destination: Destination,
        failure: Option<MetaError>,
    ) -> Job {
        Job {
            steps: plan_steps(settings, destination, failure.is_some()),
            message_id,
            recipient_id,
            failure,
            duplicates: settings.duplicates,
            persona: destination.persona,
        }
    }

    /// The `statuses[]` item of `status`.
    pub(crate) fn status(&self, status: Status) -> Value {
        let mut item = json!({
            "id": self.message_id,
            "status": status.as_str(),
            "timestamp": chrono::Utc::now().timestamp().to_string(),
            "recipient_id": self.recipient_id,
        });
        if let (Status::Failed, Some(f), Some(map)) = (status, &self.failure, item.as_object_mut()) {
            map.insert("errors".to_owned(), json!([f.json()]));
        }
        item
    }

    /// The planned status names, in delivery order.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.status.as_str()).collect()
    }

    pub(crate) fn failure_code(&self) -> Option<u32> {
        self.failure.map(|f| f.code)
    }
}

/// Delivers `job`'s statuses to `project_id`'s webhook on a tokio task.
pub(crate) fn spawn(sandbox: Arc<Sandbox>, project_id: String, job: Job) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for step in &job.steps {
            tokio::time::sleep_until(start + step.at).await;
            let sz = sandbox.sendzen();
            let Some(waba) = sz.store.with(|st| st.project(&project_id).and_then(|p| p.waba.clone())) else { return };
            let body = meta_envelope(&waba, "statuses", job.status(step.status), None);
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let event =
                Event { kind: "status", event: step.status.as_str().to_owned(), reference: job.message_id.clone() };
            for _ in 0..if job.duplicates { 2 } else { 1 } {
                webhooks::deliver(&sandbox, &project_id, event.clone(), bytes.clone()).await;
            }
            if let (Status::Read, Some(persona)) = (step.status, job.persona) {
                let reply = inbound::Written::text(&job.recipient_id, persona.reply());
                inbound::customer_writes(&sandbox, &project_id, reply).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chatarchitect::messaging::destinations::{DEMO_NOT_ON_WHATSAPP, DEMO_THANKS};

    #[test]
    fn failed_statuses_carry_metas_errors_and_others_none() {
        let c = MessagingConfig::default();
        let fails = Job::plan(
            &c,
            "wamid.x".into(),
            "15550000002".into(),
            Destination::demo(DEMO_NOT_ON_WHATSAPP),
            destination_failure(Destination::demo(DEMO_NOT_ON_WHATSAPP)),
        );
        assert_eq!(fails.names(), ["failed"]);
        let item = fails.status(Status::Failed);
        assert_eq!(item["errors"][0]["code"], 131_026);
        assert_eq!(item["errors"][0]["error_data"]["details"], "Message Undeliverable.");
        assert!(item["timestamp"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
        let ok = Job::plan(&c, "wamid.y".into(), "15550000005".into(), Destination::demo(DEMO_THANKS), None);
        assert_eq!(ok.names(), ["sent", "delivered", "read"]);
        assert!(ok.status(Status::Sent).get("errors").is_none());
        assert_eq!(WINDOW_CLOSED.json()["code"], 131_047);
    }
}
