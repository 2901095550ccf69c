//! `wadesk contacts …`: import, list, export, tags, opt-out and settings on the same core as the
//! app. Needs no relay: nothing here talks to a provider.
//!
//! `import` exits 0 when every row was imported, 2 when some rows had errors (the report is still
//! printed, and the good rows are in), 2 with nothing changed on a bad mapping, and 130 when Ctrl-C
//! cancelled it (nothing changed). A progress bar is drawn on stderr when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use wadesk_core::contacts::{
    ColumnTarget, ContactPage, ContactQuery, ContactSettings, ContactView, ImportOptions, ImportPreview, ImportReport,
};
use wadesk_core::{Error, Result, Store};

use crate::args::{ContactFilter, ContactsCommand};
use crate::commands::Output;
use crate::prompt;

/// Exit status of an import cancelled by Ctrl-C (the shell's convention for SIGINT).
const CANCELLED_EXIT: i32 = 130;
/// Row errors listed in the human report (all of them are in `--json`).
const ERRORS_SHOWN: usize = 50;

pub fn run(store: Store, cmd: ContactsCommand, out: Output) -> Result<()> {
    match cmd {
        ContactsCommand::Import { file, map, tags, default_country } => {
            import(&store, &file, &map, tags, default_country, &out)
        }
        ContactsCommand::List { filter, offset, limit } => {
            let query = ContactQuery { offset: Some(offset), limit: Some(limit), ..query_of(filter) };
            let page = store.contacts_page(&query)?;
            out.print(&page, |w| print_page(w, &page))
        }
        ContactsCommand::Export { filter, out: path } => export(&store, &query_of(filter), path.as_deref(), &out),
        ContactsCommand::OptOut { phone } => opt(&store, &phone, true, &out),
        ContactsCommand::OptIn { phone } => opt(&store, &phone, false, &out),
        ContactsCommand::Tag { tag, phones } => set_tag(&store, &tag, &phones, true, &out),
        ContactsCommand::Untag { tag, phones } => set_tag(&store, &tag, &phones, false, &out),
        ContactsCommand::Delete { phones, yes } => delete(&store, &phones, yes, &out),
        ContactsCommand::Settings { default_country, opt_out_keywords } => {
            settings(&store, default_country, opt_out_keywords, &out)
        }
    }
}

fn query_of(f: ContactFilter) -> ContactQuery {
    ContactQuery {
        search: f.search,
        tags: (!f.tags.is_empty()).then_some(f.tags),
        opted_out: if f.opted_out {
            Some(true)
        } else if f.reachable {
            Some(false)
        } else {
            None
        },
        ..ContactQuery::default()
    }
}

/// The target a `--map` FIELD names.
fn target_of(field: &str) -> ColumnTarget {
    match field.trim() {
        "phone" => ColumnTarget::Phone,
        "name" => ColumnTarget::Name,
        "first_name" => ColumnTarget::FirstName,
        "tags" => ColumnTarget::Tags,
        "opt_out" => ColumnTarget::OptOut,
        "ignore" => ColumnTarget::Ignore,
        other => ColumnTarget::Field { name: other.strip_prefix("field:").unwrap_or(other).to_owned() },
    }
}

/// The preview's mapping with each `--map COLUMN=FIELD` applied (names checked by the import).
fn mapping(preview: &ImportPreview, maps: &[String]) -> Result<Vec<ColumnTarget>> {
    let mut mapping = preview.mapping.clone();
    for m in maps {
        let (column, field) = m.rsplit_once('=').ok_or_else(|| {
            Error::Field("map".into(), format!("--map {m:?}: expected COLUMN=FIELD (a header or column number)"))
        })?;
        let column = column.trim();
        let by_name = preview.headers.iter().position(|h| h.trim().eq_ignore_ascii_case(column));
        let by_number = column.parse::<usize>().ok().filter(|n| (1..=preview.headers.len()).contains(n)).map(|n| n - 1);
        let index = by_name.or(by_number).ok_or_else(|| {
            Error::Field(
                "map".into(),
                format!("--map {m:?}: no column {column:?}; the columns are {}", preview.headers.join(", ")),
            )
        })?;
        mapping[index] = target_of(field);
    }
    Ok(mapping)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("file {}", path.display())),
        _ => Error::Io(e),
    })
}

fn import(
    store: &Store,
    file: &Path,
    maps: &[String],
    tags: Vec<String>,
    default_country: Option<String>,
    out: &Output,
) -> Result<()> {
    let bytes = read_file(file)?;
    let preview = store.import_preview(&bytes)?;
    let options = ImportOptions { mapping: mapping(&preview, maps)?, tags, default_country };
    let cancel = Arc::new(AtomicBool::new(false));
    // Ctrl-C sets the flag; the import then rolls back at its next check (every 1,000 rows).
    let runtime = crate::relay::runtime()?;
    let flag = cancel.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let bar = progress_bar(preview.total_rows, out.json);
    let report = store.import_contacts(&bytes, &options, &|p| bar.set_position(p.rows_done), &cancel);
    bar.finish_and_clear();
    drop(runtime);
    let report = report?;
    out.print(&report, |w| print_report(w, &report))?;
    if report.cancelled {
        eprintln!("wadesk: the import was cancelled; nothing was changed");
        std::process::exit(CANCELLED_EXIT);
    }
    if !report.errors.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} row(s) or cell(s) had errors and {} row(s) were not imported; the other rows were",
            report.errors.len(),
            report.skipped
        )));
    }
    Ok(())
}

fn progress_bar(total: u64, json: bool) -> indicatif::ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}  (Ctrl-C cancels)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn print_report(w: &mut dyn Write, r: &ImportReport) -> std::io::Result<()> {
    if r.cancelled {
        writeln!(w, "Cancelled after {} rows: nothing was changed.", r.rows)?;
        return Ok(());
    }
    writeln!(
        w,
        "{} rows: {} created, {} updated, {} merged into an earlier row, {} skipped; {} opted out.",
        r.rows, r.created, r.updated, r.merged, r.skipped, r.opted_out
    )?;
    for e in r.errors.iter().take(ERRORS_SHOWN) {
        let column = e.column.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
        writeln!(w, "  line {}{column}: {}", e.line, e.message)?;
    }
    if r.errors.len() > ERRORS_SHOWN {
        writeln!(w, "  … and {} more (all of them with --json)", r.errors.len() - ERRORS_SHOWN)?;
    }
    Ok(())
}

fn print_page(w: &mut dyn Write, page: &ContactPage) -> std::io::Result<()> {
    for c in &page.contacts {
        print_contact(w, c)?;
    }
    writeln!(w, "{} of {} contacts", page.contacts.len(), page.total)
}

fn print_contact(w: &mut dyn Write, c: &ContactView) -> std::io::Result<()> {
    let name = match (&c.name, &c.first_name) {
        (Some(n), _) => n.clone(),
        (None, Some(f)) => f.clone(),
        (None, None) => "-".into(),
    };
    let opted = if c.opted_out_at.is_some() { "  OPTED OUT" } else { "" };
    let tags = if c.tags.is_empty() { String::new() } else { format!("  [{}]", c.tags.join(", ")) };
    writeln!(w, "+{:<16} {name}{tags}{opted}", c.phone)
}

fn export(store: &Store, query: &ContactQuery, path: Option<&Path>, out: &Output) -> Result<()> {
    let Some(path) = path else {
        store.export_contacts_csv(query, std::io::stdout().lock())?;
        return Ok(());
    };
    let file = std::fs::File::create(path)?;
    let rows = store.export_contacts_csv(query, std::io::BufWriter::new(file))?;
    out.print(&serde_json::json!({ "path": path.display().to_string(), "rows": rows }), |w| {
        writeln!(w, "Exported {rows} contacts to {}.", path.display())
    })
}

fn opt(store: &Store, phone: &str, opted_out: bool, out: &Output) -> Result<()> {
    let c = store.set_opt_out_by_phone(phone, opted_out, None)?;
    out.print(&c, |w| print_contact(w, &c))
}

/// The ids of `phones`, all of which must be contacts (else nothing changes).
fn ids_of(store: &Store, phones: &[String]) -> Result<Vec<i64>> {
    phones.iter().map(|p| store.contact_by_phone(p, None).map(|c| c.id)).collect()
}

fn set_tag(store: &Store, tag: &str, phones: &[String], add: bool, out: &Output) -> Result<()> {
    let changed = store.tag_contacts(&ids_of(store, phones)?, tag, add)?;
    out.print(&serde_json::json!({ "changed": changed }), |w| {
        writeln!(
            w,
            "{} {tag:?} {} {changed} contact(s).",
            if add { "Added" } else { "Removed" },
            if add { "to" } else { "from" }
        )
    })
}

fn delete(store: &Store, phones: &[String], yes: bool, out: &Output) -> Result<()> {
    let ids = ids_of(store, phones)?;
    if !yes && !prompt::confirm(&format!("Delete {} contact(s)?", ids.len()))? {
        return Err(Error::InvalidInput("not deleted: confirm at the prompt or pass --yes".into()));
    }
    let deleted = store.delete_contacts(&ids)?;
    out.print(&serde_json::json!({ "deleted": deleted }), |w| writeln!(w, "Deleted {deleted} contact(s)."))
}

fn settings(store: &Store, country: Option<String>, keywords: Option<String>, out: &Output) -> Result<()> {
    let mut s = store.contact_settings()?;
    if country.is_some() || keywords.is_some() {
        if let Some(c) = country {
            s.default_country = (!c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("none")).then_some(c);
        }
        if let Some(k) = keywords {
            s.opt_out_keywords = k.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
        }
        s = store.set_contact_settings(&s)?;
    }
    out.print(&s, |w| print_settings(w, &s))
}

fn print_settings(w: &mut dyn Write, s: &ContactSettings) -> std::io::Result<()> {
    writeln!(w, "default country:   {}", s.default_country.as_deref().unwrap_or("none (numbers need +country code)"))?;
    writeln!(w, "opt-out keywords:  {}", s.opt_out_keywords.join(", "))
}
