//! `wadesk contacts …` as a script would use it: import with `--map` and `--tag`, the JSON report,
//! exit 2 on row errors (the good rows still in) and on a bad mapping (nothing in), list, export,
//! tags, opt-out and settings.

use std::path::Path;

use super::{json, wadesk, PASS};

fn run(data: &Path, args: &[&str]) -> std::process::Output {
    wadesk(data).env("WADESK_PASSPHRASE", PASS).args(args).output().unwrap()
}

fn ok(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(data, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    super::init(&data);
    ok(&data, &["--json", "contacts", "settings", "--default-country", "de"]);
    (t, data)
}

#[test]
fn import_with_map_and_tag_then_list_and_export() {
    let (t, data) = setup();
    let file = t.path().join("kunden.csv");
    std::fs::write(&file, "Kunde;Mobil;Ort;Notiz\nJürgen Müller;0151 12345678;München;x\nAna;+55 11 98765-4321;;y\n")
        .unwrap();
    let f = file.to_str().unwrap();
    let report =
        ok(&data, &["--json", "contacts", "import", f, "--map", "Ort=city", "--map", "4=ignore", "--tag", "fair"]);
    assert_eq!((report["created"].as_u64(), report["errors"].as_array().map(Vec::len)), (Some(2), Some(0)), "{report}");

    let page = ok(&data, &["--json", "contacts", "list", "--tag", "fair"]);
    assert_eq!(page["total"], 2);
    let jurgen = &page["contacts"][1];
    assert_eq!(jurgen["phone"], "4915112345678");
    assert_eq!(jurgen["name"], "Jürgen Müller");
    assert_eq!(jurgen["fields"], serde_json::json!({ "city": "München" }));
    assert_eq!(jurgen["tags"], serde_json::json!(["fair"]));
    let search = ok(&data, &["--json", "contacts", "list", "--search", "müller"]);
    assert_eq!(search["total"], 1);

    let csv = run(&data, &["contacts", "export", "--reachable"]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("phone,name,first_name,tags,opted_out,city\n"), "{text}");
    assert!(text.contains("4915112345678,Jürgen Müller,,fair,no,München"), "{text}");
    let out_file = t.path().join("out.csv");
    let written = ok(&data, &["--json", "contacts", "export", "--out", out_file.to_str().unwrap()]);
    assert_eq!(written["rows"], 2);
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), text);

    // The saved mapping is used for the next file with the same columns (Notiz stays ignored).
    std::fs::write(&file, "Kunde;Mobil;Ort;Notiz\nBo;0160 9876543;Köln;z\n").unwrap();
    ok(&data, &["--json", "contacts", "import", f]);
    let bo = ok(&data, &["--json", "contacts", "list", "--search", "bo"]);
    assert_eq!(bo["contacts"][0]["fields"], serde_json::json!({ "city": "Köln" }));
}

#[test]
fn row_errors_exit_2_with_the_report_and_the_good_rows_imported() {
    let (t, data) = setup();
    let file = t.path().join("c.csv");
    std::fs::write(&file, "phone,name\n0151 12345678,Ok\nnot a number,Bad\n,Empty\n").unwrap();
    let out = run(&data, &["--json", "contacts", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["created"], 1);
    assert_eq!(report["skipped"], 2);
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["column"], "phone");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    let human = run(&data, &["contacts", "import", file.to_str().unwrap()]);
    assert_eq!(human.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&human.stdout).contains("line 3 [phone]"));
    assert_eq!(ok(&data, &["--json", "contacts", "list"])["total"], 1);
}

#[test]
fn a_bad_mapping_exits_2_and_changes_nothing() {
    let (t, data) = setup();
    let file = t.path().join("c.csv");
    std::fs::write(&file, "phone,mobile\n0151 12345678,0160 9876543\n").unwrap();
    let f = file.to_str().unwrap();
    for args in [vec!["--map", "mobile=phone"], vec!["--map", "nope=name"], vec!["--map", "2=Bad Name"]] {
        let mut all = vec!["--json", "contacts", "import", f];
        all.extend(args.iter().copied());
        let out = run(&data, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        assert!(err["field"] == "mapping" || err["field"] == "map", "{err}");
    }
    assert_eq!(ok(&data, &["--json", "contacts", "list"])["total"], 0);
    let missing = run(&data, &["contacts", "import", t.path().join("none.csv").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(3));
}

#[test]
fn tags_opt_out_delete_and_settings_by_number() {
    let (t, data) = setup();
    let file = t.path().join("c.csv");
    std::fs::write(&file, "phone\n0151 12345678\n0160 9876543\n").unwrap();
    ok(&data, &["--json", "contacts", "import", file.to_str().unwrap()]);
    assert_eq!(ok(&data, &["--json", "contacts", "tag", "vip", "015112345678", "+49 160 9876543"])["changed"], 2);
    assert_eq!(ok(&data, &["--json", "contacts", "untag", "VIP", "015112345678"])["changed"], 1);
    let unknown = run(&data, &["contacts", "tag", "vip", "0170 1234567"]);
    assert_eq!(unknown.status.code(), Some(3));
    let out = ok(&data, &["--json", "contacts", "opt-out", "0151 12345678"]);
    assert_eq!(out["opt_out_source"], "manual");
    assert_eq!(ok(&data, &["--json", "contacts", "list", "--opted-out"])["total"], 1);
    assert!(ok(&data, &["--json", "contacts", "opt-in", "0151 12345678"])["opted_out_at"].is_null());
    let refused = run(&data, &["contacts", "delete", "0160 9876543"]);
    assert_eq!(refused.status.code(), Some(2), "no terminal and no --yes");
    assert_eq!(ok(&data, &["--json", "contacts", "delete", "0160 9876543", "--yes"])["deleted"], 1);
    let s = ok(&data, &["--json", "contacts", "settings", "--opt-out-keywords", "STOP, halt"]);
    assert_eq!(s, serde_json::json!({ "default_country": "DE", "opt_out_keywords": ["STOP", "halt"] }));
    let bad = run(&data, &["--json", "contacts", "settings", "--default-country", "XY"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        ok(&data, &["--json", "contacts", "settings", "--default-country", "none"])["default_country"],
        serde_json::Value::Null
    );
}
