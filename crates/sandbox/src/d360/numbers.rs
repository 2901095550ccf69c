//! `POST /partners/{partner_id}/account_sharing/numbers` (seed 003 "Step 3"): submits a WABA
//! shared through the partner's (simulated) Embedded Signup and answers the seed's queued
//! domain-event object.
//!
//! Body `{solution_id*, waba_external_id*, waba_business_id?, client_id?, tier?}`, checked after
//! the key, path, armed failure and rate: first each field's presence and type and `tier`, then,
//! in this order, the references: `solution_id` must be the partner's
//! derived solution; `waba_external_id` a WABA a FINISH or FINISH_ONLY_WABA of this partner's
//! signup produced (in memory: a restart forgets them); `client_id` one of the partner's
//! clients; `tier` `basic`, `regular` (default) or `premium`. Without `client_id` a client is
//! created for the WABA (UNCONFIRMED; the seed's `partner_payload` says such clients are "created
//! automatically by partner/tech provider") and announced with `client_created`.
//!
//! One channel per WABA: its id is derived from the partner key and the WABA id. A second
//! submission answers 200 again with a new command but creates no second channel and no second
//! lifecycle ([`super::lifecycle`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::channel::{hub_time, Channel, NewChannel};
use super::error::HubError;
use super::identity::{channel_id, client_id, waba_account_id, PartnerIdentity};
use super::input::{optional, required};
use super::store::{self, Client, Endpoint, SharedWaba};
use super::{auth, lifecycle, webhooks, D360, EVENT_CLIENT_CREATED};
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

/// The pricing tiers the seed allows.
pub(crate) const TIERS: &[&str] = &["basic", "regular", "premium"];
/// Longest id field accepted, in characters.
const MAX_ID: usize = 200;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/partners/{partner_id}/account_sharing/numbers", post(submit))
}

/// A checked submission.
#[derive(Debug, PartialEq, Eq)]
struct Submission {
    solution_id: String,
    waba_external_id: String,
    waba_business_id: Option<String>,
    client_id: Option<String>,
    tier: String,
}

fn parse(map: &Map<String, Value>) -> Result<Submission, HubError> {
    let bad = HubError::bad_request;
    let tier = optional(map, "tier", MAX_ID).map_err(bad)?.unwrap_or_else(|| "regular".to_owned());
    let s = Submission {
        solution_id: required(map, "solution_id", MAX_ID).map_err(bad)?,
        waba_external_id: required(map, "waba_external_id", MAX_ID).map_err(bad)?,
        waba_business_id: optional(map, "waba_business_id", MAX_ID).map_err(bad)?,
        client_id: optional(map, "client_id", MAX_ID).map_err(bad)?,
        tier,
    };
    if !TIERS.contains(&s.tier.as_str()) {
        return Err(bad(format!("tier must be one of {}", TIERS.join(", "))));
    }
    Ok(s)
}

/// What the checks found.
struct Accepted {
    waba: SharedWaba,
    client: Client,
    /// Whether the client was created for this submission.
    new_client: bool,
    /// Whether this submission created the channel.
    new_channel: bool,
    channel_id: String,
    command: u64,
}

async fn submit(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, HubError> {
    let d = sandbox.d360();
    let (partner, identity) = auth::hub(d, &headers, &partner_id, Some(Endpoint::Numbers))?;
    let s = parse(&auth::object(body, false)?)?;
    if s.solution_id != identity.solution_id {
        return Err(HubError::bad_request("solution_id is not an approved solution of this partner"));
    }
    let ctx = Ctx { partner, identity: &identity, key: d.partners.signing_key(partner), now: Utc::now() };
    let a = d.store.with(|st| accept(st, &ctx, &s, d))?;
    if a.new_client {
        webhooks::partner_event(&sandbox, partner, EVENT_CLIENT_CREATED, &a.client.id, None, a.client.listed());
    }
    if a.new_channel {
        lifecycle::start(Arc::clone(&sandbox), a.channel_id.clone());
    }
    let business = s.waba_business_id.clone().unwrap_or_else(|| a.waba.business_id.clone());
    Ok(Json(command(a.command, ctx.now, &identity, &a.client, &a.waba, &business, &s.tier)))
}

/// Who submits, and when.
struct Ctx<'a> {
    partner: PartnerId,
    identity: &'a PartnerIdentity,
    /// The partner key identities are derived under.
    key: &'a [u8],
    now: DateTime<Utc>,
}

/// Checks the submission's references under the lock and creates what it needs (client,
/// channel); the channel's lifecycle is the caller's to start.
fn accept(st: &mut store::State, ctx: &Ctx<'_>, s: &Submission, d: &D360) -> Result<Accepted, HubError> {
    let p = st.partner(ctx.partner, d.config.partner_rate_per_second);
    let waba = p.wabas.get(&s.waba_external_id).cloned().ok_or_else(|| {
        HubError::bad_request("waba_external_id was not shared through this partner's Embedded Signup")
    })?;
    let (client, new_client) = match &s.client_id {
        Some(id) => {
            let found = p.client(id).cloned();
            (found.ok_or_else(|| HubError::bad_request("client_id is not a client of this partner"))?, false)
        }
        None => {
            let id = client_id(ctx.key, &format!("waba:{}", waba.waba_id));
            match p.client(&id) {
                Some(c) => (c.clone(), false),
                None => {
                    let c = Client {
                        id,
                        name: waba.business_name.clone(),
                        email: String::new(),
                        user_name: waba.business_name.clone(),
                        user_id: ctx.identity.user_id.clone(),
                        created_at: ctx.now,
                    };
                    p.clients.push(c.clone());
                    (c, true)
                }
            }
        }
    };
    let channel = channel_id(ctx.key, &waba.waba_id);
    let new_channel = !st.channels.contains_key(&channel);
    if new_channel {
        let n = NewChannel {
            id: channel.clone(),
            client_id: client.id.clone(),
            waba_id: waba.waba_id.clone(),
            waba_account_id: waba_account_id(ctx.key, &waba.waba_id),
            phone_number_id: waba.phone_number_id.clone(),
            phone_number: waba.phone_number.clone(),
            phone_name: waba.business_name.clone(),
            pricing_tier: s.tier.clone(),
        };
        st.channels.insert(channel.clone(), Channel::new(ctx.partner, n, &d.config.messaging, ctx.now));
    }
    Ok(Accepted { waba, client, new_client, new_channel, channel_id: channel, command: st.next_command() })
}

/// The seed's `value.payload.properties`: the client the number is connected to.
fn properties(
    now: DateTime<Utc>,
    identity: &PartnerIdentity,
    client: &Client,
    waba: &SharedWaba,
    business_id: &str,
    tier: &str,
) -> Value {
    let at = hub_time(now);
    let by = json!({ "user_id": identity.user_id, "user_name": client.user_name });
    json!({
        "campaign_id": null,
        "channel_origin": "tech_provider",
        "hosting_platform_type": "meta_cloud_api",
        "contact_info": null,
        "contact_user": null,
        "created_at": hub_time(client.created_at),
        "created_by": by,
        "has_integration_layer": false,
        "id": client.id,
        "input_token": "",
        "meta_info": null,
        "modified_at": at,
        "modified_by": by,
        "name": waba.business_name,
        "organisation": business_id,
        "partner_payload": "This client is created automatically by partner/tech provider",
        "max_channels": 10,
        "suspicious": false,
        "status": "active",
        "pricing_tier": tier,
        "bundle_id": null,
        "enabled_for_chat_support": false,
        "waba_external_id": waba.waba_id,
    })
}

/// The seed's domain-event object with its ids filled in.
fn command(
    n: u64,
    now: DateTime<Utc>,
    identity: &PartnerIdentity,
    client: &Client,
    waba: &SharedWaba,
    business_id: &str,
    tier: &str,
) -> Value {
    let at = hub_time(now);
    let properties = properties(now, identity, client, waba, business_id, tier);
    json!({
        "app_id": null,
        "created_at": at,
        "expires_at": hub_time(now + chrono::Duration::days(7)),
        "start_at": at,
        "debug_info": null,
        "durable": true,
        "id": format!("CMD{n}"),
        "last_retry_at": null,
        "max_retries": 5,
        "name": "event",
        "priority": 9,
        "retries": 0,
        "source": "csi_partners",
        "status": "created",
        "topic": "domain-events",
        "value": {
            "action_name": "event",
            "app_id": null,
            "payload": {
                "actor_id": identity.user_id,
                "channel_id": null,
                "client_id": client.id,
                "config_id": null,
                "id": format!("DM{n}"),
                "name": "fb_login_callback",
                "partner_id": identity.partner_id,
                "project_id": null,
                "properties": properties,
                "scope": "client",
                "timestamp": now.timestamp().to_string(),
                "waba_account_id": null,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_are_checked_field_by_field() {
        let p = |v: Value| parse(v.as_object().unwrap()).map_err(|e| e.message.into_owned());
        let ok = p(json!({ "solution_id": "s", "waba_external_id": "1" })).unwrap();
        assert_eq!((ok.tier.as_str(), ok.client_id), ("regular", None));
        assert_eq!(p(json!({ "waba_external_id": "1" })).unwrap_err(), "solution_id is required");
        assert_eq!(p(json!({ "solution_id": "s" })).unwrap_err(), "waba_external_id is required");
        assert!(p(json!({ "solution_id": "s", "waba_external_id": "1", "tier": "gold" }))
            .unwrap_err()
            .contains("tier"));
        assert_eq!(
            p(json!({ "solution_id": "s", "waba_external_id": "1", "tier": "premium" })).unwrap().tier,
            "premium"
        );
        assert!(p(json!({ "solution_id": "s", "waba_external_id": 1 })).unwrap_err().contains("string"));
    }
}
