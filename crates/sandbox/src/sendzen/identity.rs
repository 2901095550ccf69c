//! A project's identities, derived rather than random, so they survive a restart of the sandbox
//! (the desktop embeds it and restarts it with the app), as ChatArchitect's app secrets do.
//!
//! Every value is HMAC-SHA256 keyed by the partner token that onboarded the client, over a
//! domain-separated label and the `client_identifier`. The labels end in `:` and contain no other
//! `:`, so no (label, identifier) pair can produce another pair's message.
//!
//! The customer key carries its own client: `sk_live_<base64url(client_identifier)>_<first 32 hex
//! of HMAC(token, "sendzen api_key:" + client_identifier)>`. A restarted sandbox reads the
//! identifier back, re-derives the MAC under every configured partner token (constant time, every
//! token compared) and so knows the client and its partner without any stored state.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::onboard::MAX_IDENTIFIER;
use super::project::Secret;
use crate::chatarchitect::partners::PartnerId;

const PROJECT_ID: &str = "sendzen project_id:";
const API_KEY: &str = "sendzen api_key:";
const WABA_ID: &str = "sendzen waba_id:";
const PHONE_NUMBER_ID: &str = "sendzen phone_number_id:";
const PHONE_NUMBER: &str = "sendzen phone_number:";

/// The prefix of every customer key (the seed's shape).
const KEY_PREFIX: &str = "sk_live_";
/// Hex digits of the key's MAC: 128 bits.
const KEY_MAC_LEN: usize = 32;
/// How many business numbers fit the `1555` + `[1-9]` + 6 digits shape.
const PHONE_SPACE: u32 = 9_000_000;

/// Everything a project's partner token and `client_identifier` determine.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// `proj_` + 12 lowercase hex digits.
    pub(crate) project_id: String,
    pub(crate) api_key: Secret,
    /// 15 digits, not starting with 0.
    pub(crate) waba_id: String,
    /// 15 digits, not starting with 0.
    pub(crate) phone_number_id: String,
    /// Where the business number's probe starts (see [`Identity::phone_number`]).
    phone_seed: u32,
}

impl Identity {
    pub(crate) fn derive(partner_token: &[u8], client_identifier: &str) -> Identity {
        let project = mac(partner_token, PROJECT_ID, client_identifier);
        let phone = mac(partner_token, PHONE_NUMBER, client_identifier);
        Identity {
            project_id: format!("proj_{}", &hex::encode(project)[..12]),
            api_key: Secret::new(api_key(partner_token, client_identifier)),
            waba_id: meta_id(&mac(partner_token, WABA_ID, client_identifier)),
            phone_number_id: meta_id(&mac(partner_token, PHONE_NUMBER_ID, client_identifier)),
            phone_seed: (u64_of(&phone) % u64::from(PHONE_SPACE)) as u32,
        }
    }

    /// The business number of the `attempt`-th probe: `1555` + 7 digits, not starting with 0.
    /// Attempt 0 is the derived number; a collision with another project moves to the next one,
    /// which only a space of 9 million numbers makes possible at all.
    pub(crate) fn phone_number(&self, attempt: u32) -> String {
        let n = (u64::from(self.phone_seed) + u64::from(attempt)) % u64::from(PHONE_SPACE);
        format!("1555{}", 1_000_000 + n)
    }
}

/// HMAC-SHA256(`key`, `label` + `client_identifier`).
fn mac(key: &[u8], label: &str, client_identifier: &str) -> [u8; 32] {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(label.as_bytes());
    mac.update(client_identifier.as_bytes());
    mac.finalize().into_bytes().into()
}

fn u64_of(mac: &[u8; 32]) -> u64 {
    let mut first = [0; 8];
    first.copy_from_slice(&mac[..8]);
    u64::from_be_bytes(first)
}

/// A Meta-style id of 15 digits, not starting with 0 (the modulo bias is irrelevant here).
pub(crate) fn meta_id(mac: &[u8; 32]) -> String {
    const LOW: u64 = 100_000_000_000_000;
    (LOW + u64_of(mac) % (9 * LOW)).to_string()
}

/// The MAC part of `client_identifier`'s key under `key`.
fn key_mac(key: &[u8], client_identifier: &str) -> String {
    let mut hex = hex::encode(mac(key, API_KEY, client_identifier));
    hex.truncate(KEY_MAC_LEN);
    hex
}

/// `client_identifier`'s customer key under partner token `key`.
pub(crate) fn api_key(key: &[u8], client_identifier: &str) -> String {
    format!("{KEY_PREFIX}{}_{}", URL_SAFE_NO_PAD.encode(client_identifier), key_mac(key, client_identifier))
}

/// The `(client_identifier, MAC)` a key claims, if it has a derived key's shape and names an
/// identifier onboarding would accept. Says nothing about whether the MAC is right.
pub(crate) fn parse_api_key(key: &str) -> Option<(String, &str)> {
    let (encoded, mac) = key.strip_prefix(KEY_PREFIX)?.rsplit_once('_')?;
    if mac.len() != KEY_MAC_LEN || !mac.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    // The decoder refuses padding and non-zero trailing bits, so each key has one spelling.
    let id = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    let acceptable = !id.trim().is_empty() && id.chars().count() <= MAX_IDENTIFIER && !id.chars().any(char::is_control);
    acceptable.then_some((id, mac))
}

/// The partner and client a derived key belongs to: the key's MAC is re-derived under every
/// partner token and compared in constant time, all of them, so timing shows neither a near miss
/// nor which token matched.
pub(crate) fn verify_api_key<'a>(
    key: &str,
    partners: impl Iterator<Item = (PartnerId, &'a [u8])>,
) -> Option<(PartnerId, String)> {
    let (client_identifier, presented) = parse_api_key(key)?;
    let mut found = None;
    for (partner, token) in partners {
        if bool::from(key_mac(token, &client_identifier).as_bytes().ct_eq(presented.as_bytes())) {
            found = Some(partner);
        }
    }
    found.map(|partner| (partner, client_identifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHA: &[u8] = b"partner-alpha";
    const BETA: &[u8] = b"partner-beta";

    fn partners() -> impl Iterator<Item = (PartnerId, &'static [u8])> {
        [(PartnerId::for_tests(0), ALPHA), (PartnerId::for_tests(1), BETA)].into_iter()
    }

    fn digits(s: &str, len: usize) -> bool {
        s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
    }

    #[test]
    fn identities_are_deterministic_with_the_seeds_shapes() {
        let a = Identity::derive(ALPHA, "customer-12345");
        let again = Identity::derive(ALPHA, "customer-12345");
        assert_eq!((&a.project_id, a.api_key.expose()), (&again.project_id, again.api_key.expose()));
        assert_eq!(
            (&a.waba_id, &a.phone_number_id, a.phone_number(0)),
            (&again.waba_id, &again.phone_number_id, again.phone_number(0))
        );
        assert!(a.project_id.starts_with("proj_") && a.project_id.len() == 17, "{}", a.project_id);
        assert!(a.project_id[5..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert!(a.api_key.expose().starts_with("sk_live_"));
        assert!(digits(&a.waba_id, 15) && digits(&a.phone_number_id, 15) && a.waba_id != a.phone_number_id);
        let phone = a.phone_number(0);
        assert!(phone.starts_with("1555") && digits(&phone, 11) && phone.as_bytes()[4] != b'0', "{phone}");
        assert_ne!(a.phone_number(1), phone);
    }

    #[test]
    fn other_partners_and_clients_get_other_identities() {
        let a = Identity::derive(ALPHA, "c-1");
        for other in [Identity::derive(BETA, "c-1"), Identity::derive(ALPHA, "c-2")] {
            assert_ne!(a.project_id, other.project_id);
            assert_ne!(a.api_key.expose(), other.api_key.expose());
            assert_ne!(a.waba_id, other.waba_id);
            assert_ne!(a.phone_number_id, other.phone_number_id);
        }
    }

    #[test]
    fn the_phone_probe_wraps_inside_the_shape() {
        let mut id = Identity::derive(ALPHA, "c");
        id.phone_seed = PHONE_SPACE - 1;
        assert_eq!(id.phone_number(0), "15559999999");
        assert_eq!(id.phone_number(1), "15551000000");
    }

    #[test]
    fn a_derived_key_names_its_client_and_partner() {
        for id in ["customer-12345", "ünïcode / with_underscores + spaces?", &"é".repeat(MAX_IDENTIFIER)] {
            let key = api_key(BETA, id);
            assert_eq!(verify_api_key(&key, partners()), Some((PartnerId::for_tests(1), id.to_owned())), "{key}");
        }
    }

    #[test]
    fn a_tampered_or_foreign_key_is_refused() {
        let key = api_key(ALPHA, "c-1");
        let last = key.chars().last().unwrap();
        let tampered = format!("{}{}", &key[..key.len() - 1], if last == '0' { '1' } else { '0' });
        assert_eq!(verify_api_key(&tampered, partners()), None);
        let foreign = api_key(b"unconfigured-partner", "c-1");
        assert_eq!(verify_api_key(&foreign, partners()), None);
        // Another client's MAC on this client's identifier.
        let (_, mac2) = api_key(ALPHA, "c-2").rsplit_once('_').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
        let swapped = format!("sk_live_{}_{mac2}", URL_SAFE_NO_PAD.encode("c-1"));
        assert_eq!(verify_api_key(&swapped, partners()), None);
        assert_eq!(verify_api_key(&key, std::iter::empty()), None);
    }

    #[test]
    fn garbage_after_the_prefix_does_not_parse() {
        let mac = "0".repeat(KEY_MAC_LEN);
        let blank = URL_SAFE_NO_PAD.encode("  ");
        let control = URL_SAFE_NO_PAD.encode("a\u{7}");
        let long = URL_SAFE_NO_PAD.encode("x".repeat(MAX_IDENTIFIER + 1));
        let not_utf8 = URL_SAFE_NO_PAD.encode([0xff, 0xfe]);
        for bad in [
            String::new(),
            "sk_live_".to_owned(),
            "sk_live_abc".to_owned(),
            format!("sk_live_{mac}"),
            format!("sk_live__{mac}"),
            format!("sk_live_YWJj_{}", "0".repeat(31)),
            format!("sk_live_YWJj_{}", "A".repeat(KEY_MAC_LEN)),
            format!("sk_live_YWJj=_{mac}"),
            format!("sk_live_YR_{mac}"),
            format!("sk_live_!!!!_{mac}"),
            format!("sk_test_YWJj_{mac}"),
            format!("sk_live_{blank}_{mac}"),
            format!("sk_live_{control}_{mac}"),
            format!("sk_live_{long}_{mac}"),
            format!("sk_live_{not_utf8}_{mac}"),
        ] {
            assert_eq!(parse_api_key(&bad), None, "{bad}");
        }
        assert_eq!(parse_api_key(&format!("sk_live_YWJj_{mac}")), Some(("abc".to_owned(), mac.as_str())));
    }
}
