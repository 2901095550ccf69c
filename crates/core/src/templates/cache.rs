//! The per-account template cache: the last successful `/getHSM` answer, parsed.
//!
//! A sync replaces the whole list in one transaction, so a reader never sees half of one. A
//! template that does not parse is kept, marked unusable with the parser's reason, and shown: a
//! provider's odd template must never hide the others nor crash the list (PEERS.md #2). A failed
//! sync keeps the previous list and records why.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::syntax::{self, ParsedTemplate};
use super::{TemplateSync, TemplateView};
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::providers::messaging::ProviderTemplate;
use crate::store::{now_ms, Store};

/// A cached template with what sending it needs.
pub(crate) struct CachedTemplate {
    pub view: TemplateView,
    pub parsed: Option<ParsedTemplate>,
}

fn view_of(account_id: &str, t: &ProviderTemplate, synced_at: i64) -> TemplateView {
    match syntax::parse(&t.raw) {
        Ok(p) => TemplateView {
            account_id: account_id.to_owned(),
            id: p.id,
            category: t.category.clone(),
            media: t.media.clone(),
            body: p.body,
            placeholders: p.placeholders,
            raw: t.raw.clone(),
            usable: true,
            problem: None,
            synced_at,
        },
        Err(e) => TemplateView {
            account_id: account_id.to_owned(),
            id: format!("unparsed-{}", &hex::encode(Sha256::digest(t.raw.as_bytes()))[..12]),
            category: t.category.clone(),
            media: t.media.clone(),
            body: t.raw.clone(),
            placeholders: Vec::new(),
            raw: t.raw.clone(),
            usable: false,
            problem: Some(e.to_string()),
            synced_at,
        },
    }
}

impl Store {
    /// Replaces account `account_id`'s templates with `list`.
    pub(crate) fn replace_templates(&self, account_id: &str, list: &[ProviderTemplate]) -> Result<TemplateSync> {
        let synced_at = now_ms();
        let mut views: Vec<TemplateView> = Vec::with_capacity(list.len());
        for t in list {
            let mut v = view_of(account_id, t, synced_at);
            // Two entries with one id: the first wins, the other is listed as unusable.
            if views.iter().any(|o| o.id == v.id) {
                v.id = format!("{}-duplicate-{}", v.id, views.len());
                v.usable = false;
                v.problem = Some("the provider listed this template id twice; only the first can be sent".into());
            }
            views.push(v);
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM templates WHERE account_id = ?1", [account_id])?;
        for (position, v) in views.iter().enumerate() {
            tx.execute(
                "INSERT INTO templates (account_id, id, position, category, media, raw, body, placeholders, problem, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    account_id,
                    v.id,
                    position as i64,
                    v.category,
                    v.media,
                    v.raw,
                    v.body,
                    serde_json::to_string(&v.placeholders).unwrap_or_else(|_| "[]".into()),
                    v.problem,
                    synced_at
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO account_messaging (account_id, templates_synced_at, templates_error) VALUES (?1, ?2, NULL)
             ON CONFLICT (account_id) DO UPDATE SET templates_synced_at = excluded.templates_synced_at,
                                                    templates_error = NULL",
            params![account_id, synced_at],
        )?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Templates { account_id: account_id.to_owned() }]);
        let unusable = views.iter().filter(|v| !v.usable).count() as u32;
        Ok(TemplateSync { account_id: account_id.to_owned(), total: views.len() as u32, unusable, synced_at })
    }

    /// Records why a sync failed; the previous list stays.
    pub(crate) fn record_template_sync_error(&self, account_id: &str, error: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO account_messaging (account_id, templates_error) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET templates_error = excluded.templates_error",
            params![account_id, error],
        )?;
        self.announce([Change::Templates { account_id: account_id.to_owned() }]);
        Ok(())
    }

    /// Account `account_id`'s templates in the provider's order.
    pub fn templates(&self, account_id: &str) -> Result<Vec<TemplateView>> {
        self.account(account_id)?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, category, media, raw, body, placeholders, problem, synced_at FROM templates
             WHERE account_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([account_id], |r| row_view(account_id, r))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One template, with its parsed form when usable.
    pub(crate) fn template(&self, account_id: &str, id: &str) -> Result<CachedTemplate> {
        let conn = self.conn()?;
        let view = conn
            .query_row(
                "SELECT id, category, media, raw, body, placeholders, problem, synced_at FROM templates
                 WHERE account_id = ?1 AND id = ?2",
                [account_id, id],
                |r| row_view(account_id, r),
            )
            .optional()?
            .ok_or_else(|| {
                Error::Field("template_id".into(), "no such template on this account; refresh the templates".into())
            })?;
        let parsed = if view.usable { syntax::parse(&view.raw).ok() } else { None };
        Ok(CachedTemplate { view, parsed })
    }
}

fn row_view(account_id: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<TemplateView> {
    let placeholders: String = r.get(5)?;
    let problem: Option<String> = r.get(6)?;
    Ok(TemplateView {
        account_id: account_id.to_owned(),
        id: r.get(0)?,
        category: r.get(1)?,
        media: r.get(2)?,
        raw: r.get(3)?,
        body: r.get(4)?,
        placeholders: serde_json::from_str(&placeholders).unwrap_or_default(),
        usable: problem.is_none(),
        problem,
        synced_at: r.get(7)?,
    })
}
