//! The encrypted store as a user meets it: first run, unlock, wrong passphrase, accounts.

use wadesk_core::{
    CredentialInput, Error, Install, KeyChoice, KeySource, NewAccount, ProviderKind, Secret, StoreState,
};

use crate::snapshot;

const PASS: &str = "correct horse battery";
const MARKER: &str = "TOPSECRET-app-secret-7f3a9c1e5b";

fn passphrase_install() -> (tempfile::TempDir, Install) {
    let dir = tempfile::tempdir().unwrap();
    let install = Install::at(dir.path().join("data"));
    (dir, install)
}

fn chatarchitect(name: &str, secret: &str) -> NewAccount {
    NewAccount {
        provider: ProviderKind::Chatarchitect,
        display_name: name.into(),
        base_url: "https://api.chatarchitect.com".into(),
        credentials: vec![
            CredentialInput { name: "app_id".into(), value: "app-123456789".into() },
            CredentialInput { name: "app_secret".into(), value: secret.into() },
        ],
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn first_run_creates_an_encrypted_store_with_the_sandbox_account() {
    let (_t, install) = passphrase_install();
    assert_eq!(install.status().unwrap().state, StoreState::Uninitialized);
    let store = install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    let accounts = store.list_accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].is_sandbox);
    assert_eq!(accounts[0].provider, ProviderKind::Sandbox);
    drop(store);
    let status = install.status().unwrap();
    assert_eq!(status.state, StoreState::Locked);
    assert_eq!(status.key_source, Some(KeySource::Passphrase));
    // The file is not a plain SQLite database.
    let head = std::fs::read(install.db_path()).unwrap();
    assert!(!head.starts_with(b"SQLite format 3"));
}

#[test]
fn database_files_hold_no_byte_of_a_stored_secret() {
    let (_t, install) = passphrase_install();
    let store = install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    store.add_account(chatarchitect("Shop", MARKER)).unwrap();
    // Look at the WAL while the store is open, and at the main file after a checkpoint.
    let open_files = snapshot(install.dir());
    store.checkpoint().unwrap();
    drop(store);
    let closed_files = snapshot(install.dir());
    let mut checked = 0;
    for (name, bytes) in open_files.iter().chain(&closed_files) {
        assert!(!contains(bytes, MARKER.as_bytes()), "{name} holds the secret in the clear");
        assert!(!contains(bytes, b"app-123456789"), "{name} holds the app id in the clear");
        assert!(!contains(bytes, PASS.as_bytes()), "{name} holds the passphrase");
        checked += bytes.len();
    }
    assert!(checked > 8192, "expected real database pages to scan");
    // ...and yet the secret is there for whoever has the key.
    let store = install.unlock(Some(&Secret::new(PASS))).unwrap();
    let id = store.find_account("Shop").unwrap().id;
    assert_eq!(store.account_credential(&id, "app_secret").unwrap().expose(), MARKER);
}

#[test]
fn wrong_passphrase_fails_specifically_and_changes_no_file() {
    let (_t, install) = passphrase_install();
    install
        .create(KeyChoice::Passphrase(Secret::new(PASS)))
        .unwrap()
        .add_account(chatarchitect("Shop", MARKER))
        .unwrap();
    let before = snapshot(install.dir());
    let err = install.unlock(Some(&Secret::new("not the passphrase"))).unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase), "got {err:?}");
    assert_eq!(snapshot(install.dir()), before, "a failed unlock must not touch the data dir");
    // The real passphrase still opens it, with the data.
    let store = install.unlock(Some(&Secret::new(PASS))).unwrap();
    assert_eq!(store.list_accounts().unwrap().len(), 2);
}

#[test]
fn unlocking_where_no_store_exists_creates_nothing() {
    let (_t, install) = passphrase_install();
    let err = install.unlock(Some(&Secret::new(PASS))).unwrap_err();
    assert!(matches!(err, Error::StoreUninitialized(_)), "got {err:?}");
    assert!(!install.dir().exists());
}

#[test]
fn create_refuses_to_replace_an_existing_store() {
    let (_t, install) = passphrase_install();
    install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    let before = snapshot(install.dir());
    let err = install.create(KeyChoice::Passphrase(Secret::new("another passphrase"))).unwrap_err();
    assert!(matches!(err, Error::StoreAlreadyExists(_)), "got {err:?}");
    assert_eq!(snapshot(install.dir()), before);
}

#[test]
fn a_database_without_its_key_metadata_is_reported_and_left_alone() {
    let (_t, install) = passphrase_install();
    install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    std::fs::remove_file(install.dir().join("store-key.json")).unwrap();
    let before = snapshot(install.dir());
    assert!(matches!(install.status(), Err(Error::StoreCorrupt(_))));
    assert!(matches!(install.unlock(Some(&Secret::new(PASS))), Err(Error::StoreCorrupt(_))));
    assert!(matches!(install.create(KeyChoice::Passphrase(Secret::new(PASS))), Err(Error::StoreAlreadyExists(_))));
    assert_eq!(snapshot(install.dir()), before);
}

#[test]
fn weak_passphrase_creates_nothing() {
    let (_t, install) = passphrase_install();
    let err = install.create(KeyChoice::Passphrase(Secret::new("short"))).unwrap_err();
    assert!(matches!(err, Error::WeakPassphrase(8)));
    assert!(!install.db_path().exists());
}

#[test]
fn keychain_choice_without_a_keychain_fails_and_leaves_no_store() {
    std::env::set_var("WADESK_NO_KEYCHAIN", "1");
    let (_t, install) = passphrase_install();
    assert!(!install.status().unwrap().keychain_available);
    let err = install.create(KeyChoice::Keychain).unwrap_err();
    assert!(matches!(err, Error::KeychainUnavailable(_)), "got {err:?}");
    assert!(!install.db_path().exists());
}

#[test]
fn accounts_can_be_added_renamed_removed_and_survive_reopening() {
    let (_t, install) = passphrase_install();
    let store = install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    let a = store.add_account(chatarchitect("Shop", MARKER)).unwrap();
    assert_eq!(a.credentials[0].name, "app_id");
    assert_eq!(a.credentials[1].masked, "••••1e5b");
    assert!(a.credentials.iter().all(|c| !c.masked.contains("TOPSECRET")));
    store.rename_account(&a.id, "Shop EU").unwrap();
    let b = store.add_account(chatarchitect("Other", "another-secret-value")).unwrap();
    drop(store);

    let store = install.unlock(Some(&Secret::new(PASS))).unwrap();
    let names: Vec<_> = store.list_accounts().unwrap().into_iter().map(|a| a.display_name).collect();
    assert_eq!(names, ["Sandbox", "Other", "Shop EU"]);
    store.remove_account(&b.id).unwrap();
    assert!(matches!(store.remove_account(&b.id), Err(Error::NotFound(_))));
    assert!(matches!(store.account_credential(&b.id, "app_secret"), Err(Error::NotFound(_))));
    assert!(matches!(store.rename_account(&b.id, "x"), Err(Error::NotFound(_))));
    assert_eq!(store.find_account("Shop EU").unwrap().id, a.id);
}

#[test]
fn invalid_account_changes_nothing() {
    let (_t, install) = passphrase_install();
    let store = install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    let mut bad = chatarchitect("Shop", MARKER);
    bad.credentials.pop();
    assert!(matches!(store.add_account(bad), Err(Error::InvalidInput(_))));
    assert_eq!(store.list_accounts().unwrap().len(), 1);
}
