//! Messaging as the hosts use it: the provider client of each account, webhook registration,
//! template sync and sends.
//!
//! Every send is validated in full before anything is written (a bad number or a missing value
//! is a field error and nothing is stored); then the message is written as `pending`, and only
//! then does the provider call go out. Its answer, or the lack of one, is written before this
//! returns. Nothing here resends on its own: a retry is a new message, asked for by a person.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::destination;
use super::record::NewMessage;
use super::{MessageKind, MessageStatus, MessageView, MessagingHealth, SendTemplate, SendText};
use crate::accounts::{AccountState, AccountView};
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::chatarchitect::embedded_sandbox::SandboxHost;
use crate::providers::chatarchitect::messaging::MessagingClient;
use crate::providers::messaging::{MessagingApi, Outbound, SendError};
use crate::providers::sendzen::messaging::SendzenMessaging;
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::Store;
use crate::templates::{syntax, TemplateSync};

/// Longest free text WhatsApp takes in one message.
pub const MAX_TEXT_CHARS: usize = 4096;
/// The connected number the SANDBOX account's built-in app uses.
pub const SANDBOX_BUSINESS_NUMBER: &str = "15550009999";
/// A `pending` row older than this at start-up belongs to a process that died mid-call.
const INTERRUPTED_AFTER_MS: i64 = 2 * 20_000;

/// Messaging for one unlocked store.
#[derive(Debug)]
pub struct Messaging {
    store: Arc<Store>,
    sandbox: Arc<SandboxHost>,
    /// Accounts on the embedded sandbox whose webhook was registered since it started here (it
    /// forgets registrations when its process ends).
    registered_here: std::sync::Mutex<std::collections::HashSet<String>>,
    /// When the last automatic registration of each account failed: retried at most once a
    /// minute, so a provider that refuses it does not get a second call before every send.
    failed_at: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// How long an automatic webhook registration that failed is not tried again.
const REGISTER_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

impl Messaging {
    /// Messaging over `store`, sharing the embedded sandbox with registration. Sends a crashed
    /// process left `pending` are marked `uncertain` now, so they show and are never resent.
    pub fn new(store: Arc<Store>, sandbox: Arc<SandboxHost>) -> Result<Messaging> {
        let settled = store.settle_interrupted_sends(INTERRUPTED_AFTER_MS)?;
        if settled > 0 {
            tracing::warn!(settled, "sends interrupted by a stop are now marked uncertain");
        }
        Ok(Messaging { store, sandbox, registered_here: Default::default(), failed_at: Default::default() })
    }

    /// The store it works on.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The messaging endpoint account `account_id` calls (the embedded sandbox's URL when the
    /// account points at it).
    async fn api_base_url(&self, base_url: &str, provider: ProviderKind) -> Result<String> {
        if provider == ProviderKind::Sandbox || base_url == EMBEDDED_SANDBOX_URL {
            self.sandbox.url().await
        } else {
            Ok(base_url.to_owned())
        }
    }

    /// The provider client of an account, with its credentials.
    pub(crate) async fn api(&self, account_id: &str) -> Result<Box<dyn MessagingApi>> {
        let account = self.store.account(account_id)?;
        let base_url = self.api_base_url(&account.base_url, account.provider).await?;
        let number = self.store.business_number(account_id)?.ok_or_else(|| {
            Error::Field(
                "business_number".into(),
                "enter the WhatsApp number connected to this account (Settings), so the provider knows which \
                 number's templates and webhook are meant"
                    .into(),
            )
        })?;
        let (app_id, app_secret) = match account.provider {
            ProviderKind::Sandbox => {
                (wadesk_sandbox::SANDBOX_APP_ID.to_owned(), Secret::new(wadesk_sandbox::SANDBOX_APP_SECRET))
            }
            ProviderKind::Chatarchitect => (
                self.store.account_credential(account_id, "app_id")?.expose().to_owned(),
                self.store.account_credential(account_id, "app_secret")?,
            ),
            ProviderKind::Sendzen => return self.sendzen_api(&account, &base_url, &number),
            ProviderKind::D360 => return self.d360_api(&account, &base_url),
            ProviderKind::Crisp => return self.crisp_api(&account, &base_url, &number),
            ProviderKind::Gupshup => return self.gupshup_api(&account, &base_url, &number),
        };
        Ok(Box::new(MessagingClient::new(&base_url, app_id, app_secret, number)?))
    }

    /// A SendZen account's client: its customer key, its link, and the partner key that can
    /// point its webhook elsewhere (the embedded sandbox's own token when it runs there).
    fn sendzen_api(&self, account: &AccountView, base_url: &str, number: &str) -> Result<Box<dyn MessagingApi>> {
        let base_url = if account.base_url == EMBEDDED_SANDBOX_URL {
            format!("{}{}", base_url.trim_end_matches('/'), crate::providers::sendzen::SANDBOX_PATH)
        } else {
            base_url.to_owned()
        };
        let api = crate::providers::sendzen::api::SendzenApi::new(&base_url)?;
        let key = self.store.account_credential(&account.id, "api_key")?;
        let link = self.store.sendzen_link(&account.id)?;
        let partner_key = if account.base_url == EMBEDDED_SANDBOX_URL {
            Some(self.store.registration_settings_full()?.sandbox_token)
        } else {
            self.store.sendzen_partner_key()?
        };
        let mut client =
            SendzenMessaging::new(api, key, number).with_waba(link.as_ref().and_then(|l| l.waba_id.clone()));
        if let Some(partner_key) = partner_key {
            let client_identifier = link.map(|l| l.client_identifier).unwrap_or_else(|| account.id.clone());
            client = client.with_partner(partner_key, client_identifier);
        }
        Ok(Box::new(client))
    }

    /// A 360dialog account's client: its channel key, on the messaging API it was connected for
    /// (the embedded sandbox's when it runs there).
    fn d360_api(&self, account: &AccountView, base_url: &str) -> Result<Box<dyn MessagingApi>> {
        let base_url = if account.base_url == EMBEDDED_SANDBOX_URL {
            format!("{}{}", base_url.trim_end_matches('/'), crate::providers::d360::SANDBOX_MESSAGING_PATH)
        } else {
            base_url.to_owned()
        };
        let key = self.store.account_credential(&account.id, "api_key")?;
        Ok(Box::new(crate::providers::d360::messaging::D360Messaging::new(&base_url, key)?))
    }

    /// A linked Gupshup app's client (the embedded sandbox's partner API when it runs there).
    fn gupshup_api(&self, account: &AccountView, base_url: &str, number: &str) -> Result<Box<dyn MessagingApi>> {
        let base_url = if account.base_url == EMBEDDED_SANDBOX_URL {
            format!("{}{}", base_url.trim_end_matches('/'), crate::providers::gupshup::SANDBOX_PATH)
        } else {
            base_url.to_owned()
        };
        let cred = |name: &str| self.store.account_credential(&account.id, name);
        let app_name = cred("app_name").map(|s| s.expose().to_owned()).unwrap_or_default();
        Ok(Box::new(crate::providers::gupshup::messaging::GupshupMessaging::new(
            crate::providers::gupshup::partner_api::PartnerApi::new(&base_url)?,
            cred("app_id")?.expose(),
            &app_name,
            cred("app_token")?,
            cred("hook_secret")?,
            number,
        )))
    }

    /// A Crisp account's client: its website and token pair (the embedded sandbox's plugin API when
    /// it runs there).
    fn crisp_api(&self, account: &AccountView, base_url: &str, number: &str) -> Result<Box<dyn MessagingApi>> {
        let base_url = if account.base_url == EMBEDDED_SANDBOX_URL {
            format!("{}{}", base_url.trim_end_matches('/'), crate::providers::crisp::SANDBOX_PATH)
        } else {
            base_url.to_owned()
        };
        let website = self.store.account_credential(&account.id, "website_id")?;
        let identifier = self.store.account_credential(&account.id, "identifier")?;
        let key = self.store.account_credential(&account.id, "key")?;
        let mut client = crate::providers::crisp::messaging::CrispMessaging::new(
            &base_url,
            website.expose(),
            identifier.expose(),
            key,
            number,
        )?
        .with_message_type(self.store.crisp_message_type(&account.id)?);
        if account.base_url == EMBEDDED_SANDBOX_URL {
            let control = format!("{base_url}{}", crate::providers::crisp::SANDBOX_CONTROL_PATH);
            client = client.with_sandbox_settings(&control, self.store.registration_settings_full()?.sandbox_token);
        }
        Ok(Box::new(client))
    }

    /// The hook URL providers post this account's statuses and inbound messages to.
    fn hook_url(&self, account_id: &str) -> Result<Secret> {
        let channel = self
            .store
            .relay_channel()?
            .ok_or_else(|| Error::Relay("the relay is not set up yet, so webhooks would have nowhere to go".into()))?;
        let provider = self.store.account(account_id)?.provider;
        if provider == ProviderKind::Crisp {
            // Crisp signs nothing: its callback URL carries the account's own secret.
            return self.store.crisp_callback_url(account_id);
        }
        let path = match provider {
            ProviderKind::Sendzen => super::webhook::SZ_HOOK_PATH,
            ProviderKind::D360 => super::webhook::D360_HOOK_PATH,
            ProviderKind::Gupshup => crate::providers::gupshup::HOOK_PATH,
            _ => super::webhook::CA_MESSAGES_PATH,
        };
        Ok(Secret::new(format!("{}{path}{account_id}", channel.hook_url.expose())))
    }

    /// The Crisp account on the embedded sandbox (made on first use), its callback URL set and its
    /// templates synced: Crisp to try without a Crisp plan.
    pub async fn crisp_sandbox_account(&self) -> Result<AccountView> {
        let url = self.sandbox.url().await?;
        let token = self.store.registration_settings_full()?.sandbox_token;
        let account = crate::providers::crisp::sandbox::sandbox_account(&self.store, &url, &token).await?;
        self.register_webhook(&account.id).await?;
        self.sync_templates(&account.id).await?;
        self.check_credentials(&account.id).await
    }

    /// Registers this install's hook for `account_id` with the provider (`POST /webhook`).
    pub async fn register_webhook(&self, account_id: &str) -> Result<MessagingHealth> {
        let hook = self.hook_url(account_id)?;
        let result = match self.api(account_id).await {
            Ok(api) => api.register_webhook(hook.expose()).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.store.record_webhook_registered(account_id, &sha256(hook.expose()))?;
                self.registered_here().insert(account_id.to_owned());
            }
            Err(e) => {
                self.store.record_webhook_error(account_id, &e.to_string())?;
                return Err(e);
            }
        }
        self.health(account_id).await
    }

    /// Registers the hook of every account that needs it (see [`Messaging::ensure_webhook`]),
    /// and syncs the templates of an account that never had them (a number just connected).
    /// Failures are recorded per account, not raised.
    pub async fn ensure_webhooks(&self) -> Result<()> {
        for account in self.store.list_accounts()? {
            if !supports_messaging(account.provider) {
                continue;
            }
            self.ensure_webhook(&account.id).await;
            if account.state == AccountState::NotVerified && account.checked_at.is_none() {
                self.check_credentials(&account.id).await?;
            }
            let never_synced = self.store.templates_synced_at(&account.id)?.is_none();
            let has_number = self.store.business_number(&account.id)?.is_some();
            if never_synced && has_number {
                if let Err(e) = self.sync_templates(&account.id).await {
                    tracing::debug!(account = %account.id, "first template sync failed: {e}");
                }
            }
        }
        Ok(())
    }

    /// Registers account `account_id`'s hook if it needs it: never registered, registered with an
    /// older hook URL (a relay switch), or on an embedded sandbox that started in this process
    /// (it remembers nothing across restarts). Sends and syncs call it first, so statuses always
    /// have somewhere to go. A failure is recorded in the account's health.
    pub async fn ensure_webhook(&self, account_id: &str) {
        let Ok(account) = self.store.account(account_id) else { return };
        let Ok(hook) = self.hook_url(account_id) else { return };
        let embedded = account.provider == ProviderKind::Sandbox || account.base_url == EMBEDDED_SANDBOX_URL;
        let current = self.store.registered_webhook_sha(account_id).ok().flatten().as_deref()
            == Some(sha256(hook.expose()).as_str());
        let forgotten = embedded && self.sandbox.hosted_here().await && !self.registered_here().contains(account_id);
        if current && !forgotten {
            return;
        }
        let failed_at = |m: &Messaging| {
            m.failed_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(account_id).copied()
        };
        if failed_at(self).is_some_and(|at| at.elapsed() < REGISTER_RETRY_AFTER) {
            return;
        }
        let result = self.register_webhook(account_id).await;
        let mut failures = self.failed_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match result {
            Ok(_) => {
                failures.remove(account_id);
            }
            Err(e) => {
                failures.insert(account_id.to_owned(), std::time::Instant::now());
                // Recorded in the account's health, which the app shows; a log line would only repeat it.
                tracing::debug!(account = %account_id, "webhook registration failed: {e}");
            }
        }
    }

    fn registered_here(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.registered_here.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks the account's credentials with the provider's cheapest authenticated call (for
    /// ChatArchitect `/getHSM`, which also refreshes the templates) and records what happened:
    /// accepted, refused, or could not tell (unreachable, no connected number yet). Returns the
    /// account as it now stands; the check's own failure is in its `state_detail`, not an error.
    pub async fn check_credentials(&self, account_id: &str) -> Result<AccountView> {
        let account = self.store.account(account_id)?;
        if account.provider == ProviderKind::Sandbox {
            return Ok(account);
        }
        let (ok, message) = if !supports_messaging(account.provider) {
            (None, format!("Wadesk cannot check {} credentials yet.", account.provider.label()))
        } else {
            match self.api(account_id).await {
                Err(Error::Field(field, _)) if field == "business_number" => (
                    None,
                    "Enter the WhatsApp number connected to this account (Settings), then check again.".to_owned(),
                ),
                Err(e) => (None, format!("Could not check: {e}")),
                Ok(api) => match api.templates().await {
                    Ok(list) => {
                        self.store.replace_templates(account_id, &list)?;
                        (Some(true), "The provider accepted the credentials.".to_owned())
                    }
                    Err(Error::Provider(ProviderFailure::Unauthorized, _)) => {
                        let what = match account.provider {
                            ProviderKind::Sendzen => "the API key",
                            _ => "the App ID and App secret",
                        };
                        (
                            Some(false),
                            format!("The provider refused these credentials. Check {what}, then save them again."),
                        )
                    }
                    Err(e) => (None, format!("Could not check: {e}")),
                },
            }
        };
        self.store.record_credential_check(account_id, ok, &message)?;
        self.store.account(account_id)
    }

    /// Account `account_id`'s messaging health.
    pub async fn health(&self, account_id: &str) -> Result<MessagingHealth> {
        let account = self.store.account(account_id)?;
        let api_base_url = self.api_base_url(&account.base_url, account.provider).await?;
        let current_sha = self.hook_url(account_id).ok().map(|h| sha256(h.expose()));
        self.store.messaging_health(account_id, api_base_url, current_sha.as_deref())
    }

    /// Fetches account `account_id`'s templates (`POST /getHSM`) and replaces its cache.
    pub async fn sync_templates(&self, account_id: &str) -> Result<TemplateSync> {
        self.ensure_webhook(account_id).await;
        let listed = match self.api(account_id).await {
            Ok(api) => api.templates().await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(list) => self.store.replace_templates(account_id, &list),
            Err(e) => {
                self.store.record_template_sync_error(account_id, &e.to_string())?;
                Err(e)
            }
        }
    }

    /// Sends free text.
    pub async fn send_text(&self, input: SendText) -> Result<MessageView> {
        let to = destination::normalize("to", &input.to)?;
        let text = input.text.trim();
        if text.is_empty() {
            return Err(Error::Field("text".into(), "write the message".into()));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::Field("text".into(), format!("at most {MAX_TEXT_CHARS} characters")));
        }
        if text.starts_with("{{") {
            return Err(Error::Field(
                "text".into(),
                "a text starting with {{ would be read as a template; choose the template instead".into(),
            ));
        }
        if self.store.account(&input.account_id)?.provider == ProviderKind::Crisp {
            return Err(Error::InvalidInput(
                "Crisp's WhatsApp plugin sends templates only; free-text replies are written in the Crisp inbox".into(),
            ));
        }
        self.store.check_free_text_allowed(&input.account_id, &to)?;
        let api = self.api(&input.account_id).await?;
        let m = NewMessage {
            account_id: &input.account_id,
            to: &to,
            kind: MessageKind::Text,
            template_id: None,
            body: text,
            payload: text,
            retry_of: None,
        };
        self.deliver(api.as_ref(), &m).await
    }

    /// Sends an approved template with every variable filled.
    pub async fn send_template(&self, input: SendTemplate) -> Result<MessageView> {
        let to = destination::normalize("to", &input.to)?;
        let template = self.store.template(&input.account_id, input.template_id.trim())?;
        let Some(parsed) = template.parsed else {
            let why = template.view.problem.unwrap_or_else(|| "it cannot be sent".into());
            return Err(Error::Field("template_id".into(), format!("this template cannot be sent: {why}")));
        };
        let values: Vec<(u32, String)> = input.values.iter().map(|v| (v.number, v.value.clone())).collect();
        let body = syntax::fill(&parsed, &values).map_err(|problems| {
            let (n, why) = problems.into_iter().next().unwrap_or((0, "invalid value".into()));
            Error::Field(format!("values.{n}"), why)
        })?;
        if body.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::Field(
                "values".into(),
                format!("with these values the message is longer than {MAX_TEXT_CHARS} characters; shorten them"),
            ));
        }
        let payload = syntax::send_payload(&parsed, &body, &values);
        let api = self.api(&input.account_id).await?;
        let m = NewMessage {
            account_id: &input.account_id,
            to: &to,
            kind: MessageKind::Template,
            template_id: Some(&parsed.id),
            body: &body,
            payload: &payload,
            retry_of: None,
        };
        self.deliver(api.as_ref(), &m).await
    }

    /// Sends message `id` again as a new message. Only a message that certainly did not arrive
    /// (failed, not submitted) is resent on request; an uncertain one only with
    /// `confirm_uncertain`, because the provider may already have it.
    pub async fn retry(&self, id: &str, confirm_uncertain: bool) -> Result<MessageView> {
        let (original, payload) = self.store.message_with_payload(id)?;
        match original.status {
            MessageStatus::Failed | MessageStatus::NotSubmitted => {}
            MessageStatus::Uncertain if confirm_uncertain => {}
            MessageStatus::Uncertain => {
                return Err(Error::Field(
                    "confirm_uncertain".into(),
                    "the provider may already have this message; confirm to send it again (it may arrive twice)".into(),
                ))
            }
            other => {
                return Err(Error::InvalidInput(format!(
                    "message {id} is {}: only failed, not submitted or uncertain messages can be retried",
                    other.as_str()
                )))
            }
        }
        if original.kind == MessageKind::Text {
            self.store.check_free_text_allowed(&original.account_id, &original.to)?;
        }
        let api = self.api(&original.account_id).await?;
        let m = NewMessage {
            account_id: &original.account_id,
            to: &original.to,
            kind: original.kind,
            template_id: original.template_id.as_deref(),
            body: &original.text,
            payload: &payload,
            retry_of: Some(id),
        };
        self.deliver(api.as_ref(), &m).await
    }

    /// For the SANDBOX account only: a simulated customer at `from` writes `text` to it (the
    /// embedded sandbox's control surface), so the inbox can be tried with no provider. The
    /// message arrives like any other, as a webhook through the relay.
    pub async fn simulate_customer(&self, account_id: &str, from: &str, text: &str) -> Result<()> {
        let account = self.store.account(account_id)?;
        if account.provider != ProviderKind::Sandbox {
            return Err(Error::InvalidInput("only the SANDBOX account has simulated customers".into()));
        }
        let from = destination::normalize("from", from)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::Field("text".into(), format!("write 1 to {MAX_TEXT_CHARS} characters")));
        }
        self.ensure_webhook(account_id).await;
        let url = format!("{}/_sandbox/messaging/inbound", self.sandbox.url().await?.trim_end_matches('/'));
        let answer = reqwest::Client::new()
            .post(url)
            .basic_auth(wadesk_sandbox::SANDBOX_APP_ID, Some(wadesk_sandbox::SANDBOX_APP_SECRET))
            .json(&serde_json::json!({ "source": from, "payload": { "text": text }, "name": "Sandbox Customer" }))
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| Error::Provider(ProviderFailure::Unreachable, format!("the sandbox did not answer: {e}")))?;
        if !answer.status().is_success() {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            return Err(Error::Provider(ProviderFailure::Rejected, format!("the sandbox refused ({status}): {body}")));
        }
        Ok(())
    }

    /// Writes `m` as pending, calls the provider, writes the answer.
    async fn deliver(&self, api: &dyn MessagingApi, m: &NewMessage<'_>) -> Result<MessageView> {
        self.ensure_webhook(m.account_id).await;
        let id = self.store.insert_pending(m)?;
        let message = match m.kind {
            MessageKind::Text => Outbound::Text { text: m.payload },
            MessageKind::Template => Outbound::Template {
                template_id: m.template_id.unwrap_or_default(),
                filled_raw: m.payload,
                body: m.body,
            },
        };
        match api.send(m.to, message).await {
            Ok(receipt) => self.store.mark_submitted(&id, &receipt)?,
            Err(SendError::NotAccepted(e)) => self.store.mark_not_submitted(&id, None, &e.to_string())?,
            Err(SendError::RateLimited { error, .. }) => {
                self.store.mark_not_submitted(&id, Some(429), &error.to_string())?
            }
            Err(SendError::Uncertain(e)) => self.store.mark_uncertain(&id, &e.to_string())?,
        }
        self.store.message(&id)
    }
}

/// Whether this version can message through `provider`.
pub fn supports_messaging(provider: ProviderKind) -> bool {
    matches!(
        provider,
        ProviderKind::Sandbox
            | ProviderKind::Chatarchitect
            | ProviderKind::Sendzen
            | ProviderKind::D360
            | ProviderKind::Crisp
    )
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}
