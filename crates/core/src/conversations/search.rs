//! Search over every stored message, conversation and contact (SQLite FTS5, trigram tokenizer):
//! any part of a word or a number matches, in any script, case-insensitively, with no age limit.
//!
//! Each whitespace-separated term must match. A term of three or more characters is looked up in
//! the trigram index; a shorter one cannot be (a trigram has three) and is checked with LIKE on the
//! rows the long terms found — or, when every term is short, on the newest [`SHORT_QUERY_SCAN`]
//! messages only (the results say so): a scan of every message would hold the store for seconds.
//! Matches are marked in Rust on the returned text, so no markup ever reaches a host.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};

use super::list::{view, SELECT_VIEW};
use super::{ContactHit, ConversationHit, Direction, MessageHit, SearchQuery, SearchResults, TextSpan};
use crate::error::{Error, Result};
use crate::store::{now_ms, Store};

/// Messages a search returns when the query does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most messages one search may return.
pub const MAX_LIMIT: u32 = 500;
/// Conversations and contacts a search returns (each).
const PEOPLE_LIMIT: u32 = 20;
/// Messages a query of only short terms scans, newest first: no trigram index serves a term
/// shorter than three characters, and a scan of every message holds the store for seconds.
pub const SHORT_QUERY_SCAN: u32 = 20_000;
/// Longest query, in characters.
const MAX_QUERY: usize = 200;
/// Characters of context kept before the first match in a snippet, and in all.
const SNIPPET_BEFORE: usize = 40;
const SNIPPET_LEN: usize = 160;

/// The query split into terms.
struct Terms {
    long: Vec<String>,
    short: Vec<String>,
}

impl Terms {
    fn parse(text: &str) -> Terms {
        let mut long = Vec::new();
        let mut short = Vec::new();
        for t in text.split_whitespace() {
            if t.chars().count() >= 3 {
                long.push(t.to_owned());
            } else {
                short.push(t.to_owned());
            }
        }
        Terms { long, short }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.long.iter().chain(self.short.iter())
    }

    /// The FTS5 expression of the long terms (each a quoted string, all required).
    fn fts(&self) -> Option<String> {
        (!self.long.is_empty())
            .then(|| self.long.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" "))
    }

    /// SQL requiring every term on `table` (an FTS5 table) over `columns`, with its parameters.
    fn condition(&self, table: &str, columns: &[&str], args: &mut Vec<SqlValue>) -> String {
        let mut parts = Vec::new();
        if let Some(expr) = self.fts() {
            args.push(expr.into());
            parts.push(format!("{table} MATCH ?{}", args.len()));
        }
        for t in &self.short {
            args.push(format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")).into());
            let n = args.len();
            let any: Vec<String> = columns.iter().map(|c| format!("{table}.{c} LIKE ?{n} ESCAPE '\\'")).collect();
            parts.push(format!("({})", any.join(" OR ")));
        }
        parts.join(" AND ")
    }
}

/// A phone-like query (digits and separators) as its digits, which is how numbers are stored.
fn as_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let phone_like = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    (phone_like && !digits.is_empty() && digits != text.trim()).then_some(digits)
}

impl Store {
    /// Searches messages, conversations and contacts.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let text = q.text.trim();
        if text.is_empty() {
            return Err(Error::Field("text".into(), "type something to search for".into()));
        }
        if text.chars().count() > MAX_QUERY {
            return Err(Error::Field("text".into(), format!("at most {MAX_QUERY} characters")));
        }
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::Field("limit".into(), format!("between 1 and {MAX_LIMIT}")));
        }
        let terms = Terms::parse(text);
        let people_terms = as_digits(text).map(|d| Terms::parse(&d)).unwrap_or_else(|| Terms::parse(text));
        let conn = self.conn()?;
        let account = q.account_id.as_deref();
        let (messages, more_messages) = messages(&conn, &terms, account, limit)?;
        let messages_searched_recent = terms.long.is_empty().then_some(SHORT_QUERY_SCAN);
        Ok(SearchResults {
            query: text.to_owned(),
            conversations: conversations(&conn, &people_terms, account)?,
            contacts: contacts(&conn, &people_terms, account)?,
            messages,
            more_messages,
            messages_searched_recent,
        })
    }
}

fn messages(conn: &Connection, terms: &Terms, account: Option<&str>, limit: u32) -> Result<(Vec<MessageHit>, bool)> {
    // CROSS JOIN keeps the index first, read newest first and stopped at the limit: with only a
    // LIKE the planner would otherwise drive from the account's conversations and read every item.
    let mut args = Vec::new();
    let cond = terms.condition("message_search", &["text"], &mut args);
    let mut sql = format!(
        "SELECT i.id, i.conversation_id, i.at, i.message_id IS NOT NULL, message_search.text, c.customer,
                coalesce(nullif(ct.name, ''), nullif(ct.first_name, ''), c.profile_name, '')
         FROM message_search
         CROSS JOIN conversation_items i ON i.id = message_search.rowid
         CROSS JOIN conversations c ON c.id = i.conversation_id
         LEFT JOIN contacts ct ON ct.phone = c.customer
         WHERE {cond}"
    );
    if let Some(a) = account {
        args.push(a.to_owned().into());
        sql.push_str(&format!(" AND c.account_id = ?{}", args.len()));
    }
    if terms.long.is_empty() {
        // A rowid range FTS5 serves directly: only the newest SHORT_QUERY_SCAN messages are read.
        args.push(i64::from(SHORT_QUERY_SCAN).into());
        sql.push_str(&format!(
            " AND message_search.rowid > (SELECT coalesce(max(id), 0) FROM conversation_items) - ?{}",
            args.len()
        ));
    }
    args.push(i64::from(limit + 1).into());
    sql.push_str(&format!(" ORDER BY message_search.rowid DESC LIMIT ?{}", args.len()));
    let mut hits = conn
        .prepare(&sql)?
        .query_map(params_from_iter(&args), |r| {
            let text: String = r.get(4)?;
            Ok(MessageHit {
                item_id: r.get(0)?,
                conversation_id: r.get(1)?,
                at: r.get(2)?,
                direction: if r.get::<_, bool>(3)? { Direction::Outbound } else { Direction::Inbound },
                snippet: snippet(&text, terms),
                customer: r.get(5)?,
                name: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = hits.len() > limit as usize;
    hits.truncate(limit as usize);
    Ok((hits, more))
}

fn conversations(conn: &Connection, terms: &Terms, account: Option<&str>) -> Result<Vec<ConversationHit>> {
    let mut args = Vec::new();
    let own = terms.condition("conversation_search", &["customer", "profile_name"], &mut args);
    let by_contact = terms.condition("contact_search", &["phone", "name", "first_name"], &mut args);
    let mut sql = format!(
        "{SELECT_VIEW} WHERE (c.id IN (SELECT rowid FROM conversation_search WHERE {own})
            OR c.customer IN (SELECT phone FROM contact_search WHERE {by_contact}))"
    );
    if let Some(a) = account {
        args.push(a.to_owned().into());
        sql.push_str(&format!(" AND c.account_id = ?{}", args.len()));
    }
    sql.push_str(&format!(" ORDER BY c.last_at DESC, c.id DESC LIMIT {PEOPLE_LIMIT}"));
    let now = now_ms();
    let rows = conn
        .prepare(&sql)?
        .query_map(params_from_iter(&args), |r| view(r, now))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|c| ConversationHit { customer: mark(&c.customer, terms), name: mark(&c.name, terms), conversation: c })
        .collect())
}

fn contacts(conn: &Connection, terms: &Terms, account: Option<&str>) -> Result<Vec<ContactHit>> {
    let mut args = Vec::new();
    let cond = terms.condition("contact_search", &["phone", "name", "first_name"], &mut args);
    let mut sql = format!(
        "SELECT ct.id, ct.phone, coalesce(nullif(ct.name, ''), ct.first_name, '')
         FROM contact_search JOIN contacts ct ON ct.id = contact_search.rowid WHERE {cond}"
    );
    if let Some(a) = account {
        args.push(a.to_owned().into());
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.customer = ct.phone AND c.account_id = ?{})",
            args.len()
        ));
    }
    sql.push_str(&format!(" ORDER BY ct.name COLLATE NOCASE, ct.id LIMIT {PEOPLE_LIMIT}"));
    let rows = conn
        .prepare(&sql)?
        .query_map(params_from_iter(&args), |r| {
            let phone: String = r.get(1)?;
            let name: String = r.get(2)?;
            Ok(ContactHit {
                contact_id: r.get(0)?,
                phone: mark(&phone, terms),
                name: mark(&name, terms),
                number: phone,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `text` cut to the part around the first match of `query`'s terms, with every match marked (for
/// the fuzzer, which checks that marking never loses or invents a character).
pub fn snippet_of(text: &str, query: &str) -> Vec<TextSpan> {
    snippet(text, &Terms::parse(query))
}

/// `text` cut to the part around its first match, with every match marked.
fn snippet(text: &str, terms: &Terms) -> Vec<TextSpan> {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let chars: Vec<char> = flat.chars().collect();
    let first = matches(&chars, terms).first().map(|m| m.0).unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_LEN).min(chars.len());
    let mut cut: String = chars[start..end].iter().collect();
    if start > 0 {
        cut.insert(0, '…');
    }
    if end < chars.len() {
        cut.push('…');
    }
    mark(&cut, terms)
}

/// Every (start, end) character range of `chars` that matches a term, case-insensitively, merged.
fn matches(chars: &[char], terms: &Terms) -> Vec<(usize, usize)> {
    let fold = |c: &char| c.to_lowercase().next().unwrap_or(*c);
    let lower: Vec<char> = chars.iter().map(fold).collect();
    let mut ranges = Vec::new();
    for term in terms.all() {
        let t: Vec<char> = term.chars().map(|c| fold(&c)).collect();
        if t.is_empty() || t.len() > lower.len() {
            continue;
        }
        for i in 0..=lower.len() - t.len() {
            if lower[i..i + t.len()] == t[..] {
                ranges.push((i, i + t.len()));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// `text` split into spans, matches marked.
fn mark(text: &str, terms: &Terms) -> Vec<TextSpan> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let mut at = 0;
    for (s, e) in matches(&chars, terms) {
        if s > at {
            spans.push(TextSpan { text: chars[at..s].iter().collect(), hit: false });
        }
        spans.push(TextSpan { text: chars[s..e].iter().collect(), hit: true });
        at = e;
    }
    if at < chars.len() || spans.is_empty() {
        spans.push(TextSpan { text: chars[at..].iter().collect(), hit: false });
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(spans: &[TextSpan]) -> String {
        spans.iter().map(|s| if s.hit { format!("[{}]", s.text) } else { s.text.clone() }).collect()
    }

    #[test]
    fn matches_are_marked_case_insensitively_in_any_script() {
        let terms = Terms::parse("ord Привет");
        assert_eq!(marked(&mark("Your ORDER is here. привет!", &terms)), "Your [ORD]ER is here. [привет]!");
        assert_eq!(marked(&mark("nothing", &terms)), "nothing");
    }

    #[test]
    fn a_snippet_starts_near_its_first_match() {
        let long = format!("{} needle {}", "a".repeat(300), "b".repeat(300));
        let s = marked(&snippet(&long, &Terms::parse("needle")));
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("[needle]"), "{s}");
        assert!(s.chars().count() <= SNIPPET_LEN + 4);
    }

    #[test]
    fn phone_like_queries_search_digits() {
        assert_eq!(as_digits("+1 555-0001").as_deref(), Some("15550001"));
        assert_eq!(as_digits("5550001"), None);
        assert_eq!(as_digits("order 5"), None);
    }

    #[test]
    fn quotes_in_a_query_cannot_break_the_fts_expression() {
        assert_eq!(Terms::parse(r#"say "hi" there"#).fts().unwrap(), r#""say" """hi""" "there""#);
    }
}
