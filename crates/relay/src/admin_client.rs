//! The operator's HTTP client for the admin routes ([`crate::admin`]): what
//! `wadesk-relay channels …` uses. The admin token comes from the relay's own configuration
//! (`admin_token_file`, `WADESK_RELAY_ADMIN_TOKEN` or the TOML file), never from an argument, so it
//! stays out of shell history and process lists.

use std::time::Duration;

use serde::de::DeserializeOwned;
use wadesk_relay_protocol::{CreateChannel, CreatedChannel, CHANNELS_PATH};

use crate::admin::{ChannelList, Revoked, RotatedKey};

/// Why an admin call failed, with the exit code `wadesk-relay channels` gives it (the desktop
/// CLI's table: 2 invalid input, 3 not found, 8 relay unavailable, 9 token refused, 1 other).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request or the local configuration is wrong.
    #[error("{0}")]
    Invalid(String),
    /// No such channel.
    #[error("{0}")]
    NotFound(String),
    /// The relay could not be reached, or failed (5xx).
    #[error("{0}")]
    Unavailable(String),
    /// The relay refused the admin token (401), or administration is disabled there (403).
    #[error("{0}")]
    Refused(String),
    /// Anything else.
    #[error("{0}")]
    Failed(String),
}

impl AdminError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AdminError::Invalid(_) => 2,
            AdminError::NotFound(_) => 3,
            AdminError::Unavailable(_) => 8,
            AdminError::Refused(_) => 9,
            AdminError::Failed(_) => 1,
        }
    }

    /// The stable machine-readable code (`--json` errors).
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::Invalid(_) => "invalid_input",
            AdminError::NotFound(_) => "not_found",
            AdminError::Unavailable(_) => "relay_unavailable",
            AdminError::Refused(_) => "unauthorized",
            AdminError::Failed(_) => "internal",
        }
    }
}

/// A client for one relay's admin routes.
pub struct AdminClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient").field("base", &self.base).finish_non_exhaustive()
    }
}

impl AdminClient {
    /// A client for the relay at `base` (`http://127.0.0.1:8787`, or the public https URL).
    pub fn new(base: &str, token: &str) -> Result<Self, AdminError> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(AdminError::Invalid(format!("relay URL {base:?}: expected http:// or https://")));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AdminError::Failed(e.without_url().to_string()))?;
        Ok(AdminClient { base, token: token.to_owned(), http })
    }

    /// Every channel with its counters.
    pub async fn list(&self) -> Result<ChannelList, AdminError> {
        self.send(self.http.get(self.url(CHANNELS_PATH))).await
    }

    /// Creates a channel for a desktop's public key (base64). The answer's tokens are shown once.
    pub async fn create(&self, public_key: &str, label: &str) -> Result<CreatedChannel, AdminError> {
        let body = CreateChannel { public_key: public_key.to_owned(), label: label.to_owned() };
        self.send(self.http.post(self.url(CHANNELS_PATH)).json(&body)).await
    }

    /// Revokes a channel: its hook URL and client key stop working, its events are deleted.
    pub async fn revoke(&self, channel_id: &str) -> Result<Revoked, AdminError> {
        self.send(self.http.delete(self.url(&channel_path(channel_id)?))).await
    }

    /// Gives a channel a new client key (shown once); the old one stops working.
    pub async fn rotate_client_key(&self, channel_id: &str) -> Result<RotatedKey, AdminError> {
        self.send(self.http.post(self.url(&format!("{}/client-key", channel_path(channel_id)?)))).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, AdminError> {
        let res = req.bearer_auth(&self.token).send().await.map_err(|e| {
            AdminError::Unavailable(format!("the relay at {} could not be reached: {}", self.base, e.without_url()))
        })?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| AdminError::Unavailable(e.without_url().to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| AdminError::Failed(format!("the relay's answer was not understood: {e}")));
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("the relay answered {status}"));
        Err(match status.as_u16() {
            400 => AdminError::Invalid(message),
            401 => AdminError::Refused(format!("{message} (the relay refused the admin token in this configuration)")),
            403 => AdminError::Refused(message),
            404 => AdminError::NotFound(message),
            s if s >= 500 => AdminError::Unavailable(message),
            _ => AdminError::Failed(message),
        })
    }
}

/// `/v1/channels/<id>` for an id that is one path segment (what the relay issues: `ch_…`).
fn channel_path(channel_id: &str) -> Result<String, AdminError> {
    let ok = !channel_id.is_empty()
        && channel_id.len() <= 64
        && channel_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(format!("{CHANNELS_PATH}/{channel_id}"))
    } else {
        Err(AdminError::Invalid(format!("channel id {channel_id:?}: expected letters, digits, _ or - (like ch_…)")))
    }
}
