//! SendZen's Meta-envelope webhooks through the webhook door: statuses by wamid, inbound messages,
//! several events in one body, duplicates, and `X-Hub-Signature-256` once a secret is set.

use wadesk_relay_protocol::{CapturedRequest, Header};

use super::record::NewMessage;
use super::*;
use crate::accounts::{CredentialInput, NewAccount};
use crate::providers::messaging::SendReceipt;
use crate::providers::meta::signature;
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::Store;
use crate::webhooks::{dispatch, Outcome};

const TO: &str = "16505551234";

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    account: String,
    seq: std::cell::Cell<u64>,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_for_tests(dir.path());
    let account = store
        .add_account(NewAccount {
            provider: ProviderKind::Sendzen,
            display_name: "Shop".into(),
            base_url: "https://api.sendzen.io".into(),
            credentials: vec![CredentialInput { name: "api_key".into(), value: "sk_live_0123456789abcdef".into() }],
        })
        .unwrap()
        .id;
    World { _dir: dir, store, account, seq: std::cell::Cell::new(0) }
}

impl World {
    fn submitted(&self, wamid: &str) -> String {
        let m = NewMessage {
            account_id: &self.account,
            to: TO,
            kind: MessageKind::Text,
            template_id: None,
            body: "Hi",
            payload: "Hi",
            retry_of: None,
        };
        let id = self.store.insert_pending(&m).unwrap();
        let receipt = SendReceipt { provider_message_id: wamid.into(), wamid: Some(wamid.into()) };
        self.store.mark_submitted(&id, &receipt).unwrap();
        id
    }

    fn post(&self, body: &str, signature: Option<String>) -> Outcome {
        self.seq.set(self.seq.get() + 1);
        let headers = signature.map(|s| vec![Header::new("X-Hub-Signature-256", s.as_bytes())]).unwrap_or_default();
        let req = CapturedRequest {
            method: "POST".into(),
            path_and_query: format!("/sendzen/{}", self.account),
            headers,
            body: body.as_bytes().to_vec(),
            received_at_ms: crate::store::now_ms(),
        };
        let mut changes = Vec::new();
        self.store.with_tx(|tx| dispatch(tx, self.seq.get(), &req, &mut changes)).unwrap()
    }
}

fn envelope(value: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"109876543210987","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"919099913506","phone_number_id":"201234567890123"}},{value}}}}}]}}]}}"#
    )
}

fn status(wamid: &str, status: &str, at: i64) -> String {
    format!(r#"{{"id":"{wamid}","status":"{status}","timestamp":"{at}","recipient_id":"{TO}"}}"#)
}

#[test]
fn statuses_in_one_body_move_the_message_and_a_repeat_changes_nothing() {
    let w = world();
    let id = w.submitted("wamid.A1");
    let body = envelope(&format!(
        r#""statuses":[{},{}]"#,
        status("wamid.A1", "sent", 100),
        status("wamid.A1", "delivered", 101)
    ));
    assert_eq!(w.post(&body, None), Outcome::Applied);
    assert_eq!(w.store.message(&id).unwrap().status, MessageStatus::Delivered);
    assert_eq!(w.post(&body, None), Outcome::Duplicate);
    let failed = envelope(&format!(
        r#""statuses":[{{"id":"wamid.B","status":"failed","timestamp":"5","recipient_id":"{TO}","errors":[{{"code":131047,"title":"Re-engagement message"}}]}}]"#
    ));
    let b = w.submitted("wamid.B");
    assert_eq!(w.post(&failed, None), Outcome::Applied);
    let view = w.store.message(&b).unwrap();
    assert_eq!(view.status, MessageStatus::Failed);
}

#[test]
fn an_inbound_message_opens_a_conversation_with_the_profile_name() {
    let w = world();
    let body = envelope(&format!(
        r#""contacts":[{{"profile":{{"name":"Sheena"}},"wa_id":"{TO}"}}],"messages":[{{"from":"{TO}","id":"wamid.IN1","timestamp":"1749416383","type":"text","text":{{"body":"Is it in stock?"}}}}]"#
    ));
    assert_eq!(w.post(&body, None), Outcome::Applied);
    assert_eq!(w.post(&body, None), Outcome::Duplicate, "a provider retry is one message");
    let n: i64 = w
        .store
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM inbound_messages WHERE sender_name = 'Sheena' AND text = 'Is it in stock?'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn once_a_secret_is_set_only_correctly_signed_bodies_are_applied() {
    let w = world();
    let id = w.submitted("wamid.S");
    w.store.set_webhook_secret(&w.account, Some(&Secret::new("whsec-0123456789"))).unwrap();
    let body = envelope(&format!(r#""statuses":[{}]"#, status("wamid.S", "read", 7)));
    let unsigned = w.post(&body, None);
    assert!(matches!(&unsigned, Outcome::Rejected(why) if why.contains("missing X-Hub-Signature-256")), "{unsigned:?}");
    let forged = w.post(&body, Some(signature::sign("someone-else", body.as_bytes())));
    assert!(matches!(&forged, Outcome::Rejected(why) if why.contains("does not match")), "{forged:?}");
    assert_eq!(w.store.message(&id).unwrap().status, MessageStatus::Submitted, "nothing moved");
    assert_eq!(w.post(&body, Some(signature::sign("whsec-0123456789", body.as_bytes()))), Outcome::Applied);
    assert_eq!(w.store.message(&id).unwrap().status, MessageStatus::Read);
    assert!(w.store.set_webhook_secret(&w.account, Some(&Secret::new("short"))).is_err());
}

#[test]
fn a_body_that_does_not_fit_the_envelope_is_refused_and_changes_nothing() {
    let w = world();
    let id = w.submitted("wamid.X");
    let bad =
        envelope(&format!(r#""statuses":[{},{{"id":"wamid.X","status":"read"}}]"#, status("wamid.X", "delivered", 1)));
    let outcome = w.post(&bad, None);
    assert!(matches!(&outcome, Outcome::Rejected(why) if why.contains("statuses[1].timestamp")), "{outcome:?}");
    assert_eq!(
        w.store.message(&id).unwrap().status,
        MessageStatus::Submitted,
        "the good first event was not applied either"
    );
}
