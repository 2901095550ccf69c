//! SendZen onboardings as this install keeps them (seed 001), and the one place they complete.
//!
//! A row is written when `POST /v1/partner/onboard` answers; it holds the customer's `api_key`
//! (a secret) until the onboarding completes, when the key moves to the account. The result comes
//! three ways, and only two are trusted: the webhook to this install's hook URL for the customer
//! (a capability URL, with the project id checked against the row), and `GET /v1/waba` with the
//! customer's key listing the WhatsApp number. The iframe's `postMessage` is a hint that makes the
//! app ask `GET /v1/waba` at once. All land through [`complete`], idempotently.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::accounts::{insert_account_as, set_credential, CredentialInput, NewAccount};
use crate::error::{Error, Result};
use crate::providers::fields::one_line;
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::{now_ms, Store};
use crate::webhooks::Outcome;

/// The name of a new account until its number is known.
pub(crate) const DEFAULT_NAME: &str = "SendZen number";

/// How long SendZen's iframe URL is good for (seed 001: "valid for 1 hour").
pub const IFRAME_TTL_MS: i64 = 3_600_000;

/// Where an onboarding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingStatus {
    /// The iframe was handed out; nothing came back yet.
    Started,
    /// The number is connected and the account exists.
    Completed,
    /// SendZen reported a failure (or the customer cancelled); a retry starts over.
    Failed,
}

impl OnboardingStatus {
    fn parse(s: &str) -> Result<OnboardingStatus> {
        Ok(match s {
            "started" => OnboardingStatus::Started,
            "completed" => OnboardingStatus::Completed,
            "failed" => OnboardingStatus::Failed,
            other => return Err(Error::StoreCorrupt(format!("unknown SendZen onboarding status {other:?}"))),
        })
    }
}

/// An onboarding as the UI and CLI see it. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OnboardingView {
    /// The `client_identifier`: the id of the account it becomes.
    pub client_identifier: String,
    /// `sandbox` or `partner`.
    pub mode: String,
    /// Where it stands.
    pub status: OnboardingStatus,
    /// The iframe to load (good until `iframe_expires_at`).
    pub iframe_url: String,
    /// The only origin whose `postMessage`s count.
    pub iframe_origin: String,
    /// When the iframe URL stops working (ms).
    #[ts(type = "number")]
    pub iframe_expires_at: i64,
    /// Whether SendZen could reach this install's webhook URL.
    pub webhook_valid: bool,
    /// SendZen's words about it.
    pub webhook_detail: Option<String>,
    /// SendZen's project.
    pub project_id: String,
    /// Its name.
    pub project_name: Option<String>,
    /// Why it failed.
    pub failure_message: Option<String>,
    /// The account, once completed.
    pub account_id: Option<String>,
    /// The WhatsApp Business Account, once completed.
    pub waba_id: Option<String>,
    /// The number's id, once completed.
    pub phone_number_id: Option<String>,
    /// `webhook` or `check`: how the completion was learnt.
    pub completed_via: Option<String>,
    /// When it started (ms).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A new onboarding row.
pub(crate) struct NewOnboarding<'a> {
    pub client_identifier: &'a str,
    pub mode: &'a str,
    pub base_url: &'a str,
    pub project_id: &'a str,
    pub project_name: Option<&'a str>,
    pub api_key: &'a Secret,
    pub iframe_url: &'a str,
    pub webhook_valid: bool,
    pub webhook_detail: Option<&'a str>,
}

/// A completed onboarding's WhatsApp identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completion<'a> {
    pub client_identifier: &'a str,
    pub waba_id: &'a str,
    pub phone_number_id: Option<&'a str>,
    /// `webhook` or `check`.
    pub via: &'a str,
}

const COLUMNS: &str = "client_identifier, mode, status, iframe_url, iframe_expires_at, webhook_valid, webhook_detail,
    project_id, project_name, failure_message, account_id, waba_id, phone_number_id, completed_via, created_at";

fn row_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<(OnboardingView, String)> {
    let iframe_url: String = r.get(3)?;
    let status: String = r.get(2)?;
    let view = OnboardingView {
        client_identifier: r.get(0)?,
        mode: r.get(1)?,
        status: OnboardingStatus::Started,
        iframe_origin: crate::providers::chatarchitect::registration::origin_of(&iframe_url).unwrap_or_default(),
        iframe_url,
        iframe_expires_at: r.get(4)?,
        webhook_valid: r.get(5)?,
        webhook_detail: r.get(6)?,
        project_id: r.get(7)?,
        project_name: r.get(8)?,
        failure_message: r.get(9)?,
        account_id: r.get(10)?,
        waba_id: r.get(11)?,
        phone_number_id: r.get(12)?,
        completed_via: r.get(13)?,
        created_at: r.get(14)?,
    };
    Ok((view, status))
}

impl Store {
    /// Records a new onboarding, or (same `client_identifier`: a retry or a fresh iframe) replaces
    /// the iframe and key of the one there, keeping its history.
    pub(crate) fn upsert_sendzen_onboarding(&self, o: &NewOnboarding<'_>) -> Result<()> {
        let now = now_ms();
        self.conn()?.execute(
            "INSERT INTO sendzen_onboardings (client_identifier, mode, base_url, project_id, project_name, api_key,
                 iframe_url, iframe_expires_at, webhook_valid, webhook_detail, status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'started', ?11, ?11)
             ON CONFLICT (client_identifier) DO UPDATE SET mode = excluded.mode, base_url = excluded.base_url,
                 project_id = excluded.project_id, project_name = excluded.project_name, api_key = excluded.api_key,
                 iframe_url = excluded.iframe_url, iframe_expires_at = excluded.iframe_expires_at,
                 webhook_valid = excluded.webhook_valid, webhook_detail = excluded.webhook_detail,
                 status = CASE status WHEN 'completed' THEN 'completed' ELSE 'started' END,
                 failure_message = NULL, updated_at = excluded.updated_at",
            params![
                o.client_identifier,
                o.mode,
                o.base_url,
                o.project_id,
                o.project_name,
                o.api_key.expose(),
                o.iframe_url,
                now + IFRAME_TTL_MS,
                o.webhook_valid,
                o.webhook_detail,
                now
            ],
        )?;
        Ok(())
    }

    /// One onboarding.
    pub fn sendzen_onboarding(&self, client_identifier: &str) -> Result<OnboardingView> {
        let conn = self.conn()?;
        let found = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM sendzen_onboardings WHERE client_identifier = ?1"),
                [client_identifier],
                row_view,
            )
            .optional()?;
        let (mut view, status) =
            found.ok_or_else(|| Error::NotFound(format!("SendZen onboarding {client_identifier}")))?;
        view.status = OnboardingStatus::parse(&status)?;
        Ok(view)
    }

    /// Onboardings, newest first.
    pub fn sendzen_onboardings(&self) -> Result<Vec<OnboardingView>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM sendzen_onboardings ORDER BY created_at DESC"))?;
        let rows = stmt.query_map([], row_view)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut v, s)| {
                v.status = OnboardingStatus::parse(&s)?;
                Ok(v)
            })
            .collect()
    }

    /// The endpoint and customer key of an onboarding (for the completion check).
    pub(crate) fn sendzen_onboarding_access(&self, client_identifier: &str) -> Result<(String, Secret)> {
        self.conn()?
            .query_row(
                "SELECT base_url, api_key FROM sendzen_onboardings WHERE client_identifier = ?1",
                [client_identifier],
                |r| Ok((r.get::<_, String>(0)?, Secret::new(r.get::<_, String>(1)?))),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("SendZen onboarding {client_identifier}")))
    }

    /// Records a failure SendZen reported (not after a completion: a late failure changes nothing).
    pub(crate) fn fail_sendzen_onboarding(&self, client_identifier: &str, message: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE sendzen_onboardings SET status = 'failed', failure_message = ?2, updated_at = ?3
             WHERE client_identifier = ?1 AND status <> 'completed'",
            params![client_identifier, one_line(message, 300), now_ms()],
        )?;
        Ok(())
    }

    /// [`complete`] in a transaction of its own.
    pub(crate) fn complete_sendzen_onboarding(&self, c: &Completion<'_>) -> Result<Outcome> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let outcome = complete(&tx, c)?;
        tx.commit()?;
        Ok(outcome)
    }
}

/// Completes an onboarding inside `tx`: creates the account (its id is the `client_identifier`)
/// or, for a re-onboarding of an existing account, replaces its key; writes its link. A repeat
/// with the same WABA is a duplicate.
pub(crate) fn complete(tx: &Transaction<'_>, c: &Completion<'_>) -> Result<Outcome> {
    let row = tx
        .query_row(
            "SELECT mode, status, api_key, project_id, project_name, waba_id, base_url FROM sendzen_onboardings
             WHERE client_identifier = ?1",
            [c.client_identifier],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    Secret::new(r.get::<_, String>(2)?),
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((mode, status, api_key, project_id, project_name, waba, base_url)) = row else {
        return Ok(Outcome::Unmatched(format!(
            "SendZen result for onboarding {}, which this install did not start",
            c.client_identifier
        )));
    };
    let exists =
        tx.query_row("SELECT 1 FROM accounts WHERE id = ?1", [c.client_identifier], |_| Ok(())).optional()?.is_some();
    if status == "completed" && waba.as_deref() == Some(c.waba_id) && exists {
        return Ok(Outcome::Duplicate);
    }
    if exists {
        set_credential(tx, c.client_identifier, "api_key", &api_key)?;
    } else {
        insert_onboarded_account(tx, c.client_identifier, &mode, base_url, &api_key, project_name)?;
    }
    let now = now_ms();
    tx.execute(
        "INSERT INTO sendzen_links (account_id, client_identifier, project_id, waba_id, phone_number_id, updated_at)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id) DO UPDATE SET project_id = excluded.project_id, waba_id = excluded.waba_id,
             phone_number_id = excluded.phone_number_id, updated_at = excluded.updated_at",
        params![c.client_identifier, project_id, c.waba_id, c.phone_number_id, now],
    )?;
    tx.execute(
        "UPDATE sendzen_onboardings SET status = 'completed', account_id = ?1, waba_id = ?2, phone_number_id = ?3,
             completed_via = ?4, failure_message = NULL, updated_at = ?5
         WHERE client_identifier = ?1",
        params![c.client_identifier, c.waba_id, c.phone_number_id, c.via, now],
    )?;
    tracing::info!(account = %c.client_identifier, via = c.via, "SendZen onboarding completed; the number is connected");
    Ok(Outcome::Applied)
}

/// The new account of a completed onboarding: id `client_identifier`, the customer's key, and
/// the endpoint the onboarding went to (the partner endpoint is SendZen's API).
fn insert_onboarded_account(
    tx: &Transaction<'_>,
    client_identifier: &str,
    mode: &str,
    base_url: String,
    api_key: &Secret,
    project_name: Option<String>,
) -> Result<()> {
    // A project named after its client_identifier (our account id) says nothing to a person.
    let name = project_name
        .map(|n| one_line(&n, 60))
        .filter(|n| !n.is_empty() && n != client_identifier)
        .unwrap_or_else(|| DEFAULT_NAME.into());
    let account = NewAccount {
        provider: ProviderKind::Sendzen,
        display_name: name,
        base_url: if mode == "sandbox" { EMBEDDED_SANDBOX_URL.to_owned() } else { base_url },
        credentials: vec![CredentialInput { name: "api_key".into(), value: api_key.expose().to_owned() }],
    };
    insert_account_as(tx, client_identifier, account)?;
    Ok(())
}

/// The seed's result body (webhook and `postMessage`): `{status: "completed", project_id,
/// client_identifier, waba_id, phone_number_id}` or `{status: "failed", …, message}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResultBody {
    /// `completed` or `failed`.
    pub status: String,
    /// The project.
    pub project_id: String,
    /// As given at onboarding.
    pub client_identifier: String,
    /// On completion.
    #[serde(default)]
    pub waba_id: Option<String>,
    /// On completion.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// On failure.
    #[serde(default)]
    pub message: Option<String>,
}

/// Whether a SendZen webhook body is a validation request (`{"event": "webhook.validation", …}`).
pub(crate) fn is_validation(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).ok().is_some_and(|v| {
        v.get("object").is_none() && v.get("event").and_then(|e| e.as_str()) == Some("webhook.validation")
    })
}

/// Whether a SendZen webhook body is an onboarding result rather than a Meta envelope.
pub(crate) fn is_result(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("object").is_none() && v.get("status").is_some() && v.get("project_id").is_some())
}

/// Applies an onboarding result webhook for `client_identifier` (the hook path's) inside `tx`.
pub(crate) fn apply_result(tx: &Transaction<'_>, client_identifier: &str, body: &[u8]) -> Result<Outcome> {
    let r: ResultBody = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Rejected(format!("SendZen onboarding result: {e}"))),
    };
    if r.client_identifier != client_identifier {
        return Ok(Outcome::Rejected("SendZen onboarding result names another client_identifier than its URL".into()));
    }
    let project: Option<String> = tx
        .query_row(
            "SELECT project_id FROM sendzen_onboardings WHERE client_identifier = ?1",
            [client_identifier],
            |r| r.get(0),
        )
        .optional()?;
    match project {
        None => {
            return Ok(Outcome::Unmatched(format!(
                "SendZen result for onboarding {client_identifier}, which this install did not start"
            )))
        }
        Some(p) if p != r.project_id => {
            return Ok(Outcome::Rejected("SendZen onboarding result names another project than the onboarding".into()))
        }
        Some(_) => {}
    }
    match r.status.as_str() {
        "completed" => match r.waba_id.as_deref().filter(|w| valid_id(w)) {
            Some(waba_id) => complete(
                tx,
                &Completion {
                    client_identifier,
                    waba_id,
                    phone_number_id: r.phone_number_id.as_deref().filter(|p| valid_id(p)),
                    via: "webhook",
                },
            ),
            None => Ok(Outcome::Rejected("SendZen onboarding result: completed without a usable waba_id".into())),
        },
        "failed" => {
            let message =
                r.message.as_deref().map(|m| one_line(m, 300)).unwrap_or_else(|| "SendZen gave no reason".into());
            tx.execute(
                "UPDATE sendzen_onboardings SET status = 'failed', failure_message = ?2, updated_at = ?3
                 WHERE client_identifier = ?1 AND status <> 'completed'",
                params![client_identifier, message, now_ms()],
            )?;
            Ok(Outcome::Applied)
        }
        other => Ok(Outcome::Rejected(format!("SendZen onboarding result: unknown status {:?}", one_line(other, 40)))),
    }
}

/// A WhatsApp id as SendZen reports them (digits in practice; anything id-shaped is kept).
pub(crate) fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
