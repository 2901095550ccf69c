//! `serve` on a real socket: the Partner API and the pages over TCP, then a clean shutdown.

use std::sync::Arc;

use serde_json::Value;
use wadesk_sandbox::{serve, Sandbox, SandboxConfig};

use crate::support::*;

#[tokio::test]
async fn serve_answers_over_tcp_and_stops_on_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox::new(SandboxConfig { public_url: base.clone(), ..config(&[]) });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, Arc::clone(&sandbox), async {
        let _ = stopped.await;
    }));

    let rx = Receiver::start(&[]).await;
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{base}/partner?action=create_session"))
        .bearer_auth(TOKEN)
        .json(&session_body(&rx.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let iframe_url = created["iframe_url"].as_str().unwrap();
    assert!(iframe_url.starts_with(&base));
    let page = client.get(iframe_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // No frame-ancestors: the seed documents none, and it would refuse a framed parent page.
    assert!(!page.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors"));
    let id = created["registration_id"].as_str().unwrap();
    let done =
        client.post(format!("{base}/_sandbox/registrations/{id}/complete")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(done.status(), 200);
    rx.wait_for(1).await;

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn the_binary_refuses_out_of_range_settings_before_serving() {
    for args in [
        ["--session-ttl-secs", "18446744073709551615"],
        ["--webhook-backoff-secs", "99999999"],
        ["--rate-per-second", "0"],
        ["--read-delay-ms", "600001"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wadesk-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--partner-token", "a-partner-token-0123456789"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("between") && !stderr.contains("panicked"), "{stderr}");
    }
}
