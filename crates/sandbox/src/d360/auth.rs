//! Who is calling, and the Partner Hub's admission.
//!
//! - Partner keys (`X-API-Key: <key>`, or `Authorization: Bearer <key>`) are the sandbox's
//!   `partner_tokens`, matched in constant time by [`Partners`](crate::chatarchitect::partners).
//!   A `{partner_id}` in the path must be the key's derived partner id (403 otherwise).
//! - Channel keys (`D360-API-KEY`) are verified from their own MAC ([`super::identity`]); a key
//!   of a channel the sandbox holds must be the channel's newest key, a key of a channel it does
//!   not hold (a restart since) rebuilds the channel live, and is then its current key.
//!
//! Order of the Partner Hub's checks: key (401), path partner (403), armed failure (500), rate
//! (429), then the body (413, 400). Nothing here logs a key.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::channel::Channel;
use super::error::{HubError, MetaError};
use super::identity::{verify_api_key, waba_account_id, PartnerIdentity};
use super::store::Endpoint;
use super::{API_KEY_HEADER, D360, PARTNER_KEY_HEADER};
use crate::chatarchitect::partners::PartnerId;
use crate::sendzen::auth::bearer as auth_bearer;

/// The partner key a request carries: `X-API-Key`, else a Bearer token.
fn partner_key(headers: &HeaderMap) -> Option<&str> {
    let x = headers.get(PARTNER_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty());
    x.or_else(|| auth_bearer(headers))
}

/// The partner whose key the request carries; 401 otherwise.
pub(crate) fn partner(d: &D360, headers: &HeaderMap) -> Result<PartnerId, HubError> {
    let key =
        partner_key(headers).ok_or_else(|| HubError::unauthorized("Send your partner API key as X-API-Key: <key>"))?;
    d.partners.find(key).ok_or_else(|| HubError::unauthorized("Invalid API key"))
}

/// `partner`'s derived identity.
pub(crate) fn identity(d: &D360, partner: PartnerId) -> PartnerIdentity {
    PartnerIdentity::derive(d.partners.signing_key(partner))
}

/// A Partner Hub call on `/partners/{path_partner}/…` counting against `endpoint`'s armed
/// failures (if any): the partner and its identity, or the error to answer.
pub(crate) fn hub(
    d: &D360,
    headers: &HeaderMap,
    path_partner: &str,
    endpoint: Option<Endpoint>,
) -> Result<(PartnerId, PartnerIdentity), HubError> {
    let partner = partner(d, headers)?;
    let id = identity(d, partner);
    if id.partner_id != path_partner {
        return Err(HubError::forbidden());
    }
    let rate = d.config.partner_rate_per_second;
    d.store.with(|st| {
        let p = st.partner(partner, rate);
        if endpoint.is_some_and(|e| p.take_failure(e)) {
            return Err(HubError::server());
        }
        p.admit(rate)
    })?;
    Ok((partner, id))
}

/// The body as a JSON object: 413 above the limit, 400 when not JSON or not an object. An empty
/// body is `{}` when `empty_ok`.
pub(crate) fn object(body: Result<Bytes, BytesRejection>, empty_ok: bool) -> Result<Map<String, Value>, HubError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HubError::too_large()
        } else {
            HubError::bad_request("Request body could not be read")
        }
    })?;
    if empty_ok && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(HubError::bad_request("Request body must be a JSON object")),
        Err(_) => Err(HubError::bad_request("Request body is not valid JSON")),
    }
}

/// The channel whose API key the request carries (its id); 401 in Meta's shape otherwise.
pub(crate) fn channel(d: &D360, headers: &HeaderMap) -> Result<String, MetaError> {
    let Some(key) = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty())
    else {
        return Err(MetaError::unauthorized("Send the channel's API key as D360-API-KEY: <key>"));
    };
    let invalid = || MetaError::unauthorized("The D360-API-KEY is invalid or was revoked by a newer key");
    let (partner, claims) = verify_api_key(key, d.partners.keyed()).ok_or_else(invalid)?;
    let now = chrono::Utc::now();
    let settings = &d.config.messaging;
    d.store.with(|st| match st.channel(&claims.channel_id) {
        Some(ch) if ch.partner == partner && ch.key_id.as_deref() == Some(claims.key_id.as_str()) => Ok(ch.id.clone()),
        Some(_) => Err(invalid()),
        None => {
            tracing::info!(channel_id = %claims.channel_id, "360dialog channel rebuilt from its API key");
            let mut ch = Channel::rebuilt(partner, &claims, settings, now);
            ch.waba_account_id = waba_account_id(d.partners.signing_key(partner), &ch.waba_id);
            let id = ch.id.clone();
            st.channels.insert(id.clone(), ch);
            Ok(id)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_partner_key_comes_from_x_api_key_or_a_bearer_token() {
        let mut h = HeaderMap::new();
        assert_eq!(partner_key(&h), None);
        h.insert("authorization", HeaderValue::from_static("Bearer b-key"));
        assert_eq!(partner_key(&h), Some("b-key"));
        h.insert("x-api-key", HeaderValue::from_static(" x-key "));
        assert_eq!(partner_key(&h), Some("x-key"));
        h.insert("x-api-key", HeaderValue::from_static(" "));
        assert_eq!(partner_key(&h), Some("b-key"));
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(object(Ok(Bytes::from_static(b"{}")), false).is_ok());
        assert!(object(Ok(Bytes::from_static(b"")), true).unwrap().is_empty());
        assert_eq!(object(Ok(Bytes::from_static(b"")), false).unwrap_err().status, StatusCode::BAD_REQUEST);
        assert!(object(Ok(Bytes::from_static(b"[1]")), false).unwrap_err().message.contains("object"));
        assert!(object(Ok(Bytes::from_static(b"{")), false).unwrap_err().message.contains("JSON"));
    }
}
