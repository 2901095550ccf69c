//! A simulated Meta Embedded Signup popup (PROVIDERS.md §6 "Embedded Signup (browser side)"),
//! the step seed 003 leaves to the partner as Tech Provider: its WABAs are what
//! `account_sharing/numbers` accepts.
//!
//! `GET /d360/meta/signup?app_id=&config_id=&origin=&state=` renders `main#meta-signup` with a
//! form ([`ID_BUSINESS`], [`ID_PHONE`], the buttons [`ID_FINISH`], [`ID_FINISH_ONLY_WABA`],
//! [`ID_CANCEL`] with [`ID_CANCEL_STEP`], [`ID_ERROR`]) that POSTs back to the same path with the
//! query parameters as hidden fields. `origin` must be an exact http(s) origin (else a plain 400
//! page that posts nothing) and `state` at most [`MAX_STATE`] characters (else 400 too).
//! `app_id` / `config_id` must be one partner's derived `meta_app_id` / `meta_config_id`; if they
//! are not, the page is the result page of an `ERROR` event.
//!
//! The result page (`#meta-signup-result[data-event]`) posts `JSON.stringify({type:
//! "WA_EMBEDDED_SIGNUP", event, data, version: 3})` — a string, as Meta does — to
//! `window.opener` with the given origin as target, then closes itself after [`CLOSE_MS`]; with
//! no opener it says it cannot deliver and shows the ids. FINISH and FINISH_ONLY_WABA create a
//! WABA id, a phone_number_id and a business_id (15 digits each, random) recorded for the
//! partner. The ERROR data's `error_code` and `timestamp` are strings (UNCONFIRMED). Every outcome
//! of a known partner is recorded (control surface: `/d360/_sandbox/signups`).
//!
//! Responses carry a CSP with a fresh nonce for the one `<style>` and `<script>`,
//! `frame-ancestors 'none'` (a popup is never framed) and `Cache-Control: no-store`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::auth;
use super::store::{SharedWaba, Signup};
use super::{PREFIX, SIGNUP_PATH};
use crate::chatarchitect::partners::PartnerId;
use crate::chatarchitect::registration::pages::layout::{esc, script_json};
use crate::chatarchitect::{random_string, ALNUM, DIGITS};
use crate::sendzen::messages::e164_digits;
use crate::Sandbox;

/// The page's `<title>`.
pub const SIGNUP_TITLE: &str = "Meta Embedded Signup (simulated)";
/// The form page's root element id.
pub const ID_ROOT: &str = "meta-signup";
/// The business name input.
pub const ID_BUSINESS: &str = "meta-business";
/// The phone number input.
pub const ID_PHONE: &str = "meta-phone";
/// The FINISH button.
pub const ID_FINISH: &str = "meta-finish";
/// The FINISH_ONLY_WABA button.
pub const ID_FINISH_ONLY_WABA: &str = "meta-finish-only-waba";
/// The CANCEL button.
pub const ID_CANCEL: &str = "meta-cancel";
/// The select of the step a CANCEL reports as `current_step`.
pub const ID_CANCEL_STEP: &str = "meta-cancel-step";
/// The ERROR button.
pub const ID_ERROR: &str = "meta-error";
/// The result page's root element id (with `data-event`).
pub const ID_RESULT: &str = "meta-signup-result";
/// The steps a CANCEL can report.
pub const CANCEL_STEPS: &[&str] =
    &["BUSINESS_ACCOUNT_SELECTION", "WABA_SETUP", "PHONE_NUMBER_SETUP", "PHONE_NUMBER_VERIFICATION"];
/// Longest `state` accepted, in characters.
pub const MAX_STATE: usize = 128;
/// How long the result page waits before closing itself, in ms.
const CLOSE_MS: u32 = 300;
/// Longest business name, in characters.
const MAX_BUSINESS: usize = 200;

type Params = HashMap<String, String>;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route(SIGNUP_PATH, get(page).post(submit))
}

/// What every request names.
struct Request {
    app_id: String,
    config_id: String,
    origin: String,
    state: String,
}

fn param(p: &Params, name: &str) -> String {
    p.get(name).cloned().unwrap_or_default()
}

/// The request's parameters, or why the 400 page refuses them (bad origin or state).
fn request(p: &Params) -> Result<Request, &'static str> {
    let origin = param(p, "origin");
    let exact = url::Url::parse(&origin).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.origin().ascii_serialization() == origin
    });
    if !exact {
        return Err("origin must be the opener's exact http(s) origin, such as https://app.example");
    }
    let state = param(p, "state");
    if state.chars().count() > MAX_STATE || state.chars().any(char::is_control) {
        return Err("state must be at most 128 characters without control characters");
    }
    Ok(Request { app_id: param(p, "app_id"), config_id: param(p, "config_id"), origin, state })
}

/// The partner whose derived Meta app and configuration these are.
fn partner_of(sandbox: &Sandbox, app_id: &str, config_id: &str) -> Option<PartnerId> {
    let d = sandbox.d360();
    d.partners.keyed().map(|(p, _)| p).find(|p| {
        let id = auth::identity(d, *p);
        id.meta_app_id == app_id && id.meta_config_id == config_id
    })
}

fn meta_digits() -> String {
    format!("{}{}", random_string(1, b"123456789"), random_string(14, DIGITS))
}

async fn page(State(sandbox): State<Arc<Sandbox>>, Query(p): Query<Params>) -> Response {
    let req = match request(&p) {
        Ok(r) => r,
        Err(text) => return plain(StatusCode::BAD_REQUEST, text),
    };
    if partner_of(&sandbox, &req.app_id, &req.config_id).is_none() {
        return error_result(
            &sandbox,
            &req,
            None,
            "Invalid app_id or config_id: not a Tech Provider app of this sandbox",
            "190",
        );
    }
    form(&req, "Sandbox Business", &format!("+1555{}", 1_000_000 + rand::random::<u32>() % 9_000_000), None)
}

fn form(req: &Request, business: &str, phone: &str, notice: Option<&str>) -> Response {
    let hidden: String =
        [("app_id", &req.app_id), ("config_id", &req.config_id), ("origin", &req.origin), ("state", &req.state)]
            .iter()
            .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", esc(v)))
            .collect();
    let steps: String = CANCEL_STEPS.iter().map(|s| format!("<option value=\"{s}\">{s}</option>")).collect();
    let notice = notice.map_or(String::new(), |n| format!("<p class=\"notice\" role=\"alert\">{}</p>", esc(n)));
    let body = format!(
        "<main id=\"{ID_ROOT}\"><p class=\"brand\">Meta · WhatsApp Business (sandbox)</p>\
         <h1>Connect your WhatsApp Business account</h1>{notice}\
         <form method=\"post\" action=\"{PREFIX}{SIGNUP_PATH}\">{hidden}\
         <label>Business name <input id=\"{ID_BUSINESS}\" name=\"business\" value=\"{}\"></label>\
         <label>Phone number <input id=\"{ID_PHONE}\" name=\"phone\" value=\"{}\"></label>\
         <div class=\"row\"><button id=\"{ID_FINISH}\" name=\"event\" value=\"FINISH\">Finish</button>\
         <button id=\"{ID_FINISH_ONLY_WABA}\" name=\"event\" value=\"FINISH_ONLY_WABA\">Share the WABA only</button></div>\
         <div class=\"row\"><select id=\"{ID_CANCEL_STEP}\" name=\"current_step\">{steps}</select>\
         <button id=\"{ID_CANCEL}\" name=\"event\" value=\"CANCEL\">Cancel</button>\
         <button id=\"{ID_ERROR}\" name=\"event\" value=\"ERROR\">Simulate an error</button></div></form></main>",
        esc(business),
        esc(phone)
    );
    let status = if notice.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    document(status, &body, None)
}

async fn submit(State(sandbox): State<Arc<Sandbox>>, form_body: Result<Form<Params>, FormRejection>) -> Response {
    let Ok(Form(p)) = form_body else { return plain(StatusCode::BAD_REQUEST, "The form could not be read") };
    let req = match request(&p) {
        Ok(r) => r,
        Err(text) => return plain(StatusCode::BAD_REQUEST, text),
    };
    let Some(partner) = partner_of(&sandbox, &req.app_id, &req.config_id) else {
        return error_result(
            &sandbox,
            &req,
            None,
            "Invalid app_id or config_id: not a Tech Provider app of this sandbox",
            "190",
        );
    };
    let event = param(&p, "event");
    match event.as_str() {
        "FINISH" | "FINISH_ONLY_WABA" => finish(&sandbox, &req, partner, &event, &p),
        "CANCEL" => {
            let step = param(&p, "current_step");
            let step = if CANCEL_STEPS.contains(&step.as_str()) { step } else { CANCEL_STEPS[0].to_owned() };
            result(&sandbox, &req, Some(partner), "CANCEL", json!({ "current_step": step }))
        }
        "ERROR" => error_result(&sandbox, &req, Some(partner), "Something went wrong (sandbox: simulated error)", "1"),
        _ => plain(StatusCode::BAD_REQUEST, "event must be FINISH, FINISH_ONLY_WABA, CANCEL or ERROR"),
    }
}

fn finish(sandbox: &Arc<Sandbox>, req: &Request, partner: PartnerId, event: &str, p: &Params) -> Response {
    let business = param(p, "business").trim().to_owned();
    let phone_raw = param(p, "phone");
    let phone = e164_digits(&phone_raw.replace([' ', '-'], ""));
    let (Some(phone), false) = (phone, business.is_empty() || business.chars().count() > MAX_BUSINESS) else {
        let notice = "Enter a business name (at most 200 characters) and a phone number in international format";
        return form(req, &business, &phone_raw, Some(notice));
    };
    let waba = SharedWaba {
        waba_id: meta_digits(),
        phone_number_id: meta_digits(),
        business_id: meta_digits(),
        business_name: business,
        phone_number: phone,
    };
    let data = if event == "FINISH" {
        json!({ "phone_number_id": waba.phone_number_id, "waba_id": waba.waba_id, "business_id": waba.business_id })
    } else {
        json!({ "waba_id": waba.waba_id, "business_id": waba.business_id })
    };
    let d = sandbox.d360();
    let rate = d.config.partner_rate_per_second;
    d.store.with(|st| st.partner(partner, rate).wabas.insert(waba.waba_id.clone(), waba));
    result(sandbox, req, Some(partner), event, data)
}

fn error_result(sandbox: &Sandbox, req: &Request, partner: Option<PartnerId>, message: &str, code: &str) -> Response {
    let data = json!({
        "error_message": message,
        "error_code": code,
        "session_id": random_string(16, ALNUM),
        "timestamp": chrono::Utc::now().timestamp().to_string(),
    });
    result(sandbox, req, partner, "ERROR", data)
}

/// Records the outcome (for a known partner) and renders the page that posts it.
fn result(sandbox: &Sandbox, req: &Request, partner: Option<PartnerId>, event: &str, data: Value) -> Response {
    if let Some(partner) = partner {
        let d = sandbox.d360();
        let rate = d.config.partner_rate_per_second;
        let signup = Signup {
            at: crate::chatarchitect::messaging::rfc3339_ms(chrono::Utc::now()),
            event: event.to_owned(),
            data: data.clone(),
            state: req.state.clone(),
            origin: req.origin.clone(),
        };
        d.store.with(|st| st.partner(partner, rate).record_signup(signup));
    }
    let message = json!({ "type": "WA_EMBEDDED_SIGNUP", "event": event, "data": data, "version": 3 }).to_string();
    let rows: String = data
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v.as_str().unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    let body = format!(
        "<main id=\"{ID_RESULT}\" data-event=\"{}\"><p class=\"brand\">Meta · WhatsApp Business (sandbox)</p>\
         <h1>{}</h1><dl>{rows}</dl>\
         <p id=\"meta-signup-no-opener\" class=\"notice\" hidden>This window has no opener, so the result cannot be \
         delivered to the page that opened it. The ids are shown above.</p></main>",
        esc(event),
        if event.starts_with("FINISH") { "Your account is connected" } else { "The signup did not finish" }
    );
    let config = json!({ "message": message, "origin": req.origin, "close_ms": CLOSE_MS });
    document(StatusCode::OK, &body, Some(&config))
}

/// A page without a script (nothing is posted).
fn plain(status: StatusCode, text: &str) -> Response {
    document(
        status,
        &format!("<main id=\"meta-signup-refused\"><h1>Cannot start the signup</h1><p>{}</p></main>", esc(text)),
        None,
    )
}

fn document(status: StatusCode, body: &str, config: Option<&Value>) -> Response {
    let nonce = random_string(24, ALNUM);
    let script = config.map_or(String::new(), |c| {
        format!(
            "<script type=\"application/json\" id=\"meta-signup-config\">{}</script><script nonce=\"{nonce}\">{SCRIPT}</script>",
            script_json(c)
        )
    });
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>{SIGNUP_TITLE}</title><style nonce=\"{nonce}\">{CSS}</style></head>\n<body>{body}\n{script}</body></html>\n"
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

const CSS: &str = "body{margin:0;padding:24px;background:#f0f2f5;color:#1c1e21;font:15px/1.5 system-ui,sans-serif}\
main{max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 2px #0003}\
.brand{color:#0866ff;font-weight:700;margin:0 0 8px}h1{font-size:20px;margin:0 0 16px}\
label{display:block;margin:8px 0}input,select{display:block;width:100%;padding:8px;font:inherit}\
.row{display:flex;gap:8px;margin-top:12px;flex-wrap:wrap}button{font:inherit;padding:8px 14px;border-radius:6px;\
border:1px solid #ccd0d5;background:#fff;cursor:pointer}#meta-finish{background:#0866ff;color:#fff}\
.notice{background:#fff0f0;border:1px solid #f1aeb5;padding:8px;border-radius:6px}\
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px}dd{margin:0;font-family:monospace}";

/// Posts the outcome string to the opener with the opener's origin as target, then closes.
const SCRIPT: &str = r#"(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('meta-signup-config').textContent);
  if (window.opener) {
    window.opener.postMessage(cfg.message, cfg.origin);
    setTimeout(function () { window.close(); }, cfg.close_ms);
  } else {
    document.getElementById('meta-signup-no-opener').hidden = false;
  }
})();"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn only_exact_origins_and_short_states_are_accepted() {
        assert!(request(&params(&[("origin", "https://app.example")])).is_ok());
        assert!(request(&params(&[("origin", "http://127.0.0.1:8787"), ("state", "s")])).is_ok());
        for bad in ["", "https://app.example/", "https://app.example/x", "tauri://localhost", "app.example", "*"] {
            assert!(request(&params(&[("origin", bad)])).is_err(), "{bad}");
        }
        let long = "s".repeat(MAX_STATE + 1);
        assert!(request(&params(&[("origin", "https://app.example"), ("state", &long)])).is_err());
    }

    #[test]
    fn the_script_targets_the_given_origin_and_refused_pages_run_nothing() {
        assert!(SCRIPT.contains("window.opener.postMessage(cfg.message, cfg.origin)"));
        assert!(!SCRIPT.contains("'*'"));
        let res = plain(StatusCode::BAD_REQUEST, "x");
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(meta_digits().len() == 15 && !meta_digits().starts_with('0'));
    }
}
