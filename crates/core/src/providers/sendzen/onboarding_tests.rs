//! SendZen onboarding results through the webhook door: the account appears once, with the
//! customer's key; a result for another project or client, or a late failure, changes nothing.

use wadesk_relay_protocol::CapturedRequest;

use super::onboarding::{NewOnboarding, OnboardingStatus};
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::Store;
use crate::webhooks::{dispatch, Outcome};

const CLIENT: &str = "0b7d3f4e-1111-4222-8333-944455556666";

fn store_with_onboarding() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_for_tests(dir.path());
    store
        .upsert_sendzen_onboarding(&NewOnboarding {
            client_identifier: CLIENT,
            mode: "partner",
            base_url: "https://api.sendzen.io",
            project_id: "proj_a1b2c3d4e5f6",
            project_name: Some("Customer Project Name"),
            api_key: &Secret::new("sk_live_abc123xyz789"),
            iframe_url: "https://app.sendzen.io/onboard/iframe?token=eyJhbGc",
            webhook_valid: true,
            webhook_detail: Some("Webhook URL is valid and configured"),
        })
        .unwrap();
    (dir, store)
}

fn post(store: &Store, seq: u64, client: &str, body: &str) -> Outcome {
    let req = CapturedRequest {
        method: "POST".into(),
        path_and_query: format!("/sendzen/{client}"),
        headers: vec![],
        body: body.as_bytes().to_vec(),
        received_at_ms: crate::store::now_ms(),
    };
    let mut changes = Vec::new();
    store.with_tx(|tx| dispatch(tx, seq, &req, &mut changes)).unwrap()
}

fn completed(project: &str, client: &str) -> String {
    format!(
        r#"{{"status":"completed","project_id":"{project}","client_identifier":"{client}","waba_id":"109876543210987","phone_number_id":"201234567890123"}}"#
    )
}

#[test]
fn the_seeds_success_result_creates_the_account_once_with_the_customers_key() {
    let (_dir, store) = store_with_onboarding();
    assert_eq!(store.sendzen_onboarding(CLIENT).unwrap().status, OnboardingStatus::Started);
    assert_eq!(post(&store, 1, CLIENT, &completed("proj_a1b2c3d4e5f6", CLIENT)), Outcome::Applied);
    let account = store.account(CLIENT).unwrap();
    assert_eq!((account.provider, account.display_name.as_str()), (ProviderKind::Sendzen, "Customer Project Name"));
    assert_eq!(store.account_credential(CLIENT, "api_key").unwrap().expose(), "sk_live_abc123xyz789");
    let link = store.sendzen_link(CLIENT).unwrap().unwrap();
    assert_eq!(
        (link.waba_id.as_deref(), link.phone_number_id.as_deref()),
        (Some("109876543210987"), Some("201234567890123"))
    );
    let view = store.sendzen_onboarding(CLIENT).unwrap();
    assert_eq!((view.status, view.completed_via.as_deref()), (OnboardingStatus::Completed, Some("webhook")));
    assert_eq!(post(&store, 2, CLIENT, &completed("proj_a1b2c3d4e5f6", CLIENT)), Outcome::Duplicate);
    let failed = format!(
        r#"{{"status":"failed","project_id":"proj_a1b2c3d4e5f6","client_identifier":"{CLIENT}","message":"late"}}"#
    );
    assert_eq!(post(&store, 3, CLIENT, &failed), Outcome::Applied);
    assert_eq!(
        store.sendzen_onboarding(CLIENT).unwrap().status,
        OnboardingStatus::Completed,
        "a late failure changes nothing"
    );
    let view = serde_json::to_string(&store.sendzen_onboarding(CLIENT).unwrap()).unwrap();
    assert!(!view.contains("sk_live"), "the view holds no key: {view}");
}

#[test]
fn a_failure_is_recorded_with_sendzens_words() {
    let (_dir, store) = store_with_onboarding();
    let failed = format!(
        r#"{{"status":"failed","project_id":"proj_a1b2c3d4e5f6","client_identifier":"{CLIENT}","message":"User cancelled the authentication process."}}"#
    );
    assert_eq!(post(&store, 1, CLIENT, &failed), Outcome::Applied);
    let view = store.sendzen_onboarding(CLIENT).unwrap();
    assert_eq!(view.status, OnboardingStatus::Failed);
    assert_eq!(view.failure_message.as_deref(), Some("User cancelled the authentication process."));
    assert!(store.account(CLIENT).is_err(), "no account for a failed onboarding");
}

#[test]
fn results_for_another_project_client_or_unknown_onboarding_change_nothing() {
    let (_dir, store) = store_with_onboarding();
    let other_project = post(&store, 1, CLIENT, &completed("proj_ffffffffffff", CLIENT));
    assert!(matches!(&other_project, Outcome::Rejected(w) if w.contains("another project")), "{other_project:?}");
    let other_client = post(&store, 2, CLIENT, &completed("proj_a1b2c3d4e5f6", "someone-else"));
    assert!(
        matches!(&other_client, Outcome::Rejected(w) if w.contains("another client_identifier")),
        "{other_client:?}"
    );
    let unknown = post(&store, 3, "not-ours", &completed("proj_a1b2c3d4e5f6", "not-ours"));
    assert!(matches!(unknown, Outcome::Unmatched(_)), "{unknown:?}");
    let no_waba = format!(
        r#"{{"status":"completed","project_id":"proj_a1b2c3d4e5f6","client_identifier":"{CLIENT}","waba_id":"a b"}}"#
    );
    assert!(matches!(post(&store, 4, CLIENT, &no_waba), Outcome::Rejected(_)));
    assert_eq!(store.sendzen_onboarding(CLIENT).unwrap().status, OnboardingStatus::Started);
    assert!(store.account(CLIENT).is_err());
}
