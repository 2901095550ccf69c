//! `wadesk-relay`: the public server that receives provider webhooks and keeps them until the
//! desktop streams them (ARCHITECTURE.md §5).
//!
//! This crate stands alone: it shares no code with the desktop and links no desktop library, so it
//! builds and runs on a bare server. Today it serves its health endpoint; channels, durable ingest
//! and streaming arrive with the relay issue.
#![deny(missing_docs)]

use axum::{routing::get, Json, Router};
use serde::Serialize;

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"` when the process serves requests.
    pub status: &'static str,
    /// The relay's version.
    pub version: &'static str,
}

/// The relay's HTTP routes.
pub fn router() -> Router {
    Router::new().route("/healthz", get(|| async { Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") }) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn healthz_answers_ok_with_the_version() {
        let res = router().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn unknown_paths_are_404() {
        let res = router().oneshot(Request::get("/nope").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
