//! Registration sessions as this install keeps them, and the one place credentials land.
//!
//! A session row is written when `create_session` answers; its status follows what the provider
//! reports (`result`) and what the signed webhook proves. Credentials land through
//! [`credentials_landed`] only — from the verified webhook or from the authenticated `result`
//! call — inside the caller's transaction, idempotently by registration id.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;

use super::settings::RegistrationMode;
use crate::accounts::{insert_account, set_credential, CredentialInput, NewAccount};
use crate::error::{Error, Result};
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::{now_ms, Store};
use crate::webhooks::Outcome;

/// A session's status: the seed's in-progress statuses, `completed`, and `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    #[allow(missing_docs)]
    Started,
    #[allow(missing_docs)]
    PhoneCodeSent,
    #[allow(missing_docs)]
    PhoneVerified,
    #[allow(missing_docs)]
    FormCompleted,
    #[allow(missing_docs)]
    FbStarted,
    #[allow(missing_docs)]
    Completed,
    #[allow(missing_docs)]
    Expired,
}

impl RegistrationStatus {
    /// Parses a status as the Partner API spells it.
    pub fn parse(s: &str) -> Option<RegistrationStatus> {
        Some(match s {
            "started" => RegistrationStatus::Started,
            "phone_code_sent" => RegistrationStatus::PhoneCodeSent,
            "phone_verified" => RegistrationStatus::PhoneVerified,
            "form_completed" => RegistrationStatus::FormCompleted,
            "fb_started" => RegistrationStatus::FbStarted,
            "completed" => RegistrationStatus::Completed,
            "expired" => RegistrationStatus::Expired,
            _ => return None,
        })
    }

    /// The Partner API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Started => "started",
            RegistrationStatus::PhoneCodeSent => "phone_code_sent",
            RegistrationStatus::PhoneVerified => "phone_verified",
            RegistrationStatus::FormCompleted => "form_completed",
            RegistrationStatus::FbStarted => "fb_started",
            RegistrationStatus::Completed => "completed",
            RegistrationStatus::Expired => "expired",
        }
    }

    /// Whether nothing more will happen to the session.
    pub fn is_final(self) -> bool {
        matches!(self, RegistrationStatus::Completed | RegistrationStatus::Expired)
    }
}

/// A registration as the UI and CLI see it. Holds no secret: the app id is masked and the app
/// secret never leaves the store.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RegistrationView {
    /// The provider's session id.
    pub registration_id: String,
    /// Sandbox or the real partner API.
    pub mode: RegistrationMode,
    /// Last known status.
    pub status: RegistrationStatus,
    /// What the registration iframe loads (safe for the frontend, per the seed).
    pub iframe_url: String,
    /// The registration domain's origin: the only origin whose iframe messages count.
    pub registration_origin: String,
    /// The origin given as `parent_origin`: the host page's.
    pub parent_origin: String,
    /// The host page to frame in the app: it frames `iframe_url` and forwards its messages.
    pub host_url: String,
    /// When the session expires (RFC 3339, from the provider).
    pub expires_at: String,
    /// The account the credentials landed in, once completed.
    pub account_id: Option<String>,
    /// The app id, masked, once completed.
    pub app_id_masked: Option<String>,
    /// The registered phone number, once completed.
    pub phone: Option<String>,
    /// `webhook` or `result`: how the credentials arrived.
    pub completed_via: Option<String>,
    /// The last error seen for this session (e.g. a failed fallback poll).
    pub last_error: Option<String>,
    /// Creation time, ms since the epoch.
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Path of the host page on the relay (see `wadesk_relay::embed`).
pub const HOST_PAGE_PATH: &str = "/embed/registration";

/// How credentials arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompletionSource {
    Webhook,
    Result,
}

/// A completed registration's credentials, however they arrived.
#[derive(Debug, Clone)]
pub(crate) struct Completion {
    pub registration_id: String,
    pub app_id: String,
    pub app_secret: Secret,
    pub phone: Option<String>,
    pub completed_at: Option<String>,
    pub source: CompletionSource,
}

/// Stores `c`'s credentials inside `tx`: creates the account on the first completion, updates its
/// credentials if a later one carries a different app id, and is a duplicate otherwise.
/// The name a registered number's new account gets. The phone comes from the provider, so only its
/// digits are kept (at most 20): whatever else it holds must not fail the completion nor reach
/// the screen (a text-direction mark would pass for part of the number).
fn name_for_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).take(20).collect();
    if digits.is_empty() {
        "WhatsApp number".to_owned()
    } else {
        format!("WhatsApp +{digits}")
    }
}

pub(crate) fn credentials_landed(tx: &Transaction<'_>, c: &Completion) -> Result<Outcome> {
    let row = tx
        .query_row(
            "SELECT mode, account_id, app_id, status FROM registrations WHERE registration_id = ?1",
            [&c.registration_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("registration {}", c.registration_id)))?;
    let (mode, account_id, app_id, status) = row;
    let account_exists = match &account_id {
        Some(id) => tx.query_row("SELECT 1 FROM accounts WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some(),
        None => false,
    };
    if status == "completed" && app_id.as_deref() == Some(c.app_id.as_str()) && account_exists {
        return Ok(Outcome::Duplicate);
    }
    let account_id = match account_id.filter(|_| account_exists) {
        Some(id) => {
            set_credential(tx, &id, "app_id", &Secret::new(c.app_id.clone()))?;
            set_credential(tx, &id, "app_secret", &c.app_secret)?;
            id
        }
        None => {
            let sandbox = RegistrationMode::parse(&mode)? == RegistrationMode::Sandbox;
            let name = name_for_phone(c.phone.as_deref().unwrap_or(""));
            insert_account(
                tx,
                NewAccount {
                    provider: ProviderKind::Chatarchitect,
                    display_name: name,
                    base_url: if sandbox {
                        EMBEDDED_SANDBOX_URL.to_owned()
                    } else {
                        ProviderKind::Chatarchitect.default_base_url().to_owned()
                    },
                    credentials: vec![
                        CredentialInput { name: "app_id".into(), value: c.app_id.clone() },
                        CredentialInput { name: "app_secret".into(), value: c.app_secret.expose().to_owned() },
                    ],
                },
            )?
        }
    };
    let via = match c.source {
        CompletionSource::Webhook => "webhook",
        CompletionSource::Result => "result",
    };
    tx.execute(
        "UPDATE registrations SET status = 'completed', account_id = ?2, app_id = ?3, phone = ?4, completed_at = ?5,
                completed_via = ?6, last_error = NULL, updated_at = ?7
         WHERE registration_id = ?1",
        params![c.registration_id, account_id, c.app_id, c.phone, c.completed_at, via, now_ms()],
    )?;
    tracing::info!(registration = %c.registration_id, account = %account_id, via, "registration completed; credentials stored");
    Ok(Outcome::Applied)
}

/// A new session row.
pub(crate) struct NewSession<'a> {
    pub registration_id: &'a str,
    pub mode: RegistrationMode,
    pub base_url: &'a str,
    pub parent_origin: &'a str,
    pub partner_state: &'a str,
    pub partner_user_id: &'a str,
    pub integration: &'a str,
    pub lang: &'a str,
    pub iframe_url: &'a str,
    pub status: RegistrationStatus,
    pub expires_at: &'a str,
    pub account_id: Option<&'a str>,
}

impl Store {
    pub(crate) fn insert_registration(&self, s: &NewSession<'_>) -> Result<()> {
        let now = now_ms();
        self.conn()?.execute(
            "INSERT INTO registrations (registration_id, mode, base_url, parent_origin, partner_state, partner_user_id,
                 integration, lang, iframe_url, status, expires_at, account_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
            params![
                s.registration_id,
                s.mode.as_str(),
                s.base_url,
                s.parent_origin,
                s.partner_state,
                s.partner_user_id,
                s.integration,
                s.lang,
                s.iframe_url,
                s.status.as_str(),
                s.expires_at,
                s.account_id,
                now
            ],
        )?;
        Ok(())
    }

    /// Records a status the provider reported (never moves a completed session back).
    pub(crate) fn set_registration_status(
        &self,
        id: &str,
        status: RegistrationStatus,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn()?.execute(
            "UPDATE registrations SET status = CASE WHEN status = 'completed' THEN status ELSE ?2 END,
                    last_error = ?3, updated_at = ?4
             WHERE registration_id = ?1",
            params![id, status.as_str(), error, now_ms()],
        )?;
        Ok(())
    }

    pub(crate) fn set_registration_error(&self, id: &str, error: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE registrations SET last_error = ?2, updated_at = ?3 WHERE registration_id = ?1",
            params![id, error, now_ms()],
        )?;
        Ok(())
    }

    /// Stores credentials fetched with the `result` call (the webhook fallback).
    pub(crate) fn complete_registration_from_result(&self, c: &Completion) -> Result<Outcome> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let outcome = credentials_landed(&tx, c)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// The mode a session was created in.
    pub(crate) fn registration_mode(&self, id: &str) -> Result<RegistrationMode> {
        let mode: String = self
            .conn()?
            .query_row("SELECT mode FROM registrations WHERE registration_id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("registration {id}")))?;
        RegistrationMode::parse(&mode)
    }

    /// One registration.
    pub fn registration(&self, id: &str) -> Result<RegistrationView> {
        self.registrations_where("registration_id = ?1", params![id])?
            .pop()
            .ok_or_else(|| Error::NotFound(format!("registration {id}")))
    }

    /// Every registration, newest first.
    pub fn list_registrations(&self) -> Result<Vec<RegistrationView>> {
        self.registrations_where("1 = 1", params![])
    }

    fn registrations_where(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<RegistrationView>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT registration_id, mode, status, iframe_url, parent_origin, expires_at, account_id, app_id, phone,
                    completed_via, last_error, created_at
             FROM registrations WHERE {filter} ORDER BY created_at DESC"
        ))?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, i64>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                mode,
                status,
                iframe_url,
                parent_origin,
                expires_at,
                account_id,
                app_id,
                phone,
                via,
                error,
                created,
            ) = row?;
            let status = RegistrationStatus::parse(&status)
                .ok_or_else(|| Error::StoreCorrupt(format!("registration {id} has unknown status {status:?}")))?;
            out.push(RegistrationView {
                registration_origin: origin_of(&iframe_url).unwrap_or_default(),
                host_url: host_url(&parent_origin, &iframe_url),
                registration_id: id,
                mode: RegistrationMode::parse(&mode)?,
                status,
                iframe_url,
                parent_origin,
                expires_at,
                account_id,
                app_id_masked: app_id.map(|a| Secret::new(a).masked()),
                phone,
                completed_via: via,
                last_error: error,
                created_at: created,
            });
        }
        Ok(out)
    }
}

/// `scheme://host[:port]` of `url`.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.origin() {
        url::Origin::Tuple(..) => Some(u.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// The host page URL: the iframe URL travels in the fragment, which browsers never send to the
/// server, so the relay serving the page learns nothing about the session.
pub fn host_url(parent_origin: &str, iframe_url: &str) -> String {
    let src: String = url::form_urlencoded::byte_serialize(iframe_url.as_bytes()).collect();
    format!("{parent_origin}{HOST_PAGE_PATH}#src={src}")
}
