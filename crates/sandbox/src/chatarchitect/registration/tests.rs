//! The state machine on its own: transitions, refusals, events and expiry.

use chrono::{Duration, Utc};

use super::*;
use crate::chatarchitect::partners::Partners;

/// The partner token the test sessions' secrets are derived under.
const KEY: &[u8] = b"t";

fn session() -> Session {
    let request = SessionRequest {
        parent_origin: "https://partner.example".into(),
        webhook_url: "https://partner.example/hook".into(),
        partner_user_id: Some("user_456".into()),
        partner_state: None,
        integration: "My CRM".into(),
    };
    let partners = Partners::new(&["t".into()]);
    let partner = partners.authenticate(&{
        let mut h = axum::http::HeaderMap::new();
        h.insert(axum::http::header::AUTHORIZATION, axum::http::HeaderValue::from_static("Bearer t"));
        h
    });
    Session::new(partner.unwrap(), request, Lang::En, Utc::now(), Duration::hours(24))
}

fn business() -> Business {
    Business { business_name: " Shop ".into(), email: "owner@shop.example".into(), category: "retail".into() }
}

fn to_form_completed(s: &mut Session) {
    let now = Utc::now();
    s.submit_phone(now, "+421 233 221 242").unwrap();
    let code = s.code.clone().unwrap();
    s.verify_code(now, &code).unwrap();
    s.submit_business(now, business()).unwrap();
}

#[test]
fn statuses_advance_in_the_seed_order() {
    let mut s = session();
    let now = Utc::now();
    assert_eq!(s.status(now), Status::Started);
    s.submit_phone(now, "+421 233 221 242").unwrap();
    assert_eq!((s.status(now), s.phone.as_deref()), (Status::PhoneCodeSent, Some("421233221242")));
    let code = s.code.clone().unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
    s.verify_code(now, &code).unwrap();
    assert_eq!(s.status(now), Status::PhoneVerified);
    s.submit_business(now, business()).unwrap();
    assert_eq!(s.status(now), Status::FormCompleted);
    assert_eq!(s.business.as_ref().unwrap().business_name, "Shop");
    s.start_meta(now).unwrap();
    assert_eq!(s.status(now), Status::FbStarted);
    s.connect_meta(now, KEY).unwrap();
    assert_eq!(s.status(now), Status::Completed);
    let c = s.completion.as_ref().unwrap();
    assert!(c.app_id.starts_with("ca_app_") && c.app_secret.len() >= 32);
    assert_eq!(c.app_secret, app_secret(KEY, &c.app_id), "derived, so it survives a restart");
    assert_ne!(c.app_secret, app_secret(b"other", &c.app_id));
    assert_eq!(c.phone, "421233221242");
}

#[test]
fn steps_out_of_order_are_refused_without_change() {
    let mut s = session();
    let now = Utc::now();
    assert_eq!(s.verify_code(now, "123456"), Err(StepError::WrongState(Status::Started)));
    assert_eq!(s.start_meta(now), Err(StepError::WrongState(Status::Started)));
    assert_eq!(s.connect_meta(now, KEY), Err(StepError::WrongState(Status::Started)));
    assert_eq!(s.version, 0);
}

#[test]
fn a_wrong_code_is_refused_and_the_step_stays() {
    let mut s = session();
    let now = Utc::now();
    s.submit_phone(now, "421233221242").unwrap();
    let wrong = if s.code.as_deref() == Some("000000") { "111111" } else { "000000" };
    assert_eq!(s.verify_code(now, wrong), Err(StepError::Invalid(InputProblem::CodeWrong)));
    assert_eq!(s.verify_code(now, "12ab"), Err(StepError::Invalid(InputProblem::CodeFormat)));
    assert_eq!(s.status(now), Status::PhoneCodeSent);
}

#[test]
fn phone_verified_is_announced_once() {
    let mut s = session();
    let now = Utc::now();
    s.submit_phone(now, "421233221242").unwrap();
    let code = s.code.clone().unwrap();
    s.verify_code(now, &code).unwrap();
    assert_eq!(s.take_events(now), vec![PageEvent::PhoneVerified]);
    assert_eq!(s.take_events(now), vec![]);
}

#[test]
fn cancel_and_fail_return_to_the_connect_step_with_their_event() {
    let mut s = session();
    to_form_completed(&mut s);
    let now = Utc::now();
    s.take_events(now);
    s.start_meta(now).unwrap();
    s.start_meta(now).unwrap(); // the popup and the page both report the start
    s.cancel_meta(now).unwrap();
    assert_eq!(s.take_events(now), vec![PageEvent::FacebookStarted, PageEvent::Cancelled]);
    assert_eq!((s.status(now), s.meta_notice.clone()), (Status::FormCompleted, Some(MetaNotice::Cancelled)));
    s.start_meta(now).unwrap();
    s.fail_meta(now, "nope").unwrap();
    assert_eq!(s.take_events(now), vec![PageEvent::FacebookStarted, PageEvent::Failed("nope".into())]);
    assert_eq!(s.status(now), Status::FormCompleted);
    assert_eq!(s.meta_attempts, 2);
}

#[test]
fn expired_sessions_cannot_advance_but_completed_ones_never_expire() {
    let mut s = session();
    let later = s.expires_at + Duration::seconds(1);
    assert_eq!(s.status(later), Status::Expired);
    assert_eq!(s.submit_phone(later, "421233221242"), Err(StepError::WrongState(Status::Expired)));
    assert_eq!(s.complete(later, None, KEY), Err(StepError::WrongState(Status::Expired)));
    assert_eq!(s.take_events(later), vec![PageEvent::Failed(EXPIRED_MESSAGE.into())]);
    assert_eq!(s.take_events(later), vec![]);

    let mut done = session();
    done.complete(Utc::now(), Some("15550001111".into()), KEY).unwrap();
    assert_eq!(done.status(later), Status::Completed);
    assert_eq!(done.expire(Utc::now()), Err(StepError::WrongState(Status::Completed)));
}

#[test]
fn the_webhook_body_has_the_seed_fields_in_order() {
    let mut s = session();
    s.complete(Utc::now(), None, KEY).unwrap();
    let c = s.completion.as_ref().unwrap();
    let text = std::str::from_utf8(&c.webhook_body).unwrap();
    let keys = [
        "event",
        "registration_id",
        "partner_user_id",
        "partner_state",
        "app_id",
        "app_secret",
        "phone",
        "integration",
        "completed_at",
    ];
    let positions: Vec<_> = keys.iter().map(|k| text.find(&format!("\"{k}\"")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["partner_state"], serde_json::Value::Null);
    assert!(c.phone.starts_with("1555") && c.phone.len() == 11);
}

#[test]
fn timestamps_use_the_seed_format() {
    let t = chrono::DateTime::parse_from_rfc3339("2026-07-05T10:00:00.123Z").unwrap().with_timezone(&Utc);
    assert_eq!(rfc3339(t), "2026-07-05T10:00:00+00:00");
}
