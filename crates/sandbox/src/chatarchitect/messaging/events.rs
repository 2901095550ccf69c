//! After `submitted`: the status progression of one message and the delivery of every messaging
//! webhook (statuses and inbound messages) to the URL the app registered with `/webhook`.
//!
//! A message's events are planned at acceptance from the app's settings and the destination
//! ([`Job::plan`]): `sent`, `delivered`, `read` at their delays (×10 for a slow destination,
//! without `read` for one that never reads), or a single `failed` at the `sent` delay. Options:
//! `reorder` permutes the statuses over the planned times (never the natural order), `duplicates`
//! delivers each event twice, `wamid_ids` gives non-failed events a WhatsApp id with the
//! `messageId` in `gsId`.
//!
//! Shapes follow the seed's examples: `{"app","timestamp","version":2,"type":"message-event",
//! "payload":{"id","type","destination","payload"}}`; for `failed` the inner payload is
//! `{"code","reason"}`, for the others `{"ts": <unix seconds>}` (Gupshup v2's form; an assumption,
//! the seed shows only `failed`). `app` is the app id (the seed's `app` is an app name the
//! sandbox does not have).
//!
//! One tokio task per message delivers its events in order, each after its time has come; an
//! event is retried after each of the sandbox's `webhook_backoff` delays until a 2xx, which
//! delays that message's later events (never another message's). Bodies are serialised once per
//! event; every attempt and copy sends those bytes. No signature: the seed documents none.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use rand::seq::SliceRandom;
use serde::Serialize;
use serde_json::{json, Value};

use super::catalogue::Failure;
use super::destinations::{Behaviour, Destination, Persona};
use super::settings::MessagingConfig;
use super::{inbound, Hook};
use crate::chatarchitect::registration::webhook::attempt_outcome;
use crate::chatarchitect::{random_string, ALNUM};
use crate::Sandbox;

/// `last_error` of an event that had nowhere to go.
pub(crate) const NO_WEBHOOK: &str = "no webhook registered";
/// How much later everything happens for a slow destination.
const SLOW_FACTOR: u32 = 10;

/// A status a message event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }
}

/// One planned event: its status and its time after acceptance.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) at: Duration,
    pub(crate) status: Status,
}

/// Everything one message's events need, fixed at acceptance.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) message_id: String,
    destination: String,
    steps: Vec<Step>,
    failure: Option<Failure>,
    duplicates: bool,
    /// The WhatsApp id of `wamid_ids` mode.
    wamid: Option<String>,
    persona: Option<Persona>,
}

impl Job {
    /// The events of a message to `number` (behaving as `destination`), failing with `failure`
    /// if one is given.
    pub(crate) fn plan(
        settings: &MessagingConfig,
        message_id: String,
        number: String,
        destination: Destination,
        failure: Option<Failure>,
    ) -> Job {
        Job {
            message_id,
            destination: number,
            steps: plan_steps(settings, destination, failure.is_some()),
            failure,
            duplicates: settings.duplicates,
            wamid: settings.wamid_ids.then(|| format!("gBEGk{}", random_string(22, ALNUM))),
            persona: destination.persona,
        }
    }

    /// The webhook body of `status`.
    fn body(&self, app_id: &str, status: Status) -> Value {
        let now = chrono::Utc::now();
        let (id, gs_id) = match (&self.wamid, status) {
            (Some(wamid), Status::Sent | Status::Delivered | Status::Read) => (wamid.as_str(), Some(&self.message_id)),
            _ => (self.message_id.as_str(), None),
        };
        let inner = match (&self.failure, status) {
            (Some(f), Status::Failed) => json!({ "code": f.code, "reason": f.reason }),
            _ => json!({ "ts": now.timestamp() }),
        };
        let mut payload =
            json!({ "id": id, "type": status.as_str(), "destination": self.destination, "payload": inner });
        if let (Some(gs_id), Some(map)) = (gs_id, payload.as_object_mut()) {
            map.insert("gsId".to_owned(), json!(gs_id));
        }
        json!({ "app": app_id, "timestamp": now.timestamp_millis(), "version": 2, "type": "message-event", "payload": payload })
    }
}

/// The statuses of one message and their times after acceptance, in delivery order: `sent`,
/// `delivered`, `read` at their delays (×10 for a slow destination, without `read` for one that
/// never reads), or a single `failed` at the `sent` delay; permuted when `settings.reorder` is on.
/// Shared with the SendZen simulator, whose statuses follow the same timing settings.
pub(crate) fn plan_steps(settings: &MessagingConfig, destination: Destination, failed: bool) -> Vec<Step> {
    let factor = if destination.behaviour == Behaviour::Slow { SLOW_FACTOR } else { 1 };
    let mut steps = if failed {
        vec![Step { at: settings.sent_delay * factor, status: Status::Failed }]
    } else {
        let mut s = vec![
            Step { at: settings.sent_delay * factor, status: Status::Sent },
            Step { at: settings.delivered_delay * factor, status: Status::Delivered },
            Step { at: settings.read_delay * factor, status: Status::Read },
        ];
        if destination.behaviour == Behaviour::NeverRead {
            s.pop();
        }
        s
    };
    steps.sort_by_key(|s| s.at);
    if settings.reorder {
        reorder(&mut steps);
    }
    steps
}

/// Permutes the statuses over the planned times so the order differs from the natural one.
fn reorder(steps: &mut [Step]) {
    if steps.len() < 2 {
        return;
    }
    let natural: Vec<Status> = steps.iter().map(|s| s.status).collect();
    let mut statuses = natural.clone();
    let mut rng = rand::rng();
    while statuses == natural {
        statuses.shuffle(&mut rng);
    }
    for (step, status) in steps.iter_mut().zip(statuses) {
        step.status = status;
    }
}

/// Delivers `job`'s events on a tokio task (needs a tokio runtime).
pub(crate) fn spawn(sandbox: Arc<Sandbox>, app_id: String, job: Job) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for step in &job.steps {
            tokio::time::sleep_until(start + step.at).await;
            let body = job.body(&app_id, step.status);
            for _ in 0..if job.duplicates { 2 } else { 1 } {
                deliver(&sandbox, &app_id, Hook::MessageEvent, &job.message_id, step.status.as_str(), &body).await;
            }
            if step.status == Status::Read {
                if let Some(persona) = job.persona {
                    inbound::persona_reply(&sandbox, &app_id, &job.destination, persona).await;
                }
            }
        }
    });
}

/// One webhook delivery, as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryRecord {
    #[serde(skip)]
    id: u64,
    /// The message a status is about, or the inbound message's id.
    pub(crate) message_id: String,
    /// `sent`, `delivered`, `read`, `failed` or `message` (inbound).
    pub(crate) event: String,
    /// Where it went; `null` when no webhook was registered.
    url: Option<String>,
    attempts: u32,
    last_status: Option<u16>,
    /// `""` after a success.
    last_error: String,
    delivered: bool,
    /// The JSON body.
    body: Value,
}

/// Delivers `body` to the app's webhook with retries, and logs it (also when there is no webhook:
/// then the event stays in the log, undelivered).
pub(crate) async fn deliver(sandbox: &Sandbox, app_id: &str, hook: Hook, message_id: &str, event: &str, body: &Value) {
    let messaging = sandbox.chatarchitect().messaging();
    let id = messaging.next_delivery_id();
    let url = messaging.with_app(app_id, |app| {
        let url = app.webhook.as_ref().map(|w| w.url_for(hook).to_owned());
        app.record_delivery(DeliveryRecord {
            id,
            message_id: message_id.to_owned(),
            event: event.to_owned(),
            url: url.clone(),
            attempts: 0,
            last_status: None,
            last_error: if url.is_none() { NO_WEBHOOK.to_owned() } else { String::new() },
            delivered: false,
            body: body.clone(),
        });
        url
    });
    let Some(url) = url else { return };
    let bytes = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
    let backoff = sandbox.config().webhook_backoff.clone();
    for delay in std::iter::once(Duration::ZERO).chain(backoff) {
        tokio::time::sleep(delay).await;
        let (status, result) = match &sandbox.chatarchitect().registration().http {
            Ok(client) => post(client, &url, &bytes).await,
            Err(e) => (None, Err(e.clone())),
        };
        let ok = result.is_ok();
        tracing::debug!(app_id, message_id, event, ?status, ok, "messaging webhook attempt");
        messaging.with_app(app_id, |app| {
            if let Some(r) = app.deliveries.iter_mut().rev().find(|r| r.id == id) {
                r.attempts += 1;
                r.last_status = status;
                r.last_error = result.err().unwrap_or_default();
                r.delivered = ok;
            }
        });
        if ok {
            return;
        }
    }
}

async fn post(client: &reqwest::Client, url: &str, body: &Bytes) -> (Option<u16>, Result<(), String>) {
    let res =
        client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.clone()).send().await;
    attempt_outcome(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(job: &Job) -> Vec<&'static str> {
        job.steps.iter().map(|s| s.status.as_str()).collect()
    }

    #[test]
    fn plans_follow_the_destination() {
        let c = MessagingConfig::default();
        let normal = Job::plan(&c, "m".into(), "1".into(), Destination::demo("421233221242"), None);
        assert_eq!(statuses(&normal), ["sent", "delivered", "read"]);
        let never =
            Job::plan(&c, "m".into(), "1".into(), Destination::demo(super::super::destinations::DEMO_NEVER_READ), None);
        assert_eq!(statuses(&never), ["sent", "delivered"]);
        let slow =
            Job::plan(&c, "m".into(), "1".into(), Destination::demo(super::super::destinations::DEMO_SLOW), None);
        assert_eq!(slow.steps[2].at, c.read_delay * 10);
        let failed = Failure { code: 1, reason: "r".into() };
        let fails = Job::plan(&c, "m".into(), "1".into(), Destination::demo("421233221242"), Some(failed));
        assert_eq!(statuses(&fails), ["failed"]);
    }

    #[test]
    fn reorder_never_keeps_the_natural_order_and_wamids_keep_gs_id() {
        let c = MessagingConfig { reorder: true, wamid_ids: true, ..Default::default() };
        for _ in 0..20 {
            let job = Job::plan(&c, "m".into(), "1".into(), Destination::demo("421233221242"), None);
            assert_ne!(statuses(&job), ["sent", "delivered", "read"]);
            let body = job.body("app", Status::Read);
            assert_eq!(body["payload"]["gsId"], "m");
            assert!(body["payload"]["id"].as_str().unwrap().starts_with("gBEGk"));
        }
    }
}
