//! `wadesk register …` against the ChatArchitect sandbox served from this test process as the
//! partner endpoint: the CLI waits for the signed webhook through its own relay, prints the
//! outcome, and maps Partner API errors to exit codes.

use std::time::{Duration, Instant};

use super::{init, json, wadesk, PASS};

const TOKEN: &str = "cli-partner-token-0123456789";

/// Serves the sandbox on a loopback port from a background runtime; returns its URL.
fn sandbox() -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = wadesk_sandbox::Sandbox::new(wadesk_sandbox::SandboxConfig {
        partner_tokens: vec![TOKEN.into()],
        public_url: url.clone(),
        ..wadesk_sandbox::SandboxConfig::default()
    });
    rt.spawn(wadesk_sandbox::serve(listener, sandbox, std::future::pending()));
    (url, rt)
}

/// POSTs to the sandbox's control surface (complete a session without the UI, …).
fn control(base: &str, path: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/_sandbox/{path}"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "control {path}: {status}");
}

#[test]
fn register_start_waits_for_the_signed_webhook_and_result_and_retry_report_the_outcome() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let (url, _rt) = sandbox();
    let settings = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .env("WADESK_PARTNER_TOKEN", TOKEN)
        .args(["--json", "register", "use-partner", &url])
        .output()
        .unwrap();
    assert!(settings.status.success(), "{}", String::from_utf8_lossy(&settings.stderr));
    let settings = json(&settings);
    assert_eq!(settings["mode"], "partner");
    assert_eq!(settings["partner_token_masked"], "••••6789");
    assert!(!settings.to_string().contains(TOKEN));

    // `start --wait` runs until the registration ends; complete it from the sandbox meanwhile.
    let start = std::process::Command::new(assert_cmd::cargo::cargo_bin("wadesk"))
        .args(["--data-dir"])
        .arg(t.path())
        .args(["--json", "register", "start", "--wait", "60", "--lang", "de"])
        .env("WADESK_NO_KEYCHAIN", "1")
        .env("WADESK_PASSPHRASE", PASS)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let list =
            wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "register", "list"]).output().unwrap();
        if let Some(id) = json(&list).as_array().and_then(|a| a.first()).and_then(|r| r["registration_id"].as_str()) {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "no registration was created");
        std::thread::sleep(Duration::from_millis(100));
    };
    control(&url, &format!("registrations/{id}/complete"));
    let out = start.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let done = json(&out);
    assert_eq!(done["registration_id"], id.as_str());
    assert_eq!(done["status"], "completed");
    assert_eq!(done["completed_via"], "webhook");
    assert!(done["app_id_masked"].as_str().unwrap().starts_with("••••"));

    // `result` asks the provider again: same account, nothing duplicated.
    let result =
        wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "register", "result", &id]).output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(json(&result)["account_id"], done["account_id"]);
    let retry = wadesk(t.path())
        .env("WADESK_PASSPHRASE", PASS)
        .args(["--json", "register", "retry-webhook", &id])
        .output()
        .unwrap();
    assert!(retry.status.success(), "{}", String::from_utf8_lossy(&retry.stderr));
    assert_eq!((json(&retry)["status"].as_str(), json(&retry)["attempts"].as_u64()), (Some("sent"), Some(2)));
    let accounts =
        json(&wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).args(["--json", "account", "list"]).output().unwrap());
    let registered: Vec<_> = accounts.as_array().unwrap().iter().filter(|a| a["provider"] == "chatarchitect").collect();
    assert_eq!(registered.len(), 1, "stored once: {accounts}");
    assert!(registered[0]["display_name"].as_str().unwrap().starts_with("WhatsApp +"), "{accounts}");
}

#[test]
fn partner_api_errors_and_bad_settings_have_their_own_exit_codes() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let (url, _rt) = sandbox();
    let run = |args: &[&str], token: &str| {
        wadesk(t.path()).env("WADESK_PASSPHRASE", PASS).env("WADESK_PARTNER_TOKEN", token).args(args).output().unwrap()
    };
    // A URL that is not a registration domain: refused before anything is stored (exit 2).
    let bad = run(&["--json", "register", "use-partner", "http://partner.example/x"], TOKEN);
    assert_eq!(bad.status.code(), Some(2));
    let settings = json(&run(&["--json", "register", "settings"], TOKEN));
    assert_eq!(settings["mode"], "sandbox");
    // A wrong token: the provider answers 401 (exit 9), and the token is not in the message.
    assert!(run(&["register", "use-partner", &url], "wrong-token-00000000").status.success());
    let refused = run(&["--json", "register", "start"], TOKEN);
    assert_eq!(refused.status.code(), Some(9), "{}", String::from_utf8_lossy(&refused.stderr));
    let err: serde_json::Value = serde_json::from_slice(&refused.stderr).unwrap();
    assert_eq!(err["code"], "provider_unauthorized");
    assert!(!err.to_string().contains("wrong-token"));
    // The right token; a retry before completion is a conflict (exit 11).
    assert!(run(&["register", "use-partner", &url], TOKEN).status.success());
    let started = run(&["--json", "register", "start", "--wait", "1"], TOKEN);
    assert_eq!(
        started.status.code(),
        Some(2),
        "a registration nobody finishes times out: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    let list = json(&run(&["--json", "register", "list"], TOKEN));
    let id = list[0]["registration_id"].as_str().unwrap().to_owned();
    let early = run(&["--json", "register", "retry-webhook", &id], TOKEN);
    assert_eq!(early.status.code(), Some(11), "{}", String::from_utf8_lossy(&early.stderr));
    // An unknown session is "not found" locally (exit 3).
    assert_eq!(run(&["register", "result", "nosuchregistration0000"], TOKEN).status.code(), Some(3));
}

/// A control call to the SendZen simulator with the partner key.
fn sendzen_control(base: &str, path: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = rt.block_on(async {
        let url = format!("{base}/sendzen/_sandbox/{path}");
        reqwest::Client::new().post(url).bearer_auth(TOKEN).json(&serde_json::json!({})).send().await.unwrap().status()
    });
    assert!(status.is_success(), "control {path}: {status}");
}

#[test]
fn register_provider_sendzen_onboards_and_result_reports_the_account() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let (url, _rt) = sandbox();
    let run = |args: &[&str]| {
        wadesk(t.path())
            .env("WADESK_PASSPHRASE", PASS)
            .env("WADESK_SENDZEN_PARTNER_KEY", TOKEN)
            .args(args)
            .output()
            .unwrap()
    };
    let settings = json(&run(&["--json", "register", "settings", "--provider", "sendzen"]));
    assert_eq!(settings["mode"], "sandbox");
    let endpoint = format!("{url}/sendzen");
    let settings = run(&["--json", "register", "use-partner", "--provider", "sendzen", &endpoint]);
    assert!(settings.status.success(), "{}", String::from_utf8_lossy(&settings.stderr));
    let settings = json(&settings);
    assert_eq!(
        (settings["mode"].as_str(), settings["partner_key_masked"].as_str()),
        (Some("partner"), Some("••••6789"))
    );
    assert!(!settings.to_string().contains(TOKEN));

    let started = run(&["--json", "register", "start", "--provider", "sendzen"]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    let started = json(&started);
    assert_eq!(started["status"], "started");
    assert!(started["iframe_url"].as_str().unwrap().starts_with(&format!("{url}/sendzen/onboard/iframe")));
    let id = started["client_identifier"].as_str().unwrap().to_owned();
    let project = started["project_id"].as_str().unwrap().to_owned();
    sendzen_control(&url, &format!("projects/{project}/complete"));

    let result = run(&["--json", "register", "result", "--provider", "sendzen", &id]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let result = json(&result);
    assert_eq!((result["status"].as_str(), result["account_id"].as_str()), (Some("completed"), Some(id.as_str())));
    let list = json(&run(&["--json", "register", "list", "--provider", "sendzen"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let accounts = json(&run(&["--json", "account", "list"]));
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap();
    assert_eq!(account["provider"], "sendzen");
    assert!(!accounts.to_string().contains("sk_live_"), "keys are masked");

    // 360dialog's commands are refused for SendZen (exit 2).
    let submit = run(&["--json", "register", "submit", "--provider", "sendzen", &id, "--waba-id", "1"]);
    assert_eq!(submit.status.code(), Some(2), "{}", String::from_utf8_lossy(&submit.stderr));
}

/// A 360dialog simulator call with the partner key: `(method, path under /d360, form or JSON)`.
fn d360_call(base: &str, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let url = format!("{base}/d360{path}");
        let req = match method {
            "GET" => http.get(url),
            _ => http.post(url),
        };
        let req = req.header("X-API-Key", TOKEN);
        let res = match form {
            Some(f) => req.form(f).send().await.unwrap(),
            None => req.send().await.unwrap(),
        };
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let text = res.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    })
}

#[test]
fn register_provider_d360_submits_a_signed_up_waba_and_connects_the_number() {
    let t = tempfile::tempdir().unwrap();
    init(t.path());
    let (url, _rt) = sandbox();
    let run = |args: &[&str]| {
        wadesk(t.path())
            .env("WADESK_PASSPHRASE", PASS)
            .env("WADESK_D360_PARTNER_KEY", TOKEN)
            .args(args)
            .output()
            .unwrap()
    };
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json(&out)
    };
    assert_eq!(ok(run(&["--json", "register", "settings", "--provider", "d360"]))["mode"], "sandbox");
    let p = d360_call(&url, "GET", "/_sandbox/partner", None);
    let s = |k: &str| p[k].as_str().unwrap().to_owned();
    let (hub, waba) = (format!("{url}/d360/hub/api/v2"), format!("{url}/d360/waba"));
    let (partner, solution, app, config) = (s("partner_id"), s("solution_id"), s("meta_app_id"), s("meta_config_id"));
    let use_partner = |app_id: &str| {
        run(&[
            "--json",
            "register",
            "use-partner",
            "--provider",
            "d360",
            &hub,
            "--messaging-url",
            &waba,
            "--partner-id",
            &partner,
            "--solution-id",
            &solution,
            "--meta-app-id",
            app_id,
            "--meta-config-id",
            &config,
        ])
    };
    // A Meta app id that is not digits: refused before anything is stored (exit 2).
    assert_eq!(use_partner("app-one").status.code(), Some(2));
    let settings = ok(use_partner(&app));
    assert_eq!(
        (settings["mode"].as_str(), settings["partner_key_masked"].as_str()),
        (Some("partner"), Some("••••6789"))
    );
    assert!(!settings.to_string().contains(TOKEN));

    // The client fields are required.
    assert_eq!(run(&["--json", "register", "start", "--provider", "d360"]).status.code(), Some(2));
    let started = ok(run(&[
        "--json",
        "register",
        "start",
        "--provider",
        "d360",
        "--name",
        "Loja Azul",
        "--email",
        "owner@example.org",
        "--user-name",
        "Maria",
        "--tier",
        "premium",
    ]));
    assert_eq!((started["stage"].as_str(), started["tier"].as_str()), (Some("signup"), Some("premium")));
    let id = started["id"].as_str().unwrap().to_owned();

    // The customer finishes Meta's (simulated) signup elsewhere; the CLI submits its WABA.
    let form = [
        ("app_id", app.as_str()),
        ("config_id", config.as_str()),
        ("origin", started["host_origin"].as_str().unwrap()),
        ("state", started["state"].as_str().unwrap()),
        ("business", "Loja Azul"),
        ("phone", "+15557650001"),
        ("event", "FINISH"),
    ];
    d360_call(&url, "POST", "/meta/signup", Some(&form));
    let signups = d360_call(&url, "GET", "/_sandbox/signups", None);
    let waba_id = signups["signups"][0]["data"]["waba_id"].as_str().unwrap().to_owned();
    let refused = ok(run(&["--json", "register", "submit", "--provider", "d360", &id, "--waba-id", "123456789012345"]));
    assert_eq!(refused["stage"], "submit_failed", "{refused}");
    let done =
        ok(run(&["--json", "register", "submit", "--provider", "d360", &id, "--waba-id", &waba_id, "--wait", "60"]));
    assert_eq!((done["stage"].as_str(), done["account_id"].as_str()), (Some("connected"), Some(id.as_str())), "{done}");
    assert_eq!(done["phone_number"], "+15557650001");

    let list = ok(run(&["--json", "register", "list", "--provider", "d360"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let accounts = ok(run(&["--json", "account", "list"]));
    let account = accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap();
    assert_eq!(
        (account["provider"].as_str(), account["display_name"].as_str()),
        (Some("d360"), Some("360dialog +15557650001"))
    );
    assert_eq!(ok(run(&["--json", "register", "result", "--provider", "d360", &id]))["stage"], "connected");
}
