//! The OS keychain path (Secret Service on Linux). Needs a session bus and an unlocked keyring, so
//! it is ignored in a plain run; `scripts/test.sh` runs it under `dbus-run-session` with
//! gnome-keyring, where it must pass.

use wadesk_core::{Error, Install, KeyChoice, KeySource, StoreState};

#[test]
#[ignore = "needs a Secret Service: run by scripts/test.sh under dbus-run-session"]
fn keychain_store_opens_without_a_passphrase_and_fails_clearly_when_the_key_is_gone() {
    let t = tempfile::tempdir().unwrap();
    let install = Install::at(t.path().join("data"));
    assert!(install.status().unwrap().keychain_available, "a Secret Service should be running for this test");
    let store = install.create(KeyChoice::Keychain).unwrap();
    assert_eq!(store.list_accounts().unwrap().len(), 1);
    drop(store);
    let status = install.status().unwrap();
    assert_eq!((status.state, status.key_source), (StoreState::Locked, Some(KeySource::Keychain)));
    // The metadata names the keychain entry but holds no key.
    let meta = std::fs::read_to_string(install.dir().join("store-key.json")).unwrap();
    assert!(meta.contains("\"source\": \"keychain\""));
    assert!(!meta.contains("x'"));
    assert_eq!(install.unlock(None).unwrap().list_accounts().unwrap().len(), 1);

    // Delete the entry behind the app's back: a clear error, and the database is still there.
    let entry = meta.split("db-key:").nth(1).unwrap().split('"').next().unwrap();
    keyring::Entry::new("wadesk", &format!("db-key:{entry}")).unwrap().delete_credential().unwrap();
    let before = std::fs::read(install.db_path()).unwrap();
    assert!(matches!(install.unlock(None), Err(Error::KeyMissing)));
    assert_eq!(std::fs::read(install.db_path()).unwrap(), before);
}
