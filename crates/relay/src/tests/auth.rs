//! Credentials: the admin token and the client key are Bearer tokens, and HTTP auth schemes are
//! case-insensitive (RFC 9110 §11.1).

use super::*;

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_for_the_admin_token_and_the_client_key() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let body = serde_json::json!({ "public_key": keys.public_key_b64() }).to_string();
    for scheme in ["bearer", "BEARER", "beARer"] {
        let req = Request::post("/v1/channels")
            .header("authorization", format!("{scheme} {ADMIN}"))
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, answer) = call(&r, req).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {}", String::from_utf8_lossy(&answer));
        let ch: CreatedChannel = serde_json::from_slice(&answer).unwrap();
        let stats = Request::get("/v1/channel").header("authorization", format!("{scheme} {}", ch.client_key));
        assert_eq!(call(&r, stats.body(Body::empty()).unwrap()).await.0, StatusCode::OK, "{scheme}");
    }
    for wrong in [format!("Basic {ADMIN}"), format!("Bearer{ADMIN}"), format!("Bearer {ADMIN}x"), "Bearer ".into()] {
        let req = Request::post("/v1/channels")
            .header("authorization", wrong.as_str())
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))
            .unwrap();
        assert_eq!(call(&r, req).await.0, StatusCode::UNAUTHORIZED, "{wrong}");
    }
}
