//! The simulated Meta Embedded Signup popup at `/meta/signup?s=<id>`, opened by the iframe with
//! `window.open(url, 'ca-meta-signup', 'popup,width=600,height=700')` like the real one.
//!
//! Opening it starts the Meta step (`form_completed → fb_started`) if the iframe's own report has
//! not arrived yet, so the two can race harmlessly. The user picks an outcome (`button#meta-connect`,
//! `button#meta-cancel`, `button#meta-fail`); the outcome page tells `window.opener` (target: the
//! sandbox's origin) and closes itself. The iframe also polls, because `window.opener` can be null
//! in some webviews. Closing the popup without choosing counts as cancelling (a beacon on
//! `pagehide`), like closing Meta's window.
//!
//! The popup is not framed (`frame-ancestors 'none'`) and posts nothing to the partner: only the
//! iframe talks to the parent.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::layout::{esc, Document, Script};
use super::{fields, not_found, origin_of, Fields};
use crate::chatarchitect::registration::store::now;
use crate::chatarchitect::registration::{validate, webhook, Session, Status, META_FAILED};
use crate::Sandbox;

pub(super) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/meta/signup", get(open).post(choose))
}

/// `GET /meta/signup?s=<id>`: the choice page, or "no longer active".
async fn open(State(sandbox): State<Arc<Sandbox>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let id = query.get("s").cloned().unwrap_or_default();
    if !validate::is_registration_id(&id) {
        return not_found();
    }
    let now = now();
    let page = sandbox.chatarchitect().registration().with(&id, |s| {
        // Ignored unless at form_completed or already fb_started.
        let _ = s.start_meta(now);
        let active = s.status(now) == Status::FbStarted;
        page(&sandbox, s, if active { Page::Choose } else { Page::Done("inactive") })
    });
    page.unwrap_or_else(not_found)
}

/// `POST /meta/signup?s=<id>` with `outcome=connect|cancel|fail`: applies the outcome if the Meta
/// step is still open, then answers the page that reports it to the opener and closes.
async fn choose(
    State(sandbox): State<Arc<Sandbox>>,
    Query(query): Query<HashMap<String, String>>,
    form: Fields,
) -> Response {
    let id = query.get("s").cloned().unwrap_or_default();
    if !validate::is_registration_id(&id) {
        return not_found();
    }
    let form = fields(form);
    let now = now();
    let outcome = match form.get("outcome").map(String::as_str) {
        Some("connect") => "connect",
        Some("cancel") => "cancel",
        Some("fail") => "fail",
        _ => "",
    };
    let partners = sandbox.chatarchitect().partners();
    let applied = sandbox.chatarchitect().registration().with(&id, |s| {
        let applied = match outcome {
            "connect" => s.connect_meta(now, partners.signing_key(s.partner)).is_ok(),
            "cancel" => s.cancel_meta(now).is_ok(),
            "fail" => s.status(now) == Status::FbStarted && s.fail_meta(now, META_FAILED).is_ok(),
            _ => false,
        };
        let reported = if applied { outcome } else { "inactive" };
        (applied, page(&sandbox, s, Page::Done(reported)))
    });
    let Some((applied, page)) = applied else { return not_found() };
    if applied && outcome == "connect" {
        webhook::spawn_delivery(Arc::clone(&sandbox), id);
    }
    if form.get("via").map(String::as_str) == Some("beacon") {
        return StatusCode::NO_CONTENT.into_response();
    }
    page
}

enum Page {
    Choose,
    /// The outcome reported to the opener: connect, cancel, fail or inactive.
    Done(&'static str),
}

fn page(sandbox: &Sandbox, s: &Session, which: Page) -> Response {
    let t = s.lang.texts();
    let base = sandbox.public_url();
    let action = format!("/meta/signup?s={}", s.id);
    let (content, outcome) = match which {
        Page::Choose => {
            let name = s.business.as_ref().map_or("", |b| b.business_name.as_str());
            let intro =
                t.meta_intro.replace("{business}", name).replace("{phone}", s.phone.as_deref().unwrap_or_default());
            let content = format!(
                "<p class=\"intro\">{}</p><form id=\"meta-form\" method=\"post\" action=\"{action}\" class=\"row\">\
                 <button id=\"meta-connect\" class=\"primary\" type=\"submit\" name=\"outcome\" value=\"connect\">{}</button>\
                 <button id=\"meta-cancel\" class=\"secondary\" type=\"submit\" name=\"outcome\" value=\"cancel\">{}</button>\
                 <button id=\"meta-fail\" class=\"danger\" type=\"submit\" name=\"outcome\" value=\"fail\">{}</button></form>",
                esc(&intro),
                esc(t.meta_connect),
                esc(t.meta_cancel),
                esc(t.meta_fail),
            );
            (content, None)
        }
        Page::Done(outcome) => {
            let text = if outcome == "inactive" { t.meta_inactive } else { t.meta_done };
            let content = format!(
                "<p class=\"intro\" data-testid=\"meta-done\" data-outcome=\"{outcome}\">{}</p>\
                 <button id=\"meta-close\" class=\"secondary\" type=\"button\">{}</button>",
                esc(text),
                esc(t.close),
            );
            (content, Some(outcome))
        }
    };
    let body = format!(
        "<header class=\"bar meta-bar\"><span class=\"brand\">Meta</span>\
         <span class=\"badge\" data-testid=\"sandbox-label\">ChatArchitect sandbox</span></header>\
         <main id=\"meta-signup\" class=\"meta\"><h1>{}</h1>{content}</main>",
        esc(t.meta_title)
    );
    let config = json!({
        "registration_id": s.id,
        "sandbox_origin": origin_of(base),
        "cancel_url": if outcome.is_none() { Some(format!("{base}{action}")) } else { None },
        "outcome": outcome,
    });
    Document {
        status: StatusCode::OK,
        lang: s.lang,
        // A fixed title, so WebDriver tests can find the popup window in any language.
        title: "Simulated Meta Embedded Signup".to_owned(),
        body,
        config,
        script: Script::Popup,
        frame_ancestors: "'none'".to_owned(),
    }
    .into_response()
}
