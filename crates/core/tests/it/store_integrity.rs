//! A data directory that is not what it should be: empty or damaged database, missing database,
//! tampered key metadata, a creation that never finished. Each is reported specifically, nothing is
//! changed, and nothing ever puts a new, empty database where the old one was.

use std::path::Path;

use wadesk_core::{Error, Install, KeyChoice, Secret, StoreState};

use crate::snapshot;

const PASS: &str = "correct horse battery";
const WRONG: &str = "not the passphrase";

fn new_store() -> (tempfile::TempDir, Install) {
    let dir = tempfile::tempdir().unwrap();
    let install = Install::at(dir.path().join("data"));
    install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    (dir, install)
}

fn meta_path(install: &Install) -> std::path::PathBuf {
    install.dir().join("store-key.json")
}

fn read_meta(install: &Install) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(meta_path(install)).unwrap()).unwrap()
}

fn write_meta(install: &Install, meta: &serde_json::Value) {
    std::fs::write(meta_path(install), serde_json::to_vec_pretty(meta).unwrap()).unwrap();
}

fn corrupt_message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::StoreCorrupt(m)) => m,
        other => panic!("expected StoreCorrupt, got {other:?}"),
    }
}

#[test]
fn an_empty_database_file_is_reported_and_never_replaced_whatever_the_passphrase() {
    let (_t, install) = new_store();
    std::fs::write(install.db_path(), b"").unwrap();
    let before = snapshot(install.dir());
    for pass in [PASS, WRONG] {
        let m = corrupt_message(install.unlock(Some(&Secret::new(pass))).map(|_| ()));
        assert!(m.contains("empty"), "{m}");
        assert_eq!(snapshot(install.dir()), before, "unlocking with {pass:?} changed the data dir");
    }
    assert!(matches!(install.create(KeyChoice::Passphrase(Secret::new(PASS))), Err(Error::StoreAlreadyExists(_))));
    assert_eq!(snapshot(install.dir()), before);
}

#[test]
fn key_metadata_without_its_database_is_reported_and_never_overwritten() {
    let (t, install) = new_store();
    let moved = t.path().join("moved.db");
    std::fs::rename(install.db_path(), &moved).unwrap();
    let before = snapshot(install.dir());
    let m = corrupt_message(install.status());
    assert!(m.contains("store-key.json") && m.contains("wadesk.db") && m.contains("back"), "{m}");
    assert!(matches!(install.unlock(Some(&Secret::new(PASS))), Err(Error::StoreCorrupt(_))));
    let m = corrupt_message(install.create(KeyChoice::Passphrase(Secret::new(PASS))).map(|_| ()));
    assert!(m.contains("move store-key.json"), "says what to do: {m}");
    assert_eq!(snapshot(install.dir()), before, "the key metadata must not be replaced");
    // Putting the database back makes the store whole again.
    std::fs::rename(&moved, install.db_path()).unwrap();
    assert_eq!(install.unlock(Some(&Secret::new(PASS))).unwrap().list_accounts().unwrap().len(), 1);
}

#[test]
fn tampered_key_metadata_is_refused_specifically_and_changes_nothing() {
    let (_t, install) = new_store();
    let good = read_meta(&install);
    let id = good["install_id"].as_str().unwrap().to_owned();
    type Edit = fn(&mut serde_json::Value);
    let cases: &[(&str, Edit)] = &[
        ("format", |m| m["format"] = 99.into()),
        ("m_cost", |m| m["key"]["m_cost_kib"] = u32::MAX.into()),
        ("m_cost", |m| m["key"]["m_cost_kib"] = 8.into()),
        ("t_cost", |m| m["key"]["t_cost"] = u32::MAX.into()),
        ("p_cost", |m| m["key"]["p_cost"] = 0.into()),
        ("p_cost", |m| m["key"]["p_cost"] = 64.into()),
        ("salt", |m| m["key"]["salt"] = "abcd".into()),
        ("salt", |m| m["key"]["salt"] = "not hex at all, not hex at all!!".into()),
        ("unknown field", |m| m["extra"] = true.into()),
        ("unknown field", |m| m["key"]["extra"] = true.into()),
        ("install_id", |m| m["install_id"] = "../../etc".into()),
        ("source", |m| m["key"]["source"] = "plaintext".into()),
    ];
    for (what, edit) in cases {
        let mut meta = good.clone();
        edit(&mut meta);
        write_meta(&install, &meta);
        let before = snapshot(install.dir());
        let m = corrupt_message(install.status());
        assert!(m.contains(what), "{what}: {m}");
        let m = corrupt_message(install.unlock(Some(&Secret::new(PASS))).map(|_| ()));
        assert!(m.contains(what), "{what}: {m}");
        assert_eq!(snapshot(install.dir()), before, "{what}: a refused file changed the data dir");
    }
    // A keychain spec must name this install's own entry, not any entry of the keychain.
    let mut meta = good.clone();
    meta["key"] =
        serde_json::json!({ "source": "keychain", "service": "some-other-app", "entry": format!("db-key:{id}") });
    write_meta(&install, &meta);
    assert!(corrupt_message(install.status()).contains("keychain"));
    // Too large to be key metadata: refused before parsing.
    std::fs::write(meta_path(&install), vec![b' '; 1 << 20]).unwrap();
    assert!(corrupt_message(install.status()).contains("large"));
}

#[test]
fn a_damaged_store_is_told_apart_from_a_wrong_passphrase() {
    type Damage = fn(&Install);
    let cases: &[(&str, Damage)] = &[
        ("truncated inside the first page", |i| truncate(&i.db_path(), 1000)),
        ("truncated to half its pages", |i| {
            let len = std::fs::metadata(i.db_path()).unwrap().len();
            truncate(&i.db_path(), len / 2 / 4096 * 4096)
        }),
        ("first page damaged", |i| {
            let mut bytes = std::fs::read(i.db_path()).unwrap();
            bytes[100..140].iter_mut().for_each(|b| *b ^= 0x5a);
            std::fs::write(i.db_path(), bytes).unwrap();
        }),
    ];
    for (what, damage) in cases {
        let (_t, install) = new_store();
        damage(&install);
        let before = snapshot(install.dir());
        let m = corrupt_message(install.unlock(Some(&Secret::new(PASS))).map(|_| ()));
        assert!(m.contains("passphrase is right") && m.contains("damaged"), "{what}: {m}");
        let err = install.unlock(Some(&Secret::new(WRONG))).unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase), "{what}: got {err:?}");
        assert_eq!(snapshot(install.dir()), before, "{what}: the data dir changed");
    }
    // Edited key metadata (still within bounds) is damage too, not a wrong passphrase.
    let (_t, install) = new_store();
    let mut meta = read_meta(&install);
    meta["key"]["t_cost"] = 4.into();
    write_meta(&install, &meta);
    let before = snapshot(install.dir());
    for pass in [PASS, WRONG] {
        let m = corrupt_message(install.unlock(Some(&Secret::new(pass))).map(|_| ()));
        assert!(m.contains("store-key.json"), "{m}");
    }
    assert_eq!(snapshot(install.dir()), before);
}

fn truncate(path: &Path, len: u64) {
    std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(len).unwrap();
}

#[test]
fn a_store_written_before_key_checks_opens_and_is_upgraded_after_a_right_passphrase() {
    let (_t, install) = new_store();
    let current = read_meta(&install);
    let legacy = serde_json::json!({ "format": 1, "install_id": current["install_id"], "key": current["key"] });
    write_meta(&install, &legacy);
    let before = snapshot(install.dir());
    assert!(matches!(install.unlock(Some(&Secret::new(WRONG))), Err(Error::WrongPassphrase)));
    assert_eq!(snapshot(install.dir()), before, "a wrong passphrase must not upgrade anything");
    drop(install.unlock(Some(&Secret::new(PASS))).unwrap());
    let upgraded = read_meta(&install);
    assert_eq!(upgraded["format"], 2, "{upgraded}");
    assert_eq!((&upgraded["install_id"], &upgraded["key"]), (&legacy["install_id"], &legacy["key"]));
    // From now on a wrong passphrase and a damaged database are told apart.
    truncate(&install.db_path(), 1000);
    let m = corrupt_message(install.unlock(Some(&Secret::new(PASS))).map(|_| ()));
    assert!(m.contains("passphrase is right"), "{m}");
}

#[test]
fn a_store_still_being_created_is_not_a_store() {
    let t = tempfile::tempdir().unwrap();
    let install = Install::at(t.path().join("data"));
    std::fs::create_dir_all(install.dir()).unwrap();
    std::fs::write(install.dir().join("wadesk.db.creating"), vec![7u8; 8192]).unwrap();
    assert_eq!(install.status().unwrap().state, StoreState::Uninitialized);
    assert!(matches!(install.unlock(Some(&Secret::new(PASS))), Err(Error::StoreUninitialized(_))));
    // A creation interrupted after its key metadata was written (the database never got its
    // name): still not a store, and `create` finishes the job from scratch.
    let (_t2, other) = new_store();
    std::fs::copy(meta_path(&other), meta_path(&install)).unwrap();
    assert_eq!(install.status().unwrap().state, StoreState::Uninitialized);
    assert!(matches!(install.unlock(Some(&Secret::new(PASS))), Err(Error::StoreUninitialized(_))));
    let store = install.create(KeyChoice::Passphrase(Secret::new(PASS))).unwrap();
    assert_eq!(store.list_accounts().unwrap().len(), 1);
    assert!(!install.dir().join("wadesk.db.creating").exists());
    drop(store);
    assert_ne!(read_meta(&install)["install_id"], read_meta(&other)["install_id"]);
    assert!(install.unlock(Some(&Secret::new(PASS))).is_ok());
}
