//! The registration host page may be framed only by the app, whose origins its script posts to.

use super::*;

/// The origins in the script's `APP_ORIGINS` list.
fn script_app_origins() -> Vec<String> {
    let script = include_str!("../embed/registration.js");
    let line = script.lines().find(|l| l.contains("var APP_ORIGINS = [")).expect("APP_ORIGINS in registration.js");
    let list = &line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()];
    list.split(',').map(|o| o.trim().trim_matches('"').to_owned()).collect()
}

#[tokio::test]
async fn the_host_page_may_be_framed_only_by_the_apps_origins() {
    let r = relay(Config::default());
    let res = router(r.state.clone()).oneshot(Request::get("/embed/registration").body(Body::empty()).unwrap());
    let res = res.await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    let ancestors = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("frame-ancestors "))
        .unwrap_or_else(|| panic!("no frame-ancestors in {csp:?}"));
    let ancestors: Vec<&str> = ancestors.split_whitespace().collect();
    let origins = script_app_origins();
    assert_eq!(origins, ["tauri://localhost", "http://tauri.localhost"], "the app's origins (Linux/macOS, Windows)");
    assert_eq!(ancestors, origins, "the page is framed by exactly the origins its script forwards to");
}
