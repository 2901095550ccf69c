//! Contacts through the public API on a real (SQLCipher) store: CSV files as Excel writes them,
//! merges, per-row errors with their lines, cancel, saved mappings, opt-out, audiences, the list,
//! edits and the CSV export.

use std::cell::RefCell;
use std::sync::atomic::AtomicBool;

use wadesk_core::contacts::{
    Audience, ColumnTarget, ContactEdit, ContactQuery, ContactSettings, ImportOptions, ImportProgress, ImportReport,
    OptOutSource,
};
use wadesk_core::messaging::Change;
use wadesk_core::{Error, Install, KeyChoice, Secret, Store};

struct World {
    _dir: tempfile::TempDir,
    store: Store,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Install::at(dir.path().join("data")).create(KeyChoice::Passphrase(Secret::new("contacts pass"))).unwrap();
    store
        .set_contact_settings(&ContactSettings {
            default_country: Some("DE".into()),
            opt_out_keywords: vec!["STOP".into()],
        })
        .unwrap();
    World { _dir: dir, store }
}

impl World {
    /// Imports `bytes` with the preview's mapping and `tags`.
    fn import(&self, bytes: &[u8], tags: &[&str]) -> ImportReport {
        let preview = self.store.import_preview(bytes).unwrap();
        self.import_with(bytes, preview.mapping, tags)
    }

    fn import_with(&self, bytes: &[u8], mapping: Vec<ColumnTarget>, tags: &[&str]) -> ImportReport {
        let options =
            ImportOptions { mapping, tags: tags.iter().map(|t| t.to_string()).collect(), default_country: None };
        self.store.import_contacts(bytes, &options, &|_| {}, &AtomicBool::new(false)).unwrap()
    }

    fn all(&self) -> Vec<wadesk_core::contacts::ContactView> {
        self.store.contacts_page(&ContactQuery { limit: Some(500), ..Default::default() }).unwrap().contacts
    }

    fn phones(&self, expr: &str) -> Vec<String> {
        let a = Audience::parse(expr).unwrap();
        self.store.audience_contacts(&a).unwrap().into_iter().map(|c| c.phone).collect()
    }
}

fn field(name: &str) -> ColumnTarget {
    ColumnTarget::Field { name: name.into() }
}

#[test]
fn a_latin1_semicolon_file_from_excel_keeps_its_umlauts() {
    let w = world();
    let file = b"Vorname;Name;Handynummer;Stadt\nJ\xFCrgen;J\xFCrgen M\xFCller;0151 12345678;M\xFCnchen\nZo\xEB;Zo\xEB Stra\xDFer;+49 160 9876543;K\xF6ln\n";
    let preview = w.store.import_preview(file).unwrap();
    assert_eq!((preview.encoding.as_str(), preview.delimiter.as_str()), ("latin-1", ";"));
    assert_eq!(preview.headers, ["Vorname", "Name", "Handynummer", "Stadt"]);
    assert_eq!(preview.mapping, [ColumnTarget::FirstName, ColumnTarget::Name, ColumnTarget::Phone, field("stadt")]);
    assert!(!preview.mapping_saved);
    assert_eq!(preview.total_rows, 2);
    assert_eq!(preview.rows[0], ["Jürgen", "Jürgen Müller", "0151 12345678", "München"]);
    let report = w.import(file, &[]);
    assert_eq!((report.rows, report.created, report.skipped), (2, 2, 0), "{report:?}");
    let all = w.all();
    assert_eq!(all[0].name.as_deref(), Some("Jürgen Müller"));
    assert_eq!(all[0].phone, "4915112345678");
    assert_eq!(all[1].fields["stadt"], "Köln");
    assert_eq!(all[1].phone, "491609876543");
}

#[test]
fn a_utf8_bom_tab_file_with_quoted_cells_and_non_latin_names_imports() {
    let w = world();
    let file =
        "\u{feff}Phone\tFirst name\tTags\n\"+55 11 98765-4321\"\tИван\t\"vip, ru | 2024\"\n+7 912 345-67-89\t東京\t\n";
    let preview = w.store.import_preview(file.as_bytes()).unwrap();
    assert_eq!((preview.encoding.as_str(), preview.delimiter.as_str()), ("utf-8-bom", "\t"));
    assert_eq!(preview.headers[0], "Phone", "the BOM is not part of the first header");
    let report = w.import(file.as_bytes(), &["march"]);
    assert_eq!((report.created, report.errors.len()), (2, 0), "{report:?}");
    let ivan = w.store.contact_by_phone("+5511987654321", None).unwrap();
    assert_eq!(ivan.first_name.as_deref(), Some("Иван"));
    assert_eq!(ivan.tags, ["2024", "march", "ru", "vip"]);
    assert_eq!(w.store.contact_by_phone("+79123456789", None).unwrap().tags, ["march"]);
}

#[test]
fn rows_with_the_same_number_merge_later_values_winning_and_tags_adding_up() {
    let w = world();
    let file =
        "phone,name,city,tags\n0151 12345678,Ann,Berlin,a\n+4915112345678,,Hamburg,b\n0049 151 1234 5678,Ann B.,,c\n";
    let report = w.import(file.as_bytes(), &[]);
    assert_eq!((report.rows, report.created, report.merged, report.updated), (3, 1, 2, 0), "{report:?}");
    let all = w.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name.as_deref(), Some("Ann B."));
    assert_eq!(all[0].fields["city"], "Hamburg", "an empty cell does not erase");
    assert_eq!(all[0].tags, ["a", "b", "c"]);
}

#[test]
fn existing_contacts_are_updated_and_empty_cells_never_erase_them() {
    let w = world();
    w.import(b"phone,name,first name,city\n015112345678,Ann Smith,Ann,Berlin\n", &["old"]);
    let report = w.import(b"phone,name,first name,city\n+49 151 12345678,,Annie,\n+49 160 9876543,Bo,,\n", &["new"]);
    assert_eq!((report.created, report.updated, report.merged), (1, 1, 0), "{report:?}");
    let ann = w.store.contact_by_phone("015112345678", None).unwrap();
    assert_eq!((ann.name.as_deref(), ann.first_name.as_deref()), (Some("Ann Smith"), Some("Annie")));
    assert_eq!(ann.fields["city"], "Berlin");
    assert_eq!(ann.tags, ["new", "old"]);
}

#[test]
fn row_errors_name_the_file_line_and_column_and_the_good_rows_still_import() {
    let w = world();
    let long = "x".repeat(1025);
    let file = format!(
        "name,phone,note\nOk,0151 12345678,fine\nBad,0151 CALL ME,x\n\"Two\nlines\",123,y\nLong,0160 9876543,{long}\nNone,,z\n"
    );
    let report = w.import(file.as_bytes(), &[]);
    assert_eq!((report.rows, report.created, report.skipped), (5, 2, 3), "{report:?}");
    let at: Vec<(u64, Option<&str>)> = report.errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
    assert_eq!(at, [(3, Some("phone")), (4, Some("phone")), (6, Some("note")), (7, Some("phone"))]);
    assert!(report.errors[0].message.contains("a letter"), "{:?}", report.errors[0]);
    assert!(report.errors[2].message.contains("1024"), "{:?}", report.errors[2]);
    assert!(report.errors[3].message.contains("empty"), "{:?}", report.errors[3]);
}

#[test]
fn numbers_without_country_code_are_refused_when_no_default_country_applies() {
    let w = world();
    w.store.set_contact_settings(&ContactSettings { default_country: None, opt_out_keywords: vec![] }).unwrap();
    let report = w.import(b"phone\n0151 12345678\n+4916098765430\n", &[]);
    assert_eq!((report.created, report.errors.len(), report.errors[0].line), (1, 1, 2), "{report:?}");
    assert!(report.errors[0].message.contains("no default country"), "{report:?}");
    let options =
        ImportOptions { mapping: vec![ColumnTarget::Phone], tags: vec![], default_country: Some("de".into()) };
    let report =
        w.store.import_contacts(b"phone\n0151 12345678\n", &options, &|_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(report.created, 1, "{report:?}");
}

#[test]
fn a_cancelled_import_changes_nothing() {
    let w = world();
    w.import(b"phone,name\n015112345678,Before\n", &[]);
    let mut file = String::from("phone,full name\n015112345678,After\n");
    for i in 0..3_000 {
        file.push_str(&format!("+49 151 {:08},N{i}\n", 20_000_000 + i));
    }
    let cancel = AtomicBool::new(false);
    let seen = RefCell::new(Vec::<ImportProgress>::new());
    let progress = |p: ImportProgress| {
        seen.borrow_mut().push(p);
        if p.rows_done >= 1_000 {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let options =
        ImportOptions { mapping: vec![ColumnTarget::Phone, ColumnTarget::Name], tags: vec![], default_country: None };
    let report = w.store.import_contacts(file.as_bytes(), &options, &progress, &cancel).unwrap();
    assert!(report.cancelled);
    assert_eq!((report.created, report.updated), (0, 0));
    assert!(seen.borrow().iter().all(|p| p.total_rows == 3_001));
    let all = w.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name.as_deref(), Some("Before"));
    assert!(!w.store.import_preview(file.as_bytes()).unwrap().mapping_saved, "a cancelled import saves no mapping");
}

#[test]
fn progress_is_reported_about_every_thousand_rows() {
    let w = world();
    let mut file = String::from("phone\n");
    for i in 0..2_500 {
        file.push_str(&format!("+49 151 {:08}\n", 30_000_000 + i));
    }
    let seen = RefCell::new(Vec::new());
    let options = ImportOptions { mapping: vec![ColumnTarget::Phone], tags: vec![], default_country: None };
    let report = w
        .store
        .import_contacts(file.as_bytes(), &options, &|p| seen.borrow_mut().push(p.rows_done), &AtomicBool::new(false))
        .unwrap();
    assert_eq!(report.created, 2_500);
    assert_eq!(*seen.borrow(), [0, 1_000, 2_000, 2_500]);
}

#[test]
fn the_mapping_is_saved_under_the_header_row_and_offered_next_time() {
    let w = world();
    let file = b"Kundennr;Mobil;Bemerkung\n17;0151 12345678;nett\n";
    let chosen = vec![field("customer_no"), ColumnTarget::Phone, ColumnTarget::Ignore];
    w.import_with(file, chosen.clone(), &[]);
    let again = w.store.import_preview(b"KUNDENNR ; mobil ;Bemerkung\n18;0160 9876543;x\n").unwrap();
    assert!(again.mapping_saved);
    assert_eq!(again.mapping, chosen);
    let other = w.store.import_preview(b"Mobil;Kundennr;Bemerkung\n").unwrap();
    assert!(!other.mapping_saved);
    assert_eq!(w.store.contact_by_phone("015112345678", None).unwrap().fields["customer_no"], "17");
}

#[test]
fn a_bad_mapping_is_refused_at_the_mapping_field_and_nothing_is_written() {
    let w = world();
    let mut rx = w.store.subscribe_changes();
    let bytes = b"a,b\n015112345678,0160 9876543\n";
    for mapping in [
        vec![ColumnTarget::Name, ColumnTarget::Ignore],
        vec![ColumnTarget::Phone, ColumnTarget::Phone],
        vec![ColumnTarget::Phone],
    ] {
        let options = ImportOptions { mapping, tags: vec![], default_country: None };
        let e = w.store.import_contacts(bytes, &options, &|_| {}, &AtomicBool::new(false)).unwrap_err();
        assert!(matches!(&e, Error::Field(f, _) if f == "mapping"), "{e:?}");
    }
    let options = ImportOptions {
        mapping: vec![ColumnTarget::Phone, ColumnTarget::Ignore],
        tags: vec![" ".into()],
        default_country: None,
    };
    let e = w.store.import_contacts(bytes, &options, &|_| {}, &AtomicBool::new(false)).unwrap_err();
    assert!(matches!(&e, Error::Field(f, _) if f == "tags"), "{e:?}");
    assert!(w.all().is_empty());
    assert!(rx.try_recv().is_err(), "nothing announced");
}

#[test]
fn the_opt_out_column_opts_out_with_source_import_and_never_opts_back_in() {
    let w = world();
    let file = b"phone,unsubscribed\n015112345678,yes\n01609876543,no\n01701234567,maybe\n";
    let report = w.import(file, &[]);
    assert_eq!((report.created, report.opted_out, report.skipped), (2, 1, 1), "{report:?}");
    assert_eq!((report.errors[0].line, report.errors[0].column.as_deref()), (4, Some("unsubscribed")));
    let out = w.store.contact_by_phone("015112345678", None).unwrap();
    assert_eq!(out.opt_out_source, Some(OptOutSource::Import));
    let again = w.import(b"phone,unsubscribed\n015112345678,no\n", &[]);
    assert_eq!(again.opted_out, 0);
    assert!(w.store.contact_by_phone("015112345678", None).unwrap().opted_out_at.is_some(), "still opted out");
    assert_eq!(w.phones("all").len(), 2, "opted-out contacts are in the audience, flagged");
    let a = w.store.audience_contacts(&Audience::default()).unwrap();
    assert_eq!(a.iter().filter(|c| c.opted_out).count(), 1);
}

#[test]
fn audiences_filter_imported_contacts_by_tags_and_fields() {
    let w = world();
    let file = "phone,first name,city,plan,tags\n\
                0151 11111111,Ann,Berlin,pro,vip\n\
                0151 22222222,Bo,BERLIN,free,vip|late\n\
                0151 33333333,,New York,pro,\n\
                0151 44444444,Dee,,,late\n";
    w.import(file.as_bytes(), &[]);
    assert_eq!(w.phones("tag:vip"), ["4915111111111", "4915122222222"]);
    assert_eq!(w.phones("tag:VIP -tag:late"), ["4915111111111"]);
    assert_eq!(w.phones("city=berlin"), ["4915111111111", "4915122222222"]);
    assert_eq!(w.phones(r#"city="new york""#), ["4915133333333"]);
    assert_eq!(w.phones("plan!=pro"), ["4915122222222", "4915144444444"]);
    assert_eq!(w.phones("!first_name?"), ["4915133333333"]);
    assert_eq!(w.phones("city? plan=pro"), ["4915111111111", "4915133333333"]);
    assert_eq!(w.store.audience_count(&Audience::parse("tag:late").unwrap()).unwrap(), 2);
    let ids: Vec<i64> = w.all().iter().map(|c| c.id).rev().take(2).collect();
    let by_id = w.store.audience_contacts_by_id(&ids).unwrap();
    assert_eq!(by_id.len(), 2);
    assert!(by_id[0].id < by_id[1].id);
}

#[test]
fn the_list_searches_filters_pages_and_counts_tags() {
    let w = world();
    let file = "phone,name,city,tags\n0151 11111111,Zoë Müller,Köln,vip\n0151 22222222,anna,Berlin,vip|new\n0151 33333333,,Иваново,\n";
    w.import(file.as_bytes(), &[]);
    let page = |q: ContactQuery| w.store.contacts_page(&q).unwrap();
    let all = page(ContactQuery::default());
    assert_eq!(all.total, 3);
    let names: Vec<Option<&str>> = all.contacts.iter().map(|c| c.name.as_deref()).collect();
    assert_eq!(names, [Some("anna"), Some("Zoë Müller"), None]);
    assert_eq!(all.fields, ["city"]);
    assert_eq!(all.tags.iter().map(|t| (t.tag.as_str(), t.count)).collect::<Vec<_>>(), [("new", 1), ("vip", 2)]);
    let search = |s: &str| page(ContactQuery { search: Some(s.into()), ..Default::default() }).total;
    assert_eq!(search("MÜLLER"), 1);
    assert_eq!(search("иваново"), 1);
    assert_eq!(search("0151 2222"), 1);
    assert_eq!(search("4915133"), 1);
    assert_eq!(page(ContactQuery { tags: Some(vec!["vip".into(), "new".into()]), ..Default::default() }).total, 1);
    let second = page(ContactQuery { offset: Some(1), limit: Some(1), ..Default::default() });
    assert_eq!((second.total, second.contacts.len()), (3, 1));
    assert_eq!(second.contacts[0].name.as_deref(), Some("Zoë Müller"));
}

#[test]
fn edits_validate_renormalise_and_announce() {
    let w = world();
    w.import(b"phone,name,tags\n0151 11111111,Ann,vip\n0151 22222222,Bo,\n", &[]);
    let mut rx = w.store.subscribe_changes();
    let all = w.all();
    let (ann, bo) = (all[0].id, all[1].id);
    let edit = ContactEdit {
        phone: Some("0170 1234567".into()),
        name: Some("".into()),
        fields: Some([("city".to_owned(), "Bonn".to_owned())].into()),
        tags: Some(vec!["VIP ".into(), "new".into()]),
        opted_out: Some(true),
        ..Default::default()
    };
    let c = w.store.update_contact(ann, &edit, None).unwrap();
    assert_eq!((c.phone.as_str(), c.name, c.first_name), ("491701234567", None, None));
    assert_eq!(c.tags, ["new", "vip"], "an existing tag keeps its spelling");
    assert_eq!(c.opt_out_source, Some(OptOutSource::Manual));
    assert_eq!(rx.try_recv().unwrap(), Change::Contacts);
    let taken = ContactEdit { phone: Some("+49 170 1234567".into()), ..Default::default() };
    assert!(matches!(w.store.update_contact(bo, &taken, None), Err(Error::Field(f, _)) if f == "phone"));
    let bad_field =
        ContactEdit { fields: Some([("Bad Name".to_owned(), "x".to_owned())].into()), ..Default::default() };
    assert!(matches!(w.store.update_contact(bo, &bad_field, None), Err(Error::Field(f, _)) if f == "fields"));
    let back_in = w.store.set_opt_out_by_phone("0170 1234567", false, None).unwrap();
    assert_eq!((back_in.opted_out_at, back_in.opt_out_source), (None, None));
    assert_eq!(w.store.tag_contacts(&[ann, bo], "late", true).unwrap(), 2);
    assert_eq!(w.store.tag_contacts(&[ann, bo], "LATE", false).unwrap(), 2);
    assert_eq!(w.store.delete_contacts(&[bo, 999]).unwrap(), 1);
    assert!(matches!(w.store.contact(bo), Err(Error::NotFound(_))));
    assert!(matches!(w.store.update_contact(bo, &ContactEdit::default(), None), Err(Error::NotFound(_))));
}

#[test]
fn the_csv_export_reads_back_as_an_import_and_defuses_formulas() {
    let w = world();
    w.import(
        "phone,name,tags,city,unsubscribed\n0151 11111111,=HYPERLINK(\"x\"),vip|new,Köln,\n0151 22222222,Bo,,,yes\n"
            .as_bytes(),
        &[],
    );
    let mut out = Vec::new();
    assert_eq!(w.store.export_contacts_csv(&ContactQuery::default(), &mut out).unwrap(), 2);
    let text = String::from_utf8(out.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("phone,name,first_name,tags,opted_out,city"));
    assert_eq!(lines.next(), Some("4915111111111,\"'=HYPERLINK(\"\"x\"\")\",,\"new, vip\",no,Köln"));
    assert_eq!(lines.next(), Some("4915122222222,Bo,,,yes,"));
    let back = world();
    let report = back.import(&out, &[]);
    assert_eq!((report.created, report.opted_out, report.errors.len()), (2, 1, 0), "{report:?}");
    let reachable = ContactQuery { opted_out: Some(false), ..Default::default() };
    let mut only = Vec::new();
    assert_eq!(w.store.export_contacts_csv(&reachable, &mut only).unwrap(), 1);
}
