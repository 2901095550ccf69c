//! Where SendZen onboardings go, the partner key, and what links an account to its SendZen
//! project. The partner key is a secret: kept in the encrypted store, only ever shown masked.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::providers::ProviderKind;
use crate::secret::Secret;
use crate::store::Store;

/// What the settings screen and `wadesk register settings --provider sendzen` show. No secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SendzenSettingsView {
    /// `sandbox` (the embedded simulator) or `partner` (SendZen's API).
    pub mode: String,
    /// SendZen's API in partner mode (default `https://api.sendzen.io`).
    pub partner_base_url: Option<String>,
    /// `••••` + the last four characters of the partner key, when one is set.
    pub partner_key_masked: Option<String>,
}

/// What links a SendZen account to SendZen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendzenLink {
    /// The `client_identifier` it was onboarded under.
    pub client_identifier: String,
    /// SendZen's project.
    pub project_id: Option<String>,
    /// The WhatsApp Business Account.
    pub waba_id: Option<String>,
    /// The number's id.
    pub phone_number_id: Option<String>,
}

impl Store {
    /// The partner key of SendZen's real API, when one is set.
    pub(crate) fn sendzen_partner_key(&self) -> Result<Option<Secret>> {
        Ok(self
            .conn()?
            .query_row("SELECT partner_key FROM sendzen_settings WHERE id = 1", [], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten()
            .filter(|k| !k.is_empty())
            .map(Secret::new))
    }

    /// Where onboardings go: `sandbox` or `partner`, the partner endpoint, the partner key.
    pub(crate) fn sendzen_partner_settings(&self) -> Result<(String, Option<String>, Option<Secret>)> {
        Ok(self.conn()?.query_row(
            "SELECT mode, partner_base_url, partner_key FROM sendzen_settings WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?.filter(|k| !k.is_empty()).map(Secret::new),
                ))
            },
        )?)
    }

    /// Where onboardings go, for people.
    pub fn sendzen_settings(&self) -> Result<SendzenSettingsView> {
        let (mode, partner_base_url, key) = self.sendzen_partner_settings()?;
        Ok(SendzenSettingsView { mode, partner_base_url, partner_key_masked: key.map(|k| k.masked()) })
    }

    /// Onboard through SendZen's API at `base_url` with `partner_key`, stored encrypted.
    pub fn use_sendzen_partner(&self, base_url: &str, partner_key: &Secret) -> Result<SendzenSettingsView> {
        let url = crate::input::endpoint_url("SendZen API URL", base_url, crate::input::PathRule::Allowed)?;
        let url = url.as_str().trim_end_matches('/').to_owned();
        let key = Secret::new(partner_key.expose().trim());
        if !(8..=256).contains(&key.char_len()) || key.expose().chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Field(
                "partner_key".into(),
                "the partner API key SendZen gave you: one word, 8 to 256 characters".into(),
            ));
        }
        self.conn()?.execute(
            "UPDATE sendzen_settings SET mode = 'partner', partner_base_url = ?1, partner_key = ?2 WHERE id = 1",
            params![url, key.expose()],
        )?;
        tracing::info!(base_url = %url, "SendZen onboardings now use the partner API");
        self.sendzen_settings()
    }

    /// Onboard through the embedded sandbox again (the partner settings are kept).
    pub fn use_sendzen_sandbox(&self) -> Result<SendzenSettingsView> {
        self.conn()?.execute("UPDATE sendzen_settings SET mode = 'sandbox' WHERE id = 1", [])?;
        self.sendzen_settings()
    }

    /// Account `account_id`'s link, if it has one.
    pub fn sendzen_link(&self, account_id: &str) -> Result<Option<SendzenLink>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT client_identifier, project_id, waba_id, phone_number_id FROM sendzen_links WHERE account_id = ?1",
                [account_id],
                |r| {
                    Ok(SendzenLink {
                        client_identifier: r.get(0)?,
                        project_id: r.get(1)?,
                        waba_id: r.get(2)?,
                        phone_number_id: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Sets (or with `None` clears) the secret account `account_id`'s provider signs its webhooks
    /// with (SendZen: `X-Hub-Signature-256`, set in its dashboard; 360dialog:
    /// `x-360dialog-signature`, from the Partner Hub). Once set, an unsigned or wrongly signed
    /// webhook for the account is refused.
    pub fn set_webhook_secret(&self, account_id: &str, secret: Option<&Secret>) -> Result<()> {
        let account = self.account(account_id)?;
        if !matches!(account.provider, ProviderKind::Sendzen | ProviderKind::D360) {
            return Err(Error::InvalidInput(format!(
                "{} does not sign webhooks with a secret Wadesk can check",
                account.provider.label()
            )));
        }
        let conn = self.conn()?;
        match secret {
            Some(s) => {
                let len = s.char_len();
                if !(8..=256).contains(&len) || s.expose().chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return Err(Error::Field(
                        "webhook_secret".into(),
                        "a webhook secret is 8 to 256 characters without spaces; copy it from the provider's dashboard"
                            .into(),
                    ));
                }
                conn.execute(
                    "INSERT INTO account_credentials (account_id, name, value) VALUES (?1, 'webhook_secret', ?2)
                     ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value",
                    params![account_id, s.expose()],
                )?;
            }
            None => {
                conn.execute(
                    "DELETE FROM account_credentials WHERE account_id = ?1 AND name = 'webhook_secret'",
                    [account_id],
                )?;
            }
        }
        Ok(())
    }
}
