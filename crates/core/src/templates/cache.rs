//! The per-account template cache: the last successful `/getHSM` answer, parsed.
//!
//! A sync replaces the whole list in one transaction, so a reader never sees half of one. A
//! template that does not parse is kept, marked unusable with the parser's reason, and shown: a
//! provider's odd template must never hide the others nor crash the list (PEERS.md #2). A failed
//! sync keeps the previous list and records why.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::syntax::{self, ParsedTemplate, SendForm};
use super::{TemplateSync, TemplateView};
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::providers::messaging::{ProviderTemplate, TemplateSyntax};
use crate::providers::meta;
use crate::store::{now_ms, Store};

/// A cached template with what sending it needs.
pub(crate) struct CachedTemplate {
    pub view: TemplateView,
    pub parsed: Option<ParsedTemplate>,
}

/// The numbered form of a cached template, or why it cannot be sent; with the id it is listed
/// under when that comes from the template itself.
fn parse_raw(syntax: TemplateSyntax, raw: &str) -> (Option<String>, Result<ParsedTemplate, String>) {
    match syntax {
        TemplateSyntax::ChatArchitect => match syntax::parse(raw) {
            Ok(p) => (Some(p.id.clone()), Ok(p)),
            Err(e) => (None, Err(e.to_string())),
        },
        TemplateSyntax::Meta => {
            let read = serde_json::from_str(raw).map_err(|e| e.to_string()).and_then(|v| meta::templates::read(&v));
            match read {
                Ok(t) => (Some(t.id), t.parsed),
                Err(e) => (None, Err(e)),
            }
        }
    }
}

/// The names of a named template's numbers (empty when positional or unusable).
fn names_of(parsed: &Result<ParsedTemplate, String>) -> Vec<String> {
    match parsed {
        Ok(ParsedTemplate { form: SendForm::Meta { names, .. }, .. }) => names.clone(),
        _ => Vec::new(),
    }
}

fn view_of(account_id: &str, t: &ProviderTemplate, synced_at: i64) -> TemplateView {
    let (id, parsed) = parse_raw(t.syntax, &t.raw);
    let id = id.unwrap_or_else(|| format!("unparsed-{}", &hex::encode(Sha256::digest(t.raw.as_bytes()))[..12]));
    let placeholder_names = names_of(&parsed);
    let (body, placeholders, problem) = match parsed {
        Ok(p) => (p.body, p.placeholders, None),
        Err(why) => (t.raw.clone(), Vec::new(), Some(why)),
    };
    TemplateView {
        account_id: account_id.to_owned(),
        id,
        category: t.category.clone(),
        media: t.media.clone(),
        body,
        usable: problem.is_none(),
        placeholders,
        placeholder_names,
        raw: t.raw.clone(),
        problem,
        synced_at,
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
        for (position, (v, t)) in views.iter().zip(list).enumerate() {
            let syntax = t.syntax.as_str();
            tx.execute(
                "INSERT INTO templates (account_id, id, position, category, media, raw, body, placeholders, problem, synced_at,
                                        syntax)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
                    synced_at,
                    syntax
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
            "SELECT id, category, media, raw, body, placeholders, problem, synced_at, syntax FROM templates
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
                "SELECT id, category, media, raw, body, placeholders, problem, synced_at, syntax FROM templates
                 WHERE account_id = ?1 AND id = ?2",
                [account_id, id],
                |r| row_view(account_id, r),
            )
            .optional()?
            .ok_or_else(|| {
                Error::Field("template_id".into(), "no such template on this account; refresh the templates".into())
            })?;
        let syntax: String =
            conn.query_row("SELECT syntax FROM templates WHERE account_id = ?1 AND id = ?2", [account_id, id], |r| {
                r.get(0)
            })?;
        let parsed = if view.usable { parse_raw(TemplateSyntax::parse(&syntax), &view.raw).1.ok() } else { None };
        Ok(CachedTemplate { view, parsed })
    }
}

fn row_view(account_id: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<TemplateView> {
    let placeholders: String = r.get(5)?;
    let problem: Option<String> = r.get(6)?;
    let raw: String = r.get(3)?;
    let syntax: String = r.get(8)?;
    // Recomputed rather than stored: a cheap parse of a short text, and never out of step.
    let placeholder_names =
        if problem.is_none() { names_of(&parse_raw(TemplateSyntax::parse(&syntax), &raw).1) } else { Vec::new() };
    Ok(TemplateView {
        account_id: account_id.to_owned(),
        id: r.get(0)?,
        category: r.get(1)?,
        media: r.get(2)?,
        raw,
        body: r.get(4)?,
        placeholders: serde_json::from_str(&placeholders).unwrap_or_default(),
        placeholder_names,
        usable: problem.is_none(),
        problem,
        synced_at: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::meta::templates::MetaSend;

    fn meta(json: serde_json::Value) -> ProviderTemplate {
        ProviderTemplate {
            category: "UTILITY".into(),
            media: "TEXT".into(),
            raw: json.to_string(),
            syntax: TemplateSyntax::Meta,
        }
    }

    #[test]
    fn meta_templates_are_cached_listed_and_read_back_for_sending() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        let account = store.seed_sandbox_account().unwrap().id;
        let named = serde_json::json!({"name": "order_ready", "language": "en_US", "status": "APPROVED",
            "parameter_format": "named", "components": [{"type": "BODY", "text": "Hi {{first_name}}, {{order}} is ready"}]});
        let pending = serde_json::json!({"name": "promo", "language": "de", "status": "PENDING",
            "components": [{"type": "BODY", "text": "Neu"}]});
        let sync = store.replace_templates(&account, &[meta(named), meta(pending)]).unwrap();
        assert_eq!((sync.total, sync.unusable), (2, 1));
        let list = store.templates(&account).unwrap();
        assert_eq!(list[0].id, "order_ready:en_US");
        assert_eq!(list[0].body, "Hi {{1}}, {{2}} is ready");
        assert_eq!(list[0].placeholder_names, ["first_name", "order"]);
        assert_eq!((list[1].id.as_str(), list[1].usable), ("promo:de", false));
        assert!(list[1].problem.as_deref().unwrap().contains("PENDING"));

        let cached = store.template(&account, "order_ready:en_US").unwrap();
        let parsed = cached.parsed.expect("usable");
        let values = [(1, "Ann".to_owned()), (2, "A-1".to_owned())];
        let body = syntax::fill(&parsed, &values).unwrap();
        let send: MetaSend = serde_json::from_str(&syntax::send_payload(&parsed, &body, &values)).unwrap();
        assert_eq!((send.name.as_str(), send.language.as_str()), ("order_ready", "en_US"));
        assert_eq!(send.body[1].parameter_name.as_deref(), Some("order"));
        assert!(store.template(&account, "promo:de").unwrap().parsed.is_none());
    }
}
