//! Test harness: the router driven in-process with `oneshot`, a loopback webhook receiver that
//! keeps raw bodies and headers, and helpers that walk a session through the pages.

use std::sync::{Arc, Mutex};

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wadesk_sandbox::{router, Sandbox, SandboxConfig};

pub const TOKEN: &str = "partner-token-alpha-0123456789";
pub const OTHER_TOKEN: &str = "partner-token-beta-9876543210";
pub const PUBLIC: &str = "http://127.0.0.1:8790";
pub const PARENT: &str = "https://partner.example";

/// A response, read to the end.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    /// Asserts the seed's error shape and status; returns the message.
    pub fn assert_error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        let v = self.json();
        assert_eq!(v["status"], "error", "{v}");
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 2, "only status and message: {v}");
        let message = v["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty());
        message
    }

    /// The page's `#ca-config` data block.
    pub fn page_config(&self) -> Value {
        let html = self.text();
        let start = html.find("<script type=\"application/json\" id=\"ca-config\">").unwrap();
        let rest = &html[start..];
        let open = rest.find('>').unwrap() + 1;
        let close = rest.find("</script>").unwrap();
        serde_json::from_str(&rest[open..close]).unwrap()
    }

    /// Names of the step events the page posts on load.
    pub fn events(&self) -> Vec<String> {
        self.page_config()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub fn config(backoff_ms: &[u64]) -> SandboxConfig {
    SandboxConfig {
        partner_tokens: vec![TOKEN.into(), OTHER_TOKEN.into()],
        public_url: PUBLIC.into(),
        webhook_backoff: backoff_ms.iter().copied().map(Duration::from_millis).collect(),
        ..SandboxConfig::default()
    }
}

pub struct Harness {
    app: Router,
}

impl Harness {
    /// Two partners, fast retries (4 × 50 ms).
    pub fn new() -> Harness {
        Harness::with(config(&[50, 50, 50, 50]))
    }

    pub fn with(config: SandboxConfig) -> Harness {
        Harness { app: router(Sandbox::new(config)) }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body }
    }

    /// A request with an optional Bearer token and raw body.
    pub async fn call(&self, method: Method, uri: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        self.send(req.body(Body::from(body.unwrap_or_default().to_owned())).unwrap()).await
    }

    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call(Method::POST, uri, token, Some(&body.to_string())).await
    }

    pub async fn create_raw(&self, body: &Value) -> Reply {
        self.post_json("/partner?action=create_session", Some(TOKEN), body).await
    }

    /// Creates a session (partner `TOKEN`) and returns the answer.
    pub async fn create(&self, webhook_url: &str) -> Value {
        let reply = self.create_raw(&session_body(webhook_url)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    pub async fn create_id(&self, webhook_url: &str) -> String {
        self.create(webhook_url).await["registration_id"].as_str().unwrap().to_owned()
    }

    pub async fn result(&self, id: &str, token: &str) -> Reply {
        self.call(Method::GET, &format!("/partner?action=result&registration_id={id}"), Some(token), None).await
    }

    pub async fn status(&self, id: &str) -> String {
        let reply = self.result(id, TOKEN).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()["status"].as_str().unwrap().to_owned()
    }

    pub async fn control(&self, id: &str) -> Value {
        let reply = self.call(Method::GET, &format!("/_sandbox/registrations/{id}"), Some(TOKEN), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    pub async fn page(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/?s={id}&mode=embed"), None, None).await
    }

    /// POSTs an urlencoded form.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// POSTs one iframe step; asserts the post/redirect/get answer.
    pub async fn step(&self, id: &str, step: &str, fields: &[(&str, &str)]) {
        let reply = self.form(&format!("/registration/{id}/{step}"), fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert_eq!(reply.header("location"), format!("/?s={id}&mode=embed"));
    }

    /// Walks a new session to `form_completed` through the pages.
    pub async fn to_form_completed(&self, id: &str) {
        self.step(id, "phone", &[("phone", "+421 233 221 242")]).await;
        let code = sandbox_code(&self.page(id).await);
        self.step(id, "code", &[("code", &code)]).await;
        self.step(
            id,
            "business",
            &[("business_name", "Sandbox Shop"), ("email", "owner@shop.example"), ("category", "retail")],
        )
        .await;
    }

    /// Arms the partner's forced failures.
    pub async fn force(&self, what: &str, count: u32) {
        let reply = self.post_json(&format!("/_sandbox/{what}"), Some(TOKEN), &json!({ "count": count })).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
}

pub fn session_body(webhook_url: &str) -> Value {
    json!({
        "parent_origin": PARENT,
        "webhook_url": webhook_url,
        "partner_user_id": "user_456",
        "partner_state": "opaque-state-value",
        "integration": "My CRM",
        "lang": "en"
    })
}

/// The code the code page shows in `[data-testid="sandbox-code"]`.
pub fn sandbox_code(page: &Reply) -> String {
    let html = page.text();
    let at = html.find("data-testid=\"sandbox-code\">").unwrap_or_else(|| panic!("no code on: {html}"));
    let rest = &html[at + "data-testid=\"sandbox-code\">".len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

/// One webhook request as received.
#[derive(Clone)]
pub struct Captured {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Captured {
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).map_or(String::new(), |v| v.to_str().unwrap().to_owned())
    }
}

/// A loopback webhook receiver answering the given statuses in order, then 200.
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Captured>>>,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Receiver {
        let seen = Arc::new(Mutex::new(Vec::<Captured>::new()));
        let statuses = Arc::new(statuses.to_vec());
        let app = Router::new().route(
            "/hook",
            axum::routing::post({
                let seen = Arc::clone(&seen);
                move |headers: HeaderMap, body: Bytes| {
                    let seen = Arc::clone(&seen);
                    let statuses = Arc::clone(&statuses);
                    async move {
                        let mut seen = seen.lock().unwrap();
                        let status = statuses.get(seen.len()).copied().unwrap_or(200);
                        seen.push(Captured { headers, body });
                        StatusCode::from_u16(status).unwrap()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, seen }
    }

    /// Waits (up to 10 s) until `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Captured> {
        for _ in 0..1000 {
            if self.seen.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let seen = self.seen.lock().unwrap().clone();
        assert!(seen.len() >= n, "expected {n} webhook requests, got {}", seen.len());
        seen
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Waits (up to 10 s) until the control view satisfies `done`.
pub async fn wait_until(h: &Harness, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..1000 {
        let view = h.control(id).await;
        if done(&view) {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached: {}", h.control(id).await);
}

/// The seed's signature, recomputed here without the sandbox's code.
pub fn expected_signature(token: &str, timestamp: &str, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
