//! Linked Gupshup apps as this install keeps them (seed 002), where each stands, and the one place
//! a link becomes an account.
//!
//! A row is written when `POST /partner/tpp/app` answers with the app id; the app token (a
//! secret) follows from `GET …/token`. The pipeline's answers are kept as reported and shown in
//! plain words; the live event (through the relay, behind the link's secret) marks it live; then
//! the subscription is made and the account created.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use super::partner_api::Pipeline;
use crate::accounts::{insert_account_as, set_credential, CredentialInput, NewAccount};
use crate::error::{Error, Result};
use crate::providers::fields::one_line;
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::{now_ms, Store};

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GupshupStage {
    /// Gupshup is setting the app up (the pipeline).
    Provisioning,
    /// The pipeline reported an error; Gupshup retries three times before it fails (seed 002).
    PipelineError,
    /// The pipeline is done; waiting for Gupshup's live event.
    AwaitingLive,
    /// The live event came; the subscription and the account are next.
    Live,
    /// Subscribed; the account exists.
    Connected,
}

/// A link as the UI and CLI see it. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GupshupLinkView {
    /// Its id, also the id of the account it becomes.
    pub id: String,
    /// `sandbox` or `partner`.
    pub mode: String,
    /// Where it stands.
    pub stage: GupshupStage,
    /// The stage in plain words.
    pub stage_text: String,
    /// The Gupshup app.
    pub app_name: String,
    /// Gupshup's app id.
    pub app_id: String,
    /// The WABA.
    pub waba_id: String,
    /// The number, digits.
    pub phone: String,
    /// The pipeline's last answer, as Gupshup reported it.
    pub pipeline: Option<Pipeline>,
    /// The last call's failure, with its next step.
    pub last_error: Option<String>,
    /// When the pipeline is asked next (ms); earlier follows answer from the store.
    #[ts(type = "number")]
    pub next_poll_at: i64,
    /// The account, once connected.
    pub account_id: Option<String>,
    /// When it was linked (ms).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A new link row.
pub(crate) struct NewLink<'a> {
    pub id: &'a str,
    pub mode: &'a str,
    pub partner_url: &'a str,
    pub app_name: &'a str,
    pub waba_id: &'a str,
    pub phone: &'a str,
    pub app_id: &'a str,
    pub hook_secret: &'a Secret,
}

/// The pipeline in plain words (seed 002's stage names; the rest shown as reported).
pub fn pipeline_text(p: &Pipeline) -> String {
    let stage = p.pipe_line_stage.as_deref().unwrap_or("");
    let creation = p.creation_stage.as_deref().unwrap_or("");
    if creation == "ERROR" {
        return format!("Gupshup hit an error at {} and retries up to three times before it gives up.", words(stage));
    }
    if stage == "FINALIZE" && p.whatsapp_verification_status.as_deref() == Some("WHATSAPP_VERIFICATION_DONE") {
        return "Gupshup finished setting the number up; waiting for its live event.".into();
    }
    let mut parts = vec![format!("Gupshup is at {}", words(stage))];
    if let Some(v) = p.whatsapp_verification_status.as_deref().filter(|v| !v.is_empty()) {
        parts.push(format!("verification: {}", words(v)));
    }
    if let Some(u) = p.ui_form_stage.as_deref().filter(|v| !v.is_empty()) {
        parts.push(format!("next: {}", words(u)));
    }
    format!("{}.", parts.join("; "))
}

/// `CREATE_DOCKER` → "create docker".
fn words(stage: &str) -> String {
    if stage.is_empty() {
        return "an unnamed stage".into();
    }
    one_line(&stage.replace('_', " ").to_lowercase(), 80)
}

fn stage_of(pipeline: Option<&Pipeline>, live: bool, account: bool) -> GupshupStage {
    match (account, live, pipeline) {
        (true, _, _) => GupshupStage::Connected,
        (false, true, _) => GupshupStage::Live,
        (false, false, Some(p)) if p.creation_stage.as_deref() == Some("ERROR") => GupshupStage::PipelineError,
        (false, false, Some(p)) if p.pipe_line_stage.as_deref() == Some("FINALIZE") => GupshupStage::AwaitingLive,
        _ => GupshupStage::Provisioning,
    }
}

const COLUMNS: &str = "id, mode, app_name, app_id, waba_id, phone, pipeline_json, live, last_error, next_poll_at,
    account_id, created_at";

fn row_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<GupshupLinkView> {
    let pipeline: Option<Pipeline> = r.get::<_, Option<String>>(6)?.and_then(|j| serde_json::from_str(&j).ok());
    let live: bool = r.get(7)?;
    let account_id: Option<String> = r.get(10)?;
    let stage = stage_of(pipeline.as_ref(), live, account_id.is_some());
    let stage_text = match stage {
        GupshupStage::Connected => "Connected: the app is live and subscribed.".to_owned(),
        GupshupStage::Live => "Live: subscribing this install to the app's events…".to_owned(),
        _ => pipeline.as_ref().map(pipeline_text).unwrap_or_else(|| "Gupshup is creating the app…".into()),
    };
    Ok(GupshupLinkView {
        id: r.get(0)?,
        mode: r.get(1)?,
        stage,
        stage_text,
        app_name: r.get(2)?,
        app_id: r.get(3)?,
        waba_id: r.get(4)?,
        phone: r.get(5)?,
        pipeline,
        last_error: r.get(8)?,
        next_poll_at: r.get(9)?,
        account_id,
        created_at: r.get(11)?,
    })
}

impl Store {
    /// Records a linked app.
    pub(crate) fn insert_gupshup_link(&self, l: &NewLink<'_>) -> Result<()> {
        let now = now_ms();
        self.conn()?.execute(
            "INSERT INTO gupshup_links (id, mode, partner_url, app_name, waba_id, phone, app_id, hook_secret,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![l.id, l.mode, l.partner_url, l.app_name, l.waba_id, l.phone, l.app_id, l.hook_secret.expose(), now],
        )?;
        Ok(())
    }

    /// One link.
    pub fn gupshup_link(&self, id: &str) -> Result<GupshupLinkView> {
        self.conn()?
            .query_row(&format!("SELECT {COLUMNS} FROM gupshup_links WHERE id = ?1"), [id], row_view)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("Gupshup link {id}")))
    }

    /// Links, newest first.
    pub fn gupshup_links(&self) -> Result<Vec<GupshupLinkView>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM gupshup_links ORDER BY created_at DESC"))?;
        let rows = stmt.query_map([], row_view)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// `(partner_url, app_token, hook_secret)` of a link.
    pub(crate) fn gupshup_link_access(&self, id: &str) -> Result<(String, Option<Secret>, Secret)> {
        self.conn()?
            .query_row("SELECT partner_url, app_token, hook_secret FROM gupshup_links WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.map(Secret::new), Secret::new(r.get::<_, String>(2)?)))
            })
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("Gupshup link {id}")))
    }

    pub(crate) fn set_gupshup_app_token(&self, id: &str, token: &Secret) -> Result<()> {
        self.conn()?.execute(
            "UPDATE gupshup_links SET app_token = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, token.expose(), now_ms()],
        )?;
        Ok(())
    }

    /// Keeps the pipeline's answer and when to ask next: soon after a change, then backing off
    /// (1 s doubling to 30 s) while it stays the same. Seed 002 allows 10 requests per second.
    pub(crate) fn record_gupshup_pipeline(&self, id: &str, p: &Pipeline) -> Result<()> {
        let conn = self.conn()?;
        let (old, polls): (Option<String>, u32) =
            conn.query_row("SELECT pipeline_json, polls FROM gupshup_links WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let json = serde_json::to_string(p).unwrap_or_default();
        let unchanged = old.as_deref() == Some(json.as_str());
        let polls = if unchanged { polls.saturating_add(1) } else { 0 };
        let wait = (1000i64 << polls.min(5)).min(30_000);
        conn.execute(
            "UPDATE gupshup_links SET pipeline_json = ?2, polls = ?3, next_poll_at = ?4, last_error = NULL,
                 pipeline_error = pipeline_error + ?5, updated_at = ?6
             WHERE id = ?1",
            params![id, json, polls, now_ms() + wait, p.creation_stage.as_deref() == Some("ERROR"), now_ms()],
        )?;
        Ok(())
    }

    /// Keeps a call's failure (with its next step) and waits before asking again.
    pub(crate) fn record_gupshup_error(&self, id: &str, error: &str, wait_ms: i64) -> Result<()> {
        self.conn()?.execute(
            "UPDATE gupshup_links SET last_error = ?2, next_poll_at = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, one_line(error, 400), now_ms() + wait_ms, now_ms()],
        )?;
        Ok(())
    }

    /// Connected: the subscription made and the account created (provider Gupshup, its app id and
    /// token, the number as its sending number). Idempotent by link id.
    pub(crate) fn complete_gupshup_link(&self, id: &str, subscription_id: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        type Row = (String, String, String, Option<String>, String, String, Option<String>, String);
        let (mode, partner_url, app_id, token, secret, phone, account, app_name): Row = tx.query_row(
            "SELECT mode, partner_url, app_id, app_token, hook_secret, phone, account_id, app_name
             FROM gupshup_links WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )?;
        if account.is_some() {
            return Ok(());
        }
        let token = token.ok_or_else(|| Error::Internal("a live Gupshup link without its app token".into()))?;
        let exists = tx.query_row("SELECT 1 FROM accounts WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some();
        if !exists {
            let account = NewAccount {
                provider: ProviderKind::Gupshup,
                display_name: format!("Gupshup +{phone}"),
                base_url: if mode == "sandbox" { EMBEDDED_SANDBOX_URL.to_owned() } else { partner_url },
                credentials: vec![
                    CredentialInput { name: "app_id".into(), value: app_id },
                    CredentialInput { name: "app_token".into(), value: token },
                ],
            };
            insert_account_as(&tx, id, account)?;
            // Kept beside the documented credentials: the callbacks' secret and the v2 `src.name`.
            set_credential(&tx, id, "hook_secret", &Secret::new(secret))?;
            set_credential(&tx, id, "app_name", &Secret::new(app_name))?;
        }
        tx.execute(
            "UPDATE gupshup_links SET account_id = ?1, subscription_id = ?2, last_error = NULL, updated_at = ?3
             WHERE id = ?1",
            params![id, subscription_id, now_ms()],
        )?;
        tx.commit()?;
        tracing::info!(account = %id, "Gupshup app is live and subscribed; the number is connected");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(creation: &str, stage: &str, verification: &str) -> Pipeline {
        Pipeline {
            creation_stage: Some(creation.into()),
            pipe_line_stage: Some(stage.into()),
            whatsapp_verification_status: Some(verification.into()),
            ..Pipeline::default()
        }
    }

    #[test]
    fn the_seeds_pipeline_answers_read_as_plain_stages() {
        let done = p("WHATSAPP_PROVISIONING_DONE", "FINALIZE", "WHATSAPP_VERIFICATION_DONE");
        assert_eq!(stage_of(Some(&done), false, false), GupshupStage::AwaitingLive);
        assert!(pipeline_text(&done).contains("waiting for its live event"));
        let error = p("ERROR", "CREATE_DOCKER", "PN_DN_APPROVED");
        assert_eq!(stage_of(Some(&error), false, false), GupshupStage::PipelineError);
        assert!(pipeline_text(&error).contains("create docker") && pipeline_text(&error).contains("three times"));
        assert_eq!(stage_of(Some(&error), true, false), GupshupStage::Live);
        assert_eq!(stage_of(None, false, true), GupshupStage::Connected);
    }
}
