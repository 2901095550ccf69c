//! Who is calling: `Authorization: Bearer <key>`, for both of SendZen's key kinds.
//!
//! - Partner API Keys (seed 001 "Authentication") are the sandbox's `partner_tokens`, matched in
//!   constant time by the ChatArchitect simulator's [`Partners`](crate::chatarchitect::partners)
//!   (one configured value serves as a partner credential for both simulated providers).
//! - Customer keys are each project's `user_data.api_key`, derived from the partner token and the
//!   `client_identifier` it names ([`super::identity`]): its MAC is checked in constant time
//!   under every partner token, so a key issued before a restart still finds its project, which
//!   is rebuilt if the sandbox no longer holds it ([`State::project_for_key`](super::store::State)).
//!
//! The messaging API takes customer keys only: a partner key there is a 401, as is another
//! project's key for a WABA or number in the path. Nothing here logs a key.

use axum::http::{header, HeaderMap};

use super::error::{ApiError, PartnerError, CODE_INVALID_API_KEY, CODE_MISSING_API_KEY};
use super::identity;
use super::SendZen;
use crate::chatarchitect::partners::PartnerId;

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive), if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

/// The partner whose Partner API Key the request carries; 401 in the seed's shape otherwise.
pub(crate) fn partner(sz: &SendZen, headers: &HeaderMap) -> Result<PartnerId, PartnerError> {
    if bearer(headers).is_none() {
        return Err(PartnerError::missing_key());
    }
    sz.partners.authenticate(headers).map_err(|_| PartnerError::invalid_key())
}

/// The project whose customer key the request carries (its `project_id`).
pub(crate) fn project(sz: &SendZen, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(key) = bearer(headers) else {
        return Err(ApiError::unauthorized(
            CODE_MISSING_API_KEY,
            "Send the customer's key as Authorization: Bearer <user_data.api_key>",
        ));
    };
    if let Some((partner, client_identifier)) = identity::verify_api_key(key, sz.partners.keyed()) {
        let token = sz.partners.signing_key(partner);
        let now = chrono::Utc::now();
        let settings = &sz.config.messaging;
        if let Some(id) = sz.store.with(|st| st.project_for_key(partner, token, &client_identifier, settings, now)) {
            return Ok(id);
        }
    }
    if sz.partners.authenticate(headers).is_ok() {
        return Err(ApiError::unauthorized(
            CODE_INVALID_API_KEY,
            "A Partner API Key cannot be used for customer operations: use the customer's user_data.api_key",
        ));
    }
    Err(ApiError::unauthorized(CODE_INVALID_API_KEY, "The provided API key is invalid or expired"))
}

/// The messaging API's admission: the customer key (401), then a failure the control surface
/// armed for this project (500, or 429 with `Retry-After: 1`). Returns the project id.
pub(crate) fn customer(sz: &SendZen, headers: &HeaderMap) -> Result<String, ApiError> {
    let id = project(sz, headers)?;
    match sz.store.with(|st| st.project(&id).and_then(|p| p.forced.take())) {
        Some(429) => Err(ApiError::rate_limited(1)),
        Some(_) => Err(ApiError::server()),
        None => Ok(id),
    }
}

/// Who may use a project's control routes: the partner that created it, or the project itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    Partner(PartnerId),
    Project(String),
}

impl Caller {
    /// Whether this caller may see and steer `project_id`, created by `owner`.
    pub(crate) fn may_use(&self, project_id: &str, owner: PartnerId) -> bool {
        match self {
            Caller::Partner(p) => *p == owner,
            Caller::Project(id) => id == project_id,
        }
    }
}

/// The control surface's caller: a partner key, else a customer key; 401 otherwise.
pub(crate) fn caller(sz: &SendZen, headers: &HeaderMap) -> Result<Caller, PartnerError> {
    match partner(sz, headers) {
        Ok(p) => Ok(Caller::Partner(p)),
        Err(e) if bearer(headers).is_none() => Err(e),
        Err(e) => project(sz, headers).map(Caller::Project).map_err(|_| e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_non_empty_bearer_tokens_count() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            h
        };
        assert_eq!(bearer(&with("Bearer sk_live_x")), Some("sk_live_x"));
        assert_eq!(bearer(&with("bearer  sk_live_x ")), Some("sk_live_x"));
        assert_eq!(bearer(&with("Basic sk_live_x")), None);
        assert_eq!(bearer(&with("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn a_project_caller_may_use_only_itself() {
        let owner = PartnerId::for_tests(0);
        assert!(Caller::Partner(owner).may_use("proj_a", owner));
        assert!(!Caller::Partner(PartnerId::for_tests(1)).may_use("proj_a", owner));
        assert!(Caller::Project("proj_a".into()).may_use("proj_a", owner));
        assert!(!Caller::Project("proj_b".into()).may_use("proj_a", owner));
    }
}
