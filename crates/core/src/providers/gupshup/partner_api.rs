//! Gupshup's Partner API (seed 002; PROVIDERS.md §3): `Authorization: <token>` — the raw token, no
//! "Bearer" — with the partner token for linking an app and fetching its app token, and the app's
//! own token for the pipeline, subscriptions and messaging.
//!
//! Errors are `{"status": "error", "message"}`. The partner token expires after 24 hours; a 401
//! says so with the next step (a new token from the partner portal) and is never retried here.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ProviderFailure, Result};
use crate::providers::http::{failure_of, root, unreachable};
use crate::secret::Secret;

/// A Gupshup partner endpoint (`https://partner.gupshup.io`, or the sandbox's `…/gupshup`).
#[derive(Debug, Clone)]
pub struct PartnerApi {
    base_url: String,
    http: reqwest::Client,
}

/// Whose token a call carries, for the next step a refusal gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The partner token (24 hours).
    Partner,
    /// The app's token.
    App,
}

#[derive(Deserialize)]
struct Linked {
    #[serde(rename = "appId")]
    app_id: String,
}

#[derive(Deserialize)]
struct AppToken {
    token: Secret,
}

/// The pipeline's `whatsapp` object (seed 002, "Get Status"), as reported.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq, Default, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    /// `WHATSAPP_PROVISIONING_DONE`, `ERROR`, …
    #[serde(default)]
    pub creation_stage: Option<String>,
    /// `EMBED_STARTED`, `EMBED_PENDING`, …
    #[serde(default)]
    pub embed_stage: Option<String>,
    /// `FINALIZE`, `CREATE_DOCKER`, …
    #[serde(default)]
    pub pipe_line_stage: Option<String>,
    /// `COMPLETE_VERIFICATION`, `GET_WHATSAPP_APPROVAL`, …
    #[serde(default)]
    pub ui_form_stage: Option<String>,
    /// `WHATSAPP_VERIFICATION_DONE`, `PN_DN_APPROVED`, …
    #[serde(default)]
    pub whatsapp_verification_status: Option<String>,
}

#[derive(Deserialize)]
struct PipelineAnswer {
    whatsapp: Pipeline,
}

#[derive(Deserialize)]
struct Subscribed {
    subscription: SubscriptionId,
}

#[derive(Deserialize)]
struct SubscriptionId {
    id: Value,
}

impl PartnerApi {
    /// A client for `base_url`.
    pub fn new(base_url: &str) -> Result<PartnerApi> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(PartnerApi { base_url: base_url.trim_end_matches('/').to_owned(), http })
    }

    /// The endpoint.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str, token: &Secret) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base_url)).header("Authorization", token.expose())
    }

    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder, action: &str, who: TokenKind) -> Result<T> {
        let res = req.send().await.map_err(|e| unreachable(action, &self.base_url, &e))?;
        let status = res.status();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = res.bytes().await.map_err(|e| {
            Error::Provider(ProviderFailure::Unreachable, format!("{action}: the answer was cut off: {}", root(&e)))
        })?;
        if !status.is_success() {
            return Err(answer_error(action, status, &bytes, retry_after.as_deref(), who));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Provider(ProviderFailure::BadAnswer, format!("{action}: unexpected answer: {e}")))
    }

    /// Step 1: `POST /partner/tpp/app` (form). Gives the new app's id.
    pub async fn link_app(
        &self,
        partner_token: &Secret,
        name: &str,
        waba_id: &str,
        phone: &str,
        callback_url: &str,
    ) -> Result<String> {
        let form = [("name", name), ("wabaId", waba_id), ("phone", phone), ("callbackUrl", callback_url)];
        let req = self.request(reqwest::Method::POST, "/partner/tpp/app", partner_token).form(&form);
        let linked: Linked = self.call(req, "link app", TokenKind::Partner).await?;
        Ok(linked.app_id)
    }

    /// Step 2: the app's token (the same one on every call).
    pub async fn app_token(&self, partner_token: &Secret, app_id: &str) -> Result<Secret> {
        let path = format!("/partner/app/{}/token", segment(app_id));
        let t: AppToken = self
            .call(self.request(reqwest::Method::GET, &path, partner_token), "app token", TokenKind::Partner)
            .await?;
        Ok(t.token)
    }

    /// Step 3: where the app's setup stands.
    pub async fn pipeline(&self, app_token: &Secret, app_id: &str) -> Result<Pipeline> {
        let path = format!("/partner/app/{}/pipeline", segment(app_id));
        let p: PipelineAnswer =
            self.call(self.request(reqwest::Method::GET, &path, app_token), "pipeline", TokenKind::App).await?;
        Ok(p.whatsapp)
    }

    /// Step 4: a v3 subscription to `url` for every mode v3 takes, with `headers` sent on each
    /// callback (`meta.headers`). Gives its id.
    pub async fn subscribe(
        &self,
        app_token: &Secret,
        app_id: &str,
        tag: &str,
        url: &str,
        headers: &serde_json::Map<String, Value>,
    ) -> Result<String> {
        let path = format!("/partner/app/{}/subscription", segment(app_id));
        let meta = serde_json::json!({ "headers": headers }).to_string();
        let form = [
            ("modes", "SENT,ENQUEUED,DELIVERED,READ,FAILED,MESSAGE,OTHERS"),
            ("tag", tag),
            ("url", url),
            ("version", "3"),
            ("showOnUI", "false"),
            ("meta", meta.as_str()),
        ];
        let req = self.request(reqwest::Method::POST, &path, app_token).form(&form);
        let s: Subscribed = self.call(req, "subscribe", TokenKind::App).await?;
        Ok(match s.subscription.id {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// A path segment from an id (uuids in practice; anything else is escaped).
pub(crate) fn segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A non-2xx answer as a typed error with the next step.
pub(crate) fn answer_error(
    action: &str,
    status: reqwest::StatusCode,
    body: &[u8],
    retry_after: Option<&str>,
    who: TokenKind,
) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let words = v
        .get("message")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let words: String = words.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    let code = status.as_u16();
    let next = match (code, retry_after, who) {
        (401 | 403, _, TokenKind::Partner) => {
            " (the partner token is wrong or expired — they last 24 hours: log in to Gupshup's partner portal, copy a \
             new token and enter it in Settings → Gupshup)"
                .to_owned()
        }
        (401 | 403, _, TokenKind::App) => " (Gupshup refused the app's token; link the app again)".to_owned(),
        (409, _, _) => " (choose another app name: Gupshup app names are unique across Gupshup)".to_owned(),
        (400, _, _) => " (Gupshup refused the request as sent; nothing was changed)".to_owned(),
        (429, Some(s), _) => format!(" (Gupshup's rate limit; try again in {} s)", s.trim()),
        (429, None, _) => " (Gupshup's rate limit; try again in a minute)".to_owned(),
        (500..=599, _, _) => " (a fault at Gupshup; try again later)".to_owned(),
        _ => String::new(),
    };
    Error::Provider(failure_of(code), format!("{action}: HTTP {code}: {words}{next}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_error_gets_its_words_and_next_step() {
        let e = |code: u16, body: &str, who| {
            answer_error("link app", reqwest::StatusCode::from_u16(code).unwrap(), body.as_bytes(), None, who)
        };
        let conflict = e(409, r#"{"status":"error","message":"Bot Already Exists"}"#, TokenKind::Partner);
        assert!(
            matches!(&conflict, Error::Provider(ProviderFailure::Conflict, t) if t.contains("Bot Already Exists") && t.contains("another app name"))
        );
        let expired = e(401, r#"{"status":"error","message":"Authentication Failed"}"#, TokenKind::Partner);
        assert!(matches!(&expired, Error::Provider(ProviderFailure::Unauthorized, t) if t.contains("24 hours")));
        let bad = e(400, r#"{"status":"error","message":"Invalid characters used in app name"}"#, TokenKind::Partner);
        assert!(matches!(&bad, Error::Provider(ProviderFailure::Rejected, t) if t.contains("Invalid characters")));
        let busy = answer_error("pipeline", reqwest::StatusCode::TOO_MANY_REQUESTS, b"{}", Some("2"), TokenKind::App);
        assert!(matches!(&busy, Error::Provider(ProviderFailure::Unavailable, t) if t.contains("try again in 2 s")));
    }
}
