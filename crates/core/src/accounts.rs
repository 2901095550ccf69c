//! Provider accounts: validation of what people type, and the repository over the store.
//!
//! Credentials are [`Secret`]s from the moment they are parsed; only their masked form leaves this
//! module in an [`AccountView`]. The clear value is read back only by [`Store::account_credential`],
//! for the code that calls a provider.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::input::{display_text, endpoint_url, PathRule};
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::{now_ms, Store};

const MAX_NAME_CHARS: usize = 80;
const MAX_CREDENTIAL_CHARS: usize = 4096;

/// One credential as typed by a person.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CredentialInput {
    /// Credential name, one of the provider's `credential_fields`.
    pub name: String,
    /// The clear value. Converted to a [`Secret`] on validation.
    pub value: String,
}

/// A new account as submitted by the app or the CLI.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewAccount {
    /// Which provider.
    pub provider: ProviderKind,
    /// Name shown in lists.
    pub display_name: String,
    /// Provider API endpoint.
    pub base_url: String,
    /// Every credential the provider needs.
    pub credentials: Vec<CredentialInput>,
}

/// Secrets Wadesk makes for itself, which nobody types or checks: the part of a Crisp callback URL
/// (shown, on request, as that URL) and the Gupshup subscription's header. Not listed with the
/// account's credentials.
const INTERNAL_CREDENTIALS: [&str; 2] = ["callback_secret", "hook_secret"];

/// A credential as it may be shown: name and masked value.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MaskedCredential {
    /// Credential name.
    pub name: String,
    /// `••••` and at most the last four characters.
    pub masked: String,
}

/// Where an account stands with its provider, for the Accounts screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// The built-in simulator: nothing to check.
    Sandbox,
    /// The provider accepted the credentials at the last check.
    Connected,
    /// Never checked, or the check could not reach the provider (see `state_detail`).
    NotVerified,
    /// The provider refused the credentials at the last check.
    Refused,
}

/// An account as the UI and CLI see it. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountView {
    /// Stable id (UUID).
    pub id: String,
    /// Which provider.
    pub provider: ProviderKind,
    /// Name shown in lists.
    pub display_name: String,
    /// Provider API endpoint.
    pub base_url: String,
    /// Whether this account talks to the simulator; the UI labels it SANDBOX.
    pub is_sandbox: bool,
    /// Masked credentials, in the provider's field order.
    pub credentials: Vec<MaskedCredential>,
    /// Creation time, milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Where it stands with its provider.
    pub state: AccountState,
    /// When the credentials were last checked (ms), if ever.
    #[ts(type = "number | null")]
    pub checked_at: Option<i64>,
    /// What the last check said, or what to do next; never a secret.
    pub state_detail: Option<String>,
}

/// A validated new account.
struct ValidAccount {
    provider: ProviderKind,
    display_name: String,
    base_url: String,
    credentials: Vec<(String, Secret)>,
}

/// Validates `input` and inserts it inside `tx`; returns the new id. Nothing is written if a field
/// is bad. For callers that must add an account in the same transaction as another effect (a
/// registration webhook and its relay cursor).
pub(crate) fn insert_account(tx: &rusqlite::Transaction<'_>, input: NewAccount) -> Result<String> {
    insert_account_as(tx, &uuid::Uuid::new_v4().to_string(), input)
}

/// [`insert_account`] with an id chosen beforehand (a provider was told it as the customer's id).
pub(crate) fn insert_account_as(tx: &rusqlite::Transaction<'_>, id: &str, input: NewAccount) -> Result<String> {
    let a = validate(input)?;
    let id = id.to_owned();
    let now = now_ms();
    let is_sandbox = a.provider == ProviderKind::Sandbox || a.base_url == EMBEDDED_SANDBOX_URL;
    tx.execute(
        "INSERT INTO accounts (id, provider, display_name, base_url, is_sandbox, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, a.provider.as_str(), a.display_name, a.base_url, is_sandbox, now],
    )?;
    for (name, value) in &a.credentials {
        tx.execute(
            "INSERT INTO account_credentials (account_id, name, value) VALUES (?1, ?2, ?3)",
            params![id, name, value.expose()],
        )?;
    }
    tracing::info!(account = %id, provider = a.provider.as_str(), "account added");
    Ok(id)
}

/// Replaces one credential of an existing account inside `tx` (e.g. a re-registration's new secret).
pub(crate) fn set_credential(
    tx: &rusqlite::Transaction<'_>,
    account_id: &str,
    name: &str,
    value: &Secret,
) -> Result<()> {
    tx.execute(
        "INSERT INTO account_credentials (account_id, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value",
        params![account_id, name, value.expose()],
    )?;
    tx.execute("UPDATE accounts SET updated_at = ?2 WHERE id = ?1", params![account_id, now_ms()])?;
    Ok(())
}

/// Trims and checks a display name (see [`crate::input::display_text`]).
pub fn validate_name(name: &str) -> Result<String> {
    display_text("display name", name, MAX_NAME_CHARS)
}

/// Checks a provider endpoint (see [`crate::input::endpoint_url`]); returned without a trailing
/// slash. The sandbox's embedded pseudo-URL is accepted for every provider.
pub fn validate_base_url(_provider: ProviderKind, raw: &str) -> Result<String> {
    let raw = raw.trim();
    // The embedded sandbox simulates every provider, so any kind may point at it.
    if raw == EMBEDDED_SANDBOX_URL {
        return Ok(raw.to_owned());
    }
    let url = endpoint_url("base URL", raw, PathRule::Allowed)?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn validate(input: NewAccount) -> Result<ValidAccount> {
    let display_name = validate_name(&input.display_name)?;
    let base_url = validate_base_url(input.provider, &input.base_url)?;
    let fields = input.provider.credential_fields();
    let mut credentials: Vec<(String, Secret)> = Vec::with_capacity(fields.len());
    for (i, c) in input.credentials.into_iter().enumerate() {
        let value = Secret::new(c.value);
        // A name that is not a field may be a value typed in the wrong place, so it is not
        // repeated: the error gives its position instead.
        if !fields.contains(&c.name.as_str()) {
            return Err(Error::InvalidInput(format!(
                "credential #{}: not a field; {} accounts take {}",
                i + 1,
                input.provider.label(),
                if fields.is_empty() { "no credentials".to_owned() } else { fields.join(", ") }
            )));
        }
        if credentials.iter().any(|(n, _)| *n == c.name) {
            return Err(Error::InvalidInput(format!("credential {}: given twice", c.name)));
        }
        let trimmed = Secret::new(value.expose().trim());
        if trimmed.char_len() == 0 {
            return Err(Error::InvalidInput(format!("credential {}: must not be empty", c.name)));
        }
        if trimmed.char_len() > MAX_CREDENTIAL_CHARS || trimmed.expose().chars().any(char::is_control) {
            return Err(Error::InvalidInput(format!(
                "credential {}: must be one line of at most {MAX_CREDENTIAL_CHARS} characters",
                c.name
            )));
        }
        credentials.push((c.name, trimmed));
    }
    if let Some(missing) = fields.iter().find(|f| !credentials.iter().any(|(n, _)| n == *f)) {
        return Err(Error::InvalidInput(format!("credential {missing}: required")));
    }
    credentials.sort_by_key(|(n, _)| fields.iter().position(|f| f == n));
    Ok(ValidAccount { provider: input.provider, display_name, base_url, credentials })
}

impl Store {
    /// Adds an account after validating every field; nothing is written if any field is bad.
    pub fn add_account(&self, input: NewAccount) -> Result<AccountView> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let id = insert_account(&tx, input)?;
        tx.commit()?;
        drop(conn);
        self.account(&id)
    }

    /// Every account, sandbox first, then by name.
    pub fn list_accounts(&self) -> Result<Vec<AccountView>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare("SELECT id FROM accounts ORDER BY is_sandbox DESC, display_name COLLATE NOCASE, created_at")?;
        let ids: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        drop(conn);
        ids.iter().map(|id| self.account(id)).collect()
    }

    /// One account by id.
    pub fn account(&self, id: &str) -> Result<AccountView> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT provider, display_name, base_url, is_sandbox, created_at, checked_at, check_ok, check_message
                 FROM accounts WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        (r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                        (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<bool>>(6)?, r.get::<_, Option<String>>(7)?),
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("account {id}")))?;
        let ((provider, display_name, base_url, is_sandbox, created_at), (checked_at, check_ok, check_message)) = row;
        let provider = ProviderKind::parse(&provider)
            .ok_or_else(|| Error::StoreCorrupt(format!("account {id} has unknown provider {provider:?}")))?;
        let mut stmt = conn.prepare("SELECT name, value FROM account_credentials WHERE account_id = ?1")?;
        let mut credentials: Vec<MaskedCredential> = stmt
            .query_map([id], |r| {
                let value = Secret::new(r.get::<_, String>(1)?);
                Ok(MaskedCredential { name: r.get(0)?, masked: value.masked() })
            })?
            .filter(|c| c.as_ref().map_or(true, |c| !INTERNAL_CREDENTIALS.contains(&c.name.as_str())))
            .collect::<rusqlite::Result<_>>()?;
        let order = provider.credential_fields();
        credentials.sort_by_key(|c| order.iter().position(|f| *f == c.name));
        let state = match (provider, check_ok) {
            (ProviderKind::Sandbox, _) => AccountState::Sandbox,
            (_, Some(true)) => AccountState::Connected,
            (_, Some(false)) => AccountState::Refused,
            (_, None) => AccountState::NotVerified,
        };
        let state_detail = match state {
            AccountState::Sandbox => None,
            _ => check_message.or_else(|| Some("The credentials have not been checked with the provider yet.".into())),
        };
        Ok(AccountView {
            id: id.to_owned(),
            provider,
            display_name,
            base_url,
            is_sandbox,
            credentials,
            created_at,
            state,
            checked_at,
            state_detail,
        })
    }

    /// Finds an account by id, or by display name when exactly one account has it.
    pub fn find_account(&self, id_or_name: &str) -> Result<AccountView> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id FROM accounts WHERE id = ?1 OR display_name = ?1")?;
        let ids: Vec<String> = stmt.query_map([id_or_name], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        drop(conn);
        match ids.as_slice() {
            [id] => self.account(id),
            [] => Err(Error::NotFound(format!("account {id_or_name:?}"))),
            _ => Err(Error::InvalidInput(format!("{} accounts are named {id_or_name:?}; use the id", ids.len()))),
        }
    }

    /// Renames an account.
    pub fn rename_account(&self, id: &str, name: &str) -> Result<AccountView> {
        let name = validate_name(name)?;
        let changed = self.conn()?.execute(
            "UPDATE accounts SET display_name = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, name, now_ms()],
        )?;
        if changed == 0 {
            return Err(Error::NotFound(format!("account {id}")));
        }
        self.account(id)
    }

    /// Removes an account and its credentials.
    pub fn remove_account(&self, id: &str) -> Result<()> {
        let changed = self.conn()?.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        if changed == 0 {
            return Err(Error::NotFound(format!("account {id}")));
        }
        tracing::info!(account = %id, "account removed");
        Ok(())
    }

    /// The clear value of one credential, for the code that calls the provider.
    pub fn account_credential(&self, id: &str, name: &str) -> Result<Secret> {
        self.conn()?
            .query_row("SELECT value FROM account_credentials WHERE account_id = ?1 AND name = ?2", [id, name], |r| {
                r.get::<_, String>(0).map(Secret::new)
            })
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("credential {name} of account {id}")))
    }

    /// Records the outcome of a credential check: `ok` `Some(true)` accepted, `Some(false)`
    /// refused, `None` could not tell (unreachable, no connected number yet).
    pub(crate) fn record_credential_check(&self, id: &str, ok: Option<bool>, message: &str) -> Result<()> {
        let changed = self.conn()?.execute(
            "UPDATE accounts SET checked_at = ?2, check_ok = ?3, check_message = ?4 WHERE id = ?1",
            params![id, now_ms(), ok, message],
        )?;
        if changed == 0 {
            return Err(Error::NotFound(format!("account {id}")));
        }
        Ok(())
    }

    /// Inserts the SANDBOX account a new install starts with.
    pub(crate) fn seed_sandbox_account(&self) -> Result<AccountView> {
        self.add_account(NewAccount {
            provider: ProviderKind::Sandbox,
            display_name: "Sandbox".into(),
            base_url: EMBEDDED_SANDBOX_URL.into(),
            credentials: vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca(name: &str, url: &str, creds: &[(&str, &str)]) -> NewAccount {
        NewAccount {
            provider: ProviderKind::Chatarchitect,
            display_name: name.into(),
            base_url: url.into(),
            credentials: creds.iter().map(|(n, v)| CredentialInput { name: (*n).into(), value: (*v).into() }).collect(),
        }
    }

    fn err_text(input: NewAccount) -> String {
        match validate(input) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn valid_account_is_normalised() {
        let a = validate(ca("  Shop  ", "https://api.example.com/", &[("app_secret", " s3cr3t "), ("app_id", "42")]))
            .unwrap();
        assert_eq!(a.display_name, "Shop");
        assert_eq!(a.base_url, "https://api.example.com");
        let names: Vec<_> = a.credentials.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["app_id", "app_secret"]);
        assert_eq!(a.credentials[1].1.expose(), "s3cr3t");
    }

    #[test]
    fn each_bad_field_gets_a_specific_message() {
        let ok = [("app_id", "1"), ("app_secret", "2")];
        assert!(err_text(ca(" ", "https://x.io", &ok)).starts_with("display name"));
        assert!(err_text(ca("a\u{7}", "https://x.io", &ok)).contains("control"));
        assert!(err_text(ca("a", "ftp://x.io", &ok)).starts_with("base URL"));
        assert!(err_text(ca("a", "https://u:p@x.io", &ok)).contains("user name"));
        assert!(err_text(ca("a", "https://x.io?token=1", &ok)).contains("query"));
        assert!(err_text(ca("a", "https://x.io", &[("app_id", "1")])).contains("app_secret: required"));
        assert!(
            err_text(ca("a", "https://x.io", &[("app_id", "1"), ("app_secret", " ")])).contains("must not be empty")
        );
        assert!(err_text(ca("a", "https://x.io", &[("app_id", "1"), ("app_secret", "2"), ("api_key", "3")]))
            .contains("take app_id, app_secret"));
        assert!(err_text(ca("a", "https://x.io", &[("app_id", "1"), ("app_id", "1"), ("app_secret", "2")]))
            .contains("twice"));
        assert!(err_text(ca("a", "https://x.io", &[("app_id", "1"), ("app_secret", "a\nb")])).contains("one line"));
    }

    #[test]
    fn invalid_input_messages_never_echo_the_secret() {
        let m = err_text(ca("a", "https://x.io", &[("app_id", "1"), ("app_secret", "TOPSECRET\nMORE")]));
        assert!(!m.contains("TOPSECRET"));
        // A value given where a name belongs.
        let m = err_text(ca("a", "https://x.io", &[("app_id", "1"), ("TOPSECRET", "app_secret")]));
        assert!(!m.contains("TOPSECRET") && m.contains("credential #2"), "{m}");
    }

    #[test]
    fn the_embedded_sandbox_url_is_accepted_for_every_provider_and_other_schemes_are_not() {
        // An account registered through the sandbox talks to the simulator of its own provider.
        assert_eq!(validate_base_url(ProviderKind::Sandbox, EMBEDDED_SANDBOX_URL).unwrap(), EMBEDDED_SANDBOX_URL);
        assert_eq!(validate_base_url(ProviderKind::Chatarchitect, EMBEDDED_SANDBOX_URL).unwrap(), EMBEDDED_SANDBOX_URL);
        assert!(validate_base_url(ProviderKind::Sandbox, "http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url(ProviderKind::Chatarchitect, "sandbox://elsewhere").is_err());
    }
}
