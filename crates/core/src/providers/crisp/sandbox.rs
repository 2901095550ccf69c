//! "Try Crisp on the simulator": a Crisp account on the embedded sandbox's website, so an owner
//! without a Crisp plan (or a test) can send templates and watch their callbacks. The sandbox's
//! `/crisp/_sandbox/website` stands in for the plugin's "API Tokens" section (the token pair and
//! website id); its callback URL is set by the messaging client as the API Settings would be.

use std::time::Duration;

use serde::Deserialize;

use super::{SANDBOX_CONTROL_PATH, SANDBOX_PATH};
use crate::accounts::{AccountView, CredentialInput, NewAccount};
use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::unreachable;
use crate::providers::{ProviderKind, EMBEDDED_SANDBOX_URL};
use crate::secret::Secret;
use crate::store::Store;

/// What the simulator's "API Tokens" stand-in gives.
#[derive(Deserialize)]
struct Website {
    website_id: String,
    identifier: String,
    key: String,
    from_number: String,
}

/// The Crisp account on the embedded sandbox at `sandbox_url` (authenticated with the install's
/// sandbox token), created the first time and found afterwards: one simulated website per install.
pub(crate) async fn sandbox_account(store: &Store, sandbox_url: &str, token: &Secret) -> Result<AccountView> {
    let existing = store
        .list_accounts()?
        .into_iter()
        .find(|a| a.provider == ProviderKind::Crisp && a.base_url == EMBEDDED_SANDBOX_URL);
    if let Some(account) = existing {
        return Ok(account);
    }
    let site = website(sandbox_url, token).await?;
    let account = store.add_account(NewAccount {
        provider: ProviderKind::Crisp,
        display_name: "Crisp (simulator)".into(),
        base_url: EMBEDDED_SANDBOX_URL.into(),
        credentials: vec![
            CredentialInput { name: "identifier".into(), value: site.identifier },
            CredentialInput { name: "key".into(), value: site.key },
            CredentialInput { name: "website_id".into(), value: site.website_id },
        ],
    })?;
    store.set_business_number(&account.id, &site.from_number)?;
    store.account(&account.id)
}

async fn website(sandbox_url: &str, token: &Secret) -> Result<Website> {
    let url = format!("{}{SANDBOX_PATH}{SANDBOX_CONTROL_PATH}/website", sandbox_url.trim_end_matches('/'));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
    let action = "ask the Crisp simulator for its website";
    let res = http
        .get(&url)
        .header("X-API-Key", token.expose())
        .send()
        .await
        .map_err(|e| unreachable(action, sandbox_url, &e))?;
    if !res.status().is_success() {
        return Err(Error::Provider(
            ProviderFailure::Unavailable,
            format!("{action}: HTTP {}; restart Wadesk and try again", res.status().as_u16()),
        ));
    }
    res.json()
        .await
        .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("{action}: unexpected answer: {e}")))
}
