//! Conversations as the hosts use them: replies (free text only inside the window, templates any
//! time), opening a conversation by number, opening media, and what a notification says.

use std::sync::Arc;

use super::{content, ReplyTemplate, ReplyText};
use crate::contacts::phone;
use crate::error::{Error, Result};
use crate::messaging::{MessageView, Messaging, SendTemplate, SendText};
use crate::store::Store;

/// Conversations over one unlocked store.
#[derive(Debug, Clone)]
pub struct Conversations {
    store: Arc<Store>,
    messaging: Arc<Messaging>,
}

impl Conversations {
    /// Conversations through `messaging` (its store).
    pub fn new(messaging: Arc<Messaging>) -> Conversations {
        Conversations { store: messaging.store().clone(), messaging }
    }

    /// The store it works on.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Sends free text in a conversation. Refused with `window_closed` when the customer has not
    /// written in the last 24 hours (core checks it under every free-text send).
    pub async fn reply_text(&self, r: &ReplyText) -> Result<MessageView> {
        let c = self.store.conversation(r.conversation_id)?;
        self.messaging.send_text(SendText { account_id: c.account_id, to: c.customer, text: r.text.clone() }).await
    }

    /// Sends an approved template in a conversation (allowed whether or not the window is open).
    pub async fn reply_template(&self, r: &ReplyTemplate) -> Result<MessageView> {
        let c = self.store.conversation(r.conversation_id)?;
        self.messaging
            .send_template(SendTemplate {
                account_id: c.account_id,
                to: c.customer,
                template_id: r.template_id.clone(),
                values: r.values.clone(),
            })
            .await
    }

    /// The conversation of `account_id` with `number` (written any way the contacts accept, the
    /// default country applying), started if new.
    pub fn open_number(&self, account_id: &str, number: &str) -> Result<super::ConversationView> {
        let customer = self.customer_of(number)?;
        self.store.open_conversation(account_id, &customer)
    }

    /// `number` as a conversation key, or a field error on `number`. Digits without `+` are
    /// read as national with the default country when that makes a valid number, else as
    /// international (as `send --to` reads them).
    pub fn customer_of(&self, number: &str) -> Result<String> {
        let country = self.store.contact_settings()?.default_country;
        let country = country.map(|c| phone::Country::parse(&c, "number")).transpose()?;
        phone::normalize(number, country).or_else(|first| {
            let digits = number.trim();
            let plain = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
            let international = if plain { phone::normalize(&format!("+{digits}"), None).ok() } else { None };
            international.ok_or(Error::Field("number".into(), first))
        })
    }

    /// The link of inbound message `inbound_id`'s media, when it may be opened (https, or a
    /// sandbox on this machine). Only the shell's opener gets it, never the webview.
    pub fn media_url(&self, inbound_id: i64) -> Result<String> {
        let payload = self.store.inbound_payload(inbound_id)?;
        content::media_url(&payload).map_err(Error::InvalidInput)
    }
}
