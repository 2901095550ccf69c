//! CSV import of 100,000 rows into the store, and the audience query over the contacts it made.
//! Prints figures; asserts only that the counts add up.
//!
//! ```sh
//! cargo bench -p wadesk-core --features bench --bench contacts_import
//! # knobs: WADESK_BENCH_ROWS=100000  WADESK_BENCH_DIR=/some/disk
//! ```
//!
//! The file is what a shop exports from a spreadsheet: `;`-separated, numbers in every local and
//! international spelling (German, Brazilian, Russian), names in Latin, Cyrillic, Greek, Arabic
//! and CJK script, a city, tags and an opt-out column. One row in 20 has a number that is not one
//! (a row error), one in 25 repeats an earlier row's number in another spelling (a merge).
//! Figures: the preview; the import into a new SQLCipher store (every row creates); the same file
//! again (every row updates); the import into plain SQLite on the same code; then
//! `audience_contacts` over every contact, over a tag and a field condition, and `audience_count`.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use wadesk_core::contacts::{Audience, ContactQuery, ImportOptions, ImportReport};
use wadesk_core::Store;

const NAMES: [&str; 10] = [
    "Jürgen Müller",
    "Иван Петров",
    "Ana Conceição",
    "李小龙",
    "محمد علي",
    "Ζωή Παπαδοπούλου",
    "José Núñez",
    "Zoë Brontë",
    "山田 太郎",
    "Ольга Смирнова",
];
const CITIES: [&str; 6] = ["Berlin", "São Paulo", "Москва", "München", "Köln", "Rio de Janeiro"];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Row `i`'s number: valid in one of several spellings, or (one in 20) not a number.
fn number(i: usize) -> String {
    if i % 20 == 7 {
        return if i % 40 == 7 { format!("0151 CALL {i}") } else { format!("12{}", i % 10) };
    }
    let n = i % 10_000_000;
    match i % 5 {
        0 => format!("0151 {:08}", 10_000_000 + i),
        1 => format!("+49 160 {:08}", 10_000_000 + i),
        2 => format!("0049 (0)170 {:07}", n),
        3 => format!("+55 11 9{:04}-{:04}", 6000 + n / 10_000 % 4000, n % 10_000),
        _ => format!("+7 912 {:03}-{:02}-{:02}", n / 10_000 % 1000, n / 100 % 100, n % 100),
    }
}

fn csv_file(rows: usize) -> Vec<u8> {
    let mut out = String::from("Telefon;Name;Vorname;Stadt;Tags;Abgemeldet\n");
    for i in 0..rows {
        // One row in 25 repeats the number of the row 5 before (same scheme, so the same contact).
        let phone = if i % 25 == 24 { number(i - 5) } else { number(i) };
        let name = NAMES[i % NAMES.len()];
        let first = name.split(' ').next().unwrap_or(name);
        let city = CITIES[i % CITIES.len()];
        let tags = match i % 4 {
            0 => "vip, newsletter",
            1 => "newsletter",
            2 => "",
            _ => "messe 2024|vip",
        };
        let opt_out = if i % 50 == 0 { "ja" } else { "" };
        out.push_str(&format!("{phone};{name} {i};{first};{city};\"{tags}\";{opt_out}\n"));
    }
    out.into_bytes()
}

fn import(store: &Store, bytes: &[u8]) -> (ImportReport, f64) {
    let preview = store.import_preview(bytes).expect("preview");
    let options =
        ImportOptions { mapping: preview.mapping, tags: vec!["bench".into()], default_country: Some("DE".into()) };
    let started = Instant::now();
    let report = store.import_contacts(bytes, &options, &|_| {}, &AtomicBool::new(false)).expect("import");
    (report, started.elapsed().as_secs_f64())
}

fn print(label: &str, r: &ImportReport, secs: f64) {
    println!(
        "{label:<32} {} rows in {secs:.2} s: {:>7.0} rows/s ({} created, {} updated, {} merged, {} skipped, {} opted out)",
        r.rows,
        r.rows as f64 / secs,
        r.created,
        r.updated,
        r.merged,
        r.skipped,
        r.opted_out
    );
    assert_eq!(r.created + r.updated + r.merged + r.skipped, r.rows, "every row is counted once");
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!("{label:<32} {:>8.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    out
}

fn main() {
    let rows = env_or("WADESK_BENCH_ROWS", 100_000);
    let base = std::env::var_os("WADESK_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &base {
        Some(b) => tempfile::tempdir_in(b).expect("dir"),
        None => tempfile::tempdir().expect("dir"),
    };
    let bytes = csv_file(rows);
    println!("file: {rows} rows, {:.1} MiB", bytes.len() as f64 / (1024.0 * 1024.0));

    let de = wadesk_core::contacts::Country::parse("DE", "country").expect("DE");
    let numbers: Vec<String> = (0..rows).map(number).collect();
    let valid = timed("phone normalisation alone", || {
        numbers.iter().filter(|n| wadesk_core::contacts::phone::normalize(n, Some(de)).is_ok()).count()
    });
    println!("  {valid} of {rows} valid");

    let store = Store::create_for_bench(&dir.path().join("cipher.db"), true).expect("store");
    let preview = timed("preview (sqlcipher)", || store.import_preview(&bytes).expect("preview"));
    assert_eq!(preview.total_rows as usize, rows);
    let (first, secs) = import(&store, &bytes);
    print("import, new contacts (sqlcipher)", &first, secs);
    let (again, secs) = import(&store, &bytes);
    print("import again, updates (sqlcipher)", &again, secs);

    let plain = Store::create_for_bench(&dir.path().join("plain.db"), false).expect("store");
    let (r, secs) = import(&plain, &bytes);
    print("import, new contacts (plain)", &r, secs);

    let everyone = timed("audience_contacts(all)", || store.audience_contacts(&Audience::default()).expect("audience"));
    println!("  {} contacts, {} opted out", everyone.len(), everyone.iter().filter(|c| c.opted_out).count());
    let vip = Audience::parse("tag:vip -tag:newsletter stadt=MÜNCHEN").expect("expr");
    let some = timed("audience_contacts(tag + field)", || store.audience_contacts(&vip).expect("audience"));
    println!("  {} contacts", some.len());
    let n = timed("audience_count(tag:newsletter)", || {
        store.audience_count(&Audience::parse("tag:newsletter").expect("expr")).expect("count")
    });
    println!("  {n} contacts");
    for (label, query) in [
        ("contacts_page(first 200)", ContactQuery::default()),
        ("contacts_page(offset 50,000)", ContactQuery { offset: Some(50_000), ..Default::default() }),
        ("contacts_page(search müller)", ContactQuery { search: Some("müller".into()), ..Default::default() }),
        ("contacts_page(tag vip)", ContactQuery { tags: Some(vec!["vip".into()]), ..Default::default() }),
    ] {
        let page = timed(label, || store.contacts_page(&query).expect("page"));
        println!("  {} of {} contacts", page.contacts.len(), page.total);
    }
}
