//! `wadesk register … --provider gupshup` against a Gupshup sandbox served from this test process
//! as the partner URL (link, the pipeline followed to the live event through the CLI's own relay,
//! the subscription, the account; the name rules and a taken name with their exit codes), and
//! `wadesk account crisp-simulator` / `callback-url` for Crisp.

use std::time::Duration;

use super::{init, json, wadesk, PASS};

const TOKEN: &str = "cli-gupshup-partner-0123456789";

/// A Gupshup sandbox with quick pipeline stages on a loopback port; its URL and a partner token.
fn gupshup_sandbox() -> (String, String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![TOKEN.into()],
        public_url: url.clone(),
        webhook_backoff: vec![Duration::from_millis(100); 3],
        gupshup: wadesk_sandbox::GupshupConfig {
            stage_delay: Duration::from_millis(200),
            ..wadesk_sandbox::GupshupConfig::default()
        },
        ..wadesk_sandbox::SandboxConfig::default()
    });
    rt.spawn(wadesk_sandbox::serve(listener, sandbox, std::future::pending()));
    let token = rt.block_on(async {
        let res = reqwest::Client::new()
            .post(format!("{url}/gupshup/partner/account/login"))
            .form(&[("email", "partner@example.org"), ("password", TOKEN)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "login: {}", res.status());
        res.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    });
    (url, token, rt)
}

#[test]
fn register_provider_gupshup_links_an_app_through_to_a_live_subscribed_account() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let (url, token, _rt) = gupshup_sandbox();
    let run = |args: &[&str]| {
        wadesk(t.path())
            .env("WADESK_PASSPHRASE", PASS)
            .env("WADESK_GUPSHUP_PARTNER_TOKEN", &token)
            .args(args)
            .output()
            .unwrap()
    };
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json(&out)
    };
    assert_eq!(ok(run(&["--json", "register", "settings", "--provider", "gupshup"]))["mode"], "sandbox");
    let partner = format!("{url}/gupshup");
    let settings = ok(run(&["--json", "register", "use-partner", "--provider", "gupshup", &partner]));
    assert_eq!(settings["mode"], "partner");
    assert!(!settings.to_string().contains(&token), "the token never comes back");

    let start = |name: &str| {
        run(&[
            "--json",
            "register",
            "start",
            "--provider",
            "gupshup",
            "--app-name",
            name,
            "--waba-id",
            "102290129340398",
            "--phone",
            "+15557654321",
            "--wait",
            "60",
        ])
    };
    // The seed's name rules, checked before any call: exit 2, nothing linked.
    for bad in ["Loja", "Loja Azul!"] {
        let out = start(bad);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(ok(run(&["--json", "register", "list", "--provider", "gupshup"])).as_array().unwrap().len(), 0);

    let done = ok(start("LojaAzulCli"));
    assert_eq!(done["stage"], "connected", "{done}");
    let id = done["account_id"].as_str().unwrap().to_owned();
    let result = ok(run(&["--json", "register", "result", "--provider", "gupshup", &id]));
    assert_eq!((result["stage"].as_str(), result["app_name"].as_str()), (Some("connected"), Some("LojaAzulCli")));
    let accounts = ok(run(&["--json", "account", "list"]));
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).expect("the account");
    assert_eq!(account["provider"], "gupshup");
    assert!(!accounts.to_string().contains(&token));

    // The name is Gupshup's now: 409 "Bot Already Exists" is a conflict (exit 11).
    let taken = start("LojaAzulCli");
    assert_eq!(taken.status.code(), Some(11), "{}", String::from_utf8_lossy(&taken.stderr));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("Bot Already Exists"));
    // Only Crisp accounts have a callback URL.
    assert_eq!(run(&["--json", "account", "callback-url", &id]).status.code(), Some(2));
}

#[test]
fn account_crisp_simulator_adds_one_crisp_account_whose_callback_url_carries_its_secret() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let run = |args: &[&str]| wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap();
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json(&out)
    };
    let added = ok(run(&["--json", "account", "crisp-simulator"]));
    assert_eq!((added["provider"].as_str(), added["is_sandbox"].as_bool()), (Some("crisp"), Some(true)), "{added}");
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(ok(run(&["--json", "account", "crisp-simulator"]))["id"], id.as_str(), "one per install");

    let url = ok(run(&["--json", "account", "callback-url", &id]));
    let url = url["callback_url"].as_str().unwrap().to_owned();
    let secret = url.rsplit('/').next().unwrap();
    assert!(url.contains(&format!("/crisp/{id}/")) && secret.len() >= 32, "{url}");
    assert_eq!(ok(run(&["--json", "account", "callback-url", &id]))["callback_url"], url.as_str(), "stable");
    let listed = ok(run(&["--json", "account", "list"])).to_string();
    assert!(!listed.contains(secret), "the secret is not among the listed credentials");
    let templates = ok(run(&["--json", "templates", "list", "--account", &id]));
    assert!(!templates.as_array().unwrap().is_empty(), "synced on creation: {templates}");

    // How its templates appear in Crisp: a note until set, then text; a third word is refused
    // (exit 2) and changes nothing.
    let shown = ok(run(&["--json", "account", "crisp-message-type", &id]));
    assert_eq!((shown["account_id"].as_str(), shown["message_type"].as_str()), (Some(id.as_str()), Some("note")));
    assert_eq!(ok(run(&["--json", "account", "crisp-message-type", &id, "text"]))["message_type"], "text");
    let refused = run(&["--json", "account", "crisp-message-type", &id, "html"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert_eq!(ok(run(&["--json", "account", "crisp-message-type", &id]))["message_type"], "text");
}
