//! Helpers of the 360dialog tests: calls to the three hosts with their key headers, both error
//! shapes, the simulated Meta signup driven through its form, and a channel walked to live.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::{D360Config, MessagingConfig, SandboxConfig};

use crate::messaging::keys;
use crate::support::*;

pub const HUB: &str = "/d360/hub/api/v2";
pub const WABA: &str = "/d360/waba";
pub const SIGNUP: &str = "/d360/meta/signup";

/// Fast lifecycle (20 ms stages), fast statuses (20/40/60 ms), a generous partner rate, fast retries.
pub fn d3_fast() -> SandboxConfig {
    d3_with(D360Config { partner_rate_per_second: 1000, ..D360Config::default() })
}

/// [`d3_fast`]'s timing with other 360dialog settings.
pub fn d3_with(d360: D360Config) -> SandboxConfig {
    let messaging = MessagingConfig {
        sent_delay: Duration::from_millis(20),
        delivered_delay: Duration::from_millis(40),
        read_delay: Duration::from_millis(60),
        ..d360.messaging.clone()
    };
    SandboxConfig {
        d360: D360Config { stage_delay: Duration::from_millis(20), messaging, ..d360 },
        ..config(&[20, 20])
    }
}

/// A request with `header: value` (none when `value` is `None`) and a JSON body.
pub async fn with_header(
    h: &Harness,
    method: Method,
    uri: &str,
    name: &str,
    value: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(v) = value {
        req = req.header(name, v);
    }
    h.send(req.body(Body::from(body.map(Value::to_string).unwrap_or_default())).unwrap()).await
}

/// A Partner Hub call (`X-API-Key`), `path` under `/d360/hub/api/v2`.
pub async fn hub(h: &Harness, method: Method, path: &str, key: Option<&str>, body: Option<&Value>) -> Reply {
    with_header(h, method, &format!("{HUB}{path}"), "X-API-Key", key, body).await
}

/// A messaging call (`D360-API-KEY`), `path` under `/d360/waba`.
pub async fn waba(h: &Harness, method: Method, path: &str, key: Option<&str>, body: Option<&Value>) -> Reply {
    with_header(h, method, &format!("{WABA}{path}"), "D360-API-KEY", key, body).await
}

/// A control surface call with partner `TOKEN`.
pub async fn ctl(h: &Harness, method: Method, path: &str, body: Option<&Value>) -> Reply {
    with_header(h, method, &format!("/d360/_sandbox{path}"), "X-API-Key", Some(TOKEN), body).await
}

/// `{partner_id, solution_id, meta_app_id, meta_config_id}` of partner `TOKEN`.
pub async fn identity(h: &Harness) -> Value {
    let reply = ctl(h, Method::GET, "/partner", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// Asserts the Partner Hub error shape and status; returns `developer_message`.
pub fn hub_error(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let v = reply.json();
    assert_eq!(keys(&v), ["meta"], "{v}");
    assert_eq!(keys(&v["meta"]), ["developer_message", "http_code", "success"], "{v}");
    assert_eq!(
        (v["meta"]["success"].as_bool(), v["meta"]["http_code"].as_u64()),
        (Some(false), Some(u64::from(status)))
    );
    v["meta"]["developer_message"].as_str().unwrap().to_owned()
}

/// Asserts Meta's error shape and status; returns `(code, details)`.
pub fn meta_error(reply: &Reply, status: u16) -> (u64, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    let v = reply.json();
    assert_eq!(keys(&v), ["error"], "{v}");
    let e = &v["error"];
    assert_eq!(keys(e), ["code", "error_data", "fbtrace_id", "message", "type"], "{v}");
    assert_eq!(e["type"], "OAuthException");
    assert_eq!(e["error_data"]["messaging_product"], "whatsapp");
    (e["code"].as_u64().unwrap(), e["error_data"]["details"].as_str().unwrap().to_owned())
}

/// Lower-case hex HMAC-SHA256, computed here independently.
pub fn hex_hmac(secret: &str, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Creates a client for partner `TOKEN`; returns the answer.
pub async fn client(h: &Harness, partner_id: &str, email: &str) -> Value {
    let body = json!({ "name": "Sandbox Shop", "email": email, "user_name": "Shop Owner" });
    let reply =
        hub(h, Method::POST, &format!("/partners/{partner_id}/account_sharing/clients"), Some(TOKEN), Some(&body))
            .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// The signup query of partner `TOKEN`'s Meta app, from `origin`.
pub fn signup_query(id: &Value, origin: &str) -> Vec<(String, String)> {
    vec![
        ("app_id".into(), id["meta_app_id"].as_str().unwrap().into()),
        ("config_id".into(), id["meta_config_id"].as_str().unwrap().into()),
        ("origin".into(), origin.into()),
        ("state".into(), "opaque-state-1".into()),
    ]
}

/// POSTs the signup form with `event` (and the page's prefilled fields); returns the result page.
pub async fn signup_post(h: &Harness, id: &Value, event: &str, extra: &[(&str, &str)]) -> Reply {
    let mut fields: Vec<(String, String)> = signup_query(id, PARENT);
    fields.push(("event".into(), event.into()));
    fields.push(("business".into(), "Sandbox Business".into()));
    fields.push(("phone".into(), "+1 555 123 4567".into()));
    fields.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    h.form(SIGNUP, &pairs).await
}

/// The result page's config block: `{message, origin, close_ms}`.
pub fn result_config(page: &Reply) -> Value {
    let html = page.text();
    let start =
        html.find("<script type=\"application/json\" id=\"meta-signup-config\">").unwrap_or_else(|| panic!("{html}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).unwrap()
}

/// The message the result page posts, parsed.
pub fn posted(page: &Reply) -> Value {
    serde_json::from_str(result_config(page)["message"].as_str().unwrap()).unwrap()
}

/// A FINISH through the signup; returns its `data`.
pub async fn finish(h: &Harness, id: &Value) -> Value {
    let page = signup_post(h, id, "FINISH", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    posted(&page)["data"].clone()
}

/// Submits WABA `waba_id`; returns the reply.
pub async fn submit(h: &Harness, id: &Value, body: &Value) -> Reply {
    let partner_id = id["partner_id"].as_str().unwrap();
    hub(h, Method::POST, &format!("/partners/{partner_id}/account_sharing/numbers"), Some(TOKEN), Some(body)).await
}

/// The partner's channels matching `filters` (JSON).
pub async fn channels(h: &Harness, id: &Value, filters: &Value) -> Value {
    let partner_id = id["partner_id"].as_str().unwrap();
    let q: String =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("filters", &filters.to_string()).finish();
    let reply = hub(h, Method::GET, &format!("/partners/{partner_id}/channels?{q}"), Some(TOKEN), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// Waits (up to 10 s) until channel `channel_id` has `status`.
pub async fn wait_status(h: &Harness, channel_id: &str, status: &str) {
    for _ in 0..1000 {
        let view = ctl(h, Method::GET, &format!("/channels/{channel_id}"), None).await.json();
        if view["channel"]["status"] == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("channel {channel_id} never reached {status}");
}

/// A live channel of partner `TOKEN` with its API key.
pub struct Live {
    pub id: Value,
    pub client_id: String,
    pub channel_id: String,
    pub waba_id: String,
    pub phone_number_id: String,
    pub api_key: String,
}

/// Client, FINISH, submission, lifecycle to live, API key.
pub async fn live_channel(h: &Harness) -> Live {
    let id = identity(h).await;
    let partner_id = id["partner_id"].as_str().unwrap().to_owned();
    let client_id = client(h, &partner_id, "owner@shop.example").await["id"].as_str().unwrap().to_owned();
    let data = finish(h, &id).await;
    let waba_id = data["waba_id"].as_str().unwrap().to_owned();
    let body = json!({ "solution_id": id["solution_id"], "waba_external_id": waba_id, "client_id": client_id });
    let reply = submit(h, &id, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let listed = channels(h, &id, &json!({ "waba_external_id": waba_id })).await;
    let channel_id = listed["partner_channels"][0]["id"].as_str().unwrap().to_owned();
    wait_status(h, &channel_id, "live").await;
    let reply =
        hub(h, Method::POST, &format!("/partners/{partner_id}/channels/{channel_id}/api_keys"), Some(TOKEN), None)
            .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    Live {
        id,
        client_id,
        channel_id,
        waba_id,
        phone_number_id: data["phone_number_id"].as_str().unwrap().to_owned(),
        api_key: reply.json()["api_key"].as_str().unwrap().to_owned(),
    }
}
