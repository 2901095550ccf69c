//! One install's data directory: whether a store exists, creating it, and unlocking it.
//!
//! The directory holds `wadesk.db` (SQLCipher), `store-key.json` (how the key is kept, no secret;
//! see [`key_metadata`]) and `wadesk.lock` (see [`creation_lock`]). A store is the pair of the
//! first two; either one alone is reported, never completed. Rules this module guarantees:
//! - `create` never replaces an existing database or key metadata, and a failed `create` leaves
//!   no store behind. Creating and opening exclude each other across processes.
//! - `unlock` never creates a database and writes nothing before the key has opened the store; a
//!   wrong passphrase, a missing key or a damaged store changes no file.
//! - A wrong key is told apart from a damaged store where the metadata has a key check (format 2).
//! - The key is never written to disk in the clear.

mod creation_lock;
mod files;
mod key_metadata;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::keys::{self, DbKey, KeySpec};
use crate::store::{OpenMode, Store};
use creation_lock::CreationLock;
pub use key_metadata::{parse_key_metadata, KeyMetadata, CURRENT_FORMAT, KEY_META_FILE};

const DB_FILE: &str = "wadesk.db";
/// The database's name while `create` builds it. A file by this name is never a store.
const CREATING_FILE: &str = "wadesk.db.creating";
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

/// A data directory. Creating an `Install` touches nothing on disk.
#[derive(Debug, Clone)]
pub struct Install {
    dir: PathBuf,
}

/// What a data directory holds, as far as a store goes. Only meaningful under the creation lock.
enum OnDisk {
    /// No store. `interrupted` is the key metadata of a creation that stopped before its database
    /// got its name (the temporary database is still there).
    NoStore { interrupted: Option<KeyMetadata> },
    /// A database and its key metadata.
    Store(KeyMetadata),
    /// A database whose key metadata is gone.
    DbWithoutMeta,
    /// Key metadata whose database is gone (moved or deleted).
    MetaWithoutDb,
}

impl Install {
    /// The install at `dir`, whatever the path (tests, hosts that checked it already).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Install { dir: dir.into() }
    }

    /// The install at `dir`, refusing a path that is not valid Unicode: the directory is shown in
    /// the app, printed in JSON and handed to the webview, and none of these can carry such a
    /// path faithfully.
    pub fn for_dir(dir: PathBuf) -> Result<Self> {
        if dir.to_str().is_none() {
            return Err(Error::InvalidInput(format!(
                "data directory {:?}: the path is not valid UTF-8; choose a directory whose name is valid text",
                dir.to_string_lossy()
            )));
        }
        Ok(Install::at(dir))
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

    fn creating_path(&self) -> PathBuf {
        self.dir.join(CREATING_FILE)
    }

    /// The store's state on disk (never `Unlocked`: that is a property of a process, see hosts).
    pub fn status(&self) -> Result<StoreStatus> {
        let meta = match self.lock_if_anything_here()? {
            Some(lock) => self.existing(&lock)?,
            None => None,
        };
        Ok(StoreStatus {
            state: if meta.is_some() { StoreState::Locked } else { StoreState::Uninitialized },
            key_source: meta.map(|m| source_of(&m.key)),
            keychain_available: keys::keychain_available().is_ok(),
            data_dir: self.dir.display().to_string(),
        })
    }

    /// Creates a new store protected as `choice` says, with the SANDBOX account in it.
    pub fn create(&self, choice: KeyChoice) -> Result<Store> {
        if let KeyChoice::Passphrase(p) = &choice {
            keys::check_new_passphrase(p)?;
        }
        if self.db_path().exists() {
            return Err(self.already_exists());
        }
        create_private_dir(&self.dir)?;
        let lock = CreationLock::exclusive(&self.dir)?;
        match self.probe(&lock)? {
            OnDisk::Store(_) | OnDisk::DbWithoutMeta => return Err(self.already_exists()),
            OnDisk::MetaWithoutDb => return Err(self.meta_without_db()),
            OnDisk::NoStore { interrupted } => self.clear_leftovers(interrupted)?,
        }
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

    /// Builds the database under a temporary name, writes the key metadata, then gives the
    /// database its name. Neither step replaces an existing file. A crash before the last step
    /// leaves an interrupted creation, which is not a store and which the next `create` clears
    /// (see [`Install::clear_leftovers`]); it never leaves a database without its metadata.
    fn create_files(&self, install_id: &str, spec: &KeySpec, key: &DbKey) -> Result<Store> {
        let tmp = self.creating_path();
        let built = (|| {
            let store = Store::open(&tmp, key, OpenMode::CreateNew)?;
            store.seed_sandbox_account()?;
            store.checkpoint()?;
            Ok::<_, Error>(())
        })();
        if let Err(e) = built {
            files::remove_db_files(&tmp);
            return Err(e);
        }
        for sidecar in files::sidecars(&tmp) {
            files::remove_if_exists(&sidecar)?;
        }
        let meta = KeyMetadata::new(install_id.to_owned(), spec.clone(), keys::key_check(key, install_id));
        if let Err(e) = files::write_new(&self.meta_path(), &meta.to_bytes()?) {
            files::remove_db_files(&tmp);
            return Err(self.not_replaced(e));
        }
        if let Err(e) = files::move_no_replace(&tmp, &self.db_path()) {
            files::remove_db_files(&tmp);
            let _ = std::fs::remove_file(self.meta_path());
            return Err(self.not_replaced(e));
        }
        tracing::info!(dir = %self.dir.display(), source = ?source_of(spec), "created store");
        Store::open(&self.db_path(), key, OpenMode::Existing)
    }

    /// Removes what a creation that never finished left: the temporary database and, if it got
    /// that far, its key metadata and keychain entry. Those belong to that creation and to no
    /// store: a database gets its name only after its metadata is written, and metadata without
    /// a database is cleared only when the temporary database beside it shows it never got one.
    fn clear_leftovers(&self, interrupted: Option<KeyMetadata>) -> Result<()> {
        if let Some(meta) = interrupted {
            tracing::warn!(dir = %self.dir.display(), "clearing the leftovers of an interrupted store creation");
            if matches!(meta.key, KeySpec::Keychain { .. }) {
                keys::keychain_delete(&meta.key);
            }
            files::remove_if_exists(&self.meta_path())?;
        }
        let tmp = self.creating_path();
        files::remove_if_exists(&tmp)?;
        for sidecar in files::sidecars(&tmp) {
            files::remove_if_exists(&sidecar)?;
        }
        Ok(())
    }

    /// Opens the existing store. `passphrase` is required for passphrase stores and ignored for
    /// keychain stores.
    pub fn unlock(&self, passphrase: Option<&Secret>) -> Result<Store> {
        let uninitialized = || Error::StoreUninitialized(self.dir.display().to_string());
        let lock = self.lock_if_anything_here()?.ok_or_else(uninitialized)?;
        let meta = self.existing(&lock)?.ok_or_else(uninitialized)?;
        // Checked before the key is derived: an empty database stays unopenable whatever the key.
        crate::store::check_db_file(&self.db_path())?;
        let key = match &meta.key {
            KeySpec::Keychain { .. } => keys::keychain_load(&meta.key)?,
            spec @ KeySpec::Passphrase { .. } => {
                let p = passphrase
                    .ok_or_else(|| Error::InvalidInput("this store is protected by a passphrase; give it".into()))?;
                keys::derive(p, spec)?
            }
        };
        let key_is_right = match &meta.key_check {
            Some(check) if keys::key_check_matches(&key, &meta.install_id, check) => true,
            Some(_) => return Err(wrong_key(&meta.key)),
            None => false,
        };
        let store = Store::open(&self.db_path(), &key, OpenMode::Existing)
            .map_err(|e| explain_open_failure(e, &meta.key, key_is_right))?;
        if meta.key_check.is_none() {
            self.upgrade_meta(&meta, &key);
        }
        Ok(store)
    }

    /// Rewrites format-1 metadata (no key check) as the current format, now that the key has
    /// opened the database and so is known to be right. Atomic: a crash leaves the old file or
    /// the new one. A failure only costs the better error messages, so it is logged, not returned.
    /// Older builds still read the new file: they ignore the fields they do not know.
    fn upgrade_meta(&self, meta: &KeyMetadata, key: &DbKey) {
        let upgraded =
            KeyMetadata::new(meta.install_id.clone(), meta.key.clone(), keys::key_check(key, &meta.install_id));
        match upgraded.to_bytes().and_then(|b| Ok(files::replace(&self.meta_path(), &b)?)) {
            Ok(()) => tracing::info!(format = CURRENT_FORMAT, "upgraded the key metadata"),
            Err(e) => tracing::warn!("could not upgrade the key metadata (it stays readable): {e}"),
        }
    }

    /// The shared creation lock, or `None` when nothing of a store is here (then there is nothing
    /// to look at, and no lock file is made in a directory that has no store).
    fn lock_if_anything_here(&self) -> Result<Option<CreationLock>> {
        if !self.db_path().exists() && !self.meta_path().exists() {
            return Ok(None);
        }
        CreationLock::shared(&self.dir).map(Some)
    }

    /// The key metadata of the store here, `None` if there is none; errors for half a store.
    fn existing(&self, lock: &CreationLock) -> Result<Option<KeyMetadata>> {
        match self.probe(lock)? {
            OnDisk::Store(meta) => Ok(Some(meta)),
            OnDisk::NoStore { .. } => Ok(None),
            OnDisk::DbWithoutMeta => Err(Error::StoreCorrupt(format!(
                "{} exists but its key metadata ({KEY_META_FILE}) is missing; nothing was changed",
                self.db_path().display()
            ))),
            OnDisk::MetaWithoutDb => Err(self.meta_without_db()),
        }
    }

    /// What is here. Takes the lock as proof that no creation is half-way meanwhile.
    fn probe(&self, _lock: &CreationLock) -> Result<OnDisk> {
        let db = self.db_path().exists();
        Ok(match (db, self.read_meta()?) {
            (true, Some(meta)) => OnDisk::Store(meta),
            (true, None) => OnDisk::DbWithoutMeta,
            (false, None) => OnDisk::NoStore { interrupted: None },
            (false, Some(meta)) if self.creating_path().exists() => OnDisk::NoStore { interrupted: Some(meta) },
            (false, Some(_)) => OnDisk::MetaWithoutDb,
        })
    }

    fn read_meta(&self) -> Result<Option<KeyMetadata>> {
        let file = match std::fs::File::open(self.meta_path()) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // One byte over the limit is enough for the parser to refuse it; a huge file is not read.
        let mut bytes = Vec::new();
        file.take(key_metadata::MAX_BYTES as u64 + 1).read_to_end(&mut bytes)?;
        parse_key_metadata(&bytes).map(Some)
    }

    fn already_exists(&self) -> Error {
        Error::StoreAlreadyExists(self.dir.display().to_string())
    }

    fn not_replaced(&self, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            self.already_exists()
        } else {
            e.into()
        }
    }

    fn meta_without_db(&self) -> Error {
        Error::StoreCorrupt(format!(
            "{} holds key metadata ({KEY_META_FILE}) but no database ({DB_FILE}): the database was moved or \
             deleted. Put {DB_FILE} back to open the store; to start a new, empty store instead, move \
             {KEY_META_FILE} out of the way first. Nothing was changed",
            self.dir.display()
        ))
    }
}

/// The error for a key whose check value does not match.
fn wrong_key(spec: &KeySpec) -> Error {
    match spec {
        KeySpec::Passphrase { .. } => Error::WrongPassphrase,
        KeySpec::Keychain { .. } => Error::StoreCorrupt(
            "the key in the system keychain is not this store's key (was the entry replaced?); nothing was changed"
                .into(),
        ),
    }
}

/// Says what a failure to open the database means, given whether the key is known to be right.
fn explain_open_failure(e: Error, spec: &KeySpec, key_is_right: bool) -> Error {
    let key = match spec {
        KeySpec::Passphrase { .. } => "passphrase",
        KeySpec::Keychain { .. } => "key in the system keychain",
    };
    match e {
        Error::WrongPassphrase if key_is_right => Error::StoreCorrupt(format!(
            "the {key} is right, but {DB_FILE} does not open with it: the database is damaged. Nothing was \
             changed; restore {DB_FILE} from a backup"
        )),
        Error::StoreCorrupt(why) if key_is_right => Error::StoreCorrupt(format!("the {key} is right, but {why}")),
        // Format-1 metadata has no key check: a keychain key is what was stored, so it not opening
        // the database is damage; a passphrase may just be wrong.
        Error::WrongPassphrase if matches!(spec, KeySpec::Keychain { .. }) => {
            Error::StoreCorrupt("the key in the system keychain does not open this database".into())
        }
        e => e,
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
