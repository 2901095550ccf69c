//! `POST /v1/partner/onboard` (seed 001 "Step 1: Generate Onboarding URL").
//!
//! Order of checks, so every answer is predictable: the Partner API Key (401), an armed failure
//! (500 or 429, control surface), the partner's rate (429 with `Retry-After`), the body (400: not
//! JSON, not an object, `client_identifier` missing / not a string / blank / longer than
//! [`MAX_IDENTIFIER`] characters / with control characters, `client_webhook_url` not a string or
//! not an absolute http(s) URL). Only then is the project found or created and the webhook URL
//! validated (a request to it; [`webhooks::validate`]).
//!
//! The same `client_identifier` from the same partner names the same project: its `project_id`
//! and `api_key` are derived from both ([`super::identity`]), so they are returned again with a
//! new `iframe_url` (earlier ones stay valid until they expire), after a restart of the sandbox
//! too. A project the sandbox no longer holds is rebuilt pending, unless a call with its key
//! rebuilt it completed first. Each call replaces the project's webhook with what it was given: a URL that answered
//! 200 is configured, anything else leaves the project without a webhook.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::PartnerError;
use super::webhooks::{self, DETAIL_NONE};
use super::{auth, iframe_url, BODY_LIMIT};
use crate::Sandbox;

/// Longest `client_identifier` accepted, in characters.
pub(crate) const MAX_IDENTIFIER: usize = 256;
/// Longest `client_webhook_url` accepted, in bytes.
pub(crate) const MAX_URL: usize = 2048;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/v1/partner/onboard", post(onboard))
}

/// The seed's `webhook` object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct WebhookStatus {
    pub(crate) url: Option<String>,
    pub(crate) valid: bool,
    pub(crate) detail: String,
}

/// The seed's answer, fields in its order.
#[derive(Serialize)]
struct Onboarded {
    user_data: UserData,
    iframe_url: String,
    webhook: WebhookStatus,
}

#[derive(Serialize)]
struct UserData {
    client_identifier: String,
    project_id: String,
    project_name: String,
    api_key: String,
}

/// A checked request.
#[derive(Debug, PartialEq, Eq)]
struct OnboardRequest {
    client_identifier: String,
    client_webhook_url: Option<String>,
}

async fn onboard(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match handle(&sandbox, &headers, body).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn handle(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Onboarded, PartnerError> {
    let sz = sandbox.sendzen();
    let partner = auth::partner(sz, headers)?;
    sz.store.with(|st| st.admit_partner(partner, sz.config.partner_rate_per_second))?;
    let body = body.map_err(|_| PartnerError::bad_request(format!("Request body larger than {BODY_LIMIT} bytes")))?;
    let req = parse(&body)?;
    let now = chrono::Utc::now();
    let token = sz.partners.signing_key(partner);
    let project_id = sz
        .store
        .with(|st| {
            st.project_for(partner, token, &req.client_identifier, &sz.config.messaging, now).map(|p| p.id.clone())
        })
        .ok_or_else(PartnerError::server)?;
    let webhook = match &req.client_webhook_url {
        None => WebhookStatus { url: None, valid: false, detail: DETAIL_NONE.to_owned() },
        Some(url) => {
            let (valid, detail) = webhooks::validate(sandbox, &project_id, &req.client_identifier, url).await;
            WebhookStatus { url: Some(url.clone()), valid, detail }
        }
    };
    let ttl = chrono::Duration::from_std(sz.config.iframe_ttl).unwrap_or(chrono::Duration::MAX);
    let answer = sz.store.with(|st| {
        let token = st.issue_token(&project_id, now, ttl);
        let p = st.project(&project_id)?;
        p.webhook_url = webhook.url.clone().filter(|_| webhook.valid);
        p.webhook_status = Some(webhook.clone());
        let user_data = UserData {
            client_identifier: p.client_identifier.clone(),
            project_id: p.id.clone(),
            project_name: p.name.clone(),
            api_key: p.identity.api_key.expose().to_owned(),
        };
        // A completed project's new page announces the completion on its first load.
        let announce = super::outcome::completed_body(p);
        if let Some(t) = st.tokens.get_mut(&token) {
            t.pending_post = announce;
        }
        Some(Onboarded { user_data, iframe_url: iframe_url(sandbox, &token), webhook })
    });
    tracing::info!(%project_id, "SendZen onboarding URL issued");
    answer.ok_or_else(PartnerError::server)
}

/// The body as an [`OnboardRequest`], or the 400 naming what is wrong.
fn parse(body: &[u8]) -> Result<OnboardRequest, PartnerError> {
    let map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(PartnerError::bad_request("Request body must be a JSON object")),
        Err(_) => return Err(PartnerError::bad_request("Request body is not valid JSON")),
    };
    Ok(OnboardRequest { client_identifier: identifier(&map)?, client_webhook_url: webhook_url(&map)? })
}

fn identifier(map: &Map<String, Value>) -> Result<String, PartnerError> {
    let id = match map.get("client_identifier") {
        None | Some(Value::Null) => return Err(PartnerError::bad_request("client_identifier is required")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(PartnerError::bad_request("client_identifier must be a string")),
    };
    if id.trim().is_empty() {
        return Err(PartnerError::bad_request("client_identifier must not be blank"));
    }
    if id.chars().count() > MAX_IDENTIFIER {
        return Err(PartnerError::bad_request(format!(
            "client_identifier must be at most {MAX_IDENTIFIER} characters"
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(PartnerError::bad_request("client_identifier must not contain control characters"));
    }
    Ok(id.clone())
}

/// `client_webhook_url`: absent, `null` or `""` means none; otherwise an absolute http(s) URL.
fn webhook_url(map: &Map<String, Value>) -> Result<Option<String>, PartnerError> {
    let raw = match map.get("client_webhook_url") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => return Err(PartnerError::bad_request("client_webhook_url must be a string")),
    };
    const INVALID: &str = "client_webhook_url must be an absolute http:// or https:// URL";
    if raw.len() > MAX_URL || raw.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(PartnerError::bad_request(INVALID));
    }
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(Some(raw.clone())),
        _ => Err(PartnerError::bad_request(INVALID)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> String {
        parse(body.as_bytes()).unwrap_err().message.into_owned()
    }

    #[test]
    fn the_seeds_example_request_parses() {
        let req = parse(
            br#"{"client_identifier":"customer-12345","client_webhook_url":"https://your-domain.com/webhooks/sendzen"}"#,
        )
        .unwrap();
        assert_eq!(req.client_identifier, "customer-12345");
        assert_eq!(req.client_webhook_url.as_deref(), Some("https://your-domain.com/webhooks/sendzen"));
        let bare = parse(br#"{"client_identifier":"c","client_webhook_url":""}"#).unwrap();
        assert_eq!(bare.client_webhook_url, None);
        assert!(parse(br#"{"client_identifier":"c","client_webhook_url":"http://127.0.0.1:9/h"}"#).is_ok());
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(message("{}"), "client_identifier is required");
        assert_eq!(message(r#"{"client_identifier":7}"#), "client_identifier must be a string");
        assert_eq!(message(r#"{"client_identifier":"  "}"#), "client_identifier must not be blank");
        let long = format!(r#"{{"client_identifier":"{}"}}"#, "x".repeat(MAX_IDENTIFIER + 1));
        assert!(message(&long).contains("at most 256"));
        assert!(parse(format!(r#"{{"client_identifier":"{}"}}"#, "é".repeat(MAX_IDENTIFIER)).as_bytes()).is_ok());
        assert!(message(r#"{"client_identifier":"a\u0007"}"#).contains("control"));
        assert_eq!(message("[]"), "Request body must be a JSON object");
        assert_eq!(message("{"), "Request body is not valid JSON");
        for bad in ["ftp://x.example/h", "/relative", "https://", "https://x.example/ h", "mailto:a@b.c"] {
            let body = serde_json::json!({ "client_identifier": "c", "client_webhook_url": bad }).to_string();
            assert!(message(&body).contains("client_webhook_url"), "{bad}");
        }
    }
}
