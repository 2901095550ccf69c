//! Every error the relay answers is in its shape, `{"status":"error","message":…}`, whoever made
//! it: a handler, an extractor's rejection, the method router or the fallback. The one exception
//! is the bare 404 for anything under `/h/` that names no hook.

use tokio::io::AsyncWriteExt;

use super::*;

/// Status, content type and body of an in-process call.
async fn call_with_type(r: &Relay, req: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
    let res = router(r.state.clone()).oneshot(req).await.unwrap();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    (res.status(), content_type, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn rejections_of_queries_methods_bodies_and_routes_are_in_the_error_shape() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let key = format!("Bearer {}", ch.client_key);
    let admin = format!("Bearer {ADMIN}");
    let with = |method: &str, target: &str, auth: &str, content_type: Option<&str>, body: &'static str| {
        let mut req = Request::builder().method(method).uri(target);
        if !auth.is_empty() {
            req = req.header("authorization", auth);
        }
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        req.body(Body::from(body)).unwrap()
    };
    let json = Some("application/json");
    let cases = [
        (with("GET", "/v1/stream?cursor=abc", &key, None, ""), StatusCode::BAD_REQUEST),
        (with("GET", "/v1/stream?cursor=-1", &key, None, ""), StatusCode::BAD_REQUEST),
        (with("GET", &ch.hook_path, "", None, ""), StatusCode::METHOD_NOT_ALLOWED),
        (with("DELETE", "/v1/channels", &admin, None, ""), StatusCode::METHOD_NOT_ALLOWED),
        (with("POST", "/healthz", "", None, ""), StatusCode::METHOD_NOT_ALLOWED),
        (with("PUT", "/embed/registration.js", "", None, ""), StatusCode::METHOD_NOT_ALLOWED),
        (with("GET", "/v1/nothing-here", "", None, ""), StatusCode::NOT_FOUND),
        (with("GET", "/", "", None, ""), StatusCode::NOT_FOUND),
        (with("POST", "/v1/channels", &admin, None, "{}"), StatusCode::BAD_REQUEST),
        (with("POST", "/v1/channels", &admin, json, "{"), StatusCode::BAD_REQUEST),
        (with("POST", "/v1/channels", &admin, json, r#"{"public_key":7}"#), StatusCode::BAD_REQUEST),
        (with("GET", "/v1/channel", "", None, ""), StatusCode::UNAUTHORIZED),
    ];
    for (req, expected) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (status, content_type, body) = call_with_type(&r, req).await;
        assert_eq!(status, expected, "{what}: {}", String::from_utf8_lossy(&body));
        assert_error_shape(&what, content_type.as_deref(), &body);
    }
    let res = router(r.state.clone()).oneshot(with("GET", &ch.hook_path, "", None, "")).await.unwrap();
    assert_eq!(res.headers().get("allow").map(|v| v.to_str().unwrap()), Some("POST"), "405 keeps its Allow");
}

#[tokio::test]
async fn over_real_tcp_broken_bodies_and_bad_stream_handshakes_are_in_the_error_shape() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let addr = serve(&r).await;
    let auth = format!("Authorization: Bearer {}\r\n", ch.client_key);
    let upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\n";
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let requests = [
        format!("POST {} HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n", ch.hook_path),
        "POST /v1/channels HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n".to_owned(),
        format!("GET /v1/stream?cursor=0 HTTP/1.1\r\nHost: r\r\n{auth}\r\n"),
        format!("GET /v1/stream?cursor=0 HTTP/1.1\r\nHost: r\r\n{auth}{upgrade}Sec-WebSocket-Version: 13\r\n\r\n"),
        format!("GET /v1/stream?cursor=0 HTTP/1.1\r\nHost: r\r\n{auth}{upgrade}{key}Sec-WebSocket-Version: 12\r\n\r\n"),
        format!(
            "POST /v1/stream?cursor=0 HTTP/1.1\r\nHost: r\r\n{auth}{upgrade}{key}Sec-WebSocket-Version: 13\r\n\r\n"
        ),
    ];
    for request in requests {
        let what = request.lines().next().unwrap().to_owned();
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(request.as_bytes()).await.unwrap();
        let answer =
            read_answer(&mut tcp, Duration::from_secs(10)).await.unwrap_or_else(|| panic!("{what}: no answer"));
        assert!((400..500).contains(&answer.status), "{what}: {answer:?}");
        assert_error_shape(&what, answer.header("content-type"), &answer.body);
    }
    assert_eq!(r.state.store().stats(&ch.channel_id).await.unwrap().head, 0, "a broken body was stored");
}
