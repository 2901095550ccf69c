//! One install's data directory: whether a store exists, creating it, and unlocking it.
//!
//! The directory holds `wadesk.db` (SQLCipher) and `store-key.json` (how the key is kept; no secret).
//! Rules this module guarantees:
//! - `create` never replaces an existing database, and a failed `create` leaves no database behind.
//! - `unlock` never creates a database; a wrong passphrase or a missing key changes no file.
//! - The key is never written to disk in the clear.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::keys::{self, DbKey, KeySpec};
use crate::store::{OpenMode, Store};

const DB_FILE: &str = "wadesk.db";
const KEY_META_FILE: &str = "store-key.json";
/// Overrides the default data directory for the app and the CLI.
pub const DATA_DIR_ENV: &str = "WADESK_DATA_DIR";

/// Where the key of a store is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// A random key in the OS keychain.
    Keychain,
    /// A key derived from the user's passphrase.
    Passphrase,
}

/// Whether the store exists and is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StoreState {
    /// No database yet: first run.
    Uninitialized,
    /// A database exists and is not unlocked in this process.
    Locked,
    /// Unlocked in this process.
    Unlocked,
}

/// What the first-run / unlock screens and `wadesk status` show.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoreStatus {
    /// Store state.
    pub state: StoreState,
    /// How the key is kept, once a store exists.
    pub key_source: Option<KeySource>,
    /// Whether an OS keychain answers on this machine.
    pub keychain_available: bool,
    /// The data directory, for display.
    pub data_dir: String,
}

/// How to protect a new store.
#[derive(Debug)]
pub enum KeyChoice {
    /// Random key in the OS keychain.
    Keychain,
    /// Key derived from this passphrase.
    Passphrase(Secret),
}

#[derive(Debug, Serialize, Deserialize)]
struct KeyMeta {
    format: u32,
    install_id: String,
    key: KeySpec,
}

/// A data directory. Creating an `Install` touches nothing on disk.
#[derive(Debug, Clone)]
pub struct Install {
    dir: PathBuf,
}

impl Install {
    /// The install at `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Install { dir: dir.into() }
    }

    /// The per-user default: `$WADESK_DATA_DIR`, else the OS data directory + `wadesk`
    /// (`~/.local/share/wadesk` on Linux). The app and the CLI use the same rule.
    pub fn default_dir() -> Result<PathBuf> {
        if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(d));
        }
        dirs::data_dir()
            .map(|d| d.join("wadesk"))
            .ok_or_else(|| Error::Internal("cannot find the user's data directory; set WADESK_DATA_DIR".into()))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    fn meta_path(&self) -> PathBuf {
        self.dir.join(KEY_META_FILE)
    }

    /// The store's state on disk (never `Unlocked`: that is a property of a process, see hosts).
    pub fn status(&self) -> Result<StoreStatus> {
        let (state, key_source) = if self.db_path().exists() {
            let meta = self.read_meta()?;
            (StoreState::Locked, Some(source_of(&meta.key)))
        } else {
            (StoreState::Uninitialized, None)
        };
        Ok(StoreStatus {
            state,
            key_source,
            keychain_available: keys::keychain_available().is_ok(),
            data_dir: self.dir.display().to_string(),
        })
    }

    /// Creates a new store protected as `choice` says, with the SANDBOX account in it.
    pub fn create(&self, choice: KeyChoice) -> Result<Store> {
        if self.db_path().exists() {
            return Err(Error::StoreAlreadyExists(self.dir.display().to_string()));
        }
        create_private_dir(&self.dir)?;
        let install_id = uuid::Uuid::new_v4().to_string();
        let (spec, key) = match &choice {
            KeyChoice::Keychain => {
                keys::keychain_available().map_err(Error::KeychainUnavailable)?;
                let spec = KeySpec::keychain_for(&install_id);
                let key = DbKey::random();
                keys::keychain_store(&spec, &key)?;
                (spec, key)
            }
            KeyChoice::Passphrase(p) => {
                keys::check_new_passphrase(p)?;
                let spec = KeySpec::new_passphrase();
                let key = keys::derive(p, &spec)?;
                (spec, key)
            }
        };
        let result = self.create_files(&install_id, &spec, &key);
        if result.is_err() && matches!(choice, KeyChoice::Keychain) {
            keys::keychain_delete(&spec);
        }
        result
    }

    /// Builds the database under a temporary name, writes the key metadata, then renames the
    /// database into place, so a crash never leaves a database without its metadata.
    fn create_files(&self, install_id: &str, spec: &KeySpec, key: &DbKey) -> Result<Store> {
        let tmp = self.dir.join(format!("{DB_FILE}.creating"));
        remove_if_exists(&tmp)?;
        let built = (|| {
            let store = Store::open(&tmp, key, OpenMode::CreateNew)?;
            store.seed_sandbox_account()?;
            store.checkpoint()?;
            Ok::<_, Error>(())
        })();
        if let Err(e) = built {
            remove_db_files(&tmp);
            return Err(e);
        }
        let meta = KeyMeta { format: 1, install_id: install_id.to_owned(), key: spec.clone() };
        write_atomically(
            &self.meta_path(),
            &serde_json::to_vec_pretty(&meta).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        remove_db_files_except_main(&tmp);
        std::fs::rename(&tmp, self.db_path())?;
        tracing::info!(dir = %self.dir.display(), source = ?source_of(spec), "created store");
        Store::open(&self.db_path(), key, OpenMode::Existing)
    }

    /// Opens the existing store. `passphrase` is required for passphrase stores and ignored for
    /// keychain stores.
    pub fn unlock(&self, passphrase: Option<&Secret>) -> Result<Store> {
        if !self.db_path().exists() {
            return Err(Error::StoreUninitialized(self.dir.display().to_string()));
        }
        let meta = self.read_meta()?;
        let key = match &meta.key {
            KeySpec::Keychain { .. } => keys::keychain_load(&meta.key)?,
            spec @ KeySpec::Passphrase { .. } => {
                let p = passphrase
                    .ok_or_else(|| Error::InvalidInput("this store is protected by a passphrase; give it".into()))?;
                keys::derive(p, spec)?
            }
        };
        Store::open(&self.db_path(), &key, OpenMode::Existing).map_err(|e| match (e, &meta.key) {
            (Error::WrongPassphrase, KeySpec::Keychain { .. }) => {
                Error::StoreCorrupt("the key in the system keychain does not open this database".into())
            }
            (e, _) => e,
        })
    }

    fn read_meta(&self) -> Result<KeyMeta> {
        let bytes = match std::fs::read(self.meta_path()) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::StoreCorrupt(format!(
                    "{} exists but its key metadata ({KEY_META_FILE}) is missing; nothing was changed",
                    self.db_path().display()
                )))
            }
            Err(e) => return Err(e.into()),
        };
        serde_json::from_slice(&bytes).map_err(|e| Error::StoreCorrupt(format!("{KEY_META_FILE} is unreadable: {e}")))
    }
}

fn source_of(spec: &KeySpec) -> KeySource {
    match spec {
        KeySpec::Keychain { .. } => KeySource::Keychain,
        KeySpec::Passphrase { .. } => KeySource::Passphrase,
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn remove_db_files_except_main(db: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn remove_db_files(db: &Path) {
    let _ = std::fs::remove_file(db);
    remove_db_files_except_main(db);
}
