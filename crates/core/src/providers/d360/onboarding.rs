//! 360dialog onboardings as this install keeps them (seed 003), their stages, and the one place
//! they complete.
//!
//! A row is written when the client exists (step 1) and the Embedded Signup host page is handed
//! out (step 2). Meta's result comes by `postMessage` through the host page; the WABA it names is
//! only a claim until 360dialog accepts it in step 3 (it checks the WABA was shared with the
//! partner and matches the client). From then on the stage follows 360dialog: partner webhooks
//! (`channel_created` … `channel_live`, signature checked when a secret is set) and the channel
//! list, whichever comes first; stages only move forward. Once the channel is live, step 4 creates
//! its API key and [`Store::complete_d360_onboarding`] creates the account, idempotently.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::accounts::{insert_account_as, set_credential, CredentialInput, NewAccount};
use crate::error::{Error, Result};
use crate::providers::fields::one_line;
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::{now_ms, Store};

/// The name of a new account until its number is known.
pub(crate) const DEFAULT_NAME: &str = "360dialog number";

/// Where an onboarding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum D360Stage {
    /// The host page is framed; waiting for Meta's Embedded Signup.
    Signup,
    /// The customer closed Meta's flow (`stage_detail`: the step).
    Cancelled,
    /// Meta's flow reported an error (`stage_detail`: its message).
    SignupError,
    /// 360dialog refused the number submission (`stage_detail`: why).
    SubmitFailed,
    /// Submitted to 360dialog; waiting for the channel.
    Submitted,
    /// `channel_created`.
    ChannelCreated,
    /// `channel_submitted`.
    ChannelSubmitted,
    /// `channel_ready`.
    ChannelReady,
    /// `channel_running`.
    ChannelRunning,
    /// `channel_live`: the API key can be made.
    ChannelLive,
    /// The API key exists and so does the account.
    Connected,
}

impl D360Stage {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            D360Stage::Signup => "signup",
            D360Stage::Cancelled => "cancelled",
            D360Stage::SignupError => "signup_error",
            D360Stage::SubmitFailed => "submit_failed",
            D360Stage::Submitted => "submitted",
            D360Stage::ChannelCreated => "channel_created",
            D360Stage::ChannelSubmitted => "channel_submitted",
            D360Stage::ChannelReady => "channel_ready",
            D360Stage::ChannelRunning => "channel_running",
            D360Stage::ChannelLive => "channel_live",
            D360Stage::Connected => "connected",
        }
    }

    fn parse(s: &str) -> Result<D360Stage> {
        const ALL: [D360Stage; 11] = [
            D360Stage::Signup,
            D360Stage::Cancelled,
            D360Stage::SignupError,
            D360Stage::SubmitFailed,
            D360Stage::Submitted,
            D360Stage::ChannelCreated,
            D360Stage::ChannelSubmitted,
            D360Stage::ChannelReady,
            D360Stage::ChannelRunning,
            D360Stage::ChannelLive,
            D360Stage::Connected,
        ];
        ALL.into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::StoreCorrupt(format!("unknown 360dialog onboarding stage {s:?}")))
    }

    /// The stage a partner event or a channel status word means (`channel_live` or `live`).
    pub fn of_channel_word(word: &str) -> Option<D360Stage> {
        Some(match word.strip_prefix("channel_").unwrap_or(word) {
            "created" => D360Stage::ChannelCreated,
            "submitted" => D360Stage::ChannelSubmitted,
            "ready" => D360Stage::ChannelReady,
            "running" => D360Stage::ChannelRunning,
            "live" => D360Stage::ChannelLive,
            _ => return None,
        })
    }

    /// Whether 360dialog is working on the number (the app follows it).
    pub fn following(self) -> bool {
        (D360Stage::Submitted..=D360Stage::ChannelLive).contains(&self)
    }

    /// Whether the signup can be started again (a new host page).
    pub fn restartable(self) -> bool {
        matches!(self, D360Stage::Signup | D360Stage::Cancelled | D360Stage::SignupError)
    }
}

/// An onboarding as the UI and CLI see it. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct D360OnboardingView {
    /// Its id, also the id of the account it becomes.
    pub id: String,
    /// `sandbox` or `partner`.
    pub mode: String,
    /// Where it stands.
    pub stage: D360Stage,
    /// The step a cancel happened at, an error's words, or 360dialog's refusal.
    pub stage_detail: Option<String>,
    /// The Embedded Signup host page to frame.
    pub host_url: String,
    /// The only origin whose `postMessage`s count (the host page's).
    pub host_origin: String,
    /// What the host page's messages must carry.
    pub state: String,
    /// The business, as the client was created.
    pub client_name: String,
    /// 360dialog's client id.
    pub client_id: String,
    /// The pricing tier.
    pub tier: String,
    /// Meta's WABA id, once the signup finished.
    pub waba_id: Option<String>,
    /// Meta's phone number id, when reported.
    pub phone_number_id: Option<String>,
    /// 360dialog's channel, once created.
    pub channel_id: Option<String>,
    /// The number, once the channel reports it.
    pub phone_number: Option<String>,
    /// The account, once connected.
    pub account_id: Option<String>,
    /// When it started (ms).
    #[ts(type = "number")]
    pub created_at: i64,
    /// When it last moved (ms).
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// A new onboarding row.
pub(crate) struct NewD360<'a> {
    pub id: &'a str,
    pub mode: &'a str,
    pub partner_id: &'a str,
    pub client_id: &'a str,
    pub client_name: &'a str,
    pub tier: &'a str,
    pub state: &'a str,
    pub host_url: &'a str,
}

/// What the connected account gets.
pub(crate) struct D360Completion<'a> {
    pub id: &'a str,
    pub channel_id: &'a str,
    pub api_key: &'a Secret,
    /// The messaging API (partner mode), ignored in sandbox mode.
    pub messaging_url: &'a str,
}

const COLUMNS: &str = "id, mode, stage, stage_detail, host_url, state, client_name, client_id, tier, waba_id,
    phone_number_id, channel_id, phone_number, account_id, created_at, updated_at";

fn row_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<(D360OnboardingView, String)> {
    let host_url: String = r.get(4)?;
    let view = D360OnboardingView {
        id: r.get(0)?,
        mode: r.get(1)?,
        stage: D360Stage::Signup,
        stage_detail: r.get(3)?,
        host_origin: crate::providers::chatarchitect::registration::origin_of(&host_url).unwrap_or_default(),
        host_url,
        state: r.get(5)?,
        client_name: r.get(6)?,
        client_id: r.get(7)?,
        tier: r.get(8)?,
        waba_id: r.get(9)?,
        phone_number_id: r.get(10)?,
        channel_id: r.get(11)?,
        phone_number: r.get(12)?,
        account_id: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    };
    Ok((view, r.get(2)?))
}

impl Store {
    /// The client id this install keeps for `email` under `partner_id`.
    pub(crate) fn d360_client(&self, partner_id: &str, email: &str) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT client_id FROM d360_clients WHERE partner_id = ?1 AND email = ?2",
                params![partner_id, email],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps a client id (seed 003: "store the Client ID of each client within your database").
    pub(crate) fn keep_d360_client(&self, partner_id: &str, email: &str, client_id: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO d360_clients (partner_id, email, client_id, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (partner_id, email) DO UPDATE SET client_id = excluded.client_id",
            params![partner_id, email, client_id, now_ms()],
        )?;
        Ok(())
    }

    /// Records a new onboarding at the signup stage.
    pub(crate) fn insert_d360_onboarding(&self, o: &NewD360<'_>) -> Result<()> {
        let now = now_ms();
        self.conn()?.execute(
            "INSERT INTO d360_onboardings (id, mode, partner_id, client_id, client_name, tier, state, host_url, stage,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'signup', ?9, ?9)",
            params![o.id, o.mode, o.partner_id, o.client_id, o.client_name, o.tier, o.state, o.host_url, now],
        )?;
        Ok(())
    }

    /// One onboarding.
    pub fn d360_onboarding(&self, id: &str) -> Result<D360OnboardingView> {
        let found = self
            .conn()?
            .query_row(&format!("SELECT {COLUMNS} FROM d360_onboardings WHERE id = ?1"), [id], row_view)
            .optional()?;
        let (mut view, stage) = found.ok_or_else(|| Error::NotFound(format!("360dialog onboarding {id}")))?;
        view.stage = D360Stage::parse(&stage)?;
        Ok(view)
    }

    /// Onboardings, newest first.
    pub fn d360_onboardings(&self) -> Result<Vec<D360OnboardingView>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM d360_onboardings ORDER BY created_at DESC"))?;
        let rows = stmt.query_map([], row_view)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut v, s)| {
                v.stage = D360Stage::parse(&s)?;
                Ok(v)
            })
            .collect()
    }

    /// The partner an onboarding was started under.
    pub(crate) fn d360_onboarding_partner(&self, id: &str) -> Result<String> {
        self.conn()?
            .query_row("SELECT partner_id FROM d360_onboardings WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("360dialog onboarding {id}")))
    }

    /// Starts the signup again with a new state and host page (after a cancel or an error).
    pub(crate) fn restart_d360_signup(&self, id: &str, state: &str, host_url: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE d360_onboardings SET stage = 'signup', stage_detail = NULL, state = ?2, host_url = ?3, updated_at = ?4
             WHERE id = ?1 AND stage IN ('signup', 'cancelled', 'signup_error')",
            params![id, state, host_url, now_ms()],
        )?;
        Ok(())
    }

    /// What Meta's signup reported: a WABA (and number) to submit, or why there is none.
    pub(crate) fn record_d360_signup(
        &self,
        id: &str,
        stage: D360Stage,
        detail: Option<&str>,
        ids: Option<(&str, Option<&str>, Option<&str>)>,
    ) -> Result<()> {
        let (waba, phone, business) = ids.map_or((None, None, None), |(w, p, b)| (Some(w), p, b));
        self.conn()?.execute(
            "UPDATE d360_onboardings SET stage = ?2, stage_detail = ?3, waba_id = coalesce(?4, waba_id),
                 phone_number_id = coalesce(?5, phone_number_id), business_id = coalesce(?6, business_id), updated_at = ?7
             WHERE id = ?1 AND stage IN ('signup', 'cancelled', 'signup_error', 'submit_failed')",
            params![id, stage.as_str(), detail.map(|d| one_line(d, 300)), waba, phone, business, now_ms()],
        )?;
        Ok(())
    }

    /// The WABA, business and tier step 3 submits, once the signup gave them.
    pub(crate) fn d360_submission(&self, id: &str) -> Result<(Option<String>, Option<String>, String, String)> {
        self.conn()?
            .query_row("SELECT waba_id, business_id, client_id, tier FROM d360_onboardings WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("360dialog onboarding {id}")))
    }

    /// Moves an onboarding forward to `stage` (never back), with what the channel said.
    pub(crate) fn advance_d360(
        &self,
        id: &str,
        stage: D360Stage,
        channel_id: Option<&str>,
        phone_number: Option<&str>,
    ) -> Result<bool> {
        let conn = self.conn()?;
        advance(&conn, id, stage, channel_id, phone_number)
    }

    /// Step 4 done: the account exists with the channel's key (a repeat replaces the key of the
    /// account it made, which 360dialog has just revoked anyway).
    pub(crate) fn complete_d360_onboarding(&self, c: &D360Completion<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let (mode, partner_id, client_id, client_name, waba, phone_id, phone): (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = tx.query_row(
            "SELECT mode, partner_id, client_id, client_name, waba_id, phone_number_id, phone_number
             FROM d360_onboardings WHERE id = ?1",
            [c.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )?;
        let exists = tx.query_row("SELECT 1 FROM accounts WHERE id = ?1", [c.id], |_| Ok(())).optional()?.is_some();
        if exists {
            set_credential(&tx, c.id, "api_key", c.api_key)?;
        } else {
            let name = match &phone {
                Some(p) => format!("360dialog +{}", p.trim_start_matches('+')),
                None if !client_name.trim().is_empty() => one_line(&client_name, 60),
                None => DEFAULT_NAME.to_owned(),
            };
            let account = NewAccount {
                provider: ProviderKind::D360,
                display_name: name,
                base_url: if mode == "sandbox" { EMBEDDED_SANDBOX_URL.to_owned() } else { c.messaging_url.to_owned() },
                credentials: vec![CredentialInput { name: "api_key".into(), value: c.api_key.expose().to_owned() }],
            };
            insert_account_as(&tx, c.id, account)?;
        }
        let now = now_ms();
        tx.execute(
            "INSERT INTO d360_links (account_id, partner_id, client_id, channel_id, waba_id, phone_number_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account_id) DO UPDATE SET channel_id = excluded.channel_id, waba_id = excluded.waba_id,
                 phone_number_id = excluded.phone_number_id, updated_at = excluded.updated_at",
            params![c.id, partner_id, client_id, c.channel_id, waba, phone_id, now],
        )?;
        tx.execute(
            "UPDATE d360_onboardings SET stage = 'connected', stage_detail = NULL, account_id = ?1, channel_id = ?2,
                 updated_at = ?3
             WHERE id = ?1",
            params![c.id, c.channel_id, now],
        )?;
        tx.commit()?;
        tracing::info!(account = %c.id, "360dialog onboarding completed; the number is connected");
        Ok(())
    }
}

/// [`Store::advance_d360`] on a connection or transaction: true if the stage moved.
pub(crate) fn advance(
    conn: &rusqlite::Connection,
    id: &str,
    stage: D360Stage,
    channel_id: Option<&str>,
    phone_number: Option<&str>,
) -> Result<bool> {
    let current: Option<String> =
        conn.query_row("SELECT stage FROM d360_onboardings WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(current) = current else { return Ok(false) };
    let current = D360Stage::parse(&current)?;
    let moves = stage > current && current >= D360Stage::Submitted && stage <= D360Stage::ChannelLive;
    conn.execute(
        "UPDATE d360_onboardings SET channel_id = coalesce(channel_id, ?2), phone_number = coalesce(?3, phone_number),
             stage = CASE WHEN ?4 THEN ?5 ELSE stage END, updated_at = CASE WHEN ?4 THEN ?6 ELSE updated_at END
         WHERE id = ?1",
        params![id, channel_id, phone_number, moves, stage.as_str(), now_ms()],
    )?;
    Ok(moves)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_words_round_trip_and_channel_words_map_to_stages() {
        for s in ["signup", "cancelled", "signup_error", "submit_failed", "submitted", "channel_live", "connected"] {
            assert_eq!(D360Stage::parse(s).unwrap().as_str(), s);
        }
        assert!(D360Stage::parse("nope").is_err());
        assert_eq!(D360Stage::of_channel_word("channel_running"), Some(D360Stage::ChannelRunning));
        assert_eq!(D360Stage::of_channel_word("live"), Some(D360Stage::ChannelLive));
        assert_eq!(D360Stage::of_channel_word("client_created"), None);
        assert!(D360Stage::Submitted.following() && D360Stage::ChannelLive.following());
        assert!(!D360Stage::Connected.following() && !D360Stage::Signup.following());
    }
}
