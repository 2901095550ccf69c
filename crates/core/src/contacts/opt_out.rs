//! Opting out by reply: an inbound message that is exactly an opt-out keyword (STOP, BAJA, СТОП …)
//! opts its sender out, inside the webhook door's transaction that stores the message.
//!
//! Only the whole message counts ("stop" and " Stop! " do, "please don't stop" does not), so a
//! customer's ordinary sentence never unsubscribes them. A sender that is not a contact yet is
//! created opted out, so that a later import of their number cannot send them marketing.

use rusqlite::{params, OptionalExtension, Transaction};

use super::phone;
use super::settings;
use crate::error::Result;
use crate::store::now_ms;

/// The text as compared: trimmed of spaces and punctuation at both ends, lower case.
fn fold(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation() || "¡¿…«»„“”‘’".contains(c))
        .to_lowercase()
}

/// Whether `text` is, as a whole, one of `keywords` (ignoring case and surrounding spaces or
/// punctuation; `ARRÊT` and `arrêt` match, `ARRET` is a keyword of its own).
pub fn is_keyword(text: &str, keywords: &[String]) -> bool {
    let t = fold(text);
    !t.is_empty() && keywords.iter().any(|k| fold(k) == t)
}

/// The contact key of an inbound sender (digits as the provider sends them, no `+`): normalised
/// when libphonenumber accepts it, else the digits as given.
fn sender_key(source: &str) -> Option<String> {
    let digits: String = source.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    Some(phone::normalize(&format!("+{digits}"), None).unwrap_or(digits))
}

/// Opts out the sender `source` when `text` is an opt-out keyword. Runs in the caller's
/// transaction; returns whether a contact was created or changed (the caller then announces
/// `Change::Contacts` after commit). A contact already opted out keeps its first opt-out.
pub(crate) fn apply_reply(tx: &Transaction<'_>, source: &str, text: Option<&str>) -> Result<bool> {
    let Some(text) = text else { return Ok(false) };
    // Cheap first: no message longer than any keyword reads any settings.
    if text.chars().count() > settings::MAX_KEYWORD_CHARS + 10 {
        return Ok(false);
    }
    let keywords = settings::load(tx)?.opt_out_keywords;
    if !is_keyword(text, &keywords) {
        return Ok(false);
    }
    let Some(key) = sender_key(source) else { return Ok(false) };
    let now = now_ms();
    let existing: Option<Option<i64>> = tx
        .prepare_cached("SELECT opted_out_at FROM contacts WHERE phone = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    match existing {
        Some(Some(_)) => Ok(false),
        Some(None) => {
            tx.prepare_cached(
                "UPDATE contacts SET opted_out_at = ?2, opt_out_source = 'reply', updated_at = ?2 WHERE phone = ?1",
            )?
            .execute(params![key, now])?;
            Ok(true)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO contacts (phone, opted_out_at, opt_out_source, created_at, updated_at)
                 VALUES (?1, ?2, 'reply', ?2, ?2)",
            )?
            .execute(params![key, now])?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn defaults() -> Vec<String> {
        settings::DEFAULT_OPT_OUT_KEYWORDS.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn whole_message_keywords_match_in_any_case_with_punctuation_around() {
        let k = defaults();
        for text in [
            "STOP",
            "stop",
            "  Stop! ",
            "¡Baja!",
            "parar.",
            "Sair",
            "стоп",
            "Отписаться",
            "arrêt",
            "ARRET",
            "désabonner",
        ] {
            assert!(is_keyword(text, &k), "{text}");
        }
        for text in ["please stop", "stop it", "", "  !! ", "STOPPING", "baja la música"] {
            assert!(!is_keyword(text, &k), "{text}");
        }
        assert!(is_keyword("halt", &["HALT".to_owned()]));
    }

    #[test]
    fn a_reply_opts_out_an_existing_contact_or_creates_one_opted_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        store
            .with_tx(|tx| {
                tx.execute("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('4915112345678', 0, 0)", [])?;
                Ok(())
            })
            .unwrap();
        let run = |source: &str, text: &str| store.with_tx(|tx| apply_reply(tx, source, Some(text))).unwrap();
        assert!(!run("4915112345678", "stop please"));
        assert!(run("4915112345678", "Stop"));
        assert!(!run("4915112345678", "STOP"), "already opted out: unchanged");
        assert!(run("5511987654321", "PARAR"));
        let conn = store.conn().unwrap();
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT phone, opt_out_source FROM contacts ORDER BY phone")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("4915112345678".to_owned(), Some("reply".to_owned())),
                ("5511987654321".to_owned(), Some("reply".to_owned()))
            ]
        );
    }

    #[test]
    fn an_inbound_stop_through_the_webhook_door_opts_the_sender_out_and_announces_contacts() {
        use crate::messaging::Change;
        use crate::webhooks::dispatch;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        let account = store.seed_sandbox_account().unwrap().id;
        let post = |seq: u64, id: &str, text: &str| {
            let body = format!(
                r#"{{"app":"Demo","timestamp":1580227766370,"version":2,"type":"message","payload":{{"id":"{id}","source":"421233221242","type":"text","payload":{{"text":"{text}"}}}}}}"#
            );
            let req = wadesk_relay_protocol::CapturedRequest {
                method: "POST".into(),
                path_and_query: format!("/chatarchitect/messages/{account}"),
                headers: vec![],
                body: body.into_bytes(),
                received_at_ms: now_ms(),
            };
            let mut changes = Vec::new();
            store.with_tx(|tx| dispatch(tx, seq, &req, &mut changes)).unwrap();
            changes
        };
        assert!(!post(1, "in-1", "Hello, when do you open?").contains(&Change::Contacts));
        assert!(post(2, "in-2", " Stop! ").contains(&Change::Contacts));
        let c = store.contact_by_phone("+421233221242", None).unwrap();
        assert_eq!(c.opt_out_source, Some(crate::contacts::OptOutSource::Reply));
        assert!(c.opted_out_at.is_some());
    }
}
