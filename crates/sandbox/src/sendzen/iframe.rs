//! The onboarding component at `iframe_url` (seed 001 "Step 2" and "Step 3"): a server-rendered
//! page with a simulated Meta signup, standing in for `https://app.sendzen.io/onboard/iframe`.
//!
//! `GET /onboard/iframe?token=…` shows, for a live token, one of three states on
//! `main#sz-onboarding[data-status]`: `pending` (the simulated Meta dialog with `button#sz-connect`,
//! `button#sz-cancel`, `button#sz-fail`), `completed` or `failed` (`[data-testid=sz-done]
//! [data-outcome]`, the latter with `button#sz-retry`). The buttons POST the form to
//! `/onboard/iframe/outcome` and are answered with a 303 back to the page (post/redirect/get).
//!
//! On the first load after an outcome the page posts the seed's JSON object to `window.parent`
//! (target origin: `SendzenConfig::post_message_target`, default `"*"`, since SendZen documents
//! none and the page does not know its parent; the payload holds no secret), and the project's
//! webhook receives the same JSON. An unknown token answers 404 and an expired one 410, each with
//! a plain page and no script: "the component will not load", and a client probing the URL
//! server-side sees why. A `HEAD` probe changes nothing. Pages poll `/onboard/iframe/status` and
//! reload when the outcome changed elsewhere (control surface) or the token expired.
//!
//! Every response has a fresh CSP nonce for its one `<style>` and one `<script>`
//! (`default-src 'none'`) and no `frame-ancestors`: the seed says partners embed the page in
//! their own panel, and any origin (also a `tauri://` webview) must be able to frame it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use super::outcome::{Connect, MESSAGE_CANCELLED, MESSAGE_FAILED};
use super::project::{Onboarding, Project};
use super::store::Lookup;
use super::webhooks::{self, Event};
use super::PREFIX;
use crate::chatarchitect::registration::pages::layout::{esc, script_json};
use crate::chatarchitect::{random_string, ALNUM};
use crate::Sandbox;

/// How often a page asks whether its state changed.
const POLL_MS: u32 = 1500;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/onboard/iframe", get(page))
        .route("/onboard/iframe/outcome", post(choose))
        .route("/onboard/iframe/status", get(status))
}

type Params = Query<HashMap<String, String>>;

fn token_of(q: &HashMap<String, String>) -> &str {
    q.get("token").map_or("", String::as_str)
}

/// What one page shows.
struct View {
    token: String,
    status: &'static str,
    /// The failure message of a `failed` page.
    failure: Option<String>,
    post: Option<Value>,
    version: u64,
}

/// `GET /onboard/iframe?token=…`.
async fn page(State(sandbox): State<Arc<Sandbox>>, method: Method, Query(q): Params) -> Response {
    let token = token_of(&q).to_owned();
    let consume = method != Method::HEAD;
    let now = Utc::now();
    let rendered = sandbox.sendzen().store.with(|st| {
        let (project_id, failure, post) = match st.token(&token, now) {
            Lookup::Live(t) => {
                let post = if consume { t.pending_post.take() } else { t.pending_post.clone() };
                (t.project_id.clone(), t.failure.clone(), post)
            }
            Lookup::Expired => return Err(StatusCode::GONE),
            Lookup::Unknown => return Err(StatusCode::NOT_FOUND),
        };
        let p = st.project(&project_id).ok_or(StatusCode::NOT_FOUND)?;
        let status = match (&p.onboarding, &failure) {
            (Onboarding::Completed, _) => "completed",
            (_, Some(_)) => "failed",
            _ => "pending",
        };
        let post = post.and_then(|b| serde_json::from_slice(&b).ok());
        let view = View { token: token.clone(), status, failure, post, version: p.version };
        Ok(render(&sandbox, p, &view))
    });
    rendered.unwrap_or_else(error_page)
}

fn render(sandbox: &Sandbox, p: &Project, v: &View) -> Response {
    let action = format!("{PREFIX}/onboard/iframe/outcome?token={}", v.token);
    let content = match (v.status, &p.waba) {
        ("completed", Some(w)) => format!(
            "<h1>WhatsApp connected</h1><div data-testid=\"sz-done\" data-outcome=\"completed\">\
             <p class=\"intro\">{} is connected. You can close this window.</p><dl>\
             <dt>WABA ID</dt><dd data-testid=\"sz-waba-id\">{}</dd>\
             <dt>Phone number ID</dt><dd data-testid=\"sz-phone-number-id\">{}</dd>\
             <dt>Number</dt><dd data-testid=\"sz-phone-number\">+{}</dd></dl></div>",
            esc(&w.business_name),
            esc(&w.waba_id),
            esc(&w.phone_number_id),
            esc(&w.phone_number),
        ),
        ("failed", _) => format!(
            "<h1>WhatsApp not connected</h1><div data-testid=\"sz-done\" data-outcome=\"failed\">\
             <p class=\"notice\" data-testid=\"sz-message\">{}</p></div>\
             <form method=\"post\" action=\"{action}\"><button id=\"sz-retry\" class=\"primary\" \
             type=\"submit\" name=\"outcome\" value=\"retry\">Try again</button></form>",
            esc(v.failure.as_deref().unwrap_or_default()),
        ),
        _ => format!(
            "<h1>Connect WhatsApp</h1><p class=\"intro\">Connect a WhatsApp Business Account to \
             <strong>{}</strong>.</p><section class=\"meta\"><p class=\"meta-bar\">Meta · simulated \
             Embedded Signup</p><p>In the real flow Meta asks for the business, the WhatsApp Business \
             Account and the phone number here. Choose an outcome.</p>\
             <form method=\"post\" action=\"{action}\" class=\"row\">\
             <button id=\"sz-connect\" class=\"primary\" type=\"submit\" name=\"outcome\" value=\"connect\">Connect</button>\
             <button id=\"sz-cancel\" class=\"secondary\" type=\"submit\" name=\"outcome\" value=\"cancel\">Cancel</button>\
             <button id=\"sz-fail\" class=\"danger\" type=\"submit\" name=\"outcome\" value=\"fail\">Fail</button>\
             </form></section>",
            esc(&p.name),
        ),
    };
    let base = format!("{}{PREFIX}/onboard/iframe", sandbox.public_url());
    let config = json!({
        "post": v.post,
        "target_origin": sandbox.sendzen().config.post_message_target,
        "page_url": format!("{base}?token={}", v.token),
        "status_url": format!("{base}/status?token={}", v.token),
        "version": v.version,
        "poll_ms": if v.status == "completed" { 0 } else { POLL_MS },
    });
    let body = format!(
        "<header class=\"bar\"><span class=\"brand\">SendZen</span><span class=\"badge\" \
         data-testid=\"sandbox-label\">SendZen sandbox</span></header>\
         <main id=\"sz-onboarding\" data-status=\"{}\">{content}</main>",
        v.status
    );
    document(StatusCode::OK, "Connect WhatsApp · SendZen sandbox", &body, Some(&config))
}

/// The plain page of an unknown (404) or expired (410) token: no script, nothing to load.
fn error_page(status: StatusCode) -> Response {
    let (title, text) = if status == StatusCode::GONE {
        ("Onboarding link expired", "This onboarding link has expired. Ask for a new one.")
    } else {
        (
            "Onboarding link not found",
            "This onboarding link is unknown (links live in memory until the sandbox restarts).",
        )
    };
    let reason = if status == StatusCode::GONE { "expired" } else { "unknown" };
    let body = format!("<main id=\"sz-error\" data-reason=\"{reason}\"><h1>{title}</h1><p>{text}</p></main>");
    document(status, title, &body, None)
}

/// One HTML answer with a fresh nonce; `config` (if any) goes to the script as `#sz-config`.
fn document(status: StatusCode, title: &str, body: &str, config: Option<&Value>) -> Response {
    let nonce = random_string(24, ALNUM);
    let script = match config {
        Some(c) => format!(
            "<script type=\"application/json\" id=\"sz-config\">{}</script>\n<script nonce=\"{nonce}\">{SCRIPT}</script>",
            script_json(c)
        ),
        None => String::new(),
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{}</title>\
         <style nonce=\"{nonce}\">{CSS}</style></head>\n<body>{body}\n{script}</body></html>\n",
        esc(title)
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
         form-action 'self'; base-uri 'none'"
    );
    let mut res = (status, html).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// `POST /onboard/iframe/outcome?token=…` with `outcome=connect|cancel|fail|retry`: applies it if
/// the page is live and the project not completed, then 303 back to the page.
async fn choose(
    State(sandbox): State<Arc<Sandbox>>,
    Query(q): Params,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let token = token_of(&q).to_owned();
    let outcome = form.ok().and_then(|Form(f)| f.get("outcome").cloned()).unwrap_or_default();
    let now = Utc::now();
    let applied = sandbox.sendzen().store.with(|st| {
        let project_id = match st.token(&token, now) {
            Lookup::Live(t) if outcome == "retry" => {
                t.failure = None;
                return Ok(None);
            }
            Lookup::Live(t) => t.project_id.clone(),
            Lookup::Expired => return Err(StatusCode::GONE),
            Lookup::Unknown => return Err(StatusCode::NOT_FOUND),
        };
        let result = match outcome.as_str() {
            "connect" => st.complete(&project_id, now, Connect::default()),
            "cancel" => st.fail(&project_id, now, MESSAGE_CANCELLED),
            "fail" => st.fail(&project_id, now, MESSAGE_FAILED),
            _ => return Ok(None),
        };
        Ok(result.ok().map(|o| (project_id, o)))
    });
    match applied {
        Err(status) => error_page(status),
        Ok(done) => {
            if let Some((project_id, o)) = done {
                let event = Event { kind: "onboarding", event: o.event.to_owned(), reference: project_id.clone() };
                webhooks::spawn(Arc::clone(&sandbox), project_id, event, o.body);
            }
            let location = format!("{PREFIX}/onboard/iframe?token={token}");
            let location = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
    }
}

/// `GET /onboard/iframe/status?token=…`: `{status, version}` of a live page; 404/410 otherwise.
async fn status(State(sandbox): State<Arc<Sandbox>>, Query(q): Params) -> Response {
    let token = token_of(&q).to_owned();
    let now = Utc::now();
    let answer = sandbox.sendzen().store.with(|st| {
        let (project_id, failed) = match st.token(&token, now) {
            Lookup::Live(t) => (t.project_id.clone(), t.failure.is_some()),
            Lookup::Expired => return Err(StatusCode::GONE),
            Lookup::Unknown => return Err(StatusCode::NOT_FOUND),
        };
        let p = st.project(&project_id).ok_or(StatusCode::NOT_FOUND)?;
        let status = match (&p.onboarding, failed) {
            (Onboarding::Completed, _) => "completed",
            (_, true) => "failed",
            _ => "pending",
        };
        Ok(json!({ "status": status, "version": p.version }))
    });
    let mut res = match answer {
        Ok(v) => Json(v).into_response(),
        Err(code) => {
            (code, Json(json!({ "error": "Not available", "message": "This onboarding link is expired or unknown" })))
                .into_response()
        }
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

const CSS: &str = "\
*,*::before,*::after{box-sizing:border-box}\
body{margin:0;padding:20px 16px;background:#f5f7f6;color:#1d2a24;\
font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}\
.bar,main{max-width:520px;margin:0 auto}\
.bar{display:flex;justify-content:space-between;align-items:center;margin-bottom:16px}\
.brand{font-weight:700;color:#0b7a55}\
.badge{font-size:12px;font-weight:600;text-transform:uppercase;color:#7a4d00;background:#fff4d6;\
border:1px solid #f0d58c;border-radius:999px;padding:2px 10px}\
main{background:#fff;border:1px solid #dbe3df;border-radius:12px;padding:24px}\
h1{font-size:20px;margin:0 0 8px}.intro{color:#3d4a44}\
.meta{border:1px solid #c9d7f2;border-radius:10px;padding:16px;margin-top:16px}\
.meta-bar{margin:0 0 8px;font-weight:600;color:#0866ff}\
.row{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}\
button{font:inherit;font-weight:600;border-radius:8px;padding:10px 16px;border:1px solid transparent;cursor:pointer}\
.primary{background:#0b7a55;color:#fff}.secondary{background:#fff;border-color:#c8ced6}\
.danger{background:#fff;color:#cf222e;border-color:#f1aeb5}\
.notice{padding:10px 12px;border-radius:8px;background:#fff0f0;border:1px solid #f1aeb5;color:#82071e}\
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px}dt{color:#59636e}dd{margin:0;font-family:monospace}\
";

/// Posts the outcome to the parent once, then polls for changes made elsewhere.
const SCRIPT: &str = r#"(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('sz-config').textContent);
  if (cfg.post && window.parent !== window) window.parent.postMessage(cfg.post, cfg.target_origin);
  if (cfg.poll_ms > 0) {
    var busy = false;
    setInterval(function () {
      if (busy) return;
      busy = true;
      fetch(cfg.status_url, { cache: 'no-store', credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : { version: -1 }; })
        .then(function (s) { busy = false; if (s.version !== cfg.version) window.location.replace(cfg.page_url); })
        .catch(function () { busy = false; });
    }, cfg.poll_ms);
  }
})();"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_posts_only_the_configured_payload_to_the_configured_target() {
        assert!(SCRIPT.contains("window.parent.postMessage(cfg.post, cfg.target_origin)"));
        assert!(!SCRIPT.contains("'*'") && !SCRIPT.contains("\"*\""), "the target comes from the config");
    }

    #[test]
    fn error_pages_run_nothing() {
        let res = error_page(StatusCode::GONE);
        assert_eq!(res.status(), StatusCode::GONE);
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.starts_with("default-src 'none'") && !csp.contains("frame-ancestors"), "{csp}");
    }
}
