//! The messaging store through the webhook door: matching, ordering, duplicates, orphans,
//! failure reasons in the history, inbound messages, change events and CSV.

use proptest::prelude::*;
use wadesk_relay_protocol::CapturedRequest;

use super::record::NewMessage;
use super::*;
use crate::providers::messaging::SendReceipt;
use crate::store::Store;
use crate::webhooks::{dispatch, Outcome};

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    account: String,
    seq: std::cell::Cell<u64>,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_for_tests(dir.path());
    let account = store.seed_sandbox_account().unwrap().id;
    World { _dir: dir, store, account, seq: std::cell::Cell::new(0) }
}

impl World {
    fn submitted(&self, to: &str, provider_id: &str) -> String {
        let m = NewMessage {
            account_id: &self.account,
            to,
            kind: MessageKind::Text,
            template_id: None,
            body: "Hi",
            payload: "Hi",
            retry_of: None,
        };
        let id = self.store.insert_pending(&m).unwrap();
        self.store.mark_submitted(&id, &SendReceipt { provider_message_id: provider_id.into(), wamid: None }).unwrap();
        id
    }

    fn post(&self, body: &str) -> (Outcome, Vec<Change>) {
        self.post_to(&format!("/chatarchitect/messages/{}", self.account), body)
    }

    fn post_to(&self, path: &str, body: &str) -> (Outcome, Vec<Change>) {
        self.seq.set(self.seq.get() + 1);
        let req = CapturedRequest {
            method: "POST".into(),
            path_and_query: path.into(),
            headers: vec![],
            body: body.as_bytes().to_vec(),
            received_at_ms: crate::store::now_ms(),
        };
        let mut changes = Vec::new();
        let outcome = self.store.with_tx(|tx| dispatch(tx, self.seq.get(), &req, &mut changes)).unwrap();
        (outcome, changes)
    }

    fn status(&self, id: &str) -> MessageStatus {
        self.store.message(id).unwrap().status
    }
}

fn status_event(id: &str, status: &str, at: i64, to: &str) -> String {
    let inner = if status == "failed" {
        r#","payload":{"code":1008,"reason":"User is not Opted in and Inactive"}"#
    } else {
        ""
    };
    format!(
        r#"{{"app":"Demo","timestamp":{at},"version":2,"type":"message-event","payload":{{"id":"{id}","type":"{status}","destination":"{to}"{inner}}}}}"#
    )
}

const TO: &str = "421233221242";

#[test]
fn statuses_move_forward_and_late_events_are_kept_without_moving_them() {
    let w = world();
    let id = w.submitted(TO, "m-1");
    assert_eq!(w.post(&status_event("m-1", "delivered", 2, TO)).0, Outcome::Applied);
    assert_eq!(w.status(&id), MessageStatus::Delivered);
    assert_eq!(w.post(&status_event("m-1", "sent", 1, TO)).0, Outcome::Applied);
    assert_eq!(w.status(&id), MessageStatus::Delivered, "a late sent must not undo delivered");
    let detail = w.store.message_detail(&id).unwrap();
    let words: Vec<_> = detail.events.iter().map(|e| (e.status.as_str(), e.advanced)).collect();
    assert_eq!(words, [("pending", true), ("submitted", true), ("delivered", true), ("sent", false)]);
}

#[test]
fn an_exact_repeat_is_a_duplicate_and_changes_nothing() {
    let w = world();
    let id = w.submitted(TO, "m-1");
    w.post(&status_event("m-1", "read", 5, TO));
    let (outcome, changes) = w.post(&status_event("m-1", "read", 5, TO));
    assert_eq!(outcome, Outcome::Duplicate);
    assert!(changes.is_empty());
    assert_eq!(w.store.message_detail(&id).unwrap().events.len(), 3);
}

#[test]
fn a_failure_reason_reaches_the_history_with_an_explanation() {
    let w = world();
    let id = w.submitted(TO, "m-1");
    w.post(&status_event("m-1", "failed", 3, TO));
    let page = w.store.history_page(&HistoryFilter::default(), 0, 50).unwrap();
    let row = page.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, MessageStatus::Failed);
    let failure = row.failure.as_ref().unwrap();
    assert_eq!((failure.code, failure.reason.as_str()), (Some(1008), "User is not Opted in and Inactive"));
    assert!(failure.explanation.contains("opted in"));
    let failed_only = HistoryFilter { statuses: Some(vec![MessageStatus::Failed]), ..HistoryFilter::default() };
    assert_eq!(w.store.history_page(&failed_only, 0, 50).unwrap().total, 1);
}

#[test]
fn an_event_before_the_send_answer_is_kept_and_adopted_when_the_answer_comes() {
    let w = world();
    let (outcome, _) = w.post(&status_event("m-early", "sent", 1, TO));
    assert!(matches!(outcome, Outcome::Unmatched(ref r) if r.contains("m-early")), "{outcome:?}");
    let id = w.submitted(TO, "m-early");
    assert_eq!(w.status(&id), MessageStatus::Sent);
}

#[test]
fn gupshup_style_events_match_by_gs_id_and_keep_the_wamid() {
    let w = world();
    let id = w.submitted(TO, "m-1");
    let body = format!(
        r#"{{"app":"Demo","timestamp":9,"version":2,"type":"message-event","payload":{{"id":"gBEGkYaYVSEE","gsId":"m-1","type":"delivered","destination":"{TO}"}}}}"#
    );
    assert_eq!(w.post(&body).0, Outcome::Applied);
    let m = w.store.message(&id).unwrap();
    assert_eq!((m.status, m.wamid.as_deref()), (MessageStatus::Delivered, Some("gBEGkYaYVSEE")));
    // Later events may carry only the wamid.
    w.post(&status_event("gBEGkYaYVSEE", "read", 10, TO));
    assert_eq!(w.status(&id), MessageStatus::Read);
}

#[test]
fn events_that_do_not_fit_are_refused_and_kept_with_the_reason() {
    let w = world();
    let id = w.submitted(TO, "m-1");
    let (outcome, _) = w.post(&status_event("m-1", "read", 5, "15550000000"));
    assert!(matches!(outcome, Outcome::Rejected(ref r) if r.contains("destination")), "{outcome:?}");
    assert_eq!(w.status(&id), MessageStatus::Submitted);
    let (outcome, _) = w.post(r#"{"type":"message-event","timestamp":1,"payload":{"type":"read"}}"#);
    assert!(matches!(outcome, Outcome::Rejected(ref r) if r.contains("payload.id")), "{outcome:?}");
    let kept: i64 = w
        .store
        .with_tx(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM webhook_events WHERE outcome = 'rejected' AND length(body) > 0",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(kept, 2);
    let (outcome, _) = w.post_to("/chatarchitect/messages/no-such-account", &status_event("m-1", "read", 5, TO));
    assert!(matches!(outcome, Outcome::Unmatched(_)), "{outcome:?}");
}

#[test]
fn inbound_messages_are_stored_once_and_announced() {
    let w = world();
    let body = r#"{"app":"Demo","timestamp":1580227766370,"version":2,"type":"message","payload":{"id":"ABEGk1","source":"421233221242","type":"text","payload":{"text":"Hi"}}}"#;
    let (outcome, changes) = w.post(body);
    assert_eq!(outcome, Outcome::Applied);
    assert!(changes
        .iter()
        .any(|c| matches!(c, Change::Inbound { account_id, from, .. } if *account_id == w.account && from == TO)));
    assert_eq!(w.post(body).0, Outcome::Duplicate);
}

#[test]
fn writes_are_announced_to_subscribers_after_they_commit() {
    let w = world();
    let mut rx = w.store.subscribe_changes();
    let id = w.submitted(TO, "m-1");
    let first = rx.try_recv().unwrap();
    assert_eq!(first, Change::Message { account_id: w.account.clone(), message_id: id.clone() });
    assert!(w.store.message(&id).is_ok(), "the row exists when its change is seen");
}

#[test]
fn interrupted_sends_become_uncertain_and_are_exported_in_csv() {
    let w = world();
    let m = NewMessage {
        account_id: &w.account,
        to: TO,
        kind: MessageKind::Text,
        template_id: None,
        body: "=cmd|' /C calc'!A0",
        payload: "=cmd|' /C calc'!A0",
        retry_of: None,
    };
    let id = w.store.insert_pending(&m).unwrap();
    assert_eq!(w.store.settle_interrupted_sends(-1).unwrap(), 1);
    assert_eq!(w.status(&id), MessageStatus::Uncertain);
    let mut out = Vec::new();
    assert_eq!(w.store.export_history_csv(&HistoryFilter::default(), &mut out).unwrap(), 1);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("created_at_utc,account_id,to,kind"), "{text}");
    assert!(text.contains(",uncertain,") && text.contains("'=cmd"), "{text}");
}

const PROVIDER_WORDS: [&str; 4] = ["sent", "delivered", "read", "failed"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Through the real webhook door and store: any order and repetition of a message's status
    /// events ends in the same, furthest status, and repeats add nothing to the timeline.
    #[test]
    fn any_order_and_repetition_of_webhooks_ends_in_the_furthest_status(
        picks in proptest::collection::vec(0usize..4, 1..10),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let w = world();
        let id = w.submitted(TO, "m-1");
        // Each distinct word once, with its own timestamp; then repeats and a shuffle.
        let mut distinct: Vec<usize> = picks.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let mut events: Vec<usize> = picks.clone();
        for i in &order {
            events.push(*i.get(&picks));
        }
        for i in &order {
            let a = i.index(events.len());
            events.swap(0, a);
        }
        for e in &events {
            w.post(&status_event("m-1", PROVIDER_WORDS[*e], 100 + *e as i64, TO));
        }
        let furthest = distinct
            .iter()
            .map(|e| status::from_event_type(PROVIDER_WORDS[*e]).unwrap())
            .max_by_key(|s| status::rank(*s))
            .unwrap();
        prop_assert_eq!(w.status(&id), furthest);
        // pending + submitted + one row per distinct event.
        prop_assert_eq!(w.store.message_detail(&id).unwrap().events.len(), 2 + distinct.len());
    }
}
