//! The import's rows into contacts, inside one transaction that is committed only when the last
//! row is written and the admin did not cancel.
//!
//! A row is read cell by cell: a bad phone number or opt-out cell leaves the whole row out (an
//! unreadable opt-out must not import someone as reachable); an over-long cell or a bad tag drops
//! only that cell. The first row of a number creates or updates its contact; later rows of the
//! same number in the file merge into it (counted as `merged`). Empty cells never erase a value.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::super::tags::Spellings;
use super::super::{phone, ColumnTarget, ImportProgress, ImportReport, RowError};
use super::decode::{Row, Table};
use super::mapping::Plan;
use super::{MAX_CELL_CHARS, PROGRESS_EVERY};
use crate::error::{Error, Result};
use crate::store::now_ms;

/// One row's values after its cells were checked.
#[derive(Debug, Default)]
struct Values {
    phone: String,
    name: Option<String>,
    first_name: Option<String>,
    fields: BTreeMap<String, String>,
    tags: Vec<String>,
    opt_out: bool,
}

/// One row as read: its values (`None`: left out) and the errors of its cells.
type ReadRow = (Option<Values>, Vec<RowError>);

/// Runs the import of `table` by `plan` on `conn`.
///
/// Reading rows (number parsing is most of it) runs on a second thread, a block of
/// [`PROGRESS_EVERY`] rows ahead of the writer, so parsing and writing overlap.
pub fn import(
    conn: &mut Connection,
    plan: &Plan,
    table: &Table,
    progress: &dyn Fn(ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let total_rows = table.rows.len() as u64;
    let mut report = ImportReport {
        rows: 0,
        created: 0,
        updated: 0,
        merged: 0,
        skipped: 0,
        opted_out: 0,
        errors: Vec::new(),
        cancelled: false,
    };
    progress(ImportProgress { rows_done: 0, total_rows });
    let tx = conn.transaction()?;
    let mut spellings = Spellings::load(&tx)?;
    let mut seen: HashSet<String> = HashSet::new();
    let now = now_ms();
    let finished = std::thread::scope(|scope| -> Result<bool> {
        let (blocks, parsed) = std::sync::mpsc::sync_channel::<Vec<ReadRow>>(2);
        scope.spawn(move || {
            for block in table.rows.chunks(PROGRESS_EVERY as usize) {
                let rows = block.iter().map(|row| read_row(plan, row)).collect();
                if blocks.send(rows).is_err() {
                    break; // the writer stopped (cancel or error)
                }
            }
        });
        for block in parsed {
            if cancel.load(Ordering::Relaxed) {
                return Ok(false);
            }
            for (values, errors) in block {
                report.rows += 1;
                report.errors.extend(errors);
                let Some(mut values) = values else {
                    report.skipped += 1;
                    continue;
                };
                values.tags.extend(plan.tags.iter().cloned());
                let first = seen.insert(values.phone.clone());
                write(&tx, &values, now, first, &mut spellings, &mut report)?;
            }
            if report.rows < total_rows {
                progress(ImportProgress { rows_done: report.rows, total_rows });
            }
        }
        Ok(!cancel.load(Ordering::Relaxed))
    })?;
    if !finished {
        return Ok(cancelled(report));
    }
    save_mapping(&tx, plan, now)?;
    tx.commit()?;
    progress(ImportProgress { rows_done: report.rows, total_rows });
    Ok(report)
}

/// The report of a rolled-back import: the rows read and their errors, no changes.
fn cancelled(report: ImportReport) -> ImportReport {
    ImportReport { created: 0, updated: 0, merged: 0, opted_out: 0, cancelled: true, ..report }
}

fn save_mapping(tx: &Transaction<'_>, plan: &Plan, now: i64) -> Result<()> {
    let json = serde_json::to_string(&plan.targets).map_err(|e| Error::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO contact_import_mappings (header_signature, mapping_json, saved_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (header_signature) DO UPDATE SET mapping_json = excluded.mapping_json, saved_at = excluded.saved_at",
        params![plan.signature, json, now],
    )?;
    Ok(())
}

/// Words an opt-out cell may hold, in the seed's languages: `Some(true)` opts out.
fn opt_out_word(cell: &str) -> Option<bool> {
    let w = cell.trim().to_lowercase();
    let yes = [
        "yes",
        "y",
        "true",
        "1",
        "x",
        "✓",
        "✔",
        "opted out",
        "opt out",
        "opt-out",
        "optout",
        "unsubscribed",
        "stop",
        "ja",
        "j",
        "wahr",
        "abgemeldet",
        "si",
        "sí",
        "s",
        "verdadero",
        "baja",
        "sim",
        "verdadeiro",
        "descadastrado",
        "oui",
        "o",
        "vrai",
        "désabonné",
        "да",
        "д",
        "отписан",
        "отписался",
    ];
    let no = [
        "",
        "no",
        "n",
        "false",
        "0",
        "-",
        "nein",
        "falsch",
        "falso",
        "não",
        "nao",
        "non",
        "faux",
        "нет",
        "н",
        "subscribed",
        "opted in",
        "opt in",
    ];
    if yes.contains(&w.as_str()) {
        Some(true)
    } else if no.contains(&w.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Splits a tags cell on `,` `;` `|`.
fn split_tags(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', '|']).map(str::trim).filter(|t| !t.is_empty())
}

/// The checked values of `row` (`None` when the row is left out) and its errors.
fn read_row(plan: &Plan, row: &Row) -> ReadRow {
    let mut errors = Vec::new();
    let values = read_cells(plan, row, &mut errors);
    (values, errors)
}

fn read_cells(plan: &Plan, row: &Row, errors: &mut Vec<RowError>) -> Option<Values> {
    let mut err = |column: Option<String>, message: String| errors.push(RowError { line: row.line, column, message });
    let mut v = Values::default();
    for (i, target) in plan.targets.iter().enumerate() {
        let cell = row.cells.get(i).unwrap_or("").trim();
        if cell.chars().count() > MAX_CELL_CHARS {
            err(Some(plan.column(i)), format!("the cell is longer than {MAX_CELL_CHARS} characters"));
            if i == plan.phone {
                return None;
            }
            continue;
        }
        let value = (!cell.is_empty()).then(|| cell.to_owned());
        match target {
            ColumnTarget::Ignore => {}
            ColumnTarget::Phone => match phone::normalize(cell, plan.country) {
                Ok(p) => v.phone = p,
                Err(message) => {
                    err(Some(plan.column(i)), message);
                    return None;
                }
            },
            ColumnTarget::Name => v.name = value,
            ColumnTarget::FirstName => v.first_name = value,
            ColumnTarget::Field { name } => {
                if let Some(value) = value {
                    v.fields.insert(name.clone(), value);
                }
            }
            ColumnTarget::Tags => {
                for t in split_tags(cell) {
                    match super::super::rules::tag(t, "tags") {
                        Ok(t) => v.tags.push(t),
                        Err(e) => err(Some(plan.column(i)), e.to_string().trim_start_matches("tags: ").to_owned()),
                    }
                }
            }
            ColumnTarget::OptOut => match opt_out_word(cell) {
                Some(flag) => v.opt_out = flag,
                None => {
                    err(
                        Some(plan.column(i)),
                        format!("\"{cell}\" is not a yes or no for opt-out; the row was not imported"),
                    );
                    return None;
                }
            },
        }
    }
    let extra = row.cells.iter().skip(plan.targets.len()).filter(|c| !c.trim().is_empty()).count();
    if extra > 0 {
        err(None, format!("{extra} cell(s) past the last column of the header were not imported"));
    }
    Some(v)
}

/// What a contact already holds.
struct Existing {
    id: i64,
    name: Option<String>,
    first_name: Option<String>,
    fields: BTreeMap<String, String>,
    opted_out: bool,
}

fn existing(tx: &Transaction<'_>, phone: &str) -> Result<Option<Existing>> {
    let row = tx
        .prepare_cached(
            "SELECT id, name, first_name, fields_json, opted_out_at IS NOT NULL FROM contacts WHERE phone = ?1",
        )?
        .query_row([phone], |r| {
            let json: String = r.get(3)?;
            Ok(Existing {
                id: r.get(0)?,
                name: r.get(1)?,
                first_name: r.get(2)?,
                fields: serde_json::from_str(&json).unwrap_or_default(),
                opted_out: r.get(4)?,
            })
        })
        .optional()?;
    Ok(row)
}

/// Creates, updates or merges into the contact of `v.phone`; `first` is whether this is the
/// file's first row with that number.
fn write(
    tx: &Transaction<'_>,
    v: &Values,
    now: i64,
    first: bool,
    spellings: &mut Spellings,
    report: &mut ImportReport,
) -> Result<()> {
    let json = |m: &BTreeMap<String, String>| serde_json::to_string(m).map_err(|e| Error::Internal(e.to_string()));
    let id = match existing(tx, &v.phone)? {
        None => {
            let (at, source) = if v.opt_out { (Some(now), Some("import")) } else { (None, None) };
            tx.prepare_cached(
                "INSERT INTO contacts (phone, name, first_name, fields_json, opted_out_at, opt_out_source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?
            .execute(params![v.phone, v.name, v.first_name, json(&v.fields)?, at, source, now])?;
            report.opted_out += u64::from(v.opt_out);
            report.created += 1;
            tx.last_insert_rowid()
        }
        Some(old) => {
            let mut fields = old.fields;
            fields.extend(v.fields.iter().map(|(k, val)| (k.clone(), val.clone())));
            let opt_out_now = v.opt_out && !old.opted_out;
            tx.prepare_cached(
                "UPDATE contacts SET name = ?2, first_name = ?3, fields_json = ?4, updated_at = ?5,
                        opted_out_at = CASE WHEN ?6 THEN ?5 ELSE opted_out_at END,
                        opt_out_source = CASE WHEN ?6 THEN 'import' ELSE opt_out_source END
                 WHERE id = ?1",
            )?
            .execute(params![
                old.id,
                v.name.as_ref().or(old.name.as_ref()),
                v.first_name.as_ref().or(old.first_name.as_ref()),
                json(&fields)?,
                now,
                opt_out_now
            ])?;
            report.opted_out += u64::from(opt_out_now);
            if first {
                report.updated += 1;
            } else {
                report.merged += 1;
            }
            old.id
        }
    };
    let mut add = tx.prepare_cached("INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?1, ?2)")?;
    for tag in &v.tags {
        add.execute(params![id, spellings.canonical(tag)])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_words_in_several_languages() {
        for yes in ["Yes", " X ", "1", "TRUE", "opted out", "Unsubscribed", "STOP", "ja", "sí", "sim", "oui", "да"] {
            assert_eq!(opt_out_word(yes), Some(true), "{yes}");
        }
        for no in ["", "no", "0", "false", "Nein", "não", "non", "нет"] {
            assert_eq!(opt_out_word(no), Some(false), "{no}");
        }
        assert_eq!(opt_out_word("maybe"), None);
    }

    #[test]
    fn tag_cells_split_on_three_separators() {
        assert_eq!(split_tags(" vip, berlin;new |  | x").collect::<Vec<_>>(), ["vip", "berlin", "new", "x"]);
    }
}
