//! Where registrations go: the in-process sandbox (the default) or the real registration domain.
//!
//! The partner token is a secret twice over — it authenticates Partner API calls and is the HMAC
//! key of the completion webhook — so it is kept in the encrypted store and only its masked form is
//! ever returned. The sandbox gets a random token of its own per install, so sandbox webhooks are
//! signed and verified exactly like real ones.

use rand::distr::{Alphanumeric, SampleString};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::input::{endpoint_url, PathRule};
use crate::secret::Secret;
use crate::store::Store;

/// Which endpoint registrations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// The embedded simulator; needs no credentials.
    Sandbox,
    /// The real registration domain with the user's partner token.
    Partner,
}

impl RegistrationMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Sandbox => "sandbox",
            RegistrationMode::Partner => "partner",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<RegistrationMode> {
        match s {
            "sandbox" => Ok(RegistrationMode::Sandbox),
            "partner" => Ok(RegistrationMode::Partner),
            other => Err(Error::StoreCorrupt(format!("unknown registration mode {other:?}"))),
        }
    }
}

/// What the settings screen shows. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RegistrationSettingsView {
    /// Current mode.
    pub mode: RegistrationMode,
    /// The registration domain in partner mode.
    pub partner_base_url: Option<String>,
    /// `••••` + last four characters of the partner token, when one is set.
    pub partner_token_masked: Option<String>,
}

/// The full settings, secrets included; never leaves the core.
#[derive(Debug, Clone)]
pub(crate) struct RegistrationSettings {
    pub mode: RegistrationMode,
    pub partner_base_url: Option<String>,
    pub partner_token: Option<Secret>,
    pub sandbox_token: Secret,
    pub sandbox_port: Option<u16>,
}

impl RegistrationSettings {
    /// The token that signs webhooks of sessions made in `mode`.
    pub fn token_for(&self, mode: RegistrationMode) -> Option<&Secret> {
        match mode {
            RegistrationMode::Sandbox => Some(&self.sandbox_token),
            RegistrationMode::Partner => self.partner_token.as_ref(),
        }
    }
}

pub(crate) fn load(conn: &rusqlite::Connection) -> Result<RegistrationSettings> {
    let row = conn
        .query_row(
            "SELECT mode, partner_base_url, partner_token, sandbox_partner_token, sandbox_port
             FROM registration_settings WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            },
        )
        .optional()?;
    let (mode, partner_base_url, partner_token, sandbox_token, port) = match row {
        Some(r) => r,
        None => {
            let token = Alphanumeric.sample_string(&mut rand::rng(), 40);
            conn.execute(
                "INSERT INTO registration_settings (id, mode, sandbox_partner_token) VALUES (1, 'sandbox', ?1)",
                [&token],
            )?;
            ("sandbox".to_owned(), None, None, token, None)
        }
    };
    Ok(RegistrationSettings {
        mode: RegistrationMode::parse(&mode)?,
        partner_base_url,
        partner_token: partner_token.map(Secret::new),
        sandbox_token: Secret::new(sandbox_token),
        sandbox_port: port.and_then(|p| u16::try_from(p).ok()),
    })
}

impl Store {
    pub(crate) fn registration_settings_full(&self) -> Result<RegistrationSettings> {
        load(&*self.conn()?)
    }

    /// The registration settings as the UI may see them.
    pub fn registration_settings(&self) -> Result<RegistrationSettingsView> {
        let s = self.registration_settings_full()?;
        Ok(RegistrationSettingsView {
            mode: s.mode,
            partner_base_url: s.partner_base_url,
            partner_token_masked: s.partner_token.as_ref().map(Secret::masked),
        })
    }

    /// Switches registrations to the real registration domain `base_url` with `token`.
    /// Validates both; nothing changes on a bad value.
    pub fn use_partner_registration(&self, base_url: &str, token: &Secret) -> Result<RegistrationSettingsView> {
        let base_url = validate_registration_url(base_url)?;
        let token = Secret::new(token.expose().trim());
        if token.char_len() < 8 || token.expose().chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::InvalidInput(
                "partner token: must be the token ChatArchitect gave you (one word, at least 8 characters)".into(),
            ));
        }
        let conn = self.conn()?;
        load(&conn)?;
        conn.execute(
            "UPDATE registration_settings SET mode = 'partner', partner_base_url = ?1, partner_token = ?2 WHERE id = 1",
            params![base_url, token.expose()],
        )?;
        drop(conn);
        tracing::info!(base_url = %base_url, "registrations now use the partner API");
        self.registration_settings()
    }

    /// Switches registrations back to the embedded sandbox (the partner settings are kept).
    pub fn use_sandbox_registration(&self) -> Result<RegistrationSettingsView> {
        let conn = self.conn()?;
        load(&conn)?;
        conn.execute("UPDATE registration_settings SET mode = 'sandbox' WHERE id = 1", [])?;
        drop(conn);
        self.registration_settings()
    }

    pub(crate) fn set_sandbox_port(&self, port: u16) -> Result<()> {
        self.conn()?.execute("UPDATE registration_settings SET sandbox_port = ?1 WHERE id = 1", [i64::from(port)])?;
        Ok(())
    }
}

/// The registration domain: https (http only for loopback, to test against a local sandbox), a host,
/// no path, query, fragment or user info (see [`crate::input::endpoint_url`]). Returned without a
/// trailing slash.
pub fn validate_registration_url(raw: &str) -> Result<String> {
    let url = endpoint_url("registration URL", raw, PathRule::OriginOnly)?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_urls_are_https_domains_or_loopback_http() {
        assert_eq!(validate_registration_url("https://reg.example/").unwrap(), "https://reg.example");
        assert_eq!(validate_registration_url("http://127.0.0.1:8790").unwrap(), "http://127.0.0.1:8790");
        for bad in [
            "http://reg.example",
            "http://10.1.2.3",
            "ftp://reg.example",
            "https://reg.example/partner",
            "https://u:p@reg.example",
            "nope",
        ] {
            assert!(validate_registration_url(bad).is_err(), "{bad}");
        }
    }
}
