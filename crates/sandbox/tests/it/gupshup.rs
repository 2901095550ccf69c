//! Conformance of the Gupshup Tech Partner simulator against seed 002: the seed's curl requests
//! (link an app, its token, the pipeline, the subscription) answered field by field, every
//! documented error of linking, the 24-hour partner token, and the live event.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;
use wadesk_sandbox::{GupshupConfig, SandboxConfig};

use crate::messaging::keys;
use crate::support::*;

fn fast() -> SandboxConfig {
    SandboxConfig {
        gupshup: GupshupConfig { stage_delay: Duration::from_millis(20), ..GupshupConfig::default() },
        ..config(&[20])
    }
}

async fn form(h: &Harness, method: Method, uri: &str, auth: Option<&str>, fields: &[(&str, &str)]) -> Reply {
    let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut req =
        Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, a);
    }
    h.send(req.body(Body::from(body)).unwrap()).await
}

fn seed_error(r: &Reply, status: u16, message: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let v = r.json();
    assert_eq!((v["status"].as_str(), v["message"].as_str()), (Some("error"), Some(message)), "{v}");
}

async fn partner_token(h: &Harness) -> String {
    let r = form(
        h,
        Method::POST,
        "/gupshup/partner/account/login",
        None,
        &[("email", "p@example.org"), ("password", TOKEN)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_seeds_link_token_pipeline_and_subscription_requests_answer_as_documented() {
    let h = Harness::with(fast());
    let token = partner_token(&h).await;
    let receiver = Receiver::start(&[]).await;
    let link = |name: &'static str| {
        let (h, token, url) = (&h, token.clone(), receiver.url.clone());
        async move {
            form(
                h,
                Method::POST,
                "/gupshup/partner/tpp/app",
                Some(&token),
                &[("name", name), ("wabaId", "102290129340398"), ("phone", "15557654321"), ("callbackUrl", &url)],
            )
            .await
        }
    };
    let ok = link("LojaAzulApp").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(keys(&ok.json()), ["appId", "status"]);
    let app_id = ok.json()["appId"].as_str().unwrap().to_owned();
    seed_error(&link("LojaAzulApp").await, 409, "Bot Already Exists");
    seed_error(&link("Loja!").await, 400, "App name should be between 6 to 150 characters in length");
    seed_error(&link("Loja Azul!").await, 400, "Invalid characters used in app name");
    seed_error(
        &form(&h, Method::POST, "/gupshup/partner/tpp/app", Some("nope"), &[("name", "x")]).await,
        401,
        "Authentication Failed",
    );

    let t = h.call(Method::GET, &format!("/gupshup/partner/app/{app_id}/token"), None, None).await;
    seed_error(&t, 401, "Authentication Failed");
    let req = Request::get(format!("/gupshup/partner/app/{app_id}/token"))
        .header(header::AUTHORIZATION, &token)
        .body(Body::empty())
        .unwrap();
    let t = h.send(req).await.json();
    assert_eq!(keys(&t), ["name", "terms_read", "token"]);
    let app_token = t["token"].as_str().unwrap().to_owned();

    tokio::time::sleep(Duration::from_millis(100)).await;
    let req = Request::get(format!("/gupshup/partner/app/{app_id}/pipeline"))
        .header(header::AUTHORIZATION, &app_token)
        .body(Body::empty())
        .unwrap();
    let p = h.send(req).await.json();
    assert_eq!(p["status"], "success");
    assert_eq!(
        keys(&p["whatsapp"]),
        [
            "countryCode",
            "createdOn",
            "creationStage",
            "dialCode",
            "embedStage",
            "id",
            "modifiedOn",
            "pipeLineStage",
            "uiFormStage",
            "whatsappVerificationStatus"
        ]
    );
    assert_eq!(p["whatsapp"]["pipeLineStage"], "FINALIZE");
    let live = receiver.wait_for(1).await;
    let event: Value = serde_json::from_slice(&live[0].body).unwrap();
    assert_eq!(
        (event["type"].as_str(), event["payload"]["type"].as_str()),
        (Some("onboarding-event"), Some("docker-status-event"))
    );
    assert_eq!(event["payload"]["payload"]["status"], "live");

    let sub = form(
        &h,
        Method::POST,
        &format!("/gupshup/partner/app/{app_id}/subscription"),
        Some(&app_token),
        &[
            ("modes", "SENT,ENQUEUED,DELIVERED,READ,DELETED,MESSAGE, OTHERS"),
            ("tag", "V3 Subscription"),
            ("showOnUI", "false"),
            ("version", "3"),
            ("url", &receiver.url),
        ],
    )
    .await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.text());
    assert_eq!(
        keys(&sub.json()["subscription"]),
        ["active", "appId", "createdOn", "id", "mode", "modifiedOn", "showOnUI", "tag", "url", "version"]
    );
    let bad = form(
        &h,
        Method::POST,
        &format!("/gupshup/partner/app/{app_id}/subscription"),
        Some(&app_token),
        &[("modes", "SENT"), ("tag", "t2"), ("version", "3"), ("url", "not a url")],
    )
    .await;
    seed_error(&bad, 400, "Invalid URL Passed");
}

#[tokio::test]
async fn a_partner_token_older_than_its_lifetime_is_refused() {
    let h = Harness::with(SandboxConfig {
        gupshup: GupshupConfig { partner_token_ttl: Duration::from_secs(1), ..GupshupConfig::default() },
        ..config(&[20])
    });
    let token = partner_token(&h).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = form(&h, Method::POST, "/gupshup/partner/tpp/app", Some(&token), &[("name", "LojaAzulApp")]).await;
    seed_error(&r, 401, "Token expired");
}
