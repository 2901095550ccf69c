//! Contacts as CSV: every contact a query selects (offset and limit ignored), in list order, with
//! the columns an import reads back (phone, name, first_name, tags, opted_out, then every custom
//! field in use). Cells a spreadsheet would run as a formula are defused.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::crud::{attach_tags, by_ids, field_names, ordered_ids, register_fold};
use super::{ContactQuery, ContactView};
use crate::error::{Error, Result};
use crate::messaging::history::{csv_safe, export_to_new_file};
use crate::store::Store;

/// Contacts read from the store per batch while exporting.
const BATCH: usize = 1_000;

fn csv_error(e: csv::Error) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

fn record(c: &ContactView, fields: &[String]) -> Vec<String> {
    let mut out = vec![
        c.phone.clone(),
        csv_safe(c.name.as_deref().unwrap_or("")),
        csv_safe(c.first_name.as_deref().unwrap_or("")),
        csv_safe(&c.tags.join(", ")),
        if c.opted_out_at.is_some() { "yes" } else { "no" }.to_owned(),
    ];
    out.extend(fields.iter().map(|f| csv_safe(c.fields.get(f).map(String::as_str).unwrap_or(""))));
    out
}

impl Store {
    /// Writes every contact `q` selects as CSV (RFC 4180, UTF-8, header row); returns rows.
    /// Holds the store for the whole export (a consistent snapshot).
    pub fn export_contacts_csv(&self, q: &ContactQuery, out: impl Write) -> Result<u64> {
        let conn = self.conn()?;
        register_fold(&conn)?;
        let fields = field_names(&conn)?;
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> =
            ["phone", "name", "first_name", "tags", "opted_out"].iter().map(|s| (*s).to_owned()).collect();
        header.extend(fields.iter().cloned());
        w.write_record(&header).map_err(csv_error)?;
        let ids = ordered_ids(&conn, q)?;
        let mut written = 0u64;
        for chunk in ids.chunks(BATCH) {
            let mut batch = by_ids(&conn, chunk)?;
            attach_tags(&conn, &mut batch)?;
            for c in &batch {
                w.write_record(record(c, &fields)).map_err(csv_error)?;
                written += 1;
            }
        }
        w.flush()?;
        Ok(written)
    }

    /// Exports the contacts `q` selects to a new file `wadesk-contacts-<UTC time>.csv` in `dir`
    /// (never replacing a file); returns its path and the number of rows. A failed export removes
    /// its partial file.
    pub fn export_contacts_csv_to_dir(&self, q: &ContactQuery, dir: &Path) -> Result<(PathBuf, u64)> {
        export_to_new_file(dir, "wadesk-contacts", |out| self.export_contacts_csv(q, out))
    }
}
