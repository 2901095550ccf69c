//! The customer service window (PROVIDERS.md §6): free text may be sent only within 24 hours of
//! the customer's last message; after that, only templates. Enforced here, under every free-text
//! send (reply, single send, retry), so no host can send text that would never arrive.

use rusqlite::{params, Connection, OptionalExtension};

use super::ingest::customer_key;
use super::ServiceWindow;
use crate::error::{Error, Result};
use crate::store::{now_ms, Store};

/// How long a customer's message keeps the window open.
pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// The window of a conversation whose customer last wrote at `last_inbound_at`, at `now`.
pub(crate) fn state(last_inbound_at: Option<i64>, now: i64) -> ServiceWindow {
    let closes_at = last_inbound_at.map(|at| at.saturating_add(WINDOW_MS));
    ServiceWindow { open: closes_at.is_some_and(|c| now < c), last_inbound_at, closes_at }
}

fn last_inbound(conn: &Connection, account_id: &str, to: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT last_inbound_at FROM conversations WHERE account_id = ?1 AND customer = ?2")?
        .query_row(params![account_id, customer_key(to)], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}

impl Store {
    /// The service window of account `account_id` with destination `to` (international digits).
    pub fn service_window(&self, account_id: &str, to: &str) -> Result<ServiceWindow> {
        let conn = self.conn()?;
        let at = last_inbound(&conn, account_id, to)?;
        Ok(state(at, now_ms()))
    }

    /// `Err(WindowClosed)` unless free text to `to` is allowed now.
    pub(crate) fn check_free_text_allowed(&self, account_id: &str, to: &str) -> Result<()> {
        let w = self.service_window(account_id, to)?;
        if w.open {
            return Ok(());
        }
        let when = match w.last_inbound_at {
            Some(at) => format!(
                "the customer last wrote {} ago, and free text is allowed only for 24 hours after that",
                ago(now_ms() - at)
            ),
            None => "this customer has not written to this number, and free text is allowed only for 24 hours after \
                     the customer's last message"
                .to_owned(),
        };
        Err(Error::WindowClosed(format!("{when}; send an approved template instead")))
    }
}

fn ago(ms: i64) -> String {
    let hours = ms / 3_600_000;
    if hours >= 48 {
        format!("{} days", hours / 24)
    } else {
        format!("{hours} hours")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_open_for_exactly_24_hours_after_the_last_message() {
        let at = 1_000_000;
        assert!(state(Some(at), at + WINDOW_MS - 1).open);
        assert!(!state(Some(at), at + WINDOW_MS).open);
        assert_eq!(state(Some(at), at).closes_at, Some(at + WINDOW_MS));
        assert!(!state(None, at).open);
        assert_eq!(state(None, at).closes_at, None);
    }
}
