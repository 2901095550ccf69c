//! How a Crisp account's templates appear in the Crisp conversation: seed 004's
//! `crisp_options.type` (PROVIDERS.md §5). `note`, the documented default, records a private note
//! that shows the template's name and language; `text` shows it as a business message, and then
//! Crisp needs the text in at least one component, so the body goes with its filled text.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::providers::ProviderKind;
use crate::store::Store;

/// `crisp_options.type` for an account's sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CrispMessageType {
    /// A private note in the conversation (Crisp's default).
    #[default]
    Note,
    /// A business message in the conversation, with the filled text.
    Text,
}

impl CrispMessageType {
    /// The value Crisp and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            CrispMessageType::Note => "note",
            CrispMessageType::Text => "text",
        }
    }

    /// Reads [`CrispMessageType::as_str`]; anything else names the two choices.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "note" => Ok(CrispMessageType::Note),
            "text" => Ok(CrispMessageType::Text),
            _ => Err(Error::Field(
                "message_type".into(),
                "choose note (a private note in the Crisp conversation) or text (a business message)".into(),
            )),
        }
    }
}

impl Store {
    /// How `account_id`'s templates appear in Crisp (a note until set).
    pub fn crisp_message_type(&self, account_id: &str) -> Result<CrispMessageType> {
        self.crisp_account(account_id)?;
        let stored: Option<String> = self
            .conn()?
            .query_row("SELECT message_type FROM crisp_accounts WHERE account_id = ?1", [account_id], |r| r.get(0))
            .optional()?;
        stored.map_or(Ok(CrispMessageType::Note), |s| CrispMessageType::parse(&s))
    }

    /// Sets how `account_id`'s templates appear in Crisp; only a Crisp account has the choice.
    pub fn set_crisp_message_type(&self, account_id: &str, message_type: CrispMessageType) -> Result<()> {
        self.crisp_account(account_id)?;
        self.conn()?.execute(
            "INSERT INTO crisp_accounts (account_id, message_type) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET message_type = excluded.message_type",
            [account_id, message_type.as_str()],
        )?;
        Ok(())
    }

    fn crisp_account(&self, account_id: &str) -> Result<()> {
        let account = self.account(account_id)?;
        if account.provider != ProviderKind::Crisp {
            return Err(Error::InvalidInput(format!(
                "{} is a {} account; only Crisp accounts choose how templates appear in Crisp",
                account.display_name,
                account.provider.label()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_choices_read_back_and_anything_else_names_them() {
        for t in [CrispMessageType::Note, CrispMessageType::Text] {
            assert_eq!(CrispMessageType::parse(t.as_str()).unwrap(), t);
        }
        assert_eq!(CrispMessageType::default(), CrispMessageType::Note);
        let e = CrispMessageType::parse("html").unwrap_err();
        assert!(matches!(&e, Error::Field(f, m) if f == "message_type" && m.contains("note")), "{e:?}");
    }
}
