//! Messaging of a linked app (PROVIDERS.md §3): templates, v3 sends (Meta bodies; the answer's
//! id is Gupshup's, echoed as `gs_id`), the v2 template endpoint, and v3 status callbacks to the
//! app's version-3 subscriptions with their `meta.headers`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use super::error;
use super::partner::app_of;
use super::store::{now_secs, App};
use crate::sendzen::catalogue::{self, placeholders, Format};
use crate::sendzen::webhooks::{envelope, Number};
use crate::Sandbox;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/partner/app/{app_id}/templates", get(templates))
        .route("/partner/app/{app_id}/v3/message", post(v3_message))
        .route("/partner/app/{app_id}/template/msg", post(template_msg))
}

/// The catalogue's positional templates as Gupshup objects (named ones are left out: their
/// representation in this list is UNCONFIRMED).
fn gupshup_templates(app: &App) -> Vec<Value> {
    let page = catalogue::page(None, 1000, None).map(|p| p.items).unwrap_or_default();
    page.into_iter()
        .filter(|t| matches!(t.format, Format::Positional))
        .map(|t| {
            let kind = match t.header {
                Some(catalogue::Header::Media(f)) => f,
                _ => "TEXT",
            };
            json!({
                "id": template_uuid(t.id),
                "elementName": t.name, "languageCode": t.language, "category": t.category, "status": t.status,
                "templateType": kind, "data": t.body, "containerMeta": json!({ "data": t.body }).to_string(),
                "meta": json!({ "example": t.examples }).to_string(), "externalId": t.id,
                "namespace": format!("ns_{}", app.waba_id), "wabaId": app.waba_id, "quality": "UNKNOWN",
                "createdOn": app.created_ms, "modifiedOn": app.created_ms,
            })
        })
        .collect()
}

/// A stable uuid-shaped id for a catalogue template.
fn template_uuid(id: &str) -> String {
    let h = super::mac_hex(b"gupshup template", id);
    format!("{}-{}-4{}-8{}-{}{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32], "")
}

async fn templates(State(sandbox): State<Arc<Sandbox>>, Path(app_id): Path<String>, headers: HeaderMap) -> Response {
    match app_of(sandbox.gupshup(), &headers, &app_id) {
        Ok(app) => Json(json!({ "status": "success", "templates": gupshup_templates(&app) })).into_response(),
        Err(r) => *r,
    }
}

/// Why a v3 body is refused.
fn check_v3(body: &Value) -> Result<String, String> {
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err("messaging_product must be whatsapp".into());
    }
    let to = body.get("to").and_then(Value::as_str).unwrap_or("").trim_start_matches('+');
    if to.len() < 6 || !to.bytes().all(|b| b.is_ascii_digit()) {
        return Err("to must be a phone number".into());
    }
    match body.get("type").and_then(Value::as_str) {
        Some("text") if body.pointer("/text/body").and_then(Value::as_str).is_some() => {}
        Some("template") => {
            let name = body.pointer("/template/name").and_then(Value::as_str).unwrap_or("");
            let lang = body.pointer("/template/language/code").and_then(Value::as_str).unwrap_or("");
            let t = catalogue::find(name, lang).map_err(|_| format!("Template {name} ({lang}) does not exist"))?;
            let given = body.pointer("/template/components/0/parameters").and_then(Value::as_array).map_or(0, Vec::len);
            if given != placeholders(t.body).len() {
                return Err("Number of parameters does not match the template".into());
            }
        }
        _ => return Err("type must be text or template".into()),
    }
    Ok(to.to_owned())
}

async fn v3_message(
    State(sandbox): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let app = match app_of(sandbox.gupshup(), &headers, &app_id) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let Some(Json(body)) = body else { return error(StatusCode::BAD_REQUEST, "Invalid JSON body") };
    let to = match check_v3(&body) {
        Ok(to) => to,
        Err(m) => return error(StatusCode::BAD_REQUEST, &m),
    };
    let gs_id = uuid::Uuid::new_v4().to_string();
    tokio::spawn(statuses(sandbox.clone(), app, gs_id.clone(), to.clone()));
    Json(json!({ "messages": [{ "id": gs_id }], "messaging_product": "whatsapp",
                 "contacts": [{ "input": to, "wa_id": to }] }))
    .into_response()
}

async fn template_msg(
    State(sandbox): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let app = match app_of(sandbox.gupshup(), &headers, &app_id) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let template: Value = f.get("template").and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null);
    let known = gupshup_templates(&app).into_iter().any(|t| t["id"] == template["id"]);
    let to = f.get("destination").map(|d| d.trim_start_matches('+').to_owned()).unwrap_or_default();
    if !known || to.len() < 6 || f.get("source").map(String::as_str) != Some(app.phone.as_str()) {
        return error(StatusCode::BAD_REQUEST, "Please review the request parameters and retry");
    }
    let id = uuid::Uuid::new_v4().to_string();
    tokio::spawn(statuses(sandbox.clone(), app, id.clone(), to));
    Json(json!({ "status": "submitted", "messageId": id })).into_response()
}

/// enqueued → sent → delivered → read (or failed with Gupshup's 1002 for `DEMO_NOT_ON_WHATSAPP`)
/// to every version-3 subscription whose modes cover the status.
async fn statuses(sandbox: Arc<Sandbox>, app: App, gs_id: String, to: String) {
    let g = sandbox.gupshup();
    let m = &g.config.messaging;
    let wamid = format!("wamid.{}", crate::chatarchitect::random_string(32, crate::chatarchitect::ALNUM));
    let plan: Vec<(&str, std::time::Duration)> = if to == crate::sendzen::DEMO_NOT_ON_WHATSAPP {
        vec![("enqueued", std::time::Duration::ZERO), ("failed", m.sent_delay)]
    } else {
        vec![
            ("enqueued", std::time::Duration::ZERO),
            ("sent", m.sent_delay),
            ("delivered", m.delivered_delay),
            ("read", m.read_delay),
        ]
    };
    let phone_number_id = format!("1{}", &app.waba_id.chars().rev().collect::<String>());
    for (status, delay) in plan {
        tokio::time::sleep(delay).await;
        let mut item = json!({ "id": wamid, "gs_id": gs_id, "status": status,
                               "timestamp": now_secs().to_string(), "recipient_id": to });
        if status == "failed" {
            item["errors"] = json!([{ "code": 1002, "title": "Number does not exist on WhatsApp" }]);
        }
        let number = Number { waba_id: &app.waba_id, phone_number_id: &phone_number_id, display: &app.phone };
        let mut body = envelope(number, "statuses", item, None);
        body["gs_app_id"] = json!(app.id);
        let subs = g.store.with(|s| s.apps.get(&app.id).map(|a| a.subscriptions.clone()).unwrap_or_default());
        let mode = status.to_ascii_uppercase();
        for sub in subs.iter().filter(|s| s.version == 3 && s.modes.contains(&mode)) {
            super::pipeline::post(&sandbox, &app.id, status, &sub.url, &body, &sub.headers).await;
        }
    }
}
