//! Where 360dialog onboardings go and the partner's settings (seed 003: `partner_id`, the partner
//! API key, `solution_id`, the default `tier`; plus the Meta app and Embedded Signup configuration
//! the self-hosted signup runs with). The partner key and the partner webhook's signing secret are
//! secrets: kept in the encrypted store, only ever shown masked.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DEFAULT_HUB_URL, DEFAULT_MESSAGING_URL};
use crate::error::{Error, Result};
use crate::input::{endpoint_url, PathRule};
use crate::secret::Secret;
use crate::store::Store;

/// A pricing tier (seed 003: `basic`, `regular`, `premium`; default `regular`).
pub const TIERS: [&str; 3] = ["basic", "regular", "premium"];

/// What the settings screen and `wadesk register settings --provider d360` show. No secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct D360SettingsView {
    /// `sandbox` (the embedded simulator) or `partner` (360dialog's Partner Hub).
    pub mode: String,
    /// The Partner Hub API in partner mode (default `https://hub.360dialog.io/api/v2`).
    pub hub_url: Option<String>,
    /// The messaging API numbers use (default `https://waba-v2.360dialog.io`).
    pub messaging_url: Option<String>,
    /// The partner's id.
    pub partner_id: Option<String>,
    /// `••••` + the last four characters of the partner key, when one is set.
    pub partner_key_masked: Option<String>,
    /// The approved Solution numbers are submitted under.
    pub solution_id: Option<String>,
    /// The pricing tier new numbers get unless the onboarding says otherwise.
    pub default_tier: String,
    /// The partner's Meta app (Tech Provider), which runs the Embedded Signup.
    pub meta_app_id: Option<String>,
    /// Its Embedded Signup configuration.
    pub meta_config_id: Option<String>,
    /// Whether onboardings point the partner webhook URL at this install's relay.
    pub route_partner_events: bool,
    /// Whether partner webhooks must carry a valid `x-360dialog-signature`.
    pub partner_signing_secret_set: bool,
}

/// What `use_d360_partner` takes.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct D360PartnerInput {
    /// The Partner Hub API.
    pub hub_url: String,
    /// The messaging API.
    pub messaging_url: String,
    /// The partner's id.
    pub partner_id: String,
    /// The partner API key; `None` keeps the stored one.
    #[ts(type = "string | null")]
    pub partner_key: Option<Secret>,
    /// The approved Solution.
    pub solution_id: String,
    /// `basic`, `regular` or `premium`.
    pub default_tier: String,
    /// The Meta app id (digits).
    pub meta_app_id: String,
    /// The Embedded Signup configuration id (digits).
    pub meta_config_id: String,
    /// Point the partner webhook URL at this install's relay.
    pub route_partner_events: bool,
}

/// Everything an onboarding needs from the partner settings.
#[derive(Debug, Clone)]
pub(crate) struct D360Partner {
    pub hub_url: String,
    pub messaging_url: String,
    pub partner_id: String,
    pub partner_key: Secret,
    pub solution_id: String,
    pub default_tier: String,
    pub meta_app_id: String,
    pub meta_config_id: String,
    pub route_partner_events: bool,
}

/// The stored row.
#[derive(Debug, Clone)]
pub(crate) struct D360Row {
    pub mode: String,
    pub hub_url: Option<String>,
    pub messaging_url: Option<String>,
    pub partner_id: Option<String>,
    pub partner_key: Option<Secret>,
    pub solution_id: Option<String>,
    pub default_tier: String,
    pub meta_app_id: Option<String>,
    pub meta_config_id: Option<String>,
    pub route_partner_events: bool,
    pub signing_secret: Option<Secret>,
}

impl D360Row {
    /// The partner settings, when every one is there.
    pub(crate) fn partner(&self) -> Result<D360Partner> {
        let missing = |what: &str| {
            Error::InvalidInput(format!(
                "no 360dialog {what}: enter the partner settings in Settings → 360dialog first"
            ))
        };
        Ok(D360Partner {
            hub_url: self.hub_url.clone().unwrap_or_else(|| DEFAULT_HUB_URL.into()),
            messaging_url: self.messaging_url.clone().unwrap_or_else(|| DEFAULT_MESSAGING_URL.into()),
            partner_id: self.partner_id.clone().ok_or_else(|| missing("partner ID"))?,
            partner_key: self.partner_key.clone().ok_or_else(|| missing("partner API key"))?,
            solution_id: self.solution_id.clone().ok_or_else(|| missing("solution ID"))?,
            default_tier: self.default_tier.clone(),
            meta_app_id: self.meta_app_id.clone().ok_or_else(|| missing("Meta app ID"))?,
            meta_config_id: self.meta_config_id.clone().ok_or_else(|| missing("Embedded Signup configuration ID"))?,
            route_partner_events: self.route_partner_events,
        })
    }
}

/// A partner-given id: one word of letters, digits, `-` and `_`, at most 128 characters.
pub(crate) fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn checked_id(field: &str, what: &str, raw: &str) -> Result<String> {
    let s = raw.trim();
    if valid_id(s) {
        Ok(s.to_owned())
    } else {
        Err(Error::Field(field.into(), format!("{what}: letters, digits, - and _ only, 1 to 128 characters")))
    }
}

fn checked_digits(field: &str, what: &str, raw: &str) -> Result<String> {
    let s = raw.trim();
    if !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(Error::Field(field.into(), format!("{what}: digits only, as Meta's App Dashboard shows it")))
    }
}

/// A tier name, or the field error.
pub(crate) fn checked_tier(raw: &str) -> Result<String> {
    let t = raw.trim().to_ascii_lowercase();
    if TIERS.contains(&t.as_str()) {
        Ok(t)
    } else {
        Err(Error::Field("tier".into(), "the pricing tier is basic, regular or premium".into()))
    }
}

fn base(what: &str, raw: &str) -> Result<String> {
    Ok(endpoint_url(what, raw, PathRule::Allowed)?.as_str().trim_end_matches('/').to_owned())
}

impl Store {
    /// The stored 360dialog settings, secrets included (core only).
    pub(crate) fn d360_row(&self) -> Result<D360Row> {
        Ok(self.conn()?.query_row(
            "SELECT mode, hub_url, messaging_url, partner_id, partner_key, solution_id, default_tier, meta_app_id,
                    meta_config_id, route_partner_events, partner_signing_secret
             FROM d360_settings WHERE id = 1",
            [],
            |r| {
                let secret = |i| r.get::<_, Option<String>>(i).map(|s| s.filter(|s| !s.is_empty()).map(Secret::new));
                Ok(D360Row {
                    mode: r.get(0)?,
                    hub_url: r.get(1)?,
                    messaging_url: r.get(2)?,
                    partner_id: r.get(3)?,
                    partner_key: secret(4)?,
                    solution_id: r.get(5)?,
                    default_tier: r.get(6)?,
                    meta_app_id: r.get(7)?,
                    meta_config_id: r.get(8)?,
                    route_partner_events: r.get(9)?,
                    signing_secret: secret(10)?,
                })
            },
        )?)
    }

    /// Where onboardings go, for people.
    pub fn d360_settings(&self) -> Result<D360SettingsView> {
        let r = self.d360_row()?;
        Ok(D360SettingsView {
            mode: r.mode,
            hub_url: r.hub_url,
            messaging_url: r.messaging_url,
            partner_id: r.partner_id,
            partner_key_masked: r.partner_key.map(|k| k.masked()),
            solution_id: r.solution_id,
            default_tier: r.default_tier,
            meta_app_id: r.meta_app_id,
            meta_config_id: r.meta_config_id,
            route_partner_events: r.route_partner_events,
            partner_signing_secret_set: r.signing_secret.is_some(),
        })
    }

    /// Onboard through 360dialog's Partner Hub with these settings (the key stored encrypted).
    /// Every field is checked before anything is written.
    pub fn use_d360_partner(&self, input: &D360PartnerInput) -> Result<D360SettingsView> {
        let hub_url = base("360dialog Partner Hub URL", &input.hub_url)?;
        let messaging_url = base("360dialog messaging URL", &input.messaging_url)?;
        let partner_id = checked_id("partner_id", "the partner ID from the 360dialog Partner Hub", &input.partner_id)?;
        let solution_id = checked_id("solution_id", "your approved Solution's ID", &input.solution_id)?;
        let default_tier = checked_tier(&input.default_tier)?;
        let meta_app_id = checked_digits("meta_app_id", "the Meta app ID", &input.meta_app_id)?;
        let meta_config_id =
            checked_digits("meta_config_id", "the Embedded Signup configuration ID", &input.meta_config_id)?;
        let key = match &input.partner_key {
            Some(k) if !k.expose().trim().is_empty() => {
                let key = Secret::new(k.expose().trim());
                if !(8..=256).contains(&key.char_len())
                    || key.expose().chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(Error::Field(
                        "partner_key".into(),
                        "the partner API key from the 360dialog Partner Hub: one word, 8 to 256 characters".into(),
                    ));
                }
                key
            }
            _ => self.d360_row()?.partner_key.ok_or_else(|| {
                Error::Field("partner_key".into(), "enter the partner API key from the 360dialog Partner Hub".into())
            })?,
        };
        self.conn()?.execute(
            "UPDATE d360_settings SET mode = 'partner', hub_url = ?1, messaging_url = ?2, partner_id = ?3,
                 partner_key = ?4, solution_id = ?5, default_tier = ?6, meta_app_id = ?7, meta_config_id = ?8,
                 route_partner_events = ?9
             WHERE id = 1",
            params![
                hub_url,
                messaging_url,
                partner_id,
                key.expose(),
                solution_id,
                default_tier,
                meta_app_id,
                meta_config_id,
                input.route_partner_events
            ],
        )?;
        tracing::info!(hub_url = %hub_url, "360dialog onboardings now use the Partner Hub");
        self.d360_settings()
    }

    /// Onboard through the embedded sandbox again (the partner settings are kept).
    pub fn use_d360_sandbox(&self) -> Result<D360SettingsView> {
        self.conn()?.execute("UPDATE d360_settings SET mode = 'sandbox' WHERE id = 1", [])?;
        self.d360_settings()
    }

    /// Sets (or with `None` clears) the secret partner webhooks are signed with
    /// (`x-360dialog-signature`; generated in the Partner Hub). Once set, unsigned or wrongly
    /// signed partner events are refused.
    pub fn set_d360_partner_signing_secret(&self, secret: Option<&Secret>) -> Result<D360SettingsView> {
        if let Some(s) = secret {
            if !(8..=256).contains(&s.char_len()) || s.expose().chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(Error::Field(
                    "signing_secret".into(),
                    "a signing secret is 8 to 256 characters without spaces; copy it from the Partner Hub".into(),
                ));
            }
        }
        self.conn()?.execute(
            "UPDATE d360_settings SET partner_signing_secret = ?1 WHERE id = 1",
            params![secret.map(|s| s.expose().to_owned())],
        )?;
        self.d360_settings()
    }

    /// Account `account_id`'s channel, if it has one: `(partner_id, client_id, channel_id)`.
    pub fn d360_link(&self, account_id: &str) -> Result<Option<(String, String, String)>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT partner_id, client_id, channel_id FROM d360_links WHERE account_id = ?1",
                [account_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }
}
