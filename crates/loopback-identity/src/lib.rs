//! `wadesk-loopback-identity`: how a Wadesk process tells its own install's loopback service (the
//! embedded relay or sandbox, hosted by another Wadesk process) from anything else that listens on
//! the remembered port.
//!
//! Any local user can bind a free loopback port and answer `/healthz` like our services do. Before
//! a process sends a secret (the relay client key, the sandbox partner token, a hook URL) to a
//! service it did not start itself, it asks for a proof that only a holder of the install's
//! loopback key can give:
//!
//! ```text
//! GET /_wadesk/identity?nonce=<64 hex>   →   {"proof": hex(HMAC-SHA256(key, LABEL ‖ service ‖ port ‖ nonce))}
//! ```
//!
//! - The key is random per install and kept in the encrypted store, so only processes that
//!   unlocked this install's store can answer. Nothing secret travels: the nonce is fresh and
//!   random, the proof is a MAC of it.
//! - `port` is the port the *server* bound, not what the client asked for (the `Host` header):
//!   a squatter on the remembered port that forwards our challenge to the real service on another
//!   port gets a proof for that other port, which does not verify.
//! - `service` separates the relay from the sandbox, so one cannot stand in for the other.
//!
//! The relay and the sandbox crates serve the route; the desktop core asks. This crate is the one
//! place the format is written, so the three cannot drift. It deliberately has no HTTP code.
#![deny(missing_docs)]

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The route both embedded services answer on.
pub const PATH: &str = "/_wadesk/identity";

/// Domain separation for the MAC, versioned so the format can change without ambiguity.
const LABEL: &[u8] = b"wadesk loopback identity v1\0";

/// Bytes in a challenge nonce.
pub const NONCE_LEN: usize = 32;

/// Which embedded service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The embedded relay.
    Relay,
    /// The embedded provider sandbox.
    Sandbox,
}

impl Service {
    fn label(self) -> &'static [u8] {
        match self {
            Service::Relay => b"relay\0",
            Service::Sandbox => b"sandbox\0",
        }
    }
}

/// An install's loopback key (32 random bytes), zeroed on drop and never printed.
#[derive(Clone)]
pub struct IdentityKey(Zeroizing<[u8; 32]>);

impl IdentityKey {
    /// A fresh random key.
    pub fn random() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        IdentityKey(k)
    }

    /// A key from its stored bytes; `None` unless exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(IdentityKey(Zeroizing::new(arr)))
    }

    /// The bytes to store (in the encrypted store only).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn mac(&self, service: Service, port: u16, nonce: &[u8; NONCE_LEN]) -> Hmac<Sha256> {
        // A 32-byte key is always a valid HMAC key.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref()).unwrap_or_else(|_| unreachable!());
        mac.update(LABEL);
        mac.update(service.label());
        mac.update(&port.to_be_bytes());
        mac.update(nonce);
        mac
    }
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityKey(••••)")
    }
}

/// What a server holds to answer challenges: the install's key and the port it bound.
#[derive(Debug, Clone)]
pub struct Responder {
    key: IdentityKey,
    service: Service,
    port: u16,
}

impl Responder {
    /// Answers as `service` bound to `port`.
    pub fn new(key: IdentityKey, service: Service, port: u16) -> Self {
        Responder { key, service, port }
    }

    /// The proof (hex) for a challenge given as the `nonce` query value; `None` if the nonce is
    /// not exactly 64 hex characters (the server answers 400 then).
    pub fn answer(&self, nonce_hex: &str) -> Option<String> {
        let nonce = parse_nonce(nonce_hex)?;
        Some(hex::encode(self.key.mac(self.service, self.port, &nonce).finalize().into_bytes()))
    }
}

/// A challenge a client sends before trusting a loopback service.
#[derive(Debug)]
pub struct Challenge {
    nonce: [u8; NONCE_LEN],
}

impl Challenge {
    /// A fresh random challenge.
    pub fn new() -> Self {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        Challenge { nonce }
    }

    /// The path and query to GET, e.g. `/_wadesk/identity?nonce=…`.
    pub fn path_and_query(&self) -> String {
        format!("{PATH}?nonce={}", hex::encode(self.nonce))
    }

    /// Whether `proof_hex` proves the server holds `key` and serves `service` on `port`.
    /// The MAC is compared in constant time.
    pub fn verify(&self, key: &IdentityKey, service: Service, port: u16, proof_hex: &str) -> bool {
        let Ok(proof) = hex::decode(proof_hex) else { return false };
        key.mac(service, port, &self.nonce).verify_slice(&proof).is_ok()
    }
}

impl Default for Challenge {
    fn default() -> Self {
        Challenge::new()
    }
}

fn parse_nonce(nonce_hex: &str) -> Option<[u8; NONCE_LEN]> {
    if nonce_hex.len() != NONCE_LEN * 2 {
        return None;
    }
    hex::decode(nonce_hex).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce_of(c: &Challenge) -> String {
        c.path_and_query().rsplit('=').next().unwrap().to_owned()
    }

    #[test]
    fn the_right_key_service_and_port_verify() {
        let key = IdentityKey::random();
        let c = Challenge::new();
        let proof = Responder::new(key.clone(), Service::Relay, 8787).answer(&nonce_of(&c)).unwrap();
        assert!(c.verify(&key, Service::Relay, 8787, &proof));
    }

    #[test]
    fn another_key_port_service_or_nonce_does_not_verify() {
        let key = IdentityKey::random();
        let c = Challenge::new();
        let nonce = nonce_of(&c);
        // A squatter with its own key.
        let forged = Responder::new(IdentityKey::random(), Service::Relay, 8787).answer(&nonce).unwrap();
        assert!(!c.verify(&key, Service::Relay, 8787, &forged));
        // The real service on another port, reached through a forwarding squatter.
        let forwarded = Responder::new(key.clone(), Service::Relay, 9999).answer(&nonce).unwrap();
        assert!(!c.verify(&key, Service::Relay, 8787, &forwarded));
        // The sandbox standing in for the relay.
        let other_service = Responder::new(key.clone(), Service::Sandbox, 8787).answer(&nonce).unwrap();
        assert!(!c.verify(&key, Service::Relay, 8787, &other_service));
        // An answer to an earlier challenge, replayed.
        let old = Responder::new(key.clone(), Service::Relay, 8787).answer(&nonce_of(&Challenge::new())).unwrap();
        assert!(!c.verify(&key, Service::Relay, 8787, &old));
        for junk in ["", "zz", "00", &"0".repeat(64)] {
            assert!(!c.verify(&key, Service::Relay, 8787, junk), "{junk}");
        }
    }

    #[test]
    fn malformed_nonces_get_no_answer() {
        let r = Responder::new(IdentityKey::random(), Service::Sandbox, 1);
        for bad in ["", "abc", &"g".repeat(64), &"0".repeat(63), &"0".repeat(66), &"é".repeat(32)] {
            assert_eq!(r.answer(bad), None, "{bad}");
        }
        assert!(r.answer(&"ab".repeat(32)).is_some());
    }

    #[test]
    fn keys_never_print() {
        assert_eq!(format!("{:?}", IdentityKey::random()), "IdentityKey(••••)");
        assert!(!format!("{:?}", Responder::new(IdentityKey::random(), Service::Relay, 1)).contains('['));
        assert!(IdentityKey::from_bytes(&[0u8; 31]).is_none());
    }
}
