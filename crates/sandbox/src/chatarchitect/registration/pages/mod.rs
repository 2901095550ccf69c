//! The registration iframe at `iframe_url` (`GET /?s=<id>&mode=embed`): real server-rendered pages
//! the user walks through, posting to the parent exactly the events the seed lists.
//!
//! Every step is a form that POSTs back to `/registration/{id}/...` and is answered with a 303 to
//! the iframe URL (post/redirect/get), so reloading never resubmits; input problems travel to the
//! next render in the session's flash. The stored session is authoritative: every session the
//! Partner API creates is an embed session, and the `mode` parameter changes nothing (seed: adding
//! `mode=embed` does not convert a session).
//!
//! Events: `ready` on every load, `height` whenever the content's height changes, and each step
//! event (`phone_verified`, `facebook_started`, `completed`, `cancelled`, `failed`) once, on the
//! first page rendered after it happened. All go to the session's `parent_origin` only. The pages
//! poll `/registration/{id}/status` (every 700 ms while Meta signup is open, every 2 s otherwise)
//! and reload when the session changed elsewhere: in the Meta popup, through the control surface,
//! or by expiry. The popup lives in [`meta_signup`].

pub(crate) mod i18n;
pub(crate) mod layout;
mod meta_signup;
mod steps;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;

use self::i18n::Lang;
use self::layout::{esc, header, Document, Script};
use super::store::now;
use super::{validate, Business, Flash, PageEvent, Session, Status, StepError};
use crate::chatarchitect::error::ApiError;
use crate::Sandbox;

/// Poll interval while Meta signup is open (the popup's `window.opener` may be null).
const POLL_META_MS: u32 = 700;
/// Poll interval on the other unfinished pages.
const POLL_MS: u32 = 2000;

pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/", get(iframe))
        .route("/registration/{id}/status", get(status))
        .route("/registration/{id}/{step}", post(step))
        .merge(meta_signup::routes())
}

type Fields = Result<Form<HashMap<String, String>>, FormRejection>;

fn fields(form: Fields) -> HashMap<String, String> {
    form.map(|Form(f)| f).unwrap_or_default()
}

/// `GET /?s=<id>&mode=embed`: the page for the session's current status. A `HEAD` request
/// leaves the pending events and the flash for the next real load.
async fn iframe(
    State(sandbox): State<Arc<Sandbox>>,
    method: Method,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = query.get("s") else { return landing() };
    let now = now();
    let consume = method != Method::HEAD;
    let page = validate::is_registration_id(id)
        .then(|| sandbox.chatarchitect().registration().with(id, |s| registration_page(&sandbox, s, now, consume)))
        .flatten();
    page.unwrap_or_else(not_found)
}

fn registration_page(sandbox: &Sandbox, s: &mut Session, now: DateTime<Utc>, consume: bool) -> Response {
    let status = s.status(now);
    let events: Vec<_> = if consume { s.take_events(now).iter().map(event_json).collect() } else { Vec::new() };
    let flash = if consume { s.flash.take() } else { s.flash.clone() }.unwrap_or_default();
    let t = s.lang.texts();
    let body = steps::render(&steps::View { session: s, status, flash, t });
    let poll_ms = match status {
        Status::FbStarted => POLL_META_MS,
        Status::Completed | Status::Expired => 0,
        _ => POLL_MS,
    };
    let base = sandbox.public_url();
    let config = json!({
        "registration_id": s.id,
        "parent_origin": s.request.parent_origin,
        "sandbox_origin": origin_of(base),
        "iframe_url": format!("{base}/?s={}&mode=embed", s.id),
        "status_url": format!("{base}/registration/{}/status", s.id),
        "facebook_started_url": format!("{base}/registration/{}/facebook-started?via=fetch", s.id),
        "popup_url": format!("{base}/meta/signup?s={}", s.id),
        "version": s.page_version(now),
        "poll_ms": poll_ms,
        "events": events,
    });
    Document {
        status: StatusCode::OK,
        lang: s.lang,
        title: format!("{} · ChatArchitect sandbox", t.title),
        body,
        config,
        script: Script::Iframe,
        frame_ancestors: String::new(),
    }
    .into_response()
}

fn event_json(e: &PageEvent) -> serde_json::Value {
    match e {
        PageEvent::Failed(message) => json!({ "event": e.name(), "message": message }),
        _ => json!({ "event": e.name() }),
    }
}

/// The origin of `public_url` (what `event.origin` is for messages from the popup).
fn origin_of(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_else(|_| url.to_owned())
}

/// `GET /registration/{id}/status`: what the pages poll. Status and version only.
async fn status(State(sandbox): State<Arc<Sandbox>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let now = now();
    let answer = validate::is_registration_id(&id)
        .then(|| {
            sandbox
                .chatarchitect()
                .registration()
                .with(&id, |s| json!({ "status": s.status(now).as_str(), "version": s.page_version(now) }))
        })
        .flatten()
        .ok_or_else(ApiError::registration_not_found)?;
    let mut res = Json(answer).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `POST /registration/{id}/{step}`: one step's form. Always answers 303 to the iframe URL (or
/// 204 to the page's own `fetch` of `facebook-started`).
async fn step(
    State(sandbox): State<Arc<Sandbox>>,
    Path((id, step)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    form: Fields,
) -> Response {
    let form = fields(form);
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if validate::is_registration_id(&id) {
        let now = now();
        sandbox.chatarchitect().registration().with(&id, |s| {
            let echo = Flash {
                problem: None,
                phone: field("phone"),
                business_name: field("business_name"),
                email: field("email"),
                category: field("category"),
            };
            let result = match step.as_str() {
                "phone" => s.submit_phone(now, &echo.phone),
                "code" => s.verify_code(now, &field("code")),
                "change-phone" => s.change_phone(now),
                "business" => s.submit_business(
                    now,
                    Business {
                        business_name: echo.business_name.clone(),
                        email: echo.email.clone(),
                        category: echo.category.clone(),
                    },
                ),
                "facebook-started" => s.start_meta(now),
                "cancel-signup" => s.cancel_meta(now),
                "lang" => {
                    s.lang = Lang::parse(&field("lang")).unwrap_or(s.lang);
                    Ok(())
                }
                _ => Err(StepError::WrongState(s.status(now))),
            };
            if let Err(StepError::Invalid(problem)) = result {
                s.flash = Some(Flash { problem: Some(problem), ..echo });
            }
        });
    }
    if step == "facebook-started" && query.get("via").map(String::as_str) == Some("fetch") {
        return StatusCode::NO_CONTENT.into_response();
    }
    see_other(&format!("/?s={id}&mode=embed"))
}

/// A 303 to a path on this origin.
fn see_other(location: &str) -> Response {
    let location = header::HeaderValue::from_str(location).unwrap_or(header::HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// An informational page with no script.
fn info_page(status: StatusCode, title: &str, text: &str, frame_ancestors: &str) -> Response {
    let body = format!(
        "{}<main id=\"ca-registration\" data-testid=\"registration\"><h1>{}</h1><p class=\"intro\">{}</p></main>",
        header("ChatArchitect"),
        esc(title),
        esc(text)
    );
    Document {
        status,
        lang: Lang::En,
        title: format!("{title} · ChatArchitect sandbox"),
        body,
        config: json!({}),
        script: Script::None,
        frame_ancestors: frame_ancestors.to_owned(),
    }
    .into_response()
}

/// `GET /` without a session: what this server is.
fn landing() -> Response {
    info_page(
        StatusCode::OK,
        "ChatArchitect sandbox",
        "A local simulator of ChatArchitect's registration domain. Partners create a registration \
         session with POST /partner?action=create_session and embed the iframe_url it returns.",
        "'none'",
    )
}

/// An unknown (or forgotten: the sandbox keeps sessions in memory) session. Framable by anyone,
/// since the page has nothing to protect and the app should show it rather than a blocked frame.
fn not_found() -> Response {
    info_page(
        StatusCode::NOT_FOUND,
        "Registration not found",
        "This registration link is unknown to the sandbox (sessions live in memory and end when \
         the sandbox restarts). Start a new registration.",
        "*",
    )
}
