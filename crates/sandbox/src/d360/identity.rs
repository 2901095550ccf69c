//! A partner's and its channels' identities, derived rather than random, so they survive a
//! restart of the sandbox (as the SendZen simulator's do, `sendzen::identity`).
//!
//! Every value is HMAC-SHA256 keyed by the partner key, over a domain-separated label (ending in
//! `:`, with no other `:`) and what names the thing: nothing for the partner's own ids, the
//! lower-cased email for a client, the WABA id for a channel.
//!
//! A channel API key carries what the messaging API needs to rebuild its channel without stored
//! state: `base64url("<key id>:<channel id>:<client id>:<waba id>:<phone_number_id>:<phone
//! digits>")` + `_` + the first 32 hex digits of HMAC(partner key, `"d360 api_key:"` + that
//! text). A restarted sandbox re-derives the MAC under every configured partner key (constant
//! time, all compared) and so knows the partner and the channel.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::chatarchitect::partners::PartnerId;
use crate::chatarchitect::ALNUM;
use crate::sendzen::identity::meta_id;

const PARTNER_ID: &str = "d360 partner_id:";
const SOLUTION_ID: &str = "d360 solution_id:";
const USER_ID: &str = "d360 user_id:";
const META_APP_ID: &str = "d360 meta_app_id:";
const META_CONFIG_ID: &str = "d360 meta_config_id:";
const CLIENT_ID: &str = "d360 client_id:";
const CHANNEL_ID: &str = "d360 channel_id:";
const WABA_ACCOUNT_ID: &str = "d360 waba_account_id:";
const APP_ID: &str = "d360 app_id:";
const API_KEY: &str = "d360 api_key:";
/// Hex digits of a key's MAC: 128 bits.
const KEY_MAC_LEN: usize = 32;

/// HMAC-SHA256(`key`, `label` + `subject`).
fn mac(key: &[u8], label: &str, subject: &str) -> [u8; 32] {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    mac.update(label.as_bytes());
    mac.update(subject.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `prefix` + `len` (≤ 32) letters and digits taken from the MAC (the modulo bias is irrelevant).
fn alnum(prefix: &str, mac: &[u8; 32], len: usize) -> String {
    let mut s = prefix.to_owned();
    s.extend(mac.iter().take(len).map(|b| char::from(ALNUM[usize::from(*b) % ALNUM.len()])));
    s
}

/// Everything a partner key determines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartnerIdentity {
    /// `P` + 12 letters and digits.
    pub(crate) partner_id: String,
    /// The partner's one approved solution: 16 letters and digits.
    pub(crate) solution_id: String,
    /// The partner hub user acting for the key (`created_by.user_id`): `U` + 10.
    pub(crate) user_id: String,
    /// The partner's Meta app (the Tech Provider app its Embedded Signup runs): 15 digits.
    pub(crate) meta_app_id: String,
    /// Its Embedded Signup configuration: 15 digits.
    pub(crate) meta_config_id: String,
}

impl PartnerIdentity {
    pub(crate) fn derive(key: &[u8]) -> PartnerIdentity {
        PartnerIdentity {
            partner_id: alnum("P", &mac(key, PARTNER_ID, ""), 12),
            solution_id: alnum("", &mac(key, SOLUTION_ID, ""), 16),
            user_id: alnum("U", &mac(key, USER_ID, ""), 10),
            meta_app_id: meta_id(&mac(key, META_APP_ID, "")),
            meta_config_id: meta_id(&mac(key, META_CONFIG_ID, "")),
        }
    }
}

/// The client id for `subject` (a lower-cased email, or `waba:<id>` for a client created with a
/// number): `CL` + 10.
pub(crate) fn client_id(key: &[u8], subject: &str) -> String {
    alnum("CL", &mac(key, CLIENT_ID, subject), 10)
}

/// The channel of WABA `waba_id`: `CH` + 10 (one channel per shared WABA).
pub(crate) fn channel_id(key: &[u8], waba_id: &str) -> String {
    alnum("CH", &mac(key, CHANNEL_ID, waba_id), 10)
}

/// 360dialog's own id of the WABA account: `WA` + 10.
pub(crate) fn waba_account_id(key: &[u8], waba_id: &str) -> String {
    alnum("WA", &mac(key, WABA_ACCOUNT_ID, waba_id), 10)
}

/// The `app_id` of a channel's API key answer: `AP` + 10.
pub(crate) fn app_id(key: &[u8], channel_id: &str) -> String {
    alnum("AP", &mac(key, APP_ID, channel_id), 10)
}

/// What a channel API key names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyClaims {
    pub(crate) key_id: String,
    pub(crate) channel_id: String,
    pub(crate) client_id: String,
    pub(crate) waba_id: String,
    pub(crate) phone_number_id: String,
    /// Digits, no `+`.
    pub(crate) phone_number: String,
}

impl KeyClaims {
    fn text(&self) -> String {
        [&self.key_id, &self.channel_id, &self.client_id, &self.waba_id, &self.phone_number_id, &self.phone_number]
            .map(String::as_str)
            .join(":")
    }

    fn parse(text: &str) -> Option<KeyClaims> {
        let parts: Vec<&str> = text.split(':').collect();
        let ok =
            parts.len() == 6 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        ok.then(|| KeyClaims {
            key_id: parts[0].to_owned(),
            channel_id: parts[1].to_owned(),
            client_id: parts[2].to_owned(),
            waba_id: parts[3].to_owned(),
            phone_number_id: parts[4].to_owned(),
            phone_number: parts[5].to_owned(),
        })
    }
}

fn key_mac(key: &[u8], text: &str) -> String {
    let mut hex = hex::encode(mac(key, API_KEY, text));
    hex.truncate(KEY_MAC_LEN);
    hex
}

/// The API key carrying `claims`, under partner key `key`.
pub(crate) fn api_key(key: &[u8], claims: &KeyClaims) -> String {
    let text = claims.text();
    format!("{}_{}", URL_SAFE_NO_PAD.encode(&text), key_mac(key, &text))
}

/// The partner and claims of a key this sandbox (or an earlier run with the same partner keys)
/// issued; `None` for anything else. Every partner key is tried, in constant time each.
pub(crate) fn verify_api_key<'a>(
    presented: &str,
    partners: impl Iterator<Item = (PartnerId, &'a [u8])>,
) -> Option<(PartnerId, KeyClaims)> {
    let (encoded, given) = presented.rsplit_once('_')?;
    if given.len() != KEY_MAC_LEN {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    let claims = KeyClaims::parse(&text)?;
    let mut found = None;
    for (partner, key) in partners {
        if bool::from(key_mac(key, &text).as_bytes().ct_eq(given.as_bytes())) {
            found = Some(partner);
        }
    }
    found.map(|p| (p, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHA: &[u8] = b"partner-alpha";
    const BETA: &[u8] = b"partner-beta";

    fn claims() -> KeyClaims {
        KeyClaims {
            key_id: "K1a2b3c4d5e".into(),
            channel_id: channel_id(ALPHA, "123456789012345"),
            client_id: client_id(ALPHA, "owner@shop.example"),
            waba_id: "123456789012345".into(),
            phone_number_id: "223456789012345".into(),
            phone_number: "15551234567".into(),
        }
    }

    #[test]
    fn partner_identities_are_deterministic_with_their_shapes() {
        let a = PartnerIdentity::derive(ALPHA);
        assert_eq!(a, PartnerIdentity::derive(ALPHA));
        assert_ne!(a.partner_id, PartnerIdentity::derive(BETA).partner_id);
        assert!(a.partner_id.starts_with('P') && a.partner_id.len() == 13, "{}", a.partner_id);
        assert!(a.partner_id.bytes().all(|b| b.is_ascii_alphanumeric()));
        for id in [&a.meta_app_id, &a.meta_config_id] {
            assert!(id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0'), "{id}");
        }
        assert_ne!(a.meta_app_id, a.meta_config_id);
        assert_eq!(a.solution_id.len(), 16);
        assert!(client_id(ALPHA, "a@b").starts_with("CL") && channel_id(ALPHA, "1").starts_with("CH"));
        assert_ne!(client_id(ALPHA, "a@b"), client_id(BETA, "a@b"));
    }

    #[test]
    fn keys_carry_their_channel_and_partner() {
        let c = claims();
        let key = api_key(BETA, &c);
        let partners = [(PartnerId::for_tests(0), ALPHA), (PartnerId::for_tests(1), BETA)];
        assert_eq!(verify_api_key(&key, partners.into_iter()), Some((PartnerId::for_tests(1), c.clone())));
        let foreign = api_key(b"someone-else", &c);
        assert_eq!(verify_api_key(&foreign, partners.into_iter()), None);
        let last = key.chars().last().unwrap();
        let tampered = format!("{}{}", &key[..key.len() - 1], if last == '0' { '1' } else { '0' });
        assert_eq!(verify_api_key(&tampered, partners.into_iter()), None);
        for bad in ["", "_", "abc", &format!("{}_{}", URL_SAFE_NO_PAD.encode("a:b"), "0".repeat(32))] {
            assert_eq!(verify_api_key(bad, partners.into_iter()), None, "{bad}");
        }
    }
}
