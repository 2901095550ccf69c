//! SendZen's messaging API with the customer key (PROVIDERS.md §2): the key check, `/v1/waba`,
//! sends in SendZen's dialect and their validation, the templates listing and its paging,
//! mark-read, the rate limit and forced failures, and which keys may do what.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wadesk_sandbox::sendzen::*;
use wadesk_sandbox::{MessagingConfig, SandboxConfig, SendzenConfig};

use crate::messaging::keys;
use crate::sendzen_support::*;
use crate::support::*;

#[tokio::test]
async fn the_key_check_takes_only_customer_keys() {
    let h = Harness::with(sz_fast());
    let key = onboard(&h, "customer-12345", None).await["user_data"]["api_key"].as_str().unwrap().to_owned();
    let ok = sz(&h, Method::GET, "/v1/auth/api_key", Some(&key), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let (code, _) = api_error(&sz(&h, Method::GET, "/v1/auth/api_key", None, None).await, 401);
    assert_eq!(code, CODE_MISSING_API_KEY);
    let wrong = sz(&h, Method::GET, "/v1/auth/api_key", Some("sk_live_nobody"), None).await;
    assert_eq!(wrong.header("www-authenticate"), "Bearer");
    assert_eq!(api_error(&wrong, 401).0, CODE_INVALID_API_KEY);
    let partner = sz(&h, Method::GET, "/v1/auth/api_key", Some(TOKEN), None).await;
    assert!(api_error(&partner, 401).1.contains("Partner API Key"));
}

#[tokio::test]
async fn waba_lists_the_project_and_its_number_once_onboarding_completes() {
    let h = Harness::with(sz_fast());
    let answer = onboard(&h, "customer-12345", None).await;
    let key = answer["user_data"]["api_key"].as_str().unwrap();
    let before = sz(&h, Method::GET, "/v1/waba", Some(key), None).await.json();
    let project = &before["data"]["projects"][0];
    assert_eq!(before["data"]["projects"].as_array().unwrap().len(), 1);
    assert_eq!(keys(project), ["client_identifier", "id", "project_name", "wabas"]);
    assert!(project["id"].is_u64(), "a number, as SendZen's types say: {project}");
    assert_eq!(project["wabas"], json!([]));
    let project_id = answer["user_data"]["project_id"].as_str().unwrap();
    let completed = control(
        &h,
        Method::POST,
        &format!("/projects/{project_id}/complete"),
        Some(&json!({ "phone_number": "+15557654321", "business_name": "Sandbox Shop" })),
    )
    .await;
    assert_eq!(completed.status, StatusCode::OK, "{}", completed.text());
    let after = sz(&h, Method::GET, "/v1/waba", Some(key), None).await.json();
    assert!(after["message"].is_string());
    let waba = &after["data"]["projects"][0]["wabas"][0];
    let expected = [
        "id",
        "mm_lite_api_status",
        "number_status",
        "phone_number",
        "phone_number_id",
        "phone_number_type",
        "setup_mode",
        "waba_business_name",
        "waba_id",
        "waba_onboard_stage",
    ];
    assert_eq!(keys(waba), expected);
    assert_eq!(
        (waba["phone_number"].as_str(), waba["waba_business_name"].as_str()),
        (Some("15557654321"), Some("Sandbox Shop"))
    );
    assert_eq!(waba["waba_id"], completed.json()["waba"]["waba_id"]);
}

#[tokio::test]
async fn a_text_send_is_queued_with_a_wamid() {
    let h = Harness::with(sz_fast());
    let c = customer(&h, "customer-12345", None).await;
    for to in ["+15551234567", "15551234567"] {
        let reply = sz(&h, Method::POST, "/v1/messages", Some(&c.key), Some(&text_to(&c, to, "Hi"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let v = reply.json();
        assert_eq!(keys(&v), ["data", "message"]);
        let item = &v["data"][0];
        assert_eq!(keys(item), ["message_id", "status", "timestamp", "to"]);
        assert_eq!((item["status"].as_str(), item["to"].as_str()), (Some("queued"), Some(to)));
        let id = item["message_id"].as_str().unwrap();
        assert!(id.starts_with("wamid.") && id.len() > 30, "{id}");
        assert!(chrono::DateTime::parse_from_rfc3339(item["timestamp"].as_str().unwrap()).is_ok());
    }
    let with_plus = text_to(&c, "15551234567", "Hi");
    let mut from_plus = with_plus.clone();
    from_plus["from"] = json!(format!("+{}", c.phone_number));
    send(&h, &c, &from_plus).await;
    let log = control(&h, Method::GET, &format!("/projects/{}/messages", c.project_id), None).await.json();
    let sent = log["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!((sent[0]["recipient_id"].as_str(), sent[0]["text"].as_str()), (Some("15551234567"), Some("Hi")));
}

#[tokio::test]
async fn sends_are_validated_in_the_documented_order() {
    let h = Harness::with(sz_fast());
    let pending = onboard(&h, "not-yet", None).await["user_data"]["api_key"].as_str().unwrap().to_owned();
    let c = customer(&h, "customer-12345", None).await;
    let send_as = |key: String, body: Value| {
        let h = &h;
        async move { sz(h, Method::POST, "/v1/messages", Some(&key), Some(&body)).await }
    };
    let not_yet = send_as(
        pending,
        json!({ "from": "15557654321", "to": "15551234567", "type": "text", "text": { "body": "Hi" } }),
    )
    .await;
    assert_eq!(api_error(&not_yet, 400).0, CODE_WABA_NOT_CONNECTED);
    let base = text_to(&c, "15551234567", "Hi");
    let with = |field: &str, value: Value| {
        let mut b = base.clone();
        if value.is_null() {
            b.as_object_mut().unwrap().remove(field);
        } else {
            b[field] = value;
        }
        b
    };
    let cases = [
        (with("from", Value::Null), CODE_VALIDATION),
        (with("from", json!("15550009999")), CODE_INVALID_SENDER),
        (with("to", Value::Null), CODE_VALIDATION),
        (with("to", json!("555-1234")), CODE_INVALID_RECIPIENT),
        (with("type", json!("sticker")), CODE_VALIDATION),
        (with("text", json!({ "body": "" })), CODE_VALIDATION),
        (with("text", json!("Hi")), CODE_VALIDATION),
        (with("text", json!({ "body": "x".repeat(4097) })), CODE_VALIDATION),
    ];
    for (body, expected) in cases {
        assert_eq!(api_error(&send_as(c.key.clone(), body.clone()).await, 400).0, expected, "{body}");
    }
    let raw = h.send(
        axum::http::Request::post("/sendzen/v1/messages")
            .header("authorization", bearer(&c.key))
            .body(axum::body::Body::from("{not json"))
            .unwrap(),
    );
    assert_eq!(api_error(&raw.await, 400).0, CODE_INVALID_JSON);
}

fn template(c: &Customer, name: &str, lang: &str, components: Value) -> Value {
    json!({ "from": c.phone_number, "to": "+15551234567", "type": "template",
            "template": { "name": name, "lang_code": lang, "components": components } })
}

fn body_params(values: &[&str]) -> Value {
    let params: Vec<Value> = values.iter().map(|v| json!({ "type": "text", "text": v })).collect();
    json!({ "type": "body", "parameters": params })
}

#[tokio::test]
async fn template_sends_are_checked_against_the_catalogue() {
    let h = Harness::with(sz_fast());
    let c = customer(&h, "customer-12345", None).await;
    let post = |body: Value| {
        let (h, key) = (&h, c.key.clone());
        async move { sz(h, Method::POST, "/v1/messages", Some(&key), Some(&body)).await }
    };
    let url_button = json!({ "type": "button", "sub_type": "url", "index": 0, "parameters": [{ "type": "text", "text": "ABC123" }] });
    let order =
        template(&c, TEMPLATE_ORDER_UPDATE, "en_US", json!([body_params(&["Maria", "ABC123", "Friday"]), url_button]));
    assert_eq!(post(order).await.status, StatusCode::OK);
    assert_eq!(post(template(&c, TEMPLATE_HELLO_WORLD, "en_US", json!([]))).await.status, StatusCode::OK);
    let named = |name: &str, text: &str| json!({ "type": "text", "text": text, "parameter_name": name });
    let greeting = json!([{ "type": "body", "parameters": [named("shop_name", "Shop"), named("customer_name", "Ann"), named("discount_code", "W10")] }]);
    assert_eq!(post(template(&c, TEMPLATE_CUSTOMER_GREETING, "de_DE", greeting)).await.status, StatusCode::OK);
    let log = control(&h, Method::GET, &format!("/projects/{}/messages", c.project_id), None).await.json();
    assert_eq!(log["sent"][2]["text"], "Hallo Ann, willkommen bei Shop! Ihr Rabattcode lautet W10.");
    assert_eq!(log["sent"][2]["template"], json!({ "name": TEMPLATE_CUSTOMER_GREETING, "lang_code": "de_DE" }));

    let (code, details) = api_error(&post(template(&c, "no_such_template", "en_US", json!([]))).await, 404);
    assert_eq!(code, CODE_TEMPLATE_NOT_FOUND);
    assert!(details.contains("does not exist"));
    let (code, details) = api_error(&post(template(&c, TEMPLATE_APPOINTMENT_REMINDER, "fr_FR", json!([]))).await, 404);
    assert_eq!(code, CODE_TEMPLATE_NOT_FOUND);
    assert!(details.contains("en_US, es_ES, pt_BR"), "{details}");
    for unapproved in [TEMPLATE_SUMMER_SALE, TEMPLATE_LOAN_OFFER] {
        let r = post(template(&c, unapproved, "en_US", json!([body_params(&["a", "b"])]))).await;
        assert_eq!(api_error(&r, 400).0, CODE_TEMPLATE_NOT_APPROVED, "{unapproved}");
    }
    let short = template(&c, TEMPLATE_APPOINTMENT_REMINDER, "es_ES", json!([body_params(&["María"])]));
    let (code, details) = api_error(&post(short).await, 400);
    assert_eq!(code, CODE_PARAMETER_COUNT);
    assert!(details.starts_with("(#132000)"), "{details}");
    let positional_for_named =
        template(&c, TEMPLATE_CUSTOMER_GREETING, "en_US", json!([body_params(&["a", "b", "c"])]));
    assert_eq!(api_error(&post(positional_for_named).await, 400).0, CODE_PARAMETER_FORMAT);
    let named_for_positional = template(
        &c,
        TEMPLATE_APPOINTMENT_REMINDER,
        "en_US",
        json!([{ "type": "body", "parameters": [named("1", "a"), named("2", "b")] }]),
    );
    assert_eq!(api_error(&post(named_for_positional).await, 400).0, CODE_PARAMETER_FORMAT);
    let no_image = template(&c, TEMPLATE_NEW_COLLECTION, "en_US", json!([body_params(&["Maria"])]));
    assert_eq!(api_error(&post(no_image).await, 400).0, CODE_PARAMETER_COUNT);
    let image = json!({ "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://shop.example/new.png" } }] });
    let with_image = template(&c, TEMPLATE_NEW_COLLECTION, "en_US", json!([image, body_params(&["Maria"])]));
    assert_eq!(post(with_image).await.status, StatusCode::OK);
}

#[tokio::test]
async fn templates_are_listed_with_double_data_and_paged_by_cursor() {
    let h = Harness::with(sz_fast());
    let c = customer(&h, "customer-12345", None).await;
    let mut uri = format!("/v1/{}/message_templates?limit=4", c.waba_id);
    let mut pages = Vec::new();
    loop {
        let reply = sz(&h, Method::GET, &uri, Some(&c.key), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let v = reply.json();
        assert!(v["message"].is_string());
        let page = v["data"]["data"].as_array().unwrap().clone();
        assert_eq!(keys(&v["paging"]["cursors"]), ["after", "before"]);
        pages.push(page);
        match v["paging"]["next"].as_str() {
            Some(next) => uri = next.strip_prefix(&format!("{PUBLIC}/sendzen")).unwrap().to_owned(),
            None => break,
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 2]);
    let all: Vec<Value> = pages.concat();
    let mut names: Vec<&str> = all.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.dedup();
    assert_eq!(names, template_names());
    let object = &all[0];
    assert_eq!(keys(object), ["category", "components", "id", "language", "name", "parameter_format", "status"]);
    let find =
        |name: &str, lang: &str| all.iter().find(|t| t["name"] == name && t["language"] == lang).unwrap().clone();
    let greeting = find(TEMPLATE_CUSTOMER_GREETING, "en_US");
    assert_eq!(greeting["parameter_format"], "named");
    let body = greeting["components"].as_array().unwrap().iter().find(|c| c["type"] == "BODY").unwrap().clone();
    assert!(body["text"].as_str().unwrap().contains("{{customer_name}}"));
    assert_eq!(body["example"]["body_text_named_params"].as_array().unwrap().len(), 3);
    let order = find(TEMPLATE_ORDER_UPDATE, "en_US");
    assert_eq!(
        (order["parameter_format"].as_str(), order["components"][0]["text"].as_str().map(|t| t.contains("{{1}}"))),
        (Some("positional"), Some(true))
    );
    assert_eq!(find(TEMPLATE_NEW_COLLECTION, "en_US")["components"][0]["format"], "IMAGE");
    assert_eq!(find(TEMPLATE_SUMMER_SALE, "en_US")["status"], "PENDING");
    assert_eq!(find(TEMPLATE_LOAN_OFFER, "en_US")["status"], "REJECTED");
    assert_eq!(template_languages(TEMPLATE_APPOINTMENT_REMINDER).len(), 3);

    let approved =
        sz(&h, Method::GET, &format!("/v1/{}/message_templates?status=APPROVED", c.waba_id), Some(&c.key), None)
            .await
            .json();
    assert!(approved["data"]["data"].as_array().unwrap().iter().all(|t| t["status"] == "APPROVED"));
    assert!(approved["paging"].get("next").is_none(), "one page of 8");
    for bad in ["limit=0", "limit=101", "limit=ten", "after=bm9wZQ"] {
        let r = sz(&h, Method::GET, &format!("/v1/{}/message_templates?{bad}", c.waba_id), Some(&c.key), None).await;
        assert_eq!(api_error(&r, 400).0, CODE_VALIDATION, "{bad}");
    }
}

#[tokio::test]
async fn keys_reach_only_their_own_project() {
    let h = Harness::with(sz_fast());
    let mine = customer(&h, "customer-12345", None).await;
    let theirs = customer(&h, "customer-67890", None).await;
    let templates = format!("/v1/{}/message_templates", theirs.waba_id);
    assert_eq!(api_error(&sz(&h, Method::GET, &templates, Some(&mine.key), None).await, 401).0, CODE_ACCESS_DENIED);
    assert_eq!(sz(&h, Method::GET, &templates, Some(&theirs.key), None).await.status, StatusCode::OK);
    let read = json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.x" });
    let mark = format!("/v1/{}/messages", theirs.phone_number_id);
    assert_eq!(api_error(&sz(&h, Method::POST, &mark, Some(&mine.key), Some(&read)).await, 401).0, CODE_ACCESS_DENIED);
    assert_eq!(
        api_error(&sz(&h, Method::GET, "/v1/999999999999999/message_templates", Some(&mine.key), None).await, 404).0,
        CODE_NOT_FOUND
    );
    let as_theirs = text_to(&theirs, "15551234567", "Hi");
    assert_eq!(
        api_error(&sz(&h, Method::POST, "/v1/messages", Some(&mine.key), Some(&as_theirs)).await, 400).0,
        CODE_INVALID_SENDER
    );
    let partner = sz(&h, Method::POST, "/v1/messages", Some(TOKEN), Some(&text_to(&mine, "15551234567", "Hi"))).await;
    assert_eq!(api_error(&partner, 401).0, CODE_INVALID_API_KEY);
    let other_project_control =
        sz(&h, Method::GET, &format!("/_sandbox/projects/{}", theirs.project_id), Some(&mine.key), None).await;
    partner_error(&other_project_control, 404);
    let own_control =
        sz(&h, Method::GET, &format!("/_sandbox/projects/{}", mine.project_id), Some(&mine.key), None).await;
    assert_eq!(own_control.status, StatusCode::OK);
    let unknown = sz(&h, Method::GET, "/v1/no/such/route", Some(&mine.key), None).await;
    assert_eq!(api_error(&unknown, 404).0, CODE_NOT_FOUND);
}

#[tokio::test]
async fn mark_read_accepts_messages_the_number_received() {
    let h = Harness::with(sz_fast());
    let c = customer(&h, "customer-12345", None).await;
    let inbound = writes(&h, &c, &json!({ "from": "+15551234567" })).await;
    let id = inbound["message_id"].as_str().unwrap();
    let path = format!("/v1/{}/messages", c.phone_number_id);
    let read = json!({ "messaging_product": "whatsapp", "status": "read", "message_id": id, "typing_indicator": { "type": "text" } });
    let ok = sz(&h, Method::POST, &path, Some(&c.key), Some(&read)).await;
    assert_eq!((ok.status, ok.json()), (StatusCode::OK, json!({ "success": true })));
    let log = control(&h, Method::GET, &format!("/projects/{}/messages", c.project_id), None).await.json();
    assert_eq!(
        (log["reads"][0]["message_id"].as_str(), log["reads"][0]["typing_indicator"].as_bool()),
        (Some(id), Some(true))
    );
    let bad = [
        json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.unknown" }),
        json!({ "messaging_product": "sms", "status": "read", "message_id": id }),
        json!({ "messaging_product": "whatsapp", "status": "delivered", "message_id": id }),
        json!({ "messaging_product": "whatsapp", "status": "read" }),
    ];
    for body in bad {
        assert_eq!(
            api_error(&sz(&h, Method::POST, &path, Some(&c.key), Some(&body)).await, 400).0,
            CODE_VALIDATION,
            "{body}"
        );
    }
    let unknown_number = sz(&h, Method::POST, "/v1/999999999999999/messages", Some(&c.key), Some(&read)).await;
    assert_eq!(api_error(&unknown_number, 404).0, CODE_NOT_FOUND);
}

#[tokio::test]
async fn sends_above_the_rate_answer_429_and_forced_failures_500_or_429() {
    let sendzen = SendzenConfig {
        messaging: MessagingConfig { rate_per_second: 2, ..MessagingConfig::default() },
        ..SendzenConfig::default()
    };
    let h = Harness::with(sz_with(sendzen));
    let c = customer(&h, "customer-12345", None).await;
    let body = text_to(&c, "15551234567", "Hi");
    let invalid = text_to(&c, "1", "Hi");
    assert_eq!(
        sz(&h, Method::POST, "/v1/messages", Some(&c.key), Some(&invalid)).await.status,
        StatusCode::BAD_REQUEST
    );
    send(&h, &c, &body).await;
    send(&h, &c, &body).await;
    let limited = sz(&h, Method::POST, "/v1/messages", Some(&c.key), Some(&body)).await;
    assert!(limited.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert_eq!(api_error(&limited, 429).0, CODE_RATE_LIMIT);
    let sent = control(&h, Method::GET, &format!("/projects/{}/messages", c.project_id), None).await.json();
    assert_eq!(sent["sent"].as_array().unwrap().len(), 2, "refused calls are not recorded");

    let arm = |status: u16| json!({ "status": status, "count": 1 });
    control(&h, Method::POST, &format!("/projects/{}/errors", c.project_id), Some(&arm(500))).await;
    assert_eq!(api_error(&sz(&h, Method::GET, "/v1/waba", Some(&c.key), None).await, 500).0, CODE_INTERNAL);
    control(&h, Method::POST, &format!("/projects/{}/errors", c.project_id), Some(&arm(429))).await;
    let forced = sz(&h, Method::GET, "/v1/auth/api_key", Some(&c.key), None).await;
    assert_eq!((api_error(&forced, 429).0, forced.header("retry-after")), (CODE_RATE_LIMIT.to_owned(), "1"));
    assert_eq!(sz(&h, Method::GET, "/v1/auth/api_key", Some(&c.key), None).await.status, StatusCode::OK);
}

/// A second `Sandbox` with the same partner tokens stands for the restarted one.
#[tokio::test]
async fn a_customer_key_keeps_working_after_a_restart() {
    let before = Harness::with(sz_fast());
    let c = customer(&before, "customer-12345", None).await;
    let after = Harness::with(sz_fast());
    assert_eq!(sz(&after, Method::GET, "/v1/auth/api_key", Some(&c.key), None).await.status, StatusCode::OK);
    let listed = sz(&after, Method::GET, "/v1/waba", Some(&c.key), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let projects = listed.json()["data"]["projects"].clone();
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
    assert_eq!(projects[0]["client_identifier"], "customer-12345");
    let waba = &projects[0]["wabas"][0];
    assert_eq!(
        (waba["waba_id"].as_str(), waba["phone_number_id"].as_str(), waba["phone_number"].as_str()),
        (Some(c.waba_id.as_str()), Some(c.phone_number_id.as_str()), Some(c.phone_number.as_str()))
    );
    send(&after, &c, &text_to(&c, "15551234567", "Hi again")).await;
    let templates = sz(&after, Method::GET, &format!("/v1/{}/message_templates", c.waba_id), Some(&c.key), None).await;
    assert_eq!(templates.status, StatusCode::OK, "{}", templates.text());
    let view = sz(&after, Method::GET, &format!("/_sandbox/projects/{}", c.project_id), Some(&c.key), None).await;
    let view = view.json();
    assert_eq!((view["onboarding"].as_str(), &view["webhook_url"]), (Some("completed"), &Value::Null), "{view}");
}

#[tokio::test]
async fn another_partner_can_neither_use_nor_derive_a_customer_key() {
    let c = customer(&Harness::with(sz_fast()), "customer-12345", None).await;
    // Restarted with only the other partner's token: the key's MAC matches no configured token.
    let foreign = Harness::with(SandboxConfig { partner_tokens: vec![OTHER_TOKEN.into()], ..sz_fast() });
    let refused = sz(&foreign, Method::GET, "/v1/waba", Some(&c.key), None).await;
    assert_eq!(api_error(&refused, 401).0, CODE_INVALID_API_KEY);
    let body = json!({ "client_identifier": "customer-12345" });
    let theirs = onboard_raw(&foreign, Some(OTHER_TOKEN), &body).await.json();
    assert_ne!(theirs["user_data"]["api_key"].as_str(), Some(c.key.as_str()));
    assert_ne!(theirs["user_data"]["project_id"].as_str(), Some(c.project_id.as_str()));
    // Restarted with both: the key works, the other partner still cannot see its project.
    let both = Harness::with(sz_fast());
    assert_eq!(sz(&both, Method::GET, "/v1/waba", Some(&c.key), None).await.status, StatusCode::OK);
    let path = format!("/_sandbox/projects/{}", c.project_id);
    partner_error(&sz(&both, Method::GET, &path, Some(OTHER_TOKEN), None).await, 404);
    let mut tampered = c.key.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        api_error(&sz(&both, Method::GET, "/v1/waba", Some(&tampered), None).await, 401).0,
        CODE_INVALID_API_KEY
    );
}
