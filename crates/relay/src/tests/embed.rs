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

/// The origins a host page script lists in `var <name> = [...]`.
fn script_list(script: &str, name: &str) -> Vec<String> {
    let marker = format!("var {name} = [");
    let line = script.lines().find(|l| l.contains(&marker)).unwrap_or_else(|| panic!("{name} in the script"));
    let list = &line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()];
    list.split(',').map(|o| o.trim().trim_matches('"').to_owned()).collect()
}

#[tokio::test]
async fn the_meta_signup_page_is_framed_by_the_app_and_may_load_only_metas_sdk() {
    let r = relay(Config::default());
    for path in ["/embed/meta-signup", "/embed/meta-signup.js", "/embed/meta-signup.css"] {
        let res = router(r.state.clone()).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers().get("referrer-policy").unwrap(), "no-referrer");
        let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
        let directive = |name: &str| -> Vec<String> {
            csp.split(';')
                .find_map(|d| d.trim().strip_prefix(&format!("{name} ")).map(str::to_owned))
                .unwrap_or_else(|| panic!("no {name} in {csp:?}"))
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        };
        let script = include_str!("../embed/meta-signup.js");
        assert_eq!(
            directive("frame-ancestors"),
            script_list(script, "APP_ORIGINS"),
            "framed by the origins it posts to"
        );
        assert_eq!(directive("script-src"), ["'self'", "https://connect.facebook.net"]);
        assert_eq!(directive("default-src"), ["'none'"]);
        assert_eq!(directive("form-action"), ["'none'"]);
    }
    // The page accepts Meta's messages only from Meta's origins (or, in sandbox mode, the
    // simulated signup's own origin) and never forwards the login code.
    let script = include_str!("../embed/meta-signup.js");
    assert_eq!(script_list(script, "META_ORIGINS"), ["https://www.facebook.com", "https://web.facebook.com"]);
    assert!(!script.contains("authResponse"), "the FB.login code is not read, so it cannot be forwarded");
}
