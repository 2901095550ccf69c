//! Partner events through the webhook door: a stage moves forward once per event, a repeat is a
//! duplicate, an older stage never moves it back, and a wrongly signed, unsigned (once a secret is
//! set), foreign or unknown event changes nothing.

use wadesk_relay_protocol::{CapturedRequest, Header};

use super::onboarding::{D360Stage, NewD360};
use super::signature;
use crate::secret::Secret;
use crate::store::Store;
use crate::webhooks::{dispatch, Outcome};

const ID: &str = "5c0e7a52-1111-4222-8333-944455556666";
const SECRET: &str = "partner-signing-secret";

fn store_with_submission() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_for_tests(dir.path());
    store
        .insert_d360_onboarding(&NewD360 {
            id: ID,
            mode: "partner",
            partner_id: "P0abc",
            client_id: "CL0abc",
            client_name: "Loja Azul",
            tier: "regular",
            state: "s",
            host_url: "https://relay.example/embed/meta-signup#state=s",
        })
        .unwrap();
    store.record_d360_signup(ID, D360Stage::Signup, None, Some(("102290129340398", None, None))).unwrap();
    store.record_d360_signup(ID, D360Stage::Submitted, None, None).unwrap();
    (dir, store)
}

fn event(name: &str, partner: &str, client: &str) -> String {
    format!(
        r#"{{"event":"{name}","partner_id":"{partner}","client_id":"{client}","channel_id":"CH1","timestamp":"1698915340","payload":{{"id":"CH1","status":"x","setup_info":{{"phone_number":"+15557654321"}},"waba_account":{{"external_id":"102290129340398"}}}}}}"#
    )
}

fn post(store: &Store, seq: u64, body: &str, signature: Option<String>) -> Outcome {
    let headers = signature
        .map(|s| vec![Header { name: "X-360dialog-Signature".into(), value: s.into_bytes() }])
        .unwrap_or_default();
    let req = CapturedRequest {
        method: "POST".into(),
        path_and_query: "/h/tok/d360-partner".into(),
        headers,
        body: body.as_bytes().to_vec(),
        received_at_ms: crate::store::now_ms(),
    };
    let mut changes = Vec::new();
    store.with_tx(|tx| dispatch(tx, seq, &req, &mut changes)).unwrap()
}

#[test]
fn stages_move_forward_once_and_never_back() {
    let (_dir, store) = store_with_submission();
    assert_eq!(post(&store, 1, &event("channel_created", "P0abc", "CL0abc"), None), Outcome::Applied);
    let view = store.d360_onboarding(ID).unwrap();
    assert_eq!((view.stage, view.channel_id.as_deref()), (D360Stage::ChannelCreated, Some("CH1")));
    assert_eq!(view.phone_number.as_deref(), Some("+15557654321"));
    assert_eq!(post(&store, 2, &event("channel_created", "P0abc", "CL0abc"), None), Outcome::Duplicate);
    assert_eq!(post(&store, 3, &event("channel_running", "P0abc", "CL0abc"), None), Outcome::Applied);
    assert_eq!(post(&store, 4, &event("channel_ready", "P0abc", "CL0abc"), None), Outcome::Duplicate);
    assert_eq!(store.d360_onboarding(ID).unwrap().stage, D360Stage::ChannelRunning, "never back");
    // Events that move nothing are kept and applied as no-ops.
    assert_eq!(post(&store, 5, r#"{"event":"client_created","payload":{"id":"CL9"}}"#, None), Outcome::Applied);
}

#[test]
fn foreign_unknown_and_badly_signed_events_change_nothing() {
    let (_dir, store) = store_with_submission();
    let other_partner = post(&store, 1, &event("channel_live", "P9zzz", "CL0abc"), None);
    assert!(matches!(other_partner, Outcome::Rejected(_)), "{other_partner:?}");
    let other_client = post(&store, 2, &event("channel_live", "P0abc", "CL9zzz"), None);
    assert!(matches!(other_client, Outcome::Rejected(_)), "{other_client:?}");
    let unknown = r#"{"event":"channel_live","channel_id":"CH404","payload":{"id":"CH404"}}"#;
    assert!(matches!(post(&store, 3, unknown, None), Outcome::Unmatched(_)));
    assert!(matches!(post(&store, 4, "not json", None), Outcome::Rejected(_)));
    assert_eq!(store.d360_onboarding(ID).unwrap().stage, D360Stage::Submitted);

    store.set_d360_partner_signing_secret(Some(&Secret::new(SECRET))).unwrap();
    let body = event("channel_ready", "P0abc", "CL0abc");
    assert!(matches!(post(&store, 5, &body, None), Outcome::Rejected(r) if r.contains("missing")));
    let forged = signature::sign("another-secret-value", body.as_bytes());
    assert!(matches!(post(&store, 6, &body, Some(forged)), Outcome::Rejected(r) if r.contains("does not match")));
    assert_eq!(store.d360_onboarding(ID).unwrap().stage, D360Stage::Submitted);
    let good = signature::sign(SECRET, body.as_bytes());
    assert_eq!(post(&store, 7, &body, Some(good)), Outcome::Applied);
    assert_eq!(store.d360_onboarding(ID).unwrap().stage, D360Stage::ChannelReady);
}
