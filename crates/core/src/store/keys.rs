//! Where the database key comes from: the OS keychain, or a passphrase through Argon2id.
//!
//! The 32-byte SQLCipher key is never written to disk in the clear. With the keychain it is random
//! and kept by the OS (Secret Service, macOS Keychain, Windows Credential Manager) under an entry
//! named after this install; with a passphrase it is derived each time from the passphrase and a
//! salt kept in the key metadata file. The metadata file holds no secret.

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Shortest passphrase accepted for a new store.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Keychain service name; the entry's user is `db-key:<install id>`.
const KEYCHAIN_SERVICE: &str = "wadesk";

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
    let KeySpec::Passphrase { salt, m_cost_kib, t_cost, p_cost } = spec else {
        return Err(Error::Internal("derive called on a keychain spec".into()));
    };
    let salt = hex::decode(salt).map_err(|_| Error::StoreCorrupt("key metadata has a bad salt".into()))?;
    let params = Params::new(*m_cost_kib, *t_cost, *p_cost, Some(32))
        .map_err(|e| Error::StoreCorrupt(format!("key metadata has bad Argon2 parameters: {e}")))?;
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
    fn key_round_trips_through_hex_and_debug_hides_it() {
        let k = DbKey::random();
        let back = DbKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k.to_hex().as_str(), back.to_hex().as_str());
        assert_eq!(format!("{k:?}"), "DbKey(••••)");
        assert!(DbKey::from_hex("abcd").is_none());
    }
}
