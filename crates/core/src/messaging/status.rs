//! The status state machine: which status a message holds after any set of events.
//!
//! The stored status is the maximum, by [`rank`], of every status the message has reached. Because
//! a maximum does not care about order or repetition, webhooks that arrive late, out of order or
//! twice always leave the same status — the furthest one — and never move a message backwards
//! (PEERS.md #3: "delivered" turning back into "sent"). `failed` ranks above `sent` and below
//! `delivered`: it ends an attempt that had not been delivered, while a message the provider has
//! confirmed delivered or read stays so even if a stray failure report comes after.

use super::MessageStatus;

/// The order statuses move in. Local statuses (before the provider answered) rank lowest.
pub fn rank(status: MessageStatus) -> i64 {
    match status {
        MessageStatus::Pending => 0,
        MessageStatus::NotSubmitted | MessageStatus::Uncertain => 1,
        MessageStatus::Submitted => 2,
        MessageStatus::Sent => 3,
        MessageStatus::Failed => 4,
        MessageStatus::Delivered => 5,
        MessageStatus::Read => 6,
    }
}

/// What a provider's event type means for the status, if anything. Gupshup-style `enqueued`
/// (PROVIDERS.md §1) confirms `submitted`; unknown types are kept in the timeline but move nothing.
pub fn from_event_type(event_type: &str) -> Option<MessageStatus> {
    Some(match event_type {
        "enqueued" | "submitted" => MessageStatus::Submitted,
        "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" => MessageStatus::Failed,
        _ => return None,
    })
}

/// The status after `event` reaches a message that holds `current`, and whether it moved.
pub fn advance(current: MessageStatus, event: MessageStatus) -> (MessageStatus, bool) {
    if rank(event) > rank(current) {
        (event, true)
    } else {
        (current, false)
    }
}

/// Whether the provider may still report on a message in this status.
pub fn is_final(status: MessageStatus) -> bool {
    matches!(status, MessageStatus::Read | MessageStatus::NotSubmitted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PROVIDER: [MessageStatus; 5] = [
        MessageStatus::Submitted,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
        MessageStatus::Failed,
    ];

    fn apply_all(events: &[MessageStatus]) -> MessageStatus {
        events.iter().fold(MessageStatus::Submitted, |s, e| advance(s, *e).0)
    }

    #[test]
    fn the_delivery_steps_move_forward_only() {
        assert_eq!(advance(MessageStatus::Delivered, MessageStatus::Sent), (MessageStatus::Delivered, false));
        assert_eq!(advance(MessageStatus::Sent, MessageStatus::Read), (MessageStatus::Read, true));
        assert_eq!(advance(MessageStatus::Read, MessageStatus::Read), (MessageStatus::Read, false));
    }

    #[test]
    fn failed_ends_an_undelivered_attempt_but_never_undoes_a_delivery() {
        assert_eq!(advance(MessageStatus::Sent, MessageStatus::Failed), (MessageStatus::Failed, true));
        assert_eq!(advance(MessageStatus::Submitted, MessageStatus::Failed), (MessageStatus::Failed, true));
        assert_eq!(advance(MessageStatus::Delivered, MessageStatus::Failed), (MessageStatus::Delivered, false));
        assert_eq!(advance(MessageStatus::Failed, MessageStatus::Sent), (MessageStatus::Failed, false));
    }

    #[test]
    fn event_types_map_to_statuses() {
        assert_eq!(from_event_type("enqueued"), Some(MessageStatus::Submitted));
        assert_eq!(from_event_type("read"), Some(MessageStatus::Read));
        assert_eq!(from_event_type("deleted"), None);
    }

    proptest! {
        /// Any order and any repetition of a message's events ends in the same, furthest status.
        #[test]
        fn any_order_and_repetition_ends_in_the_furthest_status(
            events in proptest::collection::vec(proptest::sample::select(PROVIDER.to_vec()), 1..24),
            shuffle_seed in any::<u64>(),
            repeat in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut reordered = events.clone();
            for i in &repeat {
                reordered.push(*i.get(&events));
            }
            // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
            let mut state = shuffle_seed | 1;
            for i in (1..reordered.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                reordered.swap(i, (state >> 33) as usize % (i + 1));
            }
            let furthest = *events.iter().max_by_key(|s| rank(**s)).unwrap();
            prop_assert_eq!(apply_all(&events), furthest);
            prop_assert_eq!(apply_all(&reordered), furthest);
        }
    }
}
