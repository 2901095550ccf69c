//! An inbound messaging webhook (anyone who learns the hook URL can post one): any body parses or
//! is refused with a reason, never a panic; an inbound message's payload always reads as some
//! content (an unknown type or a misfit payload as `Unknown`, never dropped), with a one-line
//! preview; a media link is only ever handed on when it is https or loopback http; and marking a
//! search match in its text keeps every character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::conversations::{content, snippet_of};
use wadesk_core::providers::chatarchitect::messaging_webhook;
use wadesk_core::providers::messaging::WebhookEvent;

fuzz_target!(|data: &[u8]| {
    let Ok(WebhookEvent::Inbound(m)) = messaging_webhook::parse(data) else { return };
    let c = content::read(&m.message_type, &m.payload_json);
    let preview = content::preview(&c);
    assert!(!preview.contains('\n') && preview.chars().count() <= 200, "{preview:?}");
    let text = content::search_text(&c);
    if let Ok(url) = content::media_url(&m.payload_json) {
        let loopback = url.starts_with("http://127.0.0.1")
            || url.starts_with("http://localhost")
            || url.starts_with("http://[::1]");
        assert!(url.starts_with("https://") || loopback, "{url}");
    }
    // The query is the message's own first few characters: marking must keep the text whole.
    let query: String = text.chars().take(5).collect();
    let spans = snippet_of(&text, &query);
    let joined: String = spans.iter().map(|s| s.text.as_str()).collect();
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    assert!(flat.contains(joined.trim_matches('…')), "{joined:?} is not a piece of {flat:?}");
});
