//! `store-key.json`: how a store's key is kept (keychain entry, or Argon2id salt and costs), a
//! value that checks the key, and a checksum. No secret is in it.
//!
//! The file is read from disk, so it is untrusted input: [`parse_key_metadata`] takes bytes only
//! (no disk, no keychain, so a fuzz target can call it), refuses anything but the exact schema of
//! a known format, bounds every cost before anyone pays it, and never panics. Deciding what to do
//! with a parsed file (unlock, upgrade) is [`super`]'s job.
//!
//! Formats:
//! - 1 (before key checks): `format`, `install_id`, `key`. Still read, so existing stores open;
//!   [`super::Install::unlock`] rewrites it as format 2 after the key has opened the database.
//! - 2: adds `key_check` (see [`crate::store::keys::key_check`]) and `checksum`, a SHA-256 of the
//!   other fields. The checksum catches damage and hand edits, not forgery: whoever can write the
//!   file can recompute it, and gains nothing, since the key check and SQLCipher still need the key.
//!   It is what lets an edited salt or cost be reported as damage instead of a wrong passphrase.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::keys::KeySpec;

/// The file's name in the data directory.
pub const KEY_META_FILE: &str = "store-key.json";
/// The format this build writes.
pub const CURRENT_FORMAT: u32 = 2;
const LEGACY_FORMAT: u32 = 1;
/// A real file is a few hundred bytes; anything far larger is not ours, and is refused unread.
pub(crate) const MAX_BYTES: usize = 4096;

/// A parsed and checked `store-key.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMetadata {
    /// The file's format: 1 (no key check) or 2.
    pub format: u32,
    /// The install's id, a lowercase hyphenated UUID.
    pub install_id: String,
    /// Where the key is kept; checked against [`KeySpec::check`].
    pub key: KeySpec,
    /// HMAC of the key that tells a wrong key from a damaged database; `None` in format 1.
    pub key_check: Option<[u8; 32]>,
}

/// The key as spelled in the file. Every field is optional here so that a missing or misplaced one
/// is reported by name, rather than as serde's "missing field" without the key it belongs to.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m_cost_kib: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t_cost: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p_cost: Option<u32>,
}

#[derive(Deserialize)]
struct Probe {
    format: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    format: u32,
    install_id: String,
    key: RawKey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV2 {
    format: u32,
    install_id: String,
    key: RawKey,
    key_check: String,
    checksum: String,
}

/// The fields the checksum covers, serialised compactly in this order.
#[derive(Serialize)]
struct Checksummed<'a> {
    format: u32,
    install_id: &'a str,
    key: &'a KeySpec,
    key_check: &'a str,
}

/// What is written: the checksummed fields and the checksum.
#[derive(Serialize)]
struct Written<'a> {
    #[serde(flatten)]
    body: Checksummed<'a>,
    checksum: String,
}

fn corrupt(why: impl std::fmt::Display) -> Error {
    Error::StoreCorrupt(format!(
        "{KEY_META_FILE} is damaged or was edited: {why}; nothing was changed. Restore it from a backup"
    ))
}

/// Parses and checks the bytes of a `store-key.json`. Pure: touches no file and no keychain, and
/// costs at most a few kilobytes whatever the input. Every refusal is `Error::StoreCorrupt` naming
/// what is wrong.
pub fn parse_key_metadata(bytes: &[u8]) -> Result<KeyMetadata> {
    if bytes.len() > MAX_BYTES {
        return Err(corrupt(format_args!("it is over {MAX_BYTES} bytes, too large for key metadata")));
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| corrupt(format_args!("not key metadata ({e})")))?;
    let (meta, checksum_matches) = match probe.format {
        LEGACY_FORMAT => {
            let f: FileV1 = serde_json::from_slice(bytes).map_err(corrupt)?;
            (KeyMetadata { format: f.format, install_id: f.install_id, key: key_spec(f.key)?, key_check: None }, true)
        }
        CURRENT_FORMAT => parse_v2(serde_json::from_slice(bytes).map_err(corrupt)?)?,
        other => {
            return Err(corrupt(format_args!(
                "format {other} is not one this build reads ({LEGACY_FORMAT} or {CURRENT_FORMAT}); \
                 a newer Wadesk may have written it"
            )))
        }
    };
    // Fields first, so that a value out of bounds is named; then the checksum, for edits within them.
    check_install_id(&meta.install_id)?;
    meta.key.check(&meta.install_id).map_err(corrupt)?;
    if !checksum_matches {
        return Err(corrupt("its checksum does not match its contents"));
    }
    Ok(meta)
}

/// Format-2 metadata, and whether its checksum matches.
fn parse_v2(f: FileV2) -> Result<(KeyMetadata, bool)> {
    let key = key_spec(f.key)?;
    let expected =
        checksum(&Checksummed { format: f.format, install_id: &f.install_id, key: &key, key_check: &f.key_check });
    // Not a secret, so no need for a constant-time comparison.
    let matches = f.checksum.eq_ignore_ascii_case(&expected);
    let key_check = decode_32(&f.key_check).ok_or_else(|| corrupt("key_check is not 32 bytes of hex"))?;
    Ok((KeyMetadata { format: f.format, install_id: f.install_id, key, key_check: Some(key_check) }, matches))
}

fn key_spec(raw: RawKey) -> Result<KeySpec> {
    let RawKey { source, service, entry, salt, m_cost_kib, t_cost, p_cost } = raw;
    let missing = |field: &str| corrupt(format_args!("key.{field} is missing"));
    let stray = |field: &str| corrupt(format_args!("key.{field} does not belong to a {source} key"));
    match source.as_str() {
        "keychain" => {
            for (field, present) in [
                ("salt", salt.is_some()),
                ("m_cost_kib", m_cost_kib.is_some()),
                ("t_cost", t_cost.is_some()),
                ("p_cost", p_cost.is_some()),
            ] {
                if present {
                    return Err(stray(field));
                }
            }
            Ok(KeySpec::Keychain {
                service: service.ok_or_else(|| missing("service"))?,
                entry: entry.ok_or_else(|| missing("entry"))?,
            })
        }
        "passphrase" => {
            if service.is_some() {
                return Err(stray("service"));
            }
            if entry.is_some() {
                return Err(stray("entry"));
            }
            Ok(KeySpec::Passphrase {
                salt: salt.ok_or_else(|| missing("salt"))?,
                m_cost_kib: m_cost_kib.ok_or_else(|| missing("m_cost_kib"))?,
                t_cost: t_cost.ok_or_else(|| missing("t_cost"))?,
                p_cost: p_cost.ok_or_else(|| missing("p_cost"))?,
            })
        }
        _ => Err(corrupt("key.source must be \"keychain\" or \"passphrase\"")),
    }
}

/// The install id names the keychain entry, so only the one spelling we write is accepted.
fn check_install_id(id: &str) -> Result<()> {
    match uuid::Uuid::try_parse(id) {
        Ok(u) if u.hyphenated().to_string() == id => Ok(()),
        _ => Err(corrupt("install_id is not a lowercase hyphenated UUID")),
    }
}

fn decode_32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    hex::decode(s).ok()?.try_into().ok()
}

fn checksum(body: &Checksummed<'_>) -> String {
    // Serialising a struct of strings and numbers cannot fail; an empty fallback would only make
    // the checksum mismatch, never pass.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

impl KeyMetadata {
    /// Format-2 metadata for a key whose check value is `key_check`.
    pub fn new(install_id: String, key: KeySpec, key_check: [u8; 32]) -> Self {
        KeyMetadata { format: CURRENT_FORMAT, install_id, key, key_check: Some(key_check) }
    }

    /// The file's bytes in the current format. `Err` for format-1 metadata, which has no key check
    /// to write (upgrade it with [`KeyMetadata::new`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let key_check = self
            .key_check
            .map(hex::encode)
            .ok_or_else(|| Error::Internal("key metadata without a key check cannot be written".into()))?;
        let body =
            Checksummed { format: CURRENT_FORMAT, install_id: &self.install_id, key: &self.key, key_check: &key_check };
        let checksum = checksum(&body);
        let mut bytes =
            serde_json::to_vec_pretty(&Written { body, checksum }).map_err(|e| Error::Internal(e.to_string()))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngCore};

    use super::*;

    const ID: &str = "3f0c6a1e-8b7d-4c2a-9e5f-0a1b2c3d4e5f";

    fn sample(key: KeySpec) -> Vec<u8> {
        KeyMetadata::new(ID.into(), key, [7; 32]).to_bytes().unwrap()
    }

    fn why(bytes: &[u8]) -> String {
        match parse_key_metadata(bytes) {
            Err(Error::StoreCorrupt(m)) => m,
            other => panic!("expected StoreCorrupt, got {other:?}"),
        }
    }

    #[test]
    fn what_is_written_reads_back_for_both_key_sources() {
        for key in [KeySpec::new_passphrase(), KeySpec::keychain_for(ID)] {
            let meta = parse_key_metadata(&sample(key.clone())).unwrap();
            assert_eq!(meta, KeyMetadata::new(ID.into(), key, [7; 32]));
        }
    }

    #[test]
    fn format_1_files_as_older_builds_wrote_them_still_read() {
        let v1 = format!(
            r#"{{"format": 1, "install_id": "{ID}", "key": {{"source": "passphrase", "salt": "{}", "m_cost_kib": 65536, "t_cost": 3, "p_cost": 1}}}}"#,
            "ab".repeat(16)
        );
        let meta = parse_key_metadata(v1.as_bytes()).unwrap();
        assert_eq!((meta.format, meta.key_check), (1, None));
        let v1_keychain = format!(
            r#"{{"format": 1, "install_id": "{ID}", "key": {{"source": "keychain", "service": "wadesk", "entry": "db-key:{ID}"}}}}"#
        );
        assert!(parse_key_metadata(v1_keychain.as_bytes()).is_ok());
    }

    #[test]
    fn each_kind_of_bad_file_is_named() {
        let good: serde_json::Value = serde_json::from_slice(&sample(KeySpec::new_passphrase())).unwrap();
        let edited = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            serde_json::to_vec(&v).unwrap()
        };
        assert!(why(b"").contains("not key metadata"));
        assert!(why(b"[1,2]").contains("not key metadata"));
        assert!(why(&vec![b' '; MAX_BYTES + 1]).contains("too large"));
        assert!(why(&edited(&|v| v["format"] = 99.into())).contains("format 99"));
        assert!(why(&edited(&|v| v["format"] = (-1).into())).contains("not key metadata"));
        assert!(why(&edited(&|v| v["key"]["t_cost"] = 4.into())).contains("checksum"));
        assert!(why(&edited(&|v| v["surprise"] = 1.into())).contains("unknown field"));
        assert!(why(&edited(&|v| v["key"]["service"] = "wadesk".into())).contains("key.service"));
        assert!(why(&edited(&|v| v["key"]["source"] = "plain".into())).contains("key.source"));
        assert!(why(&edited(&|v| {
            v.as_object_mut().unwrap().remove("checksum");
        }))
        .contains("checksum"));
        let v1 = |key: &str, id: &str| format!(r#"{{"format":1,"install_id":"{id}","key":{key}}}"#).into_bytes();
        let pass = |m: u64, t: u64, p: u64, salt: &str| {
            format!(r#"{{"source":"passphrase","salt":"{salt}","m_cost_kib":{m},"t_cost":{t},"p_cost":{p}}}"#)
        };
        let salt = "ab".repeat(16);
        assert!(why(&v1(&pass(u64::from(u32::MAX), 3, 1, &salt), ID)).contains("m_cost_kib"));
        assert!(why(&v1(&pass(1 << 40, 3, 1, &salt), ID)).contains("expected u32"));
        assert!(why(&v1(&pass(65536, 99, 1, &salt), ID)).contains("t_cost"));
        assert!(why(&v1(&pass(65536, 3, 9, &salt), ID)).contains("p_cost"));
        assert!(why(&v1(&pass(65536, 3, 1, "00"), ID)).contains("salt"));
        assert!(why(&v1(r#"{"source":"passphrase","salt":"00"}"#, ID)).contains("key.m_cost_kib is missing"));
        assert!(why(&v1(&pass(65536, 3, 1, &salt), "not-a-uuid")).contains("install_id"));
        assert!(why(&v1(&pass(65536, 3, 1, &salt), &ID.to_uppercase())).contains("install_id"));
        let other_entry =
            format!(r#"{{"source":"keychain","service":"wadesk","entry":"db-key:{}"}}"#, uuid::Uuid::new_v4());
        assert!(why(&v1(&other_entry, ID)).contains("keychain entry"));
        assert!(why(&v1(r#"{"source":"keychain","service":"wadesk"}"#, ID)).contains("key.entry is missing"));
    }

    #[test]
    fn no_input_makes_the_parser_panic() {
        // A poor man's fuzz run: mutations of real files and plain noise.
        let mut rng = rand::rng();
        let seeds = [sample(KeySpec::new_passphrase()), sample(KeySpec::keychain_for(ID))];
        for i in 0..20_000 {
            let mut bytes = seeds[i % 2].clone();
            for _ in 0..rng.random_range(1..6) {
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => bytes[at] = rng.random(),
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, *b"{}[]\":,0129e-".get(rng.random_range(0..14)).unwrap_or(&b'x')),
                }
            }
            let _ = parse_key_metadata(&bytes);
        }
        for len in [0, 1, 7, 64, 4096, 4097] {
            let mut noise = vec![0u8; len];
            rng.fill_bytes(&mut noise);
            let _ = parse_key_metadata(&noise);
        }
    }
}
