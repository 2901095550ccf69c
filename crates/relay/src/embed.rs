//! `GET /embed/registration`: the static host page for providers' embedded registration iframes;
//! `GET /embed/meta-signup`: the one for Meta's Embedded Signup (360dialog's self-hosted signup).
//!
//! The desktop's own page cannot be a `parent_origin` (its origin is `tauri://localhost`), so the
//! app frames this page from its relay — an http(s) origin it already has: loopback for the
//! embedded relay, the operator's https domain for a remote one — and this page frames the
//! registration. The page is static and holds nothing: the iframe URL travels in the fragment, and
//! the script only forwards the documented status events to the app's origins. See the README,
//! "Connecting a number", for the security reasoning.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::IntoResponse;

/// Registration iframes may be on any http(s) origin the provider uses; this page itself may only
/// be framed by the app, whose webview origin is `tauri://localhost` on Linux and macOS and
/// `http://tauri.localhost` on Windows — the same two origins the script forwards events to
/// (`APP_ORIGINS` in registration.js; a test keeps the lists equal). Opened on its own, outside a
/// frame, the page still loads and shows its error.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; frame-src https: http:; \
                   frame-ancestors tauri://localhost http://tauri.localhost; base-uri 'none'; form-action 'none'";

fn page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_SECURITY_POLICY, CSP),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (REFERRER_POLICY, "no-referrer"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// Meta's Embedded Signup host page (360dialog, seed 003) may load Meta's SDK, which frames and
/// calls facebook.com; the signup itself is a popup, which CSP does not govern. Framed only by the
/// app, like the registration page.
const META_CSP: &str = "default-src 'none'; script-src 'self' https://connect.facebook.net; style-src 'self'; \
                        img-src https://*.facebook.com https://*.fbcdn.net; frame-src https://*.facebook.com; \
                        connect-src https://*.facebook.com; frame-ancestors tauri://localhost http://tauri.localhost; \
                        base-uri 'none'; form-action 'none'";

fn meta_page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_SECURITY_POLICY, META_CSP),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (REFERRER_POLICY, "no-referrer"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The Embedded Signup host page.
pub async fn meta_html() -> impl IntoResponse {
    meta_page("text/html; charset=utf-8", include_str!("embed/meta-signup.html"))
}

/// Its script.
pub async fn meta_script() -> impl IntoResponse {
    meta_page("text/javascript; charset=utf-8", include_str!("embed/meta-signup.js"))
}

/// Its style sheet.
pub async fn meta_style() -> impl IntoResponse {
    meta_page("text/css; charset=utf-8", include_str!("embed/meta-signup.css"))
}

/// The host page.
pub async fn html() -> impl IntoResponse {
    page("text/html; charset=utf-8", include_str!("embed/registration.html"))
}

/// Its script.
pub async fn script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", include_str!("embed/registration.js"))
}

/// Its style sheet.
pub async fn style() -> impl IntoResponse {
    page("text/css; charset=utf-8", include_str!("embed/registration.css"))
}
