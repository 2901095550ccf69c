//! Plain-language explanations of provider failure codes, for the history's detail panel.
//!
//! The provider's own code and reason are always kept and shown too; this only adds what a shop
//! admin should understand and do. Codes: seed 000 (1008), Gupshup's error table (1001–1012,
//! 4001–4005; PROVIDERS.md §3) which ChatArchitect's events mirror (§1), and Meta's template errors.

use super::Failure;

/// A failure with its explanation.
pub fn failure(code: Option<i64>, reason: &str) -> Failure {
    Failure { code, reason: reason.to_owned(), explanation: explain(code, reason) }
}

fn explain(code: Option<i64>, reason: &str) -> String {
    let text = match code {
        Some(1008) => {
            "The customer has not opted in to messages from this business, or has not written for a long \
             time. Ask them to message you first (or to opt in), then send again."
        }
        Some(1002) => "This number does not use WhatsApp. Check the number with the customer.",
        Some(1003) => {
            "The Gupshup wallet balance is too low to send. Top up the wallet in Gupshup's partner portal, \
             then send again."
        }
        Some(1007) => "The customer cannot receive this message right now. Try again later.",
        Some(1001) => "The message was too long or malformed for WhatsApp. Shorten it and send again.",
        Some(1005 | 1006) => {
            "The message was refused by Gupshup's checks (a blocked number or content). Check the number \
             and the message."
        }
        Some(4001..=4005) => {
            "Gupshup's sending limit for this app was reached. Wait a moment, then send again; large \
             campaigns are paced by Wadesk."
        }
        Some(132001) => {
            "The provider does not know this template. It may have been deleted or not approved yet: \
             refresh the templates and pick it again."
        }
        Some(132000) => {
            "The message did not match its template: the number of values differs from the approved \
             template. Refresh the templates and fill every variable."
        }
        Some(132012 | 131008) => {
            "A variable's value does not fit the template (empty, a line break, or a placeholder left \
             unfilled). Fill every variable with one line of text."
        }
        Some(131047 | 470) => {
            "More than 24 hours have passed since the customer last wrote, so only an approved template \
             can be sent."
        }
        Some(429 | 130429) => "Too many messages were sent too quickly. Wait a moment, then send again.",
        _ if reason.is_empty() => "The provider reported a failure without a reason.",
        _ => return format!("The provider reported: {reason}"),
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_get_advice_and_others_keep_the_providers_words() {
        assert!(failure(Some(1008), "User is not Opted in and Inactive").explanation.contains("opted in"));
        let f = failure(Some(9999), "Something odd");
        assert_eq!(f.explanation, "The provider reported: Something odd");
        assert_eq!((f.code, f.reason.as_str()), (Some(9999), "Something odd"));
    }
}
