//! The 24-hour customer service window (PROVIDERS.md §6): a customer's message opens or refreshes
//! a window of 24 hours in which the business may send anything; outside it only templates go
//! through, and a free-form message fails asynchronously.
//!
//! Each app remembers, per customer number, the envelope `timestamp` (ms) of that customer's most
//! recent inbound message — the latest one, not the last one delivered, so an inbound back-dated
//! through the control surface never shortens a window a newer message opened. Every inbound the
//! sandbox produces counts: the control surface's (any type, also one the sandbox does not know)
//! and a persona's reply. The map grows by one entry per customer number, like the destination
//! overrides, and is forgotten on restart.
//!
//! The check is made once, when `/whatsappmessage` accepts a non-template message (a template
//! send is a text whose first line is `{{<uuid>}}`): the answer stays `submitted` with a
//! `messageId`, as the real API does, and the status sequence becomes a single `failed`. Code 470
//! and its reason are the WhatsApp Business (On-Premises) API's, kept in Gupshup's v2 error table
//! (the Cloud API's code is 131047); that ChatArchitect forwards them unchanged is an assumption
//! (PROVIDERS.md §1 "Inference"). The rule is the `enforce_window` setting (default on).

use std::collections::HashMap;

use super::catalogue::Failure;

/// How long a customer's message keeps the window open, in milliseconds.
pub(crate) const WINDOW_MS: i64 = 24 * 3600 * 1000;

/// Code of the `failed` event of a free-form message outside the window (Gupshup v2 and the
/// On-Premises API; an assumption for ChatArchitect).
pub const CODE_WINDOW_CLOSED: u32 = 470;
/// Reason of that event (Gupshup's wording; an assumption for ChatArchitect).
pub const REASON_WINDOW_CLOSED: &str = "Message failed to send because more than 24 hours have passed \
                                         since the customer last replied to this number";

/// The failure of a free-form message sent outside the window.
pub(crate) fn closed() -> Failure {
    Failure { code: CODE_WINDOW_CLOSED, reason: REASON_WINDOW_CLOSED.to_owned() }
}

/// When each customer of one app last wrote, in ms since the epoch.
#[derive(Debug, Default)]
pub(crate) struct LastInbound(HashMap<String, i64>);

impl LastInbound {
    /// Notes a message from `number` written at `at_ms`, keeping the latest time.
    pub(crate) fn note(&mut self, number: &str, at_ms: i64) {
        let last = self.0.entry(number.to_owned()).or_insert(at_ms);
        *last = (*last).max(at_ms);
    }

    /// Whether `number` wrote within [`WINDOW_MS`] before `now_ms` (exactly 24 h still counts).
    pub(crate) fn is_open(&self, number: &str, now_ms: i64) -> bool {
        self.0.get(number).is_some_and(|last| now_ms - last <= WINDOW_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_lasts_24_hours_from_the_latest_message() {
        let now = 1_800_000_000_000;
        let mut last = LastInbound::default();
        assert!(!last.is_open("421233221242", now), "no message: closed");
        last.note("421233221242", now - WINDOW_MS - 1);
        assert!(!last.is_open("421233221242", now), "25 h ago: closed");
        last.note("421233221242", now - WINDOW_MS);
        assert!(last.is_open("421233221242", now), "exactly 24 h: open");
        last.note("421233221242", now - 3 * WINDOW_MS);
        assert!(last.is_open("421233221242", now), "an older message does not shorten the window");
        assert!(!last.is_open("421999888777", now), "per number");
    }
}
