//! Per-account messaging health: the connected number, the webhook registration, the last event
//! and the last template sync (PEERS.md #6: webhooks that fail silently).

use rusqlite::{params, OptionalExtension};

use super::destination;
use super::{Change, MessagingHealth, SANDBOX_BUSINESS_NUMBER};
use crate::error::Result;
use crate::providers::ProviderKind;
use crate::store::{now_ms, Store};

impl Store {
    /// The WhatsApp number connected to `account_id`: set by the admin, else the number its
    /// registration completed with, else (SANDBOX account) the built-in demo number.
    pub fn business_number(&self, account_id: &str) -> Result<Option<String>> {
        let account = self.account(account_id)?;
        let conn = self.conn()?;
        let set: Option<String> = conn
            .query_row("SELECT business_number FROM account_messaging WHERE account_id = ?1", [account_id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        if set.is_some() {
            return Ok(set);
        }
        let registered: Option<String> = conn
            .query_row(
                "SELECT phone FROM registrations WHERE account_id = ?1 AND phone IS NOT NULL
                 ORDER BY completed_at DESC LIMIT 1",
                [account_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(digits) = registered.map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>()) {
            if (8..=15).contains(&digits.len()) {
                return Ok(Some(digits));
            }
        }
        Ok((account.provider == ProviderKind::Sandbox).then(|| SANDBOX_BUSINESS_NUMBER.to_owned()))
    }

    /// Sets the number connected to `account_id` (validated like any destination).
    pub fn set_business_number(&self, account_id: &str, number: &str) -> Result<String> {
        self.account(account_id)?;
        let digits = destination::normalize("business_number", number)?;
        self.conn()?.execute(
            "INSERT INTO account_messaging (account_id, business_number) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET business_number = excluded.business_number",
            params![account_id, digits],
        )?;
        self.announce([Change::Health { account_id: account_id.to_owned() }]);
        Ok(digits)
    }

    pub(crate) fn record_webhook_registered(&self, account_id: &str, hook_sha256: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO account_messaging (account_id, webhook_url_sha256, webhook_registered_at, webhook_error)
             VALUES (?1, ?2, ?3, NULL)
             ON CONFLICT (account_id) DO UPDATE SET webhook_url_sha256 = excluded.webhook_url_sha256,
                 webhook_registered_at = excluded.webhook_registered_at, webhook_error = NULL",
            params![account_id, hook_sha256, now_ms()],
        )?;
        self.announce([Change::Health { account_id: account_id.to_owned() }]);
        Ok(())
    }

    pub(crate) fn record_webhook_error(&self, account_id: &str, error: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO account_messaging (account_id, webhook_error) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET webhook_error = excluded.webhook_error",
            params![account_id, error],
        )?;
        self.announce([Change::Health { account_id: account_id.to_owned() }]);
        Ok(())
    }

    pub(crate) fn templates_synced_at(&self, account_id: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row("SELECT templates_synced_at FROM account_messaging WHERE account_id = ?1", [account_id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    pub(crate) fn registered_webhook_sha(&self, account_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .query_row("SELECT webhook_url_sha256 FROM account_messaging WHERE account_id = ?1", [account_id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The health view; `current_hook_sha256` is the SHA-256 of this install's hook URL now.
    pub(crate) fn messaging_health(
        &self,
        account_id: &str,
        api_base_url: String,
        current_hook_sha256: Option<&str>,
    ) -> Result<MessagingHealth> {
        let business_number = self.business_number(account_id)?;
        type Row = (Option<String>, Option<i64>, Option<String>, Option<i64>, Option<i64>, Option<String>);
        let row: Option<Row> = self
            .conn()?
            .query_row(
                "SELECT webhook_url_sha256, webhook_registered_at, webhook_error, last_event_at, templates_synced_at,
                        templates_error
                 FROM account_messaging WHERE account_id = ?1",
                [account_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let (sha, registered_at, webhook_error, last_event_at, templates_synced_at, templates_error) =
            row.unwrap_or_default();
        Ok(MessagingHealth {
            account_id: account_id.to_owned(),
            api_base_url,
            business_number,
            webhook_registered_at: registered_at,
            webhook_current: sha.is_some() && sha.as_deref() == current_hook_sha256,
            webhook_error,
            last_event_at,
            templates_synced_at,
            templates_error,
        })
    }
}
