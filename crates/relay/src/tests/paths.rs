//! What follows the hook token is recorded byte for byte as the provider sent it, whatever it is
//! and however the token itself was spelled.

use super::*;

/// Posts to `target` and returns the recorded path and query of the event it stored.
async fn recorded(r: &Relay, keys: &ChannelKeys, channel_id: &str, target: &str) -> String {
    let (status, body) = call(r, post(target, "{}")).await;
    assert_eq!(status, StatusCode::OK, "{target}: {}", String::from_utf8_lossy(&body));
    let seq = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["seq"].as_u64().unwrap();
    let stored = r.state.store().events_after(channel_id, seq - 1, 1).await.unwrap();
    open(keys, &stored[0].1).unwrap().path_and_query
}

#[tokio::test]
async fn the_path_after_the_token_is_recorded_exactly_as_sent() {
    let r = relay(Config::default());
    let keys = ChannelKeys::generate();
    let ch = create_channel(&r, &keys).await;
    let hook = &ch.hook_path;
    // The token spelled with a percent-encoded first letter names the same hook.
    let token = hook.strip_prefix("/h/").unwrap();
    let encoded = format!("/h/%{:02X}{}", token.as_bytes()[0], &token[1..]);
    let cases = [
        (hook.clone(), "/"),
        (format!("{hook}?x=1"), "/?x=1"),
        (format!("{hook}/"), "/"),
        (format!("{hook}/?"), "/?"),
        (format!("{hook}//double//"), "//double//"),
        (format!("{hook}/rest/a?x=1"), "/rest/a?x=1"),
        (format!("{hook}/caf%C3%A9/%FF/a%2Fb?q=%ZZ&e=%20&&"), "/caf%C3%A9/%FF/a%2Fb?q=%ZZ&e=%20&&"),
        (format!("{encoded}/rest/a?x=1"), "/rest/a?x=1"),
        (format!("{encoded}/"), "/"),
    ];
    for (target, expected) in cases {
        assert_eq!(recorded(&r, &keys, &ch.channel_id, &target).await, expected, "{target}");
    }
}

#[tokio::test]
async fn anything_under_h_with_an_unknown_token_is_a_bare_404() {
    let r = relay(Config::default());
    let ch = create_channel(&r, &ChannelKeys::generate()).await;
    let prefix_only = format!("{}/x", &ch.hook_path[..ch.hook_path.len() - 1]);
    for target in
        ["/h/", "/h", "/h//x", "/h/%", "/h/%FF/x", "/h/wh_unknown/", "/h/wh_unknown/a/b?c", prefix_only.as_str()]
    {
        let (status, body) = call(&r, post(target, "{}")).await;
        assert_eq!((status, body.len()), (StatusCode::NOT_FOUND, 0), "{target}: {}", String::from_utf8_lossy(&body));
    }
}
