//! Client accounts and the partner webhook URL (seed 003 "Step 1"; PROVIDERS.md §4).
//!
//! - `POST /partners/{partner_id}/account_sharing/clients` `{name, email, user_name}` (all
//!   required non-empty strings of at most [`MAX_FIELD`] characters, `email` with one `@`) → 200
//!   with exactly the seed's object. The client id is derived from the partner key and the
//!   lower-cased email, so the same email names the same client after a restart too. A second
//!   create with an email the sandbox holds answers per `duplicate_client` (UNCONFIRMED).
//!   `created_by`/`modified_by` are the partner's derived hub user with the request's
//!   `user_name` (UNCONFIRMED: the seed shows the fields only). A new client is announced with a
//!   `client_created` partner webhook.
//! - `GET /partners/{partner_id}/clients?filters={"email"|"id": …}&offset&limit` →
//!   `{"clients": [the seed's object + name, email], count, total, offset, limit}` (UNCONFIRMED).
//! - `GET|POST /partners/{partner_id}/webhook_url` → `{"webhook_url": <string|null>}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::config::DuplicateClient;
use super::error::HubError;
use super::identity::{client_id, PartnerIdentity};
use super::input::{self, Listing};
use super::store::{Client, Endpoint};
use super::{auth, webhooks, EVENT_CLIENT_CREATED};
use crate::Sandbox;

/// Longest `name`, `email` and `user_name`, in characters.
pub(crate) const MAX_FIELD: usize = 200;

type Answer = Result<Json<Value>, HubError>;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/partners/{partner_id}/account_sharing/clients", post(create))
        .route("/partners/{partner_id}/clients", get(list))
        .route("/partners/{partner_id}/webhook_url", get(get_webhook).post(set_webhook))
}

/// A checked create request.
#[derive(Debug, PartialEq, Eq)]
struct NewClient {
    name: String,
    email: String,
    user_name: String,
}

fn parse(map: &Map<String, Value>) -> Result<NewClient, HubError> {
    let field = |f: &str| input::required(map, f, MAX_FIELD).map_err(HubError::bad_request);
    let (name, email, user_name) = (field("name")?, field("email")?, field("user_name")?);
    if !input::is_email(&email) {
        return Err(HubError::bad_request("email must be an email address (one @)"));
    }
    Ok(NewClient { name, email, user_name })
}

async fn create(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let d = sandbox.d360();
    let (partner, identity) = auth::hub(d, &headers, &partner_id, Some(Endpoint::Clients))?;
    let req = parse(&auth::object(body, false)?)?;
    let key = d.partners.signing_key(partner);
    let id = client_id(key, &req.email.to_ascii_lowercase());
    let rate = d.config.partner_rate_per_second;
    let (client, created) = d.store.with(|st| {
        let p = st.partner(partner, rate);
        if let Some(existing) = p.client(&id) {
            return match d.config.duplicate_client {
                DuplicateClient::Existing => Ok((existing.clone(), false)),
                DuplicateClient::Conflict => Err(HubError::conflict("A client with this email already exists")),
            };
        }
        let client = new_client(&identity, id.clone(), req);
        p.clients.push(client.clone());
        Ok((client, true))
    })?;
    if created {
        webhooks::partner_event(&sandbox, partner, EVENT_CLIENT_CREATED, &client.id, None, client.listed());
    }
    Ok(Json(client.object()))
}

fn new_client(identity: &PartnerIdentity, id: String, req: NewClient) -> Client {
    Client {
        id,
        name: req.name,
        email: req.email,
        user_name: req.user_name,
        user_id: identity.user_id.clone(),
        created_at: chrono::Utc::now(),
    }
}

async fn list(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = sandbox.d360();
    let (partner, _) = auth::hub(d, &headers, &partner_id, Some(Endpoint::Clients))?;
    let listing = Listing::parse(&query, &["email", "id"]).map_err(HubError::bad_request)?;
    let rate = d.config.partner_rate_per_second;
    let matching: Vec<Value> = d.store.with(|st| {
        st.partner(partner, rate)
            .clients
            .iter()
            .filter(|c| listing.matches(&[("id", &c.id), ("email", &c.email)]))
            .map(Client::listed)
            .collect()
    });
    Ok(Json(page("clients", matching, &listing)))
}

/// `{<key>: [the page], count, total, offset, limit}`.
pub(crate) fn page(key: &str, all: Vec<Value>, listing: &Listing) -> Value {
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(listing.offset).take(listing.limit).collect();
    let mut v = json!({ "count": items.len(), "total": total, "offset": listing.offset, "limit": listing.limit });
    v[key] = Value::Array(items);
    v
}

async fn get_webhook(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = sandbox.d360();
    let (partner, _) = auth::hub(d, &headers, &partner_id, None)?;
    let rate = d.config.partner_rate_per_second;
    let url = d.store.with(|st| st.partner(partner, rate).webhook_url.clone());
    Ok(Json(json!({ "webhook_url": url })))
}

/// `{webhook_url}`: an https URL (http to loopback); `null` clears it.
async fn set_webhook(
    State(sandbox): State<Arc<Sandbox>>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let d = sandbox.d360();
    let (partner, _) = auth::hub(d, &headers, &partner_id, None)?;
    let map = auth::object(body, false)?;
    let url = match map.get("webhook_url") {
        None => return Err(HubError::bad_request("webhook_url is required")),
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(input::webhook_url(s, "webhook_url", false).map_err(HubError::bad_request)?),
        Some(_) => return Err(HubError::bad_request("webhook_url must be a string")),
    };
    let rate = d.config.partner_rate_per_second;
    d.store.with(|st| st.partner(partner, rate).webhook_url.clone_from(&url));
    Ok(Json(json!({ "webhook_url": url })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(v: Value) -> Result<NewClient, String> {
        parse(v.as_object().unwrap()).map_err(|e| e.message.into_owned())
    }

    #[test]
    fn the_seeds_fields_are_required_and_named() {
        let ok = parsed(json!({ "name": "Shop", "email": "owner@shop.example", "user_name": "Owner" })).unwrap();
        assert_eq!(ok.email, "owner@shop.example");
        assert_eq!(parsed(json!({ "email": "a@b", "user_name": "u" })).unwrap_err(), "name is required");
        assert_eq!(parsed(json!({ "name": "n", "email": "a@b" })).unwrap_err(), "user_name is required");
        assert!(parsed(json!({ "name": "n", "email": "ab", "user_name": "u" })).unwrap_err().contains("email"));
        let long = "x".repeat(MAX_FIELD + 1);
        assert!(parsed(json!({ "name": long, "email": "a@b", "user_name": "u" })).unwrap_err().contains("name"));
    }

    #[test]
    fn pages_count_what_they_hold() {
        let listing = Listing { filters: Vec::new(), offset: 1, limit: 1 };
        let v = page("clients", vec![json!(1), json!(2), json!(3)], &listing);
        assert_eq!(v, json!({ "clients": [2], "count": 1, "total": 3, "offset": 1, "limit": 1 }));
    }
}
