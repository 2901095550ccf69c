//! `wadesk-sandbox`: a local simulator of the providers, built from their documents (seeds), the
//! embedded default a new install runs against and the peer of the end-to-end tests (ARCHITECTURE.md §7).
//!
//! It stands alone: it simulates the providers from their documents, not from our own client code,
//! so it can catch our misreadings. Today it serves its health endpoint; the ChatArchitect partner
//! and messaging APIs arrive with the sandbox issue.
#![deny(missing_docs)]

use axum::{routing::get, Json, Router};
use serde::Serialize;

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"` when the process serves requests.
    pub status: &'static str,
    /// The sandbox's version.
    pub version: &'static str,
}

/// The sandbox's HTTP routes.
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
