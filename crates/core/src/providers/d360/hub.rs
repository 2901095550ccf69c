//! 360dialog's Partner Hub API (seed 003; PROVIDERS.md §4): `X-API-Key: <partner key>` on
//! `https://hub.360dialog.io/api/v2/partners/{partner_id}/…`.
//!
//! The key goes only into that header: never a URL, a log line or an error. The error body's
//! shape is not documented (UNCONFIRMED); the provider's words are read from whichever of the
//! shapes seen in public code it has (`meta.developer_message`, `detail`, `message`,
//! `error.message`), and every status has its own next step.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, root, unreachable};
use crate::secret::Secret;

/// How long one call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A Partner Hub endpoint for one partner.
#[derive(Debug, Clone)]
pub struct HubApi {
    base_url: String,
    partner_id: String,
    http: reqwest::Client,
}

/// Step 1's body: `POST …/account_sharing/clients`.
#[derive(Debug, Serialize)]
pub struct NewClient<'a> {
    /// Name of the client (the business).
    pub name: &'a str,
    /// Email address of the client user.
    pub email: &'a str,
    /// Name of the client user.
    pub user_name: &'a str,
}

/// Step 1's answer: the client (only its id is used).
#[derive(Debug, Deserialize)]
pub struct Client {
    /// The client's id, kept for step 3.
    pub id: String,
}

/// Step 3's body: `POST …/account_sharing/numbers`.
#[derive(Debug, Serialize)]
pub struct SubmitNumber<'a> {
    /// The approved Solution.
    pub solution_id: &'a str,
    /// The WABA id from the Embedded Signup callback.
    pub waba_external_id: &'a str,
    /// The client's Business Manager id, when Meta reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waba_business_id: Option<&'a str>,
    /// The client from step 1.
    pub client_id: &'a str,
    /// The pricing plan.
    pub tier: &'a str,
}

/// A channel (a phone number) as `GET …/channels` lists it; fields beyond `id` and `status` are
/// read where public code and the sandbox put them (UNCONFIRMED).
#[derive(Debug, Clone, Deserialize)]
pub struct Channel {
    /// The channel's id.
    pub id: String,
    /// Its status word.
    #[serde(default)]
    pub status: Option<String>,
    /// Its client.
    #[serde(default)]
    pub client_id: Option<String>,
    /// `setup_info`.
    #[serde(default)]
    pub setup_info: Option<SetupInfo>,
    /// `waba_account`.
    #[serde(default)]
    pub waba_account: Option<WabaAccount>,
}

/// `setup_info` of a channel.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetupInfo {
    /// The number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Its display name.
    #[serde(default)]
    pub phone_name: Option<String>,
}

/// `waba_account` of a channel.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WabaAccount {
    /// Meta's WABA id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Meta's phone number id (where the sandbox puts it; UNCONFIRMED).
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

#[derive(Deserialize)]
struct ChannelList {
    #[serde(default)]
    partner_channels: Vec<Channel>,
}

/// The channel API key answer (HTTP 201): `api_key`, or `key` in some clients' reading.
#[derive(Deserialize)]
struct KeyAnswer {
    #[serde(default)]
    api_key: Option<Secret>,
    #[serde(default)]
    key: Option<Secret>,
}

#[derive(Deserialize)]
struct WebhookUrl {
    #[serde(default)]
    webhook_url: Option<String>,
}

impl HubApi {
    /// A client for `base_url` (`https://hub.360dialog.io/api/v2`) and `partner_id`.
    pub fn new(base_url: &str, partner_id: &str) -> Result<HubApi> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(HubApi { base_url: base_url.trim_end_matches('/').to_owned(), partner_id: partner_id.to_owned(), http })
    }

    fn request(&self, method: reqwest::Method, path: &str, key: &Secret) -> reqwest::RequestBuilder {
        let partner = segment(&self.partner_id);
        self.http
            .request(method, format!("{}/partners/{partner}{path}", self.base_url))
            .header("X-API-Key", key.expose())
            .header("Accept", "application/json")
    }

    /// Sends `req`; a 2xx answer's bytes with its status, anything else a typed error.
    async fn send(&self, req: reqwest::RequestBuilder, action: &str) -> Result<(u16, Vec<u8>)> {
        let res = req.send().await.map_err(|e| unreachable(action, &self.base_url, &e))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if !status.is_success() {
            return Err(answer_error(action, status, &bytes, retry_after.as_deref()));
        }
        Ok((status.as_u16(), bytes.to_vec()))
    }

    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder, action: &str) -> Result<T> {
        let (_, bytes) = self.send(req, action).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("{action}: unexpected answer: {e}")))
    }

    /// Step 1: creates the client account.
    pub async fn create_client(&self, key: &Secret, body: &NewClient<'_>) -> Result<Client> {
        let req = self.request(reqwest::Method::POST, "/account_sharing/clients", key).json(body);
        self.call(req, "create client").await
    }

    /// Step 3: submits the number the Embedded Signup created; the answer is a queued event.
    pub async fn submit_number(&self, key: &Secret, body: &SubmitNumber<'_>) -> Result<Value> {
        let req = self.request(reqwest::Method::POST, "/account_sharing/numbers", key).json(body);
        self.call(req, "submit number").await
    }

    /// The partner's channels matching `filters` (a JSON object, e.g. `{"waba_external_id": …}`).
    pub async fn channels(&self, key: &Secret, filters: &Value) -> Result<Vec<Channel>> {
        let req =
            self.request(reqwest::Method::GET, "/channels", key).query(&[("filters", filters.to_string().as_str())]);
        let list: ChannelList = self.call(req, "list channels").await?;
        Ok(list.partner_channels)
    }

    /// Step 4: a new API key for the channel (HTTP 201); it revokes the channel's older keys.
    pub async fn create_api_key(&self, key: &Secret, channel_id: &str) -> Result<Secret> {
        let path = format!("/channels/{}/api_keys", segment(channel_id));
        let req = self.request(reqwest::Method::POST, &path, key).json(&serde_json::json!({}));
        let (status, bytes) = self.send(req, "create API key").await?;
        if status != 201 {
            tracing::warn!(status, "360dialog answered the API key call with a 2xx other than the documented 201");
        }
        let answer: KeyAnswer = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Provider(ProviderFailure::BadAnswer, format!("create API key: unexpected answer: {e}"))
        })?;
        let key = answer.api_key.or(answer.key).filter(|k| {
            let k = k.expose();
            !k.is_empty() && k.len() <= 512 && !k.chars().any(|c| c.is_whitespace() || c.is_control())
        });
        key.ok_or_else(|| {
            Error::Provider(ProviderFailure::BadAnswer, "create API key: the answer has no usable api_key".into())
        })
    }

    /// The partner webhook URL now set (partner events only, not messaging).
    pub async fn webhook_url(&self, key: &Secret) -> Result<Option<String>> {
        let answer: WebhookUrl =
            self.call(self.request(reqwest::Method::GET, "/webhook_url", key), "read the partner webhook URL").await?;
        Ok(answer.webhook_url.filter(|u| !u.trim().is_empty()))
    }

    /// Points the partner webhook URL at `url` (a capability: never logged).
    pub async fn set_webhook_url(&self, key: &Secret, url: &str) -> Result<()> {
        let req =
            self.request(reqwest::Method::POST, "/webhook_url", key).json(&serde_json::json!({ "webhook_url": url }));
        self.send(req, "set the partner webhook URL").await.map(|_| ())
    }
}

/// A path segment from an id: ids are letters and digits in practice, anything else is escaped.
fn segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The provider's own words on one short line, from any of the error shapes seen.
pub(crate) fn provider_words(status: reqwest::StatusCode, body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let text =
        |v: Option<&Value>| v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let words = text(v.pointer("/meta/developer_message"))
        .or_else(|| text(v.get("detail")))
        .or_else(|| text(v.pointer("/error/message")))
        .or_else(|| text(v.get("message")))
        .or_else(|| text(v.get("error")))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    words.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect()
}

/// A non-2xx Partner Hub answer as a typed error with the next step.
pub(crate) fn answer_error(action: &str, status: reqwest::StatusCode, body: &[u8], retry_after: Option<&str>) -> Error {
    let words = provider_words(status, body);
    let code = status.as_u16();
    let next = match (code, retry_after) {
        (400 | 422, _) => " (360dialog refused the request as sent; nothing was changed)".to_owned(),
        (401, _) => " (check the partner API key in Settings → 360dialog)".to_owned(),
        (403, _) => " (the partner API key does not belong to this partner ID, or lacks the permission)".to_owned(),
        (404, _) => " (360dialog does not know it; check the partner ID)".to_owned(),
        (429, Some(s)) => format!(" (360dialog's rate limit; try again in {} s)", s.trim()),
        (429, None) => " (360dialog's rate limit; try again in a minute)".to_owned(),
        (500..=599, _) => " (a fault at 360dialog; try again later)".to_owned(),
        _ => String::new(),
    };
    Error::Provider(failure_of(code), format!("{action}: HTTP {code}: {words}{next}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_gives_the_providers_words_and_a_next_step() {
        let e = answer_error(
            "submit number",
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"meta":{"success":false,"http_code":400,"developer_message":"solution_id is required"}}"#,
            None,
        );
        let Error::Provider(ProviderFailure::Rejected, text) = &e else { panic!("{e:?}") };
        assert!(text.contains("solution_id is required") && text.contains("nothing was changed"), "{text}");
        let e = answer_error("create client", reqwest::StatusCode::UNAUTHORIZED, br#"{"detail":"bad key"}"#, None);
        assert!(
            matches!(&e, Error::Provider(ProviderFailure::Unauthorized, t) if t.contains("bad key") && t.contains("partner API key"))
        );
        let e = answer_error("x", reqwest::StatusCode::TOO_MANY_REQUESTS, b"", Some("7"));
        assert!(matches!(&e, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("try again in 7 s")));
        let e = answer_error("x", reqwest::StatusCode::INTERNAL_SERVER_ERROR, b"<html>\n", None);
        assert!(matches!(&e, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("Internal Server Error")));
        assert_eq!(segment("P1/../x"), "P1%2F%2E%2E%2Fx");
    }
}
