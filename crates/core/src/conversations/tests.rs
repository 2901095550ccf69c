//! Conversations through the webhook door and the send path: one conversation per customer
//! whatever the number's format, duplicates once, unread counts, the window, the timeline's order,
//! and search by part of a word, part of a number and in other scripts.

use wadesk_relay_protocol::CapturedRequest;

use super::*;
use crate::messaging::record::NewMessage;
use crate::messaging::{Change, MessageKind};
use crate::store::{now_ms, Store};
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
    fn inbound(&self, id: &str, source: &str, kind: &str, payload: &str, at: i64) -> (Outcome, Vec<Change>) {
        let body = format!(
            r#"{{"app":"Demo","timestamp":{at},"version":2,"type":"message","payload":{{"id":"{id}","source":"{source}","type":"{kind}","payload":{payload},"sender":{{"phone":"{source}","name":"Jana Nováková"}}}}}}"#
        );
        self.seq.set(self.seq.get() + 1);
        let req = CapturedRequest {
            method: "POST".into(),
            path_and_query: format!("/chatarchitect/messages/{}", self.account),
            headers: vec![],
            body: body.into_bytes(),
            received_at_ms: now_ms(),
        };
        let mut changes = Vec::new();
        let outcome = self.store.with_tx(|tx| dispatch(tx, self.seq.get(), &req, &mut changes)).unwrap();
        (outcome, changes)
    }

    fn text(&self, id: &str, source: &str, text: &str, at: i64) -> Outcome {
        self.inbound(id, source, "text", &format!(r#"{{"text":"{text}"}}"#), at).0
    }

    fn outbound(&self, to: &str, body: &str) -> String {
        let m = NewMessage {
            account_id: &self.account,
            to,
            kind: MessageKind::Text,
            template_id: None,
            body,
            payload: body,
            retry_of: None,
        };
        self.store.insert_pending(&m).unwrap()
    }

    fn only(&self) -> ConversationView {
        let page = self.store.conversations(&ConversationQuery::default()).unwrap();
        assert_eq!(page.total, 1, "{:?}", page.rows);
        page.rows.into_iter().next().unwrap()
    }

    fn search(&self, text: &str) -> SearchResults {
        self.store
            .search(&SearchQuery { account_id: Some(self.account.clone()), text: text.into(), limit: None })
            .unwrap()
    }
}

const JANA: &str = "421233221242";

#[test]
fn inbound_and_outbound_join_one_conversation_in_order_and_duplicates_count_once() {
    let w = world();
    let t0 = now_ms() - 60_000;
    assert_eq!(w.text("in-1", JANA, "Hello, is my order ready?", t0), Outcome::Applied);
    assert_eq!(w.text("in-1", JANA, "Hello, is my order ready?", t0), Outcome::Duplicate);
    w.outbound(JANA, "Yes, it is ready");
    let (_, changes) =
        w.inbound("in-2", JANA, "image", r#"{"url":"https://m.example/a.png","caption":"receipt"}"#, now_ms());
    let c = w.only();
    assert!(changes.contains(&Change::Inbound {
        account_id: w.account.clone(),
        from: JANA.into(),
        conversation_id: c.id
    }));
    assert_eq!((c.unread, c.customer.as_str(), c.name.as_str()), (2, JANA, "Jana Nováková"));
    assert_eq!(c.last_preview, "Photo: receipt");
    assert!(c.window.open);
    let page = w.store.timeline(c.id, 0, 100).unwrap();
    assert_eq!(page.total, 3);
    let order: Vec<Direction> = page.items.iter().map(|i| i.direction).collect();
    assert_eq!(order, [Direction::Inbound, Direction::Outbound, Direction::Inbound]);
    assert_eq!(page.items[1].outbound.as_ref().unwrap().text, "Yes, it is ready");
    assert!(matches!(page.items[2].inbound.as_ref().unwrap().content, InboundContent::Media { .. }));
    assert_eq!(w.store.timeline_position(page.items[2].id).unwrap(), 2);
    assert_eq!(w.store.mark_conversation_read(c.id).unwrap().unread, 0);
}

#[test]
fn the_window_closes_24_hours_after_the_customers_last_message_and_core_refuses_free_text() {
    let w = world();
    w.text("old", JANA, "hi", now_ms() - WINDOW_MS - 1000);
    let c = w.only();
    assert!(!c.window.open);
    let err = w.store.check_free_text_allowed(&w.account, JANA).unwrap_err();
    assert_eq!(err.code(), crate::ErrorCode::WindowClosed);
    assert!(err.to_string().contains("template"), "{err}");
    assert!(w.store.check_free_text_allowed(&w.account, "15550000001").is_err(), "never wrote: closed");
    w.text("new", JANA, "hi again", now_ms() - 1000);
    assert!(w.store.check_free_text_allowed(&w.account, JANA).is_ok());
    let open = w.store.conversations(&ConversationQuery { window_open: Some(true), ..Default::default() }).unwrap();
    assert_eq!(open.total, 1);
}

#[test]
fn search_finds_parts_of_words_and_numbers_in_any_script_with_matches_marked() {
    let w = world();
    w.text("a", JANA, "Where is my parcel?", now_ms());
    w.text("b", "79161234567", "Привет, где мой заказ?", now_ms());
    w.outbound("4915123456789", "Your 東京 order shipped");
    let r = w.search("arce");
    assert_eq!(r.messages.len(), 1);
    let hit: Vec<&TextSpan> = r.messages[0].snippet.iter().filter(|s| s.hit).collect();
    assert_eq!(hit[0].text, "arce");
    assert_eq!(w.search("заказ").messages.len(), 1);
    assert_eq!(w.search("ЗАКАЗ").messages.len(), 1, "case-insensitive in Cyrillic");
    let short = w.search("東京");
    assert_eq!(short.messages.len(), 1, "a two-character term");
    assert_eq!(short.messages_searched_recent, Some(SHORT_QUERY_SCAN), "no trigram index: the newest only");
    assert_eq!(w.search("arce").messages_searched_recent, None);
    let by_number = w.search("1234");
    assert_eq!(
        by_number.conversations.len(),
        2,
        "{:?}",
        by_number.conversations.iter().map(|c| &c.conversation.customer).collect::<Vec<_>>()
    );
    assert_eq!(w.search("+7 916 123").conversations.len(), 1);
    assert_eq!(w.search("Novák").conversations.len(), 2, "by profile name");
    assert!(w.search("nothing-like-this").messages.is_empty());
}

#[test]
fn notifications_follow_the_settings_and_can_leave_the_text_out() {
    let w = world();
    w.text("n1", JANA, "My order #4711 is late", now_ms());
    let c = w.only();
    let notice = w.store.inbound_notice(c.id).unwrap().unwrap();
    assert_eq!((notice.title.as_str(), notice.body.as_str()), ("Jana Nováková", "My order #4711 is late"));
    w.store.set_inbox_settings(&InboxSettings { notify: true, notify_text: false }).unwrap();
    assert_eq!(w.store.inbound_notice(c.id).unwrap().unwrap().body, "New message");
    w.store.set_inbox_settings(&InboxSettings { notify: false, notify_text: true }).unwrap();
    assert_eq!(w.store.inbound_notice(c.id).unwrap(), None);
    assert_eq!(w.store.inbox_settings().unwrap(), InboxSettings { notify: false, notify_text: true });
}

#[test]
fn saved_replies_fill_from_the_linked_contact_and_shortcuts_are_unique_ignoring_case() {
    let w = world();
    w.text("c1", JANA, "hi", now_ms());
    let c = w.only();
    let saved = w
        .store
        .save_canned_reply(&CannedReplyEdit {
            id: None,
            shortcut: "/Hours".into(),
            text: "Hi {{first_name}}, we open at 9.".into(),
        })
        .unwrap();
    assert_eq!(saved.shortcut, "Hours");
    let dup = w.store.save_canned_reply(&CannedReplyEdit { id: None, shortcut: "hours".into(), text: "x".into() });
    assert!(matches!(dup, Err(crate::Error::Field(ref f, _)) if f == "shortcut"), "{dup:?}");
    let filled = w.store.canned_replies_for(c.id).unwrap();
    assert_eq!(filled[0].text, "Hi Jana, we open at 9.", "the profile name when no contact is linked");
    w.store.delete_canned_reply(saved.id).unwrap();
    assert!(w.store.canned_replies().unwrap().is_empty());
}
