//! Partner login, linking an app (seed 002 step 1), its token (step 2), its pipeline (step 3),
//! its subscriptions (step 4), and the control surface's partner token.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use super::store::{now_secs, App, Subscription};
use super::{error, mac_hex, partner_of_token, partner_token, token_refused, Gupshup};
use crate::chatarchitect::partners::PartnerId;
use crate::Sandbox;

type Fields = HashMap<String, String>;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/partner/account/login", post(login))
        .route("/_sandbox/partner_token", post(control_token))
        .route("/_sandbox/apps/{app_id}", get(control_app))
        .route("/partner/tpp/app", post(link))
        .route("/partner/app/{app_id}/token", get(app_token))
        .route("/partner/app/{app_id}/pipeline", get(pipeline))
        .route("/partner/app/{app_id}/subscription", post(subscribe))
}

/// The app token of `app_id` under partner `key` (derived; the same on every call).
pub(crate) fn app_token_of(key: &[u8], app_id: &str) -> String {
    format!("sk_{}", mac_hex(key, &format!("gupshup app token:{app_id}")))
}

/// The app an app token opens, or the seed's 401.
pub(crate) fn app_of(g: &Gupshup, headers: &HeaderMap, app_id: &str) -> Result<App, Box<Response>> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_owned();
    let app = g.store.with(|s| s.apps.get(app_id).cloned());
    match app {
        Some(a) if app_token_of(g.partners.signing_key(a.partner), app_id) == token => Ok(a),
        _ => Err(Box::new(error(StatusCode::UNAUTHORIZED, "Authentication Failed"))),
    }
}

async fn login(State(sandbox): State<Arc<Sandbox>>, Form(f): Form<Fields>) -> Response {
    let g = sandbox.gupshup();
    let email = f.get("email").map(|e| e.trim()).unwrap_or("");
    let p = f.get("password").and_then(|pw| g.partners.find(pw));
    match (email.is_empty(), p) {
        (false, Some(p)) => {
            Json(json!({ "token": partner_token(g.partners.signing_key(p), now_secs()) })).into_response()
        }
        _ => error(StatusCode::UNAUTHORIZED, "Authentication Failed"),
    }
}

async fn control_token(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Option<Json<Value>>) -> Response {
    let g = sandbox.gupshup();
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(p) = g.partners.find(key) else { return error(StatusCode::UNAUTHORIZED, "Authentication Failed") };
    let age = body.and_then(|Json(b)| b.get("age_secs").and_then(Value::as_u64)).unwrap_or(0);
    Json(json!({ "token": partner_token(g.partners.signing_key(p), now_secs().saturating_sub(age)) })).into_response()
}

async fn control_app(State(sandbox): State<Arc<Sandbox>>, Path(app_id): Path<String>, headers: HeaderMap) -> Response {
    let g = sandbox.gupshup();
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(p) = g.partners.find(key) else { return error(StatusCode::UNAUTHORIZED, "Authentication Failed") };
    g.store.with(|s| match s.apps.get(&app_id).filter(|a| a.partner == p) {
        Some(a) => Json(
            json!({ "app_id": a.id, "name": a.name, "subscriptions": a.subscriptions, "deliveries": a.deliveries }),
        )
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "App not found"),
    })
}

/// Seed 002's name rule: 6–150 characters, no special characters (here: ASCII letters and
/// digits only; UNCONFIRMED whether spaces count as special).
fn name_error(name: &str) -> Option<&'static str> {
    let len = name.chars().count();
    if !(6..=150).contains(&len) {
        return Some("App name should be between 6 to 150 characters in length");
    }
    (!name.chars().all(|c| c.is_ascii_alphanumeric())).then_some("Invalid characters used in app name")
}

fn admit_link(g: &Gupshup, p: PartnerId) -> bool {
    g.store.with(|s| {
        let now = Instant::now();
        let entry = s.link_window.entry(p).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= 60 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= 10
    })
}

async fn link(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    let g = sandbox.gupshup();
    let p = match partner_of_token(g, &headers) {
        Ok(p) => p,
        Err(e) => return token_refused(e),
    };
    if !admit_link(g, p) {
        return error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    let name = f.get("name").map(String::as_str).unwrap_or("");
    if let Some(m) = name_error(name) {
        return error(StatusCode::BAD_REQUEST, m);
    }
    let waba = f.get("wabaId").map(|w| w.trim()).unwrap_or("");
    let phone = f.get("phone").map(|p| p.trim().trim_start_matches('+')).unwrap_or("");
    if waba.is_empty()
        || !waba.bytes().all(|b| b.is_ascii_digit())
        || phone.len() < 6
        || !phone.bytes().all(|b| b.is_ascii_digit())
    {
        return error(StatusCode::BAD_REQUEST, "Please review the request parameters and retry");
    }
    let callback = f.get("callbackUrl").filter(|u| !u.is_empty()).cloned();
    if let Some(u) = &callback {
        if crate::d360::input::webhook_url(u, "callbackUrl", false).is_err() {
            return error(StatusCode::BAD_REQUEST, "Invalid URL Passed");
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let taken = g.store.with(|s| {
        if s.apps.values().any(|a| a.name.eq_ignore_ascii_case(name)) {
            return true;
        }
        let app = App {
            id: id.clone(),
            partner: p,
            name: name.to_owned(),
            waba_id: waba.to_owned(),
            phone: phone.to_owned(),
            callback_url: callback,
            created: Instant::now(),
            created_ms: now_secs() * 1000,
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
        };
        s.apps.insert(id.clone(), app);
        false
    });
    if taken {
        return error(StatusCode::CONFLICT, "Bot Already Exists");
    }
    tokio::spawn(super::pipeline::live(sandbox.clone(), id.clone()));
    Json(json!({ "status": "success", "appId": id })).into_response()
}

async fn app_token(State(sandbox): State<Arc<Sandbox>>, Path(app_id): Path<String>, headers: HeaderMap) -> Response {
    let g = sandbox.gupshup();
    let p = match partner_of_token(g, &headers) {
        Ok(p) => p,
        Err(e) => return token_refused(e),
    };
    match g.store.with(|s| s.apps.get(&app_id).map(|a| a.partner)) {
        Some(owner) if owner == p => Json(json!({
            "name": "Sandbox_Partner", "terms_read": true, "token": app_token_of(g.partners.signing_key(p), &app_id)
        }))
        .into_response(),
        // Another partner's app or none: the same answer, so ids cannot be probed (UNCONFIRMED).
        _ => error(StatusCode::UNAUTHORIZED, "Authentication Failed"),
    }
}

async fn pipeline(State(sandbox): State<Arc<Sandbox>>, Path(app_id): Path<String>, headers: HeaderMap) -> Response {
    let g = sandbox.gupshup();
    let app = match app_of(g, &headers, &app_id) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let whatsapp = super::pipeline::object(g.config.stage_delay, app.created.elapsed(), app.created_ms);
    Json(json!({ "status": "success", "whatsapp": whatsapp })).into_response()
}

const MODES: [&str; 11] =
    ["NONE", "READ", "DELIVERED", "SENT", "DELETED", "OTHERS", "ENQUEUED", "FAILED", "MESSAGE", "TEMPLATE", "ACCOUNT"];

async fn subscribe(
    State(sandbox): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let g = sandbox.gupshup();
    if let Err(r) = app_of(g, &headers, &app_id) {
        return *r;
    }
    let version: u8 = match f.get("version").and_then(|v| v.trim().parse().ok()) {
        Some(v) if v <= 3 => v,
        _ => return error(StatusCode::BAD_REQUEST, "Version should be one of 0, 1, 2, 3"),
    };
    let modes: Vec<String> =
        f.get("modes").map(|m| m.split(',').map(|x| x.trim().to_owned()).collect()).unwrap_or_default();
    let allowed = |m: &str| MODES.contains(&m) || m == "COPY";
    if modes.is_empty()
        || !modes.iter().all(|m| allowed(m))
        || (version == 3 && modes.iter().any(|m| matches!(m.as_str(), "TEMPLATE" | "ACCOUNT" | "COPY")))
    {
        return error(StatusCode::BAD_REQUEST, "Invalid modes passed");
    }
    let tag = f.get("tag").map(|t| t.trim().to_owned()).unwrap_or_default();
    if tag.is_empty() {
        return error(StatusCode::BAD_REQUEST, "tag is mandatory");
    }
    let url = f.get("url").cloned().unwrap_or_default();
    if crate::d360::input::webhook_url(&url, "url", false).is_err() {
        return error(StatusCode::BAD_REQUEST, "Invalid URL Passed");
    }
    let meta: Value = f.get("meta").and_then(|m| serde_json::from_str(m).ok()).unwrap_or(Value::Null);
    let headers: Vec<(String, String)> = meta
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
        .unwrap_or_default();
    let answer = g.store.with(|s| {
        s.next_subscription += 1;
        let id = (8165 + s.next_subscription).to_string();
        let app = s.apps.get_mut(&app_id)?;
        if app.subscriptions.iter().any(|x| x.tag == tag) {
            return Some(Err(()));
        }
        let sub = Subscription { id, tag, url, version, modes, headers, created_on: now_secs() * 1000 };
        app.subscriptions.push(sub.clone());
        Some(Ok(sub))
    });
    match answer {
        Some(Ok(sub)) => Json(json!({ "status": "success", "subscription": {
            "active": true, "appId": app_id, "createdOn": sub.created_on, "id": sub.id, "mode": 2047,
            "modifiedOn": sub.created_on, "showOnUI": f.get("showOnUI").is_some_and(|v| v == "true"),
            "tag": sub.tag, "url": sub.url, "version": sub.version } }))
        .into_response(),
        Some(Err(())) => error(StatusCode::BAD_REQUEST, "Duplicate tag: tag must be unique for the app"),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "Unable To Create Subscription"),
    }
}
