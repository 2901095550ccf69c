//! A Meta-envelope webhook or template object (SendZen, and later 360dialog and Gupshup v3; anyone
//! who learns the hook URL can post one): any body parses into events or is refused with a reason,
//! never a panic; an inbound message's payload reads as some content with a one-line preview; a
//! signature header made of the same bytes never verifies by accident nor panics; a template that
//! reads as sendable fills every placeholder and its send payload holds one parameter each.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::conversations::content;
use wadesk_core::providers::messaging::WebhookEvent;
use wadesk_core::providers::meta::templates::{self, MetaSend};
use wadesk_core::providers::meta::{signature, webhook};
use wadesk_core::templates::syntax;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = webhook::parse(data) {
        for event in events {
            if let WebhookEvent::Inbound(m) = event {
                let preview = content::preview(&content::read(&m.message_type, &m.payload_json));
                assert!(!preview.contains('\n') && preview.chars().count() <= 200, "{preview:?}");
            }
        }
    }
    let header = String::from_utf8_lossy(&data[..data.len().min(80)]);
    assert!(signature::verify("fuzz-secret", Some(&header), data).is_err());
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(t) = templates::read(&value) else { return };
    let Ok(parsed) = t.parsed else { return };
    let values: Vec<(u32, String)> = parsed.placeholders.iter().map(|n| (*n, format!("v{n}"))).collect();
    let body = syntax::fill(&parsed, &values).expect("a sendable template fills with plain values");
    assert!(!body.contains("{{v"), "{body:?}");
    let send: MetaSend = serde_json::from_str(&syntax::send_payload(&parsed, &body, &values)).unwrap();
    assert_eq!(send.body.len(), parsed.placeholders.len());
});
