//! Who is calling: the Partner API's Bearer token, matched in constant time.
//!
//! A partner is known only by its token; sessions remember which one created them, and that token
//! signs their webhooks (the seed uses the same value as the HMAC secret). Tokens never leave this
//! module except to sign, and nothing here logs them.

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;

/// Index of a configured partner token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PartnerId(usize);

#[cfg(test)]
impl PartnerId {
    /// The partner at `index`, for unit tests that need one without a token.
    pub(crate) fn for_tests(index: usize) -> PartnerId {
        PartnerId(index)
    }
}

/// The configured partner tokens.
pub(crate) struct Partners {
    tokens: Vec<String>,
    /// SHA-256 of each token: comparing fixed-length digests hides the tokens' lengths.
    digests: Vec<[u8; 32]>,
}

impl Partners {
    pub(crate) fn new(tokens: &[String]) -> Partners {
        let digests = tokens.iter().map(|t| Sha256::digest(t.as_bytes()).into()).collect();
        Partners { tokens: tokens.to_vec(), digests }
    }

    /// The partner whose token `Authorization: Bearer <token>` carries.
    ///
    /// Missing header or another scheme: 401 "Missing Bearer token"; unknown token: 401 "Invalid
    /// Bearer token". Every configured token is compared, so timing does not say which one is close.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<PartnerId, ApiError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::unauthorized("Missing Bearer token"))?;
        self.find(presented).ok_or(ApiError::unauthorized("Invalid Bearer token"))
    }

    /// The partner whose token is `presented`, however it was carried (360dialog's `X-API-Key`).
    /// Every configured token is compared, so timing does not say which one is close.
    pub(crate) fn find(&self, presented: &str) -> Option<PartnerId> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for (i, known) in self.digests.iter().enumerate() {
            if bool::from(known.ct_eq(&digest)) {
                found = Some(PartnerId(i));
            }
        }
        found
    }

    /// Every configured token, in order: the keys app secrets may be derived under.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.tokens.iter().map(String::as_bytes)
    }

    /// Every configured partner with its token: the keys SendZen identities are derived under.
    pub(crate) fn keyed(&self) -> impl Iterator<Item = (PartnerId, &[u8])> {
        self.tokens.iter().enumerate().map(|(i, t)| (PartnerId(i), t.as_bytes()))
    }

    /// The token that signs `partner`'s webhooks.
    pub(crate) fn signing_key(&self, partner: PartnerId) -> &[u8] {
        self.tokens.get(partner.0).map_or(&[], |t| t.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_tokens_identify_their_partner() {
        let p = Partners::new(&["alpha".into(), "beta".into()]);
        assert_eq!(p.authenticate(&with_auth("Bearer beta")), Ok(PartnerId(1)));
        assert_eq!(p.authenticate(&with_auth("bearer alpha")), Ok(PartnerId(0)));
        assert_eq!(p.signing_key(PartnerId(1)), b"beta");
    }

    #[test]
    fn missing_and_wrong_tokens_are_told_apart() {
        let p = Partners::new(&["alpha".into()]);
        assert_eq!(p.authenticate(&HeaderMap::new()).unwrap_err().message, "Missing Bearer token");
        assert_eq!(p.authenticate(&with_auth("Basic alpha")).unwrap_err().message, "Missing Bearer token");
        assert_eq!(p.authenticate(&with_auth("Bearer ")).unwrap_err().message, "Missing Bearer token");
        assert_eq!(p.authenticate(&with_auth("Bearer alph")).unwrap_err().message, "Invalid Bearer token");
    }
}
