//! Where Gupshup linking goes: the embedded sandbox, or the partner URL with the partner token
//! (seed 002: a JWT issued at partner login, valid 24 hours). The token is a secret: kept in the
//! encrypted store, shown only masked, with how old it is.

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::input::{endpoint_url, PathRule};
use crate::secret::Secret;
use crate::store::{now_ms, Store};

/// How long a partner token lasts (PROVIDERS.md §3).
pub const PARTNER_TOKEN_TTL_MS: i64 = 24 * 3600 * 1000;

/// What the settings screen and `wadesk register settings --provider gupshup` show. No secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GupshupSettingsView {
    /// `sandbox` or `partner`.
    pub mode: String,
    /// The partner URL in partner mode (default `https://partner.gupshup.io`).
    pub partner_url: Option<String>,
    /// `••••` + the last four characters of the partner token, when one is set.
    pub partner_token_masked: Option<String>,
    /// When the token was entered (ms); it lasts 24 hours from its issue, at most.
    #[ts(type = "number | null")]
    pub token_set_at: Option<i64>,
    /// Whether 24 hours have passed since it was entered (it has expired by then).
    pub token_probably_expired: bool,
}

/// `(mode, partner URL, partner token, when the token was entered)`.
pub(crate) type PartnerRow = (String, Option<String>, Option<Secret>, Option<i64>);

impl Store {
    /// The stored partner settings.
    pub(crate) fn gupshup_partner(&self) -> Result<PartnerRow> {
        Ok(self.conn()?.query_row(
            "SELECT mode, partner_url, partner_token, token_set_at FROM gupshup_settings WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?.filter(|t| !t.is_empty()).map(Secret::new),
                    r.get(3)?,
                ))
            },
        )?)
    }

    /// Where linking goes, for people.
    pub fn gupshup_settings(&self) -> Result<GupshupSettingsView> {
        let (mode, partner_url, token, set_at) = self.gupshup_partner()?;
        Ok(GupshupSettingsView {
            mode,
            partner_url,
            partner_token_masked: token.map(|t| t.masked()),
            token_set_at: set_at,
            token_probably_expired: set_at.is_some_and(|t| now_ms() - t > PARTNER_TOKEN_TTL_MS),
        })
    }

    /// Link through Gupshup at `partner_url` with `partner_token` (stored encrypted).
    pub fn use_gupshup_partner(&self, partner_url: &str, partner_token: &Secret) -> Result<GupshupSettingsView> {
        let url = endpoint_url("Gupshup partner URL", partner_url, PathRule::Allowed)?;
        let url = url.as_str().trim_end_matches('/').to_owned();
        let token = Secret::new(partner_token.expose().trim());
        if !(16..=4096).contains(&token.char_len())
            || token.expose().chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::Field(
                "partner_token".into(),
                "the partner token from Gupshup's partner login: one word (a JWT), at least 16 characters".into(),
            ));
        }
        self.conn()?.execute(
            "UPDATE gupshup_settings SET mode = 'partner', partner_url = ?1, partner_token = ?2, token_set_at = ?3
             WHERE id = 1",
            params![url, token.expose(), now_ms()],
        )?;
        self.gupshup_settings()
    }

    /// Link through the embedded sandbox again (the partner settings are kept).
    pub fn use_gupshup_sandbox(&self) -> Result<GupshupSettingsView> {
        self.conn()?.execute("UPDATE gupshup_settings SET mode = 'sandbox' WHERE id = 1", [])?;
        self.gupshup_settings()
    }
}
