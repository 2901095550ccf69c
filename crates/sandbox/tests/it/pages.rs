//! The iframe pages and the Meta popup, driven by posting their forms: statuses advance, input is
//! checked, events are posted once and only to parent_origin, CSP holds, no secret is ever shown.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

const HOOK: &str = "http://127.0.0.1:9/hook";

fn csp(reply: &Reply) -> String {
    reply.header("content-security-policy").to_owned()
}

#[tokio::test]
async fn posting_each_step_advances_the_status_in_the_seed_order() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let id = h.create_id(&rx.url).await;
    let page = h.page(&id).await;
    assert_eq!(page.status, StatusCode::OK);
    for id_attr in ["id=\"phone\"", "id=\"send-code\""] {
        assert!(page.text().contains(id_attr), "{id_attr}");
    }
    h.step(&id, "phone", &[("phone", "+421 233 221 242")]).await;
    assert_eq!(h.status(&id).await, "phone_code_sent");
    let page = h.page(&id).await;
    for id_attr in ["id=\"code\"", "id=\"verify\"", "id=\"change-phone\"", "data-testid=\"sandbox-code\""] {
        assert!(page.text().contains(id_attr), "{id_attr}");
    }
    h.step(&id, "code", &[("code", &sandbox_code(&page))]).await;
    assert_eq!(h.status(&id).await, "phone_verified");
    let page = h.page(&id).await;
    for id_attr in ["id=\"business-name\"", "id=\"email\"", "id=\"category\"", "id=\"form-submit\""] {
        assert!(page.text().contains(id_attr), "{id_attr}");
    }
    h.step(
        &id,
        "business",
        &[("business_name", "Sandbox Shop"), ("email", "owner@shop.example"), ("category", "food")],
    )
    .await;
    assert_eq!(h.status(&id).await, "form_completed");
    assert!(h.page(&id).await.text().contains("id=\"connect-whatsapp\""));
    let started = h.form(&format!("/registration/{id}/facebook-started?via=fetch"), &[]).await;
    assert_eq!(started.status, StatusCode::NO_CONTENT);
    assert_eq!(h.status(&id).await, "fb_started");
    let popup = h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    assert!(popup.text().contains("Simulated Meta Embedded Signup"));
    h.form(&format!("/meta/signup?s={id}"), &[("outcome", "connect")]).await;
    assert_eq!(h.status(&id).await, "completed");
    rx.wait_for(1).await;
}

#[tokio::test]
async fn a_wrong_code_is_rejected_on_the_page_and_the_step_stays() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    let code = sandbox_code(&h.page(&id).await);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    h.step(&id, "code", &[("code", wrong)]).await;
    assert_eq!(h.status(&id).await, "phone_code_sent");
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"error\""));
    assert!(page.text().contains("That code is not correct"));
    assert!(!h.page(&id).await.text().contains("data-testid=\"error\""), "shown once");
    h.step(&id, "code", &[("code", "12")]).await;
    assert!(h.page(&id).await.text().contains("The code has exactly 6 digits."));
    h.step(&id, "code", &[("code", &code)]).await;
    assert_eq!(h.status(&id).await, "phone_verified");
}

#[tokio::test]
async fn invalid_input_gets_a_specific_error_and_keeps_what_was_typed() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    for (phone, message) in [
        ("", "Enter your phone number in international format"),
        ("+421 abc", "only digits, spaces, dashes"),
        ("+42", "8 to 15 digits"),
        ("0233221242", "not with 0"),
    ] {
        h.step(&id, "phone", &[("phone", phone)]).await;
        let page = h.page(&id).await;
        assert!(page.text().contains(message), "{phone:?}");
        assert!(page.text().contains(&format!("value=\"{phone}\"")), "echo {phone:?}");
        assert_eq!(h.status(&id).await, "started");
    }
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    h.step(&id, "change-phone", &[]).await;
    assert_eq!(h.status(&id).await, "started", "change number goes back");
    h.to_form_completed(&id).await;

    let id = h.create_id(HOOK).await;
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    let code = sandbox_code(&h.page(&id).await);
    h.step(&id, "code", &[("code", &code)]).await;
    h.step(&id, "business", &[("business_name", "S"), ("email", "owner@shop.example"), ("category", "retail")]).await;
    assert!(h.page(&id).await.text().contains("Enter the business name"));
    h.step(&id, "business", &[("business_name", "Shop"), ("email", "owner"), ("category", "retail")]).await;
    let page = h.page(&id).await;
    assert!(page.text().contains("Enter a valid e-mail address."));
    assert!(page.text().contains("value=\"Shop\""));
    h.step(&id, "business", &[("business_name", "Shop"), ("email", "owner@shop.example"), ("category", "weapons")])
        .await;
    assert!(h.page(&id).await.text().contains("Choose a category."));
    assert_eq!(h.status(&id).await, "phone_verified");
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_only_the_popup_refuses_framing() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let a = h.page(&id).await;
    let policy = csp(&a);
    assert!(policy.contains("default-src 'none'"), "{policy}");
    // frame-ancestors checks every ancestor, so restricting it to parent_origin would refuse a
    // parent page that is itself framed (Wadesk's host page inside the app window). The seed
    // documents no such restriction; postMessage still targets parent_origin only.
    assert!(!policy.contains("frame-ancestors"), "{policy}");
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(a.text().contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(a.text().contains(&format!("<style nonce=\"{nonce}\">")));
    assert!(!a.text().contains(" style=\"") && !a.text().contains(" onclick="), "nothing inline outside the nonce");
    assert_ne!(csp(&h.page(&id).await), policy, "a fresh nonce per response");
    assert_eq!(a.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(a.header("cache-control"), "no-store");
    let popup_h = h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    assert!(csp(&popup_h).contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn messages_go_to_the_parent_origin_only() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let page = h.page(&id).await;
    let config = page.page_config();
    assert_eq!(config["parent_origin"], PARENT);
    assert_eq!(config["registration_id"], id.as_str());
    assert_eq!(config["sandbox_origin"], PUBLIC);
    assert_eq!(config["popup_url"], format!("{PUBLIC}/meta/signup?s={id}"));
    let html = page.text();
    assert!(html.contains("window.parent.postMessage(msg, parentOrigin)"));
    assert!(html.contains("type: 'ca.whatsapp.registration'"));
    assert!(html.contains("post('ready')") && html.contains("post('height', { height: h })"));
    assert!(html.contains("new ResizeObserver(reportHeight)"));
    assert!(html.contains("window.open(cfg.popup_url, 'ca-meta-signup', popupFeatures)"));
    assert!(html.contains("'popup,width=600,height=700'"));
    assert!(!html.contains("'*'") && !html.contains("\"*\""), "never the wildcard target");
}

#[tokio::test]
async fn step_events_are_posted_once_on_the_first_page_after_them() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    assert!(h.page(&id).await.events().is_empty());
    h.step(&id, "phone", &[("phone", "+421233221242")]).await;
    let code = sandbox_code(&h.page(&id).await);
    h.step(&id, "code", &[("code", &code)]).await;
    let head = h.call(Method::HEAD, &format!("/?s={id}&mode=embed"), None, None).await;
    assert_eq!(head.status, StatusCode::OK, "a HEAD request does not consume the event");
    assert_eq!(h.page(&id).await.events(), ["phone_verified"]);
    assert!(h.page(&id).await.events().is_empty(), "a reload does not repeat it");
    h.step(&id, "business", &[("business_name", "Shop"), ("email", "owner@shop.example"), ("category", "retail")])
        .await;
    assert!(h.page(&id).await.events().is_empty());
    h.step(&id, "facebook-started", &[]).await;
    let waiting = h.page(&id).await;
    assert_eq!(waiting.events(), ["facebook_started"]);
    assert!(waiting.text().contains("data-testid=\"meta-waiting\"") && waiting.text().contains("id=\"reopen-signup\""));
    assert_eq!(waiting.page_config()["poll_ms"], 700);
    // The popup reporting the start too does not post it twice.
    h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    assert!(h.page(&id).await.events().is_empty());
}

#[tokio::test]
async fn opening_the_popup_starts_the_meta_step_and_connect_completes_without_leaking_the_secret() {
    let h = Harness::new();
    let rx = Receiver::start(&[]).await;
    let id = h.create_id(&rx.url).await;
    h.to_form_completed(&id).await;
    let mut seen_html = vec![h.page(&id).await.text().to_owned()];
    let popup = h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    assert_eq!(h.status(&id).await, "fb_started", "the popup may report the start first");
    for id_attr in ["id=\"meta-connect\"", "id=\"meta-cancel\"", "id=\"meta-fail\""] {
        assert!(popup.text().contains(id_attr), "{id_attr}");
    }
    assert!(popup.text().contains("<title>Simulated Meta Embedded Signup</title>"));
    seen_html.push(popup.text().to_owned());
    let done = h.form(&format!("/meta/signup?s={id}"), &[("outcome", "connect")]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.page_config()["outcome"], "connect");
    assert_eq!(done.page_config()["sandbox_origin"], PUBLIC);
    assert!(done.text().contains("window.opener.postMessage("));
    assert!(done.text().contains("window.close()"));
    seen_html.push(done.text().to_owned());
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"completed\""));
    // The iframe was not reloaded in between, so both events are still due, in order.
    assert_eq!(page.events(), ["facebook_started", "completed"]);
    assert_eq!(page.page_config()["poll_ms"], 0);
    seen_html.push(page.text().to_owned());
    let status = h.call(Method::GET, &format!("/registration/{id}/status"), None, None).await;
    assert_eq!(status.json()["status"], "completed");
    seen_html.push(status.text().to_owned());

    let secret = h.result(&id, TOKEN).await.json()["app_secret"].as_str().unwrap().to_owned();
    for html in &seen_html {
        assert!(!html.contains(&secret), "app_secret must never reach a page");
        assert!(!html.contains(TOKEN), "nor the partner token");
    }
    assert_eq!(rx.wait_for(1).await[0].header("x-ca-event-id"), format!("evt_{id}_1"));
}

#[tokio::test]
async fn cancel_and_fail_return_to_the_connect_step_with_their_events() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.to_form_completed(&id).await;
    h.page(&id).await;
    h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    let done = h.form(&format!("/meta/signup?s={id}"), &[("outcome", "cancel")]).await;
    assert_eq!(done.page_config()["outcome"], "cancel");
    assert_eq!(h.status(&id).await, "form_completed");
    let page = h.page(&id).await;
    assert_eq!(page.events(), ["facebook_started", "cancelled"]);
    assert!(page.text().contains("data-testid=\"meta-cancelled\"") && page.text().contains(">Connect again</button>"));

    h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    h.form(&format!("/meta/signup?s={id}"), &[("outcome", "fail")]).await;
    assert_eq!(h.status(&id).await, "form_completed");
    let page = h.page(&id).await;
    let message = "Meta Embedded Signup failed: the business account could not be verified (simulated)";
    assert_eq!(
        page.page_config()["events"],
        json!([{ "event": "facebook_started" }, { "event": "failed", "message": message }])
    );
    assert!(page.text().contains("data-testid=\"meta-failed\"") && page.text().contains(">Try again</button>"));

    // A late click in a stale popup changes nothing.
    let stale = h.form(&format!("/meta/signup?s={id}"), &[("outcome", "connect")]).await;
    assert_eq!(stale.page_config()["outcome"], "inactive");
    assert_eq!(h.status(&id).await, "form_completed");
}

#[tokio::test]
async fn closing_the_popup_or_the_cancel_button_cancels_the_meta_step() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.to_form_completed(&id).await;
    h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    let beacon = h.form(&format!("/meta/signup?s={id}"), &[("outcome", "cancel"), ("via", "beacon")]).await;
    assert_eq!(beacon.status, StatusCode::NO_CONTENT);
    assert_eq!(h.status(&id).await, "form_completed");
    h.step(&id, "facebook-started", &[]).await;
    assert!(h.page(&id).await.text().contains("id=\"cancel-signup\""));
    h.step(&id, "cancel-signup", &[]).await;
    assert_eq!(h.status(&id).await, "form_completed");
}

#[tokio::test]
async fn expired_sessions_show_the_expired_page_and_announce_it_once() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    h.call(Method::POST, &format!("/_sandbox/registrations/{id}/expire"), Some(TOKEN), None).await;
    let page = h.page(&id).await;
    assert!(page.text().contains("data-testid=\"expired\""));
    assert_eq!(page.events(), ["failed"]);
    assert_eq!(page.page_config()["poll_ms"], 0);
    assert!(policy_allows_framing_by_any_parent(&page));
    assert!(h.page(&id).await.events().is_empty());
    let popup = h.call(Method::GET, &format!("/meta/signup?s={id}"), None, None).await;
    assert_eq!(popup.page_config()["outcome"], "inactive");
}

fn policy_allows_framing_by_any_parent(reply: &Reply) -> bool {
    !csp(reply).contains("frame-ancestors")
}

#[tokio::test]
async fn unknown_sessions_get_a_not_found_page() {
    let h = Harness::new();
    for uri in ["/?s=abc123def456ghi789jkl0&mode=embed", "/?s=nope&mode=embed", "/meta/signup?s=abc123def456ghi789jkl0"]
    {
        let reply = h.call(Method::GET, uri, None, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.text().contains("Registration not found"));
    }
    let status = h.call(Method::GET, "/registration/abc123def456ghi789jkl0/status", None, None).await;
    assert_eq!(status.assert_error(404), "Registration not found");
    let landing = h.call(Method::GET, "/", None, None).await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(landing.text().contains("ChatArchitect sandbox"));
}

#[tokio::test]
async fn pages_are_localized_and_the_language_can_be_changed() {
    let h = Harness::new();
    let mut body = session_body(HOOK);
    body["lang"] = json!("de");
    let id = h.create_raw(&body).await.json()["registration_id"].as_str().unwrap().to_owned();
    let page = h.page(&id).await;
    assert!(page.text().contains("Ihre WhatsApp-Nummer") && page.text().contains(">Code senden</button>"));
    assert!(page.text().contains("data-testid=\"sandbox-label\">ChatArchitect sandbox<"));
    h.step(&id, "lang", &[("lang", "ru")]).await;
    let page = h.page(&id).await;
    assert!(page.text().contains("<html lang=\"ru\"") && page.text().contains("Отправить код"));
    h.step(&id, "lang", &[("lang", "xx")]).await;
    assert!(h.page(&id).await.text().contains("<html lang=\"ru\""), "unknown codes are ignored");
}

#[tokio::test]
async fn the_mode_parameter_does_not_change_the_session() {
    let h = Harness::new();
    let id = h.create_id(HOOK).await;
    let plain = h.call(Method::GET, &format!("/?s={id}"), None, None).await;
    assert!(policy_allows_framing_by_any_parent(&plain), "the stored mode is authoritative");
    assert_eq!(plain.page_config()["parent_origin"], PARENT);
}
