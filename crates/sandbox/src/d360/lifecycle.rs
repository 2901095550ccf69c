//! A submitted channel's lifecycle: after each `stage_delay`, `channel_created` →
//! `channel_submitted` → `channel_ready` → `channel_running` → `channel_live` (PROVIDERS.md §4),
//! each updating the channel's `status` and sent as a partner webhook with the channel object as
//! `payload`.
//!
//! The channel exists with status `created` from the submission on (so it is listed at once);
//! the `channel_created` event follows after the first delay. The control surface can hold the
//! lifecycle before a stage (`hold`) and let it go on (`release`); a held task polls every
//! [`HOLD_POLL`]. Each event's delivery runs on its own task, so a partner webhook that fails and
//! is retried does not delay the lifecycle.

use std::sync::Arc;
use std::time::Duration;

use super::auth;
use super::channel::Stage;
use super::webhooks;
use crate::Sandbox;

/// How often a held lifecycle checks whether it was released.
const HOLD_POLL: Duration = Duration::from_millis(20);

/// What the stage task does next.
enum Next {
    Wait,
    Go,
    Gone,
}

/// Runs channel `channel_id`'s lifecycle on a tokio task.
pub(crate) fn start(sandbox: Arc<Sandbox>, channel_id: String) {
    tokio::spawn(async move {
        let delay = sandbox.d360().config.stage_delay;
        for stage in Stage::ALL {
            tokio::time::sleep(delay).await;
            loop {
                let next = sandbox.d360().store.with(|st| match st.channel(&channel_id) {
                    None => Next::Gone,
                    Some(ch) if ch.hold == Some(stage) => Next::Wait,
                    Some(_) => Next::Go,
                });
                match next {
                    Next::Gone => return,
                    Next::Wait => tokio::time::sleep(HOLD_POLL).await,
                    Next::Go => break,
                }
            }
            advance(&sandbox, &channel_id, stage);
        }
    });
}

/// Moves the channel to `stage` and announces it.
fn advance(sandbox: &Arc<Sandbox>, channel_id: &str, stage: Stage) {
    let d = sandbox.d360();
    let Some((partner, client_id)) = d.store.with(|st| {
        let ch = st.channel(channel_id)?;
        if ch.status < stage {
            ch.status = stage;
            ch.modified_at = chrono::Utc::now();
        }
        Some((ch.partner, ch.client_id.clone()))
    }) else {
        return;
    };
    let partner_id = auth::identity(d, partner).partner_id;
    let Some(payload) = d.store.with(|st| st.channel(channel_id).map(|c| c.object(&partner_id))) else { return };
    tracing::debug!(channel_id, stage = stage.as_str(), "360dialog channel stage");
    webhooks::partner_event(sandbox, partner, stage.event(), &client_id, Some(channel_id), payload);
}
