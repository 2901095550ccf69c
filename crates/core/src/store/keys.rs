//! Where the database key comes from: the OS keychain, or a passphrase through Argon2id.
//!
//! The 32-byte SQLCipher key is never written to disk in the clear. With the keychain it is random
//! and kept by the OS (Secret Service, macOS Keychain, Windows Credential Manager) under an entry
//! named after this install; with a passphrase it is derived each time from the passphrase and a
//! salt kept in the key metadata file. The metadata file holds no secret.

use std::ops::RangeInclusive;

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Shortest passphrase accepted for a new store.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Keychain service name; the entry's user is `db-key:<install id>`.
const KEYCHAIN_SERVICE: &str = "wadesk";

/// Argon2id costs accepted from key metadata. The file is untrusted input, and the costs decide how
/// much memory and time a derivation takes, so they are bounded before anything is allocated:
/// - memory 8 MiB ..= 1 GiB: the floor is far under anything a build of ours writes (64 MiB), so a
///   lower value is not our file; 1 GiB is what a desktop can still give for a second or two.
/// - passes 1 ..= 10, and memory × passes at most 4 GiB (about 20× our default), so the worst a
///   tampered file can cost is a few seconds, never hours.
/// - lanes 1 ..= 4: the `argon2` crate computes lanes one after another here, so more lanes only
///   add work without adding hardness.
pub const M_COST_KIB: RangeInclusive<u32> = 8 * 1024..=1024 * 1024;
/// See [`M_COST_KIB`].
pub const T_COST: RangeInclusive<u32> = 1..=10;
/// See [`M_COST_KIB`].
pub const P_COST: RangeInclusive<u32> = 1..=4;
const MAX_WORK_KIB: u64 = 4 * 1024 * 1024;
/// Salt length in bytes: we write 16 (Argon2's recommendation); up to 64 is accepted.
pub const SALT_BYTES: RangeInclusive<usize> = 16..=64;

/// Set to `1` to behave as if no OS keychain existed (e.g. a shared machine, or tests).
pub const NO_KEYCHAIN_ENV: &str = "WADESK_NO_KEYCHAIN";

/// A raw SQLCipher key, zeroed on drop.
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    /// A fresh random key.
    pub fn random() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        DbKey(k)
    }

    /// The `PRAGMA key` value in SQLCipher's raw-key form (`x'…'`), which skips SQLCipher's own KDF.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }

    fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    fn from_hex(s: &str) -> Option<Self> {
        let bytes = Zeroizing::new(hex::decode(s.trim()).ok()?);
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(DbKey(Zeroizing::new(arr)))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(••••)")
    }
}

/// How an install's key is kept; stored in the key metadata file (no secret in it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum KeySpec {
    /// A random key in the OS keychain.
    Keychain {
        /// Keychain service name.
        service: String,
        /// Keychain entry (user) name.
        entry: String,
    },
    /// A key derived from a passphrase with Argon2id.
    Passphrase {
        /// Hex-encoded random salt.
        salt: String,
        /// Argon2 memory cost in KiB.
        m_cost_kib: u32,
        /// Argon2 iterations.
        t_cost: u32,
        /// Argon2 lanes.
        p_cost: u32,
    },
}

impl KeySpec {
    /// A new passphrase spec with a fresh salt and OWASP's recommended Argon2id cost
    /// (19 MiB would be the floor; we take 64 MiB, 3 passes — about 0.2 s here).
    pub fn new_passphrase() -> Self {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        KeySpec::Passphrase { salt: hex::encode(salt), m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 }
    }

    /// The keychain spec for an install.
    pub fn keychain_for(install_id: &str) -> Self {
        KeySpec::Keychain { service: KEYCHAIN_SERVICE.to_owned(), entry: format!("db-key:{install_id}") }
    }

    /// Checks the spec against what this build writes, for an install `install_id`: a keychain
    /// spec must name that install's own entry (a file that could name any entry would let it read
    /// another application's secret as our key); a passphrase spec must have costs and a salt in
    /// the bounds above. `Err` says which field is wrong, for the person.
    pub fn check(&self, install_id: &str) -> std::result::Result<(), String> {
        match self {
            KeySpec::Keychain { service, entry } => {
                if *self != KeySpec::keychain_for(install_id) {
                    return Err(format!(
                        "the keychain entry must be service {KEYCHAIN_SERVICE:?}, entry \"db-key:<install_id>\"; \
                         it is service {service:?}, entry {entry:?}"
                    ));
                }
                Ok(())
            }
            KeySpec::Passphrase { .. } => self.passphrase_params().map(|_| ()),
        }
    }

    /// The salt and Argon2 parameters of a passphrase spec, checked against the bounds.
    fn passphrase_params(&self) -> std::result::Result<(Vec<u8>, Params), String> {
        let KeySpec::Passphrase { salt, m_cost_kib, t_cost, p_cost } = self else {
            return Err("not a passphrase key".into());
        };
        let (m, t, p) = (*m_cost_kib, *t_cost, *p_cost);
        let outside = |field: &str, v: u32, r: &RangeInclusive<u32>| {
            format!("key.{field} is {v}, outside {}..={}", r.start(), r.end())
        };
        if !M_COST_KIB.contains(&m) {
            return Err(outside("m_cost_kib", m, &M_COST_KIB));
        }
        if !T_COST.contains(&t) {
            return Err(outside("t_cost", t, &T_COST));
        }
        if !P_COST.contains(&p) {
            return Err(outside("p_cost", p, &P_COST));
        }
        if u64::from(m) * u64::from(t) > MAX_WORK_KIB {
            return Err(format!("key.m_cost_kib × key.t_cost is over {MAX_WORK_KIB} KiB-passes"));
        }
        // Checked before decoding, so a huge string is not turned into a huge buffer.
        if salt.len() > SALT_BYTES.end() * 2 {
            return Err("key.salt is too long".into());
        }
        let salt = hex::decode(salt).map_err(|_| "key.salt is not hex".to_owned())?;
        if !SALT_BYTES.contains(&salt.len()) {
            return Err(format!(
                "key.salt has {} bytes, outside {}..={}",
                salt.len(),
                SALT_BYTES.start(),
                SALT_BYTES.end()
            ));
        }
        let params = Params::new(m, t, p, Some(32)).map_err(|e| format!("key has bad Argon2 parameters: {e}"))?;
        Ok((salt, params))
    }
}

/// HMAC label of the key-check value, so that value is never the output of any other use of the key.
const KEY_CHECK_LABEL: &[u8] = b"wadesk store key check v1\0";

/// A value that tells whether `key` is this install's key without opening the database: HMAC-SHA256
/// keyed with the database key over a fixed label and the install id.
///
/// Why this is safe to keep next to the database:
/// - It does not reveal the key: HMAC-SHA256 is one-way in its key, and the key has 256 bits.
/// - It does not make guessing a passphrase cheaper: each guess still costs one Argon2id run, and
///   whoever has the data directory could already test that guess against the database's first
///   page, whose SQLCipher HMAC is derived from the same key. This value only answers the same
///   question without the database, which is what lets us say "wrong passphrase" apart from
///   "right passphrase, damaged database".
/// - The label and the install id make it specific to this use and this install.
pub(crate) fn key_check(key: &DbKey, install_id: &str) -> [u8; 32] {
    key_check_mac(key, install_id).finalize().into_bytes().into()
}

/// Whether `expected` is the key-check value of `key`, compared in constant time.
pub(crate) fn key_check_matches(key: &DbKey, install_id: &str, expected: &[u8; 32]) -> bool {
    key_check_mac(key, install_id).verify_slice(expected).is_ok()
}

fn key_check_mac(key: &DbKey, install_id: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.0.as_ref()).expect("HMAC takes any key length");
    mac.update(KEY_CHECK_LABEL);
    mac.update(install_id.as_bytes());
    mac
}

/// Checks a passphrase chosen for a new store.
pub fn check_new_passphrase(p: &Secret) -> Result<()> {
    if p.char_len() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}

/// Derives the database key from a passphrase with the spec's Argon2id parameters.
pub fn derive(passphrase: &Secret, spec: &KeySpec) -> Result<DbKey> {
    if !matches!(spec, KeySpec::Passphrase { .. }) {
        return Err(Error::Internal("derive called on a keychain spec".into()));
    }
    // Checked here as well as by the metadata parser: no caller can make us allocate on a spec's word.
    let (salt, params) = spec
        .passphrase_params()
        .map_err(|why| Error::StoreCorrupt(format!("store-key.json: {why}; nothing was changed")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose().as_bytes(), &salt, out.as_mut())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))?;
    Ok(DbKey(out))
}

/// Whether an OS keychain answers here. `Err` carries the reason, for the UI.
pub fn keychain_available() -> std::result::Result<(), String> {
    if std::env::var(NO_KEYCHAIN_ENV).is_ok_and(|v| v == "1") {
        return Err(format!("disabled by {NO_KEYCHAIN_ENV}=1"));
    }
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, "probe").map_err(|e| e.to_string())?;
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Stores a new key in the keychain.
pub fn keychain_store(spec: &KeySpec, key: &DbKey) -> Result<()> {
    let entry = keychain_entry(spec)?;
    entry.set_password(&key.to_hex()).map_err(|e| Error::KeychainUnavailable(e.to_string()))
}

/// Loads the key from the keychain.
pub fn keychain_load(spec: &KeySpec) -> Result<DbKey> {
    let entry = keychain_entry(spec)?;
    match entry.get_password() {
        Ok(hex) => {
            let hex = Zeroizing::new(hex);
            DbKey::from_hex(&hex).ok_or_else(|| Error::StoreCorrupt("the keychain entry is not a database key".into()))
        }
        Err(keyring::Error::NoEntry) => Err(Error::KeyMissing),
        Err(e) => Err(Error::KeychainUnavailable(e.to_string())),
    }
}

/// Removes the key from the keychain (used when creating a store fails half-way).
pub fn keychain_delete(spec: &KeySpec) {
    if let Ok(entry) = keychain_entry(spec) {
        let _ = entry.delete_credential();
    }
}

fn keychain_entry(spec: &KeySpec) -> Result<keyring::Entry> {
    let KeySpec::Keychain { service, entry } = spec else {
        return Err(Error::Internal("keychain call on a passphrase spec".into()));
    };
    keyring::Entry::new(service, entry).map_err(|e| Error::KeychainUnavailable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_passphrase_and_salt_give_the_same_key_and_others_do_not() {
        let spec = KeySpec::new_passphrase();
        let a = derive(&Secret::new("correct horse"), &spec).unwrap();
        let b = derive(&Secret::new("correct horse"), &spec).unwrap();
        let c = derive(&Secret::new("correct horsf"), &spec).unwrap();
        let other = derive(&Secret::new("correct horse"), &KeySpec::new_passphrase()).unwrap();
        assert_eq!(a.to_hex().as_str(), b.to_hex().as_str());
        assert_ne!(a.to_hex().as_str(), c.to_hex().as_str());
        assert_ne!(a.to_hex().as_str(), other.to_hex().as_str());
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(check_new_passphrase(&Secret::new("1234567")), Err(Error::WeakPassphrase(8))));
        assert!(check_new_passphrase(&Secret::new("12345678")).is_ok());
    }

    #[test]
    fn out_of_bound_costs_are_refused_before_any_memory_is_taken() {
        let ok = KeySpec::new_passphrase();
        assert!(ok.check("x").is_ok());
        let KeySpec::Passphrase { salt, .. } = &ok else { unreachable!() };
        let spec = |m, t, p| KeySpec::Passphrase { salt: salt.clone(), m_cost_kib: m, t_cost: t, p_cost: p };
        for (bad, field) in [
            (spec(u32::MAX, 1, 1), "m_cost_kib"),
            (spec(1024, 1, 1), "m_cost_kib"),
            (spec(65536, u32::MAX, 1), "t_cost"),
            (spec(65536, 0, 1), "t_cost"),
            (spec(65536, 3, 0), "p_cost"),
            (spec(65536, 3, 255), "p_cost"),
            (spec(1024 * 1024, 10, 1), "×"),
        ] {
            let why = bad.check("x").unwrap_err();
            assert!(why.contains(field), "{why}");
            assert!(matches!(derive(&Secret::new("p"), &bad), Err(Error::StoreCorrupt(m)) if m.contains(field)));
        }
        let salted = |s: &str| KeySpec::Passphrase { salt: s.into(), m_cost_kib: 65536, t_cost: 3, p_cost: 1 };
        for s in ["", "abcd", "zz", &"ab".repeat(65), &"ab".repeat(100_000)] {
            assert!(salted(s).check("x").unwrap_err().contains("salt"), "{s:.10}");
        }
    }

    #[test]
    fn keychain_specs_must_name_this_installs_own_entry() {
        assert!(KeySpec::keychain_for("id-1").check("id-1").is_ok());
        assert!(KeySpec::keychain_for("id-1").check("id-2").is_err());
        let other = KeySpec::Keychain { service: "login".into(), entry: "db-key:id-1".into() };
        assert!(other.check("id-1").unwrap_err().contains("keychain"));
    }

    #[test]
    fn the_key_check_tells_the_right_key_from_others_and_is_not_the_key() {
        let (k, other) = (DbKey::random(), DbKey::random());
        let check = key_check(&k, "install-a");
        assert!(key_check_matches(&k, "install-a", &check));
        assert!(!key_check_matches(&other, "install-a", &check));
        assert!(!key_check_matches(&k, "install-b", &check));
        assert_ne!(hex::encode(check), k.to_hex().as_str());
    }

    #[test]
    fn key_round_trips_through_hex_and_debug_hides_it() {
        let k = DbKey::random();
        let back = DbKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k.to_hex().as_str(), back.to_hex().as_str());
        assert_eq!(format!("{k:?}"), "DbKey(••••)");
        assert!(DbKey::from_hex("abcd").is_none());
    }
}
