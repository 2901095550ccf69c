//! The app's setup pipeline (seed 002 "Get Status"): four stages one `stage_delay` apart, ending
//! in the seed's success example, and then the live event to the app's `callbackUrl`. The
//! intermediate stage names are UNCONFIRMED: they reuse the words of the seed's two examples.

use std::sync::Arc;

use serde_json::{json, Value};

use super::store::Delivery;
use crate::Sandbox;

/// `(creationStage, embedStage, pipeLineStage, uiFormStage, whatsappVerificationStatus)` per stage.
const STAGES: [(&str, &str, &str, &str, &str); 4] = [
    ("APP_CREATED", "EMBED_PENDING", "CREATE_APP", "GET_WHATSAPP_APPROVAL", "PN_DN_PENDING"),
    ("WHATSAPP_PROVISIONING", "EMBED_PENDING", "CREATE_DOCKER", "GET_WHATSAPP_APPROVAL", "PN_DN_APPROVED"),
    ("WHATSAPP_PROVISIONING", "EMBED_STARTED", "REGISTER_NUMBER", "COMPLETE_VERIFICATION", "PN_DN_APPROVED"),
    ("WHATSAPP_PROVISIONING_DONE", "EMBED_STARTED", "FINALIZE", "COMPLETE_VERIFICATION", "WHATSAPP_VERIFICATION_DONE"),
];

/// The pipeline's `whatsapp` object for an app `elapsed` after it was linked.
pub(crate) fn object(stage_delay: std::time::Duration, elapsed: std::time::Duration, created_ms: u64) -> Value {
    let step =
        if stage_delay.is_zero() { 3 } else { (elapsed.as_millis() / stage_delay.as_millis().max(1)).min(3) as usize };
    let (creation, embed, pipe, ui, verification) = STAGES[step];
    json!({
        "countryCode": "", "createdOn": created_ms, "creationStage": creation, "dialCode": "",
        "embedStage": embed, "id": "", "modifiedOn": created_ms + (step as u64) * stage_delay.as_millis() as u64,
        "pipeLineStage": pipe, "uiFormStage": ui, "whatsappVerificationStatus": verification,
    })
}

/// After the last stage, the seed's live event to the app's `callbackUrl`, `live_event_copies`
/// times, each retried with the sandbox's backoff.
pub(crate) async fn live(sandbox: Arc<Sandbox>, app_id: String) {
    let g = sandbox.gupshup();
    tokio::time::sleep(g.config.stage_delay * 3).await;
    let Some((name, phone, url)) = g.store.with(|s| {
        s.apps.get(&app_id).and_then(|a| a.callback_url.clone().map(|u| (a.name.clone(), a.phone.clone(), u)))
    }) else {
        return;
    };
    let body = json!({
        "app": name, "appId": app_id, "phone": phone, "timestamp": super::store::now_secs() * 1000,
        "version": 2, "type": "onboarding-event",
        "payload": { "type": "docker-status-event", "payload": { "status": "live", "waId": phone } },
    });
    for _ in 0..g.config.live_event_copies {
        post(&sandbox, &app_id, "live", &url, &body, &[]).await;
    }
}

/// One callback with retries; every attempt is recorded on the app.
pub(crate) async fn post(
    sandbox: &Sandbox,
    app_id: &str,
    kind: &str,
    url: &str,
    body: &Value,
    headers: &[(String, String)],
) {
    let g = sandbox.gupshup();
    let delays = std::iter::once(std::time::Duration::ZERO).chain(sandbox.config().webhook_backoff.iter().copied());
    for delay in delays {
        tokio::time::sleep(delay).await;
        let (status, error) = match &g.http {
            Ok(http) => {
                let mut req = http.post(url).json(body);
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                match req.send().await {
                    Ok(res) => (Some(res.status().as_u16()), String::new()),
                    Err(e) => (None, e.to_string()),
                }
            }
            Err(e) => (None, e.clone()),
        };
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        g.store.with(|s| {
            if let Some(a) = s.apps.get_mut(app_id) {
                a.deliveries.push(Delivery { kind: kind.to_owned(), url: url.to_owned(), status, error });
            }
        });
        if ok {
            return;
        }
    }
}
