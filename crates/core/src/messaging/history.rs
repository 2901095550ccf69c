//! The send history: filtered windows for the virtualized table, one message's timeline, and CSV.
//!
//! Queries are built from fixed SQL fragments with bound parameters only; a filter value never
//! becomes SQL text. Newest first, by creation time then id, so windows are stable while new
//! messages arrive at the top.

use std::io::Write;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};

use super::explain;
use super::{HistoryFilter, HistoryPage, MessageDetail, MessageKind, MessageStatus, MessageView, StatusEventView};
use crate::error::{Error, Result};
use crate::store::Store;

/// Most rows one window returns.
pub const MAX_PAGE: u32 = 1000;

pub(crate) const VIEW_COLUMNS: &str =
    "id, account_id, destination, kind, template_id, body, status, provider_message_id, wamid,
     failure_code, failure_reason, retry_of, created_at, updated_at";

pub(crate) fn view_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageView> {
    let kind: String = r.get(3)?;
    let status: String = r.get(6)?;
    let status = MessageStatus::parse(&status).unwrap_or(MessageStatus::Uncertain);
    let code: Option<i64> = r.get(9)?;
    let reason: Option<String> = r.get(10)?;
    let failure = match (&reason, status) {
        (Some(reason), MessageStatus::Failed | MessageStatus::NotSubmitted | MessageStatus::Uncertain) => {
            Some(explain::failure(code, reason))
        }
        _ => None,
    };
    Ok(MessageView {
        id: r.get(0)?,
        account_id: r.get(1)?,
        to: r.get(2)?,
        kind: if kind == "template" { MessageKind::Template } else { MessageKind::Text },
        template_id: r.get(4)?,
        text: r.get(5)?,
        status,
        provider_message_id: r.get(7)?,
        wamid: r.get(8)?,
        failure,
        retry_of: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

/// The WHERE clause and its parameters for `f`.
fn where_clause(f: &HistoryFilter) -> Result<(String, Vec<Value>)> {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut args: Vec<Value> = Vec::new();
    if let Some(a) = &f.account_id {
        args.push(Value::Text(a.clone()));
        sql.push(format!("account_id = ?{}", args.len()));
    }
    if let Some(statuses) = f.statuses.as_ref().filter(|s| !s.is_empty()) {
        let mut marks = Vec::new();
        for s in statuses {
            args.push(Value::Text(s.as_str().to_owned()));
            marks.push(format!("?{}", args.len()));
        }
        sql.push(format!("status IN ({})", marks.join(", ")));
    }
    if let Some(from) = f.from_ms {
        args.push(Value::Integer(from));
        sql.push(format!("created_at >= ?{}", args.len()));
    }
    if let Some(to) = f.to_ms {
        args.push(Value::Integer(to));
        sql.push(format!("created_at < ?{}", args.len()));
    }
    if let Some(t) = f.template_id.as_ref().filter(|t| !t.trim().is_empty()) {
        args.push(Value::Text(t.trim().to_owned()));
        sql.push(format!("template_id = ?{}", args.len()));
    }
    if let Some(n) = f.number.as_ref().filter(|n| !n.trim().is_empty()) {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(Error::Field("number".into(), "search by digits of the number".into()));
        }
        args.push(Value::Text(format!("%{digits}%")));
        sql.push(format!("destination LIKE ?{}", args.len()));
    }
    Ok((sql.join(" AND "), args))
}

impl Store {
    /// One window of the history: `limit` rows (at most [`MAX_PAGE`]) from `offset`.
    pub fn history_page(&self, filter: &HistoryFilter, offset: u32, limit: u32) -> Result<HistoryPage> {
        let (clause, mut args) = where_clause(filter)?;
        let conn = self.conn()?;
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM messages WHERE {clause}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push(Value::Integer(i64::from(limit.min(MAX_PAGE))));
        args.push(Value::Integer(i64::from(offset)));
        let n = args.len();
        let mut stmt = conn.prepare(&format!(
            "SELECT {VIEW_COLUMNS} FROM messages WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ?{} OFFSET ?{n}",
            n - 1
        ))?;
        let rows = stmt.query_map(params_from_iter(args.iter()), view_of)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(HistoryPage { total: total as u32, offset, rows })
    }

    /// One message.
    pub fn message(&self, id: &str) -> Result<MessageView> {
        self.conn()?
            .query_row(&format!("SELECT {VIEW_COLUMNS} FROM messages WHERE id = ?1"), [id], view_of)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("message {id}")))
    }

    /// One message and every event it received, oldest first.
    pub fn message_detail(&self, id: &str) -> Result<MessageDetail> {
        let message = self.message(id)?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT status, at, received_at, code, reason, advanced FROM message_events
             WHERE message_id = ?1 ORDER BY received_at, id",
        )?;
        let events = stmt
            .query_map([id], |r| {
                Ok(StatusEventView {
                    status: r.get(0)?,
                    at: r.get(1)?,
                    received_at: r.get(2)?,
                    code: r.get(3)?,
                    reason: r.get(4)?,
                    advanced: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let provider: Option<String> = conn
            .query_row("SELECT provider FROM accounts WHERE id = ?1", [&message.account_id], |r| r.get(0))
            .optional()?;
        let reports_only_sent = provider.as_deref() == Some(crate::providers::ProviderKind::Crisp.as_str());
        Ok(MessageDetail { message, events, reports_only_sent })
    }

    /// Writes every message matching `filter` as CSV (RFC 4180, UTF-8, header row); returns rows.
    pub fn export_history_csv(&self, filter: &HistoryFilter, out: impl Write) -> Result<u64> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "created_at_utc",
            "account_id",
            "to",
            "kind",
            "template_id",
            "status",
            "failure_code",
            "failure_reason",
            "explanation",
            "provider_message_id",
            "wamid",
            "text",
            "message_id",
        ])
        .map_err(csv_error)?;
        let mut offset = 0;
        let mut written = 0u64;
        loop {
            let page = self.history_page(filter, offset, MAX_PAGE)?;
            for m in &page.rows {
                let f = m.failure.as_ref();
                w.write_record([
                    utc(m.created_at).as_str(),
                    &m.account_id,
                    &m.to,
                    if m.kind == MessageKind::Template { "template" } else { "text" },
                    m.template_id.as_deref().unwrap_or(""),
                    m.status.as_str(),
                    &f.and_then(|f| f.code).map(|c| c.to_string()).unwrap_or_default(),
                    f.map(|f| f.reason.as_str()).unwrap_or(""),
                    f.map(|f| f.explanation.as_str()).unwrap_or(""),
                    m.provider_message_id.as_deref().unwrap_or(""),
                    m.wamid.as_deref().unwrap_or(""),
                    &csv_safe(&m.text),
                    &m.id,
                ])
                .map_err(csv_error)?;
                written += 1;
            }
            if page.rows.len() < MAX_PAGE as usize {
                break;
            }
            offset += MAX_PAGE;
        }
        w.flush()?;
        Ok(written)
    }
}

impl Store {
    /// Exports the history matching `filter` to a new file `wadesk-history-<UTC time>.csv` in
    /// `dir` (never replacing a file); returns its path and the number of rows. A failed export
    /// removes its partial file.
    pub fn export_history_csv_to_dir(
        &self,
        filter: &HistoryFilter,
        dir: &std::path::Path,
    ) -> Result<(std::path::PathBuf, u64)> {
        export_to_new_file(dir, "wadesk-history", |out| self.export_history_csv(filter, out))
    }
}

/// Writes an export with `write` to a new file `<prefix>-<UTC time>.csv` in `dir` (never replacing
/// one; `-1`, `-2` … when taken); returns its path and what `write` counted. A failed export
/// removes its partial file.
pub(crate) fn export_to_new_file(
    dir: &std::path::Path,
    prefix: &str,
    write: impl FnOnce(std::io::BufWriter<std::fs::File>) -> Result<u64>,
) -> Result<(std::path::PathBuf, u64)> {
    std::fs::create_dir_all(dir)?;
    let stamp: String = utc(crate::store::now_ms()).chars().filter(char::is_ascii_digit).take(14).collect();
    let mut n = 0;
    let (path, file) = loop {
        let name = if n == 0 { format!("{prefix}-{stamp}.csv") } else { format!("{prefix}-{stamp}-{n}.csv") };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e.into()),
        }
    };
    match write(std::io::BufWriter::new(file)) {
        Ok(rows) => Ok((path, rows)),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a formula: such text is
/// prefixed with `'` so an exported message can never execute (CSV injection).
pub(crate) fn csv_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub(crate) fn csv_error(e: csv::Error) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// RFC 3339 in UTC (`2026-12-01T10:15:00.123Z`) for ms since the epoch.
pub fn utc(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Where exports go: `$WADESK_EXPORT_DIR` when set (tests), else the user's Downloads folder,
/// else the home folder.
pub fn export_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("WADESK_EXPORT_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    dirs::download_dir().or_else(dirs::home_dir).unwrap_or_else(|| std::path::PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1580311136040), "2020-01-29T15:18:56.04Z");
        assert_eq!(utc(1_796_083_200_000), "2026-12-01T00:00:00Z");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("Hello"), "Hello");
    }
}
