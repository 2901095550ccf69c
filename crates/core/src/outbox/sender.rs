//! The sender: works through a started campaign at its rate until every recipient is sent to,
//! or the campaign is paused or cancelled (from this process or another).
//!
//! Each recipient is claimed (message written `pending`) before its call; the answer is written
//! as soon as it comes. A 429 holds the whole campaign for the provider's `Retry-After` and puts
//! the recipient back; a 5xx or a refused connection puts it back with a jittered, growing
//! backoff, a bounded number of times. A call that got no answer makes the recipient uncertain,
//! and nothing resends it without the admin.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::lock::CampaignLock;
use super::pacer::{backoff, jittered, Pacer};
use super::queue::{recipient_state, Claim, Queued};
use super::{CampaignState, CampaignView};
use crate::error::{Error, ProviderFailure, Result};
use crate::messaging::{Change, Messaging};
use crate::providers::messaging::{MessagingApi, Outbound, SendError};
use crate::store::{now_ms, Store};

/// Calls in flight at once: enough for a provider that answers in 400 ms at 80/s.
const MAX_IN_FLIGHT: u32 = 32;
/// How often the sender looks whether the campaign was paused or cancelled, and reports progress.
const CHECK_EVERY: Duration = Duration::from_millis(250);
/// Calls refused with 429 for one recipient before it counts as not submitted.
const MAX_RATE_LIMITED: u32 = 20;
/// Calls refused with a 5xx (or no connection) for one recipient before it counts as not submitted.
const MAX_RETRIES: u32 = 5;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Called with the campaign as it stands, a few times a second while it sends.
pub type Progress<'a> = &'a (dyn Fn(&CampaignView) + Send + Sync);

/// Sends campaign `id` in this process until it is done, paused or cancelled; returns it as it
/// then stands. A scheduled campaign is waited for until its time. Fails with `Error::Busy` when
/// another process sends it.
pub(crate) async fn run(
    store: &Arc<Store>,
    messaging: &Messaging,
    id: &str,
    progress: Progress<'_>,
) -> Result<CampaignView> {
    let _lock = CampaignLock::acquire(store.path(), id)?;
    let uncertain = store.settle_orphaned_sends(id)?;
    if uncertain > 0 {
        tracing::warn!(campaign = id, uncertain, "sends interrupted by a stop are now uncertain");
    }
    if !wait_for_start(store, id, progress).await? {
        return store.campaign(id);
    }
    let campaign = store.campaign(id)?;
    messaging.ensure_webhook(&campaign.account_id).await;
    let api: Arc<dyn MessagingApi> = match messaging.api(&campaign.account_id).await {
        Ok(api) => Arc::from(api),
        Err(e) => {
            // Shown on the campaign (the app tries again every few seconds; the CLI exits with it).
            store.set_campaign_waiting(id, Some(&format!("Cannot send yet: {e}")))?;
            return Err(e);
        }
    };
    let marketing = store.campaign_template_category(id)?.is_some_and(|c| c.eq_ignore_ascii_case("MARKETING"));
    let claim =
        Claim { campaign_id: id, account_id: &campaign.account_id, template_id: &campaign.template_id, marketing };
    let state = Dispatch::new(store.clone(), id, campaign.rate_per_second);
    let outcome = state.run(&api, &claim, progress).await;
    state.drain().await;
    store.set_campaign_waiting(id, None)?;
    let stopped = outcome?;
    if !stopped && !store.has_unsent(id)? {
        store.move_campaign(id, &[CampaignState::Running], CampaignState::Done)?;
    }
    let view = store.campaign(id)?;
    progress(&view);
    Ok(view)
}

/// Waits for a scheduled campaign's time; returns whether the campaign is running.
async fn wait_for_start(store: &Store, id: &str, progress: Progress<'_>) -> Result<bool> {
    loop {
        let c = store.campaign(id)?;
        match c.state {
            CampaignState::Running => return Ok(true),
            CampaignState::Scheduled if c.scheduled_at.is_none_or(|at| at <= now_ms()) => {
                store.move_campaign(id, &[CampaignState::Scheduled], CampaignState::Running)?;
            }
            CampaignState::Scheduled => {
                progress(&c);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            _ => return Ok(false),
        }
    }
}

/// One run's moving parts, shared with the call tasks.
struct Dispatch {
    store: Arc<Store>,
    id: String,
    rate: f64,
    in_flight: Arc<Semaphore>,
    /// The latest `Retry-After` deadline a call task saw.
    hold: Arc<Mutex<Option<Instant>>>,
    /// Recipients handed to a call task and not settled yet: still `queued` in the store until
    /// their task claims them, so a fresh batch must skip them.
    dispatched: Arc<Mutex<std::collections::HashSet<i64>>>,
}

impl Dispatch {
    fn new(store: Arc<Store>, id: &str, rate: f64) -> Dispatch {
        Dispatch {
            store,
            id: id.to_owned(),
            rate,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT as usize)),
            hold: Arc::new(Mutex::new(None)),
            dispatched: Arc::default(),
        }
    }

    /// Dispatches until nothing is left (`Ok(false)`) or the campaign stopped running (`Ok(true)`).
    async fn run(&self, api: &Arc<dyn MessagingApi>, claim: &Claim<'_>, progress: Progress<'_>) -> Result<bool> {
        let mut batch: std::collections::VecDeque<Queued> = Default::default();
        let mut watch = Watch { checked: Instant::now() - CHECK_EVERY, waiting_shown: false };
        let mut pacer = Pacer::new(self.rate);
        loop {
            if watch.due() && self.check(&mut watch, progress)? {
                return Ok(true);
            }
            if batch.is_empty() {
                let dispatched = self.dispatched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
                let queued = self.store.next_queued(&self.id, -1, 256)?;
                batch.extend(queued.into_iter().filter(|q| !dispatched.contains(&q.position)));
            }
            let Some(q) = batch.pop_front() else {
                if !self.store.has_unsent(&self.id)? {
                    return Ok(false);
                }
                // In flight, or backing off: look again soon.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            if self.next_slot(&mut pacer, &mut watch, progress).await? {
                return Ok(true);
            }
            let permit = self.in_flight.clone().acquire_owned().await.map_err(|e| Error::Internal(e.to_string()))?;
            self.dispatched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(q.position);
            let call = Call {
                store: self.store.clone(),
                api: api.clone(),
                hold: self.hold.clone(),
                dispatched: self.dispatched.clone(),
                campaign_id: self.id.clone(),
                account_id: claim.account_id.to_owned(),
                template_id: claim.template_id.to_owned(),
                marketing: claim.marketing,
            };
            // The claim (a store write) happens in the task, so a busy store never delays the
            // next slot: the pacing loop only waits for the clock and a free call.
            tokio::spawn(async move {
                call.run(q).await;
                drop(permit);
            });
        }
    }

    /// Looks whether the campaign still runs, reports progress and shows any wait; returns
    /// whether the campaign stopped running (paused or cancelled, here or elsewhere).
    fn check(&self, watch: &mut Watch, progress: Progress<'_>) -> Result<bool> {
        watch.checked = Instant::now();
        let view = self.store.campaign(&self.id)?;
        progress(&view);
        self.store.announce([Change::Campaign { campaign_id: self.id.clone() }]);
        if view.state != CampaignState::Running {
            return Ok(true);
        }
        watch.waiting_shown = self.show_waiting(watch.waiting_shown)?;
        Ok(false)
    }

    /// Waits for the pacer's next slot, after any hold a 429 asked for, checking on the campaign
    /// while it waits (a `Retry-After` can be minutes); returns whether it stopped running.
    async fn next_slot(&self, pacer: &mut Pacer, watch: &mut Watch, progress: Progress<'_>) -> Result<bool> {
        let hold = *self.hold.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = hold {
            pacer.hold(until);
        }
        let slot = pacer.reserve();
        while Instant::now() < slot {
            tokio::time::sleep_until(slot.min(Instant::now() + CHECK_EVERY)).await;
            if watch.due() && self.check(watch, progress)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Shows (or clears) why the sender holds back; returns whether a reason is shown.
    fn show_waiting(&self, shown: bool) -> Result<bool> {
        let hold = *self.hold.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let left = hold.and_then(|h| h.checked_duration_since(Instant::now()));
        match left {
            Some(d) => {
                let text = format!(
                    "The provider asked to slow down (HTTP 429); sending resumes in {} s",
                    d.as_secs_f64().ceil() as u64
                );
                self.store.set_campaign_waiting(&self.id, Some(&text))?;
                Ok(true)
            }
            None if shown => {
                self.store.set_campaign_waiting(&self.id, None)?;
                Ok(false)
            }
            None => Ok(false),
        }
    }

    /// Waits until every call in flight has answered and been written.
    async fn drain(&self) {
        let _ = self.in_flight.acquire_many(MAX_IN_FLIGHT).await;
    }
}

/// When the sender last looked at its campaign.
struct Watch {
    checked: Instant,
    waiting_shown: bool,
}

impl Watch {
    fn due(&self) -> bool {
        self.checked.elapsed() >= CHECK_EVERY
    }
}

/// One recipient's call, in its own task: claim, send, write the answer.
struct Call {
    store: Arc<Store>,
    api: Arc<dyn MessagingApi>,
    hold: Arc<Mutex<Option<Instant>>>,
    dispatched: Arc<Mutex<std::collections::HashSet<i64>>>,
    campaign_id: String,
    account_id: String,
    template_id: String,
    marketing: bool,
}

impl Call {
    async fn run(self, q: Queued) {
        let claim = Claim {
            campaign_id: &self.campaign_id,
            account_id: &self.account_id,
            template_id: &self.template_id,
            marketing: self.marketing,
        };
        match self.store.claim(&claim, &q) {
            Ok(None) => {}
            Ok(Some(message_id)) => {
                let outbound =
                    Outbound::Template { template_id: &self.template_id, filled_raw: &q.payload, body: &q.body };
                let result = self.api.send(&q.phone, outbound).await;
                if let Err(e) = settle(&self.store, &self.campaign_id, &q, &message_id, result, &self.hold) {
                    // The recipient stays `sending`; the next run marks it uncertain.
                    tracing::error!(campaign = %self.campaign_id, "cannot record a send's answer: {e}");
                }
            }
            // Nothing went out; the recipient is still queued for the next run.
            Err(e) => tracing::error!(campaign = %self.campaign_id, "cannot claim a recipient: {e}"),
        }
        self.dispatched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&q.position);
    }
}

/// Whether a refusal is worth another try later (the provider or the network had a moment).
fn retryable(e: &Error) -> bool {
    matches!(e, Error::Provider(ProviderFailure::Unavailable | ProviderFailure::Unreachable, _))
}

/// Writes a call's answer.
fn settle(
    store: &Store,
    campaign_id: &str,
    q: &Queued,
    message_id: &str,
    result: std::result::Result<crate::providers::messaging::SendReceipt, SendError>,
    hold: &Mutex<Option<Instant>>,
) -> Result<()> {
    let tries = q.tries + 1;
    // The message's answer and the recipient's state commit together.
    let done = |tx: &rusqlite::Transaction<'_>| recipient_state(tx, campaign_id, q.position, "done", None);
    match result {
        Ok(receipt) => store.mark_submitted_with(message_id, &receipt, done),
        Err(SendError::RateLimited { retry_after_s, error }) if tries < MAX_RATE_LIMITED => {
            let wait = retry_after_s
                .map_or_else(|| jittered(Duration::from_secs(1)), Duration::from_secs)
                .min(MAX_RETRY_AFTER);
            let until = Instant::now() + wait;
            {
                let mut h = hold.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if h.is_none_or(|h| h < until) {
                    *h = Some(until);
                }
            }
            store.requeue(campaign_id, q, message_id, now_ms() + wait.as_millis() as i64, &error.to_string(), true)
        }
        Err(SendError::RateLimited { error, .. }) => {
            store.mark_not_submitted_with(message_id, Some(429), &error.to_string(), done)
        }
        Err(SendError::NotAccepted(e)) if retryable(&e) && tries < MAX_RETRIES => {
            let wait = backoff(tries);
            store.requeue(campaign_id, q, message_id, now_ms() + wait.as_millis() as i64, &e.to_string(), false)
        }
        Err(SendError::NotAccepted(e)) => store.mark_not_submitted_with(message_id, None, &e.to_string(), done),
        Err(SendError::Uncertain(e)) => {
            let why = e.to_string();
            store.mark_uncertain_with(message_id, &why, |tx| {
                recipient_state(tx, campaign_id, q.position, "uncertain", Some(&why))
            })
        }
    }
}
